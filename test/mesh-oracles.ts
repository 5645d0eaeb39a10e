// Brute-force oracles for the mesh and BVH tests, in plain TypeScript (f64), independent of the
// kernel library: closest point over every triangle, ray against every triangle, exact box-overlap
// sets, and the exact generalized winding number. Plus the test meshes.
import { createRequire } from "node:module";

export type V3 = [number, number, number];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: V3, b: V3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const mul = (a: V3, s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (a: V3) => Math.sqrt(dot(a, a));

export interface TestMesh { name: string; points: Float32Array; indices: Int32Array; closed: boolean }

export function vertex(m: TestMesh, f: number, k: number): V3 {
  const v = m.indices[3 * f + k];
  return [m.points[3 * v], m.points[3 * v + 1], m.points[3 * v + 2]];
}

/** Closest point on a triangle (f64 reference: project to the plane, else nearest edge point). */
export function closestOnTriangle(p: V3, a: V3, b: V3, c: V3): V3 {
  const n = cross(sub(b, a), sub(c, a));
  const nn = dot(n, n);
  if (nn > 0) {
    const q = sub(p, mul(n, dot(sub(p, a), n) / nn));
    // Inside test by barycentrics of q.
    const v0 = sub(b, a), v1 = sub(c, a), v2 = sub(q, a);
    const d00 = dot(v0, v0), d01 = dot(v0, v1), d11 = dot(v1, v1), d20 = dot(v2, v0), d21 = dot(v2, v1);
    const den = d00 * d11 - d01 * d01;
    const bv = (d11 * d20 - d01 * d21) / den, bw = (d00 * d21 - d01 * d20) / den;
    if (bv >= 0 && bw >= 0 && bv + bw <= 1) return q;
  }
  let best = a, bd = Infinity;
  for (const [s, e] of [[a, b], [b, c], [c, a]] as [V3, V3][]) {
    const d = sub(e, s), l2 = dot(d, d);
    const t = l2 > 0 ? Math.min(1, Math.max(0, dot(sub(p, s), d) / l2)) : 0;
    const q = add(s, mul(d, t)), dq = norm(sub(p, q));
    if (dq < bd) { bd = dq; best = q; }
  }
  return best;
}

/** Distance from p to every face. */
export function faceDistances(m: TestMesh, p: V3): Float64Array {
  const nf = m.indices.length / 3, out = new Float64Array(nf);
  for (let f = 0; f < nf; f++) out[f] = norm(sub(p, closestOnTriangle(p, vertex(m, f, 0), vertex(m, f, 1), vertex(m, f, 2))));
  return out;
}

/** Ray parameter of the hit with each face (Infinity for a miss), f64 Möller-Trumbore. */
export function rayFaceHits(m: TestMesh, o: V3, d: V3, maxT: number): Float64Array {
  const nf = m.indices.length / 3, out = new Float64Array(nf).fill(Infinity);
  for (let f = 0; f < nf; f++) {
    const a = vertex(m, f, 0), e1 = sub(vertex(m, f, 1), a), e2 = sub(vertex(m, f, 2), a);
    const pv = cross(d, e2), det = dot(e1, pv);
    if (Math.abs(det) < 1e-14) continue;
    const tv = sub(o, a), u = dot(tv, pv) / det;
    if (u < -1e-9 || u > 1 + 1e-9) continue;
    const qv = cross(tv, e1), v = dot(d, qv) / det;
    if (v < -1e-9 || u + v > 1 + 1e-9) continue;
    const t = dot(e2, qv) / det;
    if (t >= 0 && t <= maxT) out[f] = t;
  }
  return out;
}

/** Faces whose f32 bounding boxes overlap [lo, hi] (touching counts), ascending. */
export function aabbFaces(m: TestMesh, lo: V3, hi: V3): number[] {
  const out: number[] = [];
  const nf = m.indices.length / 3;
  for (let f = 0; f < nf; f++) {
    const vs = [0, 1, 2].map((k) => vertex(m, f, k));
    let ok = true;
    for (let a = 0; a < 3; a++) {
      const fl = Math.min(vs[0][a], vs[1][a], vs[2][a]), fh = Math.max(vs[0][a], vs[1][a], vs[2][a]);
      if (fl > hi[a] || lo[a] > fh) ok = false;
    }
    if (ok) out.push(f);
  }
  return out;
}

/** Boxes (flat lowers/uppers) overlapping [lo, hi], ascending. */
export function boxOverlaps(lowers: Float32Array, uppers: Float32Array, lo: V3, hi: V3): number[] {
  const out: number[] = [];
  for (let i = 0; i < lowers.length / 3; i++) {
    let ok = true;
    for (let a = 0; a < 3; a++) if (lowers[3 * i + a] > hi[a] || lo[a] > uppers[3 * i + a]) ok = false;
    if (ok) out.push(i);
  }
  return out;
}

/** Exact generalized winding number: Σ solid angles / 4π. */
export function windingNumber(m: TestMesh, p: V3): number {
  let w = 0;
  for (let f = 0; f < m.indices.length / 3; f++) {
    const a = sub(vertex(m, f, 0), p), b = sub(vertex(m, f, 1), p), c = sub(vertex(m, f, 2), p);
    const la = norm(a), lb = norm(b), lc = norm(c);
    w += 2 * Math.atan2(dot(a, cross(b, c)), la * lb * lc + dot(a, b) * lc + dot(a, c) * lb + dot(b, c) * la);
  }
  return w / (4 * Math.PI);
}

// --- meshes -------------------------------------------------------------------------------------------
export function cube(): TestMesh {
  const points = Float32Array.from([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1]);
  // Outward, counter-clockwise seen from outside.
  const indices = Int32Array.from([
    0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4, 2, 3, 7, 2, 7, 6, 1, 2, 6, 1, 6, 5, 0, 4, 7, 0, 7, 3,
  ]);
  return { name: "cube", points, indices, closed: true };
}

export function tetra(): TestMesh {
  const points = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const indices = Int32Array.from([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);
  return { name: "tetra", points, indices, closed: true };
}

/** A strip with degenerate faces: repeated vertices, collinear vertices, a zero-area sliver. */
export function degenerate(): TestMesh {
  const points = Float32Array.from([0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 1, 1, 0, 0.5, 0.5, 0.25]);
  const indices = Int32Array.from([0, 1, 4, 0, 4, 3, 0, 1, 2, 1, 1, 1, 3, 3, 4, 1, 2, 4, 0, 4, 5]);
  return { name: "degenerate", points, indices, closed: false };
}

let bunnyCache: TestMesh | null = null;
/** The Stanford bunny from npm `bunny`, scaled into about [-1, 1]. */
export function bunny(): TestMesh {
  if (bunnyCache) return bunnyCache;
  const require = createRequire(import.meta.url);
  const b = require("bunny") as { positions: number[][]; cells: number[][] };
  const lo = [0, 1, 2].map((a) => Math.min(...b.positions.map((p) => p[a])));
  const hi = [0, 1, 2].map((a) => Math.max(...b.positions.map((p) => p[a])));
  const c = lo.map((l, a) => 0.5 * (l + hi[a])), s = 2 / Math.max(...hi.map((h, a) => h - lo[a]));
  const points = Float32Array.from(b.positions.flatMap((p) => p.map((x, a) => (x - c[a]) * s)));
  bunnyCache = { name: "bunny", points, indices: Int32Array.from(b.cells.flat()), closed: false };
  return bunnyCache;
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8) / 16777216;
}

export function randomPoints(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: 3 * n }, () => lo + (hi - lo) * r());
}
