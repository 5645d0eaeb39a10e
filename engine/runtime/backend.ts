// The contract between the runtime and a backend. A backend is two small pieces: a compiler from
// lowered IR (docs/architecture.md) to an artifact it can cache as bytes, and a device that loads
// artifacts, owns memory and launches kernels. The interpreter, wasm and CUDA all implement it, which
// is what lets one conformance suite run on every backend.

import type { Func } from "../ir/ops.js";

/** A run-time array argument: byte addresses (wasm: offsets in the shared memory; CUDA: device pointers). */
export interface ArrayArg {
  data: number | bigint;
  grad: number | bigint;
  shape: number[];
  /** Byte strides, one per dimension. */
  strides: number[];
}

/** Values for the lowered kernel's flat parameters, in `fn.params` order. */
export type ArgValue = number | bigint | boolean | ArrayArg;

/** Raised by a launch that trapped (bounds check, integer division by zero, `trap` op). */
export class KernelTrap extends Error {
  constructor(message: string, readonly kernel: string, readonly code: number, readonly detail: unknown[] = []) {
    super(message);
    this.name = "KernelTrap";
  }
}

export interface CompiledArtifact {
  /** The target string that enters the cache key (e.g. "wasm-simd128", "cuda-sm_90"). */
  target: string;
  /** Serialized form, stored in the on-disk cache. */
  bytes: Uint8Array;
  /** Per-kernel metadata the loader needs (JSON-serializable). */
  meta: unknown;
}

export interface LoadedKernel {
  name: string;
  fn: Func;
}

export interface Backend {
  readonly name: "interp" | "wasm" | "cuda";
  /** Compiles lowered kernels of one module into one artifact. */
  compile(kernels: Func[], opts: { debug: boolean; moduleName: string }): CompiledArtifact;
  /** Makes an artifact launchable; `kernels` are the same lowered Funcs (for argument layouts). */
  load(artifact: CompiledArtifact, kernels: Func[]): Promise<LoadedModuleHandle> | LoadedModuleHandle;
}

export interface LoadedModuleHandle {
  /** Launches `kernel` over `dims` (1-4 extents) with arguments in lowered-parameter order. */
  launch(kernel: string, dims: number[], args: ArgValue[], stream?: unknown): void;
  dispose(): void;
}
