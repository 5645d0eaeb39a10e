// Differentiating through the volume library (kernels-as/lib/volume.ts, custom adjoints in closed
// form): trilinear samples of float, vec3f and double grids, in index space and in world space
// (through volumeWorldToIndex), and volumeSampleGradF's value and gradient together, checked with
// wf.gradcheck against central finite differences on every backend; the Tape's gradient of a float
// sample equals the library's own gradient (volumeSampleGradF, NanoVDB's formula) mapped to world
// space, and NanoGridAccessor's; nearest samples have gradient 0; the adjoints compile to PTX.
//
// Points sit inside cells (fractional index coordinates in [0.15, 0.85]) so that the finite
// differences never straddle a cell face, where the trilinear interpolant has a kink.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { Volume } from "../engine/geometry/volume/volume.js";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { compileSource } from "../engine/lang/index.js";
import { lowerModule } from "../engine/passes/pipeline.js";
import { adjointKernel } from "../engine/passes/autodiff.js";
import { flattenExits } from "../engine/passes/flatten-exits.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";
import { SKIP_COMPILE, expectCompiles, findNvcc } from "./cuda-codegen.helpers.js";
import { SHARED_DATA } from "./oracles/nanovdb/oracle.js";

const KERNELS = `
import { tid, Array, vec3, vec3d, f32, f64, dot } from "weft/kernels";

@kernel
export function sampleIndex(vol: Volume, p: Array<vec3>, out: Array<f32>): void {
  const t = tid();
  out[t] = volumeSampleF(vol, p[t], VOLUME_LINEAR);
}

@kernel
export function sampleWorld(vol: Volume, x: Array<vec3>, out: Array<f32>): void {
  const t = tid();
  out[t] = volumeSampleF(vol, volumeWorldToIndex(vol, x[t]), VOLUME_LINEAR);
}

@kernel
export function sampleNearest(vol: Volume, x: Array<vec3>, out: Array<f32>): void {
  const t = tid();
  out[t] = volumeSampleF(vol, volumeWorldToIndex(vol, x[t]), VOLUME_NEAREST) * 2.0;
}

@kernel
export function sampleGradWorld(vol: Volume, x: Array<vec3>, value: Array<f32>, grad: Array<vec3>): void {
  const t = tid();
  const r = volumeSampleGradF(vol, volumeWorldToIndex(vol, x[t]), VOLUME_LINEAR);
  value[t] = r.value;
  grad[t] = volumeIndexToWorldGrad(vol, r.grad);
}

@kernel
export function sampleGradMix(vol: Volume, p: Array<vec3>, out: Array<f32>): void {
  const t = tid();
  const r = volumeSampleGradF(vol, p[t], VOLUME_LINEAR);
  out[t] = r.value + dot(r.grad, vec3(3.0, -7.0, 5.0));
}

@kernel
export function sampleVec(vol: Volume, x: Array<vec3>, out: Array<vec3>): void {
  const t = tid();
  out[t] = volumeSampleV(vol, volumeWorldToIndex(vol, x[t]), VOLUME_LINEAR);
}

@kernel
export function sampleDouble(vol: Volume, p: Array<vec3d>, out: Array<f64>): void {
  const t = tid();
  out[t] = volumeSampleD(vol, p[t], VOLUME_LINEAR);
}
`;

const COUNT: Record<string, number> = { interp: 6, wasm: 40, cuda: 40 };

/** A smooth float field on a rotated, translated grid (every voxel active). */
function smoothFloat(device: string): Volume {
  const n = 16, values = new Float32Array(n * n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    values[(i * n + j) * n + k] = Math.sin(0.4 * i) * Math.cos(0.3 * j) + 0.05 * k * k - 0.02 * i * j + 0.1 * Math.sin(0.5 * i + 0.7 * k) - 0.03 * j * k;
  }
  const c = Math.cos(0.6), s = Math.sin(0.6), h = 0.2;
  return Volume.fromDense({ values, dims: [n, n, n], matrix: [c * h, -s * h, 0, s * h, c * h, 0, 0, 0, h], origin: [0.3, -1, 2],
    indexOrigin: [-8, -3, 2], background: -100, name: "smooth", device });
}

function smoothVec(device: string): Volume {
  const n = 12, values = new Float32Array(n * n * n * 3);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    values.set([Math.sin(0.5 * j) + 0.1 * k, i * j * 0.01, Math.cos(0.3 * i + 0.2 * k)], 3 * ((i * n + j) * n + k));
  }
  return Volume.fromDense({ values, dims: [n, n, n], gridType: "vec3f", voxelSize: [0.5, 0.25, 1], origin: [1, 2, 3], indexOrigin: [5, -6, 7], name: "v", device });
}

function smoothDouble(device: string): Volume {
  const n = 12, values = new Float64Array(n * n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) values[(i * n + j) * n + k] = Math.exp(0.1 * i) * Math.sin(0.3 * j + 0.2 * k);
  return Volume.fromDense({ values, dims: [n, n, n], gridType: "double", voxelSize: 0.5, background: 7, name: "d", device });
}

/** Index-space points inside the cells of the active bbox (fractions in [0.15, 0.85]). */
function cellPoints(vol: Volume, n: number, seed = 3): number[][] {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const [lo, hi] = vol.indexBounds;
  return Array.from({ length: n }, () => [0, 1, 2].map((a) => lo[a] + Math.floor(rnd() * (hi[a] - lo[a])) + 0.15 + 0.7 * rnd()));
}

const toWorld = (vol: Volume, pts: number[][]) => new Float32Array(pts.flatMap((p) => vol.indexToWorld(p as any)));

describe.each(BACKEND_NAMES)("volume gradients on %s", (be) => {
  const device = deviceFor(be);
  const opts = { backend: be, device } as const;
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    // Kernel signatures (which arrays a kernel reads and writes, used by gradcheck) come from the
    // first compile of a module; for the interpreter it sees struct array fields as "any array", so
    // compile for wasm first there (runtime/module.ts kernelInfo).
    m = await wf.loadModule({ source: KERNELS, name: "volume_kernel_grad" }, { device, backend: be === "interp" ? "wasm" : be });
    await m.prepare(device, be);
  }, 300_000);

  it("trilinear float samples, index and world space (rotated map): gradcheck", () => {
    const vol = smoothFloat(device);
    const n = COUNT[be];
    const ip = cellPoints(vol, n);
    const P = wf.array(new Float32Array(ip.flat()), { dtype: wf.vec3, device, requiresGrad: true });
    const X = wf.array(toWorld(vol, ip), { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device, requiresGrad: true });
    const a = wf.gradcheck(m.kernels.sampleIndex, n, [vol, P, out], opts);
    expect(a.failures, JSON.stringify(a.failures.slice(0, 3))).toEqual([]);
    expect(a.ok && a.checked > 0).toBe(true);
    const b = wf.gradcheck(m.kernels.sampleWorld, n, [vol, X, out], opts);
    expect(b.failures, JSON.stringify(b.failures.slice(0, 3))).toEqual([]);
    expect(b.ok && b.checked > 0).toBe(true);
    vol.dispose();
  }, 300_000);

  it("real level set (batch.nvdb): gradcheck in world space, points in the narrow band", () => {
    const vol = Volume.load(join(SHARED_DATA, "batch.nvdb"), { grid: 2, device });
    const n = COUNT[be];
    // cells whose 8 corners are all active voxels (inside the band, away from the background)
    const acc = vol.accessor();
    const ip = cellPoints(vol, 40 * n, 9).filter((p) => {
      const c = p.map(Math.floor);
      for (let q = 0; q < 8; q++) if (!acc.isActive(c[0] + (q >> 2), c[1] + ((q >> 1) & 1), c[2] + (q & 1))) return false;
      return true;
    }).slice(0, n);
    expect(ip.length).toBe(n);
    const X = wf.array(toWorld(vol, ip), { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device, requiresGrad: true });
    const r = wf.gradcheck(m.kernels.sampleWorld, n, [vol, X, out], opts);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3))).toEqual([]);
    expect(r.ok && r.checked > 0).toBe(true);
    vol.dispose();
  }, 300_000);

  it("volumeSampleGradF is differentiable too (value and gradient: the mixed second derivatives)", () => {
    const vol = smoothFloat(device);
    const n = COUNT[be];
    const P = wf.array(new Float32Array(cellPoints(vol, n, 4).flat()), { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device, requiresGrad: true });
    const r = wf.gradcheck(m.kernels.sampleGradMix, n, [vol, P, out], opts);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3))).toEqual([]);
    expect(r.ok && r.checked > 0).toBe(true);
    vol.dispose();
  }, 300_000);

  it("the Tape's gradient equals volumeSampleGradF's (NanoVDB's gradient) in world space", () => {
    const vol = smoothFloat(device);
    const n = COUNT[be];
    const ip = cellPoints(vol, n, 5);
    const X = wf.array(toWorld(vol, ip), { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device, requiresGrad: true });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.sampleWorld, n, [vol, X, out], opts));
    tape.backward(null, new Map([[out, new Float32Array(n).fill(1)]]));
    const viaTape = X.grad!.to("cpu").toTypedArray() as Float32Array;
    const value = wf.zeros(n, { device }), grad = wf.zeros(n, { dtype: wf.vec3, device });
    wf.launch(m.kernels.sampleGradWorld, n, [vol, X, value, grad], opts);
    const g = grad.to("cpu").toTypedArray() as Float32Array, v = value.to("cpu").toTypedArray() as Float32Array;
    const o = out.to("cpu").toTypedArray() as Float32Array;
    const acc = vol.accessor();
    const xs = X.to("cpu").toTypedArray() as Float32Array;
    for (let q = 0; q < n; q++) {
      expect(v[q], `value ${q}`).toBe(o[q]);
      // NanoVDB's index-space gradient at the point the kernel sampled, mapped with the double map
      const ip = acc.worldToIndexF([xs[3 * q], xs[3 * q + 1], xs[3 * q + 2]]);
      const ref = acc.indexToWorldGrad(acc.gradient(...ip));
      for (let d = 0; d < 3; d++) {
        const s = Math.max(1, Math.abs(ref[d]));
        expect(Math.abs(viaTape[3 * q + d] - g[3 * q + d]) / s, `point ${q} axis ${d}: tape ${viaTape[3 * q + d]} vs sampleGrad ${g[3 * q + d]}`).toBeLessThan(1e-5);
        expect(Math.abs(g[3 * q + d] - ref[d]) / s, `point ${q} axis ${d}: sampleGrad ${g[3 * q + d]} vs accessor ${ref[d]}`).toBeLessThan(1e-5);
      }
    }
    vol.dispose();
  }, 300_000);

  it("nearest samples have gradient 0", () => {
    const vol = smoothFloat(device);
    const n = COUNT[be];
    const X = wf.array(toWorld(vol, cellPoints(vol, n, 6)), { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { device, requiresGrad: true });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.sampleNearest, n, [vol, X, out], opts));
    tape.backward(null, new Map([[out, new Float32Array(n).fill(1)]]));
    expect(Array.from(X.grad!.to("cpu").toTypedArray() as Float32Array).every((x) => x === 0)).toBe(true);
    vol.dispose();
  }, 300_000);

  it("vec3f samples (world space) and double samples (f64, tight): gradcheck", () => {
    const vv = smoothVec(device);
    const n = COUNT[be];
    const X = wf.array(toWorld(vv, cellPoints(vv, n, 7)), { dtype: wf.vec3, device, requiresGrad: true });
    const out = wf.zeros(n, { dtype: wf.vec3, device, requiresGrad: true });
    const a = wf.gradcheck(m.kernels.sampleVec, n, [vv, X, out], opts);
    expect(a.failures, JSON.stringify(a.failures.slice(0, 3))).toEqual([]);
    expect(a.ok && a.checked > 0).toBe(true);
    vv.dispose();
    const vd = smoothDouble(device);
    const P = wf.array(new Float64Array(cellPoints(vd, n, 8).flat()), { dtype: wf.vec3d, device, requiresGrad: true });
    const outD = wf.zeros(n, { dtype: wf.float64, device, requiresGrad: true });
    const b = wf.gradcheck(m.kernels.sampleDouble, n, [vd, P, outD], opts);
    expect(b.failures, JSON.stringify(b.failures.slice(0, 3))).toEqual([]);
    expect(b.ok && b.checked > 0).toBe(true);
    vd.dispose();
  }, 300_000);
});

const compileTest = SKIP_COMPILE && !findNvcc() ? it.skip : it;
describe("volume adjoints compile to PTX", () => {
  compileTest("the adjoint of a world-space trilinear sample", () => {
    const src = KERNELS;
    const [k] = lowerModule(compileSource(src, "volume_kernel_grad.ts"), { dump: false }).filter((f) => f.name === "sampleWorld");
    flattenExits(k);
    expectCompiles(generateCuda([adjointKernel(k)], { debug: false, moduleName: "volume_grad_adj" }).source, "volume_grad_adj");
  }, 300_000);
});
