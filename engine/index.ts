// weft's public API: `import * as wf from "weft"`.

import { probeCuda, synchronizeCuda } from "./runtime/cuda-device.js";
import { cudaStatus, devices, getDevice, setDevice, Device, cpuDevice } from "./runtime/device.js";
import { loadBackend, loadFrontend } from "./runtime/backends.js";

export { Device, devices, getDevice, setDevice, cudaStatus };
export { WeftArray, array, copy, empty, full, ones, zeros } from "./runtime/array.js";
export type { ArrayOptions, CopyOptions } from "./runtime/array.js";
export { Stream, Event, elapsedMs, getStream, setStream, withStream, defaultStream } from "./runtime/stream.js";
export type { StreamOptions, EventOptions } from "./runtime/stream.js";
export { Graph, capture } from "./runtime/graph.js";
export type { CaptureOptions } from "./runtime/graph.js";
export { Kernel, Module, loadModule } from "./runtime/module.js";
export type { LoadOptions } from "./runtime/module.js";
export { launch } from "./runtime/launch.js";
export type { LaunchOptions } from "./runtime/launch.js";
export { KernelTrap } from "./runtime/backend.js";
export { WeftCompileError } from "./lang/diagnostics.js";
export {
  float32, float64, int32, uint32, int64, uint64, bool,
  vec2, vec3, vec4, vec2d, vec3d, vec4d, vec2i, vec3i, vec4i,
  mat22, mat33, mat44, mat22d, mat33d, mat44d, quatf as quat, quatd, transformf as transform, transformd,
} from "./runtime/dtype.js";
export type { DType } from "./runtime/dtype.js";
export { float32 as f32, float64 as f64, int32 as i32, uint32 as u32, int64 as i64, uint64 as u64 } from "./runtime/dtype.js";

let initDone: Promise<void> | null = null;
let cpuPool: { setNumThreads(n: number): void; getNumThreads(): number } | null = null;

/** Threads CPU launches use (default: WEFT_NUM_THREADS or every core; 1 = the main thread only). */
export function setCpuThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setCpuThreads: expected a positive integer, got ${n}`);
  if (!cpuPool) throw new Error("setCpuThreads: call await wf.init() first");
  cpuPool.setNumThreads(n);
}
export function getCpuThreads(): number {
  if (!cpuPool) throw new Error("getCpuThreads: call await wf.init() first");
  return cpuPool.getNumThreads();
}

/** Loads the backends and finds the devices. Idempotent; safe to call many times. */
export function init(): Promise<void> {
  initDone ??= (async () => {
    probeCuda();
    // The frontend and the wasm compiler (binaryen) are loaded here so that later compiles (another
    // device, a Tape's adjoints) can run synchronously inside launch; loadModule alone never needs
    // them on a cache hit.
    await loadFrontend();
    await (await loadBackend(cpuDevice, "auto")).loadCompiler?.();
    cpuPool = await import("./backends/wasm/device.js");
    if (devices().some((d) => d.isCuda)) await loadBackend(devices().find((d) => d.isCuda)!, "cuda");
  })();
  return initDone;
}

/** Waits until every launch on `device` (default: all devices) has finished. */
export function synchronize(device?: string | Device): void {
  const list = device === undefined ? devices() : [getDevice(device)];
  for (const d of list) syncHooks.get(d.kind)?.(d);
}
/** @internal backends register how to wait for their device. */
export const syncHooks = new Map<string, (d: Device) => void>();
// CUDA: wait for the device, then surface kernel errors recorded by its modules as KernelTraps.
syncHooks.set("cuda", synchronizeCuda);
export { Tape } from "./runtime/tape.js";
export type { TapeOptions } from "./runtime/tape.js";
export { gradcheck } from "./runtime/gradcheck.js";
export type { GradcheckOptions, GradcheckResult } from "./runtime/gradcheck.js";
export { checkpointed } from "./runtime/checkpoint.js";
export type { CheckpointedSpec, CheckpointedResult } from "./runtime/checkpoint.js";
export { Mesh } from "./geometry/mesh/mesh.js";
export type { MeshOptions, MeshKernelArg } from "./geometry/mesh/mesh.js";
export { Bvh } from "./geometry/bvh/bvh.js";
export type { BvhOptions } from "./geometry/bvh/bvh.js";
export { HashGrid } from "./geometry/hashgrid/hashgrid.js";
export type { HashGridOptions, HashGridKernelArg } from "./geometry/hashgrid/hashgrid.js";
export { Volume } from "./geometry/volume/volume.js";
export type { VolumeLoadOptions, VolumeDenseOptions, VolumeSaveOptions, VolumeKernelArg, VolumeTransform } from "./geometry/volume/volume.js";
export { NanoVDBError } from "./geometry/nanovdb/errors.js";
