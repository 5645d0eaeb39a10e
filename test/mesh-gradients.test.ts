// Gradients of the mesh queries with respect to the query point and the ray (origin and direction),
// through the traversal loops, against central finite differences (wf.gradcheck), on every backend.
// Query points are kept away from the medial axis and rays away from triangle edges, where the
// distance and t are not differentiable.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";
import { V3, bunny, cube, faceDistances, rayFaceHits, rng } from "./mesh-oracles.js";

const KERNELS = `
import { tid, Array, vec3, f32, i32, Mesh, meshQueryPointNoSign, meshQueryPoint, meshQueryPointSignNormal, meshQueryPointSignWinding, meshQueryRay } from "weft/kernels";

@kernel
export function distance(mesh: Mesh, ps: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  const q = meshQueryPointNoSign(mesh, ps[i], 100.0);
  out[i] = q.distance + q.u * 0.5 - q.v * 0.25;
}

/** Signed distances by the three sign methods (the sign is piecewise constant). */
@kernel
export function signed(mesh: Mesh, ps: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  const a = meshQueryPoint(mesh, ps[i], 100.0);
  const b = meshQueryPointSignNormal(mesh, ps[i], 100.0);
  const c = meshQueryPointSignWinding(mesh, ps[i], 100.0, 2.0, 0.5);
  out[i] = a.sign * a.distance + 0.5 * b.sign * b.distance - 0.25 * c.sign * c.distance;
}

@kernel
export function rayT(mesh: Mesh, origins: Array<vec3>, dirs: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  const q = meshQueryRay(mesh, origins[i], dirs[i], 100.0);
  out[i] = q.t + q.u * 0.5 - q.v * 0.25;
}
`;

describe.each(BACKEND_NAMES)("mesh query gradients on %s", (be) => {
  let m: wf.Module;
  const device = deviceFor(be);
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: KERNELS, name: "mesh_grads" }, { device, backend: be });
  });

  it("closest-point distance and barycentrics w.r.t. the query point (cube and bunny)", () => {
    // The interpreter is slow: the cube only there.
    for (const tm of be === "interp" ? [cube()] : [cube(), bunny()]) {
      const mesh = new wf.Mesh({ points: tm.points, indices: tm.indices, device });
      const R = rng(7), ps: number[] = [];
      const want = be === "interp" ? 4 : 24;
      for (let tries = 0; ps.length < 3 * want && tries < 20000; tries++) {
        const p: V3 = [(R() - 0.5) * 2.4, (R() - 0.5) * 2.4, (R() - 0.5) * 2.4];
        // Near the surface but not on it, with a closest face that a 1e-3 step cannot change (the
        // barycentrics jump where the closest face changes).
        const d = Array.from(faceDistances(tm, p)).sort((a, b) => a - b);
        if (d[0] > 0.02 && d[0] < 0.15 && d[1] - d[0] > 2.5e-3) ps.push(...p);
      }
      expect(ps.length).toBe(3 * want);
      const n = ps.length / 3;
      const p = wf.array(ps, { dtype: wf.vec3, device, requiresGrad: true });
      const out = wf.zeros(n, { device });
      const r = wf.gradcheck(m.kernels.distance, n, [mesh, p, out], { backend: be, device, eps: 1e-3, atol: 5e-3, rtol: 2e-2, maxScalars: 1000 });
      expect(r.failures, JSON.stringify(r.failures.slice(0, 3))).toEqual([]);
      expect(r.checked).toBe(3 * n);
      mesh.dispose();
    }
  });

  it("signed distances (winding and pseudonormal signs) w.r.t. the query point, inside and outside the cube", () => {
    const tm = cube();
    const mesh = new wf.Mesh({ points: tm.points, indices: tm.indices, device });
    // Inside and outside, each nearest to the interior of one face.
    const ps = [0.5, 0.5, 0.2, 0.3, 0.6, 0.5, 0.5, 0.5, 1.3, -0.2, 0.4, 0.6, 0.45, 1.25, 0.55];
    const n = ps.length / 3;
    const p = wf.array(ps, { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device });
    const r = wf.gradcheck(m.kernels.signed, n, [mesh, p, out], { backend: be, device, eps: 1e-3, atol: 5e-3, rtol: 2e-2, maxScalars: 1000 });
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3))).toEqual([]);
    expect(r.checked).toBe(3 * n);
    // At (0.5, 0.5, 0.2), inside and nearest the z = 0 face, each signed distance is -z: the output
    // (1 + 0.5 - 0.25) * -z has gradient (0, 0, -1.25).
    const tape = new wf.Tape();
    const one = wf.zeros(n, { device, requiresGrad: true });
    const p2 = wf.array(ps, { dtype: wf.vec3, device, requiresGrad: true });
    tape.record(() => wf.launch(m.kernels.signed, n, [mesh, p2, one], { backend: be, device }));
    tape.backward(null, new Map([[one, Float32Array.from({ length: n }, (_, k) => (k === 0 ? 1 : 0))]]));
    const g = p2.grad!.to("cpu").toTypedArray();
    expect(Array.from(g.subarray(0, 3)).map((x: number) => Math.round(x * 1000) / 1000)).toEqual([0, 0, -1.25]);
    mesh.dispose();
  });

  it("ray t and barycentrics w.r.t. origin and direction (bunny; the cube on the interpreter)", () => {
    const tm = be === "interp" ? cube() : bunny();
    const mesh = new wf.Mesh({ points: tm.points, indices: tm.indices, device });
    const R = rng(9), os: number[] = [], ds: number[] = [];
    while (os.length < 3 * (be === "interp" ? 4 : 24)) {
      const o: V3 = [(R() - 0.5) * 6, (R() - 0.5) * 6, 3], d: V3 = [(R() - 0.5) * 0.6 - o[0] / 3 + 0.15, (R() - 0.5) * 0.6 - o[1] / 3 + 0.15, -1];
      const ts = Array.from(rayFaceHits(tm, o, d, 100)).filter(Number.isFinite).sort((a, b) => a - b);
      if (!ts.length) continue;
      // Keep rays whose hit is robust to perturbation: the same face hit under small jitter.
      const f0 = Array.from(rayFaceHits(tm, o, d, 100)).indexOf(ts[0]);
      let stable = true;
      for (const j of [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) {
        for (const s of [-2e-3, 2e-3]) {
          const h = rayFaceHits(tm, [o[0] + s * j[0], o[1] + s * j[1], o[2] + s * j[2]], [d[0] + s * j[0], d[1] + s * j[1], d[2] + s * j[2]], 100);
          const mt = Math.min(...h);
          if (h.indexOf(mt) !== f0) stable = false;
        }
      }
      if (stable) { os.push(...o); ds.push(...d); }
    }
    const n = os.length / 3;
    const o = wf.array(os, { dtype: wf.vec3, device, requiresGrad: true }), d = wf.array(ds, { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device });
    const r = wf.gradcheck(m.kernels.rayT, n, [mesh, o, d, out], { backend: be, device, eps: 1e-3, atol: 5e-3, rtol: 2e-2, maxScalars: 1000 });
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3))).toEqual([]);
    expect(r.checked).toBe(6 * n);
    mesh.dispose();
  });
});
