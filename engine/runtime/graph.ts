// CUDA graph capture: `const g = wf.capture(() => { launches... })` records the launches (and the
// device-side fills and copies) of a step into a CUDA graph without running them; `g.launch()`
// replays the whole step with one driver call; `g.dispose()` frees it.
//
// Inside the capture, work that names no stream goes to the capture stream (a private one, or
// `opts.stream`). What a graph cannot hold is refused with a message that says what to do instead:
// copies from or to JS memory (the graph would keep a pointer into a JS buffer), allocations (a
// replay does not allocate), synchronization (nothing runs yet). Frees asked for during the capture
// wait until it ends. The graph keeps the arrays its launches use alive, and a replay checks that
// none was disposed (it would write freed memory).
//
// On the cpu the same API records the launches and replays them in order, so a program written
// around graphs runs unchanged there.

import type { Handle } from "../backends/cuda/native.js";
import { Device, getDevice } from "./device.js";
import { codedError, cudaError, cudaMemory, cudaState } from "./cuda-device.js";
import { CaptureRecord, Stream, activeCapture, getStream, setActiveCapture, setStream } from "./stream.js";
import { describe } from "./dtype.js";

export interface CaptureOptions {
  /** Device to capture on (default: the stream's device, else the current device). */
  device?: string | Device;
  /** Stream to capture (default: a private stream). Must not be a device's default stream. */
  stream?: Stream;
}

const finalizer = new FinalizationRegistry<() => void>((destroy) => { try { destroy(); } catch { /* device lost */ } });

interface Disposable { disposed: boolean; toString(): string }

export class Graph {
  private exec: Handle | null;
  private readonly cpuOps: (() => void)[];
  private readonly arrays: Disposable[];
  private destroyed = false;

  /** @internal use wf.capture */
  constructor(readonly device: Device, rec: CaptureRecord, exec: Handle | null) {
    this.exec = exec;
    this.cpuOps = rec.cpuOps;
    this.arrays = [...rec.arrays] as Disposable[];
    this.launches = rec.launches;
    if (exec !== null) {
      const native = cudaState(device).native;
      finalizer.register(this, () => native.graphDestroy(exec), this);
    }
  }

  /** Kernel launches recorded in the graph. */
  readonly launches: number;
  get disposed(): boolean { return this.destroyed; }

  /** Replays the graph on `stream` (default: the device's current stream). */
  launch(stream?: Stream): void {
    if (this.destroyed) throw new Error(`graph.launch(): the graph on ${this.device.name} was disposed`);
    for (const a of this.arrays) {
      if (a.disposed) throw new Error(`graph.launch(): the graph uses ${a} which was disposed; a replay would use freed memory`);
    }
    const s = stream ?? getStream(this.device);
    if (!(s instanceof Stream)) throw new TypeError(`graph.launch: expected a wf.Stream, got ${describe(s)}`);
    if (s.device !== this.device) throw new Error(`graph.launch(): the graph is on ${this.device.name} but the stream is on ${s.device.name}`);
    s.check("launch");
    if (this.exec === null) { for (const op of this.cpuOps) op(); return; }
    try {
      cudaState(this.device).native.graphLaunch(this.exec, s.handle!);
    } catch (e) { throw cudaError(e, this.device, "launching a CUDA graph"); }
  }

  /** Frees the graph (a replay in flight still completes). */
  dispose(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    finalizer.unregister(this);
    this.arrays.length = 0;
    this.cpuOps.length = 0;
    if (this.exec !== null) {
      const exec = this.exec;
      this.exec = null;
      try {
        cudaState(this.device).native.graphDestroy(exec);
      } catch (e) { throw cudaError(e, this.device, "destroying a CUDA graph"); }
    }
  }

  toString(): string { return `Graph(${this.device.name}, ${this.launches} launches)`; }
}

function isThenable(v: unknown): boolean {
  return !!v && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
}

/**
 * Records the launches `fn` makes on one device into a graph, without running them. `fn` must be
 * synchronous (a capture cannot wait for a promise: other code would launch into it meanwhile).
 */
export function capture(fn: () => void, opts: CaptureOptions = {}): Graph {
  if (typeof fn !== "function") throw new TypeError(`wf.capture: expected a function, got ${describe(fn)}`);
  if (opts.stream !== undefined && !(opts.stream instanceof Stream)) throw new TypeError(`wf.capture: options.stream must be a wf.Stream, got ${describe(opts.stream)}`);
  const device = opts.stream?.device ?? getDevice(opts.device);
  if (opts.stream && opts.device !== undefined && getDevice(opts.device) !== opts.stream.device)
    throw new Error(`wf.capture: options.device is ${getDevice(opts.device).name} but options.stream is on ${opts.stream.device.name}`);
  const busy = activeCapture();
  if (busy) throw codedError(`wf.capture: a capture on ${busy.device.name} is already in progress; captures do not nest`, "WEFT_CAPTURE_NESTED");
  const rec: CaptureRecord = { device, handle: null, arrays: new Set(), cpuOps: [], launches: 0 };
  if (!device.isCuda) return captureCpu(fn, rec);

  if (opts.stream) {
    opts.stream.check("capture");
    if (opts.stream.isDefault) throw new Error(`wf.capture: the default stream of ${device.name} cannot be captured; pass a stream made with new wf.Stream("${device.name}")`);
  }
  const st = cudaState(device);
  const stream = opts.stream ?? new Stream(device);
  const handle = stream.handle!;
  rec.handle = handle;
  setActiveCapture(rec);
  const prev = setStream(stream);
  try {
    st.native.beginCapture(handle);
  } catch (e) {
    setStream(prev);
    setActiveCapture(null);
    if (!opts.stream) stream.dispose();
    throw cudaError(e, device, "starting a CUDA graph capture");
  }
  st.capturing = handle;

  let failure: unknown = null, exec: Handle | null = null;
  try {
    if (isThenable(fn())) {
      failure = new TypeError("wf.capture: the function returned a promise; a capture records synchronous launches only (no await inside)");
    }
  } catch (e) {
    failure = e;
  } finally {
    st.capturing = null;
    setStream(prev);
    setActiveCapture(null);
    try {
      exec = st.native.endCapture(handle);
    } catch (e) {
      failure ??= isInvalidated(e)
        ? codedError(`wf.capture on ${device.name}: an operation inside the capture could not be captured, so the graph was ` +
          `discarded (${(e as Error).message}). Inside wf.capture() only launches, fills and copies between device arrays ` +
          `of ${device.name} are allowed`, (e as { code?: string }).code, e)
        : cudaError(e, device, "ending a CUDA graph capture");
    }
    cudaMemory(device).flushDeferred();
    if (!opts.stream) stream.dispose();
  }
  if (failure !== null) {
    if (exec !== null) { try { st.native.graphDestroy(exec); } catch { /* keep the first error */ } }
    throw failure;
  }
  return new Graph(device, rec, exec);
}

function isInvalidated(e: unknown): boolean {
  return (e as { code?: string })?.code === "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED";
}

function captureCpu(fn: () => void, rec: CaptureRecord): Graph {
  setActiveCapture(rec);
  try {
    if (isThenable(fn())) throw new TypeError("wf.capture: the function returned a promise; a capture records synchronous launches only (no await inside)");
  } finally {
    setActiveCapture(null);
  }
  return new Graph(rec.device, rec, null);
}
