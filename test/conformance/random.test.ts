// Conformance: the counter-based generator. Every stream (pcg, randInit with and without an offset,
// randi, randiRange, randf, randfRange, randn) is compared bit for bit with a plain-TS
// transcription of docs/builtins.md (test/helpers/conformance-random.ts) on every backend, and the
// distributions get a statistical sanity check.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectExact, loadFor, values } from "../helpers/conformance-harness.js";
import { Stream, pcg, randInit } from "../helpers/conformance-random.js";

const SRC = `
import { tid, Array, f32, i32, u32, randInit, randi, randiRange, randf, randfRange, randn, pcg } from "weft/kernels";

const DRAWS = 8;

@kernel
export function streams(seed: i32, useed: u32, outU: Array<u32>, outI: Array<i32>, outF: Array<f32>, lo: i32, hi: i32): void {
  const i = tid();
  let rng = randInit(seed, i);
  for (let k = 0; k < DRAWS; k++) {
    const o = (i * DRAWS + k) * 3;
    outU[o] = randi(rng);
    outF[o] = randf(rng);
    outF[o + 1] = randfRange(rng, -2.0, 3.0);
    outI[o] = randiRange(rng, lo, hi);
    outI[o + 1] = randiRange(rng, 5, 5);
    outF[o + 2] = randn(rng);
    outU[o + 1] = rng;
    outI[o + 2] = i32(rng >> 16);
    outU[o + 2] = 0;
  }
  const base = i * DRAWS * 3;
  let r2 = randInit(useed);            // one-argument form: offset 0
  let r3 = randInit(useed, u32(i));    // u32 arguments
  outU[base + 2] = pcg(u32(i));
  outU[base + 5] = r2;
  outU[base + 8] = randi(r3);
}

@kernel
export function normals(seed: i32, z: Array<f32>, u: Array<f32>): void {
  const i = tid();
  let rng = randInit(seed, i);
  z[2 * i] = randn(rng);
  z[2 * i + 1] = randn(rng);
  u[i] = randf(rng);
}
`;

const DRAWS = 8;

describe.each(BACKEND_NAMES)("random numbers on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_random")); });

  for (const [seed, lo, hi] of [[2024, -5, 10], [-7, 0, 1 << 30], [0, -2147483648, 2147483647], [123456789, 3, -3]] as const) {
    it(`streams of seed ${seed} (randiRange(${lo}, ${hi})) are bit-identical to the documented algorithm`, () => {
      const n = 40, useed = 0xdeadbeef;
      const outU = c.zeros(n * DRAWS * 3, wf.uint32), outI = c.zeros(n * DRAWS * 3, wf.int32), outF = c.zeros(n * DRAWS * 3);
      c.launch("streams", n, [seed, useed, outU, outI, outF, lo, hi]);
      const wU: number[] = [], wI: number[] = [], wF: number[] = [];
      for (let i = 0; i < n; i++) {
        const st = new Stream(randInit(seed, i));
        for (let k = 0; k < DRAWS; k++) {
          const a = st.randi(), f = st.randf(), fr2 = st.randfRange(-2, 3), ri = st.randiRange(lo, hi), rc = st.randiRange(5, 5), z = st.randn();
          wU.push(a, st.state, 0); wI.push(ri, rc, st.state >>> 16); wF.push(f, fr2, z);
        }
        const base = i * DRAWS * 3;
        wU[base + 2] = pcg(i); wU[base + 5] = randInit(useed); wU[base + 8] = pcg(randInit(useed, i));
      }
      expectExact(values(outU), wU);
      expectExact(values(outI), wI);
      expectExact(values(outF), wF);
    });
  }

  it("pcg(0) and a known stream start are pinned", () => {
    expect(pcg(0)).toBe(129708002); // the reference itself: a change of algorithm must be deliberate
    const outU = c.zeros(DRAWS * 3, wf.uint32);
    c.launch("streams", 1, [42, 0, outU, c.zeros(DRAWS * 3, wf.int32), c.zeros(DRAWS * 3), 0, 10]);
    expect(values(outU)[0]).toBe(pcg(randInit(42, 0)));
  });

  it("statistics: randn has mean 0, variance 1, P(|z| < 1) = 0.6827; randf is uniform in [0, 1); values match the reference", () => {
    const n = backend === "interp" ? 5000 : 100_000;
    const z = c.zeros(2 * n), u = c.zeros(n);
    c.launch("normals", n, [31337, z, u]);
    const zs = values(z), us = values(u);
    let bad = 0;
    for (let i = 0; i < n; i += 97) {
      const st = new Stream(randInit(31337, i));
      if (!Object.is(st.randn(), zs[2 * i]) || !Object.is(st.randn(), zs[2 * i + 1]) || !Object.is(st.randf(), us[i])) bad++;
    }
    expect(bad).toBe(0);
    const m = zs.reduce((a, b) => a + b, 0) / zs.length;
    const v = zs.reduce((a, b) => a + (b - m) ** 2, 0) / zs.length;
    const within = zs.filter((x) => Math.abs(x) < 1).length / zs.length;
    const se = 1 / Math.sqrt(zs.length);
    expect(Math.abs(m)).toBeLessThan(5 * se);
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.SQRT2 * se);
    expect(Math.abs(within - 0.6827)).toBeLessThan(5 * 0.466 * se);
    expect(zs.reduce((a, b) => Math.max(a, Math.abs(b)), 0)).toBeLessThan(5.8);
    expect(us.reduce((a, b) => Math.min(a, b), 1)).toBeGreaterThanOrEqual(0);
    expect(us.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(1);
    const um = us.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(um - 0.5)).toBeLessThan(5 * 0.2887 / Math.sqrt(n));
    const bins = new Array(10).fill(0);
    for (const x of us) bins[Math.floor(x * 10)]++;
    const chi2 = bins.reduce((a, b) => a + (b - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(30); // 9 degrees of freedom: p < 0.0005
  });
});
