// `wf.launch(kernel, dims, args)`: checks every argument against the kernel's signature (with an
// error that names the kernel, the parameter and what was expected), finds the device from the
// arrays (mixing devices is an error, never a silent copy), and hands the backend its arguments.

import { Type, componentCount, layoutOf, scalarLeaves, typeEq, typeName } from "../ir/types.js";
import { readScalar } from "../ir/interp.js";
import { ArgValue } from "./backend.js";
import { WeftArray, zeros } from "./array.js";
import { Device, getDevice } from "./device.js";
import { describe, encodeValue } from "./dtype.js";
import { Kernel, KernelInfo, Loaded } from "./module.js";
import { BackendChoice, backendSync, resolveChoice } from "./backends.js";
import { Stream, activeCapture, launchStream, noteCapturedLaunch } from "./stream.js";

export interface LaunchOptions {
  device?: string | Device;
  backend?: BackendChoice;
  /** Stream of the launch's device (default: the device's current stream, see wf.setStream). */
  stream?: Stream;
}

/**
 * A host object that stands for a struct argument, such as `wf.Mesh`, `wf.HashGrid` or `wf.Volume`.
 * Where a kernel parameter is a @struct, a launch accepts, besides a plain object with the struct's
 * fields, any object with `asKernelArg(device)`: it returns that plain object (array fields are
 * WeftArrays of the field's dtype and dimensionality, on `device`; descriptors are copied, never
 * the data). `device`, when present, is where the object's arrays live: it picks the launch device
 * as an array argument does.
 */
export interface KernelArgSource {
  asKernelArg(device: Device): Record<string, unknown>;
  readonly device?: Device | string;
}

export function isKernelArgSource(v: unknown): v is KernelArgSource {
  return !!v && typeof v === "object" && typeof (v as KernelArgSource).asKernelArg === "function";
}

export interface LaunchRecord {
  kernel: Kernel;
  dims: number[];
  inputs: any[];
  device: Device;
  opts: LaunchOptions;
}

/** Observers of launches (the Tape records through this). */
export const launchObservers: ((r: LaunchRecord) => void)[] = [];

export function normDims(dim: number | number[], kernel: Kernel): number[] {
  const dims = typeof dim === "number" ? [dim] : Array.isArray(dim) ? [...dim] : null;
  if (!dims || dims.length < 1 || dims.length > 4 || !dims.every((d) => Number.isInteger(d) && d >= 0))
    throw new RangeError(`launch of ${kernel}: dims must be 1 to 4 non-negative integers, got ${JSON.stringify(dim)}`);
  if (dims.length !== kernel.info.ndim)
    throw new RangeError(`launch of ${kernel}: the kernel uses ${kernel.info.ndim}-D thread ids (tid()), so dims needs ${kernel.info.ndim} extent${kernel.info.ndim > 1 ? "s" : ""}, got [${dims}]`);
  return dims;
}

export function launch(kernel: Kernel, dim: number | number[], inputs: any[], opts: LaunchOptions = {}): void {
  launchVariant(kernel, dim, inputs, opts, "forward");
}

/** @internal forward launches, and the Tape's launches of adjoint kernels with the same arguments. */
export function launchVariant(kernel: Kernel, dim: number | number[], inputs: any[], opts: LaunchOptions, variant: "forward" | "adjoint"): void {
  if (!(kernel instanceof Kernel)) throw new TypeError(`wf.launch: the first argument must be a kernel (module.kernels.name), got ${describe(kernel)}`);
  const dims = normDims(dim, kernel);
  const params = kernel.info.params;
  if (!Array.isArray(inputs) || inputs.length !== params.length) {
    throw new TypeError(`launch of ${kernel}: expected ${params.length} argument${params.length === 1 ? "" : "s"} (${params.map((p) => `${p.name}: ${typeName(p.type)}`).join(", ")}), got ${Array.isArray(inputs) ? inputs.length : describe(inputs)}`);
  }
  const device = launchDevice(kernel, inputs, opts);
  const stream = launchStream(device, opts.stream, kernel);
  // Struct arguments given as host objects (asKernelArg) become plain struct objects here.
  const values = hasStructParam(kernel) ? params.map((p, k) => structValue(p.type, inputs[k], device)) : inputs;
  params.forEach((p, k) => checkArg(kernel, p, values[k], k, device));
  const choice = opts.backend ?? "auto";
  const loaded = loadedFor(kernel, device, choice, variant);
  // Adjoint launches: a float array inside a struct argument without a gradient buffer gets a zeroed
  // scratch one for this launch (the Tape lends array arguments theirs), so that the adjoint's
  // gradient scatter never writes through address 0.
  const scratch = variant === "adjoint" ? lendFieldGrads(params, values, opts.stream) : [];
  let args: ArgValue[];
  try {
    args = loaded.flatArgs ? flatArgs(kernel, loaded.infos.get(kernel.name) ?? kernel.info, values) : sourceArgs(kernel, values);
  } finally {
    for (const [a] of scratch) a.grad = null;
  }
  const captured = activeCapture();
  try {
    if (variant === "forward") for (const o of launchObservers) o({ kernel, dims, inputs, device, opts });
    if (dims.some((d) => d === 0)) return;
    const name = variant === "adjoint" ? `${kernel.name}__adj` : kernel.name;
    // Inside wf.capture: the graph keeps the arrays (those in struct arguments too); a cpu capture
    // keeps the launch for its replays.
    if (captured) {
      const kept = [...inputs, ...fieldArrays(params, values), ...scratch.map(([, g]) => g)];
      if (noteCapturedLaunch(device, stream, kept, () => loaded.handle.launch(name, dims, args))) return;
    }
    loaded.handle.launch(name, dims, args, stream);
  } finally {
    // Frees are stream-ordered: the launch just enqueued still sees the scratch buffers.
    if (!captured) for (const [, g] of scratch) g.dispose();
  }
}

const structParams = new WeakMap<Kernel, boolean>();
function hasStructParam(kernel: Kernel): boolean {
  let r = structParams.get(kernel);
  if (r === undefined) { r = kernel.info.params.some((p) => p.type.k === "struct"); structParams.set(kernel, r); }
  return r;
}

/** The loaded artifact of a kernel's module for (device, backend, variant), remembered per kernel. */
const lastLoaded = new WeakMap<Kernel, { device: Device; choice: BackendChoice; variant: string; loaded: Loaded }>();
function loadedFor(kernel: Kernel, device: Device, choice: BackendChoice, variant: "forward" | "adjoint"): Loaded {
  const memo = lastLoaded.get(kernel);
  if (memo && memo.device === device && memo.choice === choice && memo.variant === variant) return memo.loaded;
  const b = backendSync(device, choice);
  const loaded = b ? kernel.module.prepareSync(device, b, variant) : null;
  if (!loaded) throw new Error(`${kernel} is not compiled for ${device.name} (${resolveChoice(device, choice)}); call 'await module.prepare("${device.name}")' first`);
  lastLoaded.set(kernel, { device, choice, variant, loaded });
  return loaded;
}

/** Arrays held by struct arguments (array fields, also of nested structs). */
function fieldArrays(params: { type: Type }[], values: any[]): WeftArray[] {
  const out: WeftArray[] = [];
  const visit = (t: Type, v: any) => {
    if (t.k !== "struct" || !v || typeof v !== "object") return;
    for (const f of t.fields) {
      if (f.type.k === "array" && v[f.name] instanceof WeftArray) out.push(v[f.name]);
      else visit(f.type, v[f.name]);
    }
  };
  params.forEach((p, k) => visit(p.type, values[k]));
  return out;
}

/** Zeroed scratch gradients for float arrays in struct arguments that have none: [array, scratch][]. */
function lendFieldGrads(params: { type: Type }[], values: any[], stream: Stream | undefined): [WeftArray, WeftArray][] {
  const out: [WeftArray, WeftArray][] = [];
  for (const a of fieldArrays(params, values)) {
    if (a.grad || !scalarLeaves(a.type).some(([, s]) => s === "f32" || s === "f64")) continue;
    a.grad = zeros(a.shape, { dtype: a.dtype, device: a.device, stream });
    out.push([a, a.grad]);
  }
  return out;
}

function launchDevice(kernel: Kernel, inputs: any[], opts: LaunchOptions): Device {
  let dev: Device | null = null, first = "";
  const found: [string, Device][] = [];
  kernel.info.params.forEach((p, k) => devicesIn(p.type, inputs[k], p.name, found));
  for (const [name, d] of found) {
    if (!dev) { dev = d; first = name; }
    else if (d !== dev) {
      throw new Error(`launch of ${kernel}: arrays on two devices: '${first}' is on ${dev.name} and '${name}' is on ${d.name}; move one with arr.to("${dev.name}")`);
    }
  }
  if (opts.device !== undefined) {
    const want = getDevice(opts.device);
    if (dev && dev !== want) throw new Error(`launch of ${kernel}: device ${want.name} was requested but the arrays are on ${(dev as Device).name}`);
    return want;
  }
  return dev ?? (opts.stream instanceof Stream ? opts.stream.device : getDevice());
}

/** Where the arrays of an argument live: array arguments, array fields of struct objects, sources' `device`. */
function devicesIn(t: Type, v: any, name: string, out: [string, Device][]): void {
  if (v instanceof WeftArray) { out.push([name, v.device]); return; }
  if (t.k !== "struct" || !v || typeof v !== "object") return;
  if (isKernelArgSource(v)) {
    if (v.device !== undefined) out.push([name, getDevice(v.device)]);
    return;
  }
  for (const f of t.fields) devicesIn(f.type, v[f.name], `${name}.${f.name}`, out);
}

/** A struct argument as a plain object: `asKernelArg(device)` of host objects, also in nested fields. */
function structValue(t: Type, v: any, device: Device): any {
  if (t.k !== "struct" || !v || typeof v !== "object" || v instanceof WeftArray) return v;
  if (isKernelArgSource(v)) v = v.asKernelArg(device);
  if (!v || typeof v !== "object" || !t.fields.some((f) => f.type.k === "struct")) return v;
  const o: Record<string, any> = { ...v };
  for (const f of t.fields) if (f.name in v) o[f.name] = structValue(f.type, v[f.name], device);
  return o;
}

const holdsArray = (t: Type): boolean => t.k === "array" || (t.k === "struct" && t.fields.some((f) => holdsArray(f.type)));

function checkArray(where: string, t: Extract<Type, { k: "array" }>, v: any, device: Device): void {
  if (!(v instanceof WeftArray)) throw new TypeError(`${where} expects ${typeName(t)}, got ${describe(v)}`);
  if (v.disposed) throw new Error(`${where}: the array was disposed`);
  if (!typeEq(v.type, t.elem) || v.ndim !== t.ndim)
    throw new TypeError(`${where} expects ${typeName(t)}, got an array of ${typeName(v.type)} with ${v.ndim} dimension${v.ndim > 1 ? "s" : ""}`);
  if (v.device !== device) throw new Error(`${where}: the array is on ${v.device.name} but the launch runs on ${device.name}; move it with arr.to("${device.name}")`);
}

/** The array fields of a struct object (nested structs too): WeftArrays of the right dtype, on `device`. */
function checkStructArrays(where: string, t: Extract<Type, { k: "struct" }>, v: any, device: Device): void {
  if (!v || typeof v !== "object" || Array.isArray(v) || v instanceof WeftArray)
    throw new TypeError(`${where} expects a ${t.name} object (or an object with asKernelArg(device)), got ${describe(v)}`);
  for (const f of t.fields) {
    if (!holdsArray(f.type)) continue;
    if (!(f.name in v)) throw new TypeError(`${where}: ${t.name} object lacks field '${f.name}'`);
    const w = `${where}, field '${f.name}'`;
    if (f.type.k === "array") checkArray(w, f.type, v[f.name], device);
    else if (f.type.k === "struct") checkStructArrays(w, f.type, v[f.name], device);
  }
}

function checkArg(kernel: Kernel, p: { name: string; type: Type }, v: any, k: number, device: Device): void {
  const t = p.type;
  // Fast paths for the common cases; the full checks below build the error messages.
  if (t.k === "array") {
    if (v instanceof WeftArray && !v.disposed && v.ndim === t.ndim && typeEq(v.type, t.elem)) return;
  } else if (t.k === "scalar") {
    if (t.s === "bool" ? typeof v === "boolean" || typeof v === "number" : typeof v === "number" || typeof v === "bigint") return;
  }
  const where = `launch of ${kernel}: argument ${k} '${p.name}'`;
  if (t.k === "array") {
    if (!(v instanceof WeftArray)) throw new TypeError(`${where} expects ${typeName(t)}, got ${describe(v)}`);
    if (v.disposed) throw new Error(`${where}: the array was disposed`);
    throw new TypeError(`${where} expects ${typeName(t)}, got an array of ${typeName(v.type)} with ${v.ndim} dimension${v.ndim > 1 ? "s" : ""}`);
  }
  if (v instanceof WeftArray) throw new TypeError(`${where} expects a ${typeName(t)} value, got an array`);
  if (t.k === "struct" && holdsArray(t)) checkStructArrays(where, t, v, device);
  try {
    encodeValue(t, v, new DataView(new ArrayBuffer(layoutOf(t).size)), 0, where);
  } catch (e) {
    throw new TypeError((e as Error).message);
  }
}

/** Arguments in lowered (flat) parameter order: composite values split into scalar leaves. */
function flatArgs(kernel: Kernel, info: KernelInfo, inputs: any[]): ArgValue[] {
  const { abi, flatParams } = info;
  const encoded = new Map<number, DataView>();
  return abi.flat.map((f, j) => {
    const p = kernel.info.params[f.src];
    const v = inputs[f.src];
    if (p.type.k === "array") return (v as WeftArray).asArg();
    // An array field of a struct argument, found by its field path.
    if (f.path) return (f.path.reduce((o: any, name) => o[name], v) as WeftArray).asArg();
    if (p.type.k === "scalar") return coerce(p.type.s, v);
    let dv = encoded.get(f.src);
    if (!dv) {
      dv = new DataView(new ArrayBuffer(layoutOf(p.type).size));
      encodeValue(p.type, v, dv, 0);
      encoded.set(f.src, dv);
    }
    const t = flatParams[j].type;
    return readScalar(dv, f.off, (t as any).s);
  });
}

/** Arguments in source order for the interpreter: composites as component / field lists. */
function sourceArgs(kernel: Kernel, inputs: any[]): ArgValue[] {
  return kernel.info.params.map((p, k) => toInterp(p.type, inputs[k]));
}

function toInterp(t: Type, v: any): any {
  if (t.k === "array") return (v as WeftArray).asArg();
  if (t.k === "scalar") return coerce(t.s, v);
  if (t.k === "struct") return t.fields.map((f) => toInterp(f.type, v[f.name]));
  const dv = new DataView(new ArrayBuffer(layoutOf(t).size));
  encodeValue(t, v, dv, 0);
  const out = scalarLeaves(t).map(([off, s]) => readScalar(dv, off, s));
  if (out.length !== componentCount(t)) throw new Error("internal: component count");
  return out;
}

function coerce(s: string, v: any): any {
  if (s === "i64" || s === "u64") return BigInt(v);
  if (s === "bool") return Boolean(v);
  if (s === "f32") return Math.fround(Number(v));
  if (s === "i32") return Number(v) | 0;
  if (s === "u32") return Number(v) >>> 0;
  return Number(v);
}
