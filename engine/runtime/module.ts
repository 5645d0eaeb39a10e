// Kernel modules: `wf.loadModule(path)` or `wf.loadModule({ source, name })`. A module is compiled
// once per backend target; the compiled artifact comes from the on-disk cache when the source and
// the compiler are unchanged, and then neither the frontend (nor the TypeScript parser it loads)
// nor the backend compiler runs. Kernel signatures travel in the cache entry for that reason.

import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { walk } from "../ir/ops.js";
import type { Func, IRModule } from "../ir/ops.js";
import type { Type } from "../ir/types.js";
import type { KernelAbi } from "../passes/scalarize.js";
import { CompiledArtifact, LoadedModuleHandle } from "./backend.js";
import { lowerModule } from "../passes/pipeline.js";
import { flattenExits } from "../passes/flatten-exits.js";
import { adjointKernel, stackSize } from "../passes/autodiff.js";
import { AutodiffError } from "../passes/autodiff-analysis.js";
import { cacheGet, cacheKey, cachePut, compilerBuildId } from "./cache.js";
import { standardLibraryHash } from "../lang/library-files.js";
import { Device, getDevice } from "./device.js";
import { DType, makeDType } from "./dtype.js";
import { BackendChoice, RuntimeBackend, frontend, frontendLoaded, loadBackend, loadFrontend } from "./backends.js";

export interface KernelInfo {
  name: string;
  ndim: number;
  params: { name: string; type: Type }[];
  /** Lowered (flat) parameters and how source parameters map onto them. */
  flatParams: { name: string; type: Type }[];
  abi: KernelAbi;
  /** Source parameter indices of arrays the kernel reads / writes (for the Tape's overwrite check). */
  reads: number[];
  writes: number[];
}

export class Kernel {
  constructor(readonly module: Module, readonly info: KernelInfo) {}
  get name(): string { return this.info.name; }
  get params() { return this.info.params; }
  toString(): string { return `kernel ${this.module.name}.${this.name}`; }
}

export interface LoadOptions {
  /** Compile with bounds checks and prints (default: WEFT_DEBUG=1). */
  debug?: boolean;
  /** Device to compile for eagerly (default: the current device). */
  device?: string | Device;
  /** Backend to compile for eagerly: "auto" (wasm on cpu), "interp", "wasm" or "cuda". */
  backend?: BackendChoice;
}

export interface Loaded {
  handle: LoadedModuleHandle;
  kernels: Func[] | null;
  backend: RuntimeBackend;
  flatArgs: boolean;
  /** Kernel signatures as this artifact was lowered (the flat ABI differs between stages). */
  infos: Map<string, KernelInfo>;
}

export class Module {
  readonly kernels: Record<string, Kernel> = {};
  readonly structs: Record<string, DType> = {};
  private ir: IRModule | null = null;
  private loaded = new Map<string, Loaded>();
  readonly debug: boolean;
  /** One entry per compile-or-load of this module: whether the disk cache hit, and how long it took. */
  readonly loads: { device: string; backend: string; variant: string; cache: "hit" | "miss" | "off"; ms: number }[] = [];

  constructor(readonly name: string, readonly file: string, readonly source: string, opts: LoadOptions) {
    this.debug = opts.debug ?? (process.env.WEFT_DEBUG === "1");
  }

  /** The high-level IR; needs the frontend loaded (see `prepare`). */
  getIR(): IRModule {
    this.ir ??= frontend().compileSource(this.source, this.file);
    return this.ir!;
  }

  /** @internal fills kernel signatures from IR or from a cache entry. */
  defineKernels(infos: KernelInfo[], structs: Type[]): void {
    for (const k of infos) if (!this.kernels[k.name]) this.kernels[k.name] = new Kernel(this, k);
    for (const s of structs) if (s.k === "struct" && !this.structs[s.name]) this.structs[s.name] = makeDType(s, s.name);
  }

  private key(b: RuntimeBackend, target: string): string {
    // The kernel standard library (kernels-as/lib) is part of what a module compiles to.
    return cacheKey([compilerBuildId(), standardLibraryHash(), target, this.debug ? "debug" : "release", this.file, this.source, b.name]);
  }

  /** Compiles (or reads from the cache) and loads the module for a device and backend. */
  async prepare(device: string | Device = getDevice(), choice: BackendChoice = "auto"): Promise<Loaded> {
    const dev = getDevice(device);
    const b = await loadBackend(dev, choice);
    const have = this.loaded.get(`${dev.name}/${b.name}/forward`);
    if (have) return have;
    const target = b.target(dev);
    const hit = b.cacheable ? cacheGet(this.key(b, target)) : null;
    if (!hit?.meta?.kernels) {
      if (!this.ir) await loadFrontend();
      await b.loadCompiler?.();
    }
    return this.prepareSync(dev, b);
  }

  /**
   * The synchronous part of `prepare`: needs the backend (and, on a cache miss, the frontend)
   * loaded. The "adjoint" variant compiles every kernel's adjoint (autodiff) for the Tape; a kernel
   * that cannot be differentiated is left out, and launching its adjoint raises its AutodiffError.
   */
  prepareSync(device: Device, b: RuntimeBackend, variant: "forward" | "adjoint" = "forward"): Loaded {
    const adjoint = variant === "adjoint";
    // The autodiff stack size (WEFT_AD_STACK) is compiled into adjoints: part of their identity.
    const stack = adjoint ? `/stack=${stackSize()}` : "";
    const id = `${device.name}/${b.name}/${variant}${stack}`;
    const have = this.loaded.get(id);
    if (have) return have;
    const target = b.target(device);
    const key = this.key(b, target + (adjoint ? `/adjoint${stack}` : ""));
    let artifact: CompiledArtifact;
    let infos: KernelInfo[];
    let lowered: Func[] | null = null;
    // Adjoints: kernels that cannot be differentiated, by name, with the error and their signature.
    let failed: Record<string, AdjointFailure> = {};
    const hit = b.cacheable ? cacheGet(key) : null;
    const t0 = performance.now();
    if (hit && hit.meta?.kernels) {
      this.loads.push({ device: device.name, backend: b.name, variant, cache: "hit", ms: 0 });
      artifact = { target, bytes: hit.bytes, meta: hit.meta.backend };
      infos = hit.meta.kernels;
      failed = hit.meta.adjointErrors ?? {};
      this.defineKernels(adjoint ? hit.meta.forward : infos, hit.meta.structs ?? []);
    } else {
      if (!this.ir && !frontendLoaded()) throw new Error(`module '${this.name}' is not compiled for ${device.name}; call 'await module.prepare("${device.name}")' first`);
      const ir = this.getIR();
      const fwd = lowerModule(ir, { until: adjoint ? "lowered" : b.stage });
      const fwdInfos = fwd.map((f) => kernelInfo(ir, f));
      this.defineKernels(fwdInfos, [...ir.structs.values()]);
      if (adjoint) {
        // Each kernel is differentiated on its own: one that cannot be does not stop the others;
        // its error is raised when a Tape launches its adjoint (see `adjointErrors`).
        lowered = [];
        infos = [];
        fwd.forEach((f, k) => {
          try {
            flattenExits(f);
            const adj = adjointKernel(f);
            lowered!.push(adj);
            infos.push({ ...fwdInfos[k], name: adj.name });
          } catch (e) {
            if (!(e instanceof AutodiffError)) throw e;
            failed[f.name] = { detail: e.detail, loc: e.loc, info: fwdInfos[k] };
          }
        });
      } else {
        lowered = fwd;
        infos = fwdInfos;
      }
      artifact = lowered.length
        ? b.compile(lowered, { debug: this.debug, moduleName: this.name + (adjoint ? "__adj" : ""), device })
        : { target, bytes: new Uint8Array(0), meta: null };
      this.loads.push({ device: device.name, backend: b.name, variant, cache: b.cacheable ? "miss" : "off", ms: 0 });
      if (b.cacheable) cachePut(key, { bytes: artifact.bytes, meta: { kernels: infos, forward: fwdInfos, structs: [...ir.structs.values()], backend: artifact.meta, adjointErrors: failed } });
    }
    let handle: LoadedModuleHandle = infos.length ? b.load(artifact, lowered ?? infos.map(stubFunc), device) : NO_KERNELS;
    if (Object.keys(failed).length) handle = adjointErrors(handle, failed);
    this.loads[this.loads.length - 1].ms = performance.now() - t0;
    const byName = new Map(infos.map((k) => [adjoint ? k.name.replace(/__adj$/, "") : k.name, k]));
    for (const [name, f] of Object.entries(failed)) byName.set(name, f.info);
    const entry: Loaded = { handle, kernels: lowered, backend: b, flatArgs: adjoint || b.flatArgs, infos: byName };
    this.loaded.set(id, entry);
    return entry;
  }

  /** @internal the loaded handle if prepared, for the synchronous launch path. */
  loadedFor(device: Device, backendName: string): Loaded | undefined {
    return this.loaded.get(`${device.name}/${backendName}/forward`);
  }

  dispose(): void {
    for (const l of this.loaded.values()) l.handle.dispose();
    this.loaded.clear();
  }
}

function kernelInfo(ir: IRModule, f: Func): KernelInfo {
  const src = ir.funcs.find((g) => g.name === f.name)!;
  const abi = f.abi ?? { source: src.params, flat: src.params.map((_, k) => ({ src: k, off: 0 })) };
  const reads = new Set<number>(), writes = new Set<number>();
  const arrays = src.params.map((p, k) => (p.type.k === "array" ? k : -1)).filter((k) => k >= 0);
  walk(f.body, (i) => {
    if (!["aload", "araw", "astore", "aatomic"].includes(i.op) || i.attrs.grad) return;
    const a = i.args[0];
    // An array reached through a variable could be any array parameter: count them all.
    const srcs = a.op === "param" ? [abi.flat[a.attrs.index]?.src ?? a.attrs.index] : arrays;
    for (const k of srcs) (i.op === "aload" || i.op === "araw" ? reads : writes).add(k);
  });
  return { name: f.name, ndim: f.ndim, params: src.params, flatParams: f.params, abi, reads: [...reads], writes: [...writes] };
}

/** A kernel whose adjoint could not be written: the AutodiffError's parts, and its forward signature. */
interface AdjointFailure { detail: string; loc?: { file: string; line: number; col: number }; info: KernelInfo }

/** A handle of an artifact without kernels (every kernel of the module failed to differentiate). */
const NO_KERNELS: LoadedModuleHandle = {
  launch(kernel: string) { throw new Error(`internal: no compiled kernel '${kernel}'`); },
  dispose() {},
};

/**
 * The adjoint artifact's handle, raising the AutodiffError of a kernel that could not be
 * differentiated when its adjoint is launched (by `Tape.backward`), and only then.
 */
function adjointErrors(handle: LoadedModuleHandle, failed: Record<string, AdjointFailure>): LoadedModuleHandle {
  const byAdjoint = new Map(Object.entries(failed).map(([name, f]) => [`${name}__adj`, f]));
  return {
    launch(kernel, dims, args, stream) {
      const f = byAdjoint.get(kernel);
      if (f) throw new AutodiffError(f.detail, f.loc);
      handle.launch(kernel, dims, args, stream);
    },
    dispose() { handle.dispose(); },
  };
}

/** A body-less Func carrying what loaders need (name, flat params, abi) on a cache hit. */
function stubFunc(k: KernelInfo): Func {
  return { name: k.name, kind: "kernel", params: k.flatParams, ret: { k: "void" }, vars: [], body: [], ndim: k.ndim, nextId: 0, abi: k.abi };
}

export async function loadModule(spec: string | { source: string; name?: string; file?: string }, opts: LoadOptions = {}): Promise<Module> {
  let source: string, file: string, name: string;
  if (typeof spec === "string") {
    file = resolve(spec);
    try { source = readFileSync(file, "utf8"); } catch (e) {
      throw new Error(`wf.loadModule: cannot read kernel file '${spec}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    name = basename(file).replace(/\.(ts|as)$/, "");
  } else if (spec && typeof spec.source === "string") {
    source = spec.source;
    name = spec.name ?? "module";
    file = spec.file ?? `${name}.ts`;
  } else {
    throw new TypeError("wf.loadModule expects a file path or { source, name }");
  }
  const m = new Module(name, file, source, opts);
  await m.prepare(getDevice(opts.device), opts.backend ?? "auto");
  return m;
}
