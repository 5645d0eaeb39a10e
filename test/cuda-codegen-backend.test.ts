// CudaBackend against a recording fake of the native addon (no GPU): NVRTC options and failures,
// module loading, launch geometry and argument packing, and kernel errors read back from the
// module's error record. With the addon built, compile() also runs the real NVRTC to a cubin.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, test } from "vitest";
import {
  BLOCK_SIZE, CudaArtifactMeta, CudaBackend, CudaBackendNative, CudaCompileError, CudaModule, ERROR_RECORD_BYTES,
  cudaRuntimeBackendOver, decodeErrorRecord,
} from "../engine/backends/cuda/backend.js";
import { loadNativeCuda } from "../engine/backends/cuda/native.js";
import { KernelTrap } from "../engine/runtime/backend.js";
import type { CudaErrorSite } from "../engine/backends/cuda/codegen.js";
import * as K from "./cuda-codegen.kernels.js";

interface Call { op: string; args: unknown[] }

function fakeNative(opts: { ok?: boolean; log?: string; ptxOnly?: boolean; global?: boolean; record?: Uint8Array } = {}) {
  const calls: Call[] = [];
  const rec = (op: string, ...args: unknown[]) => calls.push({ op, args });
  const native: CudaBackendNative = {
    nvrtcCompile(source, name, options) {
      rec("nvrtcCompile", source, name, options);
      if (opts.ok === false) return { ok: false, log: opts.log ?? "m.cu(3): error: boom" };
      return opts.ptxOnly ? { ok: true, log: "", ptx: "// ptx" } : { ok: true, log: "", cubin: new Uint8Array([0x7f, 0x45, 0x4c, 0x46]) };
    },
    moduleLoad(dev, image) { rec("moduleLoad", dev, image); return 11n; },
    moduleGetFunction(mod, name) { rec("moduleGetFunction", mod, name); return 100n + BigInt(calls.length); },
    moduleUnload(mod) { rec("moduleUnload", mod); },
    launch(...a) { rec("launch", ...a.slice(0, 10), new Uint8Array(a[10]), a[10]); },
    streamSynchronize(s) { rec("streamSynchronize", s); },
    memcpyDtoH(dev, dst, src) {
      rec("memcpyDtoH", dev, src);
      if (opts.record) new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(opts.record);
    },
    memsetD8(dev, ptr, value, count) { rec("memsetD8", dev, ptr, value, count); if (opts.record) opts.record.fill(0); },
  };
  if (opts.global !== false) native.moduleGetGlobal = (mod, name) => { rec("moduleGetGlobal", mod, name); return { ptr: 0xabc0n, bytes: ERROR_RECORD_BYTES }; };
  return { native, calls };
}

const arrayArg = (n: number, data = 0x1000) => ({ data: BigInt(data), grad: 0n, shape: [n], strides: [4] });

describe("CudaBackend.compile", () => {
  test("runs NVRTC with the device arch, C++17, IEEE math and line info, and returns the cubin", () => {
    const { native, calls } = fakeNative();
    const b = new CudaBackend(native, { device: 0, arch: "sm_90", smCount: 132 });
    const art = b.compile([K.saxpy()], { debug: false, moduleName: "saxpy" });
    const c = calls.find((x) => x.op === "nvrtcCompile")!;
    expect(c.args[1]).toBe("saxpy.cu");
    expect(c.args[2]).toEqual(["-arch=sm_90", "-std=c++17", "-default-device", "-lineinfo"]);
    expect((c.args[2] as string[]).join(" ")).not.toMatch(/fast_math|use_fast_math|-G\b/);
    expect(String(c.args[0])).toContain(`extern "C" __global__ void saxpy(`);
    expect(art.target).toBe("cuda-sm_90");
    expect([...art.bytes]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    const meta = art.meta as CudaArtifactMeta;
    expect(meta).toMatchObject({ format: "cubin", arch: "sm_90", debug: false, moduleName: "saxpy", entries: [{ name: "saxpy", entry: "saxpy", rank: 1 }], sites: [] });
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
  });

  test("a PTX-only result (compute_XX arch) is stored as PTX text", () => {
    const { native } = fakeNative({ ptxOnly: true });
    const art = new CudaBackend(native, { device: 0, arch: "compute_90", smCount: 1 }).compile([K.saxpy()], { debug: true, moduleName: "m" });
    expect((art.meta as CudaArtifactMeta).format).toBe("ptx");
    expect(new TextDecoder().decode(art.bytes)).toBe("// ptx");
  });

  test("an NVRTC failure is reported as a weft bug, with the log and the saved source", () => {
    const { native } = fakeNative({ ok: false, log: "saxpy.ts(4): error: identifier \"zz\" is undefined" });
    const b = new CudaBackend(native, { device: 0, arch: "sm_90", smCount: 1 });
    let err: CudaCompileError | undefined;
    try { b.compile([K.saxpy()], { debug: false, moduleName: "saxpy" }); } catch (e) { err = e as CudaCompileError; }
    expect(err).toBeInstanceOf(CudaCompileError);
    expect(err!.message).toMatch(/bug in weft's CUDA code generator/);
    expect(err!.message).toContain("identifier \"zz\" is undefined");
    expect(err!.message).toContain(err!.sourcePath);
    expect(existsSync(err!.sourcePath)).toBe(true);
    expect(readFileSync(err!.sourcePath, "utf8")).toContain("void saxpy(");
    rmSync(dirname(err!.sourcePath), { recursive: true, force: true });
  });
});

describe("CudaModule launches", () => {
  const load = (debug: boolean, opts: Parameters<typeof fakeNative>[0] = {}) => {
    const f = fakeNative(opts);
    const b = new CudaBackend(f.native, { device: 2, arch: "sm_90", smCount: 4 });
    const kernels = [K.saxpy(), K.multiDim(3)];
    const art = b.compile(kernels, { debug, moduleName: "m" });
    return { ...f, mod: b.load(art, kernels), art };
  };

  test("load gets each entry point and the error record", () => {
    const { calls, art } = load(false);
    expect(calls.find((c) => c.op === "moduleLoad")!.args).toEqual([2, art.bytes]);
    expect(calls.filter((c) => c.op === "moduleGetFunction").map((c) => c.args[1])).toEqual(["saxpy", "grid3d"]);
    expect(calls.find((c) => c.op === "moduleGetGlobal")!.args).toEqual([11n, "weft_error"]);
  });

  test("grid: 256-thread blocks, capped at 32 blocks per SM (grid-stride loop does the rest)", () => {
    const { calls, mod } = load(false);
    const launches = () => calls.filter((c) => c.op === "launch");
    mod.launch("saxpy", [1000], [2.5, arrayArg(1000), arrayArg(1000, 0x2000)]);
    expect(launches()[0].args.slice(0, 10)).toEqual([2, launches()[0].args[1], 4, 1, 1, BLOCK_SIZE, 1, 1, 0, 0n]);
    mod.launch("saxpy", [1_000_000], [2.5, arrayArg(1), arrayArg(1)], 77n);
    expect(launches()[1].args[2]).toBe(4 * 32);
    expect(launches()[1].args[9]).toBe(77n);
    mod.launch("saxpy", [0], [2.5, arrayArg(0), arrayArg(0)]);
    expect(launches().length).toBe(2);
    // the argument buffer is the kernel's own, reused by every launch
    expect(launches()[0].args[11]).toBe(launches()[1].args[11]);
    const first = new DataView((launches()[0].args[10] as Uint8Array).buffer);
    expect(first.getInt32(0, true)).toBe(1000);
    expect(Number(first.getBigInt64(16, true))).toBe(1000);
    expect(first.getFloat32(32, true)).toBe(2.5);
    expect(first.getBigUint64(40, true)).toBe(0x1000n);
    expect(first.getBigUint64(88, true)).toBe(0x2000n);
    expect(() => mod.launch("nope", [1], [])).toThrow(/no kernel 'nope'/);
  });

  test("release launches do not synchronize; checkErrors reads, reports and clears the record", () => {
    const record = new Uint8Array(ERROR_RECORD_BYTES);
    const { calls, mod, art } = load(false, { record });
    mod.launch("saxpy", [10], [1, arrayArg(10), arrayArg(10)]);
    expect(calls.some((c) => c.op === "streamSynchronize")).toBe(false);
    mod.checkErrors(); // no error recorded
    expect(calls.some((c) => c.op === "memsetD8")).toBe(false);
    // a trap recorded by a kernel of a module with a trap site
    const sites = (art.meta as CudaArtifactMeta).sites;
    expect(sites).toEqual([]);
    const dv = new DataView(record.buffer);
    dv.setInt32(0, 9, true); dv.setInt32(4, 0, true); dv.setInt32(8, 0, true);
    expect(() => mod.checkErrors()).toThrow(KernelTrap);
    expect(calls.find((c) => c.op === "memsetD8")!.args).toEqual([2, 0xabc0n, 0, ERROR_RECORD_BYTES]);
    mod.checkErrors(); // cleared
  });

  test("debug launches synchronize and throw the recorded KernelTrap", () => {
    const record = new Uint8Array(ERROR_RECORD_BYTES);
    const f = fakeNative({ record });
    const b = new CudaBackend(f.native, { device: 0, arch: "sm_90", smCount: 1 });
    const kernels = [K.checked()];
    const art = b.compile(kernels, { debug: true, moduleName: "m" });
    const mod = b.load(art, kernels);
    const sites = (art.meta as CudaArtifactMeta).sites;
    const site = sites.findIndex((s) => s.what === "bounds" && s.paramName === "y");
    const dv = new DataView(record.buffer);
    dv.setInt32(0, 2, true); dv.setInt32(4, site, true); dv.setInt32(8, 3, true);
    dv.setBigInt64(16, 9n, true); dv.setBigInt64(24, 1n, true); dv.setBigInt64(32, 4n, true);
    const arr2 = { data: 0x100n, grad: 0n, shape: [4, 4], strides: [16, 4] };
    let err: KernelTrap | undefined;
    try { mod.launch("checked", [4], [arrayArg(4), arr2, arrayArg(4)], 5n); } catch (e) { err = e as KernelTrap; }
    expect(f.calls.find((c) => c.op === "streamSynchronize")!.args).toEqual([5n]);
    expect(err).toBeInstanceOf(KernelTrap);
    expect(err!.code).toBe(2);
    expect(err!.kernel).toBe("checked");
    expect(err!.detail).toEqual([9, 1, 4]);
    expect(err!.message).toMatch(/^index 9 out of bounds for axis 1 with size 4 in argument 'y' in kernel 'checked' at checked\.ts:\d+:3$/);
  });

  test("without moduleGetGlobal in the addon, kernel errors go unreported (with a warning)", () => {
    const { mod, calls } = load(true, { global: false });
    mod.launch("saxpy", [1], [1, arrayArg(1), arrayArg(1)]);
    mod.checkErrors();
    expect(calls.some((c) => c.op === "memcpyDtoH")).toBe(false);
  });

  test("dispose unloads the module", () => {
    const { mod, calls } = load(false);
    mod.dispose();
    expect(calls.find((c) => c.op === "moduleUnload")!.args).toEqual([11n]);
    expect(() => mod.launch("saxpy", [1], [1, arrayArg(1), arrayArg(1)])).toThrow(/no kernel/);
  });

  test("a module restored from the cache (kernel stubs without bodies) keeps the compiled launch rank", () => {
    const f = fakeNative();
    const b = new CudaBackend(f.native, { device: 0, arch: "sm_90", smCount: 1 });
    const k = K.multiDim(3);
    const art = b.compile([k], { debug: false, moduleName: "m" });
    const stub = { ...k, body: [], ndim: 1 };
    const mod = b.load(art, [stub]) as CudaModule;
    const arr3 = { data: 1n, grad: 0n, shape: [2, 3, 4], strides: [48, 16, 4] };
    mod.launch("grid3d", [2, 3, 4], [arr3, 7]);
    const p = new DataView((f.calls.find((c) => c.op === "launch")!.args[10] as Uint8Array).buffer);
    expect(Number(p.getBigInt64(24, true))).toBe(1); // inner: all three extents are indexed
  });
});

describe("error record decoding", () => {
  const rec = (code: number, site: number, vals: bigint[]) => {
    const r = new Uint8Array(ERROR_RECORD_BYTES), dv = new DataView(r.buffer);
    dv.setInt32(0, code, true); dv.setInt32(4, site, true); dv.setInt32(8, vals.length, true);
    vals.forEach((v, k) => dv.setBigInt64(16 + 8 * k, v, true));
    return r;
  };
  const f64bits = (x: number) => { const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, x, true); return dv.getBigInt64(0, true); };
  const loc = { file: "k.ts", line: 7, col: 5 };
  const sites: CudaErrorSite[] = [
    { kernel: "k", code: 2, what: "fixed-bounds", loc, varName: "stack", details: ["i32", "i32"] },
    { kernel: "k", code: 3, what: "raw-bounds", loc, param: 0, paramName: "buf", details: ["i32", "i32", "i64"] },
    { kernel: "k", code: 4, what: "div-zero", loc, details: [] },
    { kernel: "k", code: 5, what: "no-grad", loc, param: 1, paramName: "x", details: [] },
    { kernel: "k", code: 77, what: "trap", loc, details: ["i32", "f32", "i64", "bool", "f64", "u64"] },
  ];
  test.each([
    [rec(2, 0, [20n, 16n]), 2, "index 20 out of bounds for local array 'stack' of size 16 in kernel 'k' at k.ts:7:5", [20]],
    [rec(3, 1, [-4n, 8n, 64n]), 3, "raw read of 8 bytes at offset -4 is outside the 64-byte buffer in kernel 'k' at k.ts:7:5", [-4]],
    [rec(4, 2, []), 4, "integer division by zero in kernel 'k' at k.ts:7:5", []],
    [rec(5, 3, []), 5, "array has no gradient buffer in kernel 'k' at k.ts:7:5", []],
    [rec(77, 4, [3n, f64bits(Math.fround(-0.1)), -(1n << 40n), 1n, f64bits(1e300), -1n]), 77, "trap 77 in kernel 'k' at k.ts:7:5",
      [3, Math.fround(-0.1), -(1n << 40n), true, 1e300, 18446744073709551615n]],
  ] as const)("record %#", (r, code, msg, detail) => {
    const e = decodeErrorRecord(r, sites);
    expect(e).toBeInstanceOf(KernelTrap);
    expect(e.code).toBe(code);
    expect(e.message).toBe(msg);
    expect(e.detail).toEqual(detail);
  });
});

describe("runtime adapter", () => {
  test("cudaRuntimeBackendOver: one backend per device, arch from the device", () => {
    const f = fakeNative();
    let gets = 0;
    const native = { ...f.native, deviceInfo: () => ({ major: 9, minor: 0, smCount: 132 }) } as never;
    const rb = cudaRuntimeBackendOver(() => { gets++; return native; });
    const dev = { name: "cuda:0", info: { ordinal: 0, arch: "sm_90" } } as never;
    expect(rb.target(dev)).toBe("cuda-sm_90");
    expect(rb).toMatchObject({ name: "cuda", stage: "lowered", cacheable: true, flatArgs: true });
    const art = rb.compile([K.saxpy()], { debug: false, moduleName: "m", device: dev });
    rb.load(art, [K.saxpy()], dev).launch("saxpy", [3], [1, arrayArg(3), arrayArg(3)]);
    expect(gets).toBe(1);
  });
});

describe("with the native addon's NVRTC (no GPU needed)", () => {
  const { native } = loadNativeCuda();
  const have = !!native && native.status().nvrtcLoaded;
  test.skipIf(!have)("compiles a module to a cubin for sm_90", () => {
    const b = new CudaBackend(native!, { device: 0, arch: "sm_90", smCount: 1 });
    const art = b.compile([K.saxpy(), K.controlFlow(), K.atomics("f64"), K.checked()], { debug: true, moduleName: "real" });
    expect((art.meta as CudaArtifactMeta).format).toBe("cubin");
    expect([...art.bytes.slice(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]); // ELF
  });
});
