// User-facing data types: `wf.float32`, `wf.vec3`, `wf.mat33`, structs from a module, ... Each is a
// function that builds a value (`wf.vec3(0, -9.8, 0)`) and carries the IR type it stands for, so one
// name serves as dtype and constructor. This file also converts JS values to and from the byte
// layout of `engine/ir/types.ts`, which is the layout on every device.

import {
  ScalarKind, Type, componentCount, fieldOffsets, layoutOf, mat, quat, scalar, scalarBytes, transform, typeName, vec,
} from "../ir/types.js";
import { readScalar, writeScalar } from "../ir/interp.js";

export interface DType {
  (...args: any[]): any;
  readonly type: Type;
  readonly dtypeName: string;
}

export function makeDType(type: Type, name = typeName(type)): DType {
  const n = type.k === "scalar" ? 1 : type.k === "struct" ? 0 : componentCount(type);
  const fn = (...args: any[]) => {
    if (type.k === "scalar") return coerceScalar(type.s, args[0] ?? 0);
    if (type.k === "struct") {
      const o: Record<string, any> = {};
      const init = args[0] ?? {};
      for (const f of type.fields) o[f.name] = init[f.name] ?? zeroValue(f.type);
      return o;
    }
    const flat = args.length === 1 && (Array.isArray(args[0]) || ArrayBuffer.isView(args[0])) ? Array.from(args[0] as ArrayLike<number>) : args;
    if (flat.length === 0) return new Array(n).fill(0);
    if (flat.length === 1 && n > 1) return new Array(n).fill(flat[0]);
    if (flat.length !== n) throw new TypeError(`${name}() takes ${n} components (or 1 to fill, or none for zeros), got ${flat.length}`);
    return flat.map((x) => coerceScalar((type as { s: ScalarKind }).s, x));
  };
  Object.defineProperty(fn, "type", { value: type });
  Object.defineProperty(fn, "dtypeName", { value: name });
  Object.defineProperty(fn, "name", { value: name });
  return fn as DType;
}

function coerceScalar(s: ScalarKind, x: any): any {
  if (s === "i64" || s === "u64") return BigInt(x);
  if (s === "bool") return Boolean(x);
  if (s === "f32") return Math.fround(Number(x));
  return Number(x);
}

export const float32 = makeDType(scalar("f32"), "float32");
export const float64 = makeDType(scalar("f64"), "float64");
export const int32 = makeDType(scalar("i32"), "int32");
export const uint32 = makeDType(scalar("u32"), "uint32");
export const int64 = makeDType(scalar("i64"), "int64");
export const uint64 = makeDType(scalar("u64"), "uint64");
export const bool = makeDType(scalar("bool"), "bool");
export const vec2 = makeDType(vec(2)), vec3 = makeDType(vec(3)), vec4 = makeDType(vec(4));
export const vec2d = makeDType(vec(2, "f64")), vec3d = makeDType(vec(3, "f64")), vec4d = makeDType(vec(4, "f64"));
export const vec2i = makeDType(vec(2, "i32")), vec3i = makeDType(vec(3, "i32")), vec4i = makeDType(vec(4, "i32"));
export const mat22 = makeDType(mat(2, 2)), mat33 = makeDType(mat(3, 3)), mat44 = makeDType(mat(4, 4));
export const mat22d = makeDType(mat(2, 2, "f64")), mat33d = makeDType(mat(3, 3, "f64")), mat44d = makeDType(mat(4, 4, "f64"));
export const quatf = makeDType(quat(), "quat"), quatd = makeDType(quat("f64"));
export const transformf = makeDType(transform(), "transform"), transformd = makeDType(transform("f64"));

const BY_TYPE_NAME = new Map<string, DType>();
for (const d of [float32, float64, int32, uint32, int64, uint64, bool, vec2, vec3, vec4, vec2d, vec3d, vec4d, vec2i, vec3i, vec4i,
  mat22, mat33, mat44, mat22d, mat33d, mat44d, quatf, quatd, transformf, transformd]) BY_TYPE_NAME.set(typeName(d.type), d);

/** The dtype for an IR type (structs get a fresh dtype carrying their type). */
export function dtypeOf(t: Type): DType {
  return BY_TYPE_NAME.get(typeName(t)) ?? makeDType(t);
}

/** Accepts a dtype, an IR type, or a type name ("float32", "f32", "vec3"). */
export function toDType(d: DType | Type | string): DType {
  if (typeof d === "function") return d;
  if (typeof d === "string") {
    const alias: Record<string, string> = { float32: "f32", float64: "f64", int32: "i32", uint32: "u32", int64: "i64", uint64: "u64" };
    const r = BY_TYPE_NAME.get(alias[d] ?? d);
    if (!r) throw new TypeError(`unknown dtype '${d}'; expected one of ${[...BY_TYPE_NAME.keys()].join(", ")}`);
    return r;
  }
  if (d && typeof d === "object" && "k" in d) return dtypeOf(d);
  throw new TypeError(`expected a dtype (e.g. wf.float32, wf.vec3), got ${String(d)}`);
}

export function zeroValue(t: Type): any {
  if (t.k === "scalar") return coerceScalar(t.s, 0);
  if (t.k === "array") return null; // an array field of a struct: no default array
  if (t.k === "struct") return Object.fromEntries(t.fields.map((f) => [f.name, zeroValue(f.type)]));
  return new Array(componentCount(t)).fill(0);
}

/** Scalars per element (vec3 -> 3) for types whose memory is one scalar kind; 0 for structs. */
export function scalarsPerElement(t: Type): number {
  return t.k === "struct" ? 0 : t.k === "scalar" ? 1 : componentCount(t);
}

/** Writes `value` (number, bigint, boolean, component list, or struct object) at `off`. */
export function encodeValue(t: Type, value: any, dv: DataView, off: number, what = "value"): void {
  switch (t.k) {
    case "scalar": {
      if (t.s === "bool" ? typeof value !== "boolean" && typeof value !== "number" : typeof value !== "number" && typeof value !== "bigint")
        throw new TypeError(`${what}: expected ${t.s}, got ${describe(value)}`);
      writeScalar(dv, off, t.s, t.s === "i64" || t.s === "u64" ? BigInt(value) : t.s === "bool" ? Boolean(value) : Number(value));
      return;
    }
    case "vec": case "mat": case "quat": case "transform": {
      const n = componentCount(t);
      const flat = flattenComponents(value);
      if (!flat || flat.length !== n) throw new TypeError(`${what}: expected ${typeName(t)} (${n} numbers), got ${describe(value)}`);
      const sz = scalarBytes(t.s);
      for (let k = 0; k < n; k++) writeScalar(dv, off + k * sz, t.s, t.s === "i64" || t.s === "u64" ? BigInt(flat[k]) : Number(flat[k]));
      return;
    }
    case "struct": {
      if (!value || typeof value !== "object") throw new TypeError(`${what}: expected a ${t.name} object, got ${describe(value)}`);
      const offs = fieldOffsets(t);
      t.fields.forEach((f, k) => {
        if (!(f.name in value)) throw new TypeError(`${what}: ${t.name} object lacks field '${f.name}'`);
        // Array fields travel as kernel parameters of their own (KernelAbi path), not as bytes.
        if (f.type.k === "array") return;
        encodeValue(f.type, value[f.name], dv, off + offs[k], `${what}.${f.name}`);
      });
      return;
    }
    default: throw new TypeError(`${what}: ${typeName(t)} values cannot be written to memory`);
  }
}

export function decodeValue(t: Type, dv: DataView, off: number): any {
  switch (t.k) {
    case "scalar": return readScalar(dv, off, t.s);
    case "vec": case "mat": case "quat": case "transform": {
      const sz = scalarBytes(t.s);
      return Array.from({ length: componentCount(t) }, (_, k) => readScalar(dv, off + k * sz, t.s));
    }
    case "struct": {
      const offs = fieldOffsets(t);
      return Object.fromEntries(t.fields.map((f, k) => [f.name, decodeValue(f.type, dv, off + offs[k])]));
    }
    default: throw new TypeError(`cannot read ${typeName(t)} values`);
  }
}

/** [1,2,3], Float32Array, [[1,2],[3,4]] (matrix rows) -> flat component list; null if not numeric. */
function flattenComponents(v: any): number[] | null {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (!Array.isArray(v)) return null;
  const out: number[] = [];
  for (const x of v) {
    if (typeof x === "number" || typeof x === "bigint") out.push(x as number);
    else { const inner = flattenComponents(x); if (!inner) return null; out.push(...inner); }
  }
  return out;
}

export function describe(v: any): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as any).length}`;
  if (typeof v === "object") return v.constructor?.name && v.constructor.name !== "Object" ? `a ${v.constructor.name}` : "an object";
  return `${typeof v} ${String(v)}`;
}

export const elementSize = (t: Type) => layoutOf(t).size;
