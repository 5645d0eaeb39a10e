// The host SAH builder and refit: structural invariants of the shared node layout (every primitive in
// exactly one leaf, leaf sizes, boxes enclosing children and primitives exactly, preorder with the
// first child at node+1, skip links equal to the preorder successor of each subtree, depth bound,
// refit levels), on the bunny's triangles, random boxes and adversarial inputs.
import { describe, expect, it } from "vitest";
import { buildBvh, refitBvh, BuiltBvh } from "../engine/geometry/bvh/build.js";
import { NODE_WORDS, STACK_SIZE, leafCount, leafFirst } from "../engine/geometry/bvh/layout.js";
import { triangleBounds } from "../engine/geometry/mesh/topology.js";
import { bunny, randomPoints, rng } from "./mesh-oracles.js";

function checkInvariants(b: BuiltBvh, lowers: Float32Array, uppers: Float32Array, leafSize: number): void {
  const n = lowers.length / 3, { f, i, count } = b.nodes;
  expect(count).toBeLessThanOrEqual(2 * n - 1);
  const seen = new Int32Array(n);
  const depth = new Int32Array(count).fill(-1);
  depth[0] = 0;
  // Expected skip links: preorder successor of each subtree.
  const expectSkip = new Int32Array(count).fill(-2);
  expectSkip[0] = -1;
  for (let k = 0; k < count; k++) {
    const w = k * NODE_WORDS, c = i[w + 3];
    expect(depth[k]).toBeGreaterThanOrEqual(0);
    expect(i[w + 7]).toBe(expectSkip[k]);
    for (let a = 0; a < 3; a++) expect(f[w + a]).toBeLessThanOrEqual(f[w + 4 + a]);
    if (c < 0) {
      const first = leafFirst(c), cnt = leafCount(c);
      expect(cnt).toBeGreaterThanOrEqual(1);
      expect(cnt).toBeLessThanOrEqual(leafSize);
      for (let s = first; s < first + cnt; s++) {
        const p = b.primIds[s];
        seen[p]++;
        for (let a = 0; a < 3; a++) {
          expect(f[w + a]).toBeLessThanOrEqual(lowers[3 * p + a]);
          expect(f[w + 4 + a]).toBeGreaterThanOrEqual(uppers[3 * p + a]);
        }
      }
      // The box is the exact union of its primitives' boxes.
      for (let a = 0; a < 3; a++) {
        const prims = Array.from(b.primIds.subarray(first, first + cnt));
        expect(f[w + a]).toBe(Math.min(...prims.map((p) => lowers[3 * p + a])));
        expect(f[w + 4 + a]).toBe(Math.max(...prims.map((p) => uppers[3 * p + a])));
      }
    } else {
      expect(c).toBeGreaterThan(k + 1);
      expect(c).toBeLessThan(count);
      for (const ch of [k + 1, c]) {
        depth[ch] = depth[k] + 1;
        for (let a = 0; a < 3; a++) {
          expect(f[w + a]).toBeLessThanOrEqual(f[ch * NODE_WORDS + a]);
          expect(f[w + 4 + a]).toBeGreaterThanOrEqual(f[ch * NODE_WORDS + 4 + a]);
        }
      }
      expectSkip[k + 1] = c;
      expectSkip[c] = expectSkip[k];
    }
  }
  expect(Array.from(seen).every((s) => s === 1)).toBe(true);
  expect(Math.max(...depth)).toBe(b.depth);
  expect(b.depth).toBeLessThan(STACK_SIZE - 1);
  // Levels: every node once, at its depth.
  expect(b.levelStarts[b.depth + 1]).toBe(count);
  for (let d = 0; d <= b.depth; d++)
    for (let k = b.levelStarts[d]; k < b.levelStarts[d + 1]; k++) expect(depth[b.levelNodes[k]]).toBe(d);
}

function randomBoxes(n: number, seed: number): { lowers: Float32Array; uppers: Float32Array } {
  const c = randomPoints(n, -10, 10, seed), r = rng(seed + 1);
  const lowers = new Float32Array(3 * n), uppers = new Float32Array(3 * n);
  for (let k = 0; k < 3 * n; k++) { const e = r() * 0.5; lowers[k] = c[k] - e; uppers[k] = c[k] + e; }
  return { lowers, uppers };
}

describe("host BVH builder (binned SAH)", () => {
  it("bunny triangles: invariants for leaf sizes 1, 4 and 8 and 16 or 32 bins", () => {
    const m = bunny();
    const { lowers, uppers } = triangleBounds(m.points, m.indices);
    for (const [leafSize, bins] of [[4, 16], [1, 32], [8, 16]]) {
      const b = buildBvh(lowers, uppers, { leafSize, bins });
      checkInvariants(b, lowers, uppers, leafSize);
    }
  });

  it("random boxes, a single box, two boxes", () => {
    for (const n of [1, 2, 3, 5, 1000]) {
      const { lowers, uppers } = randomBoxes(n, n);
      checkInvariants(buildBvh(lowers, uppers), lowers, uppers, 4);
    }
  });

  it("identical boxes and geometric spacing keep the depth bounded (median splits)", () => {
    const n = 5000;
    const same = { lowers: new Float32Array(3 * n).fill(1), uppers: new Float32Array(3 * n).fill(2) };
    const a = buildBvh(same.lowers, same.uppers);
    checkInvariants(a, same.lowers, same.uppers, 4);
    expect(a.depth).toBeLessThanOrEqual(12);
    // Exponentially spaced boxes: SAH alone would peel one box per level.
    const m = 120;
    const lo = new Float32Array(3 * m), hi = new Float32Array(3 * m);
    for (let k = 0; k < m; k++) { lo[3 * k] = 2 ** (k / 2); hi[3 * k] = lo[3 * k] * 1.01; }
    const g = buildBvh(lo, hi, { leafSize: 1 });
    checkInvariants(g, lo, hi, 1);
  });

  it("SAH beats an object-median tree on the bunny (expected traversal cost)", () => {
    const m = bunny();
    const { lowers, uppers } = triangleBounds(m.points, m.indices);
    const cost = (b: BuiltBvh) => {
      const { f, i, count } = b.nodes;
      const area = (k: number) => { const w = k * NODE_WORDS, x = f[w + 4] - f[w], y = f[w + 5] - f[w + 1], z = f[w + 6] - f[w + 2]; return x * y + y * z + z * x; };
      let c = 0;
      for (let k = 0; k < count; k++) c += area(k) * (i[k * NODE_WORDS + 3] < 0 ? leafCount(i[k * NODE_WORDS + 3]) : 1);
      return c / area(0);
    };
    const sah = cost(buildBvh(lowers, uppers, { bins: 16 }));
    // bins: 2 is close to a spatial-median split.
    const coarse = cost(buildBvh(lowers, uppers, { bins: 2 }));
    expect(sah).toBeLessThan(coarse);
  });

  it("rejects bad options and empty input", () => {
    const { lowers, uppers } = randomBoxes(4, 1);
    expect(() => buildBvh(lowers, uppers, { leafSize: 9 })).toThrow(/leafSize must be an integer in 1..8/);
    expect(() => buildBvh(lowers, uppers, { bins: 1 })).toThrow(/bins must be an integer in 2..256/);
    expect(() => buildBvh(new Float32Array(0), new Float32Array(0))).toThrow(/at least one primitive/);
  });

  it("refit after moving the boxes equals the union of the moved boxes, tree kept", () => {
    const { lowers, uppers } = randomBoxes(700, 7);
    const b = buildBvh(lowers, uppers);
    const r = rng(3);
    for (let k = 0; k < lowers.length; k++) { const d = (r() - 0.5) * 4; lowers[k] += d; uppers[k] += d; }
    const before = Int32Array.from(b.nodes.i);
    refitBvh(b.nodes, b.primIds, lowers, uppers);
    for (let k = 0; k < b.nodes.count; k++) {
      expect(b.nodes.i[k * NODE_WORDS + 3]).toBe(before[k * NODE_WORDS + 3]);
      expect(b.nodes.i[k * NODE_WORDS + 7]).toBe(before[k * NODE_WORDS + 7]);
    }
    checkInvariants(b, lowers, uppers, 4);
  });
});
