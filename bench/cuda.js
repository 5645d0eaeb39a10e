// The CUDA benchmark (first CUDA device; [] when there is none). Device times come from events on
// the device's default stream, host times from performance.now(); every ratio is measured in this run.
//
//   saxpy 2^26 f32 beside a device-to-device copy of the same bytes: achieved bandwidth (bytes read
//     plus bytes written per second); the target is saxpy >= 90% of the copy
//   host-side launch overhead of a tiny kernel from JS (target <= 4 us)
//   a CUDA graph of 100 small kernels, replayed: device time per kernel (target <= 1 us), beside the
//     same 100 launches without a graph
//   the core kernels (bench/kernels/core.ts: saxpy 16M, n-body 4096) on wasm with all cores vs cuda
//   cold compile of bench/kernels/ten.ts for the GPU (kernel cache off; frontend and NVRTC warmed by
//     another module, as bench/core.js does for wasm; target <= 1.5 s), the same with NVRTC's first
//     use in the process, and its cache-hit load in a fresh process (target <= 20 ms)
import * as wf from "weft";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchDir, best, rootDir, runFresh } from "./lib.js";

/** Best device time in seconds of one call of `fn` (`inner` calls between two events), over `reps`. */
function deviceTime(device, fn, { reps = 10, warmup = 2, inner = 1 } = {}) {
  for (let k = 0; k < warmup; k++) fn();
  const a = new wf.Event(device, { timing: true }), b = new wf.Event(device, { timing: true });
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    a.record();
    for (let k = 0; k < inner; k++) fn();
    b.record();
    t = Math.min(t, wf.elapsedMs(a, b) / inner / 1000);
  }
  wf.synchronize(device);
  a.dispose(); b.dispose();
  return t;
}

function cudaDevice() {
  const want = process.env.WEFT_BENCH_DEVICE ?? process.env.WEFT_DEVICE;
  if (want?.startsWith("cuda")) return wf.getDevice(want);
  return wf.devices().find((d) => d.isCuda) ?? null;
}

export async function cudaBench({ quick = false } = {}) {
  await wf.init();
  const dev = cudaDevice();
  if (!dev) return [];
  const name = dev.name;
  const rows = [];
  const reps = quick ? 5 : 20;
  const core = join(benchDir, "kernels", "core.ts");
  const m = await wf.loadModule(core, { device: name });
  const mc = await wf.loadModule(core, { device: "cpu" });
  const stream = wf.getStream(name);

  // --- saxpy 2^26 f32 vs a device-to-device copy of the same bytes -------------------------------
  {
    const n = 1 << 26;
    const x = wf.full(n, 1, { dtype: wf.float32, device: name }), y = wf.full(n, 2, { dtype: wf.float32, device: name });
    const z = wf.empty(n, { dtype: wf.float32, device: name });
    const tSaxpy = deviceTime(name, () => wf.launch(m.kernels.saxpy, n, [0.5, x, y]), { reps });
    const tCopy = deviceTime(name, () => wf.copy(z, y), { reps });
    const saxpyGBs = (12 * n) / tSaxpy / 1e9, copyGBs = (8 * n) / tCopy / 1e9;   // bytes read + written
    const b = `saxpy 64M f32 (${name})`;
    rows.push({ bench: b, measure: "cuda saxpy", value: saxpyGBs, unit: "GB/s", vs: "memcpy DtoD", ratio: saxpyGBs / copyGBs, target: ">= 0.9" });
    rows.push({ bench: b, measure: "memcpy DtoD 256 MiB", value: copyGBs, unit: "GB/s" });
    x.dispose(); y.dispose(); z.dispose();
  }

  // --- host-side launch overhead ------------------------------------------------------------------
  {
    const e = wf.zeros(1, { device: name });
    const batch = 500, batches = quick ? 4 : 40;
    for (let k = 0; k < batch; k++) wf.launch(m.kernels.empty, 1, [e]);
    stream.synchronize();
    let t = Infinity;
    for (let r = 0; r < 3; r++) {
      let sum = 0;
      // Batches stay below the driver's launch queue depth, so the host never waits for the GPU.
      for (let b = 0; b < batches; b++) {
        const t0 = performance.now();
        for (let k = 0; k < batch; k++) wf.launch(m.kernels.empty, 1, [e]);
        sum += performance.now() - t0;
        stream.synchronize();
      }
      t = Math.min(t, sum / (batch * batches));
    }
    rows.push({ bench: "empty kernel", measure: `cuda launch overhead (host)`, value: t * 1000, unit: "µs", target: "<= 4" });
    e.dispose();
  }

  // --- a replayed graph of 100 small kernels ---------------------------------------------------------
  {
    const k = 100, n = 1024;
    const x = wf.full(n, 1, { dtype: wf.float32, device: name }), y = wf.zeros(n, { dtype: wf.float32, device: name });
    const step = () => { for (let i = 0; i < k; i++) wf.launch(m.kernels.saxpy, n, [1e-3, x, y]); };
    const g = wf.capture(step, { device: name });
    const tGraph = deviceTime(name, () => g.launch(), { reps, inner: 10 });
    const tPlain = deviceTime(name, step, { reps, inner: 2 });
    const t0 = performance.now();
    for (let r = 0; r < 50; r++) g.launch();
    stream.synchronize();
    const wall = (performance.now() - t0) / 1000 / 50;
    const b = `graph of ${k} saxpy 1K`;
    rows.push({ bench: b, measure: "cuda graph replay, device time", value: (tGraph / k) * 1e6, unit: "µs/kernel", vs: "plain launches", ratio: tPlain / tGraph, target: "<= 1" });
    rows.push({ bench: b, measure: "cuda graph replay, wall time", value: (wall / k) * 1e6, unit: "µs/kernel" });
    rows.push({ bench: b, measure: "plain launches, device time", value: (tPlain / k) * 1e6, unit: "µs/kernel" });
    g.dispose(); x.dispose(); y.dispose();
  }

  // --- core kernels: wasm on all cores vs cuda ---------------------------------------------------------
  {
    const threads = wf.getCpuThreads();
    const n = quick ? 1 << 22 : 1 << 24;
    const xs = new Float32Array(n).map((_, i) => (i % 1000) * 0.001);
    const xc = wf.array(xs, { device: "cpu" }), yc = wf.full(n, 1, { dtype: wf.float32, device: "cpu" });
    const xg = wf.array(xs, { device: name }), yg = wf.full(n, 1, { dtype: wf.float32, device: name });
    const tCpu = best(() => wf.launch(mc.kernels.saxpy, n, [0.5, xc, yc]), { reps: quick ? 3 : 10 });
    const tGpu = deviceTime(name, () => wf.launch(m.kernels.saxpy, n, [0.5, xg, yg]), { reps });
    const gbs = (s) => (12 * n) / s / 1e9;
    const b = `saxpy ${n >> 20}M f32`;
    rows.push({ bench: b, measure: `cuda ${name}`, value: gbs(tGpu), unit: "GB/s", vs: `wasm ${threads} threads`, ratio: tCpu / tGpu });
    rows.push({ bench: b, measure: `wasm ${threads} threads`, value: gbs(tCpu), unit: "GB/s" });
    for (const a of [xc, yc, xg, yg]) a.dispose();

    const nb = 4096;
    let seed = 1;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) >>> 8) / 16777216;
    const pos = new Float32Array(nb * 3).map(() => rnd() * 2 - 1);
    const cpu = [wf.array(pos, { dtype: wf.vec3, device: "cpu" }), wf.zeros(nb, { dtype: wf.vec3, device: "cpu" }),
      wf.full(nb, 1 / nb, { dtype: wf.float32, device: "cpu" })];
    const gpu = cpu.map((a) => a.to(name));
    const tCpuNb = best(() => wf.launch(mc.kernels.nbody, nb, [...cpu, 0.001, 0.01]), { reps: quick ? 2 : 5 });
    const tGpuNb = deviceTime(name, () => wf.launch(m.kernels.nbody, nb, [...gpu, 0.001, 0.01]), { reps });
    const pairs = (s) => (nb * nb) / s / 1e9;
    rows.push({ bench: `n-body ${nb}`, measure: `cuda ${name}`, value: pairs(tGpuNb), unit: "G pair/s", vs: `wasm ${threads} threads`, ratio: tCpuNb / tGpuNb });
    rows.push({ bench: `n-body ${nb}`, measure: `wasm ${threads} threads`, value: pairs(tCpuNb), unit: "G pair/s" });
    for (const a of [...cpu, ...gpu]) a.dispose();
  }

  // --- NVRTC compile: cold (cache off) and cache hit, each in a fresh process -----------------------------
  {
    const ten = join(benchDir, "kernels", "ten.ts");
    const dist = join(rootDir, "dist", "engine", "index.js");
    // warm: another module compiled first, for "cpu" (frontend loaded) or for the GPU (NVRTC loaded too).
    const probe = (warm) => `
      import * as wf from ${JSON.stringify(dist)};
      await wf.init();
      ${warm ? `await wf.loadModule(${JSON.stringify(core)}, { device: ${JSON.stringify(warm)} });` : ""}
      const t0 = performance.now();
      const m = await wf.loadModule(${JSON.stringify(ten)}, { device: ${JSON.stringify(name)} });
      const ms = performance.now() - t0;
      console.log(JSON.stringify({ ms, cache: m.loads[0].cache }));
      process.exit(0);`;
    const off = { WEFT_CACHE: "0", WEFT_CACHE_DIR: mkdtempSync(join(tmpdir(), "weft-bench-cuda-cold-")) };
    const cold = runFresh(probe(name), off);
    const first = runFresh(probe("cpu"), off);
    const dir = mkdtempSync(join(tmpdir(), "weft-bench-cuda-cache-"));
    runFresh(probe("cpu"), { WEFT_CACHE_DIR: dir });                 // fills the cache
    const hit = runFresh(probe(null), { WEFT_CACHE_DIR: dir });
    const cache = (r) => (r.cache === "miss" ? "cache off" : `cache ${r.cache}`);
    rows.push({ bench: "10-kernel module", measure: `cuda cold compile (NVRTC warm, ${cache(cold)})`, value: cold.ms, unit: "ms", target: "<= 1500" });
    rows.push({ bench: "10-kernel module", measure: `cuda cold compile (first NVRTC use, ${cache(first)})`, value: first.ms, unit: "ms" });
    rows.push({ bench: "10-kernel module", measure: `cuda cache hit, fresh process (${hit.cache})`, value: hit.ms, unit: "ms", target: "<= 20" });
  }
  return rows;
}
