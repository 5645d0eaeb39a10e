// The conformance suite's harness: one kernel module per file and backend, launched through the
// public API, and comparison helpers for references computed in plain TypeScript.
//
// Tolerances used by the suite (stated once, here):
//   - exact operations (IEEE + - * / sqrt fma, integer arithmetic, conversions, floor/ceil/round,
//     min/max/abs/sign/copysign, bit casts, random streams): bit for bit (`Object.is` per element,
//     so NaN == NaN and +0 != -0);
//   - f32 transcendentals: |got - want| <= 1e-6 * |want| + 1e-37 where `want` is JavaScript's f64
//     `Math.*` result rounded to f32 (a few ulps; `tan` near its poles is exempt by choosing inputs);
//   - f64 transcendentals: 1e-14 relative;
//   - composite f32 arithmetic that CUDA may contract into FMAs (dot, matrix products, quaternion
//     rotations): 1e-5 relative to the magnitude of the terms (scale given per check).

import { expect } from "vitest";
import * as wf from "../../engine/index.js";
import { deviceFor } from "./backends.js";

export type BackendName = "interp" | "wasm" | "cuda";

export const fr = Math.fround;

/** Compiles `source` for one backend (once per call; call it in `beforeAll`). */
export async function loadFor(backend: BackendName, source: string, name: string, opts: { debug?: boolean } = {}): Promise<wf.Module> {
  await wf.init();
  return wf.loadModule({ source, name }, { backend, device: deviceFor(backend), debug: opts.debug ?? false });
}

/** A per-backend context: arrays on the right device, launches on the right backend. */
export class Ctx {
  readonly device: string;
  constructor(readonly backend: BackendName, readonly m: wf.Module) { this.device = deviceFor(backend); }
  zeros(shape: number | number[], dtype: any = wf.float32): wf.WeftArray { return wf.zeros(shape, { dtype, device: this.device }); }
  array(data: ArrayLike<any>, dtype: any = wf.float32, shape?: number | number[]): wf.WeftArray {
    return wf.array(data, { dtype, device: this.device, shape });
  }
  launch(kernel: string, dims: number | number[], args: any[]): void {
    const k = this.m.kernels[kernel];
    if (!k) throw new Error(`no kernel '${kernel}' in module ${this.m.name}`);
    wf.launch(k, dims, args, { backend: this.backend });
  }
  /** Launches `kernel(out, ...extra)` with a fresh `out` of n `dtype` elements and returns out's scalars. */
  run(kernel: string, n: number, dtype: any = wf.float32, extra: any[] = [], dims: number | number[] = 1): any[] {
    const out = this.zeros(n, dtype);
    this.launch(kernel, dims, [out, ...extra]);
    return values(out);
  }
}

/** An array's scalars as a plain JS array (vectors flattened). */
export function values(a: wf.WeftArray): any[] {
  return Array.from(a.toTypedArray() as ArrayLike<any>);
}

/** Bit-exact comparison of two lists (NaN equals NaN, +0 differs from -0), naming the first mismatches. */
export function expectExact(got: ArrayLike<any>, want: ArrayLike<any>, labels?: string[]): void {
  expect(got.length, "result count").toBe(want.length);
  const bad: string[] = [];
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(got[k], want[k])) bad.push(`[${k}${labels?.[k] ? ` ${labels[k]}` : ""}] got ${fmt(got[k])}, want ${fmt(want[k])}`);
  }
  expect(bad, bad.slice(0, 12).join("\n")).toEqual([]);
}

/** Relative comparison: |got - want| <= rel * max(|want|, scale) + abs; NaN and infinities must match exactly. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, opts: { abs?: number; scale?: number; labels?: string[] } = {}): void {
  expect(got.length, "result count").toBe(want.length);
  const bad: string[] = [];
  for (let k = 0; k < want.length; k++) {
    const g = Number(got[k]), w = Number(want[k]);
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= rel * Math.max(Math.abs(w), opts.scale ?? 0) + (opts.abs ?? 0) : Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w));
    if (!ok) bad.push(`[${k}${opts.labels?.[k] ? ` ${opts.labels[k]}` : ""}] got ${fmt(g)}, want ${fmt(w)} (rel err ${(Math.abs(g - w) / Math.abs(w)).toExponential(2)})`);
  }
  expect(bad, bad.slice(0, 12).join("\n")).toEqual([]);
}

function fmt(x: any): string {
  if (typeof x === "bigint") return `${x}n`;
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

// --- plain-TS scalar semantics used by references ----------------------------------------------------
export const i32 = (x: number) => x | 0;
export const u32 = (x: number) => x >>> 0;
export const imul = Math.imul;
export const umul = (a: number, b: number) => Math.imul(a, b) >>> 0;
export const i64 = (x: bigint) => BigInt.asIntN(64, x);
export const u64 = (x: bigint) => BigInt.asUintN(64, x);

/** f32 bits <-> number. */
const cv = new DataView(new ArrayBuffer(8));
export function f32Bits(x: number): number { cv.setFloat32(0, x, true); return cv.getUint32(0, true); }
export function bitsF32(b: number): number { cv.setUint32(0, b >>> 0, true); return cv.getFloat32(0, true); }
export function f64Bits(x: number): bigint { cv.setFloat64(0, x, true); return cv.getBigUint64(0, true); }
export function bitsF64(b: bigint): number { cv.setBigUint64(0, BigInt.asUintN(64, b), true); return cv.getFloat64(0, true); }

/** Float to integer conversion as documented: truncation, saturation at the type's range, NaN -> 0. */
export function satInt(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x) + 0; // no -0
  return t < lo ? lo : t > hi ? hi : t;
}
export function satBig(x: number, lo: bigint, hi: bigint): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x === Infinity) return hi;
  if (x === -Infinity) return lo;
  const t = BigInt(Math.trunc(x));
  return t < lo ? lo : t > hi ? hi : t;
}

/** C fmod for JS numbers (JS `%` is fmod already). */
export const fmod = (a: number, b: number) => a % b;
/** C roundf: halfway cases away from zero. */
export function cround(x: number): number {
  if (!Number.isFinite(x)) return x;
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t === 0 ? (Object.is(x, -0) || x < 0 ? -0 : 0) : t;
}
/** min/max as documented: `(b < a or isnan(a)) ? b : a`. */
export const dmin = (a: number, b: number) => (b < a || Number.isNaN(a) ? b : a);
export const dmax = (a: number, b: number) => (b > a || Number.isNaN(a) ? b : a);

/**
 * Composite float arithmetic (dot, products, rotations, lerp): bit for bit on the interpreter and
 * wasm, which never contract; on CUDA, which may contract a*b+c into FMAs, within `rel` of the
 * value plus `abs` (cancellation makes a relative bound alone meaningless near zero).
 */
export function expectComposite(backend: BackendName, got: ArrayLike<number>, want: ArrayLike<number>, rel = 1e-5, abs = 1e-5): void {
  if (backend === "cuda") expectClose(got, want, rel, { abs });
  else expectExact(got, want);
}

// --- exact fused multiply-add references (for FMA contraction on CUDA and the f32 fma builtin) ---

/** A finite double as an exact BigInt times 2^-1074 (so every double is an integer multiple). */
function scaled(x: number): bigint {
  const b = f64Bits(Math.abs(x));
  const e = Number(b >> 52n), m = b & ((1n << 52n) - 1n);
  const v = e === 0 ? m : (m | (1n << 52n)) << BigInt(e - 1);
  return x < 0 || Object.is(x, -0) ? -v : v;
}

/** v * 2^-k rounded once to a float with p mantissa bits (24: f32, 53: f64), ties to even. */
function roundScaled(v: bigint, k: number, p: number): number {
  if (v === 0n) return 0;
  const neg = v < 0n, a = neg ? -v : v;
  const e = a.toString(2).length - 1 - k;
  const emin = p === 24 ? -126 : -1022;
  const q = Math.max(e - (p - 1), emin - (p - 1));
  const shift = q + k;
  let m: bigint;
  if (shift <= 0) m = a << BigInt(-shift);
  else {
    m = a >> BigInt(shift);
    const rem = a - (m << BigInt(shift)), half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  }
  let r = Number(m) * 2 ** q;
  if (p === 24 && r > 3.4028234663852886e38) r = Infinity;
  return neg ? -r : r;
}

/** a*b + c rounded once, as fma() / CUDA's contraction computes it, for f32 or f64 operands. */
export function fmaRef(a: number, b: number, c: number, kind: "f32" | "f64" = "f32"): number {
  const p = kind === "f32" ? 24 : 53;
  if (![a, b, c].every(Number.isFinite)) return kind === "f32" ? fr(a * b + c) : a * b + c;
  const exact = scaled(a) * scaled(b) + scaled(c) * (1n << 1074n); // value * 2^2148
  if (exact === 0n) return kind === "f32" ? fr(a * b + c) : a * b + c; // the sign of an exact zero, as IEEE
  return roundScaled(exact, 2148, p);
}

/** Each got[k] must equal one of the allowed values (bit for bit). */
export function expectOneOf(got: ArrayLike<any>, allowed: any[][], labels?: string[]): void {
  expect(got.length, "result count").toBe(allowed.length);
  const bad: string[] = [];
  for (let k = 0; k < allowed.length; k++) {
    if (!allowed[k].some((w) => Object.is(got[k], w))) bad.push(`[${k}${labels?.[k] ? ` ${labels[k]}` : ""}] got ${fmt(got[k])}, want one of ${allowed[k].map(fmt).join(" | ")}`);
  }
  expect(bad, bad.slice(0, 12).join("\n")).toEqual([]);
}
