// C printf formatting shared by the host-side formatters (engine/runtime/printf.ts): the interpreter
// uses it, wasm's print records are meant to, and both must print what CUDA's device printf prints.
// The expected strings below were produced by glibc 2.36's printf with the same format and value
// (64-bit values with `ll`, `%d` of an unsigned value as `%u`, as the CUDA code generator emits).
import { describe, expect, it } from "vitest";
import { formatPrintf, parsePrintf, printfArity } from "../engine/runtime/printf.js";
import { compileSource, WeftCompileError } from "../engine/lang/index.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import type { Inst } from "../engine/ir/ops.js";
import type { ScalarKind } from "../engine/ir/types.js";

const fr = Math.fround;

// [format, value, weft kind of the value, what C prints]
const GLIBC: [string, number | bigint, ScalarKind, string][] = [
  ["%d", -42, "i32", "-42"],
  ["%5d", 42, "i32", "   42"],
  ["%-5d|", 42, "i32", "42   |"],
  ["%05d", -42, "i32", "-0042"],
  ["%+d", 7, "i32", "+7"],
  ["% d", 7, "i32", " 7"],
  ["%.3d", 7, "i32", "007"],
  ["%8.3d", -7, "i32", "    -007"],
  ["%.0d|", 0, "i32", "|"],
  ["%i", -2147483648, "i32", "-2147483648"],
  ["%u", -1, "i32", "4294967295"],
  ["%x", -1, "i32", "ffffffff"],
  ["%X", 3735928559, "u32", "DEADBEEF"],
  ["%#x", 255, "i32", "0xff"],
  ["%#X", 255, "i32", "0XFF"],
  ["%#010x", 255, "i32", "0x000000ff"],
  ["%#x", 0, "i32", "0"],
  ["%o", 8, "i32", "10"],
  ["%#o", 8, "i32", "010"],
  ["%#o", 0, "i32", "0"],
  ["%o", -1, "i32", "37777777777"],
  ["%d", 4294967295, "u32", "4294967295"],
  ["%d", -1099511627776n, "i64", "-1099511627776"],
  ["%x", -1n, "i64", "ffffffffffffffff"],
  ["%u", -1n, "i64", "18446744073709551615"],
  ["%d", 18446744073709551615n, "u64", "18446744073709551615"],
  ["%+d", 5n, "u64", "5"],
  ["%hhd", 300, "i32", "44"],
  ["%hd", 65537, "i32", "1"],
  ["%hhx", -1, "i32", "ff"],
  ["%lld", -5n, "i64", "-5"],
  ["%ld", 12, "i32", "12"],
  ["%c", 65, "i32", "A"],
  ["%3c|", 66, "i32", "  B|"],
  ["%f", 0.1, "f64", "0.100000"],
  ["%.3f", 2 / 3, "f64", "0.667"],
  ["%f", -0, "f64", "-0.000000"],
  ["%.0f", 0.5, "f64", "0"],
  ["%.0f", 1.5, "f64", "2"],
  ["%.0f", 2.5, "f64", "2"],
  ["%#.0f", 3, "f64", "3."],
  ["%10.4f|", Math.PI, "f64", "    3.1416|"],
  ["%-10.2f|", -Math.E, "f64", "-2.72     |"],
  ["%+08.2f", 3.14159, "f64", "+0003.14"],
  ["% .1f", 2.25, "f64", " 2.2"],
  ["%f", 1e+21, "f64", "1000000000000000000000.000000"],
  ["%.2f", 1e-300, "f64", "0.00"],
  ["%F", Infinity, "f64", "INF"],
  ["%f", -Infinity, "f64", "-inf"],
  ["%5f|", NaN, "f64", "  nan|"],
  ["%+f", NaN, "f64", "+nan"],
  ["%08f", -Infinity, "f64", "    -inf"],
  ["%e", -0.125, "f64", "-1.250000e-01"],
  ["%e", 0, "f64", "0.000000e+00"],
  ["%E", 12345.678, "f64", "1.234568E+04"],
  ["%.2e", 9.999, "f64", "1.00e+01"],
  ["%.0e", 15, "f64", "2e+01"],
  ["%#.0e", 15, "f64", "2.e+01"],
  ["%e", 1e-310, "f64", "1.000000e-310"],
  ["%e", 1.7976931348623157e+308, "f64", "1.797693e+308"],
  ["%12.3e|", 6.02214076e+23, "f64", "   6.022e+23|"],
  ["%g", fr(2 / 3), "f32", "0.666667"],
  ["%g", 100000, "f64", "100000"],
  ["%g", 1000000, "f64", "1e+06"],
  ["%g", 0.0001, "f64", "0.0001"],
  ["%g", 0.00001, "f64", "1e-05"],
  ["%g", 123456789, "f64", "1.23457e+08"],
  ["%G", 1e-10, "f64", "1E-10"],
  ["%.3g", 99.95, "f64", "100"],
  ["%.3g", 999.5, "f64", "1e+03"],
  ["%#g", 1, "f64", "1.00000"],
  ["%#.3g", 0.0001, "f64", "0.000100"],
  ["%.0g", 0.5, "f64", "0.5"],
  ["%g", 0, "f64", "0"],
  ["%g", -0, "f64", "-0"],
  ["%10.3g|", fr(0.1), "f32", "       0.1|"],
  ["%-+10g|", 1.5, "f64", "+1.5      |"],
  ["%.17g", 0.1, "f64", "0.10000000000000001"],
  ["%.20f", fr(0.1), "f32", "0.10000000149011611938"],
  ["a-less %.30e", 5e-324, "f64", "a-less 4.940656458412465441765687928682e-324"],
];

describe("formatPrintf matches C printf", () => {
  it.each(GLIBC)("%s of %s (%s)", (fmt, v, kind, want) => {
    expect(formatPrintf(fmt, [v], [kind])).toBe(want);
  });

  it("several values, literal text, %% and a placeholder without a value", () => {
    expect(formatPrintf("i=%d x=%.3f 100%% %x|%e", [3, fr(0.1), -1], ["i32", "f32", "i32"])).toBe("i=3 x=0.100 100% ffffffff|%e");
  });

  it("mixed kinds as the CUDA code generator emits them: a float with an integer conversion is %g, a bool is %s, %s of a number", () => {
    const f = (fmt: string, v: unknown, k: ScalarKind) => formatPrintf(fmt, [v], [k]);
    expect(f("%d", fr(2.5), "f32")).toBe("2.5");
    expect(f("%5.2x|", fr(1 / 3), "f32")).toBe(" 0.33|");
    expect(f("%f", 3, "i32")).toBe("3.000000");
    expect(f("%e", -(2n ** 40n), "i64")).toBe("-1.099512e+12");
    expect(f("%d", true, "bool")).toBe("true");
    expect(f("%-7.2s|", false, "bool")).toBe("false  |");
    expect(f("%06d", true, "bool")).toBe("  true");
    expect(f("%s", -5, "i32")).toBe("-5");
    expect(f("%s", 4294967295, "u32")).toBe("4294967295");
    expect(f("%s", fr(0.1), "f32")).toBe("0.1");
  });

  it("without kinds, the kind is inferred from the JavaScript value", () => {
    expect(formatPrintf("%x %d %g %d", [-1, 2n ** 64n - 1n, 0.5, true])).toBe("ffffffff 18446744073709551615 0.5 true");
  });

  it("parsePrintf splits text and conversion specifications; printfArity counts values", () => {
    expect(parsePrintf("a%%b%-08.3lfc%")).toEqual([
      "a%b",
      { text: "%-08.3lf", flags: "-0", width: 8, precision: 3, length: "l", conv: "f" },
      "c%",
    ]);
    expect(printfArity("%%d %d %5.2f %X %c %s %%%%")).toBe(5);
    expect(parsePrintf("%.f")[0]).toMatchObject({ precision: 0, conv: "f" });
  });
});

describe("print formats in the frontend and passes", () => {
  it("every conversion C knows keeps its value through scalarize (none is dropped)", () => {
    const src = `@kernel export function k(a: i32, b: u32, c: f32, d: i64): void { print("%X|%o|%c|%E|%G|%i|%s|%lld 100%%", a, b, a, c, c, a, b, d); }`;
    const fn = lowerKernel(compileSource(src, "pf.ts"), "k");
    let print: Inst | undefined;
    const visit = (body: Inst[]) => { for (const i of body) { if (i.op === "print") print = i; i.regions?.forEach(visit); } };
    visit(fn.body);
    expect(print!.args.length).toBe(8);
    expect(print!.attrs.fmt).toBe("%X|%o|%c|%E|%G|%i|%s|%lld 100%%");
  });

  it("a '*' width or precision is a located error", () => {
    const src = `@kernel export function k(a: i32): void { print("%*d", a); }`;
    expect(() => compileSource(src, "star.ts")).toThrow(WeftCompileError);
    expect(() => compileSource(src, "star.ts")).toThrow(/star\.ts:1:\d+: error: print does not support '\*' widths/);
  });
});
