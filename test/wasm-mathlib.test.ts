// The in-module f32 math library against correctly rounded references (JavaScript's f64 Math
// rounded to f32): within 2 ulp on wide input ranges, and C's special values exactly.
import { describe, expect, test } from "vitest";
import { F32 } from "../engine/ir/types.js";
import { compileWasm } from "../engine/backends/wasm/compile.js";
import { arr, devArray, kernel, load } from "./wasm-util.js";

const f = Math.fround;
const bits = new Float32Array(1), ibits = new Int32Array(bits.buffer);
function ordered(x: number): number { bits[0] = x; const i = ibits[0]; return i < 0 ? -2147483648 - i : i; }
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return Object.is(a, b) || a !== 0 ? 0 : 1;
  return Math.abs(ordered(a) - ordered(b));
}

const UNARY: [string, (x: number) => number, number[]][] = [
  ["sin", Math.sin, [-1e6, 1e6]], ["cos", Math.cos, [-1e6, 1e6]], ["tan", Math.tan, [-100, 100]],
  ["exp", Math.exp, [-110, 95]], ["exp2", (x) => 2 ** x, [-160, 130]],
  ["log", Math.log, [0, 1e30]], ["log2", Math.log2, [0, 1e30]], ["log10", Math.log10, [0, 1e30]],
  ["atan", Math.atan, [-1e4, 1e4]],
];
const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 1e-40, -1e-40, 3.4e38, -3.4e38, Math.PI, -Math.PI / 2];

function inputs(lo: number, hi: number, n: number): number[] {
  const out = [...SPECIAL];
  for (let i = 0; i < n; i++) {
    const u = (Math.sin(i * 12.9898 + 78.233) * 43758.5453) % 1;
    // Mix uniform and log-uniform samples over the range.
    out.push(f(i % 2 ? lo + Math.abs(u) * (hi - lo) : Math.sign(u || 1) * Math.exp(Math.abs(u) * Math.log(Math.max(Math.abs(lo), Math.abs(hi)) + 1)) - Math.sign(u || 1)));
  }
  return out;
}

describe("wasm math library (f32, in-module)", () => {
  for (const [name, ref, [lo, hi]] of UNARY) {
    test(`${name}f within 2 ulp; special values as C`, () => {
      const k = kernel("m", [arr("x"), arr("o")], (b, [x, o]) => { const i = b.tid(0); b.astore(o, [i], b.call(name, b.aload(x, [i], F32))); });
      const { meta } = compileWasm([k], { debug: false, moduleName: "m" });
      expect(meta.libImports.filter((n) => n.endsWith("f"))).toEqual([]);
      // Functions with a 4-lane version keep the kernel on the SIMD entry.
      expect(meta.kernels[0].simd).toBe(name !== "tan");
      const h = load([k]);
      const xs = inputs(lo, hi, 20000);
      const X = devArray("f32", xs), O = devArray("f32", xs.length);
      expect(h.usesSimd("m", [xs.length], [X.arg, O.arg])).toBe(h.meta.kernels[0].simd);
      h.launch("m", [xs.length], [X.arg, O.arg]);
      let worst = 0, at = 0;
      for (let i = 0; i < xs.length; i++) {
        const e = ulps(O.view[i], f(ref(X.view[i])));
        if (i < SPECIAL.length) expect(e, `${name}(${X.view[i]}) = ${O.view[i]}`).toBeLessThanOrEqual(i < 5 ? 0 : 1);
        if (e > worst) { worst = e; at = i; }
      }
      expect(worst, `${name}(${X.view[at]}) = ${O.view[at]}, expected ${f(ref(X.view[at]))}`).toBeLessThanOrEqual(2);
      // The scalar entry (scalar library function) gives the same bits as the SIMD entry.
      const hs = load([k], { simd: false }), O2 = devArray("f32", xs.length);
      hs.launch("m", [xs.length], [X.arg, O2.arg]);
      expect(Array.from(O2.view)).toEqual(Array.from(O.view));
      X.free(); O.free(); O2.free(); h.dispose(); hs.dispose();
    });
  }

  test("tanf within 1 ulp next to odd multiples of pi/2 (where tan is ill-conditioned), also in SIMD kernels", () => {
    // The 17 floats around (k + 1/2) pi for small and large k, both signs, beyond 2^20 (host
    // reduction) too, and the products x * 0.1 of builtins-backends' inputs near pi/2.
    const fb = new Float32Array(1), ub = new Uint32Array(fb.buffer);
    const near = (v: number, d: number) => { fb[0] = v; ub[0] += d; return fb[0]; };
    const xs: number[] = [1.49352908, f(f(14.902618408203125) * f(0.1)), f(f(-14.84769630432129) * f(0.1))];
    for (let k = 0; k < 3000000; k += k < 2000 ? 1 : 7919) {
      for (const sg of [1, -1]) for (let d = -8; d <= 8; d++) xs.push(near(f(sg * (k + 0.5) * Math.PI), d));
    }
    // Scalar kernel, and a kernel whose other math keeps it on the SIMD entry (tan runs lane by lane).
    const plain = kernel("t", [arr("x"), arr("o")], (b, [x, o]) => { const i = b.tid(0); b.astore(o, [i], b.call("tan", b.aload(x, [i], F32))); });
    const mixed = kernel("t", [arr("x"), arr("o"), arr("o2")], (b, [x, o, o2]) => {
      const i = b.tid(0), v = b.aload(x, [i], F32);
      b.astore(o, [i], b.call("tan", v));
      b.astore(o2, [i], b.call("add", b.call("mul", b.call("sin", v), b.call("cos", v)), b.call("mul", v, v)));
    });
    for (const [k, simd] of [[plain, false], [mixed, "force"]] as const) {
      const h = load([k], { simd });
      expect(h.meta.kernels[0].simd).toBe(simd === "force");
      const X = devArray("f32", xs), O = devArray("f32", xs.length), O2 = devArray("f32", xs.length);
      h.launch("t", [xs.length], simd ? [X.arg, O.arg, O2.arg] : [X.arg, O.arg]);
      let worst = 0, at = 0;
      for (let i = 0; i < xs.length; i++) {
        const e = ulps(O.view[i], f(Math.tan(X.view[i])));
        if (e > worst) { worst = e; at = i; }
      }
      expect(worst, `tan(${X.view[at]}) = ${O.view[at]}, expected ${f(Math.tan(X.view[at]))}`).toBeLessThanOrEqual(1);
      X.free(); O.free(); O2.free(); h.dispose();
    }
  });

  test("powf and atan2f within 2 ulp, with C's special cases", () => {
    const k = kernel("m2", [arr("x"), arr("y"), arr("p"), arr("a")], (b, [x, y, p, a]) => {
      const i = b.tid(0), xv = b.aload(x, [i], F32), yv = b.aload(y, [i], F32);
      b.astore(p, [i], b.call("pow", xv, yv));
      b.astore(a, [i], b.call("atan2", yv, xv));
    });
    const h = load([k]);
    const sp = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 1e-30, 1e30];
    const xs: number[] = [], ys: number[] = [];
    for (const a of sp) for (const c of sp) { xs.push(a); ys.push(c); }
    for (let i = 0; i < 20000; i++) {
      xs.push(f(Math.abs(Math.sin(i * 1.31)) * 40 * (i % 3 ? 1 : -1)));
      ys.push(f(Math.cos(i * 0.77) * 12 * (i % 5 === 0 ? 0.01 : 1)));
      if (i % 7 === 0) ys[ys.length - 1] = Math.round(ys[ys.length - 1]);
    }
    const cpow = (x: number, y: number) => {
      if (y === 0 || x === 1) return 1;
      if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
      return Math.pow(x, y);
    };
    const X = devArray("f32", xs), Y = devArray("f32", ys), P = devArray("f32", xs.length), A = devArray("f32", xs.length);
    expect(h.usesSimd("m2", [xs.length], [X.arg, Y.arg, P.arg, A.arg])).toBe(true);
    h.launch("m2", [xs.length], [X.arg, Y.arg, P.arg, A.arg]);
    // The scalar entry gives the same bits.
    const hs = load([k], { simd: false }), P2 = devArray("f32", xs.length), A2 = devArray("f32", xs.length);
    hs.launch("m2", [xs.length], [X.arg, Y.arg, P2.arg, A2.arg]);
    expect(Array.from(P2.view)).toEqual(Array.from(P.view));
    expect(Array.from(A2.view)).toEqual(Array.from(A.view));
    hs.dispose();
    for (let i = 0; i < xs.length; i++) {
      const x = X.view[i], y = Y.view[i];
      expect(ulps(P.view[i], f(cpow(x, y))), `pow(${x}, ${y}) = ${P.view[i]}`).toBeLessThanOrEqual(2);
      expect(ulps(A.view[i], f(Math.atan2(y, x))), `atan2(${y}, ${x}) = ${A.view[i]}`).toBeLessThanOrEqual(2);
    }
    h.dispose();
  });

  test("host imports remain available (inModuleMath: false) and agree", () => {
    const k = kernel("m3", [arr("x"), arr("o")], (b, [x, o]) => {
      const i = b.tid(0), v = b.aload(x, [i], F32);
      b.astore(o, [i], b.call("add", b.call("sin", v), b.call("exp", b.call("mul", v, b.f(0.1)))));
    });
    const xs = inputs(-50, 50, 2000);
    const run = (inModuleMath: boolean) => {
      const h = load([k], { inModuleMath });
      expect(h.meta.libImports.includes("sinf")).toBe(!inModuleMath);
      const X = devArray("f32", xs), O = devArray("f32", xs.length);
      h.launch("m3", [xs.length], [X.arg, O.arg]);
      const r = Array.from(O.view);
      X.free(); O.free(); h.dispose();
      return r;
    };
    const a = run(true), b = run(false);
    for (let i = 0; i < xs.length; i++) expect(ulps(a[i], b[i])).toBeLessThanOrEqual(2);
  });
});
