// The hash-grid benchmark: wf.HashGrid build and neighbour query over 1M random points (density
// such that a query radius of one cell width finds ~30 neighbours; a 128^3 grid as in Warp's
// examples) on wasm (1 thread and all cores) and on the first CUDA device, and the DEM example
// (examples/dem: 100k grains, 64 substeps per frame, grid rebuilt every few substeps) in frames/s.
// Device times on CUDA come from events on the default stream; CPU times are wall clock.
//
//   node bench/run.js --only hashgrid [--quick]      (quick: 256k points, DEM with 20k grains on the CPU)
import * as wf from "weft";
import { best } from "./lib.js";
import { createDem } from "../examples/dem/sim.js";

const QUERY = `
import { tid, Array, vec3, f32, i32, dot, HashGrid, hashGridQuery, hashGridQueryNext, hashGridPointId } from "weft/kernels";

/** Neighbours of each point within r (itself included), threads in cell order. */
@kernel
export function countNeighbours(grid: HashGrid, x: Array<vec3>, r: f32, out: Array<i32>): void {
  const i = hashGridPointId(grid, tid());
  if (i < 0) return;
  const p = x[i];
  let q = hashGridQuery(grid, p, r);
  let c = 0;
  while (q.index >= 0) {
    const d = x[q.index] - p;
    if (dot(d, d) <= r * r) c += 1;
    q = hashGridQueryNext(q);
  }
  out[i] = c;
}
`;

/** Best device time in seconds of one call of `fn`, between two timing events, over `reps`. */
function deviceTime(device, fn, { reps = 10, warmup = 2 } = {}) {
  for (let k = 0; k < warmup; k++) fn();
  const a = new wf.Event(device, { timing: true }), b = new wf.Event(device, { timing: true });
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    a.record();
    fn();
    b.record();
    t = Math.min(t, wf.elapsedMs(a, b) / 1000);
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

export async function hashgridBench({ quick = false } = {}) {
  await wf.init();
  const rows = [];
  const cuda = cudaDevice();
  const all = wf.getCpuThreads();

  // --- build and query ------------------------------------------------------------------------------
  const n = quick ? 1 << 18 : 1 << 20;
  const radius = 1, density = 30 / ((4 / 3) * Math.PI);   // points per unit volume: ~30 within r = 1
  const side = Math.cbrt(n / density);
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pts = new Float32Array(3 * n).map(() => rnd() * side);
  const label = `hash grid ${n >= 1 << 20 ? `${n >> 20}M` : `${n >> 10}k`} points`;
  const targets = [["cpu", null], ...(cuda ? [[cuda.name, cuda]] : [])];
  for (const [device, dev] of targets) {
    const m = await wf.loadModule({ source: QUERY, name: "bench_hashgrid" }, { device });
    const x = wf.array(pts, { dtype: wf.vec3, device });
    const out = wf.zeros(n, { dtype: wf.int32, device });
    const grid = new wf.HashGrid(128, 128, 128, { device });
    grid.reserve(n);
    const build = () => grid.build(x, radius);
    const query = () => wf.launch(m.kernels.countNeighbours, n, [grid, x, radius, out]);
    build();
    query();
    const counts = out.to("cpu").toTypedArray();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += counts[i];
    const mean = sum / n - 1;
    if (dev) {
      const tb = deviceTime(device, build, { reps: quick ? 5 : 20 }), tq = deviceTime(device, query, { reps: quick ? 5 : 20 });
      const host = best(() => { build(); wf.synchronize(device); }, { reps: quick ? 3 : 10 });
      rows.push({ bench: label, measure: `build cuda (${device})`, value: tb * 1e3, unit: "ms", target: "<= 0.2" });
      rows.push({ bench: label, measure: "build cuda, host to host", value: host * 1e3, unit: "ms" });
      rows.push({ bench: label, measure: `query cuda (${mean.toFixed(1)} neighbours)`, value: tq * 1e3, unit: "ms", target: "<= 1" });
    } else {
      for (const threads of [1, all]) {
        if (threads === 1 && quick) continue;
        wf.setCpuThreads(threads);
        const tb = best(build, { reps: quick ? 3 : 5 }), tq = best(query, { reps: quick ? 2 : 3 });
        const t = `wasm ${threads} thread${threads > 1 ? "s" : ""}`;
        rows.push({ bench: label, measure: `build ${t}`, value: tb * 1e3, unit: "ms" });
        rows.push({ bench: label, measure: `query ${t} (${mean.toFixed(1)} neighbours)`, value: tq * 1e3, unit: "ms" });
        rows.push({ bench: label, measure: `query ${t}, per point`, value: (tq * 1e9) / n, unit: "ns" });
      }
      wf.setCpuThreads(all);
    }
    grid.dispose(); x.dispose(); out.dispose();
  }

  // --- DEM: 100k grains, 64 substeps per frame --------------------------------------------------------
  for (const [device, dev] of targets) {
    const grains = dev ? 100_000 : quick ? 20_000 : 100_000;
    const sim = await createDem({ n: grains, device });
    const warm = dev ? 20 : 2, frames = dev ? (quick ? 60 : 240) : quick ? 3 : 4;
    for (let k = 0; k < warm; k++) sim.frame();   // past the compile and into the settling
    wf.synchronize(device);
    const b0 = sim.builds;
    const t0 = performance.now();
    for (let k = 0; k < frames; k++) sim.frame();
    wf.synchronize(device);
    const sec = (performance.now() - t0) / 1000;
    const fps = frames / sec;
    const what = dev ? `cuda (${device})` : `wasm ${all} threads`;
    rows.push({ bench: `DEM ${grains >= 1000 ? `${grains / 1000}k` : grains} grains`, measure: `${what} frames/s (64 substeps)`, value: fps, unit: "frames/s", target: dev ? ">= 60" : undefined });
    rows.push({ bench: `DEM ${grains >= 1000 ? `${grains / 1000}k` : grains} grains`, measure: `${what} substeps/s, ${((sim.builds - b0) / frames).toFixed(1)} builds/frame`, value: fps * sim.substeps, unit: "substeps/s" });
    sim.dispose();
  }
  return rows;
}
