// Conformance: every math builtin over a grid of inputs with edge cases (±0, ±inf, NaN, denormals,
// out-of-domain arguments, halfway cases), f32 and f64, scalars and vectors (componentwise).
// Tolerances (see the harness): exact builtins bit for bit; f32 transcendentals 1e-6 relative (plus
// 3e-45 absolute, two denormal ulps) against JavaScript's f64 Math rounded to f32; f64
// transcendentals 1e-15 relative; composites CUDA may contract (lerp, smoothstep) 2e-7 relative there.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, cround, dmax, dmin, expectClose, expectExact, fmaRef, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, i32, vec3 } from "weft/kernels";

@kernel
export function unary32(x: Array<f32>, out: Array<f32>, flags: Array<i32>): void {
  const i = tid();
  const v = x[i];
  const o = i * 25;
  out[o] = sqrt(v); out[o + 1] = cbrt(v); out[o + 2] = sin(v); out[o + 3] = cos(v); out[o + 4] = tan(v);
  out[o + 5] = asin(v); out[o + 6] = acos(v); out[o + 7] = atan(v); out[o + 8] = sinh(v); out[o + 9] = cosh(v);
  out[o + 10] = tanh(v); out[o + 11] = exp(v); out[o + 12] = exp2(v); out[o + 13] = log(v); out[o + 14] = log2(v);
  out[o + 15] = log10(v); out[o + 16] = floor(v); out[o + 17] = ceil(v); out[o + 18] = trunc(v); out[o + 19] = round(v);
  out[o + 20] = abs(v); out[o + 21] = sign(v); out[o + 22] = rsqrt(v); out[o + 23] = degrees(v); out[o + 24] = radians(v);
  flags[i] = i32(isnan(v)) | (i32(isinf(v)) << 1) | (i32(isfinite(v)) << 2);
}

@kernel
export function unary64(x: Array<f64>, out: Array<f64>, flags: Array<i32>): void {
  const i = tid();
  const v = x[i];
  const o = i * 25;
  out[o] = sqrt(v); out[o + 1] = cbrt(v); out[o + 2] = sin(v); out[o + 3] = cos(v); out[o + 4] = tan(v);
  out[o + 5] = asin(v); out[o + 6] = acos(v); out[o + 7] = atan(v); out[o + 8] = sinh(v); out[o + 9] = cosh(v);
  out[o + 10] = tanh(v); out[o + 11] = exp(v); out[o + 12] = exp2(v); out[o + 13] = log(v); out[o + 14] = log2(v);
  out[o + 15] = log10(v); out[o + 16] = floor(v); out[o + 17] = ceil(v); out[o + 18] = trunc(v); out[o + 19] = round(v);
  out[o + 20] = abs(v); out[o + 21] = sign(v); out[o + 22] = rsqrt(v); out[o + 23] = degrees(v); out[o + 24] = radians(v);
  flags[i] = i32(isnan(v)) | (i32(isinf(v)) << 1) | (i32(isfinite(v)) << 2);
}

@kernel
export function binary32(a: Array<f32>, b: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 8;
  out[o] = pow(x, y); out[o + 1] = atan2(x, y); out[o + 2] = min(x, y); out[o + 3] = max(x, y);
  out[o + 4] = copysign(x, y); out[o + 5] = step(x, y); out[o + 6] = x ** y; out[o + 7] = Mathf.atan2(x, y);
}

@kernel
export function binary64(a: Array<f64>, b: Array<f64>, out: Array<f64>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 8;
  out[o] = pow(x, y); out[o + 1] = atan2(x, y); out[o + 2] = min(x, y); out[o + 3] = max(x, y);
  out[o + 4] = copysign(x, y); out[o + 5] = step(x, y); out[o + 6] = x ** y; out[o + 7] = Math.atan2(x, y);
}

@kernel
export function ternary32(a: Array<f32>, b: Array<f32>, c: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const x = a[i], y = b[i], z = c[i];
  const o = i * 4;
  out[o] = clamp(x, y, z); out[o + 1] = lerp(x, y, z); out[o + 2] = smoothstep(x, y, z); out[o + 3] = fma(x, y, z);
}

@kernel
export function ternary64(a: Array<f64>, b: Array<f64>, c: Array<f64>, out: Array<f64>): void {
  const i = tid();
  const x = a[i], y = b[i], z = c[i];
  const o = i * 3;
  out[o] = clamp(x, y, z); out[o + 1] = lerp(x, y, z); out[o + 2] = smoothstep(x, y, z);
}

@kernel
export function intClamp(a: Array<i32>, out: Array<i32>, outu: Array<u32>): void {
  const i = tid();
  out[i] = clamp(a[i], -5, 17);
  outu[i] = clamp(u32(a[i]), 3, 100);
}

// Componentwise on vectors: 15 vec3 results and 1 flags word per thread.
@kernel
export function vecmath(a: Array<vec3>, b: Array<vec3>, out: Array<vec3>, flags: Array<i32>): void {
  const i = tid();
  const v = a[i], w = b[i];
  const o = i * 15;
  out[o] = sin(v); out[o + 1] = floor(v); out[o + 2] = pow(abs(v), w); out[o + 3] = min(v, w); out[o + 4] = max(v, w);
  out[o + 5] = clamp(v, 0.0, 1.0); out[o + 6] = clamp(v, w, w + vec3(1.0)); out[o + 7] = sign(v); out[o + 8] = lerp(v, w, 0.25);
  out[o + 9] = step(w, v); out[o + 10] = rsqrt(abs(v)); out[o + 11] = fma(v, w, v); out[o + 12] = copysign(w, v);
  out[o + 13] = atan2(v, w); out[o + 14] = smoothstep(vec3(0.0), vec3(1.0), v);
  flags[i] = i32(isnan(v)) | (i32(isinf(v)) << 1) | (i32(isfinite(v)) << 2);
}
`;

// The unary builtins in output-slot order, read back from the kernel text above.
const UNARY = [...SRC.slice(SRC.indexOf("unary32"), SRC.indexOf("unary64")).matchAll(/= (\w+)\(v\)/g)].map((m) => m[1]);
const K = UNARY.length;

// --- inputs -----------------------------------------------------------------------------------------
const EDGE = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, -0.49999997, 8388607.5, 8388609, 3, -8, 1e-8, 1e-40, -1e-40, 2, 10, 100,
  -100, 88.7, 89, -87, -104, 1e30, -1e30, Math.PI / 2, Math.PI, -Math.PI, 0.7853981633974483, 1 - 2 ** -24, 1 + 2 ** -23, 0.999, -0.999,
  Infinity, -Infinity, NaN];
const SWEEP = Array.from({ length: 81 }, (_, k) => -10 + k * 0.25 + 0.01);
const X = [...EDGE, ...SWEEP];
const PAIR = [0, -0, 1, -1, 0.5, -2, 2, 3, -3, 0.3, 10, -0.7, 1e-30, 1e30, Infinity, -Infinity, NaN];

// --- references -------------------------------------------------------------------------------------
const EXACT = new Set(["sqrt", "floor", "ceil", "trunc", "round", "abs", "sign", "rsqrt", "degrees", "radians"]);
function unaryRef(f: string, x: number, r: (v: number) => number): number {
  switch (f) {
    case "exp2": return r(2 ** x);
    case "round": return cround(x);
    case "rsqrt": return r(1 / r(Math.sqrt(x)));
    case "degrees": return r(x * r(180 / Math.PI));
    case "radians": return r(x * r(Math.PI / 180));
    default: return r((Math as any)[f](x));
  }
}
/** C pow: pow(x, ±0) = 1 and pow(1, y) = 1 even for NaN; pow(-1, ±inf) = 1. */
const cpow = (x: number, y: number) => (y === 0 || x === 1 ? 1 : x === -1 && !Number.isFinite(y) && !Number.isNaN(y) ? 1 : Math.pow(x, y));

const fmaF32 = (a: number, b: number, c: number) => fmaRef(a, b, c, "f32");

describe.each(BACKEND_NAMES)("math on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_math")); });
  const composite = (got: number[], want: number[], r: (x: number) => number) =>
    backend === "cuda" ? expectClose(got, want, r === fr ? 2e-7 : 1e-15, { abs: 1e-38 }) : expectExact(got, want);

  for (const [T, r, dtype, rel, abs] of [["f32", fr, wf.float32, 1e-6, 3e-45], ["f64", (v: number) => v, wf.float64, 1e-15, 1e-320]] as const) {
    it(`${T} unary builtins over ${X.length} inputs; exact ones bit for bit; isnan/isinf/isfinite`, () => {
      expect(UNARY.length).toBe(25);
      const xs = X.map(r);
      const out = c.zeros(xs.length * K, dtype), flags = c.zeros(xs.length, wf.int32);
      c.launch(`unary${T.slice(1)}`, xs.length, [c.array(xs, dtype), out, flags]);
      const got = values(out);
      UNARY.forEach((f, j) => {
        const g = xs.map((_, k) => got[k * K + j]), want = xs.map((x) => unaryRef(f, x, r));
        const labels = xs.map((x) => `${f}(${x})`);
        if (EXACT.has(f)) expectExact(g, want, labels);
        else expectClose(g, want, f === "tan" ? 4 * rel : rel, { abs, labels });
      });
      expectExact(values(flags), xs.map((x) => +Number.isNaN(x) | (+(Math.abs(x) === Infinity) << 1) | (+Number.isFinite(x) << 2)));
    });

    it(`${T} special values: domain errors, signed zeros, C pow and atan2 rules`, () => {
      const xs = [-1, 0, -0, 2, -8, Infinity].map(r);
      const out = c.zeros(xs.length * K, dtype);
      c.launch(`unary${T.slice(1)}`, xs.length, [c.array(xs, dtype), out, c.zeros(xs.length, wf.int32)]);
      const at = (f: string, k: number) => values(out)[k * K + UNARY.indexOf(f)];
      expect(at("sqrt", 0)).toBeNaN(); expect(at("log", 0)).toBeNaN(); expect(at("asin", 3)).toBeNaN(); expect(at("acos", 3)).toBeNaN();
      expect(at("log", 1)).toBe(-Infinity); expect(at("log2", 2)).toBe(-Infinity); expect(at("log10", 1)).toBe(-Infinity);
      expect(Object.is(at("sqrt", 2), -0)).toBe(true); expect(Object.is(at("sign", 2), -0)).toBe(true); expect(Object.is(at("sin", 2), -0)).toBe(true);
      expect(at("cbrt", 4)).toBe(-2); expect(at("exp", 5)).toBe(Infinity); expect(at("tanh", 5)).toBe(1); expect(at("atan", 5)).toBe(r(Math.PI / 2));
    });

    it(`${T} binary builtins (pow, **, atan2, min, max, copysign, step) over ${PAIR.length}² pairs`, () => {
      const a: number[] = [], b: number[] = [];
      for (const x of PAIR) for (const y of PAIR) { a.push(r(x)); b.push(r(y)); }
      const out = c.zeros(a.length * 8, dtype);
      c.launch(`binary${T.slice(1)}`, a.length, [c.array(a, dtype), c.array(b, dtype), out]);
      const got = values(out), col = (j: number) => a.map((_, k) => got[k * 8 + j]);
      const labels = (f: string) => a.map((x, k) => `${f}(${x}, ${b[k]})`);
      const powWant = a.map((x, k) => r(cpow(x, b[k])));
      expectClose(col(0), powWant, rel, { abs, labels: labels("pow") });
      expectClose(col(6), powWant, rel, { abs, labels: labels("**") });
      const atanWant = a.map((x, k) => r(Math.atan2(x, b[k])));
      expectClose(col(1), atanWant, rel, { abs, labels: labels("atan2") });
      expectClose(col(7), atanWant, rel, { abs, labels: labels("Math.atan2") });
      // Signed zeros of atan2 (C rules) are exact.
      expectExact(a.map((x, k) => (x === 0 && b[k] === 0 ? col(1)[k] : 0)), a.map((x, k) => (x === 0 && b[k] === 0 ? atanWant[k] : 0)));
      expectExact(col(2), a.map((x, k) => dmin(x, b[k])), labels("min"));
      expectExact(col(3), a.map((x, k) => dmax(x, b[k])), labels("max"));
      expectExact(col(4), a.map((x, k) => (b[k] < 0 || Object.is(b[k], -0) ? -Math.abs(x) : Math.abs(x))), labels("copysign")); // NaN inputs carry a clear sign bit
      expectExact(col(5), a.map((x, k) => (b[k] < x ? 0 : 1)), labels("step"));
    });

    it(`${T} clamp, lerp, smoothstep${T === "f32" ? ", fma (one rounding)" : ""} over triples`, () => {
      const V = [-1, 0, 0.25, 0.5, 1, 2, -0.3, 7].map(r);
      const a: number[] = [], b: number[] = [], z: number[] = [];
      for (const x of V) for (const y of V) for (const w of V) { a.push(x); b.push(y); z.push(w); }
      const n = T === "f32" ? 4 : 3;
      const out = c.zeros(a.length * n, dtype);
      c.launch(`ternary${T.slice(1)}`, a.length, [c.array(a, dtype), c.array(b, dtype), c.array(z, dtype), out]);
      const got = values(out), col = (j: number) => a.map((_, k) => got[k * n + j]);
      expectExact(col(0), a.map((x, k) => dmin(dmax(x, b[k]), z[k])));
      composite(col(1), a.map((x, k) => r(r(x * r(1 - z[k])) + r(b[k] * z[k]))), r);
      composite(col(2), a.map((e0, k) => {
        const t = dmin(dmax(r(r(z[k] - e0) / r(b[k] - e0)), 0), 1);
        return r(r(t * t) * r(3 - r(2 * t)));
      }), r);
      if (T === "f32") expectExact(col(3), a.map((x, k) => fmaF32(x, b[k], z[k])));
    });
  }

  it("fma is rounded once where a*b+c in f64 then f32 would round twice", () => {
    // a*b = 1 + 2^-11 + 2^-24 is an f32 tie; + 2^-60 lifts it above: one rounding goes up, while
    // f64 rounding first (losing 2^-60) then f32 ties-to-even goes down.
    const x = fr(1 + 2 ** -12), tiny = fr(2 ** -60);
    const out = c.zeros(4);
    c.launch("ternary32", 1, [c.array([x]), c.array([x]), c.array([tiny]), out]);
    expect(fr(x * x + tiny)).toBe(1 + 2 ** -11);
    expect(fmaF32(x, x, tiny)).toBe(1 + 2 ** -11 + 2 ** -23);
    expect(values(out)[3]).toBe(1 + 2 ** -11 + 2 ** -23);
    // The reference's f64 path (used for CUDA's contractions): exact products, subnormal results.
    expect(fmaRef(0.1, 10, -1, "f64")).toBe(5.551115123125783e-17);
    expect(fmaRef(2 ** -1000, 2 ** -70, 0, "f64")).toBe(2 ** -1070);
    expect(fmaRef(2 ** -100, 2 ** -50, 0, "f32")).toBe(0);
  });

  it("integer clamp (i32, u32)", () => {
    const xs = [-100, -5, -4, 0, 3, 17, 18, 2147483647, -2147483648];
    const out = c.zeros(xs.length, wf.int32), outu = c.zeros(xs.length, wf.uint32);
    c.launch("intClamp", xs.length, [c.array(xs, wf.int32), out, outu]);
    expectExact(values(out), xs.map((x) => Math.min(Math.max(x, -5), 17)));
    expectExact(values(outu), xs.map((x) => Math.min(Math.max(x >>> 0, 3), 100)));
  });

  it("math builtins apply componentwise to vec3; isnan/isinf mean any component, isfinite every", () => {
    const A = [[0.5, -1.5, 2.25], [-0, 3, -0.75], [1e-3, 0.999, -7], [NaN, 1, 2], [Infinity, 0, 0.2], [0.1, 0.2, 0.3]].map((v) => v.map(fr));
    const B = [[2, 0.5, -1], [1, -2, 0.5], [0.3, 0.3, 3], [1, 1, 1], [1, -1, 0], [-0.5, 4, 0]].map((v) => v.map(fr));
    const n = A.length;
    const out = c.zeros(n * 15, wf.vec3), flags = c.zeros(n, wf.int32);
    c.launch("vecmath", n, [c.array(A.flat(), wf.vec3), c.array(B.flat(), wf.vec3), out, flags]);
    const got = values(out);
    const per: ((x: number, y: number) => number)[] = [
      (x) => fr(Math.sin(x)), Math.floor, (x, y) => fr(cpow(Math.abs(x), y)), dmin, dmax, (x) => dmin(dmax(x, 0), 1),
      (x, y) => dmin(dmax(x, y), fr(y + 1)), Math.sign, (x, y) => fr(fr(x * 0.75) + fr(y * 0.25)), (x, y) => (x < y ? 0 : 1),
      (x) => fr(1 / fr(Math.sqrt(Math.abs(x)))), (x, y) => fmaF32(x, y, x), (x, y) => (x < 0 || Object.is(x, -0) ? -Math.abs(y) : Math.abs(y)),
      (x, y) => fr(Math.atan2(x, y)), (x) => { const t = dmin(dmax(x, 0), 1); return fr(fr(t * t) * fr(3 - fr(2 * t))); },
    ];
    const TRANSC = new Set([0, 2, 13]);
    per.forEach((f, j) => {
      const g: number[] = [], want: number[] = [];
      for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) { g.push(got[(i * 15 + j) * 3 + k]); want.push(f(A[i][k], B[i][k])); }
      if (TRANSC.has(j)) expectClose(g, want, 1e-6, { abs: 3e-45 });
      else if (j === 8 || j === 14) composite(g, want, fr);
      else expectExact(g, want);
    });
    expectExact(values(flags), A.map((v) => +v.some(Number.isNaN) | (+v.some((x) => Math.abs(x) === Infinity) << 1) | (+v.every(Number.isFinite) << 2)));
  });
});
