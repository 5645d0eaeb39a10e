// In-module f32 math: sinf cosf tanf expf exp2f logf log2f log10f powf atanf atan2f, computed in
// f64 with short polynomials (musl's sinf/cosf kernels, Taylor/atanh series on reduced ranges) and
// rounded once to f32, which keeps them within 1 ulp (2 in the worst case) of the true result. They
// run in wasm, so workers need no host calls; large sin/cos arguments (|x| >= 2^20) fall back to the
// host's correctly reduced Math.sin/Math.cos.

import binaryen from "binaryen";
import type { LibImpl } from "./mathlib-impl.js";

const F64 = binaryen.f64, F32 = binaryen.f32, I32 = binaryen.i32, I64 = binaryen.i64;

/** A function under construction: parameters then locals, with short expression helpers. */
export class FnBuilder {
  readonly vars: number[] = [];
  constructor(readonly m: binaryen.Module, readonly params: number[]) {}
  local(t: number): number { this.vars.push(t); return this.params.length + this.vars.length - 1; }
  get(l: number, t = F64): number { return this.m.local.get(l, t); }
  set(l: number, e: number): number { return this.m.local.set(l, e); }
  c(v: number): number { return this.m.f64.const(v); }
  /** Horner: c[0] + x * (c[1] + x * (...)), `x` a getter. */
  poly(x: () => number, cs: number[]): number {
    const d = this.m.f64;
    let e = this.c(cs[cs.length - 1]);
    for (let k = cs.length - 2; k >= 0; k--) e = d.add(this.c(cs[k]), d.mul(x(), e));
    return e;
  }
  finish(name: string, result: number, body: number[]): void {
    this.m.addFunction(name, binaryen.createType(this.params), result, this.vars, this.m.block(null, body, result));
  }
}

const defined = new WeakMap<binaryen.Module, Set<string>>();
/** Adds internal helper `name` once per module. */
function helper(m: binaryen.Module, name: string, make: () => void): string {
  let s = defined.get(m);
  if (!s) defined.set(m, (s = new Set()));
  if (!s.has(name)) { s.add(name); make(); }
  return name;
}

// --- f64 kernels on reduced ranges (musl __sindf / __cosdf: |x| <= pi/4, error < 2^-34) ---------
const S = [-0.166666666416265235595, 0.0083333293858894631756, -0.000198393348360966317347, 0.0000027183114939898219064];
const C = [-0.499999997251031003120, 0.0416666233237390631894, -0.00138867637746099294692, 0.0000243904487962774090654];

/** `$w_sincos(x: f64, which: i32) -> f64`: sin (which 0) or cos (which 1) of an f32-sized argument. */
function sincos(m: binaryen.Module, lib: Parameters<LibImpl>[2]): string {
  return helper(m, "w_sincos", () => {
    const b = new FnBuilder(m, [F64, I32]), d = m.f64;
    const x = 0, which = 1, n = b.local(I32), y = b.local(F64), z = b.local(F64), s = b.local(F64), cc = b.local(F64);
    const Y = () => b.get(y), Z = () => b.get(z);
    const body = [
      // Huge or non-finite arguments: the host reduces them exactly.
      m.if(m.i32.eqz(d.lt(d.abs(b.get(x)), b.c(2 ** 20))),
        m.return(m.select(b.get(which, I32), lib("cos", [b.get(x)], "f64"), lib("sin", [b.get(x)], "f64")))),
      // Tiny arguments: sin x = x (keeps -0), cos x = 1.
      m.if(d.lt(d.abs(b.get(x)), b.c(2 ** -12)), m.return(m.select(b.get(which, I32), b.c(1), b.get(x)))),
      // n = nearest(x * 2/pi); y = x - n * pi/2 (pi/2 split in two parts, exact products).
      b.set(z, d.nearest(d.mul(b.get(x), b.c(6.36619772367581382433e-01)))),
      b.set(n, m.i32.trunc_s.f64(Z())),
      b.set(y, d.sub(d.sub(b.get(x), d.mul(Z(), b.c(1.57079631090164184570e+00))), d.mul(Z(), b.c(1.58932547735281966916e-08)))),
      b.set(z, d.mul(Y(), Y())),
      // sin(y) = y + y^3 (S1 + z S2) + y^3 z^2 (S3 + z S4); cos(y) = 1 + z C0 + z^2 C1 + z^3 (C2 + z C3)
      b.set(s, d.add(d.add(Y(), d.mul(d.mul(Z(), Y()), d.add(b.c(S[0]), d.mul(Z(), b.c(S[1]))))),
        d.mul(d.mul(d.mul(Z(), Y()), d.mul(Z(), Z())), d.add(b.c(S[2]), d.mul(Z(), b.c(S[3])))))),
      b.set(cc, d.add(d.add(d.add(b.c(1), d.mul(Z(), b.c(C[0]))), d.mul(d.mul(Z(), Z()), b.c(C[1]))),
        d.mul(d.mul(d.mul(Z(), Z()), Z()), d.add(b.c(C[2]), d.mul(Z(), b.c(C[3])))))),
      // Quadrant: cos(x) = sin(x + pi/2).
      b.set(n, m.i32.and(m.i32.add(b.get(n, I32), b.get(which, I32)), m.i32.const(3))),
      b.set(y, m.select(m.i32.and(b.get(n, I32), m.i32.const(1)), b.get(cc), b.get(s))),
      m.select(m.i32.and(b.get(n, I32), m.i32.const(2)), d.neg(Y()), Y()),
    ];
    b.finish("w_sincos", F64, body);
  });
}

/** `$w_exp(x: f64) -> f64`, relative error ~2^-45 for |x| < 710 (exp of f32-sized results). */
function expD(m: binaryen.Module): string {
  return helper(m, "w_exp", () => {
    const b = new FnBuilder(m, [F64]), d = m.f64;
    const k = b.local(F64), r = b.local(F64);
    const R = () => b.get(r);
    // 1/k! for k = 0..11 (|r| <= ln2/2: the next term is below 2^-47).
    const inv = Array.from({ length: 12 }, (_, j) => 1 / [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800][j]);
    const body = [
      b.set(k, d.nearest(d.mul(b.get(0), b.c(Math.LOG2E)))),
      b.set(r, d.sub(d.sub(b.get(0), d.mul(b.get(k), b.c(6.93147180369123816490e-01))), d.mul(b.get(k), b.c(1.90821492927058770002e-10)))),
      // 2^k built from its exponent bits, applied in two halves so k in [-1074, 1023] never overflows the field.
      d.mul(d.mul(b.poly(R, inv), pow2(m, m.i32.trunc_s_sat.f64(d.mul(b.get(k), b.c(0.5))))),
        pow2(m, m.i32.sub(m.i32.trunc_s_sat.f64(b.get(k)), m.i32.trunc_s_sat.f64(d.mul(b.get(k), b.c(0.5)))))),
    ];
    b.finish("w_exp", F64, body);
  });
}

/** 2^e for e in [-1022, 1023] (i32). */
function pow2(m: binaryen.Module, e: number): number {
  return m.f64.reinterpret(m.i64.shl(m.i64.extend_s(m.i32.add(e, m.i32.const(1023))), (m.i64 as any).const(52n)));
}

/** `$w_log(x: f64) -> f64` for finite x > 0 (relative error ~2^-50). */
function logD(m: binaryen.Module): string {
  return helper(m, "w_log", () => {
    const b = new FnBuilder(m, [F64]), d = m.f64;
    const bits = b.local(I64), e = b.local(F64), f = b.local(F64), s = b.local(F64), z = b.local(F64);
    const i64 = m.i64 as any;
    const body = [
      // Subnormal f64 inputs never come from f32 arguments; scale anyway for safety.
      b.set(bits, m.i64.reinterpret(b.get(0))),
      b.set(e, d.convert_s.i32(m.i32.sub(m.i32.wrap(m.i64.shr_u(b.get(bits, I64), i64.const(52n))), m.i32.const(1023)))),
      // mantissa in [sqrt(1/2), sqrt(2)): f = m - 1
      b.set(f, d.reinterpret(m.i64.or(m.i64.and(b.get(bits, I64), i64.const(0x000fffffffffffffn)), i64.const(0x3ff0000000000000n)))),
      m.if(d.gt(b.get(f), b.c(Math.SQRT2)), m.block(null, [b.set(f, d.mul(b.get(f), b.c(0.5))), b.set(e, d.add(b.get(e), b.c(1)))])),
      b.set(f, d.sub(b.get(f), b.c(1))),
      // log(1 + f) = 2 atanh(s), s = f / (2 + f), |s| <= 0.1716
      b.set(s, d.div(b.get(f), d.add(b.c(2), b.get(f)))),
      b.set(z, d.mul(b.get(s), b.get(s))),
      d.add(d.mul(b.get(e), b.c(Math.LN2)),
        d.mul(d.mul(b.c(2), b.get(s)), b.poly(() => b.get(z), [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13, 1 / 15, 1 / 17]))),
    ];
    b.finish("w_log", F64, body);
  });
}

/** `$w_atan(t: f64) -> f64` for t >= 0 (including +inf), error ~2^-45. */
function atanD(m: binaryen.Module): string {
  return helper(m, "w_atan", () => {
    const b = new FnBuilder(m, [F64]), d = m.f64;
    const t = 0, inv = b.local(I32), base = b.local(F64), u = b.local(F64), z = b.local(F64);
    const r3 = Math.sqrt(3), tan15 = 2 - r3;
    const series = Array.from({ length: 12 }, (_, k) => (k % 2 ? -1 : 1) / (2 * k + 1));
    const body = [
      // atan(t) = pi/2 - atan(1/t) for t > 1
      b.set(inv, d.gt(b.get(t), b.c(1))),
      m.if(b.get(inv, I32), b.set(t, d.div(b.c(1), b.get(t)))),
      // atan(t) = pi/6 + atan((t sqrt3 - 1) / (sqrt3 + t)) for t > tan(pi/12)
      b.set(base, b.c(0)),
      b.set(u, b.get(t)),
      m.if(d.gt(b.get(t), b.c(tan15)), m.block(null, [
        b.set(base, b.c(Math.PI / 6)),
        b.set(u, d.div(d.sub(d.mul(b.get(t), b.c(r3)), b.c(1)), d.add(b.c(r3), b.get(t)))),
      ])),
      b.set(z, d.mul(b.get(u), b.get(u))),
      b.set(u, d.add(b.get(base), d.mul(b.get(u), b.poly(() => b.get(z), series)))),
      m.select(b.get(inv, I32), d.sub(b.c(Math.PI / 2), b.get(u)), b.get(u)),
    ];
    b.finish("w_atan", F64, body);
  });
}

/** Defines an f32 function of f32 arguments whose body computes in f64 on the promoted arguments. */
function viaF64(arity: number, body: (m: binaryen.Module, b: FnBuilder, args: number[], lib: Parameters<LibImpl>[2]) => number[]): LibImpl {
  return (m, fname, lib) => {
    const b = new FnBuilder(m, new Array(arity).fill(F32));
    const xs = Array.from({ length: arity }, () => b.local(F64));
    const pro = xs.map((l, k) => b.set(l, m.f64.promote(m.local.get(k, F32))));
    const stmts = body(m, b, xs, lib);
    const last = stmts.pop()!;
    b.finish(fname, F32, [...pro, ...stmts, m.f32.demote(last)]);
  };
}

export const F32_IMPLS: Record<string, LibImpl> = {
  sinf: viaF64(1, (m, b, [x], lib) => [m.call(sincos(m, lib), [b.get(x), m.i32.const(0)], F64)]),
  cosf: viaF64(1, (m, b, [x], lib) => [m.call(sincos(m, lib), [b.get(x), m.i32.const(1)], F64)]),
  tanf: viaF64(1, (m, b, [x], lib) => [m.f64.div(m.call(sincos(m, lib), [b.get(x), m.i32.const(0)], F64), m.call(sincos(m, lib), [b.get(x), m.i32.const(1)], F64))]),
  expf: viaF64(1, (m, b, [x]) => [expSafe(m, b, b.get(x))]),
  exp2f: viaF64(1, (m, b, [x]) => [expSafe(m, b, m.f64.mul(b.get(x), b.c(Math.LN2)))]),
  logf: viaF64(1, (m, b, [x]) => [logSafe(m, b, x, 1)]),
  log2f: viaF64(1, (m, b, [x]) => [logSafe(m, b, x, Math.LOG2E)]),
  log10f: viaF64(1, (m, b, [x]) => [logSafe(m, b, x, Math.LOG10E)]),
  atanf: viaF64(1, (m, b, [x]) => [m.f64.copysign(m.call(atanD(m), [m.f64.abs(b.get(x))], F64), b.get(x))]),
  atan2f: viaF64(2, (m, b, [y, x]) => {
    const d = m.f64, a = b.local(F64);
    const ay = () => d.abs(b.get(y)), ax = () => d.abs(b.get(x));
    const bothZero = m.i32.and(d.eq(ay(), b.c(0)), d.eq(ax(), b.c(0)));
    const bothInf = m.i32.and(d.eq(ay(), b.c(Infinity)), d.eq(ax(), b.c(Infinity)));
    return [
      b.set(a, m.select(bothZero, b.c(0), m.select(bothInf, b.c(Math.PI / 4), m.call(atanD(m), [d.div(ay(), ax())], F64)))),
      // x negative (sign bit, so -0 counts): pi - a; the sign of y carries over.
      b.set(a, m.select(m.i64.lt_s(m.i64.reinterpret(b.get(x)), (m.i64 as any).const(0n)), d.sub(b.c(Math.PI), b.get(a)), b.get(a))),
      m.select(d.ne(b.get(y), b.get(y)), b.get(y), d.copysign(b.get(a), b.get(y))),
    ];
  }),
  powf: viaF64(2, (m, b, [x, y]) => powBody(m, b, x, y)),
};

/** exp of an f64 argument with f32-range saturation (and NaN passed through). */
function expSafe(m: binaryen.Module, b: FnBuilder, arg: number): number {
  const d = m.f64, t = b.local(F64);
  return m.block(null, [
    b.set(t, arg),
    m.select(d.gt(b.get(t), b.c(89)), b.c(Infinity),
      m.select(d.lt(b.get(t), b.c(-104)), b.c(0),
        m.select(d.ne(b.get(t), b.get(t)), b.get(t), m.call(expD(m), [b.get(t)], F64)))),
  ], F64);
}

/** scale * log(x) with log's special values: 0 -> -inf, negative -> NaN, +inf -> +inf, NaN -> NaN. */
function logSafe(m: binaryen.Module, b: FnBuilder, x: number, scale: number): number {
  const d = m.f64, X = () => b.get(x);
  const finitePos = m.i32.and(d.gt(X(), b.c(0)), d.lt(X(), b.c(Infinity)));
  const special = m.select(d.eq(X(), b.c(0)), b.c(-Infinity), m.select(d.lt(X(), b.c(0)), b.c(NaN), X()));
  const core = scale === 1 ? m.call(logD(m), [X()], F64) : d.mul(m.call(logD(m), [X()], F64), b.c(scale));
  return m.if(finitePos, core, special);
}

/** C powf semantics: pow(x, 0) = 1, pow(1, y) = 1, pow(-1, +-inf) = 1, negative x needs integer y. */
function powBody(m: binaryen.Module, b: FnBuilder, x: number, y: number): number[] {
  const d = m.f64, X = () => b.get(x), Y = () => b.get(y);
  const ax = b.local(F64), r = b.local(F64), isInt = b.local(I32), odd = b.local(I32);
  return [
    m.if(m.i32.or(d.eq(Y(), b.c(0)), d.eq(X(), b.c(1))), m.return(m.f32.const(1))),
    m.if(m.i32.or(d.ne(X(), X()), d.ne(Y(), Y())), m.return(m.f32.demote(d.add(X(), Y())))),
    b.set(ax, d.abs(X())),
    m.if(m.i32.and(d.eq(b.get(ax), b.c(1)), d.eq(d.abs(Y()), b.c(Infinity))), m.return(m.f32.const(1))),
    b.set(isInt, d.eq(d.trunc(Y()), Y())),
    b.set(odd, m.i32.and(m.i32.and(b.get(isInt, I32), d.lt(d.abs(Y()), b.c(2 ** 24))), m.i32.trunc_s_sat.f64(d.abs(Y())))),
    b.set(odd, m.i32.and(b.get(odd, I32), m.i32.const(1))),
    // |x|^y = exp(y log|x|) with log(0) = -inf and log(inf) = inf.
    b.set(r, m.if(d.eq(b.get(ax), b.c(0)), b.c(-Infinity), m.if(d.eq(b.get(ax), b.c(Infinity)), b.c(Infinity), m.call(logD(m), [b.get(ax)], F64)))),
    b.set(r, expSafe(m, b, d.mul(Y(), b.get(r)))),
    // Negative x (or -0): the sign of an odd integer power; a non-integer power of a negative number is NaN.
    m.if(m.i64.lt_s(m.i64.reinterpret(X()), (m.i64 as any).const(0n)),
      m.block(null, [
        m.if(m.i32.and(m.i32.eqz(b.get(isInt, I32)), m.i32.and(d.ne(b.get(ax), b.c(0)), d.ne(b.get(ax), b.c(Infinity)))), m.return(m.f32.const(NaN))),
        m.if(b.get(odd, I32), b.set(r, d.neg(b.get(r)))),
      ])),
    b.get(r),
  ];
}

export { I32, I64, F32, F64 };
