// The kernel parameter ABI of generated CUDA kernels, and the packing of launch arguments into one
// buffer in that layout (the addon passes it with CU_LAUNCH_PARAM_BUFFER_POINTER).
//
// Every kernel is   extern "C" __global__ void k(const weft_dims dims, <lowered params...>)
// laid out like a C struct of those members (each at its natural alignment, no reordering):
//
//   weft_dims   32 bytes, align 8: int32 d[4] (unused trailing extents = 1), int64 total,
//               int64 inner (product of the extents beyond the kernel's rank; 1 usually)
//   weft_array  48 bytes, align 8: u64 data, u64 grad, int32 shape[4], int32 strides[4] (bytes);
//               beyond the array's rank, shape 1 and stride 0 (the interpreter's ashape answer)
//   bool 1/1, i32 u32 f32 4/4, i64 u64 f64 8/8, ptr (uint64_t) 8/8
//
// The layout is computed once per kernel and owns a buffer that every launch reuses: the driver
// copies the parameters at launch time, so the buffer is free again when launch() returns.

import { Func, walk } from "../../ir/ops.js";
import { ScalarKind, alignUp, scalarBytes, typeName } from "../../ir/types.js";
import type { ArgValue, ArrayArg } from "../../runtime/backend.js";

export const DIMS_SIZE = 32;
export const ARRAY_SIZE = 48;

export type ParamSlotKind = ScalarKind | "array" | "ptr";

export interface ParamSlot {
  name: string;
  kind: ParamSlotKind;
  offset: number;
  size: number;
  align: number;
  /** Rank of an array parameter (1-4). */
  ndim?: number;
}

export interface ParamLayout {
  kernel: string;
  /** Thread-index rank the generated code decomposes the launch into (1-4): see launchRank. */
  ndim: number;
  /** Offset of the weft_dims block (always 0). */
  dimsOffset: number;
  slots: ParamSlot[];
  /** Bytes of the parameter block: the end of the last parameter. */
  size: number;
  /** The reusable argument buffer and a view on it. */
  buffer: Uint8Array;
  view: DataView;
}

function slotOf(name: string, t: Func["params"][number]["type"]): Omit<ParamSlot, "offset"> {
  switch (t.k) {
    case "scalar": { const b = scalarBytes(t.s); return { name, kind: t.s, size: b, align: b }; }
    case "array": return { name, kind: "array", size: ARRAY_SIZE, align: 8, ndim: t.ndim };
    case "ptr": return { name, kind: "ptr", size: 8, align: 8 };
    default: throw new Error(`weft CUDA: kernel parameter '${name}' has type ${typeName(t)}, which is not lowered (weft bug)`);
  }
}

/**
 * The number of leading launch dimensions a kernel's code splits the flat thread index into: its
 * `ndim`, raised to cover every tid/dim it uses. A launch over more dimensions than that still works
 * as in the interpreter (row-major over all launch extents): the packer passes the product of the
 * extra trailing extents as `inner`, and the kernel divides the flat index by it first.
 */
export function launchRank(fn: Func): number {
  let k = Math.max(1, Math.min(4, fn.ndim | 0));
  walk(fn.body, (i) => {
    if ((i.op === "tid" || i.op === "dim") && typeof i.attrs.dim === "number") k = Math.max(k, Math.min(4, i.attrs.dim + 1));
  });
  return k;
}

/**
 * The parameter layout of a lowered kernel. `rank` is the launch rank its code was generated with
 * (recorded in the artifact); by default it is computed from the body, which a kernel restored
 * from the cache (a stub without body) does not have.
 */
export function computeLayout(fn: Func, rank = launchRank(fn)): ParamLayout {
  let off = DIMS_SIZE;
  const slots: ParamSlot[] = fn.params.map((p) => {
    const s = slotOf(p.name, p.type);
    off = alignUp(off, s.align);
    const slot = { ...s, offset: off };
    off += s.size;
    return slot;
  });
  const buffer = new Uint8Array(off);
  return {
    kernel: fn.name, ndim: rank, dimsOffset: 0, slots, size: off,
    buffer, view: new DataView(buffer.buffer),
  };
}

function badArg(layout: ParamLayout, slot: ParamSlot, v: unknown, want: string): Error {
  const got = v === null ? "null" : typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
  return new TypeError(`kernel '${layout.kernel}': argument '${slot.name}' must be ${want}, got ${got}`);
}

function toBigInt(v: number | bigint): bigint { return typeof v === "bigint" ? v : BigInt(v); }

/**
 * Writes launch extents (1-4 numbers) and arguments (lowered-parameter order) into the layout's
 * buffer and returns it; `packedTotal(layout)` then gives the thread count.
 */
export function packParams(layout: ParamLayout, dims: readonly number[], args: readonly ArgValue[]): Uint8Array {
  const dv = layout.view;
  if (dims.length > 4 || dims.length < 1) throw new RangeError(`kernel '${layout.kernel}': a launch has 1 to 4 dimensions, got ${dims.length}`);
  let total = 1, inner = 1;
  for (let d = 0; d < 4; d++) {
    const e = d < dims.length ? dims[d] : 1;
    if (!Number.isInteger(e) || e < 0 || e > 0x7fffffff) throw new RangeError(`kernel '${layout.kernel}': launch extent ${d} must be an integer in [0, 2^31), got ${e}`);
    dv.setInt32(d * 4, e, true);
    total *= e;
    if (d >= layout.ndim) inner *= e;
  }
  if (total > Number.MAX_SAFE_INTEGER) throw new RangeError(`kernel '${layout.kernel}': launch of ${total} threads is too large`);
  dv.setBigInt64(16, BigInt(total), true);
  dv.setBigInt64(24, BigInt(inner || 1), true);
  if (args.length !== layout.slots.length) {
    throw new RangeError(`kernel '${layout.kernel}' takes ${layout.slots.length} lowered arguments, got ${args.length}`);
  }
  for (let i = 0; i < layout.slots.length; i++) {
    const slot = layout.slots[i], v = args[i], o = slot.offset;
    switch (slot.kind) {
      case "array": {
        const a = v as ArrayArg;
        if (typeof a !== "object" || a === null || !a.shape) throw badArg(layout, slot, v, "an array descriptor");
        dv.setBigUint64(o, toBigInt(a.data), true);
        dv.setBigUint64(o + 8, toBigInt(a.grad ?? 0), true);
        for (let d = 0; d < 4; d++) {
          const has = d < a.shape.length;
          dv.setInt32(o + 16 + d * 4, has ? a.shape[d] : 1, true);
          dv.setInt32(o + 32 + d * 4, has ? a.strides[d] : 0, true);
        }
        break;
      }
      case "bool":
        if (typeof v !== "boolean" && typeof v !== "number") throw badArg(layout, slot, v, "a boolean");
        dv.setUint8(o, v ? 1 : 0);
        break;
      case "i32": case "u32":
        if (typeof v !== "number" && typeof v !== "boolean") throw badArg(layout, slot, v, "a number");
        dv.setInt32(o, Number(v) | 0, true);
        break;
      case "f32":
        if (typeof v !== "number") throw badArg(layout, slot, v, "a number");
        dv.setFloat32(o, v, true);
        break;
      case "f64":
        if (typeof v !== "number") throw badArg(layout, slot, v, "a number");
        dv.setFloat64(o, v, true);
        break;
      case "i64": case "u64": case "ptr":
        if (typeof v === "bigint") dv.setBigUint64(o, BigInt.asUintN(64, v), true);
        else if (typeof v === "number" && Number.isInteger(v)) dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
        else throw badArg(layout, slot, v, "a bigint or an integer number");
        break;
    }
  }
  return layout.buffer;
}

/** The number of threads of the last packed launch (dims product). */
export function packedTotal(layout: ParamLayout): number {
  return Number(layout.view.getBigInt64(16, true));
}
