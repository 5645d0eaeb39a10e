// Builtins in kernels, end to end: kernel source -> frontend -> pass pipeline -> the reference
// interpreter and the wasm backend (and CUDA where a device is present). Exact builtins must agree
// bit for bit across backends; library-backed transcendentals within 2 ulp. The random stream is
// also checked against a plain-TS transcription of docs/builtins.md.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";

const SRC = `import { tid, Array, f32, f64, i32, u32, vec3, quat } from "weft/kernels";

@kernel
export function exactF32(x: Array<f32>, y: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const a = x[i], b = y[i];
  const o = 16 * i;
  out[o] = round(a); out[o + 1] = floor(a); out[o + 2] = ceil(b); out[o + 3] = trunc(b);
  out[o + 4] = min(a, b); out[o + 5] = max(a, b); out[o + 6] = clamp(a, -1.5, b);
  out[o + 7] = sign(a) + abs(b); out[o + 8] = copysign(a, b); out[o + 9] = fma(a, b, a - b);
  out[o + 10] = sqrt(abs(a)); out[o + 11] = rsqrt(abs(b) + 1);
  out[o + 12] = lerp(a, b, 0.25); out[o + 13] = smoothstep(-2, 3, a); out[o + 14] = step(b, a);
  out[o + 15] = isnan(a) || isinf(b) ? 1 : (isfinite(a) ? 2 : 3);
}

@kernel
export function exactF64(x: Array<f64>, out: Array<f64>): void {
  const i = tid();
  const a = x[i];
  out[4 * i] = round(a); out[4 * i + 1] = min(a, 0.5); out[4 * i + 2] = sqrt(abs(a)); out[4 * i + 3] = sign(a);
}

@kernel
export function ints(a: Array<i32>, b: Array<u32>, out: Array<i32>): void {
  const i = tid();
  const p = a[i], q = b[i];
  const o = 10 * i;
  out[o] = abs(p); out[o + 1] = sign(p); out[o + 2] = min(p, 7); out[o + 3] = max(p, -3);
  out[o + 4] = clamp(p, -100, 100); out[o + 5] = i32(clz(q)); out[o + 6] = i32(ctz(q)); out[o + 7] = i32(popcount(q));
  out[o + 8] = i32(f32AsU32(f32(p) * 0.5) >> 3); out[o + 9] = i32(max(q, 5 as u32) % 1000);
}

@kernel
export function geometry(v: Array<vec3>, w: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  const a = v[i], b = w[i];
  const q = normalize(quat(a.x, a.y, a.z, 1.0));
  const m = quatToMatrix(q);
  const r = quatRotate(q, b) - m * b;
  const t = transform(a, q);
  const back = transformPoint(transformInverse(t), transformPoint(t, b)) - b;
  const inv = inverse(m + diag(vec3(1, 2, 3)));
  const o = 12 * i;
  out[o] = dot(a, b); out[o + 1] = length(cross(a, b)); out[o + 2] = length(normalize(a));
  out[o + 3] = length(r); out[o + 4] = length(back); out[o + 5] = determinant(inv * (m + diag(vec3(1, 2, 3))) );
  out[o + 6] = maxComp(a); out[o + 7] = f32(argmin(b)); out[o + 8] = trace(outer(a, b));
  out[o + 9] = distance(a, b); out[o + 10] = length(quatRotateInv(q, quatRotate(q, b)) - b);
  out[o + 11] = dot(quatSlerp(q, quatIdentity(), 0.3), q);
}

@kernel
export function transcendental(x: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const a = x[i];
  const o = 8 * i;
  out[o] = cbrt(a); out[o + 1] = tan(a * 0.1); out[o + 2] = asin(clamp(a * 0.05, -1, 1)); out[o + 3] = tanh(a * 0.2);
  out[o + 4] = exp2(a * 0.1); out[o + 5] = log10(abs(a) + 1); out[o + 6] = sinh(a * 0.05); out[o + 7] = atan(a);
}

@kernel
export function random(seed: i32, f: Array<f32>, u: Array<u32>, r: Array<i32>): void {
  const i = tid();
  let rng = randInit(seed, i);
  f[4 * i] = randf(rng);
  f[4 * i + 1] = randn(rng);
  f[4 * i + 2] = randfRange(rng, -2.0, 3.0);
  f[4 * i + 3] = randn(rng);
  u[i] = randi(rng);
  r[i] = randiRange(rng, -5, 10);
}
`;

let m: wf.Module;
const backends: string[] = ["interp", "wasm"];
beforeAll(async () => {
  await wf.init();
  m = await wf.loadModule({ source: SRC, name: "builtins_e2e" });
  if (wf.devices().some((d) => d.isCuda)) backends.push("cuda");
});

const f32 = Math.fround;
let seed = 99;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

/** Runs `kernel` on every backend; returns the flat outputs per backend. */
function runEverywhere(kernel: string, n: number, make: () => { args: any[]; outs: wf.WeftArray[] }): Map<string, any[][]> {
  const res = new Map<string, any[][]>();
  for (const be of backends) {
    const device = be === "cuda" ? wf.devices().find((d) => d.isCuda)!.name : "cpu";
    const { args, outs } = make();
    const moved = args.map((a) => (a instanceof wf.WeftArray && device !== "cpu" ? a.to(device) : a));
    wf.launch(m.kernels[kernel], n, moved, { backend: be as any, device });
    wf.synchronize();
    const outIdx = outs.map((o) => args.indexOf(o));
    res.set(be, outIdx.map((k) => Array.from((moved[k] as wf.WeftArray).to("cpu").toTypedArray() as ArrayLike<number>)));
  }
  return res;
}

const bits = (x: number) => { const b = new Float32Array([x]); return new Uint32Array(b.buffer)[0]; };
/** null when a and b agree bit for bit (NaNs as NaN); else the first difference, described. */
function firstDiff(a: number[], b: number[], per = 1): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if ((Number.isNaN(a[i]) && Number.isNaN(b[i])) || Object.is(a[i], b[i])) continue;
    const diffs = a.filter((x, k) => !((Number.isNaN(x) && Number.isNaN(b[k])) || Object.is(x, b[k]))).length;
    return `element ${i} (thread ${Math.floor(i / per)}, slot ${i % per}): ${a[i]} vs ${b[i]}; ${diffs} differ`;
  }
  return null;
}

describe("builtins on every backend", () => {
  it("exact f32 builtins are bit-identical", () => {
    const n = 2000;
    const X = Array.from({ length: n }, (_, i) => f32(i < 8 ? [0.5, -0.5, 2.5, -2.5, 0.49999997, NaN, Infinity, -0][i] : (rnd() - 0.5) * 20));
    const Y = Array.from({ length: n }, (_, i) => f32(i % 7 === 0 ? X[i] : (rnd() - 0.5) * 8));
    const res = runEverywhere("exactF32", n, () => {
      const out = wf.zeros(16 * n, wf.float32);
      return { args: [wf.array(X, wf.float32), wf.array(Y, wf.float32), out], outs: [out] };
    });
    const ref = res.get("interp")![0];
    expect(ref[0]).toBe(1); // round(0.5)
    expect(ref[1]).toBe(0); // floor(0.5)
    expect(ref[16]).toBe(-1); // round(-0.5)
    expect(ref[16 * 2]).toBe(3); // round(2.5)
    expect(ref[16 * 3]).toBe(-3); // round(-2.5)
    expect(ref[16 * 4]).toBe(0); // round(0.49999997)
    for (const [be, outs] of res) expect(firstDiff(outs[0], ref, 16), `${be} vs interp`).toBeNull();
  });

  it("exact f64 and integer builtins are bit-identical", () => {
    const n = 500;
    const X = Array.from({ length: n }, (_, i) => (i < 3 ? [2.5, -0.5, 0.49999999999999994][i] : (rnd() - 0.5) * 1e3));
    const A = Array.from({ length: n }, (_, i) => (i < 3 ? [-2147483648, 0, -7][i] : Math.floor((rnd() - 0.5) * 2 ** 32)));
    const B = Array.from({ length: n }, (_, i) => (i < 2 ? [0, 0xffffffff][i] : Math.floor(rnd() * 2 ** 32)));
    const r64 = runEverywhere("exactF64", n, () => { const out = wf.zeros(4 * n, wf.float64); return { args: [wf.array(X, wf.float64), out], outs: [out] }; });
    const ri = runEverywhere("ints", n, () => {
      const out = wf.zeros(10 * n, wf.int32);
      return { args: [wf.array(A, wf.int32), wf.array(B, wf.uint32), out], outs: [out] };
    });
    expect(r64.get("interp")![0].slice(0, 1)).toEqual([3]);
    expect(ri.get("interp")![0].slice(0, 2)).toEqual([-2147483648, -1]);
    expect(ri.get("interp")![0][5]).toBe(32); // clz(0)
    expect(ri.get("interp")![0][6]).toBe(32); // ctz(0)
    expect(ri.get("interp")![0][17]).toBe(32); // popcount(0xffffffff)
    for (const be of backends) {
      expect(firstDiff(r64.get(be)![0], r64.get("interp")![0], 4), be).toBeNull();
      expect(ri.get(be)![0]).toEqual(ri.get("interp")![0]);
    }
  });

  it("vector, matrix, quaternion and transform builtins agree (and are right)", () => {
    const n = 300;
    const V = Array.from({ length: 3 * n }, () => f32((rnd() - 0.5) * 4));
    const W = Array.from({ length: 3 * n }, () => f32((rnd() - 0.5) * 4));
    const res = runEverywhere("geometry", n, () => {
      const out = wf.zeros(12 * n, wf.float32);
      return { args: [wf.array(V, wf.vec3), wf.array(W, wf.vec3), out], outs: [out] };
    });
    const ref = res.get("interp")![0];
    for (let i = 0; i < n; i++) {
      const a = V.slice(3 * i, 3 * i + 3), b = W.slice(3 * i, 3 * i + 3), o = 12 * i;
      expect(ref[o]).toBeCloseTo(a[0] * b[0] + a[1] * b[1] + a[2] * b[2], 4);
      expect(ref[o + 2]).toBeCloseTo(1, 5);
      expect(Math.abs(ref[o + 3])).toBeLessThan(1e-5);
      expect(Math.abs(ref[o + 4])).toBeLessThan(1e-4);
      expect(ref[o + 5]).toBeCloseTo(1, 3);
      expect(ref[o + 6]).toBe(Math.max(...a));
      expect(ref[o + 7]).toBe(b.indexOf(Math.min(...b)));
      expect(ref[o + 8]).toBeCloseTo(a[0] * b[0] + a[1] * b[1] + a[2] * b[2], 4);
      expect(Math.abs(ref[o + 10])).toBeLessThan(1e-5);
    }
    // No library functions here except the slerp's acos/sin: everything else is exact arithmetic.
    for (const [be, outs] of res) {
      const o = outs[0];
      for (let k = 0; k < o.length; k++) {
        if (k % 12 === 11) expect(Math.abs(o[k] - ref[k])).toBeLessThan(1e-6);
        else expect(Object.is(o[k], ref[k]) || bits(o[k]) === bits(ref[k]), `${be}[${k}] ${o[k]} vs ${ref[k]}`).toBe(true);
      }
    }
  });

  it("library transcendentals stay within 2 ulp of the interpreter", () => {
    const n = 2000;
    const X = Array.from({ length: n }, () => f32((rnd() - 0.5) * 30));
    const res = runEverywhere("transcendental", n, () => { const out = wf.zeros(8 * n, wf.float32); return { args: [wf.array(X, wf.float32), out], outs: [out] }; });
    const ref = res.get("interp")![0];
    for (const [, outs] of res) {
      let worst = 0;
      outs[0].forEach((v, k) => { worst = Math.max(worst, Math.abs(bits(v) - bits(ref[k]))); });
      expect(worst).toBeLessThanOrEqual(2);
    }
  });

  it("random streams are bit-identical and follow the documented generator", () => {
    const n = 1000;
    const res = runEverywhere("random", n, () => {
      const f = wf.zeros(4 * n, wf.float32), u = wf.zeros(n, wf.uint32), r = wf.zeros(n, wf.int32);
      return { args: [1234, f, u, r], outs: [f, u, r] };
    });
    const [F, U, R] = res.get("interp")!;
    const pcg = (x: number) => {
      const s = (Math.imul(x, 747796405) + 2891336453) >>> 0;
      const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
      return ((w >>> 22) ^ w) >>> 0;
    };
    for (let i = 0; i < n; i++) {
      let s = pcg((1234 ^ pcg(i)) >>> 0);
      s = pcg(s);
      expect(F[4 * i]).toBe(f32((s >>> 8) * 2 ** -24));
      s = pcg(pcg(s)); // randn: two draws
      s = pcg(s);
      expect(F[4 * i + 2]).toBe(f32(-2 + f32(5 * f32((s >>> 8) * 2 ** -24))));
      s = pcg(pcg(s));
      s = pcg(s);
      expect(U[i]).toBe(s);
      s = pcg(s);
      expect(R[i]).toBe(-5 + (s % 15));
    }
    for (const [be, outs] of res) {
      expect(firstDiff(outs[0], F, 4), `${be} floats`).toBeNull();
      expect(outs[1]).toEqual(U);
      expect(outs[2]).toEqual(R);
    }
  });
});
