// Exact elementary math: rounding (floor ceil round trunc), abs, sign, min/max, copysign, fma and the
// float classification predicates (isnan isinf isfinite). All of them are exact operations, so the
// interpreter, wasm and CUDA give bit-identical results; where CUDA's library function differs from
// the semantics chosen here in an edge case (min/max with NaN or signed zeros), the CUDA lowering
// spells the semantics out instead of calling the library.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { BOOL, ScalarKind, Type, componentScalar, isFloat, isSigned } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { CUDA_SCALAR, WasmLet, arity, comps, componentwise, floatLike, is64Int, names, wasmNs, wrap } from "./common.js";
import { cName, kc } from "./math.js";

const expandVec = (name: string) => (b: Builder, args: Inst[], result: Type) =>
  result.k === "scalar" ? null : componentwise(b, name, args, result);

/** The binaryen constant `v` of kind `s`. */
export function wconst(ctx: { m: any }, s: ScalarKind, v: number): number {
  switch (s) {
    case "f32": return ctx.m.f32.const(v);
    case "f64": return ctx.m.f64.const(v);
    case "i64": case "u64": return ctx.m.i64.const(BigInt(v));
    default: return ctx.m.i32.const(v | 0);
  }
}

/** Numeric scalars or vectors of them, all operands of one type; `ints` allows integer kinds. */
function numericLike(args: Type[], name: string, n: number, kinds: (s: ScalarKind) => boolean, what: string): Type | string {
  const e = arity(args, n, name);
  if (e) return e;
  const a = args[0];
  const s = componentScalar(a);
  if (!s || !kinds(s) || (a.k !== "scalar" && a.k !== "vec")) return `${name} expects ${what} scalars or vectors, got (${names(args)})`;
  for (const t of args) if (t.k !== a.k || componentScalar(t) !== s || (t.k === "vec" && a.k === "vec" && t.n !== a.n))
    return `${name} expects operands of one type, got (${names(args)})`;
  return a;
}
const numericKind = (s: ScalarKind) => s !== "bool";
const signedOrFloat = (s: ScalarKind) => isFloat(s) || isSigned(s);

// --- rounding: floor ceil trunc round -------------------------------------------------------------

/** C roundf: nearest integer, halfway cases away from zero. */
export function roundHalfAway(x: number): number {
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

const ROUNDING: [string, (x: number) => number, string][] = [
  ["floor", Math.floor, "largest integer <= x"],
  ["ceil", Math.ceil, "smallest integer >= x"],
  ["trunc", Math.trunc, "integer part, rounding toward zero"],
  ["round", roundHalfAway, "nearest integer, halfway cases away from zero (C roundf; round(-0.5) = -1, round(2.5) = 3)"],
];
for (const [name, js, what] of ROUNDING) {
  defineBuiltin({
    name,
    sigs: [`${name}(x: f32|f64): same — ${what}`, `${name}(v: vecN of f32|f64): componentwise`],
    resolve: (args) => floatLike(args, name, 1),
    expand: expandVec(name),
    eval: ([x], _t, s) => wrap(s, js(x)),
    wasm(ctx, [a], _t, s) {
      const ns = wasmNs(ctx, s);
      if (name !== "round") return ns[name](a);
      // wasm's `nearest` rounds ties to even; round = trunc(x) + sign(x) when |x - trunc(x)| >= 0.5.
      // x - trunc(x) is exact, and so is the sum (|trunc(x)| < 2^mantissa whenever the sum happens).
      const L = new WasmLet(ctx);
      const x = L.bind(a, s);
      const t = L.bind(ns.trunc(x()), s);
      const far = ns.ge(ns.abs(ns.sub(x(), t())), wconst(ctx, s, 0.5));
      return L.done(ctx.m.select(far, ns.add(t(), ns.copysign(wconst(ctx, s, 1), x())), t()), s);
    },
    cuda: ([a], _t, s) => `${cName(name, s)}(${a})`,
    // Piecewise constant: the derivative is 0 wherever it exists (a constant 0, not "no gradient").
    adjoint: (b, [x]) => [kc(b, 0, x)],
  });
}

// --- abs, sign ----------------------------------------------------------------------------------

defineBuiltin({
  name: "abs",
  sigs: ["abs(x: f32|f64|i32|u32|i64|u64): same — |x| (integers wrap: abs(-2^31) = -2^31)", "abs(v: vecN): componentwise"],
  resolve: (args) => numericLike(args, "abs", 1, numericKind, "numeric"),
  expand: expandVec("abs"),
  eval: ([x], [s]) => (s === "u32" || s === "u64" ? x : wrap(s, x < 0 ? -x : is64Int(s) ? x : Math.abs(x))),
  wasm(ctx, [a], [s]) {
    const ns = wasmNs(ctx, s);
    if (isFloat(s)) return ns.abs(a);
    if (!isSigned(s)) return a;
    const L = new WasmLet(ctx);
    const x = L.bind(a, s);
    return L.done(ctx.m.select(ns.lt_s(x(), wconst(ctx, s, 0)), ns.sub(wconst(ctx, s, 0), x()), x()), s);
  },
  cuda([a], [s]) {
    if (isFloat(s)) return `${cName("fabs", s)}(${a})`;
    if (!isSigned(s)) return a;
    const u = s === "i32" ? "uint32_t" : "uint64_t";
    return `((${CUDA_SCALAR[s]})(${a} < 0 ? (${u})0 - (${u})${a} : (${u})${a}))`;
  },
  adjoint: (b, [x], _r, adj) => (isFloatInst(x) ? [b.call("mul", adj, b.call("sign", x))] : [null]),
});

defineBuiltin({
  name: "sign",
  sigs: ["sign(x: f32|f64|i32|i64): same — -1, 0 or 1 (sign(±0) = ±0, sign(NaN) = NaN)", "sign(v: vecN): componentwise"],
  resolve: (args) => numericLike(args, "sign", 1, signedOrFloat, "signed integer or float"),
  expand: expandVec("sign"),
  eval: ([x], [s]) => (is64Int(s) ? (x > 0n ? 1n : x < 0n ? -1n : 0n) : wrap(s, x > 0 ? 1 : x < 0 ? -1 : x)),
  wasm(ctx, [a], [s]) {
    const ns = wasmNs(ctx, s);
    const L = new WasmLet(ctx);
    const x = L.bind(a, s);
    const gt = isFloat(s) ? ns.gt : ns.gt_s, lt = isFloat(s) ? ns.lt : ns.lt_s;
    return L.done(ctx.m.select(gt(x(), wconst(ctx, s, 0)), wconst(ctx, s, 1),
      ctx.m.select(lt(x(), wconst(ctx, s, 0)), wconst(ctx, s, -1), x())), s);
  },
  cuda: ([a], [s]) => `(${a} > 0 ? (${CUDA_SCALAR[s]})1 : ${a} < 0 ? (${CUDA_SCALAR[s]})-1 : ${a})`,
  adjoint: (b, [x]) => [isFloatInst(x) ? kc(b, 0, x) : null],
});

function isFloatInst(x: Inst): boolean {
  const s = componentScalar(x.type);
  return !!s && isFloat(s);
}

// --- min, max -----------------------------------------------------------------------------------
// min(a, b) = (b < a || isnan(a)) ? b : a, max(a, b) = (b > a || isnan(a)) ? b : a.
// So a NaN operand is ignored when the other is a number (like C fminf/fmaxf, IEEE minNum), NaN
// results only when both are NaN, and for equal operands (including +0 and -0) the first is returned.
// Both backends spell this out, so min/max are bit-identical everywhere.

for (const name of ["min", "max"] as const) {
  const pick = name === "min" ? "lt" : "gt";
  const sym = name === "min" ? "<" : ">";
  defineBuiltin({
    name,
    sigs: [`${name}(a: T, b: T): T for numeric scalars — NaN operands are ignored unless both are NaN`,
      `${name}(a: vecN, b: vecN): componentwise (use ${name}Comp(v) to reduce a vector)`],
    resolve: (args) => numericLike(args, name, 2, numericKind, "numeric"),
    expand: expandVec(name),
    eval: ([a, b], [s]) => ((name === "min" ? b < a : b > a) || (isFloat(s) && Number.isNaN(a)) ? b : a),
    wasm(ctx, [a, b], [s]) {
      const ns = wasmNs(ctx, s);
      const L = new WasmLet(ctx);
      const x = L.bind(a, s), y = L.bind(b, s);
      const cmp = isFloat(s) ? ns[pick] : ns[`${pick}_${isSigned(s) ? "s" : "u"}`];
      let takeB = cmp(y(), x());
      if (isFloat(s)) takeB = ctx.m.i32.or(takeB, ns.ne(x(), x()));
      return L.done(ctx.m.select(takeB, y(), x()), s);
    },
    cuda: ([a, b], [s]) => (isFloat(s) ? `((${b} ${sym} ${a} || ${a} != ${a}) ? ${b} : ${a})` : `(${b} ${sym} ${a} ? ${b} : ${a})`),
    adjoint(b, [x, y], _r, adj) {
      if (!isFloatInst(x)) return [null, null];
      const takeB = b.call("or", b.call(pick, y, x), b.call("isnan", x));
      const zero = kc(b, 0, adj);
      return [b.select(takeB, zero, adj), b.select(takeB, adj, zero)];
    },
  });
}

// --- copysign, fma ------------------------------------------------------------------------------

defineBuiltin({
  name: "copysign",
  sigs: ["copysign(x: f32|f64, y: same): same — |x| with the sign bit of y", "copysign(a: vecN, b: vecN): componentwise"],
  resolve: (args) => floatLike(args, "copysign", 2),
  expand: expandVec("copysign"),
  eval([x, y], _t, s) {
    const neg = y < 0 || Object.is(y, -0) || (Number.isNaN(y) && signBitOfNaN(y, s));
    return wrap(s, neg ? -Math.abs(x) : Math.abs(x));
  },
  wasm: (ctx, [a, b], _t, s) => wasmNs(ctx, s).copysign(a, b),
  cuda: ([a, b], _t, s) => `${cName("copysign", s)}(${a}, ${b})`,
  adjoint(b, [x, y], _r, adj) {
    // copysign(x, y) is x or -x: the derivative in x is sign(x) * sign(y) as ±1, 0 in y.
    const one = kc(b, 1, x);
    const f = b.call("mul", b.call("copysign", one, x), b.call("copysign", one, y));
    return [b.call("mul", adj, f), kc(b, 0, y)];
  },
});

function signBitOfNaN(y: number, s: ScalarKind): boolean {
  const dv = new DataView(new ArrayBuffer(8));
  if (s === "f32") { dv.setFloat32(0, y); return (dv.getUint32(0) >>> 31) === 1; }
  dv.setFloat64(0, y); return (dv.getUint32(0) >>> 31) === 1;
}

/**
 * Fused multiply-add of f32 values, a*b + c rounded once. The product is exact in f64; the f64 sum
 * is turned into round-to-odd (the sum's rounding error, from TwoSum, decides whether to step to the
 * odd neighbour), and rounding that to f32 is then correctly rounded (53 >= 24 + 2 bits).
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  if (!(Math.abs(err) > 0)) return Math.fround(s);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, s);
  const bits = dv.getBigUint64(0);
  if ((bits & 1n) === 0n) dv.setBigUint64(0, (s > 0) === (err > 0) ? bits + 1n : bits - 1n);
  return Math.fround(dv.getFloat64(0));
}

defineBuiltin({
  name: "fma",
  sigs: ["fma(a: f32, b: f32, c: f32): f32 — a*b + c with one rounding (bit-identical on every backend)", "fma(a: vecN, b: vecN, c: vecN): componentwise"],
  resolve(args) {
    const t = floatLike(args, "fma", 3);
    if (typeof t === "string") return t;
    return componentScalar(t) === "f32" ? t : `fma is defined on f32 only; for f64 write a * b + c`;
  },
  expand: expandVec("fma"),
  eval: ([a, b, c]) => fmaf(a, b, c),
  wasm(ctx, [a, b, c]) {
    const m = ctx.m, d = m.f64, L = new WasmLet(ctx);
    const p = L.bind(d.mul(d.promote(a), d.promote(b)), "f64");
    const cc = L.bind(d.promote(c), "f64");
    const s = L.bind(d.add(p(), cc()), "f64");
    const bb = L.bind(d.sub(s(), p()), "f64");
    const err = L.bind(d.add(d.sub(p(), d.sub(s(), bb())), d.sub(cc(), bb())), "f64");
    const bits = L.bind(m.i64.reinterpret(s()), "i64");
    // Step to the odd neighbour when inexact (|err| > 0, false for NaN) and the low bit is 0.
    const inexactEven = m.i32.and(d.gt(d.abs(err()), d.const(0)), m.i64.eqz(m.i64.and(bits(), m.i64.const(1n))));
    const sameSign = m.i64.ge_s(m.i64.xor(bits(), m.i64.reinterpret(err())), m.i64.const(0n));
    const step = m.select(sameSign, m.i64.const(1n), m.i64.const(-1n));
    const odd = m.select(inexactEven, m.i64.add(bits(), step), bits());
    return L.done(m.f32.demote(d.reinterpret(odd)), "f32");
  },
  cuda: ([a, b, c]) => `fmaf(${a}, ${b}, ${c})`,
  adjoint: (b, [x, y], _r, adj) => [b.call("mul", adj, y), b.call("mul", adj, x), adj],
});

// --- classification ------------------------------------------------------------------------------

const CLASSIFY: [string, (x: number) => boolean, string, "any" | "all"][] = [
  ["isnan", Number.isNaN, "x is NaN (vectors: any component)", "any"],
  ["isinf", (x) => x === Infinity || x === -Infinity, "x is +inf or -inf (vectors: any component)", "any"],
  ["isfinite", Number.isFinite, "x is neither NaN nor infinite (vectors: every component)", "all"],
];
for (const [name, js, what, reduce] of CLASSIFY) {
  defineBuiltin({
    name,
    sigs: [`${name}(x: f32|f64 or vecN of them): bool — ${what}`],
    resolve(args) {
      const t = floatLike(args, name, 1);
      return typeof t === "string" ? t : BOOL;
    },
    expand(b, [x]) {
      if (x.type.k === "scalar") return null;
      return comps(b, x).map((c) => b.call(name, c)).reduce((p, c) => b.call(reduce === "any" ? "or" : "and", p, c));
    },
    eval: ([x]) => js(x),
    wasm(ctx, [a], [s]) {
      const ns = wasmNs(ctx, s);
      if (name === "isnan") { const L = new WasmLet(ctx); const x = L.bind(a, s); return L.done(ns.ne(x(), x()), "bool"); }
      const inf = wconst(ctx, s, Infinity);
      return name === "isinf" ? ns.eq(ns.abs(a), inf) : ns.lt(ns.abs(a), inf);
    },
    cuda: ([a]) => `(bool)${name}(${a})`,
    nondiff: "a predicate has no derivative",
    adjoint: () => [null],
  });
}
