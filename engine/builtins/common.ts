// Shared pieces for builtin definitions: exact scalar arithmetic in JS (the interpreter's
// semantics), binaryen opcode selection by scalar kind, and helpers that split vector-like values
// into components and back, which is how composite builtins are expanded into IR.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import {
  ScalarKind, Type, componentCount, componentScalar, isFloat, scalar, typeEq, typeName,
} from "../ir/types.js";

/** Rounds a JS value to what a variable of kind `s` holds. */
export function wrap(s: ScalarKind, v: any): any {
  switch (s) {
    case "bool": return Boolean(v);
    case "i32": return Number(v) | 0;
    case "u32": return Number(v) >>> 0;
    case "i64": return BigInt.asIntN(64, BigInt(v));
    case "u64": return BigInt.asUintN(64, BigInt(v));
    case "f32": return Math.fround(Number(v));
    case "f64": return Number(v);
  }
}

export const is64Int = (s: ScalarKind) => s === "i64" || s === "u64";
export const isVectorLike = (t: Type) => t.k === "vec" || t.k === "mat" || t.k === "quat" || t.k === "transform";

/** The scalar components of a vector-like value (as `extract`s), or [v] for a scalar. */
export function comps(b: Builder, v: Inst): Inst[] {
  if (v.type.k === "scalar") return [v];
  const s = scalar(componentScalar(v.type)!);
  const n = componentCount(v.type);
  const out: Inst[] = [];
  for (let i = 0; i < n; i++) out.push(b.extract(v, i, s));
  return out;
}

/** Rebuilds a value of `type` from scalar components (a scalar type takes the one component). */
export function build(b: Builder, type: Type, parts: Inst[]): Inst {
  return type.k === "scalar" ? parts[0] : b.construct(type, parts);
}

/** Applies a scalar builtin componentwise; scalars among the operands are broadcast. */
export function componentwise(b: Builder, fn: string, args: Inst[], result: Type): Inst {
  const n = result.k === "scalar" ? 1 : componentCount(result);
  const parts = args.map((a) => (a.type.k === "scalar" ? null : comps(b, a)));
  const out: Inst[] = [];
  for (let i = 0; i < n; i++) out.push(b.call(fn, ...args.map((a, j) => parts[j] ? parts[j]![i] : a)));
  return build(b, result, out);
}

/** `t` with its component scalar replaced (vec3 -> vec3 of bool for comparisons, unused today). */
export function withScalar(t: Type, s: ScalarKind): Type {
  switch (t.k) {
    case "vec": return { k: "vec", n: t.n, s };
    case "mat": return { k: "mat", r: t.r, c: t.c, s };
    case "quat": return { k: "quat", s };
    case "transform": return { k: "transform", s };
    default: return scalar(s);
  }
}

// --- resolution helpers ------------------------------------------------------------------------

export const names = (ts: Type[]) => ts.map(typeName).join(", ");

export function arity(args: Type[], n: number, name: string): string | null {
  return args.length === n ? null : `${name} takes ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`;
}

/** Same numeric scalar type for all operands. */
export function sameScalar(args: Type[], name: string, pred: (s: ScalarKind) => boolean, what: string): Type | string {
  const a = args[0];
  if (a.k !== "scalar" || !pred(a.s)) return `${name} expects ${what}, got (${names(args)})`;
  for (const t of args) if (!typeEq(t, a)) return `${name} expects operands of one type, got (${names(args)})`;
  return a;
}

/** Float scalars or float vectors, all of one type (sin, sqrt, floor, ...). */
export function floatLike(args: Type[], name: string, n: number): Type | string {
  const e = arity(args, n, name);
  if (e) return e;
  const a = args[0];
  const s = componentScalar(a);
  if (!s || !isFloat(s) || (a.k !== "scalar" && a.k !== "vec")) return `${name} expects f32/f64 scalars or vectors, got (${names(args)})`;
  for (const t of args) if (!typeEq(t, a)) return `${name} expects operands of one type, got (${names(args)})`;
  return a;
}

// --- binaryen opcode names by scalar kind -------------------------------------------------------

/** The binaryen namespace of a scalar kind: i32 for bool/i32/u32, i64 for i64/u64. */
export function wasmNs(ctx: { m: any }, s: ScalarKind): any {
  switch (s) {
    case "bool": case "i32": case "u32": return ctx.m.i32;
    case "i64": case "u64": return ctx.m.i64;
    case "f32": return ctx.m.f32;
    case "f64": return ctx.m.f64;
  }
}

export const CUDA_SCALAR: Record<ScalarKind, string> = {
  bool: "bool", i32: "int32_t", u32: "uint32_t", i64: "int64_t", u64: "uint64_t", f32: "float", f64: "double",
};

export function cudaLiteralSuffix(s: ScalarKind): string {
  return s === "f32" ? "f" : s === "u32" ? "u" : s === "i64" ? "ll" : s === "u64" ? "ull" : "";
}

// --- wasm lowering helpers ----------------------------------------------------------------------

/** The binaryen value type of a scalar kind. */
export function wasmType(ctx: { bn: any }, s: ScalarKind): any {
  return s === "i64" || s === "u64" ? ctx.bn.i64 : s === "f32" ? ctx.bn.f32 : s === "f64" ? ctx.bn.f64 : ctx.bn.i32;
}

/**
 * Binds operand expressions to locals in order, so a lowering can use a value several times without
 * depending on where the first use lands in wasm's evaluation order (select evaluates its condition
 * last): `const x = L.bind(a, s); ... return L.done(expr, s)` yields `(block (drop (tee x a)) ... expr)`.
 */
export class WasmLet {
  private stmts: number[] = [];
  constructor(private ctx: { m: any; bn: any; tee(expr: number, s: ScalarKind): () => number }) {}
  bind(expr: number, s: ScalarKind): () => number {
    const g = this.ctx.tee(expr, s);
    this.stmts.push(this.ctx.m.drop(g()));
    return g;
  }
  done(result: number, s: ScalarKind): number {
    return this.stmts.length ? this.ctx.m.block(null, [...this.stmts, result], wasmType(this.ctx, s)) : result;
  }
}
