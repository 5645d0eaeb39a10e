// Shared by the CUDA codegen tests: runs generated CUDA C++ as host C++ (see
// test/cuda-codegen-host.test.ts for the idea) and compares it with the reference interpreter.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { decodeErrorRecord } from "../engine/backends/cuda/backend.js";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { cType } from "../engine/backends/cuda/codegen-expr.js";
import { computeLayout, packParams } from "../engine/backends/cuda/layout.js";
import { runKernel } from "../engine/ir/interp.js";
import type { Func } from "../engine/ir/ops.js";
import { ScalarKind, scalarBytes } from "../engine/ir/types.js";
import { ArgValue, ArrayArg, KernelTrap } from "../engine/runtime/backend.js";
import { SKIP_COMPILE, workDir } from "./cuda-codegen.helpers.js";

const CXX = process.env.CXX || "g++";
function haveCxx(): boolean {
  try { execFileSync(CXX, ["--version"], { stdio: "pipe" }); return true; } catch { return false; }
}
const cxx = haveCxx();
if (!cxx && !SKIP_COMPILE) throw new Error(`${CXX} not found: the CUDA host-emulation tests need a C++17 compiler (set CXX, or WEFT_SKIP_CUDA_COMPILE=1)`);
export const hostTest = cxx ? test : test.skip;

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
static inline float __fsqrt_rn(float a) { return sqrtf(a); }
static inline double __dsqrt_rn(double a) { return sqrt(a); }
static inline float __uint_as_float(unsigned i) { float f; memcpy(&f, &i, 4); return f; }
static inline unsigned __float_as_uint(float f) { unsigned i; memcpy(&i, &f, 4); return i; }
`;

const HEAP = 1 << 16;

/** A memory image with a bump allocator; offset 0 is never handed out (it means "no buffer"). */
export class Mem {
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

export function runHost(fn: Func, debug: boolean, dims: number[], mem: Mem, args: ArgValue[]): HostRun & { sites: ReturnType<typeof generateCuda>["sites"] } {
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

export function runInterp(fn: Func, dims: number[], mem: Mem, args: ArgValue[]): { mem: Uint8Array; stdout: string; trap?: KernelTrap } {
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
export function expectSameArrays(fn: Func, args: ArgValue[], a: Uint8Array, b: Uint8Array): void {
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

export function differential(fn: Func, dims: number[], setup: (m: Mem) => ArgValue[], debug = false) {
  const mem = new Mem();
  const args = setup(mem);
  const ref = runInterp(fn, dims, mem, args);
  const host = runHost(fn, debug, dims, mem, args);
  if (ref.trap) throw new Error(`interpreter trapped: ${ref.trap.message}`);
  expect(new DataView(host.record.buffer).getInt32(0, true), "no error recorded").toBe(0);
  expectSameArrays(fn, args, ref.mem, host.mem);
  return { ref, host };
}

