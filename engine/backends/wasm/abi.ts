// The wasm kernel ABI: how a launch reaches a kernel entry, and what the artifact's metadata says.
//
// Every kernel is exported as `k<N>(start: i32, end: i32, args: i32, stack: i32)`, which runs the
// flat thread ids [start, end). `args` points to an argument block in the shared memory:
//
//   offset  0  dims[4]      i32  launch extents as the kernel sees them (row-major, last fastest)
//   offset 16  errSite      i32  0, or 1 + index of the trap site that fired (first one wins)
//   offset 20  printCursor  i32  bytes written into the print buffer (atomic bump)
//   offset 24  printBuf     i32  address of the print buffer (0: printing disabled)
//   offset 28  printCap     i32  its capacity in bytes
//   offset 32  errVals[8]   8 bytes each: the trap site's reported values (i64 bits or f64)
//   offset 96  parameters   each at its natural alignment, in `fn.params` order:
//                           bool/i32/u32 as 4 bytes, i64/u64/f64 as 8, f32 as 4;
//                           an array as { data i32, grad i32, shape i32 x ndim, strides i32 x ndim }.
//
// `stack` is the calling worker's private scratch area for fixed-size local arrays (a frame of
// `frameBytes`, re-zeroed for every thread; SIMD entries use 4 frames, one per lane).

import type { Func } from "../../ir/ops.js";
import type { ScalarKind, Type } from "../../ir/types.js";

export const HDR_DIMS = 0;
export const HDR_ERR_SITE = 16;
export const HDR_PRINT_CURSOR = 20;
export const HDR_PRINT_BUF = 24;
export const HDR_PRINT_CAP = 28;
export const HDR_ERR_VALS = 32;
export const MAX_ERR_VALS = 8;
export const HEADER_BYTES = 96;

export const TARGET = "wasm-simd128";

export type ParamSlot =
  | { name: string; kind: "scalar"; s: ScalarKind; offset: number }
  | { name: string; kind: "array"; ndim: number; offset: number };

/** Why a kernel trapped, decoded by the host from `errSite` and `errVals`. */
export type TrapSite = { at?: string } & (
  | { kind: "bounds"; what: string; axis: number }           // values: index, size ('what': param name or "")
  | { kind: "fixed-bounds"; what: string; size: number }     // values: index
  | { kind: "raw-bounds"; what: string; bytes: number }      // values: byteOffset, array bytes
  | { kind: "trap"; code: number; kinds: ScalarKind[] });    // values: the trap's operands

export interface PrintSite { fmt: string; kinds: ScalarKind[] }

export interface KernelMeta {
  name: string;
  /** Export name of the entry. */
  entry: string;
  /** Dimensionality the kernel's tid()/dim() use (1..4). */
  ndim: number;
  params: ParamSlot[];
  /** Size of the argument block (header + parameters), a multiple of 16. */
  argBytes: number;
  /** Scratch bytes per thread for fixed-size local arrays. */
  frameBytes: number;
  /** Whether the entry runs groups of 4 threads in SIMD lanes (the host only needs it for stack sizing). */
  simd: boolean;
  /** SIMD entries only: the byte strides the vector accesses assume (else the scalar entry runs). */
  simdStrides?: { param: number; axis: number; bytes: number }[];
  /** Estimated work of one thread (IR instructions, loop bodies weighted): inline vs pool launches. */
  cost: number;
  sites: TrapSite[];
  prints: PrintSite[];
}

export interface ModuleMeta {
  moduleName: string;
  debug: boolean;
  kernels: KernelMeta[];
  /** Math functions imported from the host as `env.<name>`. */
  libImports: string[];
}

export function slotBytes(s: ScalarKind): number { return s === "i64" || s === "u64" || s === "f64" ? 8 : 4; }

/** Lays out the parameters of a lowered kernel after the header. */
export function layoutParams(fn: Func): { params: ParamSlot[]; argBytes: number } {
  let off = HEADER_BYTES;
  const params: ParamSlot[] = [];
  for (const p of fn.params) {
    const t: Type = p.type;
    if (t.k === "scalar") {
      const b = slotBytes(t.s);
      off = Math.ceil(off / b) * b;
      params.push({ name: p.name, kind: "scalar", s: t.s, offset: off });
      off += b;
    } else if (t.k === "array") {
      off = Math.ceil(off / 4) * 4;
      params.push({ name: p.name, kind: "array", ndim: t.ndim, offset: off });
      off += 8 + 8 * t.ndim;
    } else if (t.k === "ptr") {
      off = Math.ceil(off / 4) * 4;
      params.push({ name: p.name, kind: "scalar", s: "u32", offset: off });
      off += 4;
    } else {
      throw new Error(`wasm backend: parameter '${p.name}' of kernel '${fn.name}' has type ${t.k}; lowered kernels take scalars and arrays only`);
    }
  }
  return { params, argBytes: Math.ceil(off / 16) * 16 };
}
