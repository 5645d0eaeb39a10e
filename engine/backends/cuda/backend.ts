// The CUDA backend: lowered IR -> CUDA C++ (codegen.ts) -> NVRTC cubin -> driver module -> launches.
//
// compile() needs only NVRTC (no GPU); load() and launches need a device. Everything goes through
// the native addon (engine/backends/cuda/native.ts). The hot path, launch(), packs arguments into
// the kernel's preallocated parameter buffer (layout.ts) and makes one addon call.
//
// Errors inside kernels (debug checks, `trap` ops) land in the module's `weft_error` record
// (weft.cuh). Debug builds synchronize after every launch and throw a KernelTrap naming the kernel,
// the check and the source location; release builds leave the record for checkErrors(), which the
// runtime calls when it synchronizes.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Func } from "../../ir/ops.js";
import type { ScalarKind } from "../../ir/types.js";
import {
  ArgValue, Backend, CompiledArtifact, KernelTrap, LoadedModuleHandle,
} from "../../runtime/backend.js";
import { CudaErrorSite, generateCuda } from "./codegen.js";
import { ParamLayout, computeLayout, packParams, packedTotal } from "./layout.js";
import type { Handle, NativeCuda } from "./native.js";
import type { Device } from "../../runtime/device.js";
import type { RuntimeBackend } from "../../runtime/backends.js";

/** Name and size of the error record every module defines (weft.cuh). */
export const ERROR_SYMBOL = "weft_error";
export const ERROR_RECORD_BYTES = 80;

export const BLOCK_SIZE = 256;
/** Resident blocks per SM the grid is capped at; the grid-stride loop covers the rest. */
export const BLOCKS_PER_SM = 32;

/** What the loader needs besides the image (JSON-serializable; stored in the kernel cache). */
export interface CudaArtifactMeta {
  format: "cubin" | "ptx";
  arch: string;
  debug: boolean;
  moduleName: string;
  entries: { name: string; entry: string; rank: number }[];
  sites: CudaErrorSite[];
}

/** The addon calls this backend uses; moduleGetGlobal is optional until the addon provides it. */
export type CudaBackendNative = Pick<NativeCuda,
  "nvrtcCompile" | "moduleLoad" | "moduleGetFunction" | "moduleUnload" | "launch" | "streamSynchronize" |
  "memcpyDtoH" | "memsetD8"> & {
  /** cuModuleGetGlobal: device address and size of a module-scope __device__ variable. */
  moduleGetGlobal?(mod: Handle, name: string): { ptr: Handle; bytes: number };
};

export interface CudaBackendOptions {
  /** Device ordinal (cuda:N). */
  device: number;
  /** NVRTC -arch value: "sm_90" (cubin) or "compute_90" (PTX, JIT-compiled by the driver). */
  arch: string;
  /** Streaming multiprocessors of the device (grid size cap). */
  smCount: number;
}

/** NVRTC options: IEEE math (no --use_fast_math), kernel code device-side by default, line info. */
export function nvrtcOptions(arch: string): string[] {
  return [`-arch=${arch}`, "-std=c++17", "-default-device", "-lineinfo"];
}

export class CudaCompileError extends Error {
  constructor(message: string, readonly log: string, readonly sourcePath: string) {
    super(message);
    this.name = "CudaCompileError";
  }
}

export class CudaBackend implements Backend {
  readonly name = "cuda" as const;

  constructor(readonly native: CudaBackendNative, readonly opts: CudaBackendOptions) {}

  get target(): string { return `cuda-${this.opts.arch}`; }

  compile(kernels: Func[], opts: { debug: boolean; moduleName: string }): CompiledArtifact {
    const gen = generateCuda(kernels, { debug: opts.debug, moduleName: opts.moduleName });
    const res = this.native.nvrtcCompile(gen.source, gen.fileName, nvrtcOptions(this.opts.arch));
    if (!res.ok) {
      const dir = mkdtempSync(join(tmpdir(), "weft-cuda-"));
      const path = join(dir, gen.fileName);
      writeFileSync(path, gen.source);
      throw new CudaCompileError(
        `weft internal error: NVRTC rejected the CUDA C++ that weft generated for module '${opts.moduleName}'. ` +
        `This is a bug in weft's CUDA code generator, not in your kernel; please report it with the ` +
        `generated source, saved to ${path}\nNVRTC log:\n${res.log}`, res.log, path);
    }
    const format = res.cubin ? "cubin" : "ptx";
    const bytes = res.cubin ?? new TextEncoder().encode(res.ptx ?? "");
    if (!bytes.length) throw new Error(`weft internal error: NVRTC returned no image for module '${opts.moduleName}'`);
    const meta: CudaArtifactMeta = {
      format, arch: this.opts.arch, debug: opts.debug, moduleName: opts.moduleName, entries: gen.entries, sites: gen.sites,
    };
    return { target: this.target, bytes, meta };
  }

  load(artifact: CompiledArtifact, kernels: Func[]): CudaModule {
    return new CudaModule(this, artifact.meta as CudaArtifactMeta, artifact.bytes, kernels);
  }
}

interface KernelEntry { fn: Handle; layout: ParamLayout }

let warnedNoGlobal = false;

export class CudaModule implements LoadedModuleHandle {
  private mod: Handle | null;
  private readonly kernels = new Map<string, KernelEntry>();
  private errorPtr: Handle | null = null;
  private readonly record = new Uint8Array(ERROR_RECORD_BYTES);
  private readonly maxGrid: number;

  constructor(private readonly backend: CudaBackend, readonly meta: CudaArtifactMeta, image: Uint8Array, fns: Func[]) {
    const { native, opts } = backend;
    this.maxGrid = Math.max(1, opts.smCount * BLOCKS_PER_SM);
    this.mod = native.moduleLoad(opts.device, image);
    const byName = new Map(fns.map((f) => [f.name, f]));
    for (const { name, entry, rank } of meta.entries) {
      const fn = byName.get(name);
      if (!fn) throw new Error(`weft CUDA: artifact of module '${meta.moduleName}' has kernel '${name}' but it was not given to load()`);
      this.kernels.set(name, { fn: native.moduleGetFunction(this.mod, entry), layout: computeLayout(fn, rank) });
    }
    if (native.moduleGetGlobal) {
      this.errorPtr = native.moduleGetGlobal(this.mod, ERROR_SYMBOL).ptr;
    } else if (!warnedNoGlobal) {
      warnedNoGlobal = true;
      process.emitWarning("weft CUDA: the native addon has no moduleGetGlobal; kernel errors (debug checks, traps) cannot be reported");
    }
  }

  /** Launch geometry for `total` threads: 256-thread blocks, grid capped at 32 blocks per SM. */
  grid(total: number): number { return Math.min(Math.ceil(total / BLOCK_SIZE), this.maxGrid); }

  launch(kernel: string, dims: number[], args: ArgValue[], stream?: unknown): void {
    const k = this.kernels.get(kernel);
    if (!k) throw new Error(`weft CUDA: module '${this.meta.moduleName}' has no kernel '${kernel}'`);
    if (this.mod === null) throw new Error(`weft CUDA: module '${this.meta.moduleName}' was disposed`);
    const params = packParams(k.layout, dims, args);
    const total = packedTotal(k.layout);
    if (total === 0) return;
    const s = (stream ?? 0n) as Handle;
    this.backend.native.launch(this.backend.opts.device, k.fn, this.grid(total), 1, 1, BLOCK_SIZE, 1, 1, 0, s, params);
    if (this.meta.debug) {
      this.backend.native.streamSynchronize(s);
      this.checkErrors();
    }
  }

  /**
   * Throws the KernelTrap recorded by a kernel of this module since the last check (and clears the
   * record). Reads device memory: call it after the launches in question have completed.
   */
  checkErrors(): void {
    if (this.errorPtr === null) return;
    const { native, opts } = this.backend;
    native.memcpyDtoH(opts.device, this.record, this.errorPtr);
    const dv = new DataView(this.record.buffer);
    if (dv.getInt32(0, true) === 0) return;
    native.memsetD8(opts.device, this.errorPtr, 0, ERROR_RECORD_BYTES);
    throw decodeErrorRecord(this.record, this.meta.sites);
  }

  dispose(): void {
    if (this.mod !== null) this.backend.native.moduleUnload(this.mod);
    this.mod = null;
    this.kernels.clear();
    this.errorPtr = null;
  }
}

// --- error record -> KernelTrap ---------------------------------------------------------------------

function decodeDetail(dv: DataView, k: number, s: ScalarKind): unknown {
  const off = 16 + 8 * k;
  switch (s) {
    case "bool": return dv.getBigInt64(off, true) !== 0n;
    case "i32": case "u32": return Number(dv.getBigInt64(off, true));
    case "i64": return dv.getBigInt64(off, true);
    case "u64": return dv.getBigUint64(off, true);
    case "f32": return Math.fround(dv.getFloat64(off, true));
    case "f64": return dv.getFloat64(off, true);
  }
}

/**
 * The KernelTrap for an error record (layout: weft.cuh, weft_error_record), worded exactly like the
 * reference interpreter's (and the wasm backend's), with the same codes and detail values.
 */
export function decodeErrorRecord(record: Uint8Array, sites: CudaErrorSite[]): KernelTrap {
  const dv = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const code = dv.getInt32(0, true), siteIdx = dv.getInt32(4, true), count = dv.getInt32(8, true);
  const site = sites[siteIdx];
  if (!site) return new KernelTrap(`kernel error ${code} at an unknown site ${siteIdx} (weft bug: stale error record?)`, "?", code, []);
  const d = site.details.slice(0, Math.min(count, 8)).map((s, k) => decodeDetail(dv, k, s));
  const at = site.loc ? ` at ${site.loc.file}:${site.loc.line}:${site.loc.col}` : "";
  const arg = site.paramName !== undefined && site.param !== undefined && site.param >= 0 ? ` in argument '${site.paramName}'` : "";
  let msg: string, detail: unknown[] = d;
  switch (site.what) {
    case "bounds": msg = `index ${d[0]} out of bounds for axis ${d[1]} with size ${d[2]}${arg}`; break;
    case "fixed-bounds": msg = `index ${d[0]} out of bounds for local array '${site.varName}' of size ${d[1]}`; detail = [d[0]]; break;
    case "raw-bounds": msg = `raw read of ${d[1]} bytes at offset ${d[0]} is outside the ${d[2]}-byte buffer`; detail = [d[0]]; break;
    case "div-zero": msg = "integer division by zero"; break;
    case "no-grad": msg = "array has no gradient buffer"; break;
    default: msg = `trap ${code}`;
  }
  return new KernelTrap(`${msg} in kernel '${site.kernel}'${at}`, site.kernel, code, detail);
}

// --- the runtime's view ------------------------------------------------------------------------------

/**
 * A RuntimeBackend (engine/runtime/backends.ts) over the addon that `getNative` returns, with one
 * CudaBackend per device ordinal. The runtime's runtime-backend.ts is then one line:
 *   export const cudaRuntimeBackend = () => cudaRuntimeBackendOver(() => cudaDriver().native);
 */
export function cudaRuntimeBackendOver(getNative: () => NativeCuda): RuntimeBackend {
  const perDevice = new Map<number, CudaBackend>();
  const backendFor = (device: Device): CudaBackend => {
    const ordinal = device.info.ordinal;
    let b = perDevice.get(ordinal);
    if (!b) {
      const native = getNative();
      const info = native.deviceInfo(ordinal);
      const arch = device.info.arch ?? `sm_${info.major}${info.minor}`;
      b = new CudaBackend(native, { device: ordinal, arch, smCount: info.smCount });
      perDevice.set(ordinal, b);
    }
    return b;
  };
  return {
    name: "cuda",
    stage: "lowered",
    cacheable: true,
    flatArgs: true,
    target: (device) => backendFor(device).target,
    compile: (kernels, opts) => backendFor(opts.device).compile(kernels, opts),
    load: (artifact, kernels, device) => backendFor(device).load(artifact, kernels),
  };
}
