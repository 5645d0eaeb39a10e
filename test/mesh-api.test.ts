// wf.Mesh on the host: input checking (each error names what was expected), dispose, ids, refit after
// the points move (host refit on the CPU, and the kernel-language refit that GPUs run, checked here on
// wasm against the host), velocities, and queries on the moved mesh against the brute-force oracle.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { engineKernel } from "../engine/geometry/bvh/kernels.js";
import { MESH_REFIT_SOURCE } from "../engine/geometry/mesh/kernels.js";
import { NODE_WORDS } from "../engine/geometry/bvh/layout.js";
import { TestMesh, V3, bunny, cube, faceDistances, randomPoints } from "./mesh-oracles.js";

const KERNELS = `
import { tid, Array, vec3, f32, i32, Mesh, meshQueryPointNoSign, meshEvalVelocity, meshEvalFaceNormal } from "weft/kernels";

@kernel
export function closest(mesh: Mesh, ps: Array<vec3>, face: Array<i32>, dist: Array<f32>): void {
  const i = tid();
  const q = meshQueryPointNoSign(mesh, ps[i], 1.0e6);
  face[i] = q.face;
  dist[i] = q.distance;
}

@kernel
export function velocity(mesh: Mesh, faces: Array<i32>, u: f32, v: f32, out: Array<vec3>, normals: Array<vec3>): void {
  const i = tid();
  out[i] = meshEvalVelocity(mesh, faces[i], u, v);
  normals[i] = meshEvalFaceNormal(mesh, faces[i]);
}
`;

let m: wf.Module;
beforeAll(async () => {
  await wf.init();
  m = await wf.loadModule({ source: KERNELS, name: "mesh_api" }, { device: "cpu" });
});

function closestOnWasm(mesh: wf.Mesh, ps: Float32Array) {
  const n = ps.length / 3, face = wf.zeros(n, wf.int32), dist = wf.zeros(n);
  wf.launch(m.kernels.closest, n, [mesh, wf.array(ps, { dtype: wf.vec3 }), face, dist]);
  return { face: face.toTypedArray() as Int32Array, dist: dist.toTypedArray() as Float32Array };
}

function expectMatchesOracle(tm: TestMesh, mesh: wf.Mesh, ps: Float32Array) {
  const r = closestOnWasm(mesh, ps);
  for (let i = 0; i < ps.length / 3; i++) {
    const p: V3 = [ps[3 * i], ps[3 * i + 1], ps[3 * i + 2]];
    const d = faceDistances(tm, p), best = Math.min(...d);
    expect(Math.abs(r.dist[i] - best), `query ${i}`).toBeLessThan(1e-5);
    expect(d[r.face[i]] - best, `query ${i}`).toBeLessThan(1e-5);
  }
}

describe("wf.Mesh", () => {
  it("rejects bad input with errors that name what was expected", () => {
    const { points, indices } = cube();
    expect(() => new wf.Mesh({ points, indices: Int32Array.from([0, 1, 8]) })).toThrow(/indices\[2\] = 8 \(face 0\) is out of range; expected 0 <= index < 8/);
    expect(() => new wf.Mesh({ points, indices: Int32Array.from([0, -1, 2]) })).toThrow(/indices\[1\] = -1 .* out of range/);
    const nan = points.slice(); nan[4] = NaN;
    expect(() => new wf.Mesh({ points: nan, indices })).toThrow(/points\[1\] = \(1,NaN,0\) is not finite/);
    expect(() => new wf.Mesh({ points, indices: new Int32Array(0) })).toThrow(/the mesh is empty; expected at least one triangle/);
    expect(() => new wf.Mesh({ points, indices: Int32Array.from([0, 1]) })).toThrow(/'indices' has 2 entries, not a multiple of 3/);
    expect(() => new wf.Mesh({ points: wf.zeros(8, wf.int32), indices })).toThrow(/'points' must be a 1-D array of vec3 \(f32\), got 1-D i32/);
    expect(() => new wf.Mesh({ points, indices: wf.zeros(3, wf.float32) })).toThrow(/'indices' must be an array of i32 \(or vec3i\), got f32/);
    expect(() => new wf.Mesh({ points: [1, 2], indices })).toThrow(/'points' has 2 numbers, not a multiple of 3/);
    expect(() => new wf.Mesh({ points: "abc" as any, indices })).toThrow(/'points' must be a vec3 WeftArray, a Float32Array or a number\[\], got string abc/);
    expect(() => new wf.Mesh({ points, indices: [0, 1.5, 2] })).toThrow(/'indices' must hold integers/);
    expect(() => new wf.Mesh({ points, indices, velocities: new Float32Array(3) })).toThrow(/'velocities' has 1 entries but there are 8 points/);
    expect(() => new wf.Mesh({ indices } as any)).toThrow(/'points' is required/);
    expect(() => new wf.Mesh(undefined as any)).toThrow(/expected an options object/);
    expect(() => new wf.Mesh({ points, indices, leafSize: 0 })).toThrow(/leafSize must be an integer in 1..8/);
  });

  it("accepts WeftArray, Float32Array, number[] and [x, y, z][] inputs and vec3i indices", () => {
    const { points, indices } = cube();
    const a = new wf.Mesh({ points: wf.array(points, { dtype: wf.vec3 }), indices: wf.array(indices, { dtype: wf.vec3i, shape: 12 }) });
    const b = new wf.Mesh({ points: Array.from(points), indices: Array.from(indices) });
    const c = new wf.Mesh({ points: Array.from({ length: 8 }, (_, k) => Array.from(points.subarray(3 * k, 3 * k + 3))), indices });
    for (const x of [a, b, c]) { expect(x.numFaces).toBe(12); expect(x.numPoints).toBe(8); }
    expect(Array.from(a.indices.toTypedArray())).toEqual(Array.from(indices));
    a.dispose(); b.dispose(); c.dispose();
  });

  it("dispose: ids, clear errors for launches and refits on a disposed mesh, user arrays kept", () => {
    const { points, indices } = cube();
    const pts = wf.array(points, { dtype: wf.vec3 });
    const mesh = new wf.Mesh({ points: pts, indices });
    expect(wf.Mesh.fromId(mesh.id)).toBe(mesh);
    mesh.dispose();
    mesh.dispose();
    expect(mesh.disposed).toBe(true);
    expect(wf.Mesh.fromId(mesh.id)).toBeUndefined();
    expect(pts.disposed).toBe(false);
    expect(() => closestOnWasm(mesh, Float32Array.from([0, 0, 0]))).toThrow(/wf.Mesh \d+ was disposed; a launch needs a live mesh/);
    expect(() => mesh.refit()).toThrow(/was disposed; refit\(\) needs a live mesh/);
    expect(() => mesh.nodes).toThrow(/was disposed/);
  });

  it("refit after moving the points: host refit matches a fresh build's queries and the kernel-language refit", () => {
    const tm = bunny();
    const pts = wf.array(tm.points, { dtype: wf.vec3 });
    const mesh = new wf.Mesh({ points: pts, indices: tm.indices });
    // Deform: a twist about y plus a shift, then refit.
    const moved = tm.points.slice();
    for (let k = 0; k < moved.length; k += 3) {
      const a = 0.6 * moved[k + 1], x = moved[k], z = moved[k + 2];
      moved[k] = Math.cos(a) * x - Math.sin(a) * z + 0.3; moved[k + 2] = Math.sin(a) * x + Math.cos(a) * z;
    }
    pts.assign(moved);
    const tm2 = { ...tm, points: moved };
    mesh.refit();
    expectMatchesOracle(tm2, mesh, randomPoints(300, -1.4, 1.4, 3));
    const n = mesh.nodeCount, host = new Float32Array(mesh.nodes.contiguousBytes().buffer);
    const hostWinding = new Float32Array(mesh.winding.contiguousBytes().buffer);
    // The kernel-language refit (what a GPU runs), launched on wasm level by level, gives the same boxes
    // (exact min/max) and the same winding data to float tolerance.
    // Clear the boxes (not the child/skip words) and the winding data first.
    const cleared = host.slice();
    for (let q = 0; q < n; q++) for (const w of [0, 1, 2, 4, 5, 6]) cleared[q * NODE_WORDS + w] = 0;
    mesh.nodes.device.memory.write(mesh.nodes.ptr, new Uint8Array(cleared.buffer));
    mesh.winding.zero();
    const k = engineKernel("weft_mesh_refit", MESH_REFIT_SOURCE, "meshRefitLevel", wf.getDevice("cpu"));
    const levels = (mesh as any).data.tree;
    levels.refitLevels((start: number, count: number) => wf.launch(k, count, [mesh, levels.levelNodes, start]));
    const dev = new Float32Array(mesh.nodes.contiguousBytes().buffer), devW = new Float32Array(mesh.winding.contiguousBytes().buffer);
    for (let q = 0; q < n; q++) for (const w of [0, 1, 2, 4, 5, 6]) expect(dev[q * NODE_WORDS + w]).toBe(host[q * NODE_WORDS + w]);
    for (let q = 0; q < devW.length; q++) expect(Math.abs(devW[q] - hostWinding[q])).toBeLessThan(1e-4 * Math.max(1, Math.abs(hostWinding[q])));
    expectMatchesOracle(tm2, mesh, randomPoints(100, -1.4, 1.4, 4));
    mesh.dispose();
  });

  it("velocities and face normals at barycentrics", () => {
    const { points, indices } = cube();
    const vel = Float32Array.from({ length: 24 }, (_, k) => k);
    const mesh = new wf.Mesh({ points, indices, velocities: vel });
    const faces = wf.array(Int32Array.from([0, 5, 11]));
    const out = wf.zeros(3, wf.vec3), normals = wf.zeros(3, wf.vec3);
    wf.launch(m.kernels.velocity, 3, [mesh, faces, 0.25, 0.5, out, normals]);
    const o = out.toTypedArray(), nr = normals.toTypedArray();
    [0, 5, 11].forEach((f, i) => {
      const [a, b, c] = [0, 1, 2].map((k) => indices[3 * f + k]);
      for (let d = 0; d < 3; d++) expect(o[3 * i + d]).toBeCloseTo(0.25 * vel[3 * a + d] + 0.5 * vel[3 * b + d] + 0.25 * vel[3 * c + d], 5);
      const e1 = [0, 1, 2].map((d) => points[3 * b + d] - points[3 * a + d]), e2 = [0, 1, 2].map((d) => points[3 * c + d] - points[3 * a + d]);
      const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]], l = Math.hypot(...n);
      for (let d = 0; d < 3; d++) expect(nr[3 * i + d]).toBeCloseTo(n[d] / l, 6);
    });
    // Without velocities, meshEvalVelocity reads zeros.
    const still = new wf.Mesh({ points, indices });
    wf.launch(m.kernels.velocity, 3, [still, faces, 0.25, 0.5, out, normals]);
    expect(Array.from(out.toTypedArray())).toEqual(new Array(9).fill(0));
    mesh.dispose(); still.dispose();
  });

  it("a mesh on one device cannot be used by a launch on another", () => {
    const { points, indices } = cube();
    const mesh = new wf.Mesh({ points, indices });
    expect(() => mesh.asKernelArg({ name: "cuda:0" } as any)).toThrow(/lives on cpu, not cuda:0/);
    mesh.dispose();
  });
});
