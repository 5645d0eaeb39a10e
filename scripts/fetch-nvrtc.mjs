#!/usr/bin/env node
// Makes an NVRTC available for weft on machines that have no CUDA toolkit (CI, laptops).
//
// NVRTC is what turns generated CUDA C++ into PTX/cubin; it needs no GPU. If no NVRTC is
// loadable, this downloads NVIDIA's `nvidia-cuda-nvrtc` wheel with pip (a zip holding
// nvidia/cu13/lib/libnvrtc.so.13 and its builtins library) and unpacks the two .so files into
// <root>/.cache/nvrtc/, where the addon's loader looks by itself (native-cuda/loader.cpp).
// Prints the library path on success; exits 1 only if it was asked to fetch and could not.
//
//   node scripts/fetch-nvrtc.mjs           # no-op when a system NVRTC or the cache exists
//   node scripts/fetch-nvrtc.mjs --force   # fetch even if a system NVRTC exists
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WHEEL = "nvidia-cuda-nvrtc==13.0.88";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const cacheDir = path.join(root, ".cache", "nvrtc");
export const cachedLib = path.join(cacheDir, "libnvrtc.so.13");

// A system NVRTC the addon would find on its own (same order as loader.cpp), or null.
export function systemNvrtc() {
  const env = process.env.WEFT_NVRTC_PATH;
  if (env && existsSync(env)) return env;
  const ld = spawnSync("ldconfig", ["-p"], { encoding: "utf8" });
  const m = /libnvrtc\.so(?:\.1[23])?\s.*=>\s*(\S+)/.exec(ld.stdout ?? "");
  if (m) return m[1];
  const dirs = [process.env.CUDA_HOME, process.env.CUDA_PATH, "/usr/local/cuda"].filter(Boolean);
  for (const d of dirs) {
    for (const so of ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"]) {
      const p = path.join(d, "lib64", so);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

// Returns the path of a usable libnvrtc (fetching it if needed), or throws with the reason.
export function fetchNvrtc({ force = false, quiet = false } = {}) {
  const say = quiet ? () => {} : (m) => console.log(m);
  if (existsSync(cachedLib)) {
    say(`weft: NVRTC is at ${cachedLib}`);
    return cachedLib;
  }
  const sys = force ? null : systemNvrtc();
  if (sys) {
    say(`weft: using the system NVRTC ${sys}`);
    return sys;
  }
  // Parallel test workers may fetch at once: each works in its own folder and moves the files
  // into place with rename (atomic), the main library last, so a reader never sees half a file.
  mkdirSync(cacheDir, { recursive: true });
  const wheelDir = mkdtempSync(path.join(cacheDir, ".fetch-"));
  try {
    // --retries 0 / short timeout: offline machines answer from their local wheel index at once.
    const pipArgs = ["download", "--no-deps", "--retries", "0", "--timeout", "15", "-d", wheelDir, WHEEL];
    let dl = run("python3", ["-m", "pip", ...pipArgs]);
    if (!dl.ok) dl = run("pip", pipArgs);
    if (!dl.ok) throw new Error(`pip download ${WHEEL} failed: ${dl.error?.message ?? dl.out.trim().split("\n").pop()}`);
    const wheel = readdirSync(wheelDir).find((f) => f.startsWith("nvidia_cuda_nvrtc") && f.endsWith(".whl"));
    if (!wheel) throw new Error(`pip download ${WHEEL} left no wheel`);
    const zip = path.join(wheelDir, wheel);
    // Only the main library and its builtins (which NVRTC dlopens at compile time; the addon
    // preloads them from the same folder); the wheel's "*.alt.so" variants are not needed.
    const members = ["nvidia/cu13/lib/libnvrtc.so.13", "nvidia/cu13/lib/libnvrtc-builtins.so.13.0"];
    let ux = run("unzip", ["-o", "-j", zip, ...members, "-d", wheelDir]);
    if (!ux.ok) {
      const py = "import sys,zipfile,os\nz=zipfile.ZipFile(sys.argv[1])\nfor m in sys.argv[3:]:\n" +
        "  open(os.path.join(sys.argv[2],os.path.basename(m)),'wb').write(z.read(m))";
      ux = run("python3", ["-c", py, zip, wheelDir, ...members]);
    }
    const unpacked = members.map((m) => path.join(wheelDir, path.basename(m)));
    if (!ux.ok || !unpacked.every((f) => existsSync(f))) throw new Error(`could not unpack ${wheel}: ${ux.out.trim()}`);
    for (const f of unpacked.reverse()) renameSync(f, path.join(cacheDir, path.basename(f)));
  } finally {
    rmSync(wheelDir, { recursive: true, force: true });
  }
  say(`weft: NVRTC unpacked to ${cachedLib} (the addon finds it there; or set WEFT_NVRTC_PATH)`);
  return cachedLib;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    fetchNvrtc({ force: process.argv.includes("--force") });
  } catch (e) {
    console.error(`weft: could not fetch NVRTC: ${e.message}`);
    process.exit(1);
  }
}
