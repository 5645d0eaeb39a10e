// Checking and converting the inputs of wf.Mesh and wf.Bvh: vec3 data given as a WeftArray, a
// Float32Array/Float64Array or a number[] (flat or [x, y, z] triples), index data as i32 arrays.
// Every error names the constructor, the argument and what was expected.

import { WeftArray, array as makeArray } from "../../runtime/array.js";
import { Device } from "../../runtime/device.js";
import { describe, int32, vec3 } from "../../runtime/dtype.js";
import { typeName } from "../../ir/types.js";

/** A vec3 input on `device`: the user's array when it is one (kept, so refit sees its updates). */
export function vec3Input(where: string, name: string, data: unknown, device: Device): WeftArray {
  if (data instanceof WeftArray) {
    if (data.disposed) throw new Error(`${where}: '${name}' was disposed`);
    const t = data.type;
    if (!(t.k === "vec" && t.n === 3 && t.s === "f32") || data.ndim !== 1)
      throw new TypeError(`${where}: '${name}' must be a 1-D array of vec3 (f32), got ${data.ndim}-D ${typeName(t)}`);
    if (data.device !== device) throw new Error(`${where}: '${name}' is on ${data.device.name} but the device is ${device.name}; move it with .to("${device.name}")`);
    if (!data.isContiguous) throw new Error(`${where}: '${name}' must be contiguous; clone() it first`);
    return data;
  }
  let flat: Float32Array;
  if (data instanceof Float32Array || data instanceof Float64Array) flat = Float32Array.from(data);
  else if (Array.isArray(data)) {
    const nested = data.length > 0 && Array.isArray(data[0]);
    if (nested && !data.every((p) => Array.isArray(p) && p.length === 3))
      throw new TypeError(`${where}: '${name}' must be [x, y, z] triples or a flat list of numbers`);
    const vals = (nested ? data.flat() : data) as unknown[];
    if (!vals.every((x) => typeof x === "number")) throw new TypeError(`${where}: '${name}' must hold numbers`);
    flat = Float32Array.from(vals as number[]);
  } else {
    throw new TypeError(`${where}: '${name}' must be a vec3 WeftArray, a Float32Array or a number[], got ${describe(data)}`);
  }
  if (flat.length % 3 !== 0) throw new TypeError(`${where}: '${name}' has ${flat.length} numbers, not a multiple of 3 (x, y, z per entry)`);
  return makeArray(flat, { dtype: vec3, device });
}

/** Triangle (or other) indices as i32 on `device`. */
export function indexInput(where: string, name: string, data: unknown, device: Device): WeftArray {
  if (data instanceof WeftArray) {
    if (data.disposed) throw new Error(`${where}: '${name}' was disposed`);
    const t = data.type;
    const ok = (t.k === "scalar" && t.s === "i32") || (t.k === "vec" && t.n === 3 && t.s === "i32");
    if (!ok) throw new TypeError(`${where}: '${name}' must be an array of i32 (or vec3i), got ${typeName(t)}`);
    if (data.device !== device) throw new Error(`${where}: '${name}' is on ${data.device.name} but the device is ${device.name}; move it with .to("${device.name}")`);
    return data.type.k === "scalar" && data.ndim === 1 && data.isContiguous ? data : makeArray(Int32Array.from(data.toTypedArray()), { dtype: int32, device });
  }
  let flat: Int32Array;
  if (data instanceof Int32Array || data instanceof Uint32Array || data instanceof Uint16Array || data instanceof Uint8Array) flat = Int32Array.from(data);
  else if (Array.isArray(data)) {
    const vals = (data.length > 0 && Array.isArray(data[0]) ? data.flat() : data) as unknown[];
    if (!vals.every((x) => typeof x === "number" && Number.isInteger(x))) throw new TypeError(`${where}: '${name}' must hold integers`);
    flat = Int32Array.from(vals as number[]);
  } else {
    throw new TypeError(`${where}: '${name}' must be an Int32Array, an i32 WeftArray or a number[], got ${describe(data)}`);
  }
  return makeArray(flat, { dtype: int32, device });
}

/** Host copy of a vec3 array as flat f32 (a zero-copy view on the CPU). */
export function hostVec3(a: WeftArray): Float32Array {
  return a.toTypedArray() as Float32Array;
}

/** Throws naming the first non-finite component. */
export function checkFinite(where: string, name: string, v: Float32Array): void {
  for (let k = 0; k < v.length; k++) {
    if (!Number.isFinite(v[k])) throw new RangeError(`${where}: ${name}[${Math.floor(k / 3)}] = (${Array.from(v.subarray(k - (k % 3), k - (k % 3) + 3))}) is not finite; every coordinate must be a finite number`);
  }
}
