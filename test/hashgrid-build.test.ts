// wf.HashGrid on the host: argument and state errors (dims, dtypes, devices, radius, disposed grids),
// the per-cell sort of the build on its own (scrambled cells of every size through insertion sort
// and heapsort), deterministic layouts under every thread count, the scan plan, and the build and
// query kernels compiled to PTX (nvcc, and NVRTC when the addon finds it) where there is no GPU.
import { beforeAll, describe, expect, it, test } from "vitest";
import * as wf from "../engine/index.js";
import { compileSource } from "../engine/lang/index.js";
import { lowerModule } from "../engine/passes/pipeline.js";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { HASHGRID_BUILD_SOURCE } from "../engine/geometry/hashgrid/kernels.js";
import { hashGridKernel } from "../engine/geometry/hashgrid/module.js";
import { scanPlan } from "../engine/geometry/hashgrid/hashgrid.js";
import { SKIP_COMPILE, expectCompiles, findNvcc } from "./cuda-codegen.helpers.js";

beforeAll(async () => { await wf.init(); });

const rng = (seed: number) => { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32); };
const cloud = (n: number, seed: number, scale = 4) => { const r = rng(seed); return new Float32Array(n * 3).map(() => (r() - 0.5) * scale); };

describe("wf.HashGrid errors", () => {
  it("rejects bad dims and options", () => {
    expect(() => new wf.HashGrid(0, 4, 4)).toThrow(/dimX must be a positive integer, got 0/);
    expect(() => new wf.HashGrid(4, 2.5, 4)).toThrow(/dimY must be a positive integer, got 2.5/);
    expect(() => new wf.HashGrid(4, 4, -1)).toThrow(/dimZ must be a positive integer/);
    expect(() => new wf.HashGrid(4, 4, "4" as any)).toThrow(/dimZ must be a positive integer, got string/);
    expect(() => new wf.HashGrid(2048, 2048, 1024)).toThrow(/4294967296 cells is more than the 2147483646 a grid can index/);
    expect(() => new wf.HashGrid(4, 4, 4, { device: "tpu" })).toThrow(/unknown device 'tpu'/);
    expect(() => new wf.HashGrid(4, 4, 4, { scanBlock: 1 })).toThrow(/scanBlock must be an integer >= 2/);
    const g = new wf.HashGrid(4, 4, 4, "cpu");
    expect(g.device.name).toBe("cpu");
    expect(g.numCells).toBe(64);
    g.dispose();
  });

  it("rejects points of other dtypes, shapes and devices, and radii that are not positive and finite", () => {
    const g = new wf.HashGrid(4, 4, 4);
    const pts = wf.array(cloud(10, 1), { dtype: wf.vec3 });
    expect(() => g.build(new Float32Array(30) as any, 1)).toThrow(/points must be a wf array of vec3, got a Float32Array/);
    expect(() => g.build(wf.zeros(30), 1)).toThrow(/points must be a 1-D array of vec3, got an array of f32 with shape \[30\]/);
    expect(() => g.build(wf.zeros(10, wf.vec3d), 1)).toThrow(/got an array of vec3d/);
    expect(() => g.build(wf.zeros(10, wf.vec4), 1)).toThrow(/got an array of vec4/);
    expect(() => g.build(wf.zeros([2, 5], wf.vec3), 1)).toThrow(/1-D array of vec3, got an array of vec3 with shape \[2,5\]/);
    for (const r of [0, -1, NaN, Infinity, "1", undefined]) {
      expect(() => g.build(pts, r as any), String(r)).toThrow(/radius \(the cell width\) must be a positive finite number/);
    }
    expect(() => g.build(pts, 1e-46)).toThrow(/outside the range of f32 cell widths/);
    const gone = wf.zeros(4, wf.vec3);
    gone.dispose();
    expect(() => g.build(gone, 1)).toThrow(/the points array was disposed/);
    // A failed build changes nothing.
    expect(g.numPoints).toBe(0);
    g.build(pts, 0.5);
    expect(g.numPoints).toBe(10);
    g.dispose();
  });

  it("a disposed grid says so wherever it is used, and dispose is idempotent", async () => {
    const g = new wf.HashGrid(4, 4, 4);
    const pts = wf.array(cloud(10, 2), { dtype: wf.vec3 });
    g.build(pts, 0.5);
    g.dispose();
    g.dispose();
    expect(g.disposed).toBe(true);
    expect(() => g.build(pts, 0.5)).toThrow(/wf.HashGrid \d+ was disposed; build\(\) needs a live grid/);
    expect(() => g.asKernelArg()).toThrow(/was disposed; a launch needs a live grid/);
    expect(() => g.pointIds).toThrow(/was disposed/);
    expect(() => g.cellStarts).toThrow(/was disposed/);
    expect(() => g.reserve(10)).toThrow(/was disposed/);
    expect(String(g)).toMatch(/disposed$/);
    const m = await wf.loadModule({
      name: "hg_disposed",
      source: `import { tid, Array, i32, HashGrid, hashGridPointId } from "weft/kernels";
@kernel export function first(grid: HashGrid, out: Array<i32>): void { out[tid()] = hashGridPointId(grid, 0); }`,
    });
    expect(() => wf.launch(m.kernels.first, 1, [g, wf.zeros(1, wf.int32)])).toThrow(/was disposed; a launch needs a live grid/);
  });

  it("reserve grows the scratch arrays ahead of builds", () => {
    const g = new wf.HashGrid(8, 8, 8);
    expect(() => g.reserve(-1)).toThrow(/non-negative integer/);
    g.reserve(1000);
    expect(g.capacity).toBe(1000);
    g.reserve(10);
    expect(g.capacity).toBe(1000);
    g.build(wf.array(cloud(500, 3), { dtype: wf.vec3 }), 0.5);
    expect(g.capacity).toBe(1000);
    expect(g.pointIds.length).toBe(500);
    g.dispose();
  });
});

describe("the build", () => {
  it("sorts every cell by point index (insertion sort up to 32, heapsort above)", () => {
    // A hand-made grid whose cells hold scrambled indices: sizes 0..40 and one of 300.
    const sizes = [...Array.from({ length: 41 }, (_, k) => k), 300, 0, 1];
    const starts = [0];
    for (const s of sizes) starts.push(starts[starts.length - 1] + s);
    const n = starts[starts.length - 1];
    const r = rng(9);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]]; }
    const keys = new Int32Array(n), ranks = new Int32Array(n);
    sizes.forEach((s, c) => { for (let k = 0; k < s; k++) { const id = perm[starts[c] + k]; keys[id] = c; ranks[id] = k; } });
    for (const backend of ["interp", "wasm"] as const) {
      const grid = {
        cellStarts: wf.array(new Int32Array(starts)), pointIds: wf.array(new Int32Array(perm)),
        dimX: sizes.length, dimY: 1, dimZ: 1, cellWidth: 1, invCellWidth: 1, numPoints: n,
      };
      wf.launch(hashGridKernel("hgSortCells", wf.getDevice("cpu"), backend), n, [grid, wf.array(keys), wf.array(ranks)], { backend });
      const out = Array.from(grid.pointIds.toTypedArray() as Int32Array);
      const want = sizes.flatMap((s, c) => perm.slice(starts[c], starts[c] + s).sort((a, b) => a - b));
      expect(out, backend).toEqual(want);
    }
  });

  it("is deterministic: one layout for every CPU thread count and backend", () => {
    const pts = cloud(20000, 4, 3);
    const layouts: string[] = [];
    const all = wf.getCpuThreads();
    for (const [threads, backend] of [[1, "wasm"], [all, "wasm"], [all, "wasm"], [1, "interp"]] as const) {
      wf.setCpuThreads(threads);
      const g = new wf.HashGrid(16, 16, 16, { backend });
      g.build(wf.array(pts, { dtype: wf.vec3 }), 0.2);
      layouts.push(JSON.stringify([Array.from(g.cellStarts.toTypedArray()), Array.from(g.pointIds.toTypedArray())]));
      g.dispose();
    }
    wf.setCpuThreads(all);
    expect(new Set(layouts).size).toBe(1);
  });

  it("plans the scan: a few big blocks on the CPU, many levels of 32 on a GPU", () => {
    const cpu = wf.getDevice("cpu");
    expect(scanPlan(64, cpu)).toEqual({ sizes: [64, 1], blocks: [1024] });
    expect(scanPlan(128 ** 3, cpu)).toEqual({ sizes: [128 ** 3, 256], blocks: [8192] });
    expect(scanPlan(100, cpu, 3)).toEqual({ sizes: [100, 34, 12, 4, 2], blocks: [3, 3, 3, 3] });
    const gpu = { isCuda: true } as any;
    expect(scanPlan(128 ** 3, gpu)).toEqual({ sizes: [128 ** 3, 65536, 2048, 64], blocks: [32, 32, 32] });
  });
});

describe("gradients", () => {
  const SRC = `import { tid, Array, vec3, f32, dot, atomicAdd, HashGrid, hashGridPointId } from "weft/kernels";
/** loss += |x_i|^2, threads in cell order. */
@kernel export function sumSq(grid: HashGrid, x: Array<vec3>, loss: Array<f32>): void {
  const i = hashGridPointId(grid, tid());
  if (i < 0) return;
  atomicAdd(loss, 0, dot(x[i], x[i]));
}`;
  // (The query loop, which autodiff refuses today, lives in a module of its own.)
  const PAIRS = `import { tid, Array, vec3, f32, dot, atomicAdd, HashGrid, hashGridQuery, hashGridQueryNext } from "weft/kernels";
/** loss += |x_i - x_j|^2 over ordered pairs of distinct neighbours within r. */
@kernel export function pairEnergy(grid: HashGrid, x: Array<vec3>, r: f32, loss: Array<f32>): void {
  const i = tid();
  const p = x[i];
  let q = hashGridQuery(grid, p, r);
  while (q.index >= 0) {
    const j = q.index;
    const d = p - x[j];
    if (j != i && dot(d, d) <= r * r) atomicAdd(loss, 0, dot(d, d));
    q = hashGridQueryNext(q);
  }
}`;
  const n = 200, r = 0.6;
  const pts = cloud(n, 5, 3);
  const setup = (backend: "interp" | "wasm") => {
    const x = wf.array(pts, { dtype: wf.vec3, requiresGrad: true });
    const loss = wf.zeros(1, { dtype: wf.float32, requiresGrad: true });
    return { x, loss, grid: new wf.HashGrid(5, 5, 5, { backend }), tape: new wf.Tape({ debug: false }) };
  };
  for (const backend of ["interp", "wasm"] as const) {
    it(`a Tape skips the build (not differentiable) and replays kernels that take the grid (${backend})`, async () => {
      const m = await wf.loadModule({ source: SRC, name: "hg_grad" }, { backend });
      const { x, loss, grid, tape } = setup(backend);
      tape.record(() => {
        grid.build(x, r);
        wf.launch(m.kernels.sumSq, n, [grid, x, loss], { backend });
      });
      expect(tape.launches.map((l) => l.kernel.name)).toEqual(["sumSq"]);
      tape.backward(loss);
      const g = x.grad!.toTypedArray() as Float32Array;
      for (let k = 0; k < 3 * n; k++) expect(g[k]).toBeCloseTo(2 * pts[k], 5);
      grid.dispose();
    });

    // Known gap: scalarize (passes/scalarize.ts, forwardArrayVars) forwards an array variable to its
    // parameter only when it is assigned that parameter alone; the loop-carried query state
    // (q = hashGridQueryNext(q)) is assigned the parameter and copies of itself through the inlined
    // call's temporaries, so autodiff refuses the loop ("the array variable 'q_0' holds different
    // arrays"). The same holds for the BVH and mesh iterators. This test turns green when that is fixed.
    it.fails(`differentiates through a query loop (${backend})`, async () => {
      const m = await wf.loadModule({ source: PAIRS, name: "hg_grad_pairs" }, { backend });
      const { x, loss, grid, tape } = setup(backend);
      grid.build(x, r);
      tape.record(() => wf.launch(m.kernels.pairEnergy, n, [grid, x, r, loss], { backend }));
      tape.backward(loss);
      // d/dx_i of the sum over ordered pairs: 4 * sum over neighbours j of (x_i - x_j).
      const g = x.grad!.toTypedArray() as Float32Array;
      const want = new Float64Array(3 * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const d = [0, 1, 2].map((k) => pts[3 * i + k] - pts[3 * j + k]);
        if (i === j || d[0] ** 2 + d[1] ** 2 + d[2] ** 2 > r * r) continue;
        for (let k = 0; k < 3; k++) want[3 * i + k] += 4 * d[k];
      }
      for (let k = 0; k < 3 * n; k++) expect(g[k]).toBeCloseTo(want[k], 3);
      grid.dispose();
    });
  }
});

const compileTest = SKIP_COMPILE && !findNvcc() ? test.skip : test;

compileTest("the build kernels and the query library compile to PTX", () => {
  const user = `import { tid, Array, vec3, f32, i32, dot, HashGrid, hashGridQuery, hashGridQueryNext, hashGridPointId } from "weft/kernels";
@kernel export function count(grid: HashGrid, x: Array<vec3>, r: f32, out: Array<i32>): void {
  const i = hashGridPointId(grid, tid());
  if (i < 0) return;
  let q = hashGridQuery(grid, x[i], r);
  let c = 0;
  while (q.index >= 0) { const d = x[q.index] - x[i]; if (dot(d, d) <= r * r) c += 1; q = hashGridQueryNext(q); }
  out[i] = c;
}`;
  for (const [name, src] of [["weft_hashgrid", HASHGRID_BUILD_SOURCE], ["hashgrid_user", user]]) {
    const fwd = lowerModule(compileSource(src, `${name}.ts`), { dump: false });
    expect(fwd.length).toBeGreaterThan(0);
    expectCompiles(generateCuda(fwd, { debug: false, moduleName: name }).source, name);
    expectCompiles(generateCuda(fwd, { debug: true, moduleName: `${name}_debug` }).source, `${name}_debug`);
  }
}, 120_000);
