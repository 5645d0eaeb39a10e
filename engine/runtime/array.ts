// Arrays: typed, 1-4 dimensional, on one device. Storage is reference-counted and shared by views;
// `dispose()` releases it at once, and a FinalizationRegistry releases what users forget, so long
// create/launch/dispose loops keep memory flat. On the CPU, `toTypedArray()` is a zero-copy view of
// the shared WebAssembly memory.

import { ScalarKind, Type, componentScalar, scalarBytes, typeName } from "../ir/types.js";
import { ArrayArg } from "./backend.js";
import { Device, cpuRawMemory, getDevice } from "./device.js";
import { DType, decodeValue, describe, elementSize, encodeValue, toDType } from "./dtype.js";
import { Stream, withStream } from "./stream.js";
import { cudaMemory } from "./cuda-device.js";

class Storage {
  refs = 1;
  freed = false;
  constructor(readonly device: Device, readonly ptr: number | bigint, readonly bytes: number) {}
  release(): void {
    if (this.freed || --this.refs > 0) return;
    this.freed = true;
    this.device.memory.free(this.ptr);
  }
}

const finalizer = new FinalizationRegistry<Storage>((s) => { try { s.release(); } catch { /* device gone */ } });

export interface ArrayOptions {
  dtype?: DType | Type | string;
  shape?: number | number[];
  device?: string | Device;
  requiresGrad?: boolean;
  /**
   * A stream of the array's device: the memory is allocated stream-ordered on it (cuMemAllocAsync,
   * where the device has memory pools; it goes back on that stream when freed), and the initial fill
   * or copy is ordered on it.
   */
  stream?: Stream;
}

const TYPED: Record<ScalarKind, any> = {
  bool: Uint8Array, i32: Int32Array, u32: Uint32Array, i64: BigInt64Array, u64: BigUint64Array, f32: Float32Array, f64: Float64Array,
};

export class WeftArray {
  readonly dtype: DType;
  readonly shape: number[];
  /** Byte strides. */
  readonly strides: number[];
  private storage: Storage;
  private offset: number;
  grad: WeftArray | null = null;
  requiresGrad: boolean;

  /** @internal use wf.zeros / wf.empty / wf.array */
  constructor(storage: Storage, dtype: DType, shape: number[], strides: number[], offset: number, requiresGrad: boolean) {
    this.storage = storage; this.dtype = dtype; this.shape = shape; this.strides = strides; this.offset = offset;
    this.requiresGrad = requiresGrad;
    finalizer.register(this, storage, this);
  }

  get device(): Device { return this.storage.device; }
  get type(): Type { return this.dtype.type; }
  get ndim(): number { return this.shape.length; }
  get size(): number { return this.shape.reduce((a, b) => a * b, 1); }
  get length(): number { return this.shape[0]; }
  get disposed(): boolean { return this.storage.freed; }
  get itemSize(): number { return elementSize(this.type); }
  get isContiguous(): boolean {
    let s = this.itemSize;
    for (let d = this.ndim - 1; d >= 0; d--) { if (this.shape[d] > 1 && this.strides[d] !== s) return false; s *= this.shape[d]; }
    return true;
  }
  /** Address of the first element on its device. */
  get ptr(): number | bigint {
    this.check();
    return typeof this.storage.ptr === "bigint" ? this.storage.ptr + BigInt(this.offset) : this.storage.ptr + this.offset;
  }

  private check(): void {
    if (this.storage.freed) throw new Error(`array (${typeName(this.type)}, shape [${this.shape}]) on ${this.device.name} was disposed and cannot be used`);
  }

  /** The descriptor a launch passes to a kernel. */
  asArg(): ArrayArg {
    this.check();
    return { data: this.ptr, grad: this.grad ? this.grad.ptr : typeof this.ptr === "bigint" ? 0n : 0, shape: this.shape, strides: this.strides };
  }

  /** Frees the storage now (views of it stay valid until they are disposed too). */
  dispose(): void {
    if (this.disposedSelf) return;
    this.disposedSelf = true;
    finalizer.unregister(this);
    this.storage.release();
    this.grad?.dispose();
  }
  private disposedSelf = false;

  /** All scalars in row-major order: zero-copy on the CPU for contiguous arrays, a copy otherwise. */
  toTypedArray(): any {
    this.check();
    const s = componentScalar(this.type);
    if (!s) throw new TypeError(`toTypedArray: ${typeName(this.type)} elements mix scalar types; use toArray()`);
    const count = this.size * (this.itemSize / scalarBytes(s));
    const Ctor = TYPED[s];
    if (this.device.isCpu && this.isContiguous) return new Ctor(cpuRawMemory().buffer, Number(this.ptr), count);
    const bytes = this.contiguousBytes();
    return new Ctor(bytes.buffer, bytes.byteOffset, count);
  }

  /** Nested JS arrays (vectors as number[], structs as objects). */
  toArray(): any {
    this.check();
    const bytes = this.contiguousBytes();
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const item = this.itemSize;
    const rec = (d: number, base: number): any => {
      const n = this.shape[d], inner = this.shape.slice(d + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, k) => (d === this.ndim - 1 ? decodeValue(this.type, dv, (base + k) * item) : rec(d + 1, (base + k) * inner)));
    };
    return rec(0, 0);
  }

  /** Row-major bytes of the elements (copied from the device when it is not the CPU). */
  contiguousBytes(): Uint8Array {
    this.check();
    const item = this.itemSize;
    if (this.isContiguous) {
      if (this.device.isCpu) return cpuRawMemory().u8.slice(Number(this.ptr), Number(this.ptr) + this.size * item);
      return this.device.memory.read(this.ptr, this.size * item);
    }
    const out = new Uint8Array(this.size * item);
    let k = 0;
    this.forEachElement((addr) => { out.set(this.device.memory.read(addr, item), k); k += item; });
    return out;
  }

  private forEachElement(fn: (addr: number | bigint) => void): void {
    const idx = new Array(this.ndim).fill(0);
    for (let n = 0; n < this.size; n++) {
      let off = this.offset;
      for (let d = 0; d < this.ndim; d++) off += idx[d] * this.strides[d];
      fn(typeof this.storage.ptr === "bigint" ? this.storage.ptr + BigInt(off) : this.storage.ptr + off);
      for (let d = this.ndim - 1; d >= 0; d--) { if (++idx[d] < this.shape[d]) break; idx[d] = 0; }
    }
  }

  /** Sets every element to `value` (a number, a vector as number[], or a struct object). */
  fill(value: any): this {
    this.check();
    const pattern = new Uint8Array(this.itemSize);
    encodeValue(this.type, value, new DataView(pattern.buffer), 0, "fill value");
    if (this.isContiguous) this.device.memory.fill(this.ptr, pattern, this.size);
    else this.forEachElement((addr) => this.device.memory.write(addr, pattern));
    return this;
  }

  zero(): this { return this.fill(zeroOfType(this.type)); }

  /** Copies `src` (same dtype and size, any device) into this array. */
  assign(src: WeftArray | ArrayLike<any>): this {
    this.check();
    if (src instanceof WeftArray) {
      if (typeName(src.type) !== typeName(this.type) || src.size !== this.size)
        throw new TypeError(`assign: expected ${typeName(this.type)}[${this.shape}], got ${typeName(src.type)}[${src.shape}]`);
      this.copyElements(src);
      return this;
    }
    this.writeBytes(encodeData(this.type, src, this.size));
    return this;
  }

  /**
   * Copies the elements of `src` (same type and size): device to device when both arrays are on one
   * device, straight between the CPU's memory and a CUDA device when they are contiguous.
   */
  private copyElements(src: WeftArray): void {
    if (this.isContiguous && src.isContiguous) {
      const bytes = src.size * src.itemSize;
      if (this.device === src.device) { this.device.memory.copy(this.ptr, src.ptr, bytes); return; }
      if (src.device.isCpu) { this.device.memory.write(this.ptr, cpuView(src.ptr, bytes)); return; }
      if (this.device.isCpu) { cudaMemory(src.device).readInto(cpuView(this.ptr, bytes), src.ptr); return; }
    }
    this.writeBytes(src.contiguousBytes());
  }

  private writeBytes(bytes: Uint8Array): void {
    if (this.isContiguous) { this.device.memory.write(this.ptr, bytes); return; }
    let k = 0;
    const item = this.itemSize;
    this.forEachElement((addr) => { this.device.memory.write(addr, bytes.subarray(k, k + item)); k += item; });
  }

  /** A new array with the same contents on `device` (or the same device). */
  to(device?: string | Device): WeftArray {
    const dev = getDevice(device ?? this.device);
    const out = empty(this.shape, { dtype: this.dtype, device: dev, requiresGrad: this.requiresGrad });
    try { out.copyElements(this); } catch (e) { out.dispose(); throw e; }
    return out;
  }
  clone(): WeftArray { return this.to(this.device); }

  /** Rows [start, end) along the first axis, sharing storage. */
  slice(start: number, end = this.shape[0]): WeftArray {
    this.check();
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= this.shape[0]))
      throw new RangeError(`slice(${start}, ${end}) is outside axis 0 of size ${this.shape[0]}`);
    this.storage.refs++;
    const v = new WeftArray(this.storage, this.dtype, [end - start, ...this.shape.slice(1)], this.strides, this.offset + start * this.strides[0], false);
    if (this.grad) v.grad = this.grad.slice(start, end);
    return v;
  }

  /** The same elements with another shape (contiguous arrays only), sharing storage. */
  reshape(shape: number | number[]): WeftArray {
    this.check();
    const s = normShape(shape);
    if (s.reduce((a, b) => a * b, 1) !== this.size) throw new RangeError(`reshape: cannot view ${this.size} elements as shape [${s}]`);
    if (!this.isContiguous) throw new Error("reshape needs a contiguous array; clone() it first");
    this.storage.refs++;
    return new WeftArray(this.storage, this.dtype, s, contiguousStrides(s, this.itemSize), this.offset, false);
  }

  toString(): string { return `WeftArray<${typeName(this.type)}>[${this.shape}] on ${this.device.name}`; }
}

function zeroOfType(t: Type): any {
  if (t.k === "scalar") return t.s === "i64" || t.s === "u64" ? 0n : t.s === "bool" ? false : 0;
  if (t.k === "struct") return Object.fromEntries(t.fields.map((f) => [f.name, zeroOfType(f.type)]));
  const n = (t as any).n ?? ((t as any).r ? (t as any).r * (t as any).c : t.k === "quat" ? 4 : 7);
  return new Array(n).fill(0);
}

export function normShape(shape: number | number[]): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  if (s.length < 1 || s.length > 4 || !s.every((x) => Number.isInteger(x) && x >= 0))
    throw new RangeError(`shape must be 1 to 4 non-negative integers, got ${JSON.stringify(shape)}`);
  return s;
}

export function contiguousStrides(shape: number[], item: number): number[] {
  const st = new Array(shape.length);
  let s = item;
  for (let d = shape.length - 1; d >= 0; d--) { st[d] = s; s *= shape[d]; }
  return st;
}

/** Encodes user data (flat scalars, TypedArray, or one value per element) as element bytes. */
export function encodeData(t: Type, data: ArrayLike<any>, count: number): Uint8Array {
  const item = elementSize(t);
  const out = new Uint8Array(count * item);
  const s = componentScalar(t);
  if (s && ArrayBuffer.isView(data) && (data as any).BYTES_PER_ELEMENT === scalarBytes(s) && s !== "bool") {
    if ((data as any).byteLength !== out.byteLength)
      throw new TypeError(`expected ${count * item / scalarBytes(s)} ${s} values for ${count} ${typeName(t)} elements, got ${(data as any).length}`);
    out.set(new Uint8Array((data as any).buffer, (data as any).byteOffset, out.byteLength));
    return out;
  }
  const dv = new DataView(out.buffer);
  const flat = Array.isArray(data) ? flattenTo(t, data, count) : Array.from(data as ArrayLike<any>);
  const per = t.k === "scalar" || t.k === "struct" ? 1 : item / scalarBytes(s!);
  if (flat.length === count) flat.forEach((v, k) => encodeValue(t, v, dv, k * item, `element ${k}`));
  else if (per > 1 && flat.length === count * per) {
    for (let k = 0; k < count; k++) encodeValue(t, flat.slice(k * per, k * per + per), dv, k * item, `element ${k}`);
  } else throw new TypeError(`expected ${count} ${typeName(t)} elements, got ${flat.length} values`);
  return out;
}

function flattenTo(t: Type, data: any[], count: number): any[] {
  if (data.length === count) return data;
  // Nested (multi-dimensional) input: flatten until the element level.
  const out: any[] = [];
  const isElem = (x: any) => t.k === "scalar" ? typeof x !== "object" : t.k === "struct" ? !Array.isArray(x) : Array.isArray(x) && x.every((y: any) => typeof y === "number");
  const rec = (x: any) => { if (isElem(x) || !Array.isArray(x)) out.push(x); else x.forEach(rec); };
  data.forEach(rec);
  return out;
}

function inferShape(t: Type, data: any): number[] {
  if (ArrayBuffer.isView(data)) {
    const s = componentScalar(t)!;
    const per = elementSize(t) / scalarBytes(s);
    return [(data as any).length / per];
  }
  const shape: number[] = [];
  const per = t.k === "scalar" || t.k === "struct" ? 1 : elementSize(t) / scalarBytes(componentScalar(t)!);
  const isNum = (y: any) => typeof y === "number" || typeof y === "bigint" || typeof y === "boolean";
  // A flat list of numbers for a vector dtype: consecutive groups of components are elements.
  if (per > 1 && Array.isArray(data) && data.every(isNum)) return [data.length / per];
  // A vector/matrix element is a list of numbers, or (matrices) a list of rows.
  const isElem = (v: any) => t.k === "scalar" ? !Array.isArray(v) : t.k === "struct" ? !Array.isArray(v)
    : Array.isArray(v) && (v.every(isNum) ? v.length === per : v.every((r: any) => Array.isArray(r) && r.every(isNum)) && v.flat().length === per);
  let x = data;
  while (Array.isArray(x) && !isElem(x)) { shape.push(x.length); x = x[0]; }
  return shape.length ? shape : [0];
}

function allocate(shape: number[], dtype: DType, device: Device, requiresGrad: boolean, stream?: Stream): WeftArray {
  const item = elementSize(dtype.type);
  const bytes = shape.reduce((a, b) => a * b, 1) * item;
  const storage = new Storage(device, stream ? allocOnStream(device, bytes, stream) : device.memory.alloc(bytes), bytes);
  const a = new WeftArray(storage, dtype, shape, contiguousStrides(shape, item), 0, requiresGrad);
  if (requiresGrad) a.grad = zeros(shape, { dtype, device, stream });
  return a;
}

function allocOnStream(device: Device, bytes: number, stream: Stream): number | bigint {
  if (!(stream instanceof Stream)) throw new TypeError(`array options: stream must be a wf.Stream, got ${describe(stream)}`);
  stream.check("allocate");
  if (stream.device !== device) throw new Error(`array options: the stream is on ${stream.device.name} but the array is allocated on ${device.name}`);
  return device.isCuda ? cudaMemory(device).allocOn(bytes, stream.handle) : device.memory.alloc(bytes);
}

/** Runs `fn` with the options' stream (if any) current. */
function onStream<T>(o: ArrayOptions, fn: () => T): T {
  return o.stream ? withStream(o.stream, fn) : fn();
}

/** A zero-copy view of CPU memory. */
function cpuView(ptr: number | bigint, bytes: number): Uint8Array {
  return cpuRawMemory().u8.subarray(Number(ptr), Number(ptr) + bytes);
}

function resolveOpts(opts: ArrayOptions | DType | string | undefined): ArrayOptions {
  if (typeof opts === "function" || typeof opts === "string") return { dtype: opts };
  if (opts && typeof opts === "object" && "k" in opts) return { dtype: opts as Type };
  if (opts !== undefined && (opts === null || typeof opts !== "object")) throw new TypeError(`expected array options or a dtype, got ${describe(opts)}`);
  return opts ?? {};
}

export function empty(shape: number | number[], opts?: ArrayOptions | DType | string): WeftArray {
  const o = resolveOpts(opts);
  return allocate(normShape(shape), toDType(o.dtype ?? "f32"), getDevice(o.device), !!o.requiresGrad, o.stream);
}

export function zeros(shape: number | number[], opts?: ArrayOptions | DType | string): WeftArray {
  const o = resolveOpts(opts);
  const a = empty(shape, o);
  onStream(o, () => a.device.memory.fill(a.ptr, new Uint8Array([0]), a.size * a.itemSize));
  return a;
}

export function full(shape: number | number[], value: any, opts?: ArrayOptions | DType | string): WeftArray {
  const o = resolveOpts(opts);
  const a = empty(shape, o);
  return onStream(o, () => a.fill(value));
}

export function ones(shape: number | number[], opts?: ArrayOptions | DType | string): WeftArray {
  const o = resolveOpts(opts);
  const a = empty(shape, o);
  const t = a.type;
  return onStream(o, () => a.fill(t.k === "scalar" ? (t.s === "i64" || t.s === "u64" ? 1n : t.s === "bool" ? true : 1) : t.k === "struct" ? (() => { throw new TypeError("ones() of a struct dtype; use full()"); })() : new Array(a.itemSize / scalarBytes(componentScalar(t)!)).fill(1)));
}

/** From a TypedArray, number[], or nested arrays; dtype inferred from a TypedArray when not given. */
export function array(data: ArrayLike<any> | WeftArray, opts?: ArrayOptions | DType | string): WeftArray {
  const o = resolveOpts(opts);
  if (data instanceof WeftArray) return onStream(o, () => data.to(o.device));
  if (data == null || typeof data !== "object") throw new TypeError(`wf.array: expected a TypedArray or an array, got ${describe(data)}`);
  const dtype = toDType(o.dtype ?? inferDType(data));
  const shape = o.shape !== undefined ? normShape(o.shape) : inferShape(dtype.type, data);
  const a = allocate(shape, dtype, getDevice(o.device), !!o.requiresGrad, o.stream);
  try { onStream(o, () => a.assign(data)); } catch (e) { a.dispose(); throw e; }
  return a;
}

export interface CopyOptions {
  /** First element of `dst` written (flat, row-major index; default 0). */
  dstOffset?: number;
  /** First element of `src` read (default 0). */
  srcOffset?: number;
  /** Elements to copy (default: the rest of `src` from srcOffset). */
  count?: number;
  /** Stream to order the copy on (a stream of one of the two devices; default: the current stream). */
  stream?: Stream;
}

/**
 * Copies `count` elements from `src` to `dst` (contiguous arrays of one dtype, on any devices):
 * device to device on one CUDA device (asynchronous on the stream, like a launch), straight between
 * CPU memory and a CUDA device otherwise.
 */
export function copy(dst: WeftArray, src: WeftArray, opts: CopyOptions = {}): void {
  if (!(dst instanceof WeftArray) || !(src instanceof WeftArray)) throw new TypeError(`wf.copy: expected two arrays, got ${describe(dst)} and ${describe(src)}`);
  if (typeName(dst.type) !== typeName(src.type)) throw new TypeError(`wf.copy: dst holds ${typeName(dst.type)} but src holds ${typeName(src.type)}`);
  if (!dst.isContiguous || !src.isContiguous) throw new Error("wf.copy: both arrays must be contiguous (use dst.assign(src) for strided views)");
  const dOff = opts.dstOffset ?? 0, sOff = opts.srcOffset ?? 0;
  const count = opts.count ?? src.size - sOff;
  for (const [name, v] of [["dstOffset", dOff], ["srcOffset", sOff], ["count", count]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`wf.copy: ${name} must be a non-negative integer, got ${v}`);
  }
  if (sOff + count > src.size || dOff + count > dst.size)
    throw new RangeError(`wf.copy: ${count} elements from ${sOff} of src (size ${src.size}) to ${dOff} of dst (size ${dst.size}) do not fit`);
  if (opts.stream && opts.stream.device !== dst.device && opts.stream.device !== src.device)
    throw new Error(`wf.copy: the stream is on ${opts.stream.device.name}, but the arrays are on ${src.device.name} and ${dst.device.name}`);
  const item = dst.itemSize, bytes = count * item;
  if (bytes === 0) return;
  const d = offsetPtr(dst.ptr, dOff * item), s = offsetPtr(src.ptr, sOff * item);
  const run = () => {
    if (dst.device === src.device) dst.device.memory.copy(d, s, bytes);
    else if (src.device.isCpu) dst.device.memory.write(d, cpuView(s, bytes));
    else if (dst.device.isCpu) cudaMemory(src.device).readInto(cpuView(d, bytes), s);
    else dst.device.memory.write(d, src.device.memory.read(s, bytes));
  };
  if (opts.stream) withStream(opts.stream, run); else run();
}

function offsetPtr(p: number | bigint, off: number): number | bigint {
  return typeof p === "bigint" ? p + BigInt(off) : p + off;
}

function inferDType(data: any): string {
  if (data instanceof Float64Array) return "f64";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Uint32Array) return "u32";
  if (data instanceof BigInt64Array) return "i64";
  if (data instanceof BigUint64Array) return "u64";
  return "f32";
}
