// Differential test of the CUDA code generator's *semantics* without a GPU: the generated
// translation unit (weft.cuh inlined) is compiled as host C++ against a small shim that emulates the
// CUDA builtins it uses (one thread, blockDim = gridDim = 1, so the grid-stride loop visits every
// thread in order), run on a memory image, and compared with the reference interpreter on the same
// image. The launch arguments travel as the bytes packParams produced, and the host program checks
// the layout with offsetof. Debug-mode errors are read from weft_error and decoded like the
// backend does; they must match the interpreter's KernelTrap.

import { describe, expect, test } from "vitest";
import { decodeErrorRecord } from "../engine/backends/cuda/backend.js";
import { ScalarKind } from "../engine/ir/types.js";
import type { ArgValue } from "../engine/runtime/backend.js";
import { Mem, differential, hostTest, runHost, runInterp } from "./cuda-codegen.host.js";
import * as K from "./cuda-codegen.kernels.js";

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
