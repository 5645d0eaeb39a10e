// 4-lane versions of the f32 math library for the SIMD entry: `vlib_<name>(v128) -> v128`. Each
// splits the f32x4 into two f64x2 halves and runs the same algorithm as mathlib-f32.ts (same
// constants and reductions), so lanes agree with the scalar functions to the last bit in all but
// rare double-rounding cases. sin/cos lanes with huge or non-finite arguments go to the scalar
// function lane by lane.

import binaryen from "binaryen";
import { FnBuilder } from "./mathlib-f32.js";

const V = binaryen.v128, F32 = binaryen.f32;
const MAGIC = 6755399441055744.0; // 2^52 + 2^51: adding it leaves an integer in the low mantissa bits
const S = [-0.166666666416265235595, 0.0083333293858894631756, -0.000198393348360966317347, 0.0000027183114939898219064];
const C = [-0.499999997251031003120, 0.0416666233237390631894, -0.00138867637746099294692, 0.0000243904487962774090654];
const INV_FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800].map((x) => 1 / x);
const LOG_SERIES = [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13, 1 / 15, 1 / 17];

/** Expression helpers over f64x2 / i64x2 values held in v128 locals. */
class VB extends FnBuilder {
  v(l: number): number { return this.get(l, V); }
  k(x: number): number { return this.m.f64x2.splat(this.m.f64.const(x)); }
  ki(x: bigint): number { return this.m.i64x2.splat((this.m.i64 as any).const(x)); }
  tmp(e: number, stmts: number[]): number { const l = this.local(V); stmts.push(this.set(l, e)); return l; }
  horner(x: number, cs: number[]): number {
    const d = this.m.f64x2;
    let e = this.k(cs[cs.length - 1]);
    for (let j = cs.length - 2; j >= 0; j--) e = d.add(this.k(cs[j]), d.mul(this.v(x), e));
    return e;
  }
  /** Integer-valued f64x2 (|k| < 2^51) -> i64x2. */
  toI64(k: number): number {
    const m = this.m;
    return m.i64x2.sub(m.f64x2.add(k, this.k(MAGIC)), this.k(MAGIC));
  }
  /** 2^k for integer-valued k in [-1022, 1023]. */
  pow2(k: number): number {
    const m = this.m;
    return m.i64x2.shl(m.i64x2.add(this.toI64(k), this.ki(1023n)), m.i32.const(52));
  }
}

type Half = (b: VB, x: number, out: number[]) => number;
type Half2 = (b: VB, x: number, y: number, out: number[]) => number;

/** Defines `vlib_<name>`: promote each half to f64x2, run `half`, demote and rejoin. */
function define(m: binaryen.Module, fname: string, half: Half, guard?: (b: VB) => number): void {
  defineN(m, fname, 1, (b, [x], out) => half(b, x, out), guard);
}
function define2(m: binaryen.Module, fname: string, half: Half2): void {
  defineN(m, fname, 2, (b, [x, y], out) => half(b, x, y, out));
}

function defineN(m: binaryen.Module, fname: string, arity: number, half: (b: VB, xs: number[], out: number[]) => number, guard?: (b: VB) => number): void {
  const b = new VB(m, new Array(arity).fill(V));
  const stmts: number[] = [];
  if (guard) stmts.push(guard(b));
  const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const lo = Array.from({ length: arity }, (_, k) => b.tmp(m.f64x2.promote_low_f32x4(b.v(k)), stmts));
  const hi = Array.from({ length: arity }, (_, k) => b.tmp(m.f64x2.promote_low_f32x4(m.i8x16.shuffle(b.v(k), b.v(k), HIGH)), stmts));
  const rl = b.tmp(half(b, lo, stmts), stmts);
  const rh = b.tmp(half(b, hi, stmts), stmts);
  stmts.push(m.i8x16.shuffle(m.f32x4.demote_f64x2_zero(b.v(rl)), m.f32x4.demote_f64x2_zero(b.v(rh)),
    [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]));
  b.finish(fname, V, stmts);
}

function sincosHalf(which: 0 | 1): Half {
  return (b, x, out) => {
    const m = b.m, d = m.f64x2;
    const z = b.tmp(d.nearest(d.mul(b.v(x), b.k(6.36619772367581382433e-01))), out);
    const y = b.tmp(d.sub(d.sub(b.v(x), d.mul(b.v(z), b.k(1.57079631090164184570e+00))), d.mul(b.v(z), b.k(1.58932547735281966916e-08))), out);
    const zz = b.tmp(d.mul(b.v(y), b.v(y)), out);
    const zy = () => d.mul(b.v(zz), b.v(y));
    const s = b.tmp(d.add(d.add(b.v(y), d.mul(zy(), d.add(b.k(S[0]), d.mul(b.v(zz), b.k(S[1]))))),
      d.mul(d.mul(zy(), d.mul(b.v(zz), b.v(zz))), d.add(b.k(S[2]), d.mul(b.v(zz), b.k(S[3]))))), out);
    const c = b.tmp(d.add(d.add(d.add(b.k(1), d.mul(b.v(zz), b.k(C[0]))), d.mul(d.mul(b.v(zz), b.v(zz)), b.k(C[1]))),
      d.mul(d.mul(d.mul(b.v(zz), b.v(zz)), b.v(zz)), d.add(b.k(C[2]), d.mul(b.v(zz), b.k(C[3]))))), out);
    const q = b.tmp(m.v128.and(m.i64x2.add(b.toI64(b.v(z)), b.ki(BigInt(which))), b.ki(3n)), out);
    const r = b.tmp(m.v128.bitselect(b.v(c), b.v(s), m.i64x2.eq(m.v128.and(b.v(q), b.ki(1n)), b.ki(1n))), out);
    const signed = m.v128.bitselect(d.neg(b.v(r)), b.v(r), m.i64x2.eq(m.v128.and(b.v(q), b.ki(2n)), b.ki(2n)));
    // Tiny arguments: sin x = x (keeps -0), cos x = 1.
    return m.v128.bitselect(which ? b.k(1) : b.v(x), signed, d.lt(d.abs(b.v(x)), b.k(2 ** -12)));
  };
}

function expHalf(scaleArg: number): Half {
  return (b, x, out) => {
    const m = b.m, d = m.f64x2;
    const t = scaleArg === 1 ? x : b.tmp(d.mul(b.v(x), b.k(scaleArg)), out);
    const k = b.tmp(d.nearest(d.mul(b.v(t), b.k(Math.LOG2E))), out);
    const r = b.tmp(d.sub(d.sub(b.v(t), d.mul(b.v(k), b.k(6.93147180369123816490e-01))), d.mul(b.v(k), b.k(1.90821492927058770002e-10))), out);
    // 2^k applied in two halves so k in [-150, 130] stays in the exponent range; lanes outside the
    // f32 range are replaced below, so their garbage never shows.
    const k1 = b.tmp(d.trunc(d.mul(b.v(k), b.k(0.5))), out);
    const res = d.mul(d.mul(b.horner(r, INV_FACT), b.pow2(b.v(k1))), b.pow2(d.sub(b.v(k), b.v(k1))));
    const big = d.gt(b.v(t), b.k(89)), small = d.lt(b.v(t), b.k(-104)), nan = d.ne(b.v(t), b.v(t));
    return m.v128.bitselect(b.v(t), m.v128.bitselect(b.k(Infinity), m.v128.bitselect(b.k(0), res, small), big), nan);
  };
}

function logHalf(scale: number): Half {
  return (b, x, out) => {
    const m = b.m, d = m.f64x2;
    const bits = x;
    // Exponent as f64: (bits >> 52) placed under 2^52's exponent, minus 2^52 and the bias.
    const e0 = b.tmp(d.sub(m.v128.or(m.i64x2.shr_u(b.v(bits), m.i32.const(52)), b.ki(0x4330000000000000n)), b.k(2 ** 52 + 1023)), out);
    const f0 = b.tmp(m.v128.or(m.v128.and(b.v(bits), b.ki(0x000fffffffffffffn)), b.ki(0x3ff0000000000000n)), out);
    const big = b.tmp(d.gt(b.v(f0), b.k(Math.SQRT2)), out);
    const f = b.tmp(d.sub(m.v128.bitselect(d.mul(b.v(f0), b.k(0.5)), b.v(f0), b.v(big)), b.k(1)), out);
    const e = m.v128.bitselect(d.add(b.v(e0), b.k(1)), b.v(e0), b.v(big));
    const s = b.tmp(d.div(b.v(f), d.add(b.k(2), b.v(f))), out);
    const z = b.tmp(d.mul(b.v(s), b.v(s)), out);
    let core = d.add(d.mul(e, b.k(Math.LN2)), d.mul(d.mul(b.k(2), b.v(s)), b.horner(z, LOG_SERIES)));
    if (scale !== 1) core = d.mul(core, b.k(scale));
    const finitePos = m.v128.and(d.gt(b.v(x), b.k(0)), d.lt(b.v(x), b.k(Infinity)));
    const special = m.v128.bitselect(b.k(-Infinity), m.v128.bitselect(b.k(NaN), b.v(x), d.lt(b.v(x), b.k(0))), d.eq(b.v(x), b.k(0)));
    return m.v128.bitselect(core, special, finitePos);
  };
}

/** atan(t) for t >= 0 (the scalar w_atan's steps, lane-wise selects instead of branches). */
function atanCore(b: VB, t0: number, out: number[]): number {
  const m = b.m, d = m.f64x2, r3 = Math.sqrt(3);
  const series = Array.from({ length: 12 }, (_, k) => (k % 2 ? -1 : 1) / (2 * k + 1));
  const inv = b.tmp(d.gt(b.v(t0), b.k(1)), out);
  const t = b.tmp(m.v128.bitselect(d.div(b.k(1), b.v(t0)), b.v(t0), b.v(inv)), out);
  const big = b.tmp(d.gt(b.v(t), b.k(2 - r3)), out);
  const u = b.tmp(m.v128.bitselect(d.div(d.sub(d.mul(b.v(t), b.k(r3)), b.k(1)), d.add(b.k(r3), b.v(t))), b.v(t), b.v(big)), out);
  const z = b.tmp(d.mul(b.v(u), b.v(u)), out);
  const r = b.tmp(d.add(m.v128.bitselect(b.k(Math.PI / 6), b.k(0), b.v(big)), d.mul(b.v(u), b.horner(z, series))), out);
  return m.v128.bitselect(d.sub(b.k(Math.PI / 2), b.v(r)), b.v(r), b.v(inv));
}

const SIGN = 0x8000000000000000n;

/** atan2(y, x) with C's special cases, as the scalar atan2f. */
const atan2Half: Half2 = (b, y, x, out) => {
  const m = b.m, d = m.f64x2;
  const ay = b.tmp(d.abs(b.v(y)), out), ax = b.tmp(d.abs(b.v(x)), out);
  const core = b.tmp(atanCore(b, b.tmp(d.div(b.v(ay), b.v(ax)), out), out), out);
  const bothZero = m.v128.and(d.eq(b.v(ay), b.k(0)), d.eq(b.v(ax), b.k(0)));
  const bothInf = m.v128.and(d.eq(b.v(ay), b.k(Infinity)), d.eq(b.v(ax), b.k(Infinity)));
  const a0 = b.tmp(m.v128.bitselect(b.k(0), m.v128.bitselect(b.k(Math.PI / 4), b.v(core), bothInf), bothZero), out);
  const a = b.tmp(m.v128.bitselect(d.sub(b.k(Math.PI), b.v(a0)), b.v(a0), m.i64x2.lt_s(b.v(x), b.ki(0n))), out);
  return m.v128.bitselect(b.v(y), m.v128.bitselect(b.v(y), b.v(a), b.ki(SIGN)), d.ne(b.v(y), b.v(y)));
};

/** C powf, as the scalar powf: exp(y log|x|) with its special cases. */
const powHalf: Half2 = (b, x, y, out) => {
  const m = b.m, d = m.f64x2;
  const ax = b.tmp(d.abs(b.v(x)), out);
  const lg = b.tmp(logHalf(1)(b, ax, out), out);
  const r = b.tmp(expHalf(1)(b, b.tmp(d.mul(b.v(y), b.v(lg)), out), out), out);
  const isInt = b.tmp(d.eq(d.trunc(b.v(y)), b.v(y)), out);
  const half = () => d.mul(b.v(y), b.k(0.5));
  const odd = m.v128.and(m.v128.and(b.v(isInt), d.lt(d.abs(b.v(y)), b.k(2 ** 24))), d.ne(d.trunc(half()), half()));
  const neg = b.tmp(m.i64x2.lt_s(b.v(x), b.ki(0n)), out);
  // Negative x: odd integer powers flip the sign; a finite non-integer power of a nonzero x is NaN.
  const signed = m.v128.bitselect(d.neg(b.v(r)), b.v(r), m.v128.and(b.v(neg), odd));
  const nanNeg = m.v128.and(m.v128.and(b.v(neg), m.v128.not(b.v(isInt))), m.v128.and(d.ne(b.v(ax), b.k(0)), d.ne(b.v(ax), b.k(Infinity))));
  let e = m.v128.bitselect(b.k(NaN), signed, nanNeg);
  e = m.v128.bitselect(b.k(1), e, m.v128.and(d.eq(b.v(ax), b.k(1)), d.eq(d.abs(b.v(y)), b.k(Infinity))));
  e = m.v128.bitselect(d.add(b.v(x), b.v(y)), e, m.v128.or(d.ne(b.v(x), b.v(x)), d.ne(b.v(y), b.v(y))));
  return m.v128.bitselect(b.k(1), e, m.v128.or(d.eq(b.v(y), b.k(0)), d.eq(b.v(x), b.k(1))));
};

/** sin/cos lanes with |x| >= 2^20 (or NaN/inf) go to the scalar function, lane by lane. */
function sincosGuard(scalar: string): (b: VB) => number {
  return (b) => {
    const m = b.m;
    const ok = m.f32x4.lt(m.f32x4.abs(b.v(0)), m.f32x4.splat(m.f32.const(2 ** 20)));
    let lanes = m.v128.const(new Array(16).fill(0));
    for (let l = 0; l < 4; l++) lanes = m.f32x4.replace_lane(lanes, l as any, m.call(scalar, [m.f32x4.extract_lane(b.v(0), l as any)], F32));
    return m.if(m.i32.eqz(m.i32x4.all_true(ok)), m.return(lanes));
  };
}

export type VecImpl = (m: binaryen.Module, fname: string, scalar: string) => void;

export const VEC_IMPLS: Record<string, VecImpl> = {
  sinf: (m, n, s) => define(m, n, sincosHalf(0), sincosGuard(s)),
  cosf: (m, n, s) => define(m, n, sincosHalf(1), sincosGuard(s)),
  expf: (m, n) => define(m, n, expHalf(1)),
  exp2f: (m, n) => define(m, n, expHalf(Math.LN2)),
  logf: (m, n) => define(m, n, logHalf(1)),
  log2f: (m, n) => define(m, n, logHalf(Math.LOG2E)),
  log10f: (m, n) => define(m, n, logHalf(Math.LOG10E)),
  atanf: (m, n) => define(m, n, (b, x, out) => m.v128.bitselect(b.v(x), atanCore(b, b.tmp(m.f64x2.abs(b.v(x)), out), out), b.ki(SIGN))),
  atan2f: (m, n) => define2(m, n, atan2Half),
  powf: (m, n) => define2(m, n, powHalf),
};
