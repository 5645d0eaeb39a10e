// The native CUDA addon: loading, status without a GPU, NVRTC, and (on a GPU host) memory,
// launch, streams, events, graphs and device-fault handling. GPU tests skip where
// status().available is false; NVRTC tests run wherever an NVRTC can be found or fetched.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { CudaDriver, nvrtcArchFor } from "../engine/backends/cuda/driver.ts";
import { loadNativeCuda, packageRoot, type NativeCuda } from "../engine/backends/cuda/native.ts";
// @ts-ignore: a plain .mjs helper without type declarations
import { fetchNvrtc } from "../scripts/fetch-nvrtc.mjs";

// NVRTC must be in place before the addon's first status() call (it searches once).
let fetchError = "";
try {
  const lib: string = fetchNvrtc({ quiet: true });
  process.env.WEFT_NVRTC_PATH ||= lib;
} catch (e) {
  fetchError = (e as Error).message;
}

const loaded = loadNativeCuda();
const cu = loaded.native as NativeCuda;
const st = loaded.native?.status();
const available = !!st?.available;
const hasNvrtc = !!st?.nvrtcLoaded;

const SAXPY = `extern "C" __global__ void saxpy(int n, float a, const float* x, float* y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}`;

/** Kernel parameters packed as the CUDA ABI lays them out: (int n, float a, ptr x, ptr y). */
function saxpyParams(n: number, a: number, x: bigint, y: bigint): Uint8Array {
  const buf = new Uint8Array(24);
  const dv = new DataView(buf.buffer);
  dv.setInt32(0, n, true);
  dv.setFloat32(4, a, true);
  dv.setBigUint64(8, x, true);
  dv.setBigUint64(16, y, true);
  return buf;
}

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, "expected a throw").toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
}

describe("addon loading and status", () => {
  it("loads the addon built by scripts/build-addon.mjs", () => {
    expect(loaded.reason).toBe("");
    expect(loaded.native).not.toBeNull();
    expect(typeof cu.launch).toBe("function");
  });

  it("reports why the addon is missing instead of throwing", async () => {
    vi.resetModules();
    process.env.WEFT_CUDA_ADDON = "/nonexistent/weft_cuda.node";
    try {
      const fresh = await import("../engine/backends/cuda/native.ts");
      const r = fresh.loadNativeCuda();
      expect(r.native).toBeNull();
      expect(r.reason).toMatch(/not built.*build-addon/);
    } finally {
      delete process.env.WEFT_CUDA_ADDON;
    }
  });

  it("finds the package root", () => {
    expect(packageRoot()).toBe(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."));
  });

  it("status() works with or without a GPU and says why", () => {
    const s = cu.status();
    expect(typeof s.driverLoaded).toBe("boolean");
    expect(typeof s.reason).toBe("string");
    expect(s.reason.length).toBeGreaterThan(0);
    if (!s.available) {
      expect(s.reason).toMatch(/libcuda|cuInit|no CUDA devices|driver/);
      expect(s.deviceCount).toBe(0);
    } else {
      expect(s.deviceCount).toBeGreaterThan(0);
      expect(s.driverVersion).toBeGreaterThan(0);
    }
    if (!s.nvrtcLoaded) expect(s.nvrtcReason).toMatch(/NVRTC not found/);
    else expect(s.nvrtcVersion?.[0]).toBeGreaterThanOrEqual(11);
  });

  it.skipIf(available)("calls that need a GPU throw a clear error when CUDA is unavailable", () => {
    const why = /^CUDA is not available: /;
    expectCode(() => cu.memAlloc(0, 1024), "WEFT_CUDA_UNAVAILABLE", why);
    expectCode(() => cu.deviceInfo(0), "WEFT_CUDA_UNAVAILABLE", why);
    expectCode(() => cu.streamCreate(0), "WEFT_CUDA_UNAVAILABLE", why);
    expectCode(() => cu.ctxSynchronize(0), "WEFT_CUDA_UNAVAILABLE", why);
    expectCode(() => cu.moduleLoad(0, new Uint8Array(16)), "WEFT_CUDA_UNAVAILABLE", why);
    expectCode(() => cu.launch(0, 1n, 1, 1, 1, 1, 1, 1, 0, 0n, new Uint8Array(8)), "WEFT_CUDA_UNAVAILABLE", why);
    expect(new CudaDriver(cu).listDevices()).toEqual([]);
  });

  it("rejects bad arguments and unknown handles without crashing", () => {
    expectCode(() => cu.memAlloc("x" as unknown as number, 16), "ERR_INVALID_ARG_TYPE", /memAlloc: argument 1/);
    expectCode(() => cu.memcpyHtoD(0, 0n, 5 as unknown as Uint8Array), "ERR_INVALID_ARG_TYPE");
    expectCode(() => cu.memAlloc(0, -1), "ERR_INVALID_ARG_TYPE");
    expectCode(() => cu.streamDestroy(0xdeadbeefn), "WEFT_INVALID_HANDLE", /unknown or destroyed CUDA stream/);
    expectCode(() => cu.graphLaunch(0x1234n), "WEFT_INVALID_HANDLE");
    expectCode(() => cu.moduleGetFunction(42n, "f"), "WEFT_INVALID_HANDLE");
  });
});

describe("nvrtcArchFor", () => {
  it("maps compute capability to an NVRTC target", () => {
    expect(nvrtcArchFor(9, 0)).toBe("sm_90");
    expect(nvrtcArchFor(8, 6, [75, 80, 86, 90])).toBe("sm_86");
    // GPU newer than the NVRTC: PTX for the newest known arch, JIT-compiled by the driver.
    expect(nvrtcArchFor(12, 0, [75, 80, 90])).toBe("compute_90");
    // NVRTC newer than the GPU supports: nothing to emit.
    expect(nvrtcArchFor(7, 0, [75, 80])).toBeNull();
  });
});

describe.skipIf(!hasNvrtc)("NVRTC", () => {
  it("finds NVRTC (fetched into .cache/nvrtc when not installed)", () => {
    expect(fetchError).toBe("");
    expect(cu.nvrtcVersion()[0]).toBeGreaterThanOrEqual(11);
    expect(cu.nvrtcSupportedArchs()).toContain(90);
  });

  it("compiles to PTX with -arch=compute_90", () => {
    const r = cu.nvrtcCompile(SAXPY, "saxpy.cu", ["-arch=compute_90"]);
    expect(r.ok, r.log).toBe(true);
    expect(r.cubin).toBeUndefined();
    expect(r.ptx).toMatch(/\.visible \.entry saxpy\(/);
    expect(r.ptx).toMatch(/\.target sm_90/);
  });

  it("compiles to a cubin with -arch=sm_90", () => {
    const r = cu.nvrtcCompile(SAXPY, "saxpy.cu", ["-arch=sm_90", "--std=c++17"]);
    expect(r.ok, r.log).toBe(true);
    expect(r.ptx).toBeUndefined();
    expect(r.cubin).toBeInstanceOf(Uint8Array);
    expect(Array.from(r.cubin!.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]); // ELF
  });

  it("reports a syntax error with its line instead of throwing", () => {
    const bad = 'extern "C" __global__ void f(float* p) {\n  p[0] = 1.0f;\n  int x = ;\n}\n';
    const r = cu.nvrtcCompile(bad, "bad.cu", ["-arch=compute_90"]);
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/bad\.cu\(3\): error/);
    expect(r.ptx).toBeUndefined();
  });

  it("reports a bad option as a failed compile", () => {
    const r = cu.nvrtcCompile(SAXPY, "saxpy.cu", ["-arch=sm_bogus"]);
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/arch/);
  });

  it("serves in-memory headers and compiles asynchronously", async () => {
    const src = '#include "weft_test.cuh"\nextern "C" __global__ void g(float* p) { p[0] = SCALE; }\n';
    const r = await cu.nvrtcCompileAsync(src, "g.cu", ["-arch=compute_90"], { "weft_test.cuh": "#define SCALE 3.0f\n" });
    expect(r.ok, r.log).toBe(true);
    expect(r.ptx).toMatch(/\.entry g\(/);
  });
});

describe.skipIf(!available || !hasNvrtc)("on a GPU", () => {
  const dev = 0;
  const drvr = new CudaDriver(cu);
  const info = available ? drvr.listDevices()[0] : undefined;
  const arch = () => info!.arch;
  const loadSaxpy = () => {
    const r = cu.nvrtcCompile(SAXPY, "saxpy.cu", [`-arch=${arch()}`]);
    expect(r.ok, r.log).toBe(true);
    const mod = cu.moduleLoad(dev, r.cubin ?? new TextEncoder().encode(r.ptx!));
    return { mod, fn: cu.moduleGetFunction(mod, "saxpy") };
  };
  const n = 1000;
  const x = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 100);
  const y0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i));

  it("lists devices and their NVRTC arch", () => {
    const d = cu.deviceInfo(dev);
    expect(d.name.length).toBeGreaterThan(0);
    expect(d.totalMem).toBeGreaterThan(0);
    expect(info!.arch).toMatch(/^(sm|compute)_\d+$/);
    expect(info!.id).toBe("cuda:0");
    const m = cu.memGetInfo(dev);
    expect(m.total).toBeGreaterThan(0);
    expect(m.free).toBeLessThanOrEqual(m.total);
  });

  it("round-trips memory through the device, views with offsets included", () => {
    const p = cu.memAlloc(dev, 4 * n);
    cu.memcpyHtoD(dev, p, x);
    const back = new Float32Array(n);
    cu.memcpyDtoH(dev, back, p);
    expect(back).toEqual(x);
    // A subarray starts at a byte offset inside its buffer; only its bytes are copied.
    const q = cu.memAlloc(dev, 16);
    cu.memcpyHtoD(dev, q, x.subarray(10, 14));
    const part = new DataView(new ArrayBuffer(24), 8, 16);
    cu.memcpyDtoH(dev, part, q);
    expect(part.getFloat32(0, true)).toBe(x[10]);
    expect(part.getFloat32(12, true)).toBe(x[13]);
    const r = cu.memAlloc(dev, 4 * n);
    cu.memcpyDtoD(dev, r, p, 4 * n);
    cu.memcpyDtoH(dev, back.fill(0), r);
    expect(back).toEqual(x);
    for (const ptr of [p, q, r]) cu.memFree(dev, ptr);
    expect(cu.memAlloc(dev, 0)).toBe(0n);
    cu.memFree(dev, 0n);
  });

  it("fills memory with memsetD8 and memsetD32", () => {
    const p = cu.memAlloc(dev, 64);
    cu.memsetD8(dev, p, 0xab, 64);
    const bytes = new Uint8Array(64);
    cu.memcpyDtoH(dev, bytes, p);
    expect(bytes.every((b) => b === 0xab)).toBe(true);
    const bits = new Uint32Array(new Float32Array([1.5]).buffer)[0];
    cu.memsetD32(dev, p, bits, 16);
    const f = new Float32Array(16);
    cu.memcpyDtoH(dev, f, p);
    expect(Array.from(f)).toEqual(new Array(16).fill(1.5));
    cu.memFree(dev, p);
  });

  it("launches a compiled saxpy with packed params, matching a TS reference", () => {
    const { mod, fn } = loadSaxpy();
    const px = cu.memAlloc(dev, 4 * n), py = cu.memAlloc(dev, 4 * n);
    cu.memcpyHtoD(dev, px, x);
    cu.memcpyHtoD(dev, py, y0);
    const a = 2.5;
    cu.launch(dev, fn, Math.ceil(n / 128), 1, 1, 128, 1, 1, 0, 0n, saxpyParams(n, a, px, py));
    cu.ctxSynchronize(dev);
    const y = new Float32Array(n);
    cu.memcpyDtoH(dev, y, py);
    for (let i = 0; i < n; i++) expect(y[i]).toBeCloseTo(Math.fround(a) * x[i] + y0[i], 3);
    const attrs = cu.functionAttributes(fn);
    expect(attrs.maxThreadsPerBlock).toBeGreaterThan(0);
    cu.memFree(dev, px);
    cu.memFree(dev, py);
    cu.moduleUnload(mod);
    expectCode(() => cu.launch(dev, fn, 1, 1, 1, 1, 1, 1, 0, 0n, saxpyParams(0, 0, 0n, 0n)), "WEFT_INVALID_HANDLE");
  });

  it("orders work on streams and times it with events", () => {
    const { mod, fn } = loadSaxpy();
    const s = cu.streamCreate(dev);
    const e0 = cu.eventCreate(dev, true), e1 = cu.eventCreate(dev, true);
    const px = cu.memAlloc(dev, 4 * n, s), py = cu.memAlloc(dev, 4 * n, s);
    cu.memcpyHtoD(dev, px, x, s);
    cu.memsetD32(dev, py, 0, n, s);
    cu.eventRecord(e0, s);
    cu.launch(dev, fn, Math.ceil(n / 256), 1, 1, 256, 1, 1, 0, s, saxpyParams(n, 1, px, py));
    cu.eventRecord(e1, s);
    cu.eventSynchronize(e1);
    expect(cu.eventElapsedMs(e0, e1)).toBeGreaterThanOrEqual(0);
    const y = new Float32Array(n);
    cu.memcpyDtoH(dev, y, py, s);
    expect(y).toEqual(x);
    cu.memFree(dev, px, s);
    cu.memFree(dev, py, s);
    cu.streamSynchronize(s);
    cu.eventDestroy(e0);
    cu.eventDestroy(e1);
    cu.streamDestroy(s);
    expectCode(() => cu.streamSynchronize(s), "WEFT_INVALID_HANDLE");
    cu.moduleUnload(mod);
  });

  it("captures launches into a CUDA graph and replays it", () => {
    const { mod, fn } = loadSaxpy();
    const s = cu.streamCreate(dev, 1);
    const px = cu.memAlloc(dev, 4 * n), py = cu.memAlloc(dev, 4 * n);
    cu.memcpyHtoD(dev, px, x);
    cu.memsetD32(dev, py, 0, n);
    cu.ctxSynchronize(dev); // `s` is non-blocking: it is not ordered after the legacy stream
    cu.beginCapture(s);
    // Copies from JS memory cannot be captured; the refusal leaves the capture intact.
    expectCode(() => cu.memcpyHtoD(dev, px, x, s), "WEFT_CAPTURE_UNSUPPORTED");
    cu.launch(dev, fn, Math.ceil(n / 128), 1, 1, 128, 1, 1, 0, s, saxpyParams(n, 2, px, py));
    const exec = cu.endCapture(s);
    for (let k = 0; k < 3; k++) cu.graphLaunch(exec, s);
    cu.streamSynchronize(s);
    const y = new Float32Array(n);
    cu.memcpyDtoH(dev, y, py);
    for (let i = 0; i < n; i++) expect(y[i]).toBeCloseTo(6 * x[i], 2);
    cu.graphDestroy(exec);
    cu.memFree(dev, px);
    cu.memFree(dev, py);
    cu.streamDestroy(s);
    cu.moduleUnload(mod);
  });

  it("names the operation and the CUDA error when out of memory", () => {
    expectCode(() => cu.memAlloc(dev, 2 ** 50), "CUDA_ERROR_OUT_OF_MEMORY",
      /^cuMemAlloc\(1125899906842624 bytes\) failed: CUDA_ERROR_OUT_OF_MEMORY \(out of memory\)/);
    // The device is still usable afterwards.
    cu.memFree(dev, cu.memAlloc(dev, 256));
  });

  it("marks the device lost after an illegal address, without killing the process", () => {
    // In a child process: the sticky error would poison this process's context for other tests.
    const child = `
      import { createRequire } from "node:module";
      const cu = createRequire(import.meta.url)(process.env.ADDON);
      const out = {};
      const r = cu.nvrtcCompile('extern "C" __global__ void bad(float* p) { p[threadIdx.x] = 1.0f; }',
        "bad.cu", ["-arch=" + process.env.ARCH]);
      const mod = cu.moduleLoad(0, r.cubin ?? new TextEncoder().encode(r.ptx));
      const fn = cu.moduleGetFunction(mod, "bad");
      const params = new Uint8Array(8); new DataView(params.buffer).setBigUint64(0, 16n, true);
      try { cu.launch(0, fn, 1, 1, 1, 32, 1, 1, 0, 0n, params); cu.ctxSynchronize(0); }
      catch (e) { out.fault = { code: e.code, message: e.message }; }
      try { cu.memAlloc(0, 256); } catch (e) { out.after = { code: e.code, message: e.message }; }
      cu.moduleUnload(mod); // a no-op on a lost device: must not throw
      out.status = cu.status().available;
      console.log(JSON.stringify(out));`;
    const res = spawnSync(process.execPath, ["--input-type=module", "-e", child], {
      encoding: "utf8",
      env: { ...process.env, ADDON: path.join(packageRoot()!, "build/Release/weft_cuda.node"), ARCH: arch() },
      timeout: 60_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split("\n").pop()!);
    expect(out.fault.code).toMatch(/CUDA_ERROR_(ILLEGAL_ADDRESS|LAUNCH_FAILED)/);
    expect(out.fault.message).toMatch(/device cuda:0 is now lost/);
    expect(out.after.code).toBe("WEFT_DEVICE_LOST");
    expect(out.after.message).toMatch(/^device cuda:0 is lost after a device fault \(CUDA_ERROR_\w+ in .*\); restart the process to use it again$/);
  });
});
