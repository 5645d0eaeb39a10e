// Which backend runs a launch, and the heavy modules loaded on demand: the frontend (it loads the
// TypeScript parser), binaryen (wasm compiler) and the CUDA code generator are imported only when
// something needs them, so a process that finds every kernel in the cache starts fast.

import type { Func } from "../ir/ops.js";
import type { Stage } from "../passes/pipeline.js";
import { CompiledArtifact, LoadedModuleHandle } from "./backend.js";
import { Device, cpuRawMemory } from "./device.js";
import { runKernel } from "../ir/interp.js";

export type BackendChoice = "auto" | "interp" | "wasm" | "cuda";

/** The runtime's view of a backend: its pipeline stage, cache policy, target, compile and load. */
export interface RuntimeBackend {
  name: "interp" | "wasm" | "cuda";
  /** Pipeline stage its kernels are lowered to. */
  stage: Stage;
  /** Whether artifacts go to the disk cache. */
  cacheable: boolean;
  /** Whether launch arguments are the flat lowered parameters (else the source parameters). */
  flatArgs: boolean;
  target(device: Device): string;
  /**
   * Loads what `compile` needs when that is heavy (the wasm backend's binaryen); absent when there
   * is nothing to load. `Module.prepare` awaits it before compiling a module the cache misses.
   */
  loadCompiler?(): Promise<void>;
  compile(kernels: Func[], opts: { debug: boolean; moduleName: string; device: Device }): CompiledArtifact;
  load(artifact: CompiledArtifact, kernels: Func[], device: Device): LoadedModuleHandle;
}

// --- the reference interpreter as a backend --------------------------------------------------------
const interpBackend: RuntimeBackend = {
  name: "interp",
  stage: "builtins",
  cacheable: false,
  flatArgs: false,
  target: () => "interp",
  compile: () => ({ target: "interp", bytes: new Uint8Array(0), meta: null }),
  load(_artifact, kernels) {
    const byName = new Map(kernels.map((k) => [k.name, k]));
    return {
      launch(kernel, dims, args) {
        const fn = byName.get(kernel);
        if (!fn) throw new Error(`interp: no kernel ${kernel}`);
        runKernel(fn, dims, args, cpuRawMemory());
      },
      dispose() { byName.clear(); },
    };
  },
};

// --- lazily loaded modules ----------------------------------------------------------------------------
type Frontend = typeof import("../lang/index.js");
let frontendMod: Frontend | null = null;
export async function loadFrontend(): Promise<Frontend> {
  frontendMod ??= await import("../lang/index.js");
  return frontendMod;
}
export function frontendLoaded(): boolean { return frontendMod !== null; }
export function frontend(): Frontend {
  if (!frontendMod) throw new Error("weft: the kernel frontend is not loaded (internal: call loadFrontend first)");
  return frontendMod;
}

const loadedBackends = new Map<string, RuntimeBackend>([["interp", interpBackend]]);
const loaders: Record<string, () => Promise<RuntimeBackend>> = {
  wasm: async () => (await import("../backends/wasm/runtime-backend.js")).wasmRuntimeBackend(),
  cuda: async () => (await import("../backends/cuda/runtime-backend.js")).cudaRuntimeBackend(),
};

export function resolveChoice(device: Device, choice: BackendChoice): "interp" | "wasm" | "cuda" {
  if (device.isCuda) {
    if (choice !== "auto" && choice !== "cuda") throw new Error(`backend '${choice}' cannot run on ${device.name}; CUDA devices use the 'cuda' backend`);
    return "cuda";
  }
  if (choice === "cuda") throw new Error(`backend 'cuda' cannot run on the cpu device`);
  if (choice === "auto") return process.env.WEFT_CPU_BACKEND === "interp" ? "interp" : "wasm";
  return choice;
}

export async function loadBackend(device: Device, choice: BackendChoice): Promise<RuntimeBackend> {
  const name = resolveChoice(device, choice);
  let b = loadedBackends.get(name);
  if (!b) { b = await loaders[name](); loadedBackends.set(name, b); }
  return b;
}

/** The backend if already loaded (the synchronous launch path), else null. */
export function backendSync(device: Device, choice: BackendChoice): RuntimeBackend | null {
  return loadedBackends.get(resolveChoice(device, choice)) ?? null;
}
