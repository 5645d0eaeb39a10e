// The CUDA code generator: shape of the generated code, and every kernel compiled to PTX by nvcc
// (and by NVRTC when the addon is built). No GPU is needed.

import { describe, expect, test } from "vitest";
import { CUDA_ERR, generateCuda } from "../engine/backends/cuda/codegen.js";
import { literal, printExpr } from "../engine/backends/cuda/codegen-expr.js";
import { allBuiltins } from "../engine/builtins/index.js";
import { Builder, newFunc } from "../engine/ir/builder.js";
import type { Func } from "../engine/ir/ops.js";
import { F32, I32, ScalarKind, array, scalar, vec } from "../engine/ir/types.js";
import { SKIP_COMPILE, expectCompiles, findNvcc, nvccPtx, nvrtcPtx } from "./cuda-codegen.helpers.js";
import * as K from "./cuda-codegen.kernels.js";

const gen = (fns: Func[], debug = false, name = "m") => generateCuda(fns, { debug, moduleName: name });
/** The generated code after the inlined header. */
const body = (src: string) => src.slice(src.indexOf("// ---- end weft.cuh ----"));

describe("cuda codegen: code shape", () => {
  test("saxpy: signature, grid-stride loop, loads and stores", () => {
    const { source, entries, sites } = gen([K.saxpy()], false, "saxpy");
    const code = body(source);
    expect(source.startsWith("// weft ")).toBe(true);
    expect(source).toContain("module 'saxpy' (kernels: saxpy)");
    expect(entries).toEqual([{ name: "saxpy", entry: "saxpy", rank: 1 }]);
    expect(sites).toEqual([]);
    expect(code).toContain(`extern "C" __global__ void saxpy(const weft_dims dims, float a, weft_array x, weft_array y) {`);
    expect(code).toContain("for (int64_t flat = weft_flat_first(); flat < dims.total; flat += weft_flat_stride()) {");
    expect(code).toContain("const int32_t tid0 = (int32_t)rest;");
    expect(code).toMatch(/const float v\d+ = \*\(const float\*\)\(weft_addr\(x\.data, x, tid0\)\);/);
    expect(code).toMatch(/const float v\d+_r = \(v\d+ \+ v\d+\);/);
    expect(code).toMatch(/\*\(float\*\)\(weft_addr\(y\.data, y, tid0\)\) = v\d+_r;/);
    // release builds carry no checks
    expect(code).not.toContain("weft_report");
    expect(code).not.toContain("weft_error_pending");
    expect(code).not.toContain("goto");
  });

  test("the header is inlined by default, or #included", () => {
    const inl = gen([K.saxpy()]).source;
    expect(inl).toContain("struct weft_array {");
    expect(inl).not.toContain("#pragma once");
    const inc = generateCuda([K.saxpy()], { debug: false, moduleName: "m", header: "include" }).source;
    expect(inc).toContain(`#include "weft.cuh"`);
    expect(inc).not.toContain("struct weft_array {");
  });

  test("#line directives map every statement back to its source line", () => {
    const fn = K.saxpy();
    const { source } = gen([fn], false, "saxpy");
    const lines = source.split("\n");
    // Recompute what the preprocessor assigns to each line and compare with the IR's locations.
    let file = "saxpy.cu", line = 1;
    const mapped: { file: string; line: number; text: string }[] = [];
    for (const l of lines) {
      const m = /^#line (\d+)(?: "([^"]+)")?$/.exec(l);
      if (m) { line = +m[1]; if (m[2]) file = m[2]; continue; }
      mapped.push({ file, line, text: l.trim() });
      line++;
    }
    const store = mapped.find((x) => x.text.startsWith("*(float*)(weft_addr(y.data"))!;
    const storeInst = fn.body.find((i) => i.op === "astore")!;
    expect(store.file).toBe("saxpy.ts");
    expect(store.line).toBe(storeInst.loc!.line);
    const ret = mapped.findIndex((x) => x.text.startsWith("extern \"C\" __global__"));
    expect(mapped[ret]).toMatchObject({ file: "saxpy.ts", line: 1 });
    // generated code after the kernel body maps back to the .cu file at its real line numbers
    const tail = lines.findIndex((l) => l.startsWith("#line") && l.endsWith(`"saxpy.cu"`));
    expect(lines[tail]).toBe(`#line ${tail + 2} "saxpy.cu"`);
    expect(generateCuda([fn], { debug: false, moduleName: "s", lineDirectives: false }).source).not.toContain("#line");
  });

  test("exact add/sub/mul/div use round-to-nearest intrinsics; others are plain operators", () => {
    const code = body(gen([K.exactOps(), K.fma("f32", false)]).source);
    for (const op of ["add", "sub", "mul", "div"]) {
      expect(code).toContain(`__f${op}_rn(`);
      expect(code).toContain(`__d${op}_rn(`);
    }
    expect(code).toMatch(/const float v\d+ = \(v\d+ \* v\d+\);/);
  });

  test("signed add/sub/mul/neg/shl are computed on the unsigned type (no UB on overflow)", () => {
    const code = body(gen([K.arith("i32"), K.arith("i64"), K.arith("u32")]).source);
    expect(code).toMatch(/\(\(int32_t\)\(\(\(uint32_t\)v\d+\) \+ \(\(uint32_t\)v\d+\)\)\)/);
    expect(code).toMatch(/\(\(int64_t\)\(\(\(uint64_t\)v\d+\) \* \(\(uint64_t\)v\d+\)\)\)/);
    expect(code).toMatch(/\(\(int32_t\)\(-\(\(uint32_t\)v\d+\)\)\)/);
    expect(code).toMatch(/\(\(int32_t\)\(\(\(uint32_t\)v\d+\) << \(\(\(uint32_t\)v\d+\) & 31\)\)\)/);
    // unsigned kinds go straight through the registry lowering
    expect(code).toMatch(/const uint32_t v\d+ = \(v\d+ \+ v\d+\);/);
    // shifts right and divisions keep their signed meaning
    expect(code).toMatch(/const int32_t v\d+ = \(v\d+ >> \(v\d+ & 31\)\);/);
  });

  test("constants are exact C literals", () => {
    for (const v of K.SPECIAL.f64) {
      const s = literal(v, "f64");
      if (Number.isFinite(v as number)) {
        expect(Object.is(Number(s.replace(/[()]/g, "")), v)).toBe(true);
      }
    }
    for (const v of K.SPECIAL.f32) {
      const s = literal(v, "f32");
      if (Number.isFinite(v as number)) {
        expect(s.endsWith("f") || s.endsWith("f)")).toBe(true);
        expect(Object.is(Math.fround(Number(s.replace(/[()f]/g, ""))), Math.fround(v as number))).toBe(true);
      }
    }
    expect(literal(NaN, "f32")).toBe("__int_as_float(0x7fc00000)");
    expect(literal(-Infinity, "f64")).toBe("__longlong_as_double(0xfff0000000000000ll)");
    expect(literal(-0, "f32")).toBe("(-0.0f)");
    expect(literal(2, "f32")).toBe("2.0f");
    expect(literal(-2147483648, "i32")).toBe("(-2147483647 - 1)");
    expect(literal(-5, "i32")).toBe("(-5)");
    expect(literal(4294967295, "u32")).toBe("4294967295u");
    expect(literal(-(1n << 63n), "i64")).toBe("(-9223372036854775807ll - 1)");
    expect(literal(18446744073709551615n, "u64")).toBe("18446744073709551615ull");
    expect(literal(true, "bool")).toBe("true");
  });

  test("control flow: continue is a goto, innermost break is a C break, outer break a goto", () => {
    const fn = K.controlFlow();
    const code = body(gen([fn]).source);
    const loops = [] as number[];
    for (const i of fn.body) if (i.op === "loop") loops.push(i.attrs.label);
    const [outer] = loops;
    expect(code).toContain(`goto cont_${outer};`);
    expect(code).toContain(`goto brk_${outer};`);
    expect(code).toContain(`cont_${outer}: ;`);
    expect(code).toContain(`brk_${outer}: ;`);
    expect(code).toMatch(/\bbreak;/);
    expect(code).toContain("goto weft_next;");
    expect(code).toContain("weft_next: ;");
    // the block is left with a goto to the label after it
    const blk = fn.body.find((i) => i.op === "block")!.attrs.label;
    expect(code).toContain(`goto brk_${blk};`);
    expect(code).toContain(`brk_${blk}: ;`);
    // variables are declared zero-initialised before the thread's code
    expect(code).toMatch(/int32_t l\d+_acc = 0;/);
  });

  test("fixed arrays are zero-initialised C arrays", () => {
    const code = body(gen([K.fixedArrays()]).source);
    expect(code).toMatch(/int32_t l\d+_stack\[16\] = \{\};/);
    expect(code).toMatch(/double l\d+_acc\[4\] = \{\};/);
  });

  test("multi-dimensional launches split the flat index row-major", () => {
    const code = body(gen([K.multiDim(3)]).source);
    expect(code).toContain("if (dims.inner != 1) rest /= dims.inner;");
    expect(code).toContain("const int32_t tid2 = weft_divmod(rest, dims.d[2]);");
    expect(code).toContain("const int32_t tid1 = weft_divmod(rest, dims.d[1]);");
    expect(code.indexOf("tid2 =")).toBeLessThan(code.indexOf("tid1 ="));
    expect(code).toContain("weft_addr(out.data, out, tid0, tid1, tid2)");
    expect(code).toContain("dims.d[2]");
  });

  test("atomics call the weft.cuh helpers; cas passes (compare, value)", () => {
    const fn = K.atomics("f32");
    const code = body(gen([fn]).source);
    for (const k of K.ATOMIC_KINDS) expect(code).toContain(`weft_atomic_${k}((float*)(`);
    expect(code).toMatch(/weft_atomic_cas\(\(float\*\)\(weft_addr\(target\.data, target, v\d+\)\), v(\d+), v(\d+)\)/);
    const cas = /weft_atomic_cas\(\(float\*\)\(weft_addr\(target\.data, target, v\d+\)\), (v\d+), (v\d+)\)/.exec(code)!;
    const casInst = (() => { let r: any; for (const i of fn.body) if (i.op === "aatomic" && i.attrs.kind === "cas") r = i; return r; })();
    expect(cas[1]).toBe(`v${casInst.args[3].id}`); // compare
    expect(cas[2]).toBe(`v${casInst.args[2].id}`); // new value
    // gradient accesses are skipped when the array has no gradient buffer
    expect(code).toMatch(/\(target\.grad \? weft_atomic_add\(\(float\*\)\(weft_addr\(target\.grad, target, v\d+\)\), v\d+\) : 0\.0f\)/);
  });

  test("conversions: saturating float -> int, != 0 to bool, C casts otherwise", () => {
    const code = body(gen([K.conversions()]).source);
    expect(code).toContain("weft_f32_to_i32(");
    expect(code).toContain("weft_f64_to_u64(");
    expect(code).toMatch(/const bool v\d+ = \(v\d+ != 0\);/);
    expect(code).toMatch(/const double v\d+ = \(\(double\)v\d+\);/);
  });

  test("print adapts printf conversions to operand types", () => {
    expect(printExpr("x=%d y=%f", ["a", "b"], ["i64", "f32"])).toBe(`printf("x=%lld y=%f\\n", (long long)a, (double)b)`);
    expect(printExpr("%d %d 50%%", ["a", "b"], ["bool", "u32"])).toBe(`printf("%s %u 50%%\\n", weft_bool_str(a), b)`);
    expect(printExpr("%5.2f|%x\n", ["a", "b"], ["i32", "u64"])).toBe(`printf("%5.2f|%llx\\n", (double)a, (unsigned long long)b)`);
    expect(printExpr("%d and %d", ["a"], ["i32"])).toBe(`printf("%d and %%d\\n", a)`);
    expect(printExpr("q\"\\%d", ["a"], ["f64"])).toBe(`printf("q\\"\\\\%g\\n", (double)a)`);
  });

  test("debug builds check bounds, fixed indices, integer division and raw reads; gradient accesses are skipped, not errors", () => {
    const { source, sites } = gen([K.checked(), K.arraysMisc()], true);
    const code = body(source);
    expect(code).toContain("if (weft_error_pending()) return;");
    expect(code).toMatch(/if \(!weft_in\(tid0, x\.shape\[0\]\)\) \{ weft_report\(WEFT_ERR_BOUNDS, \d+, 3, tid0, 0, x\.shape\[0\]\); return; \}/);
    expect(code).toMatch(/if \(!weft_in\(v\d+, y\.shape\[1\]\)\)/);
    expect(code).toMatch(/if \(!weft_in\(v\d+, 4\)\) \{ weft_report\(WEFT_ERR_BOUNDS, \d+, 2, v\d+, 4\); return; \}/);
    expect(code).toMatch(/if \(v\d+ == 0\) \{ weft_report\(WEFT_ERR_DIV_ZERO, \d+, 0\); return; \}/);
    expect(code).toContain("WEFT_ERR_RAW_BOUNDS");
    // a gradient access of an array without a gradient buffer reads 0 / writes nothing, as in release
    expect(code).not.toContain("WEFT_ERR_NO_GRAD");
    expect(code).toMatch(/x\.grad \? /);
    const whats = new Set(sites.map((s) => s.what));
    expect([...whats].sort()).toEqual(["bounds", "div-zero", "fixed-bounds", "raw-bounds"]);
    const b = sites.find((s) => s.what === "bounds" && s.paramName === "y")!;
    expect(b).toMatchObject({ kernel: "checked", code: CUDA_ERR.BOUNDS, param: 1, details: ["i32", "i32", "i32"] });
    expect(b.loc?.file).toBe("checked.ts");
    // a bounds check on an array variable names the variable
    expect(sites.some((s) => s.what === "bounds" && s.param === -1 && s.paramName === "src")).toBe(true);
  });

  test("trap records its operands and leaves the kernel", () => {
    const { source, sites } = gen([K.printTrap()]);
    expect(body(source)).toMatch(/\{ weft_report\(77, 0, 5, weft_detail\(tid0\), weft_detail\(v\d+\), weft_detail\(n\), weft_detail\(flag\), weft_detail\(d\)\); return; \}/);
    expect(sites).toEqual([expect.objectContaining({ what: "trap", code: 77, details: ["i32", "f32", "i64", "bool", "f64"] })]);
  });

  test("parameter and kernel names that clash with C++ or generated names are renamed", () => {
    const fn = newFunc("int", "kernel", [{ name: "float", type: F32 }, { name: "v1", type: I32 }, { name: "dims", type: I32 }, { name: "a-b", type: I32 },
      { name: "min", type: F32 }, { name: "rest", type: I32 }, { name: "sqrtf", type: F32 }, { name: "weft_x", type: I32 }]);
    const b = new Builder(fn);
    const ps = fn.params.map((_, k) => b.param(k));
    b.print("%f", [b.call("min", ps[4], ps[0])]);
    const { source, entries } = gen([fn]);
    expect(entries[0].entry).toBe("k_int");
    expect(source).toContain(`void k_int(const weft_dims dims, float p0_float, int32_t p1_v1, int32_t p2_dims, int32_t a_b, ` +
      `float p4_min, int32_t p5_rest, float p6_sqrtf, int32_t p7_weft_x)`);
    expect(gen([newFunc("max", "kernel", [])]).entries[0].entry).toBe("k_max");
  });

  test("IR that is not lowered is rejected with a weft-bug message", () => {
    const fn = newFunc("bad", "kernel", [{ name: "v", type: vec(3) }]);
    new Builder(fn).param(0);
    expect(() => gen([fn])).toThrow(/not a lowered type.*weft bug/);
    const g = newFunc("g", "kernel", [{ name: "x", type: array(F32) }]);
    const b = new Builder(g);
    const x = b.aload(b.param(0), [b.tid(0)], F32);
    b.construct(vec(3), [x, x, x]);
    expect(() => gen([g])).toThrow(/construct.*not part of lowered IR/);
    const f = newFunc("f", "func", [], F32);
    expect(() => gen([f])).toThrow(/@func/);
  });
});

// --- compiled by nvcc (and NVRTC) -------------------------------------------------------------------

const nvccMissing = !findNvcc();
const compileTest = SKIP_COMPILE && nvccMissing ? test.skip : test;

describe("cuda codegen: generated code compiles to PTX", () => {
  test("nvcc is available (set WEFT_SKIP_CUDA_COMPILE=1 to skip the compile tests)", () => {
    if (!SKIP_COMPILE) expect(findNvcc(), "nvcc not found: the CUDA toolkit is needed to check generated code").toBeTruthy();
  });

  const groups: [string, () => Func[]][] = [
    ["saxpy", () => [K.saxpy()]],
    ["arith", () => K.NUMERIC.map((s) => K.arith(s))],
    ["constants_conversions", () => [K.constants(), K.conversions()]],
    ["control_flow", () => [K.controlFlow()]],
    ["atomics", () => K.NUMERIC.map((s) => K.atomics(s))],
    ["fixed_multidim", () => [K.fixedArrays(), K.multiDim(2), K.multiDim(3), K.multiDim(4), K.innerLaunch()]],
    ["arrays", () => [K.rawReads(), K.arraysMisc(), K.checked()]],
    ["exact_print_trap", () => [K.fma("f32", true), K.fma("f64", true), K.exactOps(), K.printTrap()]],
  ];
  for (const [name, fns] of groups) {
    compileTest(`${name} (release and debug)`, () => {
      expectCompiles(gen(fns(), false, name).source, name);
      expectCompiles(gen(fns(), true, `${name}_debug`).source, `${name}_debug`);
    }, 60_000);
  }

  compileTest("NVRTC through the native addon compiles generated code too (when the addon is built)", () => {
    const r = nvrtcPtx(gen([K.saxpy(), K.controlFlow()], true).source, "nvrtc.cu");
    if (r === null) return; // addon not built or no NVRTC: nvcc covers it
    expect(r.ok, r.log).toBe(true);
    expect(r.log).not.toMatch(/warning/i);
  });

  compileTest("exact arithmetic is never contracted into an FMA; plain arithmetic may be", () => {
    const exact = nvccPtx(gen([K.fma("f32", true), K.fma("f64", true)]).source, "exact");
    expect(exact.ok, exact.log).toBe(true);
    if (!exact.ptx) return; // skipped
    expect(exact.ptx).toMatch(/mul\.rn\.f32/);
    expect(exact.ptx).toMatch(/add\.rn\.f32/);
    expect(exact.ptx).toMatch(/mul\.rn\.f64/);
    expect(exact.ptx).not.toMatch(/fma\.rn/);
    const fused = nvccPtx(gen([K.fma("f32", false)]).source, "fused");
    expect(fused.ptx).toMatch(/fma\.rn\.f32/);
  }, 60_000);

  compileTest("#line reaches the PTX line table and weft_error is a module global", () => {
    const r = nvccPtx(gen([K.saxpy()], true, "saxpy").source, "saxpy", ["-lineinfo"]);
    expect(r.ok, r.log).toBe(true);
    if (!r.ptx) return;
    const fileNo = /\.file\s+(\d+)\s+"[^"]*saxpy\.ts"/.exec(r.ptx);
    expect(fileNo, "saxpy.ts in the PTX file table").toBeTruthy();
    expect(r.ptx).toMatch(new RegExp(`\\.loc\\s+${fileNo![1]}\\s+\\d+`));
    expect(r.ptx).toMatch(/\.global \.align 8 \.b8 weft_error\[80\];/);
    expect(r.ptx).toMatch(/\.entry saxpy\(/);
  }, 60_000);

  compileTest("every primitive builtin's CUDA lowering compiles for each scalar signature it accepts", () => {
    const kinds: ScalarKind[] = ["bool", "i32", "u32", "i64", "u64", "f32", "f64"];
    const fns: Func[] = [];
    const covered: string[] = [];
    for (const bi of allBuiltins()) {
      if (!bi.cuda || !bi.eval) continue;
      for (const s of kinds) {
        for (let n = 1; n <= 3; n++) {
          const args = Array.from({ length: n }, () => scalar(s));
          const t = bi.resolve(args);
          if (typeof t === "string" || t.k !== "scalar") continue;
          const fn = newFunc(`b_${bi.name}_${s}_${n}`.replace(/[^A-Za-z0-9_]/g, "_"), "kernel", [{ name: "x", type: array(scalar(s)) }, { name: "out", type: array(t) }]);
          const b = new Builder(fn);
          const i = b.tid(0);
          const xs = Array.from({ length: n }, (_, k) => b.aload(b.param(0), [b.call("add", i, b.i32(k))], scalar(s)));
          b.astore(b.param(1), [i], b.call(bi.name, ...xs));
          fns.push(fn);
          covered.push(`${bi.name}(${s} x${n})`);
        }
      }
    }
    expect(covered.length).toBeGreaterThan(50);
    expectCompiles(gen(fns, false, "builtins").source, "builtins");
  }, 120_000);
});
