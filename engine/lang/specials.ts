// Special forms that are not registry builtins: `tid()`, atomics on array elements, `print`, and
// raw typed reads from byte buffers (`load<T>(buf, byteOffset)`, `loadAt<T>(buf, base, i)`).

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { Type, componentCount, layoutOf, scalar, scalarBytes, typeEq, typeName } from "../ir/types.js";
import { FnCtx } from "./context.js";
import { emitLiteralExpr, emitValue } from "./expr.js";
import { literalTarget, litKind } from "./literals.js";
import { emitIndex } from "./access.js";
import { mismatch } from "./assign.js";
import { printfArity } from "../runtime/printf.js";

type Special = (cx: FnCtx, e: ts.CallExpression, name: string) => Inst;

/** Fixes the kernel's launch dimensionality (all tid() uses of a kernel must agree). */
export function useNdim(cx: FnCtx, n: number, at: ts.Node): void {
  if (!cx.sig || cx.sig.kind !== "kernel")
    cx.fail(at, "tid() can only be used in a @kernel; pass the thread index to the @func as a parameter");
  if (cx.ndim && cx.ndim !== n) {
    const prev = cx.diags.loc(cx.ndimNode!);
    cx.fail(at, `tid() gives ${n} ind${n === 1 ? "ex" : "ices"} here but ${cx.ndim} at line ${prev.line}; a kernel has one launch dimensionality`);
  }
  cx.ndim = n;
  cx.ndimNode ??= at;
}

/** `const [i, j] = tid()`: the thread indices of an n-dimensional launch. */
export function emitTidN(cx: FnCtx, n: number, at: ts.Node): Inst[] {
  if (n < 1 || n > 4) return cx.fail(at, `tid() gives 1 to 4 indices, not ${n}`);
  useNdim(cx, n, at);
  return Array.from({ length: n }, (_, d) => cx.b.tid(d));
}

function emitTid(cx: FnCtx, e: ts.CallExpression): Inst {
  if (e.arguments.length) return cx.fail(e, "tid() takes no arguments; for a 2-D launch write const [i, j] = tid()");
  useNdim(cx, 1, e);
  return cx.b.tid(0);
}

const ATOMIC_KIND: Record<string, string> = {
  atomicAdd: "add", atomicSub: "sub", atomicMin: "min", atomicMax: "max", atomicExch: "xchg", atomicCAS: "cas",
};
const ATOMIC_SCALARS = ["i32", "u32", "f32", "f64"];

/** `atomicAdd(arr, i..., v)` ... `atomicCAS(arr, i..., compare, value)`: returns the old value. */
function emitAtomic(cx: FnCtx, e: ts.CallExpression, name: string): Inst {
  const b = cx.b;
  const kind = ATOMIC_KIND[name];
  const args = e.arguments;
  if (args.length === 0) return cx.fail(e, `${name} takes an array, its indices and a value`);
  const arr = emitValue(cx, args[0]);
  if (arr.type.k !== "array") return cx.fail(args[0], `the first argument of ${name} must be an array, got ${typeName(arr.type)}`);
  const at = arr.type;
  const nvals = kind === "cas" ? 2 : 1;
  if (args.length !== 1 + at.ndim + nvals) {
    const what = kind === "cas" ? "a compare value and a new value" : "a value";
    return cx.fail(e, `${name} on ${typeName(at)} takes the array, ${at.ndim} ind${at.ndim === 1 ? "ex" : "ices"} and ${what}; got ${args.length} arguments`);
  }
  const elem = at.elem;
  const okScalar = (t: Type) => t.k === "scalar" && ATOMIC_SCALARS.includes(t.s);
  const okVec = elem.k === "vec" && ATOMIC_SCALARS.includes(elem.s) && kind !== "cas" && kind !== "xchg";
  if (!okScalar(elem) && !okVec)
    return cx.fail(args[0], `${name} needs an array of i32, u32, f32 or f64${kind === "cas" || kind === "xchg" ? "" : " (or vectors of them)"}, got ${typeName(at)}`);
  const idx = args.slice(1, 1 + at.ndim).map((a) => emitIndex(cx, a));
  const operand = (a: ts.Expression) => {
    const lk = litKind(cx, a);
    const v = lk ? emitLiteralExpr(cx, a, literalTarget(lk, elem)) : emitValue(cx, a, elem);
    if (!typeEq(v.type, elem)) return cx.fail(a, mismatch(`the value of ${name} on ${typeName(at)}`, v.type, elem));
    return v;
  };
  const vs = args.slice(1 + at.ndim).map(operand);
  if (kind === "cas") return b.aatomic("cas", arr, idx, vs[1], 0, vs[0]);
  if (elem.k === "scalar") return b.aatomic(kind, arr, idx, vs[0]);
  // Vectors: one atomic per component at its byte offset; the old value is rebuilt.
  const s = scalar((elem as { s: "f32" }).s);
  const bytes = scalarBytes((elem as { s: "f32" }).s);
  const olds: Inst[] = [];
  for (let k = 0; k < componentCount(elem); k++) olds.push(b.aatomic(kind, arr, idx, b.extract(vs[0], k, s), k * bytes));
  return b.construct(elem, olds);
}

/** `print("x = %f, i = %d", x, i)`: C printf formatting (engine/runtime/printf.ts), in every build. */
function emitPrint(cx: FnCtx, e: ts.CallExpression, name: string): Inst {
  const args = e.arguments;
  const f = args[0];
  if (!f || !(ts.isStringLiteral(f) || ts.isNoSubstitutionTemplateLiteral(f)))
    return cx.fail(f ?? e, `the first argument of ${name} must be a string literal format, e.g. ${name}("x = %f", x)`);
  const fmt = f.text;
  if (/%[-+ #0]*\d*(\.\d*)?\*/.test(fmt.replace(/%%/g, "")))
    return cx.fail(f, `${name} does not support '*' widths or precisions; write the number into the format (%8.3f)`);
  const n = printfArity(fmt);
  const vals = args.slice(1).map((a) => {
    const v = emitValue(cx, a);
    if (v.type.k !== "scalar")
      return cx.fail(a, `${name} prints scalars; got ${typeName(v.type)}${v.type.k === "vec" ? " (print its components: v.x, v.y, ...)" : ""}`);
    return v;
  });
  if (n !== vals.length) return cx.fail(f, `the format has ${n} placeholder${n === 1 ? "" : "s"} but ${vals.length} value${vals.length === 1 ? " was" : "s were"} given`);
  return cx.b.print(fmt, vals);
}

/** `load<T>(buf, byteOffset)` and `loadAt<T>(buf, baseByteOffset, index)`: typed reads from raw storage. */
function emitLoad(cx: FnCtx, e: ts.CallExpression, name: string): Inst {
  const b = cx.b;
  const ta = e.typeArguments;
  if (!ta || ta.length !== 1) return cx.fail(e, `${name}<T>(...) needs the type to read, e.g. ${name}<f32>(buf, offset)`);
  const t = cx.m.types.resolve(ta[0]);
  if (!((t.k === "scalar" && t.s !== "bool") || t.k === "vec" || t.k === "mat" || t.k === "quat" || t.k === "transform"))
    return cx.fail(ta[0], `${name}<T> reads numbers, vectors and matrices, not ${typeName(t)}`);
  const want = name === "load" ? 2 : 3;
  if (e.arguments.length !== want)
    return cx.fail(e, name === "load" ? "load<T>(buf, byteOffset) takes 2 arguments" : "loadAt<T>(buf, baseByteOffset, index) takes 3 arguments");
  const buf = emitValue(cx, e.arguments[0]);
  if (buf.type.k !== "array") return cx.fail(e.arguments[0], `${name} reads from an array, got ${typeName(buf.type)}`);
  let off = emitIndex(cx, e.arguments[1]);
  if (name === "loadAt") {
    const i = emitIndex(cx, e.arguments[2]);
    off = b.call("add", off, b.call("mul", i, b.i32(layoutOf(t).size)));
  }
  return b.araw(buf, off, t);
}

export const SPECIALS: Record<string, Special> = {
  tid: emitTid,
  print: emitPrint, printf: emitPrint,
  load: emitLoad, loadAt: emitLoad,
  ...Object.fromEntries(Object.keys(ATOMIC_KIND).map((k) => [k, emitAtomic])),
};

