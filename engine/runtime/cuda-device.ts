// CUDA devices: discovered at `wf.init()` through the native addon, with device memory behind the
// same `DeviceMemory` interface as the CPU, so arrays, copies and fills are written once.
//
// Beside the addon's own state (contexts, handle registry, lost devices), the runtime keeps a little
// per-device state here: the stream that work goes to when none is named (the legacy default
// stream unless `wf.setStream` or a capture changed it), the stream being captured into a graph,
// and the loaded modules whose error records `wf.synchronize()` reads. Memory operations follow the
// current stream, so inside `wf.capture` fills and device-to-device copies are captured too.

import { isNativeCudaError, type Handle, type NativeCuda } from "../backends/cuda/native.js";
import { CudaDriver } from "../backends/cuda/driver.js";
import { Device, DeviceMemory, registerDevice, setCudaStatus } from "./device.js";

/** What `wf.synchronize` needs of a loaded CUDA module. */
export interface CheckedModule { checkErrors(): void }

export class CudaDeviceState {
  /** Where work goes when no stream is named: 0n is the legacy default stream. */
  current: Handle = 0n;
  /** The stream being captured into a graph (null: none). */
  capturing: Handle | null = null;
  /** Frees asked for during a capture: done when it ends (a captured free would run at every replay). */
  deferredFrees: bigint[] = [];
  /** Live streams created by the runtime (stream-ordered frees need theirs to still exist). */
  readonly streams = new Set<Handle>();
  /** Loaded modules, checked for kernel errors at synchronize. */
  readonly modules = new Set<CheckedModule>();
  constructor(readonly device: Device, readonly native: NativeCuda) {}
  get ordinal(): number { return this.device.info.ordinal; }
}

const states = new Map<Device, CudaDeviceState>();

/** The runtime's state of a CUDA device. */
export function cudaState(device: Device): CudaDeviceState {
  const s = states.get(device);
  if (!s) throw new Error(`${device.name} is not a CUDA device`);
  return s;
}

/** An Error with the addon's `code` kept, so callers can still branch on it. */
export function codedError(message: string, code: string | undefined, cause?: unknown): Error & { code?: string } {
  const e = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code?: string };
  if (code) e.code = code;
  return e;
}

export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/**
 * The error to throw for a failed addon call on `device` while doing `what`: copies into graphs get a
 * message that says what to do instead; everything else keeps the addon's message (which names the
 * driver call and, after a sticky fault, says the device is lost) prefixed with what weft was doing.
 */
export function cudaError(e: unknown, device: Device, what: string): unknown {
  if (!isNativeCudaError(e)) return e;
  if (e.code === "WEFT_CAPTURE_UNSUPPORTED") {
    return codedError(`${what} on ${device.name} cannot be captured into a CUDA graph: a graph would keep a pointer into a ` +
      `JS buffer. Fill arrays before wf.capture() (or copy from another array on the device) and read results after ` +
      `graph.launch()`, e.code, e);
  }
  if (e.code === "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED" || e.code === "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT") {
    return codedError(`${what} on ${device.name} is not allowed while a CUDA graph is being captured (${e.message}); ` +
      `do it before wf.capture() or after it`, e.code, e);
  }
  return codedError(`${what} on ${device.name} failed: ${e.message}`, e.code, e);
}

function captureRefusal(device: Device, what: string): Error {
  return codedError(`${what} on ${device.name} is not possible inside wf.capture(): a CUDA graph replays launches and ` +
    `copies, not allocations. Allocate arrays before the capture and reuse them`, "WEFT_CAPTURE_UNSUPPORTED");
}

export class CudaDeviceMemory implements DeviceMemory {
  private inUse = 0;
  /** Bytes and the stream of a stream-ordered allocation, by pointer. */
  private sizes = new Map<bigint, { bytes: number; stream: Handle | null }>();
  constructor(private native: NativeCuda, private st: CudaDeviceState) {}
  private get ordinal(): number { return this.st.ordinal; }
  private get device(): Device { return this.st.device; }
  /** The stream argument for the addon: undefined for the legacy stream (the synchronous calls). */
  private get stream(): Handle | undefined { return this.st.current === 0n ? undefined : this.st.current; }

  alloc(bytes: number): bigint { return this.allocOn(bytes, null); }

  /** Allocates `bytes`, stream-ordered on `stream` when given and the device has memory pools. */
  allocOn(bytes: number, stream: Handle | null): bigint {
    if (this.st.capturing !== null) throw captureRefusal(this.device, `allocating ${formatBytes(bytes)}`);
    let p: bigint;
    try {
      p = stream === null ? this.native.memAlloc(this.ordinal, Math.max(bytes, 1)) : this.native.memAlloc(this.ordinal, Math.max(bytes, 1), stream);
    } catch (e) {
      if (isNativeCudaError(e) && e.code === "CUDA_ERROR_OUT_OF_MEMORY") throw this.outOfMemory(bytes, e);
      throw cudaError(e, this.device, `allocating ${formatBytes(bytes)}`);
    }
    this.sizes.set(p, { bytes, stream });
    this.inUse += bytes;
    return p;
  }

  private outOfMemory(bytes: number, cause: Error & { code: string }): Error {
    let free = "";
    try {
      const info = this.native.memGetInfo(this.ordinal);
      free = `; ${formatBytes(info.free)} of ${formatBytes(info.total)} are free`;
    } catch { /* the message is still useful without it */ }
    return codedError(`out of memory on ${this.device.name} (${this.device.info.description}): cannot allocate ` +
      `${formatBytes(bytes)} (${bytes} bytes)${free}, ${formatBytes(this.inUse)} held by weft arrays. ` +
      `Dispose arrays you no longer need with arr.dispose()`, cause.code, cause);
  }

  free(ptr: number | bigint): void {
    const p = BigInt(ptr);
    if (this.st.capturing !== null) { this.st.deferredFrees.push(p); return; }
    const rec = this.sizes.get(p);
    this.inUse -= rec?.bytes ?? 0;
    this.sizes.delete(p);
    // Stream-ordered memory goes back on its stream, or on the legacy stream once that is gone.
    if (rec?.stream != null) this.native.memFree(this.ordinal, p, this.st.streams.has(rec.stream) ? rec.stream : 0n);
    else this.native.memFree(this.ordinal, p);
  }

  /** Frees deferred by a capture (called when it ends). */
  flushDeferred(): void {
    const list = this.st.deferredFrees.splice(0);
    for (const p of list) {
      try { this.free(p); } catch { /* a lost device: its memory goes with the process */ }
    }
  }

  write(ptr: number | bigint, src: Uint8Array): void {
    if (!src.byteLength) return;
    try {
      this.native.memcpyHtoD(this.ordinal, BigInt(ptr), src, this.stream);
    } catch (e) { throw cudaError(e, this.device, `copying ${formatBytes(src.byteLength)} from JS memory`); }
  }

  read(ptr: number | bigint, bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    this.readInto(out, ptr);
    return out;
  }

  /** Copies `dst.byteLength` bytes from the device into `dst` (any Uint8Array, e.g. a view of CPU memory). */
  readInto(dst: Uint8Array, ptr: number | bigint): void {
    if (!dst.byteLength) return;
    try {
      this.native.memcpyDtoH(this.ordinal, dst, BigInt(ptr), this.stream);
    } catch (e) { throw cudaError(e, this.device, `copying ${formatBytes(dst.byteLength)} to JS memory`); }
  }

  fill(ptr: number | bigint, pattern: Uint8Array, count: number): void {
    const p = BigInt(ptr), n = pattern.length;
    if (count === 0) return;
    const s = this.stream;
    try {
      if (pattern.every((b) => b === pattern[0])) { this.native.memsetD8(this.ordinal, p, pattern[0], n * count, s); return; }
      // A pattern that repeats one 32-bit word (a float, vec3(1, 1, 1), ...) is one memsetD32.
      if (n % 4 === 0 && (p & 3n) === 0n) {
        const dv = new DataView(pattern.buffer, pattern.byteOffset, n);
        const w = dv.getUint32(0, true);
        let same = true;
        for (let k = 4; k < n && same; k += 4) same = dv.getUint32(k, true) === w;
        if (same) { this.native.memsetD32(this.ordinal, p, w, (n / 4) * count, s); return; }
      }
      // Other patterns: write one element, then double it with device-to-device copies.
      this.native.memcpyHtoD(this.ordinal, p, pattern, s);
      let done = 1;
      while (done < count) {
        const c = Math.min(done, count - done);
        this.native.memcpyDtoD(this.ordinal, p + BigInt(done * n), p, c * n, s);
        done += c;
      }
    } catch (e) { throw cudaError(e, this.device, `filling ${count} elements of ${n} bytes`); }
  }

  copy(dst: number | bigint, src: number | bigint, bytes: number): void {
    if (!bytes) return;
    try {
      this.native.memcpyDtoD(this.ordinal, BigInt(dst), BigInt(src), bytes, this.stream);
    } catch (e) { throw cudaError(e, this.device, `copying ${formatBytes(bytes)} between device arrays`); }
  }

  bytesInUse(): number { return this.inUse; }
}

let driver: CudaDriver | null = null;
let probed = false;
let lastReason = "";

function unavailable(reason: string, warn: boolean): { driver: null; reason: string } {
  lastReason = reason;
  setCudaStatus(reason);
  // One line, once per process, and only when something is broken (an addon that failed to build or
  // load, a driver that failed to start); a machine without an NVIDIA driver is normal and silent.
  // (WEFT_QUIET=1 silences it; wf.cudaStatus().reason always has it.)
  if (warn && process.env.WEFT_QUIET !== "1") process.stderr.write(`weft: CUDA is unavailable, running on cpu only: ${reason}\n`);
  return { driver: null, reason };
}

/** Registers every CUDA device; returns why there are none when there are none. */
export function probeCuda(): { driver: CudaDriver | null; reason: string } {
  if (probed) return { driver, reason: driver ? "" : lastReason };
  probed = true;
  if (process.env.WEFT_DISABLE_CUDA === "1") return unavailable("disabled by WEFT_DISABLE_CUDA=1", false);
  const { driver: d, reason } = CudaDriver.load();
  if (!d) return unavailable(reason, true);
  const st = d.status();
  if (!st.available) return unavailable(st.reason, st.driverLoaded);
  let list;
  try {
    list = d.listDevices();
  } catch (e) {
    return unavailable(`the CUDA devices could not be queried: ${(e as Error).message}`, true);
  }
  driver = d;
  for (const info of list) {
    const memory = new CudaDeviceMemoryHolder();
    const device = new Device({
      name: info.id, kind: "cuda", ordinal: info.ordinal, description: info.name, totalMemory: info.totalMem,
      computeCapability: [info.major, info.minor], arch: info.arch,
    }, memory);
    const state = new CudaDeviceState(device, d.native);
    memory.inner = new CudaDeviceMemory(d.native, state);
    states.set(device, state);
    registerDevice(device);
  }
  setCudaStatus(null);
  return { driver, reason: "" };
}

/** What the runtime uses of CUDA memory beyond DeviceMemory. */
export interface CudaMemoryOps extends DeviceMemory {
  allocOn(bytes: number, stream: Handle | null): bigint;
  readInto(dst: Uint8Array, ptr: number | bigint): void;
  flushDeferred(): void;
}

/** Forwards to the device's CudaDeviceMemory (the Device and its state refer to each other). */
class CudaDeviceMemoryHolder implements CudaMemoryOps {
  inner!: CudaDeviceMemory;
  alloc(bytes: number) { return this.inner.alloc(bytes); }
  free(ptr: number | bigint) { this.inner.free(ptr); }
  write(ptr: number | bigint, src: Uint8Array) { this.inner.write(ptr, src); }
  read(ptr: number | bigint, bytes: number) { return this.inner.read(ptr, bytes); }
  readInto(dst: Uint8Array, ptr: number | bigint) { this.inner.readInto(dst, ptr); }
  fill(ptr: number | bigint, pattern: Uint8Array, count: number) { this.inner.fill(ptr, pattern, count); }
  copy(dst: number | bigint, src: number | bigint, bytes: number) { this.inner.copy(dst, src, bytes); }
  bytesInUse() { return this.inner.bytesInUse(); }
  allocOn(bytes: number, stream: Handle | null) { return this.inner.allocOn(bytes, stream); }
  flushDeferred() { this.inner.flushDeferred(); }
}

/** The CUDA memory of a device (for stream-ordered allocation and direct reads). */
export function cudaMemory(device: Device): CudaMemoryOps {
  if (!(device.memory instanceof CudaDeviceMemoryHolder)) throw new Error(`${device.name} is not a CUDA device`);
  return device.memory;
}

export function cudaDriver(): CudaDriver {
  if (!driver) throw new Error(`CUDA is not available: ${lastReason || "call wf.init() first"}`);
  return driver;
}

/**
 * `wf.synchronize()` for a CUDA device: waits for all its work, then reads the error record of every
 * module loaded on it, so a kernel error of a release build (a trap; in debug builds, a failed check
 * in a graph replay) surfaces here as a KernelTrap naming the kernel, the argument and the index.
 * A device fault (illegal address, ...) is reported here too, and leaves the device lost.
 */
export function synchronizeCuda(device: Device): void {
  const st = cudaState(device);
  if (st.capturing !== null) {
    throw codedError(`wf.synchronize(): ${device.name} is capturing a CUDA graph (inside wf.capture()), where nothing runs ` +
      `yet; synchronize after the capture, after graph.launch()`, "WEFT_CAPTURE_UNSUPPORTED");
  }
  try {
    st.native.ctxSynchronize(st.ordinal);
  } catch (e) { throw cudaError(e, device, "synchronizing"); }
  for (const m of st.modules) m.checkErrors();
}
