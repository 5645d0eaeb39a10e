// Streams and events: `new wf.Stream(device)`, `wf.launch(k, dims, args, { stream })`,
// `stream.synchronize()`, `new wf.Event(device, { timing: true })`, `stream.record(event)`,
// `event.synchronize()`, `wf.elapsedMs(a, b)`, and the current stream of each device
// (`wf.getStream`, `wf.setStream`, `wf.withStream`).
//
// Work with no stream named goes to the device's current stream: its legacy default stream unless
// `setStream` chose another (or `wf.capture` is recording one). Streams are created blocking by
// default, so they order themselves with the default stream, and reading an array (a synchronous
// copy on the default stream) waits for the kernels that wrote it. On the cpu, streams and events
// exist too, so timing code runs unchanged there: cpu launches finish before they return, a cpu
// stream has nothing to wait for, and a cpu event records the host clock.

import type { Handle } from "../backends/cuda/native.js";
import { Device, getDevice } from "./device.js";
import { codedError, cudaError, cudaState } from "./cuda-device.js";
import { describe } from "./dtype.js";

// Driver objects nobody disposed are destroyed when their JS object is collected.
const finalizer = new FinalizationRegistry<() => void>((destroy) => { try { destroy(); } catch { /* device lost or gone */ } });

export interface StreamOptions {
  /** Create a stream that does not order itself with the legacy default stream (CU_STREAM_NON_BLOCKING). */
  nonBlocking?: boolean;
}

const LEGACY = Symbol("legacy default stream");

export class Stream {
  readonly device: Device;
  /** The driver handle: 0n for a device's default stream, null on the cpu. */
  readonly handle: Handle | null;
  readonly nonBlocking: boolean;
  private destroyed = false;
  private readonly owned: boolean;

  constructor(device?: string | Device, opts: StreamOptions = {}, /** @internal */ kind?: typeof LEGACY) {
    this.device = getDevice(device);
    this.nonBlocking = !!opts.nonBlocking;
    this.owned = kind !== LEGACY && this.device.isCuda;
    if (!this.device.isCuda) { this.handle = null; return; }
    if (kind === LEGACY) { this.handle = 0n; return; }
    const st = cudaState(this.device);
    let h: Handle;
    try {
      h = st.native.streamCreate(st.ordinal, this.nonBlocking ? 1 : 0);
    } catch (e) { throw cudaError(e, this.device, "creating a stream"); }
    this.handle = h;
    st.streams.add(h);
    const native = st.native, streams = st.streams;
    finalizer.register(this, () => { streams.delete(h); native.streamDestroy(h); }, this);
  }

  /** True for a device's default stream (the CUDA legacy stream, or the cpu's). */
  get isDefault(): boolean { return !this.owned; }
  get disposed(): boolean { return this.destroyed; }

  /** Waits until all work submitted to this stream has finished. */
  synchronize(): void {
    this.check("synchronize");
    if (!this.device.isCuda) return;
    const st = cudaState(this.device);
    try {
      // The legacy stream of a device is waited for through its context (the addon's 0n means "the
      // device last used on this thread", which need not be this one).
      if (this.handle === 0n) st.native.ctxSynchronize(st.ordinal);
      else st.native.streamSynchronize(this.handle!);
    } catch (e) { throw cudaError(e, this.device, "synchronizing a stream"); }
  }

  /** Records `event` (default: a new timing event) at this point of the stream; returns it. */
  record(event?: Event): Event {
    this.check("record");
    const ev = event ?? new Event(this.device, { timing: true });
    ev.record(this);
    return ev;
  }

  /** Destroys the stream (pending work still completes). Default streams cannot be disposed. */
  dispose(): void {
    if (!this.owned || this.destroyed) return;
    const st = cudaState(this.device);
    if (st.capturing === this.handle) throw new Error(`Stream.dispose(): the stream is being captured by wf.capture()`);
    this.destroyed = true;
    finalizer.unregister(this);
    if (current.get(this.device) === this) { current.delete(this.device); st.current = 0n; }
    st.streams.delete(this.handle!);
    try {
      st.native.streamDestroy(this.handle!);
    } catch (e) { throw cudaError(e, this.device, "destroying a stream"); }
  }

  /** @internal */
  check(what: string): void {
    if (this.destroyed) throw new Error(`Stream.${what}(): the stream on ${this.device.name} was disposed`);
  }

  toString(): string { return this.owned ? `Stream(${this.device.name})` : `Stream(${this.device.name}, default)`; }
}

export interface EventOptions {
  /** Record timestamps, for `wf.elapsedMs` (default false: a cheaper event for ordering and waits). */
  timing?: boolean;
}

export class Event {
  readonly device: Device;
  readonly timing: boolean;
  /** The driver handle (null on the cpu). */
  readonly handle: Handle | null;
  private cpuTime: number | null = null;
  private destroyed = false;
  private recordedOnce = false;

  constructor(device?: string | Device, opts: EventOptions = {}) {
    this.device = getDevice(device);
    this.timing = !!opts.timing;
    if (!this.device.isCuda) { this.handle = null; return; }
    const st = cudaState(this.device);
    let h: Handle;
    try {
      h = st.native.eventCreate(st.ordinal, this.timing);
    } catch (e) { throw cudaError(e, this.device, "creating an event"); }
    this.handle = h;
    const native = st.native;
    finalizer.register(this, () => native.eventDestroy(h), this);
  }

  get recorded(): boolean { return this.recordedOnce; }

  /** Records the event on `stream` (default: the device's current stream). */
  record(stream?: Stream): this {
    this.check("record");
    const s = stream ?? getStream(this.device);
    if (!(s instanceof Stream)) throw new TypeError(`Event.record: expected a wf.Stream, got ${describe(s)}`);
    s.check("record");
    if (s.device !== this.device) throw new Error(`Event.record: the event is on ${this.device.name} but the stream is on ${s.device.name}`);
    if (this.handle === null) this.cpuTime = performance.now();
    else {
      try {
        cudaState(this.device).native.eventRecord(this.handle, s.handle!);
      } catch (e) { throw cudaError(e, this.device, "recording an event"); }
    }
    this.recordedOnce = true;
    return this;
  }

  /** Waits until the work before the event's last record has finished (at once if never recorded). */
  synchronize(): void {
    this.check("synchronize");
    if (this.handle === null || !this.recordedOnce) return;
    try {
      cudaState(this.device).native.eventSynchronize(this.handle);
    } catch (e) { throw cudaError(e, this.device, "waiting for an event"); }
  }

  dispose(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    finalizer.unregister(this);
    if (this.handle !== null) {
      try {
        cudaState(this.device).native.eventDestroy(this.handle);
      } catch (e) { throw cudaError(e, this.device, "destroying an event"); }
    }
  }

  /** @internal the host time of the last record (cpu events). */
  get hostTime(): number | null { return this.cpuTime; }

  /** @internal */
  check(what: string): void {
    if (this.destroyed) throw new Error(`Event.${what}(): the event on ${this.device.name} was disposed`);
  }
}

/** Milliseconds between two recorded timing events of one device (waits for `end`). */
export function elapsedMs(start: Event, end: Event): number {
  for (const [name, e] of [["start", start], ["end", end]] as const) {
    if (!(e instanceof Event)) throw new TypeError(`wf.elapsedMs: ${name} must be a wf.Event, got ${describe(e)}`);
    e.check("elapsedMs");
    if (!e.timing) throw new Error(`wf.elapsedMs: the ${name} event was created without timing; create it with new wf.Event(device, { timing: true })`);
    if (!e.recorded) throw new Error(`wf.elapsedMs: the ${name} event was never recorded (stream.record(event))`);
  }
  if (start.device !== end.device) throw new Error(`wf.elapsedMs: the events are on two devices (${start.device.name} and ${end.device.name})`);
  if (start.handle === null) return end.hostTime! - start.hostTime!;
  end.synchronize();
  try {
    return cudaState(start.device).native.eventElapsedMs(start.handle, end.handle!);
  } catch (e) { throw cudaError(e, start.device, "reading the time between two events"); }
}

// --- the current stream of each device ------------------------------------------------------------

const current = new Map<Device, Stream>();
const defaults = new Map<Device, Stream>();

/** The default stream of a device (CUDA: the legacy stream). */
export function defaultStream(device?: string | Device): Stream {
  const d = getDevice(device);
  let s = defaults.get(d);
  if (!s) { s = new Stream(d, {}, LEGACY); defaults.set(d, s); }
  return s;
}

/** The stream that work on `device` goes to when none is named. */
export function getStream(device?: string | Device): Stream {
  const d = getDevice(device);
  return current.get(d) ?? defaultStream(d);
}

/** Makes `stream` the current stream of its device; returns the previous one. */
export function setStream(stream: Stream): Stream {
  if (!(stream instanceof Stream)) throw new TypeError(`wf.setStream: expected a wf.Stream, got ${describe(stream)}`);
  stream.check("setStream");
  const d = stream.device;
  const prev = getStream(d);
  if (d.isCuda) {
    const st = cudaState(d);
    if (st.capturing !== null && stream.handle !== st.capturing)
      throw new Error(`wf.setStream: ${d.name} is capturing a CUDA graph; launches inside wf.capture() go to the capture stream`);
    st.current = stream.handle!;
  }
  if (stream.isDefault) current.delete(d); else current.set(d, stream);
  return prev;
}

/** Runs `fn` with `stream` as the current stream of its device, then restores the previous one. */
export function withStream<T>(stream: Stream, fn: () => T): T {
  const prev = setStream(stream);
  try {
    return fn();
  } finally {
    setStream(prev);
  }
}

// --- launches -------------------------------------------------------------------------------------

/**
 * The stream handle a launch on `device` goes to: `opts.stream` (a wf.Stream of that device, or a
 * raw CUDA stream handle) or the device's current stream. Undefined on the cpu.
 */
export function launchStream(device: Device, s: unknown, what: { toString(): string }): Handle | undefined {
  if (s === undefined) return device.isCuda ? cudaState(device).current : undefined;
  if (s instanceof Stream) {
    if (s.device !== device) {
      throw new Error(`launch of ${what}: the stream is on ${s.device.name} but the launch runs on ${device.name} (where its arrays are)`);
    }
    s.check("launch");
    return s.handle ?? undefined;
  }
  if (typeof s === "bigint" && device.isCuda) return s;
  throw new TypeError(`launch of ${what}: options.stream must be a wf.Stream, got ${describe(s)}`);
}

// --- captures (graph.ts) ----------------------------------------------------------------------------

/** The capture in progress (wf.capture): one at a time. */
export interface CaptureRecord {
  device: Device;
  /** The captured stream (null on the cpu). */
  handle: Handle | null;
  /** Arrays the captured launches use: the graph keeps them alive and checks them before a replay. */
  arrays: Set<object>;
  /** cpu captures: the launches, replayed in order. */
  cpuOps: (() => void)[];
  launches: number;
}

let active: CaptureRecord | null = null;

export function activeCapture(): CaptureRecord | null { return active; }

/** @internal graph.ts */
export function setActiveCapture(c: CaptureRecord | null): void {
  if (c && active) throw codedError(`wf.capture: a capture on ${active.device.name} is already in progress; captures do not nest`, "WEFT_CAPTURE_NESTED");
  active = c;
}

/**
 * Called by launch for every launch while a capture is active: remembers the arrays of a launch that
 * is captured, and on the cpu keeps `run` for replay. Returns true when the launch must not run now.
 */
export function noteCapturedLaunch(device: Device, stream: Handle | undefined, inputs: unknown[], run: () => void): boolean {
  const c = active;
  if (!c || c.device !== device || (device.isCuda && stream !== c.handle)) return false;
  for (const a of inputs) {
    if (a && typeof a === "object" && "asArg" in a) {
      c.arrays.add(a);
      const g = (a as { grad?: object | null }).grad;
      if (g) c.arrays.add(g);
    }
  }
  c.launches++;
  if (device.isCuda) return false;
  c.cpuOps.push(run);
  return true;
}
