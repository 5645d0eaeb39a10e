// Shared helpers of the wasm backend tests: hand-built lowered-IR kernels, arrays in the CPU
// device memory, and a compile-load-launch shortcut.
import { Builder, newFunc } from "../engine/ir/builder.js";
import type { Func, Inst } from "../engine/ir/ops.js";
import { ScalarKind, Type, array, scalar, scalarBytes } from "../engine/ir/types.js";
import type { ArgValue, ArrayArg } from "../engine/runtime/backend.js";
import { WasmBackend, WasmModuleHandle } from "../engine/backends/wasm/device.js";
import { getCpuMemory } from "../engine/backends/wasm/memory.js";
import type { WasmCompileOptions } from "../engine/backends/wasm/compile.js";
// Registers the compiler (device.ts does not import binaryen itself).
import "../engine/backends/wasm/compile.js";

export const mem = getCpuMemory();
export const backend = new WasmBackend();

export type P = { name: string; type: Type };
export const arr = (name: string, s: ScalarKind = "f32", ndim: 1 | 2 | 3 | 4 = 1): P => ({ name, type: array(scalar(s), ndim) });
export const sc = (name: string, s: ScalarKind): P => ({ name, type: scalar(s) });

/** Builds a kernel; `body` gets the builder and the param values. */
export function kernel(name: string, params: P[], body: (b: Builder, p: Inst[]) => void, ndim = 1): Func {
  const fn = newFunc(name, "kernel", params);
  fn.ndim = ndim;
  const b = new Builder(fn);
  const ps = params.map((_, i) => b.param(i));
  body(b, ps);
  return fn;
}

export function load(fns: Func[], opts: Partial<WasmCompileOptions> = {}): WasmModuleHandle {
  const art = backend.compile(fns, { debug: false, moduleName: "test", ...opts });
  return backend.load(art, fns);
}

const CTORS: Record<ScalarKind, any> = {
  bool: Uint8Array, i32: Int32Array, u32: Uint32Array, i64: BigInt64Array, u64: BigUint64Array, f32: Float32Array, f64: Float64Array,
};

export interface DevArray<T> { arg: ArrayArg; view: T; ptr: number; free(): void }

/** A contiguous array in the device memory, filled from `init` (values or a length). */
export function devArray(s: ScalarKind, init: number | ArrayLike<number | bigint | boolean>, shape?: number[]): DevArray<any> {
  const n = typeof init === "number" ? init : init.length;
  const bytes = scalarBytes(s);
  const ptr = mem.alloc(n * bytes);
  const view = new CTORS[s](mem.buffer, ptr, n);
  if (typeof init !== "number") for (let i = 0; i < n; i++) view[i] = s === "bool" ? (init[i] ? 1 : 0) : init[i];
  shape = shape ?? [n];
  const strides = shape.map((_, d) => shape!.slice(d + 1).reduce((a, b) => a * b, 1) * bytes);
  return { arg: { data: ptr, grad: 0, shape, strides }, view, ptr, free: () => mem.free(ptr) };
}

export function launch(h: WasmModuleHandle, k: string, dims: number[] | number, args: ArgValue[]): void {
  h.launch(k, typeof dims === "number" ? [dims] : dims, args);
}
