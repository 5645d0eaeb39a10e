// Conformance: the language around the builtins (docs/language.md) — module constants (const,
// @constant, unannotated literal constants, vectors), type constants (f32.MAX_VALUE, Mathf.PI,
// Math.PI), literal adaptation (hex, f64 context, u32 context, literal-only arithmetic), variables
// (zero-initialized lets, block scoping, shadowing), bool operators and short-circuiting, ternary,
// `**`, `===`, renamed imports, @inline, a @func overriding a builtin, declaration order, and Math.*
// calls; each against a plain-TS reference. Then every user error of the language page is a
// WeftCompileError with file:line:col, the source line, a caret and a message naming the construct.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, i32, u32, i64, vec3, sqrt as root, lerp } from "weft/kernels";

const N: i32 = 32;
const HALF = 0.5;
@constant const G: vec3 = vec3(0, -9.8, 0);
@constant const SCALE: f64 = 1.0 / 3.0;
const MASK = (1 << 4) - 1;

@kernel
export function constants(outF: Array<f32>, outD: Array<f64>, outI: Array<i32>, outU: Array<u32>, outL: Array<i64>): void {
  outF[0] = f32.MAX_VALUE; outF[1] = f32.EPSILON; outF[2] = Mathf.PI; outF[3] = Math.PI;
  outF[4] = f32.MIN_VALUE; outF[5] = G.y; outF[6] = HALF * 3.0; outF[7] = f32(N);
  outF[8] = Math.E; outF[9] = Mathf.SQRT2;
  let d: f64 = 0.1;
  outD[0] = d; outD[1] = Math.PI; outD[2] = SCALE; outD[3] = d * HALF; outD[4] = f64.MAX_VALUE; outD[5] = d * 2 + 1;
  outI[0] = i32.MAX_VALUE; outI[1] = i32.MIN_VALUE; outI[2] = MASK; outI[3] = 0x7f; outI[4] = -0x80; outI[5] = 1_000_000;
  const h: u32 = 0x9e3779b9;
  outU[0] = u32.MAX_VALUE; outU[1] = h; outU[2] = h * 2 + 1;
  outL[0] = i64.MAX_VALUE; outL[1] = i64.MIN_VALUE; outL[2] = 0x123456789abc; outL[3] = i64(3) * 1000000000000;
}

@func function lerp(a: f32, b: f32, t: f32): f32 { return 42.0; }   // overrides the builtin
@inline @func function twice(x: f32): f32 { return helper(x) * 2.0; }
@func function helper(x: f32): f32 { return x + 1.0; }           // declared after its caller

@kernel
export function misc(x: Array<f32>, out: Array<f32>, flags: Array<i32>): void {
  const i = tid();
  const v = x[i];
  let z: f32;
  let k: i32;
  let acc = v;
  {
    const acc = 100.0;           // shadows in an inner block
    z = acc + 1.0;
  }
  out[7 * i] = z + f32(k);
  out[7 * i + 1] = acc;
  out[7 * i + 2] = v ** 2.0;
  out[7 * i + 3] = root(v * v);
  out[7 * i + 4] = lerp(v, v, v);
  out[7 * i + 5] = twice(v);
  out[7 * i + 6] = Math.sqrt(v * v) + Mathf.abs(v);
  const big = v > 1.0, neg = v < 0.0;
  flags[i] = i32(big && !neg) | (i32(big || neg) << 1) | (i32(!big) << 2) | (i32(v === v) << 3) | (i32(big != neg) << 4)
    | (i32(big ? neg : !neg) << 5) | (i32(big & neg) << 6) | (i32(big | neg) << 7) | (i32(big ^ neg) << 8);
}

// && and || skip their right side when the left decides: the counter counts evaluations.
@func function touch(c: Array<i32>, v: bool): bool { c[0] += 1; return v; }

@kernel
export function shortCircuit(c: Array<i32>, out: Array<i32>): void {
  const t = true, f = false;
  let r = 0;
  if (f && touch(c, true)) r += 1;
  if (t || touch(c, true)) r += 2;
  if (t && touch(c, false)) r += 4;
  if (f || touch(c, true)) r += 8;
  const s = t ? 3 : touch(c, true) ? 4 : 5;
  out[0] = r; out[1] = s;
}
`;

describe.each(BACKEND_NAMES)("language on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_language")); });

  it("module constants, type constants, Math/Mathf constants, literal adaptation, hex and separated literals", () => {
    const outF = c.zeros(10), outD = c.zeros(6, wf.float64), outI = c.zeros(6, wf.int32), outU = c.zeros(3, wf.uint32), outL = c.zeros(4, wf.int64);
    c.launch("constants", 1, [outF, outD, outI, outU, outL]);
    expectExact(values(outF), [fr(3.4028234663852886e38), 2 ** -23, fr(Math.PI), fr(Math.PI), 2 ** -149, fr(-9.8), 1.5, 32, fr(Math.E), fr(Math.SQRT2)]);
    expectExact(values(outD), [0.1, Math.PI, 1 / 3, 0.1 * 0.5, Number.MAX_VALUE, 0.1 * 2 + 1]);
    expectExact(values(outI), [2147483647, -2147483648, 15, 127, -128, 1000000]);
    expectExact(values(outU), [0xffffffff, 0x9e3779b9, (Math.imul(0x9e3779b9, 2) + 1) >>> 0]);
    expectExact(values(outL), [(1n << 63n) - 1n, -(1n << 63n), 0x123456789abcn, 3000000000000n]);
  });

  it("zero-initialized lets, block scoping and shadowing, **, renamed imports, a @func overriding a builtin, @inline, Math.* calls", () => {
    const xs = [-1.5, 0, 0.5, 2, 3].map(fr);
    const out = c.zeros(7 * xs.length), flags = c.zeros(xs.length, wf.int32);
    c.launch("misc", xs.length, [c.array(xs), out, flags]);
    expectExact(values(out), xs.flatMap((v) => [101, v, fr(Math.pow(v, 2)), Math.abs(v), 42, fr(fr(v + 1) * 2), fr(Math.abs(v) + Math.abs(v))]));
    expectExact(values(flags), xs.map((v) => {
      const big = v > 1, neg = v < 0, b = (x: boolean) => +x;
      return b(big && !neg) | (b(big || neg) << 1) | (b(!big) << 2) | (1 << 3) | (b(big !== neg) << 4) | (b(big ? neg : !neg) << 5)
        | (b(big && neg) << 6) | (b(big || neg) << 7) | (b(big !== neg) << 8);
    }));
  });

  it("&& and || short-circuit, ?: evaluates one side", () => {
    const counter = c.zeros(1, wf.int32), out = c.zeros(2, wf.int32);
    c.launch("shortCircuit", 1, [counter, out]);
    expectExact(values(out), [2 + 8, 3]);
    expectExact(values(counter), [2]);
  });
});

describe("user errors are reported with file:line:col and the construct's name", () => {
  for (const [what, src, msg] of [
    ["mixed operand types", "@kernel export function k(a: Array<f32>, d: f64): void { a[0] = a[0] + d; }", /needs operands of one type, got \(f32, f64\)/],
    ["a number as a condition", "@kernel export function k(a: Array<i32>): void { if (a[0]) a[0] = 1; }", /compare with != 0/],
    ["var", "@kernel export function k(a: Array<i32>): void { var x = 1; a[0] = x; }", /var/],
    ["a float literal in integer context", "@kernel export function k(a: Array<i32>): void { const i = tid(); a[i] = i + 0.5; }", /.+/],
    ["an arrow function", "@kernel export function k(a: Array<i32>): void { const f = (x: i32) => x; a[0] = f(1); }", /arrow/],
    ["assigning a kernel parameter", "@kernel export function k(a: Array<i32>, n: i32): void { n = 2; a[0] = n; }", /kernel parameters are read-only/],
    ["calling a kernel", "@kernel export function j(a: Array<i32>): void { a[0] = 1; }\n@kernel export function k(a: Array<i32>): void { j(a); }", /cannot call kernel 'j'/],
    ["a missing return", "@func function f(x: i32): i32 { if (x > 0) return 1; }\n@kernel export function k(a: Array<i32>): void { a[0] = f(1); }", /must return .* on every path/],
    ["a recursive struct", "@struct class S { s: S; }\n@kernel export function k(a: Array<i32>): void { a[0] = 1; }", /struct 'S' contains itself/],
    ["an integer literal too big", "@kernel export function k(a: Array<i32>): void { a[0] = 3000000000; }", /does not fit in i32/],
    ["assigning a swizzle", "@kernel export function k(a: Array<vec3>): void { let v = a[0]; v.xy = vec2(1, 2); a[0] = v; }", /cannot assign to a swizzle/],
    ["slicing a 2-D array", "@kernel export function k(a: Array2D<f32>, b: Array<f32>): void { const r = a[0]; b[0] = 1.0; }", /slicing is not supported/],
    ["a u32 index", "@kernel export function k(a: Array<f32>, u: u32): void { a[u] = 1.0; }", /index must be i32, got u32/],
    ["copying a StaticArray", "@kernel export function k(a: Array<i32>): void { const s = new StaticArray<i32>(4); const t = s; a[0] = t[0]; }", /StaticArray 's' is not a value/],
    ["a label", "@kernel export function k(a: Array<i32>): void { outer: for (let i = 0; i < 2; i++) { break outer; } a[0] = 1; }", /labels are not supported/],
    ["tid() in a @func", "@func function f(): i32 { return tid(); }\n@kernel export function k(a: Array<i32>): void { a[0] = f(); }", /tid\(\) can only be used in a @kernel/],
    ["a const generator state", "@kernel export function k(a: Array<f32>): void { const r = randInit(1); a[0] = randf(r); }", /declared with let/],
    ["an unknown name", "@kernel export function k(a: Array<f32>): void { a[0] = vel[0]; }", /unknown name 'vel'/],
    ["default before a case", "@kernel export function k(a: Array<i32>): void { switch (a[0]) { default: a[1] = 1; case 1: a[1] = 2; } }", /'default' must be the last clause/],
    ["a kernel not exported", "@kernel function k(a: Array<i32>): void { a[0] = 1; }", /must be exported/],
    ["for..of", "@kernel export function k(a: Array<i32>): void { for (const x of a) { a[0] = x; } }", /for\.\.of/],
    ["new Array", "@kernel export function k(a: Array<i32>): void { const b = new Array<i32>(4); a[0] = 1; }", /dynamic allocation/],
    ["a module-level let", "let g = 1;\n@kernel export function k(a: Array<i32>): void { a[0] = g; }", /module-level variables must be const/],
    ["a type alias", "type F = f32;\n@kernel export function k(a: Array<f32>): void { a[0] = 1.0; }", /type aliases are not supported/],
    ["try/catch", "@kernel export function k(a: Array<i32>): void { try { a[0] = 1; } catch (e) { a[0] = 2; } }", /try\/catch/],
    ["a string", "@kernel export function k(a: Array<i32>): void { const s = \"x\"; a[0] = 1; }", /strings are not supported/],
    ["an import from elsewhere", "import { x } from \"lodash\";\n@kernel export function k(a: Array<i32>): void { a[0] = 1; }", /only "weft\/kernels" can be imported/],
  ] as const) {
    it(what, async () => {
      const err = await loadFor("interp", src, `conf_err_${what.replace(/\W+/g, "_")}`).then(() => null, (e) => e as Error);
      expect(err).toBeInstanceOf(wf.WeftCompileError);
      expect(err!.message).toMatch(msg);
      expect(err!.message).toMatch(/conf_err_\w+\.ts:\d+:\d+: error: /);
      expect(err!.message).toMatch(/\n +\d+ \| .+\n +\| +\^+/); // the source line and a caret
    });
  }
});
