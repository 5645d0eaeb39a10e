// The CUDA runtime (devices, memory, copies, launches, streams, events, graph capture, dispatcher,
// errors) against a fake libcuda.so.1 (test/fixtures/fake-libcuda), so it is checked on machines
// without a GPU. Each scenario runs in a child process that loads the fake through LD_LIBRARY_PATH.
// Kernels never run on the fake: it records launches, and where a result matters the scenario runs
// a recorded saxpy itself on the fake's memory (emulateSaxpy), which checks that the packed
// arguments point at the arrays. Real execution is covered by cuda-runtime-gpu.test.ts on a GPU host.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeCudaSkipReason, runChild, runOk } from "./fixtures/fake-libcuda/harness.ts";

const skip = fakeCudaSkipReason();
const suite = skip ? describe.skip : describe;
if (skip) console.warn(`cuda-runtime tests skipped: ${skip}`);

const KERNELS = JSON.stringify(`import { tid, Array, Array2D, f32 } from "weft/kernels";
@kernel export function saxpy(a: f32, x: Array<f32>, y: Array<f32>): void { const i = tid(); y[i] = a * x[i] + y[i]; }
@kernel export function grid2(out: Array2D<f32>, s: f32): void { const [i, j] = tid(); out[i, j] = s * f32(i * 10 + j); }
@kernel export function grid4(out: Array<f32>): void { const [i, j, k, l] = tid(); out[((i * 3 + j) * 4 + k) * 5 + l] = 1.0; }
`);

/** Scenario helpers: load the kernels, decode recorded launches, run a recorded saxpy on the fake. */
const HELPERS = `
await wf.init();
async function kernels(device = "cuda:0", opts = {}) {
  return wf.loadModule({ source: ${KERNELS}, name: "rt", file: "rt.ts" }, { device, ...opts });
}
function decode(rec) {
  const dv = new DataView(rec.params.buffer, rec.params.byteOffset, rec.params.byteLength);
  return { dv, dims: [0, 1, 2, 3].map((k) => dv.getInt32(4 * k, true)), total: Number(dv.getBigInt64(16, true)) };
}
function arrayAt(dv, off) {
  return { data: dv.getBigUint64(off, true), shape: [0, 1, 2, 3].map((k) => dv.getInt32(off + 16 + 4 * k, true)),
    strides: [0, 1, 2, 3].map((k) => dv.getInt32(off + 32 + 4 * k, true)) };
}
/** saxpy(a: f32, x, y): dims at 0, a at 32, x at 40, y at 88 (layout.ts). */
function emulateSaxpy(rec) {
  const { dv, total } = decode(rec);
  const a = dv.getFloat32(32, true), x = arrayAt(dv, 40), y = arrayAt(dv, 88);
  const xs = new Float32Array(fake().peek(x.data, total * 4).buffer), ys = new Float32Array(fake().peek(y.data, total * 4).buffer);
  for (let i = 0; i < total; i++) ys[i] = Math.fround(a * xs[i] + ys[i]);
  fake().poke(y.data, new Uint8Array(ys.buffer));
}
const calls = (name) => fake().calls()[name] ?? 0;
const launches = () => fake().launches();
`;

suite("cuda devices and the dispatcher (fake driver)", () => {
  it("registers cuda:N with name, memory and compute capability; the default device is cuda:0", () => {
    const r = runChild(HELPERS + `
      done({
        devices: wf.devices().map((d) => ({ name: d.name, kind: d.kind, ...d.info })),
        current: wf.getDevice().name, status: wf.cudaStatus(),
      });`, { env: { FAKE_CUDA_DEVICES: "2", FAKE_CUDA_MEM_MB: "4096" } });
    expect(r.status, r.stderr).toBe(0);
    const { devices, current, status } = r.result;
    expect(devices.map((d: any) => d.name)).toEqual(["cpu", "cuda:0", "cuda:1"]);
    expect(devices[2]).toMatchObject({
      kind: "cuda", ordinal: 1, description: "weft fake sm_90 device 1 (host memory)", totalMemory: 4096 * 2 ** 20,
      computeCapability: [9, 0], arch: "sm_90",
    });
    expect(current).toBe("cuda:0");
    expect(status).toEqual({ available: true, reason: "" });
    expect(r.stderr).not.toMatch(/CUDA is unavailable/);
  });

  it("WEFT_DEVICE picks the default device; an unknown one is a clear error", () => {
    const out = runOk(HELPERS + `
      const fromEnv = wf.getDevice().name;
      const arr = wf.zeros(3);
      delete process.env.WEFT_DEVICE;
      const auto = wf.getDevice().name;
      process.env.WEFT_DEVICE = "cuda:1";
      const second = wf.getDevice().name;
      process.env.WEFT_DEVICE = "cuda:7";
      done({ fromEnv, arrDevice: arr.device.name, auto, second, bad: err(() => wf.getDevice()) });`,
    { env: { FAKE_CUDA_DEVICES: "2", WEFT_DEVICE: "cpu" } });
    expect(out.fromEnv).toBe("cpu");
    expect(out.arrDevice).toBe("cpu");
    expect(out.auto).toBe("cuda:0");
    expect(out.second).toBe("cuda:1");
    expect(out.bad.message).toBe("unknown device 'cuda:7': available devices are cpu, cuda:0, cuda:1");
  });

  it("arrays from two devices in one launch are an error naming both; so is a stream of another device", () => {
    const out = runOk(HELPERS + `
      const m = await kernels("cuda:0");
      const x0 = wf.ones(4, { device: "cuda:0" }), y1 = wf.zeros(4, { device: "cuda:1" }), yc = wf.zeros(4, { device: "cpu" });
      const s1 = new wf.Stream("cuda:1");
      done({
        twoGpus: err(() => wf.launch(m.kernels.saxpy, 4, [1, x0, y1])),
        gpuCpu: err(() => wf.launch(m.kernels.saxpy, 4, [1, x0, yc])),
        stream: err(() => wf.launch(m.kernels.saxpy, 4, [1, x0, wf.zeros(4, { device: "cuda:0" })], { stream: s1 })),
        notStream: err(() => wf.launch(m.kernels.saxpy, 4, [1, x0, x0], { stream: 5 })),
        launched: launches().length,
      });`, { env: { FAKE_CUDA_DEVICES: "2" } });
    expect(out.twoGpus.message).toMatch(/'x' is on cuda:0 and 'y' is on cuda:1/);
    expect(out.gpuCpu.message).toMatch(/'x' is on cuda:0 and 'y' is on cpu/);
    expect(out.stream.message).toMatch(/the stream is on cuda:1 but the launch runs on cuda:0/);
    expect(out.notStream.message).toMatch(/options.stream must be a wf.Stream, got/);
    expect(out.launched).toBe(0);
  });
});

suite("device memory and copies (fake driver)", () => {
  it("allocates, fills, copies host<->device and device<->device, and frees", () => {
    const out = runOk(HELPERS + `
      const dev = "cuda:0";
      const base = fake().state().allocations;
      const r = {};
      // The fake's fresh memory is 0xA5 bytes: zeros must really clear it.
      r.zeros = wf.zeros(5, { device: dev }).toArray();
      let before = calls("cuMemsetD32_v2");
      r.f32 = wf.full(3, 2.5, { dtype: wf.float32, device: dev }).toArray();
      r.vec3same = wf.full(2, [2, 2, 2], { dtype: wf.vec3, device: dev }).toArray();
      r.memsetD32 = calls("cuMemsetD32_v2") - before;
      r.vec3 = wf.full(3, [1, 2, 3], { dtype: wf.vec3, device: dev }).toArray();
      r.f64 = wf.full(2, 1.5, { dtype: wf.float64, device: dev }).toArray();
      r.i64 = wf.full(2, -7n, { dtype: wf.int64, device: dev }).toTypedArray();
      r.ones = wf.ones(2, { dtype: wf.vec2, device: dev }).toArray();
      r.nested = wf.array([[1, 2, 3], [4, 5, 6]], { dtype: wf.float32, device: dev }).toArray();
      r.typed = Array.from(wf.array(new Float32Array([1, 2, 3, 4]), { device: dev }).toTypedArray());

      const host = wf.array(new Float32Array([10, 20, 30, 40]), { device: "cpu" });
      before = calls("cuMemcpyHtoD_v2");
      const onGpu = host.to(dev);
      r.htodCalls = calls("cuMemcpyHtoD_v2") - before;   // straight from the CPU's memory
      before = calls("cuMemcpyDtoD_v2");
      const clone = onGpu.clone();
      r.dtodCalls = calls("cuMemcpyDtoD_v2") - before;
      r.clone = clone.toArray();
      r.onGpu1 = onGpu.to("cuda:1").toArray();
      r.back = Array.from(clone.to("cpu").toTypedArray());
      const tgt = wf.zeros(4, { device: dev });
      tgt.assign(onGpu); r.assignDev = tgt.toArray();
      tgt.assign([4, 3, 2, 1]); r.assignJs = tgt.toArray();
      const hostTgt = wf.zeros(4, { device: "cpu" });
      hostTgt.assign(tgt); r.assignToCpu = hostTgt.toArray();

      // wf.copy with element offsets, every direction.
      const a = wf.array(new Float32Array([1, 2, 3, 4, 5, 6]), { device: dev });
      const b = wf.zeros(6, { device: dev });
      wf.copy(b, a, { dstOffset: 1, srcOffset: 3, count: 2 }); r.copyDev = b.toArray();
      const c = wf.zeros(6, { device: "cpu" });
      wf.copy(c, a, { srcOffset: 4 }); r.copyToCpu = c.toArray();
      wf.copy(a, c, { count: 2 }); r.copyFromCpu = a.toArray();
      const d1 = wf.zeros(6, { device: "cuda:1" });
      wf.copy(d1, a); r.copyPeer = d1.toArray();
      r.copyErrors = [
        err(() => wf.copy(b, wf.zeros(6, { dtype: wf.int32, device: dev }))),
        err(() => wf.copy(b, a, { dstOffset: 5, count: 2 })),
        err(() => wf.copy(b, a, { count: -1 })),
      ];
      r.slice = wf.array(new Float32Array([0, 1, 2, 3, 4, 5]), { device: dev }).reshape([3, 2]).slice(1, 3).toArray();

      // Every array above is garbage now; dispose a few explicitly and watch the fake's allocations.
      const n0 = fake().state().allocations;
      const big = wf.zeros(1 << 20, { device: dev });
      r.bytesInUse = wf.getDevice(dev).memory.bytesInUse() >= 4 << 20;
      r.usedAfterAlloc = fake().state().usedBytes[0];
      big.dispose(); big.dispose();
      r.freedOne = fake().state().allocations === n0;
      r.useAfterDispose = err(() => big.toArray());
      r.base = base;
      done(r);`, { env: { FAKE_CUDA_DEVICES: "2" } });
    expect(out.zeros).toEqual([0, 0, 0, 0, 0]);
    expect(out.f32).toEqual([2.5, 2.5, 2.5]);
    expect(out.vec3same).toEqual([[2, 2, 2], [2, 2, 2]]);
    expect(out.memsetD32).toBe(2);  // a float, and a vec3 of one repeated word
    expect(out.vec3).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(out.f64).toEqual([1.5, 1.5]);
    expect(out.i64).toEqual({ 0: "-7n", 1: "-7n" });
    expect(out.ones).toEqual([[1, 1], [1, 1]]);
    expect(out.nested).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(out.typed).toEqual([1, 2, 3, 4]);
    expect(out.htodCalls).toBe(1);
    expect(out.dtodCalls).toBe(1);
    expect(out.clone).toEqual([10, 20, 30, 40]);
    expect(out.onGpu1).toEqual([10, 20, 30, 40]);
    expect(out.back).toEqual([10, 20, 30, 40]);
    expect(out.assignDev).toEqual([10, 20, 30, 40]);
    expect(out.assignJs).toEqual([4, 3, 2, 1]);
    expect(out.assignToCpu).toEqual([4, 3, 2, 1]);
    expect(out.copyDev).toEqual([0, 4, 5, 0, 0, 0]);
    expect(out.copyToCpu).toEqual([5, 6, 0, 0, 0, 0]);
    expect(out.copyFromCpu).toEqual([5, 6, 3, 4, 5, 6]);
    expect(out.copyPeer).toEqual([5, 6, 3, 4, 5, 6]);
    expect(out.copyErrors[0].message).toMatch(/dst holds f32 but src holds i32/);
    expect(out.copyErrors[1].message).toMatch(/do not fit/);
    expect(out.copyErrors[2].message).toMatch(/count must be a non-negative integer/);
    expect(out.slice).toEqual([[2, 3], [4, 5]]);
    expect(out.bytesInUse).toBe(true);
    expect(out.freedOne).toBe(true);
    expect(out.useAfterDispose.message).toMatch(/was disposed/);
  });

  it("allocates stream-ordered when a stream is given (and falls back without memory pools)", () => {
    const body = HELPERS + `
      const s = new wf.Stream("cuda:0");
      const c0 = { alloc: calls("cuMemAllocAsync"), set: calls("cuMemsetD8Async"), free: calls("cuMemFreeAsync"), plain: calls("cuMemAlloc_v2") };
      const a = wf.zeros(1000, { device: "cuda:0", stream: s });
      const b = wf.full(10, 3, { device: "cuda:0", stream: s });
      const after = { alloc: calls("cuMemAllocAsync") - c0.alloc, set: calls("cuMemsetD8Async") - c0.set, plain: calls("cuMemAlloc_v2") - c0.plain };
      const values = b.toArray();
      a.dispose();
      const freedAsync = calls("cuMemFreeAsync") - c0.free;
      s.dispose();
      b.dispose();   // its stream is gone: freed stream-ordered on the legacy stream instead
      const other = err(() => wf.zeros(4, { device: "cpu", stream: s }));
      done({ after, values, freedAsync, freedAfterStream: calls("cuMemFreeAsync") - c0.free, other, allocs: fake().state().allocations });`;
    const pools = runOk(body);
    expect(pools.after).toEqual({ alloc: 2, set: 1, plain: 0 });
    expect(pools.values).toEqual(new Array(10).fill(3));
    expect(pools.freedAsync).toBe(1);
    expect(pools.freedAfterStream).toBe(2);
    expect(pools.other.message).toMatch(/disposed|the stream is on cuda:0 but the array is allocated on cpu/);
    const noPools = runOk(body, { env: { FAKE_CUDA_NO_POOLS: "1" } });
    expect(noPools.after).toMatchObject({ alloc: 0, plain: 2 });
    expect(noPools.values).toEqual(new Array(10).fill(3));
  });
});

suite("launches, streams and events (fake driver)", () => {
  it("packs arguments in the kernel's layout, grid-strides, launches 1-4D and on streams", () => {
    const out = runOk(HELPERS + `
      const m = await kernels();
      const x = wf.array(new Float32Array([1, 2, 3, 4]), { device: "cuda:0" });
      const y = wf.array(new Float32Array([10, 20, 30, 40]), { device: "cuda:0" });
      fake().clearLaunches();
      wf.launch(m.kernels.saxpy, 4, [2, x, y]);
      const rec = launches()[0];
      const { dv, dims, total } = decode(rec);
      const r = { kernel: rec.kernel, grid: rec.grid, block: rec.block, stream: rec.stream, bytes: rec.params.length, dims, total,
        a: dv.getFloat32(32, true), x: arrayAt(dv, 40), y: arrayAt(dv, 88), xptr: x.ptr, yptr: y.ptr };
      emulateSaxpy(rec);
      r.result = y.toArray();
      // Grid: 256-thread blocks, capped at 32 blocks per SM (132 SMs): the kernels grid-stride.
      const big = wf.zeros(1 << 24, { device: "cuda:0" });
      wf.launch(m.kernels.saxpy, 1000000, [1, big, big]);
      wf.launch(m.kernels.saxpy, 1 << 24, [1, big, big]);
      r.grids = launches().slice(1).map((l) => l.grid[0]);
      const g = wf.zeros([3, 5], { device: "cuda:0" });
      wf.launch(m.kernels.grid2, [3, 5], [g, 1]);
      const g2 = decode(launches().at(-1));
      r.dims2 = g2.dims; r.total2 = g2.total; r.arr2 = arrayAt(g2.dv, 32);
      wf.launch(m.kernels.grid4, [2, 3, 4, 5], [wf.zeros(120, { device: "cuda:0" })]);
      const g4 = decode(launches().at(-1));
      r.dims4 = g4.dims; r.total4 = g4.total;
      // Streams: an explicit one, the current one (setStream / withStream), and back to the default.
      const s = new wf.Stream("cuda:0");
      wf.launch(m.kernels.saxpy, 4, [1, x, y], { stream: s });
      const prev = wf.setStream(s);
      wf.launch(m.kernels.saxpy, 4, [1, x, y]);
      r.getStream = wf.getStream("cuda:0") === s;
      wf.setStream(prev);
      wf.withStream(s, () => wf.launch(m.kernels.saxpy, 4, [1, x, y]));
      wf.launch(m.kernels.saxpy, 4, [1, x, y]);
      r.streams = launches().slice(-4).map((l) => l.stream === s.handle ? "s" : l.stream);
      r.zero = err(() => wf.launch(m.kernels.saxpy, 0, [1, x, y]));
      r.count = launches().length;
      s.dispose();
      r.disposed = err(() => wf.launch(m.kernels.saxpy, 4, [1, x, y], { stream: s }));
      done(r);`);
    expect(out.kernel).toBe("saxpy");
    expect(out.grid).toEqual([1, 1, 1]);
    expect(out.block).toEqual([256, 1, 1]);
    expect(out.stream).toBe("0n");
    expect(out.bytes).toBe(136);
    expect(out.dims).toEqual([4, 1, 1, 1]);
    expect(out.total).toBe(4);
    expect(out.a).toBe(2);
    expect(out.x).toEqual({ data: out.xptr, shape: [4, 1, 1, 1], strides: [4, 0, 0, 0] });
    expect(out.y.data).toBe(out.yptr);
    expect(out.result).toEqual([12, 24, 36, 48]);
    expect(out.grids).toEqual([Math.ceil(1e6 / 256), 132 * 32]);
    expect(out.dims2).toEqual([3, 5, 1, 1]);
    expect(out.total2).toBe(15);
    expect(out.arr2).toMatchObject({ shape: [3, 5, 1, 1], strides: [20, 4, 0, 0] });
    expect(out.dims4).toEqual([2, 3, 4, 5]);
    expect(out.total4).toBe(120);
    expect(out.getStream).toBe(true);
    expect(out.streams).toEqual(["s", "s", "s", "0n"]);
    expect(out.zero).toBeNull();
    expect(out.count).toBe(9);  // the 0-thread launch is not submitted
    expect(out.disposed.message).toMatch(/the stream on cuda:0 was disposed/);
  });

  it("records events on streams, times them and synchronizes; cpu streams and events work too", () => {
    const out = runOk(HELPERS + `
      const m = await kernels();
      const x = wf.zeros(4, { device: "cuda:0" });
      const s = new wf.Stream("cuda:0");
      const start = new wf.Event("cuda:0", { timing: true });
      s.record(start);
      for (let k = 0; k < 3; k++) wf.launch(m.kernels.saxpy, 4, [1, x, x], { stream: s });
      const end = s.record();
      const r = { ms: wf.elapsedMs(start, end) };
      const c = calls("cuEventSynchronize");
      end.synchronize();
      r.eventSync = calls("cuEventSynchronize") - c;
      const ss = calls("cuStreamSynchronize");
      s.synchronize();
      r.streamSync = calls("cuStreamSynchronize") - ss;
      const cs = calls("cuCtxSynchronize");
      wf.getStream("cuda:0").synchronize();   // the legacy stream: through the context
      wf.synchronize();
      wf.synchronize("cuda:0");
      r.ctxSync = calls("cuCtxSynchronize") - cs;
      const plain = new wf.Event("cuda:0");
      plain.record();
      r.noTiming = err(() => wf.elapsedMs(plain, end));
      r.notRecorded = err(() => wf.elapsedMs(new wf.Event("cuda:0", { timing: true }), end));
      r.otherDevice = err(() => new wf.Event("cpu").record(s));
      // On the cpu: the same code runs; launches finish before they return.
      const mc = await kernels("cpu");
      const cs2 = new wf.Stream("cpu"), a = new wf.Event("cpu", { timing: true });
      cs2.record(a);
      const xc = wf.ones(1000, { device: "cpu" });
      wf.launch(mc.kernels.saxpy, 1000, [1, xc, xc], { stream: cs2 });
      const b = cs2.record();
      cs2.synchronize();
      r.cpuMs = wf.elapsedMs(a, b);
      r.cpuValue = xc.toArray()[999];
      const before = fake().state();
      s.dispose(); start.dispose(); end.dispose(); plain.dispose();
      const after = fake().state();
      r.destroyed = { streams: before.streams - after.streams, events: before.events - after.events };
      done(r);`);
    expect(out.ms).toBeCloseTo(0.003, 6);  // the fake's clock: 1 us per launch
    expect(out.eventSync).toBe(1);
    expect(out.streamSync).toBe(1);
    expect(out.ctxSync).toBe(3);
    expect(out.noTiming.message).toMatch(/created without timing; create it with new wf.Event\(device, \{ timing: true \}\)/);
    expect(out.notRecorded.message).toMatch(/never recorded/);
    expect(out.otherDevice.message).toMatch(/the event is on cpu but the stream is on cuda:0/);
    expect(out.cpuMs).toBeGreaterThanOrEqual(0);
    expect(out.cpuValue).toBe(2);
    expect(out.destroyed).toEqual({ streams: 1, events: 3 });
  });
});

suite("CUDA graph capture (fake driver)", () => {
  it("captures a multi-kernel step with fills and copies, and replays it", () => {
    const out = runOk(HELPERS + `
      const m = await kernels();
      const x = wf.array(new Float32Array([1, 2, 3, 4]), { device: "cuda:0" });
      const y = wf.zeros(4, { device: "cuda:0" }), z = wf.zeros(4, { device: "cuda:0" });
      fake().clearLaunches();
      const g = wf.capture(() => {
        y.fill(1);
        wf.launch(m.kernels.saxpy, 4, [2, x, y]);
        wf.launch(m.kernels.saxpy, 4, [3, x, y]);
        wf.copy(z, y);
      });
      const r = { duringCapture: launches().length, count: g.launches, state: fake().state().capturing, y0: y.toArray() };
      g.launch();
      const recs = launches();
      r.replay = recs.map((l) => ({ graph: l.graph > 0, stream: l.stream, a: decode(l).dv.getFloat32(32, true) }));
      for (const l of recs) emulateSaxpy(l);
      r.y = y.toArray();
      r.z1 = z.toArray();   // the fake replays the copy at once, the kernels only when emulated
      g.launch();           // the fill resets y to 1 before the copy: z is 1s again
      r.z2 = z.toArray();
      for (const l of launches().slice(2)) emulateSaxpy(l);
      r.y2 = y.toArray();
      const s = new wf.Stream("cuda:0");
      g.launch(s);
      r.onStream = launches().at(-1).stream === s.handle;
      g.dispose();
      r.afterDispose = err(() => g.launch());
      r.execs = fake().state().graphExecs;
      done(r);`);
    expect(out.duringCapture).toBe(0);
    expect(out.count).toBe(2);
    expect(out.state).toBe(0);
    expect(out.y0).toEqual([0, 0, 0, 0]);  // nothing ran during the capture
    expect(out.replay).toEqual([{ graph: true, stream: "0n", a: 2 }, { graph: true, stream: "0n", a: 3 }]);
    expect(out.y).toEqual([6, 11, 16, 21]);  // fill(1) then y += 2x, y += 3x
    expect(out.z1).toEqual([1, 1, 1, 1]);
    expect(out.z2).toEqual([1, 1, 1, 1]);
    expect(out.y2).toEqual([6, 11, 16, 21]);
    expect(out.onStream).toBe(true);
    expect(out.afterDispose.message).toMatch(/was disposed/);
    expect(out.execs).toBe(0);
  });

  it("refuses what a graph cannot hold, with messages that say what to do, and recovers", () => {
    const out = runOk(HELPERS + `
      const m = await kernels();
      const x = wf.ones(4, { device: "cuda:0" }), y = wf.zeros(4, { device: "cuda:0" });
      const step = () => wf.launch(m.kernels.saxpy, 4, [1, x, y]);
      const r = {};
      r.read = err(() => wf.capture(() => { step(); y.toArray(); }));
      r.write = err(() => wf.capture(() => { step(); y.assign(new Float32Array(4)); }));
      r.alloc = err(() => wf.capture(() => { step(); wf.zeros(8, { device: "cuda:0" }); }));
      r.sync = err(() => wf.capture(() => { step(); wf.synchronize(); }));
      r.nested = err(() => wf.capture(() => { wf.capture(step); }));
      r.async = err(() => wf.capture(async () => { step(); }));
      r.legacy = err(() => wf.capture(step, { stream: wf.getStream("cuda:0") }));
      r.invalidated = (() => { fake().fail("cuStreamEndCapture", 901); return err(() => wf.capture(step)); })();
      r.state = fake().state();
      r.currentAfter = wf.getStream("cuda:0").isDefault;
      // Frees asked for during a capture wait for its end; the graph checks its arrays before a replay.
      const t = wf.zeros(16, { device: "cuda:0" });
      const f0 = calls("cuMemFree_v2");
      let freedInside = -1;
      const g = wf.capture(() => { step(); t.dispose(); freedInside = calls("cuMemFree_v2") - f0; });
      r.freed = { inside: freedInside, after: calls("cuMemFree_v2") - f0 };
      const u = wf.zeros(4, { device: "cuda:0" });
      const g2 = wf.capture(() => wf.launch(m.kernels.saxpy, 4, [1, x, u]));
      u.dispose();
      r.replayDisposed = err(() => g2.launch());
      g.launch();
      r.ok = launches().at(-1).graph > 0;
      // A user stream can be captured; the capture routes default-stream work to it.
      const s = new wf.Stream("cuda:0");
      fake().clearLaunches();
      const g3 = wf.capture(() => { step(); wf.launch(m.kernels.saxpy, 4, [1, x, y], { stream: s }); }, { stream: s });
      g3.launch(s);
      r.userStream = launches().map((l) => l.stream === s.handle);
      done(r);`);
    expect(out.read).toMatchObject({ code: "WEFT_CAPTURE_UNSUPPORTED" });
    expect(out.read.message).toMatch(/^copying 16 bytes to JS memory on cuda:0 cannot be captured into a CUDA graph: .*Fill arrays before wf.capture\(\).*read results after graph.launch\(\)/);
    expect(out.write.message).toMatch(/^copying 16 bytes from JS memory on cuda:0 cannot be captured into a CUDA graph/);
    expect(out.alloc.message).toMatch(/^allocating 32 bytes on cuda:0 is not possible inside wf.capture\(\).*Allocate arrays before the capture/);
    expect(out.sync.message).toMatch(/wf.synchronize\(\): cuda:0 is capturing a CUDA graph/);
    expect(out.nested.message).toMatch(/already in progress; captures do not nest/);
    expect(out.async.message).toMatch(/returned a promise/);
    expect(out.legacy.message).toMatch(/the default stream of cuda:0 cannot be captured/);
    expect(out.invalidated.message).toMatch(/an operation inside the capture could not be captured, so the graph was discarded/);
    expect(out.state).toMatchObject({ capturing: 0, graphExecs: 0, streams: 0 });
    expect(out.currentAfter).toBe(true);
    expect(out.freed).toEqual({ inside: 0, after: 1 });
    expect(out.replayDisposed.message).toMatch(/the graph uses WeftArray<f32>\[4\] on cuda:0 which was disposed/);
    expect(out.ok).toBe(true);
    expect(out.userStream).toEqual([true, true]);
  });

  it("captures debug modules, and wf.synchronize() reports a kernel's error record as a KernelTrap", () => {
    const out = runOk(HELPERS + `
      const m = await kernels("cuda:0", { debug: true });
      const x = wf.ones(4, { device: "cuda:0" }), y = wf.zeros(4, { device: "cuda:0" });
      const r = {};
      let ss = calls("cuStreamSynchronize");
      wf.launch(m.kernels.saxpy, 4, [1, x, y]);       // debug: synchronizes and checks at once
      r.debugSync = calls("cuStreamSynchronize") - ss;
      ss = calls("cuStreamSynchronize");
      const g = wf.capture(() => wf.launch(m.kernels.saxpy, 4, [1, x, y]));
      r.captureSync = calls("cuStreamSynchronize") - ss;
      g.launch();
      // The "kernel" of the replay hits a bounds check: write its error record as weft.cuh would.
      const handle = m.loadedFor(wf.getDevice("cuda:0"), "cuda").handle;
      const sites = handle.inner.meta.sites;
      const site = sites.findIndex((s) => s.what === "bounds" && s.paramName === "y");
      const rec = new DataView(new ArrayBuffer(80));
      rec.setInt32(0, 2, true); rec.setInt32(4, site, true); rec.setInt32(8, 3, true);
      rec.setBigInt64(16, 7n, true); rec.setBigInt64(24, 0n, true); rec.setBigInt64(32, 4n, true);
      const global = fake().modules().flatMap((mod) => mod.globals).find((g) => g.name === "weft_error");
      fake().poke(global.ptr, new Uint8Array(rec.buffer));
      try { wf.synchronize(); r.trap = null; } catch (e) { r.trap = { name: e.name, kernel: e.kernel, code: e.code, detail: e.detail, message: e.message }; }
      r.cleared = err(() => wf.synchronize());
      done(r);`);
    expect(out.debugSync).toBe(1);
    expect(out.captureSync).toBe(0);
    expect(out.trap).toMatchObject({ name: "KernelTrap", kernel: "saxpy", code: 2, detail: [7, 0, 4] });
    expect(out.trap.message).toMatch(/^index 7 out of bounds for axis 0 with size 4 in argument 'y' in kernel 'saxpy' at rt.ts:2:\d+$/);
    expect(out.cleared).toBeNull();
  });

  it("captures on the cpu too: launches are recorded, not run, and replayed in order", () => {
    const out = runOk(HELPERS + `
      const m = await kernels("cpu");
      const x = wf.array(new Float32Array([1, 2, 3]), { device: "cpu" }), y = wf.zeros(3, { device: "cpu" });
      const g = wf.capture(() => { wf.launch(m.kernels.saxpy, 3, [2, x, y]); wf.launch(m.kernels.saxpy, 3, [1, y, y]); }, { device: "cpu" });
      const before = y.toArray();
      g.launch();
      const once = y.toArray();
      g.launch();
      done({ before, once, twice: y.toArray(), launches: g.launches });`, { fake: false });
    expect(out.before).toEqual([0, 0, 0]);
    expect(out.once).toEqual([4, 8, 12]);
    expect(out.twice).toEqual([12, 24, 36]);
    expect(out.launches).toBe(2);
  });
});

suite("errors (fake driver)", () => {
  it("out of memory names the size and the device; an invalid launch names the kernel; both leave the device usable", () => {
    const out = runOk(HELPERS + `
      const m = await kernels();
      const r = {};
      r.oom = err(() => wf.zeros(2 ** 29, { device: "cuda:0" }));
      const x = wf.ones(4, { device: "cuda:0" });
      fake().fail("cuLaunchKernel", 1);
      r.launch = err(() => wf.launch(m.kernels.saxpy, 4, [1, x, x]));
      wf.launch(m.kernels.saxpy, 4, [1, x, x]);
      r.after = x.toArray();
      r.sync = err(() => wf.synchronize());
      done(r);`, { env: { FAKE_CUDA_MEM_MB: "1024" } });
    expect(out.oom.code).toBe("CUDA_ERROR_OUT_OF_MEMORY");
    expect(out.oom.message).toMatch(/^out of memory on cuda:0 \(weft fake sm_90 device 0 \(host memory\)\): cannot allocate 2\.00 GiB \(2147483648 bytes\); 1\.00 GiB of 1\.00 GiB are free/);
    expect(out.launch.code).toBe("CUDA_ERROR_INVALID_VALUE");
    expect(out.launch.message).toBe("launch of kernel 'saxpy' over [4] on cuda:0 failed: cuLaunchKernel(grid 1x1x1, block 256x1x1) failed: CUDA_ERROR_INVALID_VALUE (invalid argument)");
    expect(out.after).toEqual([1, 1, 1, 1]);
    expect(out.sync).toBeNull();
  });

  it("a sticky device fault marks the device lost with a clear message; the cpu keeps working and nothing hangs", () => {
    const r = runChild(HELPERS + `
      const m = await kernels();
      const mc = await kernels("cpu");
      const x = wf.ones(4, { device: "cuda:0" });
      const s = new wf.Stream("cuda:0");
      const r = {};
      fake().asyncFault(700);   // an illegal address in the next kernel, reported at the next sync
      wf.launch(m.kernels.saxpy, 4, [1, x, x]);
      r.fault = err(() => wf.synchronize());
      r.alloc = err(() => wf.zeros(4, { device: "cuda:0" }));
      r.launch = err(() => wf.launch(m.kernels.saxpy, 4, [1, x, x]));
      r.read = err(() => x.toArray());
      r.again = err(() => wf.synchronize("cuda:0"));
      r.dispose = err(() => { x.dispose(); s.dispose(); m.dispose(); });
      const xc = wf.ones(4, { device: "cpu" });
      wf.launch(mc.kernels.saxpy, 4, [1, xc, xc]);
      r.cpu = xc.toArray();
      done(r);`, { timeoutMs: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = r.result;
    expect(out.fault.code).toBe("CUDA_ERROR_ILLEGAL_ADDRESS");
    expect(out.fault.message).toBe("synchronizing on cuda:0 failed: cuCtxSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS " +
      "(an illegal memory access was encountered); device cuda:0 is now lost; restart the process to use it again");
    const lost = /device cuda:0 is lost after a device fault \(CUDA_ERROR_ILLEGAL_ADDRESS in cuCtxSynchronize\); restart the process to use it again$/;
    for (const k of ["alloc", "launch", "read", "again"]) {
      expect(out[k].code, k).toBe("WEFT_DEVICE_LOST");
      expect(out[k].message, k).toMatch(lost);
    }
    expect(out.launch.message).toMatch(/^launch of kernel 'saxpy' over \[4\] on cuda:0 failed: /);
    expect(out.dispose).toBeNull();
    expect(out.cpu).toEqual([2, 2, 2, 2]);
  });
});

suite("without CUDA", () => {
  const cpuProgram = HELPERS.replace("await wf.init();", "await wf.init(); await wf.init();") + `
    const m = await kernels("cpu");
    const x = wf.ones(3, { device: "cpu" });
    wf.launch(m.kernels.saxpy, 3, [1, x, x]);
    wf.synchronize();
    done({ devices: wf.devices().map((d) => d.name), current: wf.getDevice().name, status: wf.cudaStatus(),
      x: x.toArray(), cuda: err(() => wf.zeros(2, { device: "cuda:0" })) });`;
  const warnings = (stderr: string) => stderr.split("\n").filter((l) => /CUDA is unavailable/.test(l));

  it("runs on the cpu when the addon is missing, and says so once", () => {
    const r = runChild(cpuProgram, { fake: false, env: { WEFT_CUDA_ADDON: "/nonexistent/weft_cuda.node" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ devices: ["cpu"], current: "cpu", x: [2, 2, 2], status: { available: false } });
    expect(r.result.status.reason).toMatch(/the CUDA addon is not built \(\/nonexistent\/weft_cuda.node is missing/);
    expect(r.result.cuda.message).toMatch(/^unknown device 'cuda:0': available devices are cpu \(the CUDA addon is not built/);
    expect(warnings(r.stderr)).toHaveLength(1);
    expect(warnings(r.stderr)[0]).toMatch(/^weft: CUDA is unavailable, running on cpu only: the CUDA addon is not built/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("runs on the cpu when the addon fails to load, and says so once", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-bad-addon-"));
    const bad = join(dir, "weft_cuda.node");
    writeFileSync(bad, "not a shared library");
    const r = runChild(cpuProgram, { fake: false, env: { WEFT_CUDA_ADDON: bad } });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ devices: ["cpu"], x: [2, 2, 2] });
    expect(r.result.status.reason).toMatch(/the CUDA addon .*weft_cuda.node failed to load/);
    expect(warnings(r.stderr)).toHaveLength(1);
  });

  it("says once why when the driver fails to start, and nothing when there is no driver", () => {
    const broken = runChild(cpuProgram, { env: { FAKE_CUDA_INIT_ERROR: "100" } });
    expect(broken.status, broken.stderr).toBe(0);
    expect(broken.result.status.reason).toMatch(/cuInit failed: CUDA_ERROR_NO_DEVICE/);
    expect(warnings(broken.stderr)).toHaveLength(1);
    const none = runChild(cpuProgram, { fake: false, env: { LD_LIBRARY_PATH: "/nonexistent" } });
    expect(none.status, none.stderr).toBe(0);
    expect(none.result.x).toEqual([2, 2, 2]);
    // On a machine with an NVIDIA driver this child sees the real one; either way no warning when
    // there is no driver, and a GPU (if any) shows up as cuda:0.
    if (!none.result.status.available) {
      expect(none.result.status.reason).toMatch(/libcuda.so.1 not found|no CUDA devices/);
      expect(warnings(none.stderr)).toHaveLength(0);
    }
  });
});
