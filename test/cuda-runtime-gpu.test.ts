// The CUDA runtime on a real GPU: results of launches (1-D with grid-stride, 2-D), device memory
// and copies, streams and events, graph capture and replay, kernel errors surfacing at
// wf.synchronize(), out of memory and a sticky device fault (in a child process). Runs where
// WEFT_TEST_CUDA=1 (scripts/gpu-test.sh sets it); elsewhere cuda-runtime.test.ts covers the same
// paths against a fake driver.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { runChild } from "./fixtures/fake-libcuda/harness.ts";

const enabled = process.env.WEFT_TEST_CUDA === "1";

const SOURCE = `import { tid, Array, Array2D, f32, i32 } from "weft/kernels";
@kernel export function saxpy(a: f32, x: Array<f32>, y: Array<f32>): void { const i = tid(); y[i] = a * x[i] + y[i]; }
@kernel export function grid2(out: Array2D<f32>, s: f32): void { const [i, j] = tid(); out[i, j] = s * f32(i * 1000 + j); }
@kernel export function addOne(y: Array<f32>): void { const i = tid(); y[i] = y[i] + 1.0; }
@kernel export function shifted(y: Array<f32>, k: i32): void { const i = tid(); y[i + k] = 1.0; }
`;

describe.skipIf(!enabled)("CUDA runtime on a GPU", () => {
  let dev = "cuda:0";
  let m: wf.Module, dbg: wf.Module;

  beforeAll(async () => {
    await wf.init();
    const cuda = wf.devices().find((d) => d.isCuda);
    if (!cuda) throw new Error(`WEFT_TEST_CUDA=1 but weft found no CUDA device: ${wf.cudaStatus().reason}`);
    dev = cuda.name;
    m = await wf.loadModule({ source: SOURCE, name: "gpu", file: "gpu.ts" }, { device: dev });
    dbg = await wf.loadModule({ source: SOURCE, name: "gpudbg", file: "gpudbg.ts" }, { device: dev, debug: true });
  });

  it("describes the device and makes it the default", () => {
    const d = wf.getDevice(dev);
    expect(d.info.computeCapability![0]).toBeGreaterThanOrEqual(7);
    expect(d.info.totalMemory).toBeGreaterThan(2 ** 30);
    expect(d.info.arch).toMatch(/^(sm|compute)_\d+$/);
    expect(d.info.description.length).toBeGreaterThan(0);
    if (!process.env.WEFT_DEVICE) expect(wf.getDevice().name).toBe("cuda:0");
  });

  it("runs 1-D launches over every element (grid-stride) and 2-D launches", () => {
    const n = (1 << 22) + 3;   // more threads than the capped grid, not a multiple of the block
    const xs = Float32Array.from({ length: n }, (_, i) => i % 97);
    const x = wf.array(xs, { device: dev }), y = wf.full(n, 1, { dtype: wf.float32, device: dev });
    wf.launch(m.kernels.saxpy, n, [2, x, y]);
    const out = y.toTypedArray() as Float32Array;
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (out[i] !== 2 * (i % 97) + 1) bad = i;
    expect(bad).toBe(-1);
    const g = wf.zeros([37, 53], { device: dev });
    wf.launch(m.kernels.grid2, [37, 53], [g, 0.5]);
    const rows = g.toArray() as number[][];
    expect(rows[36][52]).toBe(Math.fround(0.5 * 36052));
    expect(rows.flat().every((v, k) => v === Math.fround(0.5 * (Math.floor(k / 53) * 1000 + (k % 53))))).toBe(true);
    x.dispose(); y.dispose(); g.dispose();
  });

  it("fills and copies device memory in every direction", () => {
    expect(wf.zeros(7, { device: dev }).toArray()).toEqual(new Array(7).fill(0));
    expect(wf.full(3, [1, 2, 3], { dtype: wf.vec3, device: dev }).toArray()).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(wf.full(2, 0.25, { dtype: wf.float64, device: dev }).toArray()).toEqual([0.25, 0.25]);
    expect(Array.from(wf.full(2, -5n, { dtype: wf.int64, device: dev }).toTypedArray())).toEqual([-5n, -5n]);
    const host = wf.array(new Float32Array([1, 2, 3, 4, 5]), { device: "cpu" });
    const a = host.to(dev), b = a.clone();
    expect(b.to("cpu").toArray()).toEqual([1, 2, 3, 4, 5]);
    const c = wf.zeros(5, { device: dev });
    wf.copy(c, a, { dstOffset: 2, srcOffset: 0, count: 3 });
    expect(c.toArray()).toEqual([0, 0, 1, 2, 3]);
    const h = wf.zeros(5, { device: "cpu" });
    wf.copy(h, c, { srcOffset: 2 });
    expect(h.toArray()).toEqual([1, 2, 3, 0, 0]);
    const s = new wf.Stream(dev);
    const pooled = wf.full(1000, 3, { dtype: wf.float32, device: dev, stream: s });
    s.synchronize();
    expect(pooled.toArray().every((v: number) => v === 3)).toBe(true);
    pooled.dispose();
    s.dispose();
  });

  it("orders launches on streams, records and times events", () => {
    const s = new wf.Stream(dev);
    const y = wf.zeros(1 << 20, { device: dev, stream: s });
    const start = s.record();
    for (let k = 0; k < 50; k++) wf.launch(m.kernels.addOne, y.size, [y], { stream: s });
    const end = s.record();
    s.synchronize();
    expect(end.recorded).toBe(true);
    const ms = wf.elapsedMs(start, end);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(10_000);
    const out = y.toTypedArray() as Float32Array;
    expect(out[0]).toBe(50);
    expect(out[out.length - 1]).toBe(50);
    wf.withStream(s, () => wf.launch(m.kernels.addOne, y.size, [y]));
    wf.synchronize();
    expect((y.toTypedArray() as Float32Array)[12345]).toBe(51);
    s.dispose();
  });

  it("captures a multi-kernel step into a graph and replays it", () => {
    const x = wf.full(4096, 1, { dtype: wf.float32, device: dev }), y = wf.zeros(4096, { device: dev }), z = wf.zeros(4096, { device: dev });
    // The capture names its device: tests run with WEFT_DEVICE=cpu as the default device.
    const g = wf.capture(() => {
      y.fill(0.5);
      for (let k = 0; k < 10; k++) wf.launch(m.kernels.saxpy, 4096, [1, x, y]);
      wf.copy(z, y);
      wf.launch(dbg.kernels.addOne, 4096, [z]);    // a debug module: no synchronization while capturing
    }, { device: dev });
    expect(g.launches).toBe(11);
    expect(y.toArray()[0]).toBe(0);   // nothing ran during the capture
    g.launch();
    g.launch();
    wf.synchronize();
    expect(y.toArray()[4095]).toBe(10.5);
    expect(z.toArray()[0]).toBe(11.5);
    const s = new wf.Stream(dev);
    g.launch(s);
    s.synchronize();
    expect(z.toArray()[17]).toBe(11.5);
    expect(() => wf.capture(() => { wf.launch(m.kernels.addOne, 4096, [y]); y.toArray(); }, { device: dev })).toThrow(/cannot be captured into a CUDA graph/);
    expect(() => wf.capture(() => { wf.zeros(4, { device: dev }); }, { device: dev })).toThrow(/not possible inside wf.capture/);
    const again = wf.capture(() => wf.launch(m.kernels.addOne, 4096, [y]), { device: dev });
    again.launch();
    wf.synchronize();
    expect(y.toArray()[0]).toBe(11.5);
    g.dispose(); again.dispose(); s.dispose();
  });

  it("reports an out-of-bounds write of a replayed debug kernel at wf.synchronize()", () => {
    const y = wf.zeros(4, { device: dev });
    expect(() => wf.launch(dbg.kernels.shifted, 4, [y, 1])).toThrow(/index 4 out of bounds for axis 0 with size 4 in argument 'y' in kernel 'shifted'/);
    const g = wf.capture(() => wf.launch(dbg.kernels.shifted, 4, [y, 2]), { device: dev });
    g.launch();
    let trap: unknown = null;
    try { wf.synchronize(); } catch (e) { trap = e; }
    expect(trap).toBeInstanceOf(wf.KernelTrap);
    expect((trap as Error).message).toMatch(/^index [45] out of bounds for axis 0 with size 4 in argument 'y' in kernel 'shifted' at gpudbg.ts:5:\d+$/);
    expect(() => wf.synchronize()).not.toThrow();   // the record was cleared
    g.dispose();
  });

  it("names the size and the device when out of memory, and stays usable", () => {
    let err: any = null;
    try { wf.empty(2 ** 42, { dtype: wf.float32, device: dev }); } catch (e) { err = e; }
    expect(err?.code).toBe("CUDA_ERROR_OUT_OF_MEMORY");
    expect(err.message).toMatch(new RegExp(`^out of memory on ${dev} \\(.*\\): cannot allocate 16\\.0 TiB \\(17592186044416 bytes\\)`));
    expect(wf.ones(4, { device: dev }).toArray()).toEqual([1, 1, 1, 1]);
  });

  it("marks the device lost after an illegal address, and keeps the cpu working (child process)", () => {
    const r = runChild(`
      await wf.init();
      const m = await wf.loadModule({ source: ${JSON.stringify(SOURCE)}, name: "wild", file: "wild.ts" }, { device: "cuda:0" });
      const y = wf.zeros(4, { device: "cuda:0" });
      const out = {};
      wf.launch(m.kernels.shifted, 4, [y, 1 << 30]);   // 4 GiB past the array
      out.fault = err(() => wf.synchronize());
      out.after = err(() => wf.zeros(4, { device: "cuda:0" }));
      out.dispose = err(() => { y.dispose(); m.dispose(); });
      const c = wf.ones(3, { device: "cpu" });
      out.cpu = c.toArray();
      done(out);`, { fake: false, timeoutMs: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.result.fault.code).toMatch(/^CUDA_ERROR_(ILLEGAL_ADDRESS|LAUNCH_FAILED|MISALIGNED_ADDRESS|INVALID_ADDRESS_SPACE)$/);
    expect(r.result.fault.message).toMatch(/device cuda:0 is now lost; restart the process to use it again$/);
    expect(r.result.after.code).toBe("WEFT_DEVICE_LOST");
    expect(r.result.dispose).toBeNull();
    expect(r.result.cpu).toEqual([1, 1, 1]);
  });

  it("refuses arrays of two GPUs in one launch (machines with two or more)", () => {
    const gpus = wf.devices().filter((d) => d.isCuda);
    if (gpus.length < 2) return;
    const a = wf.ones(4, { device: gpus[0] }), b = wf.zeros(4, { device: gpus[1] });
    expect(() => wf.launch(m.kernels.saxpy, 4, [1, a, b])).toThrow(/'x' is on cuda:0 and 'y' is on cuda:1/);
    expect(a.to(gpus[1]).toArray()).toEqual([1, 1, 1, 1]);
  });
});
