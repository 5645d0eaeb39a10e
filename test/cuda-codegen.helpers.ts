// Shared by test/cuda-codegen*.test.ts: compiling generated CUDA C++ without a GPU.
//
// nvcc (`nvcc -ptx -arch=compute_90 -std=c++17`) is required: when it is missing the tests fail
// with a message saying so, unless WEFT_SKIP_CUDA_COMPILE=1. When the native addon is built and
// finds NVRTC, the same sources are also compiled by NVRTC, the compiler weft uses at run time.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { loadNativeCuda } from "../engine/backends/cuda/native.js";
import { nvrtcOptions } from "../engine/backends/cuda/backend.js";

export const SKIP_COMPILE = process.env.WEFT_SKIP_CUDA_COMPILE === "1";

let nvccPath: string | null | undefined;
export function findNvcc(): string | null {
  if (nvccPath !== undefined) return nvccPath;
  const candidates = [process.env.NVCC, "nvcc", "/usr/local/cuda/bin/nvcc", "/usr/local/bin/nvcc"].filter(Boolean) as string[];
  nvccPath = null;
  for (const c of candidates) {
    try {
      execFileSync(c, ["--version"], { stdio: "pipe" });
      nvccPath = c;
      break;
    } catch { /* try the next */ }
  }
  return nvccPath;
}

/** Fails (or, with WEFT_SKIP_CUDA_COMPILE=1, reports a skip) when nvcc is missing. */
export function requireNvcc(): string | null {
  const nvcc = findNvcc();
  if (nvcc) return nvcc;
  if (SKIP_COMPILE) return null;
  throw new Error(
    "nvcc was not found (looked at $NVCC, PATH, /usr/local/cuda/bin): the CUDA code generator tests compile " +
    "generated code to PTX and need the CUDA toolkit. Install it, or set WEFT_SKIP_CUDA_COMPILE=1 to skip.");
}

// Scratch files live under one folder per test process, removed at exit unless
// WEFT_KEEP_CUDA_TEST=1 (then failure messages point at sources that still exist).
let root: string | undefined;
export function workDir(): string {
  root ??= mkdtempSync(join(tmpdir(), "weft-cuda-test-"));
  return mkdtempSync(join(root, "t-"));
}
afterAll(() => {
  if (root && process.env.WEFT_KEEP_CUDA_TEST !== "1") rmSync(root, { recursive: true, force: true });
  root = undefined;
});

export interface PtxResult { ok: boolean; log: string; ptx: string; file: string }

/** Compiles a translation unit to PTX with nvcc (whole-program, like NVRTC). */
export function nvccPtx(source: string, name: string, extra: string[] = []): PtxResult {
  const nvcc = requireNvcc();
  if (!nvcc) return { ok: true, log: "skipped", ptx: "", file: "" };
  const dir = workDir();
  const file = join(dir, name.endsWith(".cu") ? name : `${name}.cu`);
  const out = file.replace(/\.cu$/, ".ptx");
  writeFileSync(file, source);
  try {
    const log = execFileSync(nvcc, ["-ptx", "-arch=compute_90", "-std=c++17", ...extra, file, "-o", out], { stdio: "pipe" }).toString();
    return { ok: true, log, ptx: readFileSync(out, "utf8"), file };
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
    return { ok: false, log: `${err.stdout?.toString() ?? ""}${err.stderr?.toString() ?? err.message}`, ptx: "", file };
  }
}

/** Builds and runs a host C++ program with nvcc; returns its stdout. */
export function nvccRunHost(source: string, includeDir: string): string | null {
  const nvcc = requireNvcc();
  if (!nvcc) return null;
  const dir = workDir();
  const file = join(dir, "host.cu"), exe = join(dir, "host");
  writeFileSync(file, source);
  execFileSync(nvcc, ["-std=c++17", "-I", includeDir, file, "-o", exe], { stdio: "pipe" });
  return execFileSync(exe, { stdio: "pipe" }).toString();
}

/** NVRTC through the native addon, when it is built and finds libnvrtc; null otherwise. */
export function nvrtcPtx(source: string, name: string): { ok: boolean; log: string } | null {
  const { native } = loadNativeCuda();
  if (!native || !native.status().nvrtcLoaded) return null;
  const r = native.nvrtcCompile(source, name, nvrtcOptions("compute_90"));
  return { ok: r.ok, log: r.log };
}

/** Asserts that a generated translation unit compiles without warnings (nvcc, and NVRTC when available). */
export function expectCompiles(source: string, name: string): PtxResult {
  const r = nvccPtx(source, name, ["-Werror", "all-warnings"]);
  if (!r.ok) throw new Error(`nvcc rejected generated CUDA for ${name} (source: ${r.file}):\n${r.log}`);
  const rtc = nvrtcPtx(source, `${name}.cu`);
  if (rtc && (!rtc.ok || /warning/i.test(rtc.log))) {
    const dir = workDir();
    writeFileSync(join(dir, `${name}.cu`), source);
    throw new Error(`NVRTC rejected generated CUDA for ${name} (source: ${join(dir, `${name}.cu`)}):\n${rtc.log}`);
  }
  return r;
}

export const HEADER_DIR = new URL("../native-cuda/include/", import.meta.url).pathname;
export const headerExists = () => existsSync(join(HEADER_DIR, "weft.cuh"));
