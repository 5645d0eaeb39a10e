// Behaviour of compiled kernels: each kernel runs in the reference interpreter and is compared with
// the same computation written in plain TypeScript.

import { describe, expect, test } from "vitest";
import { F32, I32, U32, vec } from "../engine/ir/types.js";
import { Mem, run } from "./fixtures/lang/run.js";

const f = Math.fround;
const VEC3 = vec(3);

describe("frontend kernels in the interpreter", () => {
  test("integrate particles (vectors, scalars, literal adaptation)", () => {
    const src = `import { tid, Array, vec3, f32 } from "weft/kernels";
@kernel
export function integrate(x: Array<vec3>, v: Array<vec3>, f: Array<vec3>, invMass: Array<f32>, gravity: vec3, dt: f32): void {
  const i = tid();
  const vNew = v[i] + (f[i] * invMass[i] + gravity) * dt;
  x[i] = x[i] + vNew * dt;
  v[i] = vNew;
}`;
    const m = new Mem();
    const n = 4;
    const X = Array.from({ length: 3 * n }, (_, k) => k * 0.5), V = Array.from({ length: 3 * n }, (_, k) => 1 - k * 0.25);
    const F = Array.from({ length: 3 * n }, (_, k) => (k % 3) - 1), W = [1, 2, 0.5, 0.25];
    const x = m.array(VEC3, [n], X), v = m.array(VEC3, [n], V), fa = m.array(VEC3, [n], F), w = m.array(F32, [n], W);
    const g = [0, -9.8, 0], dt = 0.01;
    run(src, "integrate", [n], [x, v, fa, w, g.map(f), f(dt)], m);
    const xo = m.read(x), vo = m.read(v);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) {
      const k = 3 * i + c;
      const vn = f(f(V[k]) + f(f(f(f(F[k]) * f(W[i])) + f(g[c])) * f(dt)));
      expect(vo[k]).toBe(vn);
      expect(xo[k]).toBe(f(f(X[k]) + f(vn * f(dt))));
    }
  });

  test("loops, break/continue, compound ops, ternary, && / ||, do-while, switch", () => {
    const src = `
@kernel export function k(out: Array<i32>, n: i32): void {
  const i = tid();
  let acc = 0;
  for (let j = 0; j < n; j++) {
    if (j % 3 == 1) continue;
    if (j > 7) break;
    acc += j * i;
  }
  let w = 0;
  while (w * w < i * 5) w++;
  let d = 0;
  do { d += 2; } while (d < i);
  let s = 0;
  switch (i % 4) {
    case 0: s = 10; break;
    case 1: s = 20;
    case 2: s += 5; break;
    default: s = -1;
  }
  const t = i > 2 && acc > 10 ? acc >> 1 : (i == 0 || n < 0 ? 7 : acc ^ 3);
  out[i] = acc * 1000000 + w * 10000 + d * 100 + s + t * 0;
  out[i] += t << 24 >>> 24 > 0 ? 0 : 0;
}`;
    const m = new Mem();
    const N = 8;
    const out = m.array(I32, [N]);
    run(src, "k", [N], [out, 12], m);
    const got = m.read(out);
    for (let i = 0; i < N; i++) {
      let acc = 0;
      for (let j = 0; j < 12; j++) { if (j % 3 === 1) continue; if (j > 7) break; acc += j * i; }
      let w = 0; while (w * w < i * 5) w++;
      let d = 0; do { d += 2; } while (d < i);
      let s = 0;
      switch (i % 4) { case 0: s = 10; break; case 1: s = 20; case 2: s += 5; break; default: s = -1; }
      expect(got[i]).toBe(acc * 1000000 + w * 10000 + d * 100 + s);
    }
  });

  test("@func overloads, struct state updated by a @func, hash-grid-style query loop", () => {
    const src = `
@struct class Query { cell: i32; index: i32; count: i32; sum: f32; }
@func function next(q: Query, starts: Array<i32>, vals: Array<f32>): Query {
  let r = q;
  r.sum += vals[starts[q.cell] + q.index];
  r.index++;
  r.count++;
  return r;
}
@func function weight(x: f32): f32 { return x * 2; }
@func function weight(x: i32): f32 { return f32(x) * 0.5; }
@kernel export function gather(starts: Array<i32>, counts: Array<i32>, vals: Array<f32>, out: Array<f32>): void {
  const c = tid();
  let q: Query = { cell: c, index: 0, count: 0, sum: 0 };
  while (q.index < counts[c]) {
    q = next(q, starts, vals);
  }
  out[c] = weight(q.sum) + weight(q.count);
}`;
    const m = new Mem();
    const starts = [0, 2, 2, 5], counts = [2, 0, 3, 1], vals = [1, 2, 3, 4, 5, 6];
    const s = m.array(I32, [4], starts), c = m.array(I32, [4], counts), v = m.array(F32, [6], vals), o = m.array(F32, [4]);
    run(src, "gather", [4], [s, c, v, o], m);
    const got = m.read(o);
    for (let k = 0; k < 4; k++) {
      let sum = 0;
      for (let j = 0; j < counts[k]; j++) sum += vals[starts[k] + j];
      expect(got[k]).toBe(f(sum * 2 + counts[k] * 0.5));
    }
  });

  test("BVH-like traversal with a StaticArray<i32>(32) stack", () => {
    // Nodes: [lo, hi, left, right] (leaf when left < 0: right = primitive). Count leaves whose
    // interval contains the query point.
    const src = `
const STACK: i32 = 32;
@kernel export function query(nodes: Array2D<f32>, pts: Array<f32>, hits: Array<i32>): void {
  const t = tid();
  const p = pts[t];
  const stack = new StaticArray<i32>(STACK);
  let top = 0;
  stack[top++] = 0;
  let count = 0;
  while (top > 0) {
    const n = stack[--top];
    if (p < nodes[n, 0] || p > nodes[n][1]) continue;
    const left = i32(nodes[n, 2]);
    if (left < 0) { count++; continue; }
    stack[top] = left;
    top += 1;
    stack[top++] = i32(nodes[n, 3]);
  }
  hits[t] = count;
}`;
    const nodes = [
      [0, 10, 1, 2], [0, 5, 3, 4], [5, 10, 5, 6],
      [0, 3, -1, 0], [2, 5, -1, 1], [5, 8, -1, 2], [7, 10, -1, 3],
    ];
    const pts = [-1, 0.5, 2.5, 5, 7.5, 9, 11];
    const m = new Mem();
    const na = m.array(F32, [7, 4], nodes.flat()), pa = m.array(F32, [pts.length], pts), ha = m.array(I32, [pts.length]);
    run(src, "query", [pts.length], [na, pa, ha], m);
    const want = pts.map((p) => {
      let c = 0;
      const st = [0];
      while (st.length) {
        const n = st.pop()!;
        if (p < nodes[n][0] || p > nodes[n][1]) continue;
        if (nodes[n][2] < 0) { c++; continue; }
        st.push(nodes[n][2], nodes[n][3]);
      }
      return c;
    });
    expect(m.read(ha)).toEqual(want);
  });

  test("raw typed reads: load<f32>(buf, off) and loadAt<T>", () => {
    const src = `
@kernel export function k(buf: Array<u32>, out: Array<f32>, outi: Array<i32>): void {
  const i = tid();
  out[i] = load<f32>(buf, i * 4) + loadAt<f32>(buf, 16, i);
  outi[i] = load<i32>(buf, 32 + i * 4);
}`;
    const m = new Mem();
    const words = new Uint32Array(12);
    const fv = new Float32Array(words.buffer);
    for (let k = 0; k < 8; k++) fv[k] = k * 1.5;
    words[8] = 7; words[9] = 0xffffffff; words[10] = 3; words[11] = 9;
    const buf = m.array(U32, [12], [...words]), out = m.array(F32, [4]), oi = m.array(I32, [4]);
    run(src, "k", [4], [buf, out, oi], m);
    expect(m.read(out)).toEqual([0, 1, 2, 3].map((i) => f(fv[i] + fv[4 + i])));
    expect(m.read(oi)).toEqual([7, -1, 3, 9]);
  });

  test("atomics, 2-D launch, struct arrays with field writes, matrices, print", () => {
    const src = `
@struct class Cell { mass: f32; pos: vec3; id: i32; }
@kernel export function k(grid: Array2D<f32>, total: Array<f32>, counts: Array<i32>, cells: Array<Cell>, m: mat33, outv: Array<vec3>): void {
  const [i, j] = tid();
  const v = grid[i, j];
  atomicAdd(total, 0, v);
  atomicMax(counts, 0, i * 10 + j);
  atomicAdd(counts, 1, 1);
  if (j == 0) {
    cells[i].mass = v;
    cells[i].pos.y = f32(i);
    cells[i].id = i + 100;
    cells[i].pos = vec3(cells[i].pos.x, f32(i), 0);
    let r = m[i];
    r[1] = m[i][2] + 1.0;
    outv[i] = m * r;
    print("cell %d %f", i, v);
  }
}`;
    const mem = new Mem();
    const G = [[1, 2], [3, 4], [5, 6]];
    const grid = mem.array(F32, [3, 2], G.flat()), total = mem.array(F32, [1]), counts = mem.array(I32, [2]);
    const CELL = { k: "struct" as const, name: "Cell", fields: [{ name: "mass", type: F32 }, { name: "pos", type: VEC3 }, { name: "id", type: I32 }] };
    const cells = mem.array(CELL, [3]), outv = mem.array(VEC3, [3]);
    const M = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const printed: string[] = [];
    run(src, "k", [3, 2], [grid, total, counts, cells, M, outv], mem, (s) => printed.push(s));
    expect(m0(mem.read(total))).toBe(21);
    expect(mem.read(counts)).toEqual([21, 6]);
    expect(mem.read(cells)).toEqual([1, 0, 0, 0, 100, 3, 0, 1, 0, 101, 5, 0, 2, 0, 102]);
    const want: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = [M[3 * i], M[3 * i + 2] + 1, M[3 * i + 2]];
      for (let a = 0; a < 3; a++) want.push(M[3 * a] * r[0] + M[3 * a + 1] * r[1] + M[3 * a + 2] * r[2]);
    }
    expect(mem.read(outv)).toEqual(want);
    expect(printed.map((s) => s.trim())).toEqual(["cell 0 1.000000", "cell 1 3.000000", "cell 2 5.000000"]);
  });

  test("value semantics, dynamic components, selects of vectors, fixed arrays of structs, u32/i64 arithmetic", () => {
    const src = `
@struct class S { a: f32; v: vec3; }
@kernel export function k(out: Array<f32>, outu: Array<u32>, outl: Array<i64>): void {
  const i = tid();
  let q: S = { a: 1, v: vec3(1, 2, 3) };
  let r = q;
  r.v.y = 10;
  r.a += 1;
  let v = vec3(0);
  v[i % 3] = 5;
  let m = mat33();
  m[i % 3][(i + 1) % 3] = 7;
  const w = i > 1 ? vec3(1, 2, 3) : v.zyx;
  const arr = new StaticArray<S>(3);
  arr[i % 3].v.z = 4;
  arr[(i + 1) % 3] = r;
  const row = m[i % 3];
  out[i] = q.v.y + r.v.y * 100 + r.a * 1000 + v[i % 3] * 10000 + row[(i + 1) % 3] * 100000
    + w.x * 1000000 + arr[i % 3].v.z * 10000000 + arr[(i + 1) % 3].a;
  let h: u32 = u32(i) * 0x9e3779b9;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  outu[i] = h;
  let big: i64 = i64(i) << 40;
  big -= 3;
  outl[i] = big / 7;
}`;
    const m = new Mem();
    const out = m.array(F32, [4]), outu = m.array(U32, [4]), outl = m.array({ k: "scalar", s: "i64" }, [4]);
    run(src, "k", [4], [out, outu, outl], m);
    const got = m.read(out), gu = m.read(outu), gl = m.read(outl);
    for (let i = 0; i < 4; i++) {
      const v = [0, 0, 0]; v[i % 3] = 5;
      const w = i > 1 ? [1, 2, 3] : [v[2], v[1], v[0]];
      const terms = [2, 10 * 100, 2 * 1000, 5 * 10000, 7 * 100000, w[0] * 1000000, 4 * 10000000, 2];
      expect(got[i]).toBe(terms.reduce((a, b) => f(a + b)));
      let h = Math.imul(i, 0x9e3779b9) >>> 0;
      h = (h ^ (h >>> 16)) >>> 0;
      h = Math.imul(h, 0x85ebca6b) >>> 0;
      expect(gu[i]).toBe(h);
      expect(gl[i]).toBe(((BigInt(i) << 40n) - 3n) / 7n);
    }
  });
});

function m0(a: any[]) { return a[0]; }

import { readFileSync } from "node:fs";
const fixture = (name: string) => readFileSync(new URL(`./fixtures/lang/kernels/${name}`, import.meta.url), "utf8");

describe("fixture kernels in the interpreter", () => {
  test("hash-grid neighbour counts equal brute force", () => {
    const DIM = 16, R = 0.3, N = 40;
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const P = Array.from({ length: N }, () => [rnd() * 1.5 - 0.2, rnd() * 1.5, rnd() * 1.5].map(f));
    const hash = (c: number[]) => {
      const m = c.map((x) => ((x % DIM) + DIM) % DIM);
      return (m[2] * DIM + m[1]) * DIM + m[0];
    };
    const inv = f(1 / R);
    const cell = (p: number[]) => p.map((x) => Math.floor(f(x * inv)));
    const buckets: number[][] = Array.from({ length: DIM ** 3 }, () => []);
    P.forEach((p, i) => buckets[hash(cell(p))].push(i));
    const starts: number[] = [], ends: number[] = [], sorted: number[] = [];
    for (const b of buckets) { starts.push(sorted.length); sorted.push(...b); ends.push(sorted.length); }
    const m = new Mem();
    const pts = m.array(VEC3, [N], P.flat()), st = m.array(I32, [DIM ** 3], starts), en = m.array(I32, [DIM ** 3], ends);
    const so = m.array(I32, [N], sorted), counts = m.array(I32, [N]), total = m.array(I32, [1]);
    run(fixture("hashgrid.ts"), "countNeighbors", [N], [pts, st, en, so, f(R), counts, total], m);
    const want = P.map((p, i) => P.filter((q, j) => {
      if (j === i) return false;
      const d = [0, 1, 2].map((k) => f(q[k] - p[k]));
      return f(f(f(d[0] * d[0]) + f(d[1] * d[1])) + f(d[2] * d[2])) <= f(R * R);
    }).length);
    expect(want.some((c) => c > 0)).toBe(true);
    expect(m.read(counts)).toEqual(want);
    expect(m.read(total)[0]).toBe(want.reduce((a, b) => a + b, 0));
  });

  test("NanoVDB-style raw reads sample a toy tree", () => {
    const leafBytes = 64 + 512 * 4;
    const words = new Uint32Array((320 + 2 * leafBytes) / 4);
    const fl = new Float32Array(words.buffer), iv = new Int32Array(words.buffer);
    fl[0] = -1; // background
    for (let s = 0; s < 64; s++) iv[16 + s] = -1;
    const leafAt = [320, 320 + leafBytes];
    iv[16 + 0] = leafAt[0];                 // root cell (0,0,0)
    iv[16 + (1 * 4 + 2) * 4 + 3] = leafAt[1]; // root cell (3,2,1)
    const setVoxel = (leaf: number, l: number, v: number) => {
      words[(leaf >> 2) + (l >> 5)] |= 1 << (l & 31);
      fl[(leaf + 64 >> 2) + l] = v;
    };
    const lin = (x: number, y: number, z: number) => ((z & 7) * 8 + (y & 7)) * 8 + (x & 7);
    setVoxel(leafAt[0], lin(1, 2, 3), 5.5);
    setVoxel(leafAt[0], lin(7, 7, 7), 2.25);
    setVoxel(leafAt[1], lin(25, 17, 9), 9);
    const pts = [[1.5, 2.2, 3.9], [7.1, 7.9, 7.5], [25.5, 17.5, 9.5], [0.5, 0.5, 0.5], [40, 1, 1], [-3, 1, 1], [12, 12, 12]];
    const m = new Mem();
    const buf = m.array(U32, [words.length], [...words]), pa = m.array(VEC3, [pts.length], pts.flat());
    const out = m.array(F32, [pts.length]), active = m.array(U32, [pts.length]);
    run(fixture("nanovdb.ts"), "sampleNearest", [pts.length], [buf, pa, out, active], m);
    expect(m.read(out)).toEqual([5.5, 2.25, 9, -1, -1, -1, -1]);
    expect(m.read(active)).toEqual([2, 2, 1, 2, 0, 0, 0]);
  });

  test("SPH density matches a plain-TypeScript reference", () => {
    const N = 6;
    const X = Array.from({ length: N }, (_, i) => [0.03 * i, 0.02 * (i % 2), 0.01 * i].map(f));
    const m = new Mem();
    const x = m.array(VEC3, [N], X.flat()), rho = m.array(F32, [N]);
    run(fixture("sph.ts"), "density", [N], [x, rho, N], m);
    const h = 0.1, mass = 0.02;
    const poly6 = (r2: number) => (r2 >= h * h ? 0 : (315 / (64 * Math.PI * h ** 9)) * (h * h - r2) ** 3);
    const got = m.read(rho);
    X.forEach((p, i) => {
      let s = 0;
      for (const q of X) s += mass * poly6((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2);
      expect(got[i] / s).toBeCloseTo(1, 4);
    });
  });
});
