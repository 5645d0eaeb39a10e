// The volume benchmark: trilinear samples per second of a real NanoVDB grid (shared/data/nanovdb/
// smoke-blosc.nvdb, a float fog volume of about a million active voxels) at random index-space points
// of its active bounding box, through the kernel library (volumeSampleF, and volumeSampleGradF for the
// value with its gradient) on wasm with one thread and with all cores, and on the first CUDA device
// when present; beside NanoVDB itself (its ReadAccessor + SampleFromVoxels<1>, C++ built with
// g++ -O3 -march=native, one thread and OpenMP) in the same run, on the same points. The first
// samples of both are compared (equal up to the FMAs that g++ contracts and wasm does not).
//
//   node bench/run.js --only volume [--quick]
import * as wf from "weft";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { best, rootDir } from "./lib.js";

const GRID = join(rootDir, "..", "shared", "data", "nanovdb", "smoke-blosc.nvdb");

const KERNELS = `
import { tid, Array, vec3, f32 } from "weft/kernels";

@kernel
export function trilinear(vol: Volume, p: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  out[i] = volumeSampleF(vol, p[i], VOLUME_LINEAR);
}

@kernel
export function trilinearGrad(vol: Volume, p: Array<vec3>, out: Array<f32>, grad: Array<vec3>): void {
  const i = tid();
  const r = volumeSampleGradF(vol, p[i], VOLUME_LINEAR);
  out[i] = r.value;
  grad[i] = r.grad;
}
`;

// NanoVDB's own sampler: the reference (argv: grid points.bin n reps threads).
const REF = String.raw`
#define NANOVDB_USE_BLOSC
#define NANOVDB_USE_ZIP
#include <nanovdb/NanoVDB.h>
#include <nanovdb/util/IO.h>
#include <nanovdb/util/SampleFromVoxels.h>
#include <omp.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

int main(int argc, char** argv)
{
    const long n = std::atol(argv[3]);
    const int reps = std::atoi(argv[4]), threads = std::atoi(argv[5]);
    omp_set_num_threads(threads);
    auto handle = nanovdb::io::readGrid(argv[1]);
    const auto* grid = handle.grid<float>();
    std::vector<float> p(3 * n), out(n), grad(3 * n);
    std::ifstream(argv[2], std::ios::binary).read(reinterpret_cast<char*>(p.data()), 12 * n);
    double best = 1e30, bestGrad = 1e30;
    for (int r = 0; r < reps + 1; ++r) {
        auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel
        {
            auto acc = grid->getAccessor();
            auto s = nanovdb::createSampler<1>(acc);
#pragma omp for schedule(static)
            for (long i = 0; i < n; ++i) out[i] = s(nanovdb::Vec3f(p[3 * i], p[3 * i + 1], p[3 * i + 2]));
        }
        auto t1 = std::chrono::steady_clock::now();
#pragma omp parallel
        {
            auto acc = grid->getAccessor();
            auto s = nanovdb::createSampler<1>(acc);
#pragma omp for schedule(static)
            for (long i = 0; i < n; ++i) {
                const nanovdb::Vec3f x(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
                out[i] = s(x);
                const auto g = s.gradient(x);
                grad[3 * i] = g[0]; grad[3 * i + 1] = g[1]; grad[3 * i + 2] = g[2];
            }
        }
        auto t2 = std::chrono::steady_clock::now();
        if (r > 0) { // the first round warms up
            best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
            bestGrad = std::min(bestGrad, std::chrono::duration<double>(t2 - t1).count());
        }
    }
    std::printf("{\"seconds\":%.9g,\"gradSeconds\":%.9g,\"first\":[", best, bestGrad);
    for (int i = 0; i < 16 && i < n; ++i) std::printf("%s%.9g", i ? "," : "", out[i]);
    std::printf("]}\n");
    return 0;
}
`;

/** Builds the NanoVDB reference (once per source) or returns null with the reason. */
function buildRef() {
  if (!existsSync("/usr/include/nanovdb/NanoVDB.h")) return { exe: null, why: "NanoVDB headers missing (apt-get install libnanovdb-dev libblosc-dev)" };
  const dir = join(tmpdir(), "weft-bench-ref");
  mkdirSync(dir, { recursive: true });
  const hash = createHash("sha256").update(REF).digest("hex").slice(0, 12);
  const exe = join(dir, `volume-sample-${hash}`);
  if (!existsSync(exe)) {
    const src = `${exe}.cpp`;
    writeFileSync(src, REF);
    const r = spawnSync("g++", ["-O3", "-march=native", "-fopenmp", "-std=c++17", "-o", exe, src, "-lblosc", "-lz", "-lpthread"], { encoding: "utf8" });
    if (r.status !== 0) return { exe: null, why: `g++ failed: ${(r.stderr || r.error?.message || "").slice(0, 200)}` };
  }
  return { exe, why: "" };
}

function runRef(exe, pointsFile, n, reps, threads) {
  const r = spawnSync(exe, [GRID, pointsFile, String(n), String(reps), String(threads)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`NanoVDB reference: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function volumeBench({ quick = false } = {}) {
  await wf.init();
  const rows = [];
  if (!existsSync(GRID)) {
    rows.push({ bench: "volume", measure: "skipped", value: NaN, unit: `${GRID} not found` });
    return rows;
  }
  const n = quick ? 1 << 18 : 1 << 20;
  const reps = quick ? 3 : 5;
  const cores = cpus().length;
  const all = wf.getCpuThreads();

  // random index-space points in the active bounding box of the grid
  const host = wf.Volume.load(GRID, { device: "cpu" });
  const [lo, hi] = host.indexBounds;
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pts = new Float32Array(3 * n);
  for (let i = 0; i < 3 * n; i++) pts[i] = lo[i % 3] + rnd() * (hi[i % 3] - lo[i % 3] + 1);
  const label = `volume trilinear (smoke, ${(host.activeVoxelCount / 1e6).toFixed(2)}M voxels)`;
  const labelGrad = "volume trilinear + gradient";
  const msps = (s) => n / s / 1e6;

  const ref = buildRef();
  let ref1 = null, refAll = null;
  if (ref.exe) {
    const file = join(tmpdir(), "weft-bench-ref", `volume-points-${n}.bin`);
    writeFileSync(file, new Uint8Array(pts.buffer));
    ref1 = runRef(ref.exe, file, n, reps, 1);
    refAll = runRef(ref.exe, file, n, reps, cores);
  }

  let wasmAll = NaN;
  const devices = ["cpu", ...wf.devices().filter((d) => d.isCuda).slice(0, 1).map((d) => d.name)];
  for (const device of devices) {
    const m = await wf.loadModule({ source: KERNELS, name: "bench_volume" }, { device });
    const vol = device === "cpu" ? host : wf.Volume.load(GRID, { device });
    const p = wf.array(pts, { dtype: wf.vec3, device });
    const out = wf.zeros(n, { device }), grad = wf.zeros(n, { dtype: wf.vec3, device });
    const sync = () => wf.synchronize(device);
    const time = (kernel, args) => best(() => { wf.launch(kernel, n, args); sync(); }, { reps, warmup: 1 });
    const run = () => [time(m.kernels.trilinear, [vol, p, out]), time(m.kernels.trilinearGrad, [vol, p, out, grad])];
    if (device === "cpu") {
      wf.setCpuThreads(1);
      const [t1, g1] = run();
      const first = Array.from(out.toTypedArray().subarray(0, 16));
      wf.setCpuThreads(all);
      const [tA, gA] = run();
      wasmAll = tA;
      // g++ -O3 -march=native contracts a + w * (b - a) into FMAs; wasm never contracts
      const diff = ref1 ? Math.max(...first.map((x, i) => Math.abs(x - ref1.first[i]) / Math.max(1e-3, Math.abs(ref1.first[i])))) : undefined;
      rows.push({ bench: label, measure: "wasm 1 thread", value: msps(t1), unit: "M samples/s", vs: "NanoVDB C++ 1 thread", ratio: ref1 ? ref1.seconds / t1 : undefined,
        note: diff === undefined ? ref.why : `first 16 samples: largest relative difference to NanoVDB ${diff.toExponential(1)}` });
      rows.push({ bench: label, measure: `wasm ${all} threads`, value: msps(tA), unit: "M samples/s", vs: `NanoVDB C++ OpenMP ${cores}`, ratio: refAll ? refAll.seconds / tA : undefined });
      rows.push({ bench: labelGrad, measure: "wasm 1 thread", value: msps(g1), unit: "M samples/s", vs: "NanoVDB C++ 1 thread", ratio: ref1 ? ref1.gradSeconds / g1 : undefined });
      rows.push({ bench: labelGrad, measure: `wasm ${all} threads`, value: msps(gA), unit: "M samples/s", vs: `NanoVDB C++ OpenMP ${cores}`, ratio: refAll ? refAll.gradSeconds / gA : undefined });
      if (ref1) {
        rows.push({ bench: label, measure: "NanoVDB C++ 1 thread / OpenMP", value: msps(ref1.seconds), unit: "M samples/s", note: `${msps(refAll.seconds).toFixed(1)} M/s OpenMP` });
        rows.push({ bench: labelGrad, measure: "NanoVDB C++ 1 thread / OpenMP", value: msps(ref1.gradSeconds), unit: "M samples/s", note: `${msps(refAll.gradSeconds).toFixed(1)} M/s OpenMP` });
      } else rows.push({ bench: label, measure: "NanoVDB C++", value: NaN, unit: ref.why.slice(0, 60) });
    } else {
      const [t, g] = run();
      rows.push({ bench: label, measure: device, value: msps(t), unit: "M samples/s", vs: `wasm ${all} threads`, ratio: wasmAll / t });
      rows.push({ bench: labelGrad, measure: device, value: msps(g), unit: "M samples/s" });
      vol.dispose();
    }
    p.dispose(); out.dispose(); grad.dispose();
  }
  host.dispose();
  return rows;
}
