// The build kernels of wf.HashGrid (kernels.ts) as one engine module, compiled on first use for the
// device and backend that need it, like any user module (and cached on disk the same way).

import { Kernel, Module } from "../../runtime/module.js";
import { Device } from "../../runtime/device.js";
import { BackendChoice, backendSync, resolveChoice } from "../../runtime/backends.js";
import { HASHGRID_BUILD_SOURCE } from "./kernels.js";

let mod: Module | null = null;

/** A build kernel, compiled for `device` (and `backend`) on first use; needs wf.init(). */
export function hashGridKernel(name: string, device: Device, backend: BackendChoice = "auto"): Kernel {
  mod ??= new Module("weft_hashgrid", "weft_hashgrid.ts", HASHGRID_BUILD_SOURCE, {});
  if (!mod.kernels[name] || !mod.loadedFor(device, resolveChoice(device, backend))) {
    const b = backendSync(device, backend);
    if (!b) throw new Error(`weft: the ${resolveChoice(device, backend)} backend is not loaded for ${device.name}; call 'await wf.init()' first`);
    mod.prepareSync(device, b);
  }
  const k = mod.kernels[name];
  if (!k) throw new Error(`internal: the hash-grid module has no kernel ${name}`);
  return k;
}
