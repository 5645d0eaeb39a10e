// Hash-grid neighbour queries (kernels-as/lib/hashgrid.ts) over grids built by wf.HashGrid, on every
// backend (the build kernels run on the same backend: the interpreter builds the interpreter's grids),
// against brute force in plain TypeScript: the neighbour set of every query point within the radius
// (f32 distances as the kernel computes them), the candidates (each point at most once, a superset of
// the neighbours), the cell of every point (floored division and floored modulo, right for negative
// coordinates and outside the dims), and the whole layout (cellStarts, pointIds sorted by cell and
// then by index). Point sets: random with negative coordinates, points exactly on and next to cell
// borders, points far outside the grid dims, duplicates (more than 32 in a cell: the heapsort path),
// mostly empty grids; radii below, at and above the cell width and wider than the whole grid;
// rebuilds after the points move.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

const KERNELS = `
import { tid, Array, Array2D, vec3, f32, i32, dot, HashGrid, hashGridQuery, hashGridQueryNext, hashGridPointId, hashGridCell } from "weft/kernels";

@kernel
export function neighbours(grid: HashGrid, pts: Array<vec3>, qs: Array<vec3>, radius: f32, count: Array<i32>, found: Array2D<i32>, ncand: Array<i32>, cand: Array2D<i32>): void {
  const i = tid();
  const p = qs[i];
  let q = hashGridQuery(grid, p, radius);
  let c = 0;
  let m = 0;
  while (q.index >= 0) {
    const j = q.index;
    if (m < cand.shape[1]) cand[i, m] = j;
    m += 1;
    const d = pts[j] - p;
    if (dot(d, d) <= radius * radius) {
      if (c < found.shape[1]) found[i, c] = j;
      c += 1;
    }
    q = hashGridQueryNext(q);
  }
  count[i] = c;
  ncand[i] = m;
}

@kernel
export function cells(grid: HashGrid, pts: Array<vec3>, out: Array<i32>): void {
  const i = tid();
  out[i] = hashGridCell(grid, pts[i]);
}

/** order[i] = hashGridPointId(grid, i - 1): -1 before the first and after the last slot. */
@kernel
export function order(grid: HashGrid, out: Array<i32>): void {
  const i = tid();
  out[i] = hashGridPointId(grid, i - 1);
}
`;

type P = [number, number, number];
const f = Math.fround;
const LIMIT = 2 ** 28;

function coord(v: number): number {
  if (Number.isNaN(v)) return -LIMIT;
  return Math.floor(Math.min(Math.max(v, -LIMIT), LIMIT));
}
function cellOracle(p: P, width: number, dims: P): number {
  const inv = f(1 / width);
  const w = (c: number, d: number) => ((c % d) + d) % d;
  const c = p.map((x) => coord(f(x * inv)));
  return (w(c[2], dims[2]) * dims[1] + w(c[1], dims[1])) * dims[0] + w(c[0], dims[0]);
}
/** dot(d, d) <= r * r as the kernel evaluates it in f32 (no contraction: interp and wasm). */
function withinF32(a: P, b: P, r: number): boolean {
  const dx = f(a[0] - b[0]), dy = f(a[1] - b[1]), dz = f(a[2] - b[2]);
  return f(f(f(dx * dx) + f(dy * dy)) + f(dz * dz)) <= f(f(r) * f(r));
}
function dist2(a: P, b: P): number { return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2; }

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const toF32 = (ps: P[]): P[] => ps.map((p) => p.map(f) as P);

/** Random points in [lo, hi)^3 (f32 values). */
function randomPoints(n: number, lo: number, hi: number, seed: number): P[] {
  const r = rng(seed);
  return toF32(Array.from({ length: n }, () => [lo + (hi - lo) * r(), lo + (hi - lo) * r(), lo + (hi - lo) * r()] as P));
}

/** Points on cell borders (multiples of the width) and one f32 step either side of them. */
function borderPoints(width: number, k: number): P[] {
  const out: P[] = [];
  const nudge = (x: number, s: number) => { const a = new Float32Array([x]); const i = new Int32Array(a.buffer); if (x === 0) return s * 1e-30; i[0] += (x > 0 ? s : -s); return a[0]; };
  for (let a = -k; a <= k; a++) {
    const x = f(a * width);
    out.push([x, f(0.5 * width), f(-x)], [nudge(x, 1), x, f(0.25 * width)], [nudge(x, -1), f(-0.5 * width), x], [x, x, x]);
  }
  return toF32(out);
}

describe.each(BACKEND_NAMES)("hash-grid queries on %s", (be) => {
  const device = deviceFor(be);
  const opts = { device, backend: be } as const;
  const gridOpts = { device, backend: be } as const;
  const small = be === "interp";
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: KERNELS, name: "hashgrid_queries" }, { device, backend: be });
  });

  const vec3s = (ps: P[]) => wf.array(new Float32Array(ps.flat()), { dtype: wf.vec3, device });
  const host = (a: wf.WeftArray) => a.to("cpu").toTypedArray() as Int32Array;

  /** Checks cells, layout and point order of a built grid against the oracle. */
  function checkLayout(grid: wf.HashGrid, pts: P[], width: number) {
    const dims: P = [grid.dimX, grid.dimY, grid.dimZ];
    const n = pts.length;
    const want = pts.map((p) => cellOracle(p, width, dims));
    const cellsOut = wf.zeros(Math.max(n, 1), { dtype: wf.int32, device });
    wf.launch(m.kernels.cells, n, [grid, vec3s(pts.length ? pts : [[0, 0, 0]]), cellsOut], opts);
    expect(Array.from(host(cellsOut)).slice(0, n)).toEqual(want);
    // cellStarts: counts scanned; pointIds: by cell, then by index.
    const counts = new Array(grid.numCells).fill(0);
    for (const c of want) counts[c]++;
    const starts = [0];
    for (const c of counts) starts.push(starts[starts.length - 1] + c);
    expect(Array.from(host(grid.cellStarts))).toEqual(starts);
    const ids = Array.from({ length: n }, (_, i) => i).sort((a, b) => want[a] - want[b] || a - b);
    expect(Array.from(n ? host(grid.pointIds) : [])).toEqual(ids);
    const ord = wf.zeros(n + 2, { dtype: wf.int32, device });
    wf.launch(m.kernels.order, n + 2, [grid, ord], opts);
    expect(Array.from(host(ord))).toEqual([-1, ...ids, -1]);
  }

  /** Runs `neighbours` and compares every query with brute force. */
  function checkQueries(grid: wf.HashGrid, pts: P[], qs: P[], radius: number) {
    const cap = Math.max(1, pts.length);   // candidates are distinct points
    const nq = qs.length, n = pts.length;
    const count = wf.zeros(nq, { dtype: wf.int32, device }), ncand = wf.zeros(nq, { dtype: wf.int32, device });
    const found = wf.full([nq, cap], -1, { dtype: wf.int32, device }), cand = wf.full([nq, cap], -1, { dtype: wf.int32, device });
    wf.launch(m.kernels.neighbours, nq, [grid, vec3s(pts.length ? pts : [[0, 0, 0]]), vec3s(qs), radius, count, found, ncand, cand], opts);
    const c = host(count), nc = host(ncand), fo = host(found), ca = host(cand);
    let total = 0;
    for (let i = 0; i < nq; i++) {
      const got = Array.from(fo.subarray(i * cap, i * cap + Math.min(c[i], cap)));
      expect(c[i], `query ${i}: more neighbours than the test records`).toBeLessThanOrEqual(cap);
      expect(nc[i], `query ${i}: more candidates than the test records`).toBeLessThanOrEqual(cap);
      const cands = Array.from(ca.subarray(i * cap, i * cap + nc[i]));
      expect(new Set(cands).size, `query ${i}: a candidate came twice`).toBe(cands.length);
      expect(cands.every((j) => j >= 0 && j < n)).toBe(true);
      const inCands = new Set(cands);
      expect(got.every((j) => inCands.has(j))).toBe(true);
      expect(new Set(got).size).toBe(got.length);
      const sorted = [...got].sort((a, b) => a - b);
      if (be === "cuda") {
        // CUDA may contract dot() into FMAs: only pairs within 1e-5 relative of the radius may differ.
        const r2 = radius * radius;
        const strict = pts.map((p, j) => [p, j] as const).filter(([p]) => dist2(p, qs[i]) <= r2 * (1 - 1e-5)).map(([, j]) => j);
        const loose = new Set(pts.map((p, j) => [p, j] as const).filter(([p]) => dist2(p, qs[i]) <= r2 * (1 + 1e-5)).map(([, j]) => j));
        expect(strict.every((j) => got.includes(j)), `query ${i}: a neighbour is missing`).toBe(true);
        expect(got.every((j) => loose.has(j)), `query ${i}: a point outside the radius`).toBe(true);
      } else {
        const want = pts.map((p, j) => [p, j] as const).filter(([p]) => withinF32(p, qs[i], radius)).map(([, j]) => j);
        expect(sorted, `query ${i} at [${qs[i]}] radius ${radius}`).toEqual(want);
      }
      total += c[i];
    }
    for (const a of [count, ncand, found, cand]) a.dispose();
    return total;
  }

  it("random points with negative coordinates, around and outside the grid dims", () => {
    const n = small ? 150 : 4000;
    const pts = randomPoints(n, -3, 3, 7);
    const qs = [...randomPoints(small ? 30 : 600, -3.5, 3.5, 8), ...pts.slice(0, small ? 10 : 200)];
    // 4 x 5 x 3 cells of 0.5: the points span 12 cells per axis, so far cells alias onto near ones.
    const grid = new wf.HashGrid(4, 5, 3, gridOpts);
    grid.build(vec3s(pts), 0.5);
    expect(grid.numPoints).toBe(n);
    expect(grid.cellWidth).toBe(0.5);
    checkLayout(grid, pts, 0.5);
    let total = 0;
    for (const r of [0.2, 0.5, 0.9]) total += checkQueries(grid, pts, qs, r);
    expect(total).toBeGreaterThan(qs.length);
    grid.dispose();
  });

  it("points on and next to cell borders, exact and inexact cell widths", () => {
    for (const width of [0.25, 0.1, 3]) {
      const pts = borderPoints(width, small ? 2 : 6);
      const qs = [...pts, ...borderPoints(width, 2).map((p) => p.map((x) => f(x + 0.5 * width)) as P)];
      const grid = new wf.HashGrid(7, 3, 5, gridOpts);
      grid.build(vec3s(pts), width);
      checkLayout(grid, pts, width);
      // Radii that put neighbours exactly on the query sphere (multiples of the width).
      for (const r of [width, 0.5 * width, 2 * width]) checkQueries(grid, pts, qs, r);
      grid.dispose();
    }
  });

  it("duplicates, a crowded cell (heapsort) and a mostly empty grid", () => {
    const p0: P = [f(0.3), f(-0.7), f(1.1)];
    const dup = small ? 40 : 100;
    const pts: P[] = [...Array.from({ length: dup }, () => p0), ...randomPoints(small ? 20 : 300, -1, 1, 3), p0, p0];
    const grid = new wf.HashGrid(32, 32, 32, gridOpts);   // 32768 cells, nearly all empty
    grid.build(vec3s(pts), 0.25);
    checkLayout(grid, pts, 0.25);
    checkQueries(grid, pts, [p0, [0, 0, 0], [5, 5, 5], ...randomPoints(10, -1.2, 1.2, 4)], 0.3);
    grid.dispose();
  });

  it("radii wider than the whole grid visit each point once", () => {
    const pts = randomPoints(small ? 60 : 500, -2, 2, 11);
    const grid = new wf.HashGrid(3, 2, 4, gridOpts);
    grid.build(vec3s(pts), 0.5);
    // 8 cells of 0.5 per axis is wider than every dim: every point is a candidate, once.
    checkQueries(grid, pts, randomPoints(small ? 8 : 40, -1, 1, 12), 2.0);
    checkQueries(grid, pts, [[0, 0, 0]], 100);
    grid.dispose();
  });

  it("far points: large coordinates alias onto the dims, huge ones clamp to the outermost cells", () => {
    const near = randomPoints(small ? 40 : 300, -1, 1, 21);
    const far: P[] = toF32([[1e3, 1e3, 1e3], [1e3 + 0.1, 1e3, 1e3], [-1e5, 7, 2], [-1e5, 7.05, 2], [1e9, -1e9, 0], [1e9, -1e9, 0.1], [3e38, 0, 0]]);
    const pts = [...near, ...far];
    const grid = new wf.HashGrid(8, 8, 8, gridOpts);
    grid.build(vec3s(pts), 0.2);
    checkLayout(grid, pts, 0.2);
    checkQueries(grid, pts, [...far, ...near.slice(0, 10)], 0.25);
    grid.dispose();
  });

  it("an empty point set, queries before any build, and degenerate radii", () => {
    const grid = new wf.HashGrid(4, 4, 4, gridOpts);
    // Before a build every cell is empty.
    checkQueries(grid, [], [[0, 0, 0], [1, 2, 3]], 1);
    grid.build(wf.zeros(0, { dtype: wf.vec3, device }), 1);
    expect(grid.numPoints).toBe(0);
    checkLayout(grid, [], 1);
    checkQueries(grid, [], [[0, 0, 0]], 1);
    const pts = randomPoints(20, -1, 1, 5);
    grid.build(vec3s(pts), 0.5);
    // A zero radius finds only exact matches; negative and NaN radii find nothing.
    checkQueries(grid, pts, [pts[3], [9, 9, 9]], 0);
    const count = wf.zeros(2, { dtype: wf.int32, device }), nc = wf.zeros(2, { dtype: wf.int32, device });
    const buf = () => wf.zeros([2, 4], { dtype: wf.int32, device });
    wf.launch(m.kernels.neighbours, 2, [grid, vec3s(pts), vec3s([pts[0], pts[1]]), -1, count, buf(), nc, buf()], opts);
    expect(Array.from(host(nc))).toEqual([0, 0]);
    wf.launch(m.kernels.neighbours, 2, [grid, vec3s(pts), vec3s([pts[0], pts[1]]), NaN, count, buf(), nc, buf()], opts);
    expect(Array.from(host(nc))).toEqual([0, 0]);
    grid.dispose();
  });

  it("rebuilds after the points move (same buffers, new layout), and grows past its capacity", () => {
    const n = small ? 80 : 2000;
    const pts = randomPoints(n, 0, 4, 31);
    const x = vec3s(pts);
    const grid = new wf.HashGrid(6, 6, 6, gridOpts);
    grid.build(x, 0.4);
    const qs = randomPoints(small ? 12 : 200, 0, 4, 32);
    checkQueries(grid, pts, qs, 0.4);
    const moved = toF32(pts.map((p, i) => [p[0] - 2.5 + 0.01 * (i % 7), p[2], -p[1]] as P));
    x.assign(new Float32Array(moved.flat()));
    grid.build(x, 0.4);
    checkLayout(grid, moved, 0.4);
    checkQueries(grid, moved, qs.map((q) => [q[0] - 2.5, q[2], -q[1]] as P), 0.4);
    // More points than before: the scratch arrays grow; a new cell width.
    const more = [...moved, ...randomPoints(n, -1, 1, 33)];
    grid.build(vec3s(more), 0.3);
    expect(grid.capacity).toBeGreaterThanOrEqual(more.length);
    checkLayout(grid, more, 0.3);
    checkQueries(grid, more, qs.slice(0, 10), 0.3);
    grid.dispose();
  });

  it("the scan over many levels (small blocks) gives the same layout", () => {
    const pts = randomPoints(small ? 100 : 3000, -2, 2, 41);
    for (const scanBlock of [2, 3, 7]) {
      const grid = new wf.HashGrid(9, 5, 7, { ...gridOpts, scanBlock });
      grid.build(vec3s(pts), 0.3);
      checkLayout(grid, pts, 0.3);
      grid.dispose();
    }
  });
});
