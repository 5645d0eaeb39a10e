// The kernel parameter ABI (layout.ts): offsets by hand, against the parameter list nvcc emits in
// PTX for the generated kernel, and against offsetof in a host program compiled by nvcc; and the
// bytes packParams writes.

import { describe, expect, test } from "vitest";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { cType } from "../engine/backends/cuda/codegen-expr.js";
import { ARRAY_SIZE, DIMS_SIZE, computeLayout, launchRank, packParams, packedTotal } from "../engine/backends/cuda/layout.js";
import { Builder, newFunc } from "../engine/ir/builder.js";
import type { Func } from "../engine/ir/ops.js";
import { BOOL, F32, F64, I32, I64, PTR, U32, U64, Type, array } from "../engine/ir/types.js";
import { HEADER_DIR, SKIP_COMPILE, findNvcc, nvccPtx, nvccRunHost } from "./cuda-codegen.helpers.js";

/** A kernel with parameters of every kind in an order that needs padding; reads each one. */
function mixed(): Func {
  const params: { name: string; type: Type }[] = [
    { name: "flag", type: BOOL }, { name: "d", type: F64 }, { name: "x", type: array(F32) },
    { name: "i", type: I32 }, { name: "b2", type: BOOL }, { name: "grid", type: array(I32, 3) },
    { name: "u", type: U64 }, { name: "f", type: F32 }, { name: "h", type: PTR }, { name: "w", type: U32 },
    { name: "n", type: I64 }, { name: "last", type: BOOL },
  ];
  const fn = newFunc("mixed", "kernel", params);
  const b = new Builder(fn);
  const t = b.tid(0);
  const ps = params.map((_, k) => b.param(k));
  // use every parameter so nvcc keeps them all in the PTX signature
  const sum = b.call("add", b.convert(ps[1], F32), b.call("add", ps[7], b.convert(ps[3], F32)));
  const more = b.call("add", b.convert(ps[6], F32), b.call("add", b.convert(ps[9], F32), b.convert(ps[10], F32)));
  const flags = b.call("and", ps[0], b.call("or", ps[4], ps[11]));
  b.astore(ps[2], [t], b.select(flags, b.call("add", sum, more), b.convert(b.ashape(ps[5], 2), F32)));
  return fn;
}

// Hand-computed: weft_dims at 0..32, then each parameter at its natural alignment.
const EXPECTED = [
  ["flag", 32, 1], ["d", 40, 8], ["x", 48, 48], ["i", 96, 4], ["b2", 100, 1], ["grid", 104, 48],
  ["u", 152, 8], ["f", 160, 4], ["h", 168, 8], ["w", 176, 4], ["n", 184, 8], ["last", 192, 1],
] as const;

describe("parameter layout", () => {
  test("offsets follow the CUDA ABI (natural alignment, weft_array 48/8, weft_dims 32/8)", () => {
    const l = computeLayout(mixed());
    expect(DIMS_SIZE).toBe(32);
    expect(ARRAY_SIZE).toBe(48);
    expect(l.slots.map((s) => [s.name, s.offset, s.size])).toEqual(EXPECTED);
    expect(l.size).toBe(193);
    expect(l.buffer.byteLength).toBe(193);
  });

  const compileTest = SKIP_COMPILE && !findNvcc() ? test.skip : test;

  compileTest("matches the .param list nvcc emits for the generated kernel", () => {
    const fn = mixed();
    const r = nvccPtx(generateCuda([fn], { debug: false, moduleName: "mixed" }).source, "mixed");
    expect(r.ok, r.log).toBe(true);
    if (!r.ptx) return;
    const sig = /\.entry mixed\(([\s\S]*?)\)/.exec(r.ptx)![1];
    const params = [...sig.matchAll(/\.param\s+(?:\.align\s+(\d+)\s+)?\.(\w+)\s+\w+(?:\[(\d+)\])?/g)].map((m) => {
      const bits = /\d+/.exec(m[2]);
      const size = m[3] ? Number(m[3]) : bits ? Number(bits[0]) / 8 : 1;
      return { align: m[1] ? Number(m[1]) : size, size };
    });
    let off = 0;
    const offsets = params.map((p) => { off = Math.ceil(off / p.align) * p.align; const o = off; off += p.size; return [o, p.size]; });
    const l = computeLayout(fn);
    expect(offsets).toEqual([[0, DIMS_SIZE], ...l.slots.map((s) => [s.offset, s.size])]);
  }, 60_000);

  compileTest("matches offsetof in a host program compiled by nvcc against weft.cuh", () => {
    const fn = mixed();
    const l = computeLayout(fn);
    const fields = fn.params.map((p, k) => `  ${cType(p.type)} p${k};`).join("\n");
    const prints = fn.params.map((_, k) => `  printf("%zu %zu\\n", offsetof(P, p${k}), sizeof(((P*)0)->p${k}));`).join("\n");
    const out = nvccRunHost(`#include <cstdio>\n#include <cstddef>\n#include "weft.cuh"\nstruct P {\n  weft_dims dims;\n${fields}\n};\nint main() {\n` +
      `  printf("%zu %zu %zu %zu %zu\\n", sizeof(weft_dims), alignof(weft_dims), sizeof(weft_array), alignof(weft_array), sizeof(weft_error_record));\n${prints}\n}\n`, HEADER_DIR);
    if (out === null) return;
    const [head, ...rows] = out.trim().split("\n");
    expect(head).toBe("32 8 48 8 80");
    expect(rows.map((r) => r.split(" ").map(Number))).toEqual(l.slots.map((s) => [s.offset, s.size]));
  }, 60_000);
});

describe("packParams", () => {
  test("writes extents, total, inner and every argument kind little-endian", () => {
    const l = computeLayout(mixed());
    const buf = packParams(l, [7], [
      true, -2.5, { data: 0x7f0000001000n, grad: 0, shape: [7], strides: [4] }, -9, 1,
      { data: 4096, grad: 8192n, shape: [2, 3, 4], strides: [48, 16, 4] },
      18446744073709551615n, 0.1, 0xdead_beef_00n, 4294967295, -5, false,
    ]);
    expect(buf).toBe(l.buffer);
    const dv = new DataView(buf.buffer);
    expect([0, 1, 2, 3].map((d) => dv.getInt32(d * 4, true))).toEqual([7, 1, 1, 1]);
    expect(dv.getBigInt64(16, true)).toBe(7n);
    expect(dv.getBigInt64(24, true)).toBe(1n);
    expect(packedTotal(l)).toBe(7);
    expect(dv.getUint8(32)).toBe(1);
    expect(dv.getFloat64(40, true)).toBe(-2.5);
    expect(dv.getBigUint64(48, true)).toBe(0x7f0000001000n);
    expect(dv.getBigUint64(56, true)).toBe(0n);
    expect([0, 1, 2, 3].map((d) => dv.getInt32(64 + 4 * d, true))).toEqual([7, 1, 1, 1]); // shape, padded with 1
    expect([0, 1, 2, 3].map((d) => dv.getInt32(80 + 4 * d, true))).toEqual([4, 0, 0, 0]); // strides, padded with 0
    expect(dv.getInt32(96, true)).toBe(-9);
    expect(dv.getUint8(100)).toBe(1);
    expect(dv.getBigUint64(104, true)).toBe(4096n);
    expect(dv.getBigUint64(112, true)).toBe(8192n);
    expect([0, 1, 2, 3].map((d) => dv.getInt32(120 + 4 * d, true))).toEqual([2, 3, 4, 1]);
    expect([0, 1, 2, 3].map((d) => dv.getInt32(136 + 4 * d, true))).toEqual([48, 16, 4, 0]);
    expect(dv.getBigUint64(152, true)).toBe(18446744073709551615n);
    expect(dv.getFloat32(160, true)).toBe(Math.fround(0.1));
    expect(dv.getBigUint64(168, true)).toBe(0xdead_beef_00n);
    expect(dv.getUint32(176, true)).toBe(4294967295);
    expect(dv.getBigInt64(184, true)).toBe(-5n);
    expect(dv.getUint8(192)).toBe(0);
  });

  test("launch extents: padding, the inner extent of over-dimensioned launches, limits", () => {
    const k3 = newFunc("k3", "kernel", []);
    const b = new Builder(k3);
    b.tid(2);
    expect(launchRank(k3)).toBe(3);
    const l3 = computeLayout(k3);
    const dv = l3.view;
    packParams(l3, [2, 3], []);
    expect([0, 1, 2, 3].map((d) => dv.getInt32(d * 4, true))).toEqual([2, 3, 1, 1]);
    expect(packedTotal(l3)).toBe(6);
    expect(dv.getBigInt64(24, true)).toBe(1n);
    packParams(l3, [2, 3, 4, 5], []);
    expect(packedTotal(l3)).toBe(120);
    expect(dv.getBigInt64(24, true)).toBe(5n); // the 4th extent is beyond the kernel's rank 3
    packParams(l3, [0, 3], []);
    expect(packedTotal(l3)).toBe(0);
    expect(() => packParams(l3, [], [])).toThrow(/1 to 4 dimensions/);
    expect(() => packParams(l3, [1, 2, 3, 4, 5], [])).toThrow(/1 to 4 dimensions/);
    expect(() => packParams(l3, [-1], [])).toThrow(/launch extent 0/);
    expect(() => packParams(l3, [1.5], [])).toThrow(/launch extent 0/);
    expect(() => packParams(l3, [1], [1])).toThrow(/takes 0 lowered arguments, got 1/);
  });

  test("argument type errors name the parameter", () => {
    const l = computeLayout(mixed());
    const good: unknown[] = [true, 1, { data: 1, grad: 0, shape: [1], strides: [4] }, 1, true, { data: 1, grad: 0, shape: [1, 1, 1], strides: [4, 4, 4] }, 1n, 1, 1n, 1, 1n, true];
    const bad = (k: number, v: unknown) => { const a = [...good]; a[k] = v; return () => packParams(l, [1], a as never); };
    expect(bad(0, 1)).not.toThrow();
    expect(bad(2, 5)).toThrow(/argument 'x' must be an array descriptor/);
    expect(bad(1, 1n)).toThrow(/argument 'd' must be a number/);
    expect(bad(6, 1.5)).toThrow(/argument 'u' must be a bigint or an integer number/);
    expect(bad(0, "yes")).toThrow(/argument 'flag' must be a boolean/);
  });
});
