// Loader and typed surface of the native CUDA addon (build/Release/weft_cuda.node).
//
// The addon (native-cuda/ + bindings/) dlopens libcuda and NVRTC at run time, so it loads on any
// Linux machine, GPU or not; `status()` says what is usable and why not. This file is the
// contract between the addon and the TypeScript runtime: keep it in step with bindings/*.cpp.
//
// Conventions of every NativeCuda method:
// - `dev` is a device ordinal (cuda:N -> N). The addon retains that device's primary context on
//   first use and makes it current before each call.
// - Device pointers and handles (streams, events, modules, functions, graphs) are bigints; 0n as
//   a stream is the legacy default stream. Sizes and pointers also accept safe-integer numbers.
//   Handles are checked against a registry, so a destroyed or made-up one throws
//   WEFT_INVALID_HANDLE instead of crashing the driver.
// - Failures throw an Error with `code`: the CUDA error name (e.g. CUDA_ERROR_OUT_OF_MEMORY), the
//   NVRTC error name, or one of WEFT_CUDA_UNAVAILABLE, WEFT_NVRTC_UNAVAILABLE, WEFT_DEVICE_LOST,
//   WEFT_INVALID_DEVICE, WEFT_INVALID_HANDLE, WEFT_DEVICE_MISMATCH, WEFT_CAPTURE_UNSUPPORTED,
//   WEFT_NOT_SUPPORTED; bad argument types throw TypeError with code ERR_INVALID_ARG_TYPE.
//   The message names the operation, e.g.
//   "cuMemAlloc(1125899906842624 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
// - After a sticky device fault (illegal address, misaligned address, launch failure, ...) the
//   device is marked lost: every later call on it throws WEFT_DEVICE_LOST ("device cuda:N is lost
//   after a device fault (...); restart the process to use it again"), except frees/destroys,
//   which become no-ops so finalizers never throw. The process itself is never aborted.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A device pointer or driver handle. */
export type Handle = bigint;

export interface CudaStatus {
  /** libcuda.so.1 was found and exports what weft needs. */
  driverLoaded: boolean;
  /** An NVRTC library was found (compiling needs no GPU, only this). */
  nvrtcLoaded: boolean;
  /** Driver loaded, cuInit succeeded and there is at least one device. */
  available: boolean;
  /** A sentence: why CUDA is unavailable, or a summary such as "1 CUDA device(s), driver 13.0". */
  reason: string;
  /** cuDriverGetVersion, e.g. 13000 for 13.0; 0 when the driver is absent. */
  driverVersion: number;
  nvrtcVersion: [number, number] | null;
  /** Path or soname of the NVRTC library that was loaded. */
  nvrtcPath: string | null;
  /** Why NVRTC is missing ("" when loaded). */
  nvrtcReason: string;
  deviceCount: number;
}

export interface CudaDeviceInfo {
  name: string;
  /** Bytes. */
  totalMem: number;
  major: number;
  minor: number;
  smCount: number;
  maxThreadsPerBlock: number;
  warpSize: number;
  maxSharedMemPerBlock: number;
  pciBusId: number;
  /** Stream-ordered allocation (cuMemAllocAsync) is supported. */
  memoryPoolsSupported: boolean;
}

export interface NvrtcResult {
  /** False when the source (or an option) is rejected; `log` then says why, with line numbers. */
  ok: boolean;
  log: string;
  /** The cubin, when options include `-arch=sm_XX`. */
  cubin?: Uint8Array;
  /** PTX text, when options include `-arch=compute_XX` (or no -arch). */
  ptx?: string;
}

export interface NativeCuda {
  /** Never throws. Loads libcuda and NVRTC on first call. */
  status(): CudaStatus;
  deviceInfo(dev: number): CudaDeviceInfo;

  /** With a stream (and memory pools supported) allocates stream-ordered (cuMemAllocAsync). 0 bytes gives 0n. */
  memAlloc(dev: number, bytes: number | bigint, stream?: Handle): Handle;
  /** With a stream (and memory pools supported) frees stream-ordered (cuMemFreeAsync). 0n is a no-op. */
  memFree(dev: number, ptr: Handle, stream?: Handle): void;
  memGetInfo(dev: number): { free: number; total: number };
  /**
   * Copies src.byteLength bytes. With a non-default stream the copy is ordered on that stream and
   * the stream is synchronized before returning: JS buffers are pageable and owned by the GC, so
   * the copy must be finished with `src` when the call returns. Throws WEFT_CAPTURE_UNSUPPORTED
   * while the stream is being captured (a graph must not keep a pointer into a JS buffer).
   */
  memcpyHtoD(dev: number, dst: Handle, src: ArrayBufferView, stream?: Handle): void;
  /** Copies dst.byteLength bytes; same stream rule as memcpyHtoD (returns with `dst` filled). */
  memcpyDtoH(dev: number, dst: ArrayBufferView, src: Handle, stream?: Handle): void;
  /** Asynchronous on a given stream (capturable). */
  memcpyDtoD(dev: number, dst: Handle, src: Handle, bytes: number | bigint, stream?: Handle): void;
  /** Sets `count` bytes. */
  memsetD8(dev: number, ptr: Handle, value: number, count: number | bigint, stream?: Handle): void;
  /** Sets `count` 32-bit words (value taken as uint32; pass float bits for floats). */
  memsetD32(dev: number, ptr: Handle, value: number, count: number | bigint, stream?: Handle): void;

  /** Compiles CUDA C++. `headers` maps include names to sources (e.g. {"weft.cuh": src}). */
  nvrtcCompile(source: string, name: string, options: string[], headers?: Record<string, string>): NvrtcResult;
  /** Same, on the libuv thread pool (compiles can take 100s of ms). */
  nvrtcCompileAsync(source: string, name: string, options: string[], headers?: Record<string, string>): Promise<NvrtcResult>;
  nvrtcVersion(): [number, number];
  /** Real architectures this NVRTC emits SASS for, e.g. [75, 80, ..., 120]; [] if unknown. */
  nvrtcSupportedArchs(): number[];

  /** Loads a cubin or PTX image (PTX need not be NUL-terminated). */
  moduleLoad(dev: number, image: Uint8Array): Handle;
  moduleGetFunction(mod: Handle, name: string): Handle;
  /** Also invalidates the module's function handles. */
  moduleUnload(mod: Handle): void;
  /** Address and size of a `__device__` variable of a loaded module (cuModuleGetGlobal). */
  moduleGetGlobal(mod: Handle, name: string): { ptr: Handle; bytes: number };
  functionAttributes(fn: Handle): { maxThreadsPerBlock: number; numRegs: number; sharedSizeBytes: number; localSizeBytes: number };
  occupancyMaxPotentialBlockSize(fn: Handle, dynamicSharedBytes?: number): { minGridSize: number; blockSize: number };
  /**
   * Launches `fn`. `params` holds the kernel arguments packed in the kernel's parameter layout
   * (each argument at its natural alignment, as the CUDA ABI lays out a struct of them); it is
   * passed with CU_LAUNCH_PARAM_BUFFER_POINTER, copied by the driver, and may be reused at once.
   */
  launch(dev: number, fn: Handle, gridX: number, gridY: number, gridZ: number,
    blockX: number, blockY: number, blockZ: number, sharedBytes: number, stream: Handle, params: Uint8Array): void;

  /** flags: 0 = CU_STREAM_DEFAULT (synchronizes with the legacy stream), 1 = CU_STREAM_NON_BLOCKING. */
  streamCreate(dev: number, flags?: number): Handle;
  streamDestroy(stream: Handle): void;
  /** 0n synchronizes the legacy default stream of the device last used on this thread. */
  streamSynchronize(stream: Handle): void;
  /** timing=false (default) creates a cheaper event that cannot be used with eventElapsedMs. */
  eventCreate(dev: number, timing?: boolean): Handle;
  eventRecord(ev: Handle, stream?: Handle): void;
  eventSynchronize(ev: Handle): void;
  eventElapsedMs(start: Handle, end: Handle): number;
  eventDestroy(ev: Handle): void;
  ctxSynchronize(dev: number): void;

  /** mode: 0 global, 1 thread-local (default), 2 relaxed (CUstreamCaptureMode). Not on stream 0n. */
  beginCapture(stream: Handle, mode?: number): void;
  /** Ends the capture and returns the instantiated executable graph. */
  endCapture(stream: Handle): Handle;
  graphLaunch(exec: Handle, stream?: Handle): void;
  graphDestroy(exec: Handle): void;
}

/** An error thrown by the addon. */
export interface NativeCudaError extends Error {
  code: string;
}

export function isNativeCudaError(e: unknown): e is NativeCudaError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string";
}

/** The folder holding weft's package.json, found by walking up from this file. */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "weft") return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

let cached: { native: NativeCuda | null; reason: string } | undefined;

/**
 * Loads the addon once. Never throws: `native` is null when the addon file is missing (not built:
 * run `node scripts/build-addon.mjs`) or fails to load, and `reason` says which. A loaded addon
 * may still report `status().available === false` (no driver / no GPU).
 * `WEFT_CUDA_ADDON` may name another weft_cuda.node (used by tests and packagers).
 */
export function loadNativeCuda(): { native: NativeCuda | null; reason: string } {
  if (cached) return cached;
  const root = packageRoot();
  const file = process.env.WEFT_CUDA_ADDON || (root && path.join(root, "build", "Release", "weft_cuda.node"));
  if (!file) {
    cached = { native: null, reason: "could not find the weft package root (package.json named weft)" };
  } else if (!existsSync(file)) {
    cached = {
      native: null,
      reason: `the CUDA addon is not built (${file} is missing; run \`node scripts/build-addon.mjs\`)`,
    };
  } else {
    try {
      const require = createRequire(root ? path.join(root, "package.json") : import.meta.url);
      cached = { native: require(file) as NativeCuda, reason: "" };
    } catch (e) {
      cached = { native: null, reason: `the CUDA addon ${file} failed to load: ${(e as Error).message}` };
    }
  }
  return cached;
}
