// Conformance: atomics under contention (many threads on few addresses; on wasm the launch spans the
// worker pool) with results that are exact whatever the interleaving: sums of exactly representable
// values, min/max, the old values returned by atomicAdd (a permutation), atomicExch (old values plus
// the final one are every value exactly once), atomicCAS claims (one winner per slot) and CAS loops;
// i32 u32 f32 f64 elements, vector elements (one atomic per component), 2-D arrays.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, Array2D, f32, f64, i32, u32, vec3, vec3d, atomicAdd, atomicSub, atomicMin, atomicMax, atomicExch, atomicCAS } from "weft/kernels";

@kernel
export function counters(ci: Array<i32>, cu: Array<u32>, cf: Array<f32>, cd: Array<f64>, vals: Array<i32>, olds: Array<i32>, hist: Array<i32>): void {
  const i = tid();
  const v = vals[i];
  olds[i] = atomicAdd(ci, 0, 1);
  atomicSub(ci, 1, 2);
  atomicMin(ci, 2, v); atomicMax(ci, 3, v);
  atomicAdd(cu, 0, 3); atomicSub(cu, 1, 1);
  atomicMin(cu, 2, u32(v)); atomicMax(cu, 3, u32(v));
  atomicAdd(cf, 0, 0.5); atomicSub(cf, 1, 0.25);
  atomicMin(cf, 2, f32(v) * 0.5); atomicMax(cf, 3, f32(v) * 0.5);
  atomicAdd(cd, 0, 0.125); atomicSub(cd, 1, 1.5);
  atomicMin(cd, 2, f64(v) / 4.0); atomicMax(cd, 3, f64(v) / 4.0);
  atomicAdd(hist, v & 15, 1);
}

@kernel
export function exchange(slots: Array<i32>, fslots: Array<f32>, olds: Array<i32>, folds: Array<f32>): void {
  const i = tid();
  olds[i] = atomicExch(slots, i % 4, i);
  folds[i] = atomicExch(fslots, 0, f32(i));
}

@kernel
export function cas(claims: Array<i32>, winners: Array<i32>, counter: Array<i32>, fcounter: Array<f32>, ucounter: Array<u32>, dcounter: Array<f64>): void {
  const i = tid();
  if (atomicCAS(claims, i % 8, 0, i + 1) == 0) atomicAdd(winners, i % 8, 1);
  let old = counter[0];
  while (true) {                            // lock-free increment
    const prev = atomicCAS(counter, 0, old, old + 1);
    if (prev == old) break;
    old = prev;
  }
  let fo = fcounter[0];
  while (true) {
    const prev = atomicCAS(fcounter, 0, fo, fo + 2.0);
    if (prev == fo) break;
    fo = prev;
  }
  let uo = ucounter[0];
  while (true) { const prev = atomicCAS(ucounter, 0, uo, uo * 3 + 1); if (prev == uo) break; uo = prev; }
  let d = dcounter[0];
  while (true) { const prev = atomicCAS(dcounter, 0, d, d + 0.5); if (prev == d) break; d = prev; }
}

@kernel
export function vectors(forces: Array<vec3>, lo: Array<vec3>, hi: Array<vec3>, dv: Array<vec3d>, olds: Array<vec3>): void {
  const i = tid();
  const f = vec3(1.0, 0.5 * f32(i % 3), -2.0);
  olds[i] = atomicAdd(forces, i % 4, f);
  atomicSub(forces, 4, vec3(0.25));
  atomicMin(lo, 0, vec3(f32(i), -f32(i), f32(i % 7)));
  atomicMax(hi, 0, vec3(f32(i), -f32(i), f32(i % 7)));
  atomicAdd(dv, 0, vec3d(0.5, 1.0, 0.125));
}

@kernel
export function grid(g: Array2D<i32>, gf: Array2D<f32>): void {
  const i = tid();
  atomicAdd(g, i % 3, i % 5, 1);
  atomicMax(gf, i % 2, i % 4, f32(i));
}
`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

describe.each(BACKEND_NAMES)("atomics on %s", (backend) => {
  let c: Ctx;
  // Enough threads that the wasm launch is split across the worker pool; fewer on the interpreter.
  const N = backend === "interp" ? 4096 : 50_000;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_atomics")); });

  it("add/sub/min/max on i32, u32, f32, f64 counters; the old values of atomicAdd are a permutation", () => {
    const vals = range(N).map((i) => ((i * 7919) % 20011) - 10000);
    const ci = c.array([0, 0, 1 << 30, -(1 << 30)], wf.int32), cu = c.array([0, 0, 0xffffffff, 0], wf.uint32);
    const cf = c.array([0, 0, 1e30, -1e30]), cd = c.array([0, 0, Infinity, -Infinity], wf.float64);
    const olds = c.zeros(N, wf.int32), hist = c.zeros(16, wf.int32);
    c.launch("counters", N, [ci, cu, cf, cd, c.array(vals, wf.int32), olds, hist]);
    const mn = Math.min(...vals), mx = Math.max(...vals);
    const umin = Math.min(...vals.map((v) => v >>> 0)), umax = Math.max(...vals.map((v) => v >>> 0));
    expectExact(values(ci), [N, -2 * N, mn, mx]);
    expectExact(values(cu), [3 * N, (-N) >>> 0, umin, umax]);
    expectExact(values(cf), [N * 0.5, -N * 0.25, fr(mn * 0.5), fr(mx * 0.5)]);
    expectExact(values(cd), [N * 0.125, -N * 1.5, mn / 4, mx / 4]);
    expectExact(sorted(values(olds)), range(N));
    const h = new Array(16).fill(0);
    for (const v of vals) h[v & 15]++;
    expectExact(values(hist), h);
  });

  it("atomicExch: old values and final values hold every value exactly once (i32, f32)", () => {
    const slots = c.array([-1, -2, -3, -4], wf.int32), fslots = c.array([-1]), olds = c.zeros(N, wf.int32), folds = c.zeros(N);
    c.launch("exchange", N, [slots, fslots, olds, folds]);
    expectExact(sorted([...values(olds), ...values(slots)]), [-4, -3, -2, -1, ...range(N)]);
    expectExact(sorted([...values(folds), ...values(fslots)]), [-1, ...range(N)]);
    // Each slot ends with a value it was given.
    values(slots).forEach((v, k) => expect(v % 4).toBe(k));
  });

  it("atomicCAS: one winner per claimed slot, CAS loops on i32, f32, u32, f64 lose no update", () => {
    const n = Math.min(N, 8192);
    const claims = c.zeros(8, wf.int32), winners = c.zeros(8, wf.int32), counter = c.zeros(1, wf.int32);
    const fcounter = c.zeros(1), ucounter = c.zeros(1, wf.uint32), dcounter = c.zeros(1, wf.float64);
    c.launch("cas", n, [claims, winners, counter, fcounter, ucounter, dcounter]);
    expectExact(values(winners), new Array(8).fill(1));
    values(claims).forEach((v, k) => expect((v - 1) % 8).toBe(k));
    expectExact(values(counter), [n]);
    expectExact(values(fcounter), [2 * n]);
    let u = 0;
    for (let k = 0; k < n; k++) u = (Math.imul(u, 3) + 1) >>> 0;
    expectExact(values(ucounter), [u]);
    expectExact(values(dcounter), [n / 2]);
  });

  it("vector atomics (one atomic per component): add/sub/min/max on vec3 and vec3d, old values returned", () => {
    const forces = c.zeros(5, wf.vec3), lo = c.array([1e9, 1e9, 1e9], wf.vec3), hi = c.array([-1e9, -1e9, -1e9], wf.vec3);
    const dv = c.zeros(1, wf.vec3d), olds = c.zeros(N, wf.vec3);
    c.launch("vectors", N, [forces, lo, hi, dv, olds]);
    const sums = [0, 1, 2, 3].map((s) => {
      let k = 0, m = 0;
      for (let i = s; i < N; i += 4) { k += i % 3; m++; }
      return [m, k * 0.5, -2 * m];
    });
    expectExact(values(forces), [...sums.flat(), -0.25 * N, -0.25 * N, -0.25 * N]);
    expectExact(values(lo), [0, fr(-(N - 1)), 0]);
    expectExact(values(hi), [fr(N - 1), -0, 6]); // the largest y is -f32(0) = -0
    expectExact(values(dv), [0.5 * N, N, 0.125 * N]);
    // x grows by 1 per thread: the old x values of each slot are 0, 1, 2, ... in some order.
    const o = values(olds);
    for (let s = 0; s < 4; s++) {
      const xs = range(N).filter((i) => i % 4 === s).map((i) => o[3 * i]);
      expectExact(sorted(xs), range(xs.length));
    }
  });

  it("atomics on 2-D arrays take one index per dimension", () => {
    const g = c.zeros([3, 5], wf.int32), gf = wf.full([2, 4], -1, { dtype: wf.float32, device: c.device });
    c.launch("grid", N, [g, gf]);
    const want = new Array(15).fill(0), wantF = new Array(8).fill(-1);
    for (let i = 0; i < N; i++) { want[(i % 3) * 5 + (i % 5)]++; wantF[(i % 2) * 4 + (i % 4)] = Math.max(wantF[(i % 2) * 4 + (i % 4)], i); }
    expectExact(values(g), want);
    expectExact(values(gf), wantF.map(fr));
  });
});
