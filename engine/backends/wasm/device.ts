// The CPU device's backend: compiles lowered kernels to one wasm module (compile.ts), loads it on the
// main thread and in the worker pool, and launches: arguments are packed into the kernel's argument
// block (layout computed once, at load), small launches run inline on the main thread, larger ones
// on every core. This file does not import compile.ts (binaryen): `loadCompiler()` loads it before a
// compile (compiler-slot.ts), so loading cached modules stays fast.

import type { Func } from "../../ir/ops.js";
import type { ArgValue, ArrayArg, Backend, CompiledArtifact, LoadedModuleHandle } from "../../runtime/backend.js";
import {
  HDR_DIMS, HDR_ERR_SITE, HDR_PRINT_BUF, HDR_PRINT_CAP, HDR_PRINT_CURSOR, KernelMeta, ModuleMeta, TARGET,
} from "./abi.js";
import type { WasmCompileOptions } from "./compile.js";
import { loadCompiler, loadedCompiler } from "./compiler-slot.js";
import { decodeTrap, flushPrints } from "./host-report.js";
import { libImports } from "./mathlib-js.js";
import { CpuMemory, getCpuMemory } from "./memory.js";
import { WorkerPool } from "./pool.js";

let pool: WorkerPool | null = null;
/** The process's CPU worker pool (over the device memory). */
export function getCpuPool(): WorkerPool {
  if (!pool) pool = new WorkerPool(getCpuMemory());
  return pool;
}
/** Threads used by CPU launches (WEFT_NUM_THREADS or all cores by default; 1 = main thread only). */
export function setNumThreads(n: number): void { getCpuPool().setNumThreads(n); }
export function getNumThreads(): number { return getCpuPool().numThreads; }

/** Launches below this much estimated work (threads x cost) run inline on the main thread. */
export const INLINE_WORK = 1 << 16;
const PRINT_BUFFER_BYTES = 1 << 20;

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  /** Where `print` output goes (default: process.stdout). */
  printSink: (text: string) => void = (t) => { process.stdout.write(t); };

  constructor(readonly memory: CpuMemory = getCpuMemory(), readonly pool: WorkerPool = getCpuPool()) {}

  /** Needs the compiler loaded: `await backend.loadCompiler()` (or any import of compile.ts) first. */
  compile(kernels: Func[], opts: { debug: boolean; moduleName: string } & Partial<WasmCompileOptions>): CompiledArtifact {
    const compileWasm = loadedCompiler();
    if (!compileWasm) {
      throw new Error(`wasm backend: the compiler is not loaded, so module '${opts.moduleName}' cannot be compiled here; `
        + "call 'await wf.init()' or 'await module.prepare()' first");
    }
    const { bytes, meta } = compileWasm(kernels, opts);
    return { target: TARGET, bytes, meta };
  }

  /** Loads the compiler (binaryen, ~0.5 s the first time). */
  async loadCompiler(): Promise<void> { await loadCompiler(); }

  /** Loads an artifact; the lowered kernels are not needed (the metadata carries the layouts). */
  load(artifact: CompiledArtifact, _kernels?: Func[] | null): WasmModuleHandle {
    if (artifact.target !== TARGET) throw new Error(`wasm backend: cannot load an artifact for target '${artifact.target}'`);
    return new WasmModuleHandle(this, artifact.bytes, artifact.meta as ModuleMeta);
  }
}

interface Kern {
  meta: KernelMeta;
  index: number;
  fn: (start: number, end: number, args: number, stack: number) => void;
  args: number;
  /** Estimated cost of one thread (IR instructions, loops weighted). */
  cost: number;
  /** Scratch bytes per participant (4 frames for SIMD entries). */
  frame: number;
}

let nextModuleId = 1;

export class WasmModuleHandle implements LoadedModuleHandle {
  readonly id = nextModuleId++;
  private kernels = new Map<string, Kern>();
  private printBuf = 0;
  private disposed = false;

  constructor(private backend: WasmBackend, bytes: Uint8Array, readonly meta: ModuleMeta) {
    const mem = backend.memory;
    const module = new WebAssembly.Module(bytes as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory: mem.memory, ...libImports(meta.libImports) } });
    if (meta.kernels.some((k) => k.prints.length)) this.printBuf = mem.alloc(PRINT_BUFFER_BYTES, 16, false);
    meta.kernels.forEach((km, index) => {
      const fn = instance.exports[km.entry] as Kern["fn"];
      if (typeof fn !== "function") throw new Error(`wasm backend: module '${meta.moduleName}' lacks entry ${km.entry}`);
      const args = mem.alloc(km.argBytes, 16);
      const i32 = mem.i32;
      i32[(args + HDR_PRINT_BUF) >> 2] = this.printBuf;
      i32[(args + HDR_PRINT_CAP) >> 2] = this.printBuf ? PRINT_BUFFER_BYTES : 0;
      this.kernels.set(km.name, { meta: km, index, fn, args, cost: km.cost ?? 16, frame: km.frameBytes * (km.simd ? 4 : 1) });
    });
    backend.pool.addModule({ id: this.id, module, lib: meta.libImports, entries: meta.kernels.map((k) => k.entry) });
  }

  launch(kernel: string, dims: number[], args: ArgValue[]): void {
    if (this.disposed) throw new Error(`wasm backend: module '${this.meta.moduleName}' was disposed`);
    const k = this.kernels.get(kernel);
    if (!k) throw new Error(`wasm backend: module '${this.meta.moduleName}' has no kernel '${kernel}'`);
    const { meta } = k;
    const mem = this.backend.memory;
    const total = packArgs(mem, k, dims, args);
    if (total === 0) return;
    const pool = this.backend.pool;
    let messages: string[] = [];
    if (pool.numThreads === 1 || total * k.cost < INLINE_WORK) {
      const stack = pool.stack(0, k.frame);
      try {
        k.fn(0, total, k.args, stack);
      } catch (e) {
        messages = [String((e as Error)?.message ?? e)];
      }
    } else {
      messages = pool.run(this.id, k.index, k.fn, total, k.args, k.frame).map((e) => e.message);
    }
    if (meta.prints.length) flushPrints(meta, mem, k.args, this.backend.printSink);
    if (messages.length) throw decodeTrap(meta, mem, k.args, messages);
  }

  /**
   * Whether a launch with these dims and arguments runs its 4-lane groups on the SIMD entry (the
   * kernel has one, the arrays have the strides it assumes, multi-dimensional rows hold whole groups).
   */
  usesSimd(kernel: string, dims: number[], args: ArgValue[]): boolean {
    const k = this.kernels.get(kernel);
    if (!k || !k.meta.simd) return false;
    if (k.meta.ndim > 1 && dims[dims.length - 1] % 4 !== 0) return false;
    return (k.meta.simdStrides ?? []).every(({ param, axis, bytes }) => (args[param] as ArrayArg).strides[axis] === bytes);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const mem = this.backend.memory;
    for (const k of this.kernels.values()) mem.free(k.args);
    if (this.printBuf) mem.free(this.printBuf);
    this.kernels.clear();
    this.backend.pool.removeModule(this.id);
  }
}

/**
 * Writes dims and parameters into the kernel's argument block; returns the thread count. Launch
 * dims beyond the kernel's dimensionality fold into its first dimension (a 1-D kernel launched over
 * (n, m) sees flat ids, as in Warp); missing ones are 1.
 */
function packArgs(mem: CpuMemory, k: Kern, dims: number[], args: ArgValue[]): number {
  const { meta } = k;
  const nd = meta.ndim;
  const i32 = mem.i32, a = k.args;
  let total = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`launch of '${meta.name}': invalid dimension ${d} in [${dims.join(", ")}]`);
    total *= d;
  }
  if (total > 0x7fffffff) throw new RangeError(`launch of '${meta.name}': ${total} threads exceed the CPU backend's limit of 2^31 - 1`);
  const kd = [1, 1, 1, 1];
  const extra = dims.length - nd;
  for (let d = 0; d < nd; d++) {
    const src = d + extra;
    kd[d] = src < 0 ? 1 : d === 0 && extra > 0 ? dims.slice(0, extra + 1).reduce((x, y) => x * y, 1) : dims[src];
  }
  const b = (a + HDR_DIMS) >> 2;
  i32[b] = kd[0]; i32[b + 1] = kd[1]; i32[b + 2] = kd[2]; i32[b + 3] = kd[3];
  i32[(a + HDR_ERR_SITE) >> 2] = 0;
  i32[(a + HDR_PRINT_CURSOR) >> 2] = 0;
  const params = meta.params;
  if (args.length !== params.length) {
    throw new TypeError(`launch of '${meta.name}': expected ${params.length} arguments (${params.map((p) => p.name).join(", ")}), got ${args.length}`);
  }
  for (let i = 0; i < params.length; i++) {
    const p = params[i], v = args[i], at = a + p.offset;
    if (p.kind === "array") {
      const arr = v as ArrayArg;
      if (!arr || typeof arr !== "object" || !("data" in arr)) throw new TypeError(`launch of '${meta.name}': argument '${p.name}' must be an array`);
      if (arr.shape.length !== p.ndim) throw new TypeError(`launch of '${meta.name}': argument '${p.name}' must have ${p.ndim} dimension(s), got ${arr.shape.length}`);
      const w = at >> 2;
      i32[w] = Number(arr.data);
      i32[w + 1] = Number(arr.grad);
      for (let d = 0; d < p.ndim; d++) { i32[w + 2 + d] = arr.shape[d]; i32[w + 2 + p.ndim + d] = arr.strides[d]; }
      continue;
    }
    switch (p.s) {
      case "bool": i32[at >> 2] = v ? 1 : 0; break;
      case "i32": case "u32": i32[at >> 2] = Number(v); break;
      case "f32": mem.f32[at >> 2] = Number(v); break;
      case "f64": mem.f64[at >> 3] = Number(v); break;
      case "i64": case "u64": mem.i64[at >> 3] = BigInt.asIntN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)))); break;
    }
  }
  return total;
}
