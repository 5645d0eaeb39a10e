// The geometry code's own kernels (refits on the GPU), written in the kernel language against the
// standard library (kernels-as/lib/bvh.ts, mesh.ts, used by name). They are compiled on first use for
// the device that needs them, like any user module (and cached on disk the same way).

import { Kernel, Module } from "../../runtime/module.js";
import { Device } from "../../runtime/device.js";
import { backendSync } from "../../runtime/backends.js";

const modules = new Map<string, Module>();
/** A module of engine kernels (using the standard library by name), created once per process. */
export function engineModule(name: string, source: string): Module {
  let m = modules.get(name);
  if (!m) {
    m = new Module(name, `${name}.ts`, source, {});
    modules.set(name, m);
  }
  return m;
}

/** A kernel of an engine module, compiled for `device` on first use (needs wf.init()). */
export function engineKernel(name: string, source: string, kernel: string, device: Device): Kernel {
  const m = engineModule(name, source);
  if (!m.kernels[kernel]) {
    const b = backendSync(device, "auto");
    if (!b) throw new Error(`weft: no backend is loaded for ${device.name}; call 'await wf.init()' first`);
    m.prepareSync(device, b);
  }
  const k = m.kernels[kernel];
  if (!k) throw new Error(`internal: engine module ${name} has no kernel ${kernel}`);
  return k;
}

export const BVH_REFIT_SOURCE = `
import { tid, Array, vec3, i32, min, max } from "weft/kernels";

/** Refit of one level of a wf.Bvh (thread k: node order[start + k]); launched deepest level first. */
@kernel
export function bvhRefitLevel(bvh: Bvh, order: Array<i32>, start: i32): void {
  const n = order[start + tid()];
  const c = bvh.nodes[n].child;
  if (c < 0) {
    const first = ~c >> 3;
    const end = first + (~c & 7) + 1;
    let lo = bvh.lowers[bvh.primIds[first]];
    let hi = bvh.uppers[bvh.primIds[first]];
    for (let s = first + 1; s < end; s++) { lo = min(lo, bvh.lowers[bvh.primIds[s]]); hi = max(hi, bvh.uppers[bvh.primIds[s]]); }
    bvh.nodes[n].lower = lo;
    bvh.nodes[n].upper = hi;
  } else {
    bvh.nodes[n].lower = min(bvh.nodes[n + 1].lower, bvh.nodes[c].lower);
    bvh.nodes[n].upper = max(bvh.nodes[n + 1].upper, bvh.nodes[c].upper);
  }
}
`;
