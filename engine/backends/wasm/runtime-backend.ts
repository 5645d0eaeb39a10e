// The wasm backend as the runtime sees it (engine/runtime/backends.ts loads this file on demand).
// Loading it does not load the compiler (binaryen): `loadCompiler` does, before a cache miss.
import type { RuntimeBackend } from "../../runtime/backends.js";
import { TARGET } from "./abi.js";
import { WasmBackend } from "./device.js";

let backend: WasmBackend | null = null;

export function wasmBackend(): WasmBackend {
  if (!backend) backend = new WasmBackend();
  return backend;
}

export function wasmRuntimeBackend(): RuntimeBackend {
  const b = wasmBackend();
  return {
    name: "wasm",
    stage: "lowered",
    cacheable: true,
    flatArgs: true,
    target: () => TARGET,
    loadCompiler: () => b.loadCompiler(),
    compile: (kernels, opts) => b.compile(kernels, { debug: opts.debug, moduleName: opts.moduleName }),
    load: (artifact, kernels) => b.load(artifact, kernels),
  };
}
