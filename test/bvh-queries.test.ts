// wf.Bvh over boxes: the AABB and ray iterators of kernels-as/lib/bvh.ts on every backend against
// brute force (exact overlap sets; ray sets by a slab test in f64, boxes the ray only grazes excepted),
// refit after the boxes move (host, and the kernel-language refit launched on wasm), input errors.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";
import { engineKernel, BVH_REFIT_SOURCE } from "../engine/geometry/bvh/kernels.js";
import { NODE_WORDS } from "../engine/geometry/bvh/layout.js";
import { V3, boxOverlaps, rng } from "./mesh-oracles.js";

const KERNELS = `
import { tid, Array, Array2D, vec3, f32, i32, Bvh, bvhQueryAabb, bvhQueryAabbNext, bvhQueryRay, bvhQueryRayNext } from "weft/kernels";

@kernel
export function overlaps(bvh: Bvh, lo: Array<vec3>, hi: Array<vec3>, count: Array<i32>, items: Array2D<i32>): void {
  const i = tid();
  let q = bvhQueryAabb(bvh, lo[i], hi[i]);
  let c = 0;
  while (q.item >= 0) {
    if (c < items.shape[1]) items[i, c] = q.item;
    c += 1;
    q = bvhQueryAabbNext(q);
  }
  count[i] = c;
}

@kernel
export function rays(bvh: Bvh, origins: Array<vec3>, dirs: Array<vec3>, maxT: f32, count: Array<i32>, items: Array2D<i32>): void {
  const i = tid();
  let q = bvhQueryRay(bvh, origins[i], dirs[i], maxT);
  let c = 0;
  while (q.item >= 0) {
    if (c < items.shape[1]) items[i, c] = q.item;
    c += 1;
    q = bvhQueryRayNext(q);
  }
  count[i] = c;
}
`;

function randomBoxes(n: number, seed: number) {
  const r = rng(seed), lowers = new Float32Array(3 * n), uppers = new Float32Array(3 * n);
  for (let k = 0; k < 3 * n; k++) { const c = (r() - 0.5) * 10, e = r() * 0.6; lowers[k] = c - e; uppers[k] = c + e; }
  return { lowers, uppers };
}

/** Slab test in f64: [entry, exit] of the segment; null when it misses. */
function slab(o: V3, d: V3, maxT: number, lo: number[], hi: number[]): [number, number] | null {
  let t0 = 0, t1 = maxT;
  for (let a = 0; a < 3; a++) {
    if (d[a] === 0) { if (o[a] < lo[a] || o[a] > hi[a]) return null; continue; }
    let n = (lo[a] - o[a]) / d[a], f = (hi[a] - o[a]) / d[a];
    if (n > f) [n, f] = [f, n];
    t0 = Math.max(t0, n); t1 = Math.min(t1, f);
  }
  return t0 <= t1 ? [t0, t1] : null;
}

describe.each(BACKEND_NAMES)("wf.Bvh queries on %s", (be) => {
  let m: wf.Module;
  const device = deviceFor(be);
  const opts = { backend: be, device } as const;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: KERNELS, name: "bvh_queries" }, { device, backend: be });
  });

  it("AABB overlap sets are exact (random boxes, touching boxes, leaf sizes 1 and 4)", () => {
    const nb = be === "interp" ? 200 : 3000;
    const { lowers, uppers } = randomBoxes(nb, 5);
    for (const leafSize of [1, 4]) {
      const bvh = new wf.Bvh({ lowers, uppers, device, leafSize });
      const R = rng(9), lo: number[] = [], hi: number[] = [];
      // A query box touching box 0 exactly at its upper corner.
      lo.push(uppers[0], uppers[1], uppers[2]); hi.push(uppers[0] + 1, uppers[1] + 1, uppers[2] + 1);
      const nq = be === "interp" ? 24 : 400;
      while (lo.length < 3 * nq) { const c = [0, 1, 2].map(() => (R() - 0.5) * 10), e = [0, 1, 2].map(() => R()); lo.push(...c.map((x, k) => x - e[k])); hi.push(...c.map((x, k) => x + e[k])); }
      const K = 256, count = wf.zeros(nq, { dtype: wf.int32, device }), items = wf.full([nq, K], -1, { dtype: wf.int32, device });
      wf.launch(m.kernels.overlaps, nq, [bvh, wf.array(lo, { dtype: wf.vec3, device }), wf.array(hi, { dtype: wf.vec3, device }), count, items], opts);
      const c = count.to("cpu").toTypedArray(), it2 = items.to("cpu").toTypedArray();
      for (let i = 0; i < nq; i++) {
        const f = Math.fround;
        const want = boxOverlaps(lowers, uppers, [f(lo[3 * i]), f(lo[3 * i + 1]), f(lo[3 * i + 2])], [f(hi[3 * i]), f(hi[3 * i + 1]), f(hi[3 * i + 2])]);
        expect(c[i], `query ${i}`).toBe(want.length);
        expect(Array.from(it2.subarray(i * K, i * K + c[i])).sort((a, b) => a - b), `query ${i}`).toEqual(want);
      }
      expect(c[0]).toBeGreaterThanOrEqual(1);
      bvh.dispose();
    }
  });

  it("ray query sets match a slab test (axis-parallel rays included)", () => {
    const nb = be === "interp" ? 200 : 3000;
    const { lowers, uppers } = randomBoxes(nb, 6);
    const bvh = new wf.Bvh({ lowers, uppers, device });
    const R = rng(10), os: number[] = [], ds: number[] = [];
    const nq = be === "interp" ? 24 : 300;
    for (let k = 0; k < 6; k++) { os.push(-8, (R() - 0.5) * 8, (R() - 0.5) * 8); ds.push(1, 0, 0); }
    while (os.length < 3 * nq) { os.push(...[0, 1, 2].map(() => (R() - 0.5) * 14)); ds.push(...[0, 1, 2].map(() => R() - 0.5)); }
    const maxT = 12, K = 512;
    const count = wf.zeros(nq, { dtype: wf.int32, device }), items = wf.full([nq, K], -1, { dtype: wf.int32, device });
    wf.launch(m.kernels.rays, nq, [bvh, wf.array(os, { dtype: wf.vec3, device }), wf.array(ds, { dtype: wf.vec3, device }), maxT, count, items], opts);
    const c = count.to("cpu").toTypedArray(), it2 = items.to("cpu").toTypedArray();
    let total = 0;
    const wrong: string[] = [];
    const blo = Array.from({ length: nb }, (_, b) => Array.from(lowers.subarray(3 * b, 3 * b + 3)));
    const bhi = Array.from({ length: nb }, (_, b) => Array.from(uppers.subarray(3 * b, 3 * b + 3)));
    const blo2 = blo.map((v) => v.map((x) => x - 1e-4)), bhi2 = bhi.map((v) => v.map((x) => x + 1e-4));
    for (let i = 0; i < nq; i++) {
      const f = Math.fround, o: V3 = [f(os[3 * i]), f(os[3 * i + 1]), f(os[3 * i + 2])], d: V3 = [f(ds[3 * i]), f(ds[3 * i + 1]), f(ds[3 * i + 2])];
      const got = new Set(Array.from(it2.subarray(i * K, i * K + Math.min(K, c[i]))));
      expect(got.size, `ray ${i}: items are unique`).toBe(Math.min(K, c[i]));
      for (let b = 0; b < nb; b++) {
        const s = slab(o, d, maxT, blo[b], bhi[b]);
        const grazing = s ? s[1] - s[0] < 1e-4 : !!slab(o, d, maxT + 1e-4, blo2[b], bhi2[b]);
        if (grazing) continue;
        if (got.has(b) !== !!s) wrong.push(`ray ${i} box ${b}: got ${got.has(b)}, want ${!!s}`);
      }
      total += c[i];
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(total).toBeGreaterThan(nq / 4);
    bvh.dispose();
  });
});

describe("wf.Bvh host API", () => {
  beforeAll(async () => { await wf.init(); });

  it("refit: host and kernel-language refit agree and enclose the moved boxes; user arrays are kept", () => {
    const { lowers, uppers } = randomBoxes(500, 7);
    const lo = wf.array(lowers, { dtype: wf.vec3 }), hi = wf.array(uppers, { dtype: wf.vec3 });
    const bvh = new wf.Bvh({ lowers: lo, uppers: hi });
    expect(bvh.lowers).toBe(lo);
    const R = rng(2), l2 = lowers.slice(), u2 = uppers.slice();
    for (let k = 0; k < l2.length; k++) { const s = (R() - 0.5) * 3; l2[k] += s; u2[k] += s; }
    lo.assign(l2); hi.assign(u2);
    bvh.refit();
    const host = new Float32Array(bvh.nodes.contiguousBytes().buffer);
    const cleared = host.slice();
    for (let q = 0; q < bvh.nodeCount; q++) for (const w of [0, 1, 2, 4, 5, 6]) cleared[q * NODE_WORDS + w] = 0;
    bvh.nodes.device.memory.write(bvh.nodes.ptr, new Uint8Array(cleared.buffer));
    const k = engineKernel("weft_bvh_refit", BVH_REFIT_SOURCE, "bvhRefitLevel", wf.getDevice("cpu"));
    const t = (bvh as any).tree;
    t.refitLevels((start: number, count: number) => wf.launch(k, count, [bvh, t.levelNodes, start]));
    expect(Array.from(new Float32Array(bvh.nodes.contiguousBytes().buffer))).toEqual(Array.from(host));
    // The root encloses every moved box.
    for (let a = 0; a < 3; a++) {
      expect(host[a]).toBe(Math.min(...Array.from(l2).filter((_, q) => q % 3 === a)));
      expect(host[4 + a]).toBe(Math.max(...Array.from(u2).filter((_, q) => q % 3 === a)));
    }
    bvh.dispose();
    expect(lo.disposed).toBe(false);
    expect(() => bvh.refit()).toThrow(/wf.Bvh \d+ was disposed; refit\(\) needs a live BVH/);
    expect(() => bvh.asKernelArg()).toThrow(/was disposed/);
  });

  it("rejects bad boxes with errors naming the box", () => {
    const lowers = Float32Array.from([0, 0, 0, 1, 1, 1]), uppers = Float32Array.from([1, 1, 1, 2, 0.5, 2]);
    expect(() => new wf.Bvh({ lowers, uppers })).toThrow(/box 1 has lowers\[1\] > uppers\[1\] on axis y \(1 > 0.5\)/);
    expect(() => new wf.Bvh({ lowers, uppers: Float32Array.from([1, 1, 1]) })).toThrow(/'lowers' has 2 boxes but 'uppers' has 1/);
    expect(() => new wf.Bvh({ lowers: new Float32Array(0), uppers: new Float32Array(0) })).toThrow(/expected at least one box/);
    expect(() => new wf.Bvh({ lowers: Float32Array.from([NaN, 0, 0]), uppers: Float32Array.from([1, 1, 1]) })).toThrow(/lowers\[0\] = \(NaN,0,0\) is not finite/);
    expect(() => new wf.Bvh({ lowers: wf.zeros(2, wf.vec2) as any, uppers })).toThrow(/'lowers' must be a 1-D array of vec3 \(f32\), got 1-D vec2/);
  });
});
