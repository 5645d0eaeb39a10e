// Mesh queries from the kernel library (kernels-as/lib/mesh.ts) on every backend, against brute-force
// oracles in plain TypeScript (test/mesh-oracles.ts): closest point (face exact where the closest
// face is unique, else one of the tied faces; distance to 1e-5), both signs against the exact winding
// number, ray casts (face and t), AABB overlap sets (exact), evaluation at barycentrics. Synthetic
// meshes (cube, tetra, degenerate faces, points exactly on vertices and edges) and the bunny.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";
import {
  TestMesh, V3, aabbFaces, bunny, cube, degenerate, faceDistances, randomPoints, rayFaceHits, rng, tetra, windingNumber,
} from "./mesh-oracles.js";

const KERNELS = `
import { tid, Array, Array2D, vec2, vec3, f32, i32, Mesh, meshQueryPointNoSign, meshQueryPointSignNormal, meshQueryPoint, meshQueryRay, meshQueryAabb, meshQueryAabbNext, meshEvalPosition } from "weft/kernels";

@kernel
export function closest(mesh: Mesh, ps: Array<vec3>, maxDist: f32, face: Array<i32>, dist: Array<f32>, uv: Array<vec2>, signN: Array<f32>, signW: Array<f32>, pos: Array<vec3>): void {
  const i = tid();
  const q = meshQueryPointNoSign(mesh, ps[i], maxDist);
  face[i] = q.face;
  dist[i] = q.distance;
  uv[i] = vec2(q.u, q.v);
  if (q.hit) pos[i] = meshEvalPosition(mesh, q.face, q.u, q.v);
  signN[i] = meshQueryPointSignNormal(mesh, ps[i], maxDist).sign;
  signW[i] = meshQueryPoint(mesh, ps[i], maxDist).sign;
}

@kernel
export function ray(mesh: Mesh, origins: Array<vec3>, dirs: Array<vec3>, maxT: f32, face: Array<i32>, t: Array<f32>, uv: Array<vec2>, normal: Array<vec3>, front: Array<i32>, pos: Array<vec3>): void {
  const i = tid();
  const q = meshQueryRay(mesh, origins[i], dirs[i], maxT);
  face[i] = q.face;
  t[i] = q.t;
  uv[i] = vec2(q.u, q.v);
  normal[i] = q.normal;
  front[i] = q.front ? 1 : 0;
  if (q.hit) pos[i] = meshEvalPosition(mesh, q.face, q.u, q.v);
}

@kernel
export function aabb(mesh: Mesh, lo: Array<vec3>, hi: Array<vec3>, count: Array<i32>, faces: Array2D<i32>): void {
  const i = tid();
  let q = meshQueryAabb(mesh, lo[i], hi[i]);
  let c = 0;
  while (q.face >= 0) {
    if (c < faces.shape[1]) faces[i, c] = q.face;
    c += 1;
    q = meshQueryAabbNext(q);
  }
  count[i] = c;
}
`;

const f32 = Math.fround;
const sizes = { interp: { q: 24, r: 24 }, wasm: { q: 1500, r: 1500 }, cuda: { q: 4000, r: 4000 } };

describe.each(BACKEND_NAMES)("mesh queries on %s", (be) => {
  let m: wf.Module;
  const device = deviceFor(be);
  const opts = { backend: be, device } as const;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: KERNELS, name: "mesh_queries" }, { device, backend: be });
  });

  /** Runs `closest` for points; returns per-query results. */
  function closest(mesh: wf.Mesh, ps: Float32Array, maxDist = 1e6) {
    const n = ps.length / 3;
    const out = {
      face: wf.zeros(n, { dtype: wf.int32, device }), dist: wf.zeros(n, { device }), uv: wf.zeros(n, { dtype: wf.vec2, device }),
      signN: wf.zeros(n, { device }), signW: wf.zeros(n, { device }), pos: wf.zeros(n, { dtype: wf.vec3, device }),
    };
    const p = wf.array(ps, { dtype: wf.vec3, device });
    wf.launch(m.kernels.closest, n, [mesh, p, maxDist, out.face, out.dist, out.uv, out.signN, out.signW, out.pos], opts);
    const r = Object.fromEntries(Object.entries(out).map(([k, a]) => [k, a.to("cpu").toTypedArray()])) as Record<keyof typeof out, any>;
    return r;
  }

  function checkClosest(tm: TestMesh, ps: Float32Array, maxDist = 1e6) {
    const mesh = new wf.Mesh({ points: tm.points, indices: tm.indices, device });
    const r = closest(mesh, ps, maxDist);
    for (let i = 0; i < ps.length / 3; i++) {
      const p: V3 = [ps[3 * i], ps[3 * i + 1], ps[3 * i + 2]];
      const d = faceDistances(tm, p);
      const best = Math.min(...d);
      const where = `${tm.name} query ${i} at (${p})`;
      if (best > maxDist + 1e-6) { expect(r.face[i], where).toBe(-1); continue; }
      if (best > maxDist - 1e-6) continue;
      expect(r.face[i], where).toBeGreaterThanOrEqual(0);
      expect(Math.abs(r.dist[i] - best), where).toBeLessThan(1e-5);
      // The face is exact when it is the unique closest; otherwise one of the (numerically) tied ones.
      const tied = Array.from(d.keys()).filter((f) => d[f] <= best + 1e-5);
      if (tied.length === 1) expect(r.face[i], where).toBe(tied[0]);
      else expect(tied, where).toContain(r.face[i]);
      // (u, v) evaluate to a point at that distance.
      const q = [r.pos[3 * i], r.pos[3 * i + 1], r.pos[3 * i + 2]];
      expect(Math.abs(Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) - best), where).toBeLessThan(2e-5);
      if (tm.closed && best > 1e-4) {
        const inside = windingNumber(tm, p) > 0.5;
        expect(r.signN[i], `${where}: pseudonormal sign`).toBe(inside ? -1 : 1);
        expect(r.signW[i], `${where}: winding sign`).toBe(inside ? -1 : 1);
      }
      if (!tm.closed && best > 1e-3) {
        const w = windingNumber(tm, p);
        if (Math.abs(w - 0.5) > 0.15) expect(r.signW[i], `${where}: winding sign (w = ${w})`).toBe(w > 0.5 ? -1 : 1);
      }
    }
    mesh.dispose();
  }

  it("closest point on the cube and tetra: random points inside and out, exact vertices, edges, face centers", () => {
    for (const tm of [cube(), tetra()]) {
      const special: number[] = [];
      const nv = tm.points.length / 3;
      for (let v = 0; v < nv; v++) special.push(tm.points[3 * v], tm.points[3 * v + 1], tm.points[3 * v + 2]);
      for (let f = 0; f < tm.indices.length / 3; f++) {
        const a = tm.indices[3 * f], b = tm.indices[3 * f + 1];
        for (let k = 0; k < 3; k++) special.push(f32(0.5 * (tm.points[3 * a + k] + tm.points[3 * b + k])));
      }
      // Points just outside each vertex along the diagonal, and exactly on an edge's extension.
      special.push(-0.25, -0.25, -0.25, 1.5, 1.5, 1.5, 0.5, -1, -1, 0.25, 0.25, 0.25, 0.1, 0.2, 0.3);
      checkClosest(tm, Float32Array.from([...special, ...randomPoints(be === "interp" ? 12 : 300, -0.7, 1.7, 5)]));
    }
  });

  it("closest point on degenerate faces (repeated and collinear vertices)", () => {
    checkClosest(degenerate(), Float32Array.from([...randomPoints(be === "interp" ? 16 : 300, -0.5, 2.5, 11), 1, 0, 0, 1.5, 0, 0, 2, 0, 0]));
  });

  it("closest point on the bunny, and maxDist cut-offs", () => {
    const b = bunny();
    checkClosest(b, randomPoints(sizes[be].q, -1.3, 1.3, 21));
    checkClosest(b, randomPoints(be === "interp" ? 8 : 200, -1.3, 1.3, 22), 0.05);
  });

  it("ray casts on the cube (axis-aligned, through edges and vertices) and the bunny", () => {
    for (const [tm, n] of [[cube(), be === "interp" ? 24 : 400], [bunny(), sizes[be].r]] as [TestMesh, number][]) {
      const mesh = new wf.Mesh({ points: tm.points, indices: tm.indices, device });
      const R = rng(31);
      const os: number[] = [], ds: number[] = [];
      // Axis-aligned rays through grid points of the cube faces (edges, vertices, centers).
      for (const x of [0, 0.25, 0.5, 1]) for (const y of [0, 0.5, 1]) { os.push(x, y, -2); ds.push(0, 0, 1); os.push(x, 3, y); ds.push(0, -1, 0); }
      while (os.length < 3 * n) {
        const o = [0, 1, 2].map(() => (R() - 0.5) * 6), target = [0, 1, 2].map(() => (R() - 0.5) * 1.6);
        os.push(...o); ds.push(...target.map((t, k) => t - o[k]));
      }
      const N = os.length / 3, maxT = 10;
      const out = {
        face: wf.zeros(N, { dtype: wf.int32, device }), t: wf.zeros(N, { device }), uv: wf.zeros(N, { dtype: wf.vec2, device }),
        normal: wf.zeros(N, { dtype: wf.vec3, device }), front: wf.zeros(N, { dtype: wf.int32, device }), pos: wf.zeros(N, { dtype: wf.vec3, device }),
      };
      wf.launch(m.kernels.ray, N, [mesh, wf.array(os, { dtype: wf.vec3, device }), wf.array(ds, { dtype: wf.vec3, device }), maxT,
        out.face, out.t, out.uv, out.normal, out.front, out.pos], opts);
      const r = Object.fromEntries(Object.entries(out).map(([k, a]) => [k, a.to("cpu").toTypedArray()])) as Record<string, any>;
      let hits = 0;
      for (let i = 0; i < N; i++) {
        const o: V3 = [f32(os[3 * i]), f32(os[3 * i + 1]), f32(os[3 * i + 2])], d: V3 = [f32(ds[3 * i]), f32(ds[3 * i + 1]), f32(ds[3 * i + 2])];
        const ts = rayFaceHits(tm, o, d, maxT);
        const best = Math.min(...ts);
        const where = `${tm.name} ray ${i} o=(${o}) d=(${d})`;
        if (!Number.isFinite(best)) { expect(r.face[i], where).toBe(-1); continue; }
        hits++;
        expect(r.face[i], where).toBeGreaterThanOrEqual(0);
        expect(Math.abs(r.t[i] - best), where).toBeLessThan(1e-5 * Math.max(1, best));
        const tied = Array.from(ts.keys()).filter((f) => ts[f] <= best + 1e-5 * Math.max(1, best));
        if (tied.length === 1) expect(r.face[i], where).toBe(tied[0]);
        else expect(tied, where).toContain(r.face[i]);
        // Hit point from (u, v) lies on the ray at t; the normal is the face's; front means facing the ray.
        for (let k = 0; k < 3; k++) expect(Math.abs(r.pos[3 * i + k] - (o[k] + r.t[i] * d[k])), where).toBeLessThan(2e-5 * Math.max(1, best));
        const n = [r.normal[3 * i], r.normal[3 * i + 1], r.normal[3 * i + 2]];
        expect(Math.abs(Math.hypot(n[0], n[1], n[2]) - 1), where).toBeLessThan(1e-5);
        expect(r.front[i], where).toBe(n[0] * d[0] + n[1] * d[1] + n[2] * d[2] < 0 ? 1 : 0);
      }
      expect(hits).toBeGreaterThan(N / 5);
      mesh.dispose();
    }
  });

  it("AABB overlap sets are exact (bunny and cube, including touching boxes)", () => {
    for (const tm of [cube(), bunny()]) {
      const mesh = new wf.Mesh({ points: tm.points, indices: tm.indices, device });
      const n = be === "interp" ? 16 : 300, R = rng(41);
      const lo: number[] = [], hi: number[] = [];
      // Boxes touching the cube exactly at a face plane / a vertex, and random boxes.
      lo.push(1, 0.2, 0.2, -1, -1, -1); hi.push(2, 0.4, 0.4, 0, 0, 0);
      while (lo.length < 3 * n) {
        const c = [0, 1, 2].map(() => (R() - 0.5) * 2.4), e = [0, 1, 2].map(() => R() * 0.3);
        lo.push(...c.map((x, k) => x - e[k])); hi.push(...c.map((x, k) => x + e[k]));
      }
      const N = lo.length / 3, K = 512;
      const count = wf.zeros(N, { dtype: wf.int32, device }), faces = wf.full([N, K], -1, { dtype: wf.int32, device });
      wf.launch(m.kernels.aabb, N, [mesh, wf.array(lo, { dtype: wf.vec3, device }), wf.array(hi, { dtype: wf.vec3, device }), count, faces], opts);
      const c = count.to("cpu").toTypedArray(), fs = faces.to("cpu").toTypedArray();
      for (let i = 0; i < N; i++) {
        const l = [f32(lo[3 * i]), f32(lo[3 * i + 1]), f32(lo[3 * i + 2])] as V3, h = [f32(hi[3 * i]), f32(hi[3 * i + 1]), f32(hi[3 * i + 2])] as V3;
        const want = aabbFaces(tm, l, h);
        expect(c[i], `${tm.name} box ${i}`).toBe(want.length);
        const got = Array.from(fs.subarray(i * K, i * K + Math.min(K, c[i]))).sort((a, b) => a - b);
        if (c[i] <= K) expect(got, `${tm.name} box ${i}`).toEqual(want);
        else expect(got.every((f) => want.includes(f)), `${tm.name} box ${i}`).toBe(true);
      }
      mesh.dispose();
    }
  });
});
