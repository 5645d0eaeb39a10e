// Arrays as struct fields (Warp allows arrays inside structs): a struct holding arrays is a kernel
// parameter, a @func parameter and a local (copies copy the descriptors, never the data); its
// array fields are read and written through `m.points[i]`. Checked in the interpreter, through the
// lowered ABI, and end to end through wf.launch on the interpreter and wasm against plain TS.

import { beforeAll, describe, expect, it, test } from "vitest";
import * as wf from "../engine/index.js";
import { F32, I32, vec } from "../engine/ir/types.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import { WeftCompileError, compileSource } from "../engine/lang/index.js";
import { Mem, run } from "./fixtures/lang/run.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

const f = Math.fround;
const VEC3 = vec(3);

const SRC = `
import { tid, Array, Array2D, vec3, f32, i32, atomicAdd, length } from "weft/kernels";

@struct class Mesh { points: Array<vec3>; indices: Array<i32>; count: i32; scale: f32; }
@struct class Scene { mesh: Mesh; weights: Array2D<f32>; offset: vec3; }

@func function triCentroid(m: Mesh, t: i32): vec3 {
  const a = m.points[m.indices[3 * t]], b = m.points[m.indices[3 * t + 1]], c = m.points[m.indices[3 * t + 2]];
  return (a + b + c) * (m.scale / 3.0);
}

@func function firstPoint(s: Scene): vec3 { return s.mesh.points[0] + s.offset; }

@func function bump(m: Mesh, i: i32): void {
  m.points[i] = m.points[i] + vec3(0.0, 1.0, 0.0);   // writes through the copy's descriptor
  m.count = 0;                                        // changes only the @func's copy
}

@kernel export function centroids(mesh: Mesh, out: Array<vec3>, hits: Array<i32>): void {
  const t = tid();
  if (t >= mesh.count) return;
  out[t] = triCentroid(mesh, t);
  atomicAdd(hits, 0, mesh.indices.length);
}

@kernel export function sceneK(scene: Scene, out: Array<f32>): void {
  const i = tid();
  let local = scene;                 // a copy: descriptors, not data
  local.offset = vec3(0.0);
  const p = firstPoint(scene) - firstPoint(local);
  out[i] = p.x + scene.weights[i, 1] + f32(local.mesh.points.length) + f32(scene.weights.shape[0]);
}

@kernel export function bumpK(mesh: Mesh, out: Array<i32>): void {
  const i = tid();
  bump(mesh, i);
  const m2: Mesh = { points: mesh.points, indices: mesh.indices, count: mesh.count + 1, scale: 1.0 };
  out[i] = m2.count;
}
`;

const PTS = [0, 0, 0, 3, 0, 0, 0, 3, 0, 3, 3, 3];
const IDX = [0, 1, 2, 1, 2, 3];

describe("struct with array fields in the interpreter", () => {
  test("kernel parameter, @func parameter, nested struct, local copy, object literal", () => {
    const m = new Mem();
    const points = m.array(VEC3, [4], PTS), indices = m.array(I32, [6], IDX);
    const out = m.array(VEC3, [2]), hits = m.array(I32, [1]);
    run(SRC, "centroids", [3], [[points, indices, 2, f(0.5)], out, hits], m);
    expect(m.read(out)).toEqual([0.5, 0.5, 0, 1, 1, 0.5]);
    expect(m.read(hits)).toEqual([12]);

    const w = m.array(F32, [3, 2], [1, 2, 3, 4, 5, 6]), o = m.array(F32, [3]);
    run(SRC, "sceneK", [3], [[[points, indices, 2, 1], w, [f(0.25), 0, 0]], o], m);
    expect(m.read(o)).toEqual([2, 4, 6].map((x) => f(0.25 + x + 4 + 3)));

    const cnt = m.array(I32, [4]);
    run(SRC, "bumpK", [4], [[points, indices, 7, 1], cnt], m);
    expect(m.read(points)).toEqual(PTS.map((x, k) => (k % 3 === 1 ? x + 1 : x)));
    expect(m.read(cnt)).toEqual([8, 8, 8, 8]);
  });

  test("lowered ABI: array leaves are array parameters found by their field path", () => {
    const mod = compileSource(SRC, "k.ts");
    const fn = lowerKernel(mod, "sceneK", { dump: false });
    const arrays = fn.params.map((p, j) => [p.name, p.type.k, fn.abi!.flat[j].path] as const).filter(([, k]) => k === "array");
    expect(arrays).toEqual([
      ["scene_mesh_points", "array", ["mesh", "points"]],
      ["scene_mesh_indices", "array", ["mesh", "indices"]],
      ["scene_weights", "array", ["weights"]],
      ["out", "array", undefined],
    ]);
    // The local copy leaves no array variables behind.
    expect(fn.vars.filter((v) => v.type.k === "array")).toEqual([]);
  });
});

describe("struct with array fields: diagnostics", () => {
  const diag = (src: string) => {
    try { compileSource(src, "bad.ts"); } catch (e) {
      if (e instanceof WeftCompileError) return e.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
      throw e;
    }
    throw new Error("expected a compile error");
  };
  const S = "@struct class Mesh { points: Array<vec3>; count: i32; }\n";
  const layout = "struct Mesh has array fields, so it cannot be an array element (its byte layout is undefined); pass it as a parameter or keep it in a local";
  test("Array<Mesh> parameter", () => {
    expect(diag(S + "@kernel export function k(ms: Array<Mesh>): void {}")).toEqual([`2:37: ${layout}`]);
  });
  test("Array<Mesh> field, also when Mesh is declared later", () => {
    expect(diag("@struct class World { meshes: Array<Mesh>; }\n" + S)).toEqual([`1:37: ${layout}`]);
  });
  test("StaticArray<Mesh>", () => {
    expect(diag(S + "@kernel export function k(m: Mesh): void {\n  const s = new StaticArray<Mesh>(4);\n}")).toEqual([`3:29: ${layout}`]);
  });
  test("no zero value", () => {
    const msg = "struct Mesh has array fields, so it has no zero value; build it from an object literal (const m: Mesh = { ... }) or copy another Mesh";
    expect(diag(S + "@kernel export function k(m: Mesh): void {\n  const a = new Mesh();\n  let b: Mesh;\n}")).toEqual([`3:13: ${msg}`, `4:7: ${msg}`]);
  });
  test("kernel parameters stay read-only; their arrays are writable", () => {
    expect(diag(S + "@kernel export function k(m: Mesh): void {\n  m.points[0] = vec3(1.0);\n  m.count = 2;\n}"))
      .toEqual(["4:3: kernel parameters are read-only; copy 'm' to a local: let m2 = m"]);
  });
  test("a StaticArray is still no field", () => {
    expect(diag("@struct class S { a: StaticArray<f32>; }")).toEqual(["1:22: StaticArray<f32>(0) cannot be a struct field; only value types and arrays can"]);
  });
});

describe.each(BACKEND_NAMES)("struct with array fields through wf.launch on %s", (backend) => {
  const device = deviceFor(backend);
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: SRC, name: "structarrays" }, { backend, device });
  });
  const arrays = () => ({
    points: wf.array(new Float32Array(PTS), { dtype: wf.vec3, device }),
    indices: wf.array(new Int32Array(IDX), { dtype: wf.int32, device }),
  });

  it("plain object and asKernelArg(device) host objects", () => {
    const { points, indices } = arrays();
    const out = wf.zeros(2, { dtype: wf.vec3, device }), hits = wf.zeros(1, { dtype: wf.int32, device });
    wf.launch(m.kernels.centroids, 3, [{ points, indices, count: 2, scale: 0.5 }, out, hits], { backend });
    expect(Array.from(out.toTypedArray() as Float32Array)).toEqual([0.5, 0.5, 0, 1, 1, 0.5]);
    expect(Array.from(hits.toTypedArray() as Int32Array)).toEqual([12]);

    let asked: wf.Device | null = null;
    const host = { asKernelArg(device: wf.Device) { asked = device; return { points, indices, count: 1, scale: 3 }; } };
    const o = wf.zeros(2, { dtype: wf.vec3, device });
    wf.launch(m.kernels.centroids, 2, [host, o, hits], { backend });
    expect(asked).toBe(wf.getDevice(device));
    expect(Array.from(o.toTypedArray() as Float32Array)).toEqual([3, 3, 0, 0, 0, 0]);
  });

  it("nested struct with a 2-D array field; @func writes through a copied descriptor", () => {
    const { points, indices } = arrays();
    const weights = wf.array(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2], device });
    const out = wf.zeros(3, { device });
    const scene = { mesh: { points, indices, count: 2, scale: 1 }, weights, offset: [0.25, 0, 0] };
    wf.launch(m.kernels.sceneK, 3, [scene, out], { backend });
    expect(Array.from(out.toTypedArray() as Float32Array)).toEqual([2, 4, 6].map((x) => f(0.25 + x + 4 + 3)));

    const cnt = wf.zeros(4, { dtype: wf.int32, device });
    wf.launch(m.kernels.bumpK, 4, [{ points, indices, count: 7, scale: 1 }, cnt], { backend });
    expect(Array.from(points.toTypedArray() as Float32Array)).toEqual(PTS.map((x, k) => (k % 3 === 1 ? x + 1 : x)));
    expect(Array.from(cnt.toTypedArray() as Int32Array)).toEqual([8, 8, 8, 8]);
  });

  it("argument checks name the field", () => {
    const { points, indices } = arrays();
    const out = wf.zeros(2, { dtype: wf.vec3, device }), hits = wf.zeros(1, { dtype: wf.int32, device });
    const go = (mesh: any) => () => wf.launch(m.kernels.centroids, 1, [mesh, out, hits], { backend });
    expect(go({ points: indices, indices, count: 1, scale: 1 })).toThrow(
      "launch of kernel structarrays.centroids: argument 0 'mesh', field 'points' expects Array<vec3>, got an array of i32 with 1 dimension");
    expect(go({ points: [1, 2, 3], indices, count: 1, scale: 1 })).toThrow("argument 0 'mesh', field 'points' expects Array<vec3>, got an array of length 3");
    expect(go({ points, count: 1, scale: 1 })).toThrow("argument 0 'mesh': Mesh object lacks field 'indices'");
    expect(go({ points, indices, scale: 1 })).toThrow("Mesh object lacks field 'count'");
    expect(go(points)).toThrow("argument 0 'mesh' expects a Mesh value, got an array");
    expect(go(7)).toThrow("argument 0 'mesh' expects a Mesh object (or an object with asKernelArg(device)), got number 7");
  });

  it("gradients reach an array field through the Tape", () => {
    const src = `
@struct class Soa { x: Array<f32>; w: Array<f32>; k: f32; }
@func function energy(s: Soa, i: i32): f32 { return s.x[i] * s.x[i] * s.w[i] * s.k; }
@kernel export function loss(s: Soa, out: Array<f32>): void {
  const i = tid();
  atomicAdd(out, 0, energy(s, i));
}`;
    return (async () => {
      const mod = await wf.loadModule({ source: src, name: "soagrad" }, { backend, device });
      const x = wf.array(new Float32Array([1, 2, 3]), { requiresGrad: true, device });
      const w = wf.array(new Float32Array([0.5, 0.25, 2]), { requiresGrad: true, device });
      const out = wf.zeros(1, { requiresGrad: true, device });
      const tape = new wf.Tape();
      tape.record(() => wf.launch(mod.kernels.loss, 3, [{ x, w, k: 2 }, out], { backend }));
      tape.backward(out);
      expect(out.toTypedArray()[0]).toBe(2 * (0.5 + 4 * 0.25 + 9 * 2));
      expect(Array.from(x.grad!.toTypedArray())).toEqual([1, 2, 3].map((v, i) => 2 * v * [0.5, 0.25, 2][i] * 2));
      expect(Array.from(w.grad!.toTypedArray())).toEqual([1, 4, 9].map((v) => v * 2));

      // An array field without a gradient buffer is a constant: its adjoint goes to a scratch buffer.
      const w2 = wf.array(new Float32Array([0.5, 0.25, 2]), { device });
      const out2 = wf.zeros(1, { requiresGrad: true, device });
      x.grad!.zero();
      const tape2 = new wf.Tape();
      tape2.record(() => wf.launch(mod.kernels.loss, 3, [{ x, w: w2, k: 2 }, out2], { backend }));
      tape2.backward(out2);
      expect(w2.grad).toBe(null);
      expect(Array.from(x.grad!.toTypedArray())).toEqual([1, 2, 3].map((v, i) => 2 * v * [0.5, 0.25, 2][i] * 2));
    })();
  });
});
