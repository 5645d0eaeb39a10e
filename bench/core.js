// The core benchmark: saxpy on 16M f32 (memory bound) and an n-body step on 4096 bodies (compute
// bound) on wasm with one thread and with all cores, beside the same kernels in C built with
// gcc -O3 -march=native (one thread and OpenMP) in the same run; the launch overhead of an empty
// kernel; the cold compile of a 10-kernel module and its cache-hit load in a fresh process.
import * as wf from "weft";
import { cpus } from "node:os";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { benchDir, best, gccAvailable, rootDir, runFresh, runRef } from "./lib.js";

export async function coreBench({ quick = false } = {}) {
  await wf.init();
  const rows = [];
  const cores = cpus().length;
  const all = wf.getCpuThreads();
  const m = await wf.loadModule(join(benchDir, "kernels", "core.ts"), { device: "cpu" });
  const haveGcc = gccAvailable();

  // --- saxpy -------------------------------------------------------------------------------------
  const n = quick ? 1 << 22 : 1 << 24;
  const xs = new Float32Array(n).map((_, i) => (i % 1000) * 0.001);
  const cpu = { device: "cpu" };
  const x = wf.array(xs, cpu), y = wf.full(n, 1, { dtype: wf.float32, ...cpu });
  const gbs = (s) => (12 * n) / s / 1e9;
  const saxpy = (threads) => {
    wf.setCpuThreads(threads);
    return best(() => wf.launch(m.kernels.saxpy, n, [0.5, x, y]), { reps: quick ? 3 : 10 });
  };
  const s1 = saxpy(1), sAll = saxpy(all);
  const c1 = haveGcc ? runRef("saxpy", false, [n, quick ? 3 : 10]).seconds : NaN;
  const cOmp = haveGcc ? runRef("saxpy", true, [n, quick ? 3 : 10]).seconds : NaN;
  rows.push({ bench: `saxpy ${n >> 20}M f32`, measure: "wasm 1 thread", value: gbs(s1), unit: "GB/s", vs: "C 1 thread", ratio: c1 / s1 });
  rows.push({ bench: `saxpy ${n >> 20}M f32`, measure: `wasm ${all} threads`, value: gbs(sAll), unit: "GB/s", vs: `C OpenMP ${cores}`, ratio: cOmp / sAll, target: ">= 0.8" });
  rows.push({ bench: `saxpy ${n >> 20}M f32`, measure: "C 1 thread / OpenMP", value: gbs(c1), unit: "GB/s", vs: "", ratio: undefined, note: `${gbs(cOmp).toFixed(2)} GB/s OpenMP` });
  x.dispose(); y.dispose();

  // --- n-body --------------------------------------------------------------------------------------
  const nb = 4096;
  let seed = 1;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) >>> 8) / 16777216;
  const pos = new Float32Array(nb * 3).map(() => rnd() * 2 - 1);
  const p = wf.array(pos, { dtype: wf.vec3, ...cpu }), v = wf.zeros(nb, { dtype: wf.vec3, ...cpu }), mass = wf.full(nb, 1 / nb, { dtype: wf.float32, ...cpu });
  const interactions = (s) => (nb * nb) / s / 1e9;
  const nbody = (threads) => {
    wf.setCpuThreads(threads);
    return best(() => wf.launch(m.kernels.nbody, nb, [p, v, mass, 0.001, 0.01]), { reps: quick ? 2 : 5 });
  };
  const b1 = nbody(1), bAll = nbody(all);
  const nc1 = haveGcc ? runRef("nbody", false, [nb, quick ? 2 : 5]).seconds : NaN;
  const ncOmp = haveGcc ? runRef("nbody", true, [nb, quick ? 2 : 5]).seconds : NaN;
  rows.push({ bench: `n-body ${nb}`, measure: "wasm 1 thread", value: interactions(b1), unit: "G pair/s", vs: "C 1 thread", ratio: nc1 / b1, target: ">= 0.5" });
  rows.push({ bench: `n-body ${nb}`, measure: `wasm ${all} threads`, value: interactions(bAll), unit: "G pair/s", vs: `C OpenMP ${cores}`, ratio: ncOmp / bAll });
  rows.push({ bench: `n-body ${nb}`, measure: "C 1 thread", value: interactions(nc1), unit: "G pair/s" });
  wf.setCpuThreads(all);

  // --- launch overhead ------------------------------------------------------------------------------
  const e = wf.zeros(1, cpu);
  const N = quick ? 20000 : 200000;
  const tLaunch = best(() => { for (let k = 0; k < N; k++) wf.launch(m.kernels.empty, 1, [e]); }, { reps: 3 });
  rows.push({ bench: "empty kernel", measure: "launch overhead", value: (tLaunch / N) * 1e6, unit: "µs", target: "<= 5" });

  // --- compile times ----------------------------------------------------------------------------------
  const ten = join(benchDir, "kernels", "ten.ts");
  const cacheDir = mkdtempSync(join(tmpdir(), "weft-bench-cache-"));
  const dist = join(rootDir, "dist", "engine", "index.js");
  const probe = (cache) => `
    import * as wf from ${JSON.stringify(dist)};
    ${cache === "cold" ? "await wf.init(); await wf.loadModule(" + JSON.stringify(join(benchDir, "kernels", "core.ts")) + ");" : ""}
    const t0 = performance.now();
    const m = await wf.loadModule(${JSON.stringify(ten)});
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ ms, cache: m.loads[0].cache }));
    process.exit(0);`;
  // Cold: frontend and binaryen already loaded (another module compiled first), kernel cache empty.
  // These rows are the CPU path's: the child processes compile for the cpu device.
  const cold = runFresh(probe("cold"), { WEFT_CACHE_DIR: cacheDir, WEFT_DEVICE: "cpu" });
  const hit = runFresh(probe("hit"), { WEFT_CACHE_DIR: cacheDir, WEFT_DEVICE: "cpu" });
  rows.push({ bench: "10-kernel module", measure: `cold compile (${cold.cache})`, value: cold.ms, unit: "ms", target: "<= 500" });
  rows.push({ bench: "10-kernel module", measure: `cache hit, fresh process (${hit.cache})`, value: hit.ms, unit: "ms", target: "<= 20" });
  return rows;
}
