// Differential test of the CUDA code generator's *semantics* without a GPU: the generated
// translation unit (weft.cuh inlined) is compiled as host C++ against a small shim that emulates the
// CUDA builtins it uses (one thread, blockDim = gridDim = 1, so the grid-stride loop visits every
// thread in order), run on a memory image, and compared with the reference interpreter on the same
// image. The launch arguments travel as the bytes packParams produced, and the host program checks
// the layout with offsetof. Debug-mode errors are read from weft_error and decoded like the
// backend does; they must match the interpreter's KernelTrap.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeErrorRecord } from "../engine/backends/cuda/backend.js";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { cType } from "../engine/backends/cuda/codegen-expr.js";
import { computeLayout, packParams } from "../engine/backends/cuda/layout.js";
import { runKernel } from "../engine/ir/interp.js";
import type { Func } from "../engine/ir/ops.js";
import { ScalarKind, scalarBytes } from "../engine/ir/types.js";
import { ArgValue, ArrayArg, KernelTrap } from "../engine/runtime/backend.js";
import { SKIP_COMPILE, workDir } from "./cuda-codegen.helpers.js";
import * as K from "./cuda-codegen.kernels.js";

const CXX = process.env.CXX || "g++";
function haveCxx(): boolean {
  try { execFileSync(CXX, ["--version"], { stdio: "pipe" }); return true; } catch { return false; }
}
const cxx = haveCxx();
if (!cxx && !SKIP_COMPILE) throw new Error(`${CXX} not found: the CUDA host-emulation tests need a C++17 compiler (set CXX, or WEFT_SKIP_CUDA_COMPILE=1)`);
const hostTest = cxx ? test : test.skip;

// CUDA builtins used by weft.cuh and generated code, for one host thread. System headers first:
// the macros below would break them.
const SHIM = String.raw`
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#define __device__
#define __global__
#define __forceinline__ inline
#define __noinline__
struct weft_host_dim3 { unsigned x, y, z; };
static weft_host_dim3 threadIdx = {0, 0, 0}, blockIdx = {0, 0, 0}, blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
template <class T> static T atomicAdd(T* p, T v) { T o = *p; *p = (T)(o + v); return o; }
template <class T> static T atomicSub(T* p, T v) { T o = *p; *p = (T)(o - v); return o; }
template <class T> static T atomicMin(T* p, T v) { T o = *p; *p = v < o ? v : o; return o; }
template <class T> static T atomicMax(T* p, T v) { T o = *p; *p = v > o ? v : o; return o; }
template <class T> static T atomicExch(T* p, T v) { T o = *p; *p = v; return o; }
template <class T> static T atomicCAS(T* p, T c, T v) { T o = *p; if (o == c) *p = v; return o; }
static inline void __threadfence() {}
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline int __float_as_int(float f) { int i; memcpy(&i, &f, 4); return i; }
static inline double __longlong_as_double(long long i) { double f; memcpy(&f, &i, 8); return f; }
static inline long long __double_as_longlong(double f) { long long i; memcpy(&i, &f, 8); return i; }
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline double __ddiv_rn(double a, double b) { return a / b; }
`;

const HEAP = 1 << 16;

/** A memory image with a bump allocator; offset 0 is never handed out (it means "no buffer"). */
class Mem {
  readonly bytes = new Uint8Array(HEAP);
  readonly dv = new DataView(this.bytes.buffer);
  private top = 256;
  alloc(s: ScalarKind, values: unknown[], shape = [values.length], withGrad = false): ArrayArg {
    const sz = scalarBytes(s);
    const n = shape.reduce((a, b) => a * b, 1);
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1) * sz);
    const take = (bytes: number) => { const at = this.top; this.top = Math.ceil((this.top + bytes) / 16) * 16; return at; };
    const data = take(Math.max(n * sz, 1));
    values.forEach((v, i) => this.write(s, data + i * sz, v));
    const grad = withGrad ? take(Math.max(n * sz, 1)) : 0;
    return { data, grad, shape, strides };
  }
  write(s: ScalarKind, at: number, v: unknown): void {
    const dv = this.dv;
    switch (s) {
      case "bool": dv.setUint8(at, v ? 1 : 0); break;
      case "i32": dv.setInt32(at, Number(v), true); break;
      case "u32": dv.setUint32(at, Number(v), true); break;
      case "i64": dv.setBigInt64(at, BigInt(v as bigint), true); break;
      case "u64": dv.setBigUint64(at, BigInt(v as bigint), true); break;
      case "f32": dv.setFloat32(at, Number(v), true); break;
      case "f64": dv.setFloat64(at, Number(v), true); break;
    }
  }
}

interface HostRun { mem: Uint8Array; record: Uint8Array; stdout: string }

/** The host program: shim + generated code + a main that unpacks the packed parameters. */
function hostProgram(fn: Func, source: string, entry: string): string {
  const layout = computeLayout(fn);
  const fields = layout.slots.map((s, i) => `  ${cType(fn.params[i].type)} p${i};`).join("\n");
  const asserts = layout.slots.map((s, i) => `static_assert(offsetof(Params, p${i}) == ${s.offset}, "layout.ts offset of ${s.name}");`).join("\n");
  const arrays = layout.slots.filter((s) => s.kind === "array").map((s) => s.offset);
  const call = [`p.dims`, ...layout.slots.map((_, i) => `p.p${i}`)].join(", ");
  return `${SHIM}\n${source}\n
struct Params {\n  weft_dims dims;\n${fields}\n};
static_assert(sizeof(weft_array) == 48 && alignof(weft_array) == 8, "weft_array");
static_assert(sizeof(weft_dims) == 32 && alignof(weft_dims) == 8, "weft_dims");
static_assert(sizeof(weft_error_record) == 80, "weft_error_record");
${asserts}
static unsigned char* readAll(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb"); fseek(f, 0, SEEK_END); *n = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
  unsigned char* b = (unsigned char*)malloc(*n + 16); if (fread(b, 1, *n, f) != *n) exit(3); fclose(f); return b;
}
static void writeAll(const char* path, const void* b, size_t n) { FILE* f = fopen(path, "wb"); fwrite(b, 1, n, f); fclose(f); }
int main(int argc, char** argv) {
  (void)argc;
  size_t memN, parN;
  unsigned char* mem = readAll(argv[1], &memN);
  unsigned char* par = readAll(argv[2], &parN);
  if (parN != ${layout.size}) return 4;
  const size_t arrays[] = {${[...arrays, 0].join(", ")}};
  for (size_t k = 0; k < ${arrays.length}; ++k)
    for (int w = 0; w < 2; ++w) {
      uint64_t v; memcpy(&v, par + arrays[k] + 8 * w, 8);
      if (v) { v += (uint64_t)(uintptr_t)mem; memcpy(par + arrays[k] + 8 * w, &v, 8); }
    }
  Params p; memset(&p, 0, sizeof p); memcpy(&p, par, ${layout.size});
  ${entry}(${call});
  fflush(stdout);
  writeAll(argv[3], mem, memN);
  writeAll(argv[4], &weft_error, sizeof weft_error);
  return 0;
}
`;
}

function runHost(fn: Func, debug: boolean, dims: number[], mem: Mem, args: ArgValue[]): HostRun & { sites: ReturnType<typeof generateCuda>["sites"] } {
  const gen = generateCuda([fn], { debug, moduleName: fn.name });
  const dir = workDir();
  const cpp = join(dir, `${fn.name}.cpp`), exe = join(dir, fn.name);
  writeFileSync(cpp, hostProgram(fn, gen.source, gen.entries[0].entry));
  try {
    execFileSync(CXX, ["-std=c++17", "-O1", "-fwrapv", "-ffp-contract=off", "-w", cpp, "-o", exe], { stdio: "pipe" });
  } catch (e) {
    throw new Error(`host compile of ${fn.name} failed (${cpp}):\n${(e as { stderr?: Buffer }).stderr?.toString()}`);
  }
  writeFileSync(join(dir, "mem.bin"), mem.bytes);
  writeFileSync(join(dir, "par.bin"), packParams(computeLayout(fn), dims, args).slice());
  const stdout = execFileSync(exe, [join(dir, "mem.bin"), join(dir, "par.bin"), join(dir, "out.bin"), join(dir, "err.bin")], { stdio: "pipe" }).toString();
  return { mem: new Uint8Array(readFileSync(join(dir, "out.bin"))), record: new Uint8Array(readFileSync(join(dir, "err.bin"))), stdout, sites: gen.sites };
}

function runInterp(fn: Func, dims: number[], mem: Mem, args: ArgValue[]): { mem: Uint8Array; stdout: string; trap?: KernelTrap } {
  const copy = mem.bytes.slice();
  let stdout = "";
  try {
    runKernel(fn, dims, args, { buffer: copy.buffer }, { print: (s) => { stdout += s.endsWith("\n") ? s : s + "\n"; } });
  } catch (e) {
    if (e instanceof KernelTrap) return { mem: copy, stdout, trap: e };
    throw e;
  }
  return { mem: copy, stdout };
}

/** Compares the arrays (data and grad) of both runs element by element, NaN equal to any NaN. */
function expectSameArrays(fn: Func, args: ArgValue[], a: Uint8Array, b: Uint8Array): void {
  const da = new DataView(a.buffer, a.byteOffset), db = new DataView(b.buffer, b.byteOffset);
  fn.params.forEach((p, i) => {
    if (p.type.k !== "array" || p.type.elem.k !== "scalar") return;
    const s = p.type.elem.s, arr = args[i] as ArrayArg, sz = scalarBytes(s);
    const n = arr.shape.reduce((x, y) => x * y, 1);
    for (const base of [arr.data, arr.grad]) {
      if (!base) continue;
      for (let k = 0; k < n; k++) {
        const at = Number(base) + k * sz;
        const read = (dv: DataView) => s === "f32" ? dv.getFloat32(at, true) : s === "f64" ? dv.getFloat64(at, true)
          : sz === 8 ? dv.getBigUint64(at, true) : sz === 4 ? dv.getUint32(at, true) : dv.getUint8(at);
        const x = read(da), y = read(db);
        const same = Object.is(x, y) || (typeof x === "number" && Number.isNaN(x) && Number.isNaN(y as number));
        if (!same) throw new Error(`${fn.name}: ${p.name}${base === arr.grad ? ".grad" : ""}[${k}] (${s}): interpreter ${String(x)}, generated CUDA ${String(y)}`);
      }
    }
  });
}

function differential(fn: Func, dims: number[], setup: (m: Mem) => ArgValue[], debug = false) {
  const mem = new Mem();
  const args = setup(mem);
  const ref = runInterp(fn, dims, mem, args);
  const host = runHost(fn, debug, dims, mem, args);
  if (ref.trap) throw new Error(`interpreter trapped: ${ref.trap.message}`);
  expect(new DataView(host.record.buffer).getInt32(0, true), "no error recorded").toBe(0);
  expectSameArrays(fn, args, ref.mem, host.mem);
  return { ref, host };
}

const INPUTS: Record<ScalarKind, unknown[]> = {
  bool: [true, false, true, true, false, false, true, false],
  i32: [7, -3, 2147483647, -2147483647, 12345, -99999, 0, 1 << 30],
  u32: [7, 3, 4294967295, 2147483648, 12345, 99999, 0, 65535],
  i64: [7n, -3n, 9223372036854775807n, -9223372036854775807n, 1n << 40n, -99999n, 0n, 123456789012345n],
  u64: [7n, 3n, 18446744073709551615n, 1n << 63n, 1n << 40n, 99999n, 0n, 123456789012345n],
  f32: [1.5, -0.1, 3e38, -0, Infinity, NaN, 1e-40, -7.25],
  f64: [1.5, -0.1, 1e308, -0, -Infinity, NaN, 5e-324, 1 / 3],
};

describe("generated CUDA run as host C++ agrees with the interpreter", () => {
  hostTest("saxpy", () => {
    differential(K.saxpy(), [6], (m) => [2.5, m.alloc("f32", [1, 2, 3, 4, 5, 6]), m.alloc("f32", [0.5, -1, 1e30, NaN, 0, -0])]);
  });

  for (const s of K.NUMERIC) {
    hostTest(`arithmetic, comparisons and select on ${s} (wrapping, shifts, NaN, infinities)`, () => {
      const n = INPUTS[s].length;
      differential(K.arith(s), [n], (m) => [m.alloc(s, INPUTS[s]), m.alloc(s, new Array(n * K.opsFor(s).length).fill(0)), m.alloc("bool", new Array(n * 7).fill(false))]);
    });
  }

  hostTest("constants are exact", () => {
    differential(K.constants(), [1], (m) => K.KINDS.map((s) => m.alloc(s, new Array(K.SPECIAL[s].length).fill(s === "bool" ? false : s.endsWith("64") && s !== "f64" ? 0n : 0))));
  });

  hostTest("conversions between every pair of kinds (saturating float -> int, NaN -> 0)", () => {
    const vals: Record<ScalarKind, unknown[]> = {
      ...INPUTS,
      f32: [1.5, -0.9, 3e38, -3e38, Infinity, NaN, 4294967040, -2147483648, 1.8446742974197924e19, -0],
      f64: [1.5, -0.9, 1e300, -1e300, -Infinity, NaN, 4294967295.9, 2147483647.5, 9223372036854775808, -9223372036854777856],
    };
    const n = 8;
    differential(K.conversions(), [n], (m) => [
      ...K.KINDS.map((s) => m.alloc(s, vals[s].slice(0, n))),
      ...K.KINDS.map((s) => m.alloc(s, new Array(n * 7).fill(s === "bool" ? false : s === "i64" || s === "u64" ? 0n : 0))),
    ]);
  });

  hostTest("control flow: nested loops, continue/break of outer loops, blocks, early returns", () => {
    const { ref } = differential(K.controlFlow(), [12], (m) => [m.alloc("i32", new Array(12).fill(-7))]);
    const out = new DataView(ref.mem.buffer);
    expect(out.getInt32(256 + 5 * 4, true)).toBe(-7); // thread 5 returned before storing
    expect(out.getInt32(256 + 7 * 4, true)).toBe(-1);
  });

  for (const s of K.NUMERIC) {
    hostTest(`atomics on ${s} (add, sub, min, max, xchg, cas, grad add)`, () => {
      const vals = s === "f32" || s === "f64" ? [1.5, -2, Infinity, 0.25, -0, 3, -Infinity, 7] : INPUTS[s];
      const zero = s === "i64" || s === "u64" ? 0n : 0;
      differential(K.atomics(s), [8], (m) => [m.alloc(s, [zero, zero, zero, zero], [4], true), m.alloc(s, vals), m.alloc(s, new Array(56).fill(zero))]);
    });
  }

  hostTest("fixed local arrays", () => {
    differential(K.fixedArrays(), [5], (m) => [m.alloc("i32", new Array(5).fill(0)), m.alloc("f64", new Array(5).fill(0))]);
  });

  for (const nd of [2, 3, 4] as const) {
    hostTest(`${nd}-D launch: thread indices, dim() and shapes`, () => {
      const shape = [3, 2, 4, 2].slice(0, nd);
      differential(K.multiDim(nd), shape, (m) => [m.alloc("i32", new Array(shape.reduce((a, b) => a * b)).fill(0), shape), 100]);
    });
  }

  hostTest("a 1-D kernel launched over 2-D extents (inner extents folded like the interpreter)", () => {
    differential(K.innerLaunch(), [3, 5], (m) => [m.alloc("i32", [0, 0, 0])]);
  });

  hostTest("araw: every kind at aligned and misaligned byte offsets", () => {
    const words = Array.from({ length: 16 }, (_, k) => (0x9e3779b9 * (k + 1)) >>> 0);
    const offs = [0, 1, 3, 4, 6, 8, 13, 17];
    differential(K.rawReads(), [offs.length], (m) => [
      m.alloc("u32", words), m.alloc("i32", offs),
      ...K.KINDS.map((s) => m.alloc(s, new Array(offs.length).fill(s === "bool" ? false : s === "i64" || s === "u64" ? 0n : 0))),
    ]);
  });

  hostTest("bool arrays, array variables, element offsets, gradient buffers", () => {
    differential(K.arraysMisc(), [4], (m) => [
      m.alloc("bool", [true, false, false, true]),
      m.alloc("f32", [1, 2, 3, 4], [4], true),
      m.alloc("f32", [10, 20, 30, 40], [4], true),
      { ...m.alloc("f32", Array.from({ length: 12 }, (_, k) => k * 0.5)), shape: [4], strides: [12] },
      m.alloc("f32", [0, 0, 0, 0]),
    ]);
  });

  hostTest("exact arithmetic matches the interpreter bit for bit", () => {
    const xs = [1.1, -3.3, 1e-3, 7e20];
    differential(K.exactOps(), [4], (m) => [m.alloc("f32", xs), m.alloc("f64", xs)]);
    differential(K.fma("f32", true), [4], (m) => ["a", "b", "c", "o"].map((_, j) => m.alloc("f32", xs.map((x) => x * (j + 1.37)))));
  });

  hostTest("print: the same text as the interpreter", () => {
    const fn = K.kernel("prints", [{ name: "x", type: K.F.F32 }, { name: "n", type: K.F.I64 }], (b, [x, n]) => {
      const i = b.tid(0);
      b.print("thread %d: x=%f n=%d hex=%x 100%%\n", [i, x, n, i]);
      b.print("flag %d", [b.call("lt", i, b.i32(1))]);
    });
    const { ref, host } = differential(fn, [2], () => [0.375, -5n]);
    expect(host.stdout).toBe(ref.stdout);
    expect(host.stdout).toContain("thread 1: x=0.375000 n=-5 hex=1 100%\nflag false\n");
  });
});

describe("debug-mode errors decode to the interpreter's KernelTrap", () => {
  const cases: [string, (m: Mem) => ArgValue[]][] = [
    ["array index out of bounds", (m) => [m.alloc("i32", [1, 2, 3, 2]), m.alloc("i32", new Array(12).fill(0), [4, 3]), m.alloc("u32", new Array(16).fill(1))]],
    ["fixed-array index out of bounds", (m) => [m.alloc("i32", [1, 2, 7, 1]), m.alloc("i32", new Array(32).fill(0), [4, 8]), m.alloc("u32", new Array(16).fill(1))]],
    ["integer division by zero", (m) => [m.alloc("i32", [1, 0, 1, 1]), m.alloc("i32", new Array(16).fill(0), [4, 4]), m.alloc("u32", new Array(16).fill(1))]],
    ["raw read outside the buffer", (m) => [m.alloc("i32", [1, 2, 40, 1]), m.alloc("i32", new Array(16).fill(0), [4, 4]), m.alloc("u32", new Array(16).fill(1))]],
  ];
  for (const [what, setup] of cases) {
    hostTest(what, () => {
      const fn = K.checked();
      const mem = new Mem();
      const args = setup(mem);
      const ref = runInterp(fn, [4], mem, args);
      expect(ref.trap, "the interpreter traps").toBeDefined();
      const host = runHost(fn, true, [4], mem, args);
      const trap = decodeErrorRecord(host.record, host.sites);
      expect(trap.message).toBe(ref.trap!.message);
      expect(trap.code).toBe(ref.trap!.code);
      expect(trap.detail).toEqual(ref.trap!.detail);
    });
  }

  hostTest("trap operands", () => {
    const fn = K.printTrap();
    const mem = new Mem();
    const args = [mem.alloc("f32", [1, -2.5]), -(1n << 40n), 5n, true, 7, 0.1];
    const ref = runInterp(fn, [2], mem, args);
    const host = runHost(fn, false, [2], mem, args);
    const trap = decodeErrorRecord(host.record, host.sites);
    expect(trap.message).toBe(ref.trap!.message);
    expect(trap.code).toBe(77);
    expect(trap.detail).toEqual(ref.trap!.detail);
    expect(trap.detail).toEqual([1, -2.5, -(1n << 40n), true, 0.1]);
  });
});
