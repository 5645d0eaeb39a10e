// Math builtins (scalar primitives, their vector expansions and the composites) against plain-TS
// references written independently of the definitions.
import { describe, expect, it } from "vitest";
import { evalBuiltin } from "../engine/builtins/evaluate.js";
import { resultTypeOf } from "../engine/builtins/index.js";
import { F32, F64, I32, I64, U32, U64, Type, vec } from "../engine/ir/types.js";

const ev = (name: string, vals: any[], types: Type[]) => evalBuiltin(name, vals, types).value as any;
const f32 = Math.fround;
const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

const XS = [0, -0, 0.25, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, 3.7, -3.7, 7, 1e10, -1e-10, 8388609, Infinity, -Infinity, NaN].map(f32);
const POS = [0.001, 0.5, 1, 2, 10, 1e6].map(f32);

describe("transcendentals", () => {
  const refs: [string, (x: number) => number, number[]][] = [
    ["sqrt", Math.sqrt, POS], ["cbrt", Math.cbrt, [...POS, -8, -0.3]], ["sin", Math.sin, XS], ["cos", Math.cos, XS], ["tan", Math.tan, XS],
    ["asin", Math.asin, [-1, -0.5, 0, 0.5, 1, 2]], ["acos", Math.acos, [-1, -0.5, 0, 0.5, 1, 2]], ["atan", Math.atan, XS],
    ["sinh", Math.sinh, XS], ["cosh", Math.cosh, XS], ["tanh", Math.tanh, XS], ["exp", Math.exp, XS], ["exp2", (x) => Math.pow(2, x), XS],
    ["log", Math.log, [...POS, 0, -1]], ["log2", Math.log2, [...POS, 0, -1]], ["log10", Math.log10, [...POS, 0, -1]],
  ];
  for (const [name, ref, xs] of refs) {
    it(`${name} on f32, f64 and vec3`, () => {
      for (const x of xs.map(f32)) {
        expect(same(ev(name, [x], [F32]), f32(ref(x))), `${name}(${x})`).toBe(true);
        expect(same(ev(name, [x], [F64]), ref(x))).toBe(true);
      }
      const v = [xs[0], xs[1], xs[2]].map(f32);
      expect(ev(name, [v], [vec(3)])).toEqual(v.map((x) => f32(ref(x))));
    });
  }
  it("pow follows C at the edges (pow(1, NaN) = 1, pow(x, 0) = 1, pow(-1, inf) = 1)", () => {
    expect(ev("pow", [1, NaN], [F64, F64])).toBe(1);
    expect(ev("pow", [NaN, 0], [F64, F64])).toBe(1);
    expect(ev("pow", [-1, Infinity], [F64, F64])).toBe(1);
    expect(ev("pow", [f32(1.5), f32(2.5)], [F32, F32])).toBe(f32(1.5 ** 2.5));
    expect(ev("pow", [[2, 3], [3, 2]], [vec(2), vec(2)])).toEqual([8, 9]);
  });
  it("atan2 gives the quadrant", () => {
    expect(ev("atan2", [1, -1], [F64, F64])).toBeCloseTo(3 * Math.PI / 4, 15);
    expect(ev("atan2", [-0, -1], [F64, F64])).toBe(-Math.PI);
  });
  it("rejects integers and mixed types with a sentence", () => {
    expect(resultTypeOf("sin", [I32])).toMatch(/sin expects f32\/f64 scalars or vectors, got \(i32\)/);
    expect(resultTypeOf("pow", [F32, F64])).toMatch(/one type/);
    expect(resultTypeOf("sqrt", [])).toMatch(/takes 1 argument/);
  });
});

/** C roundf, written from floor: halfway cases away from zero, sign of zero kept. */
function refRound(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x), d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : x > 0 ? f + 1 : f;
  return r === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : r;
}

describe("rounding, abs, sign", () => {
  it("floor ceil trunc round", () => {
    for (const x of [...XS, -0.3, 0.49999999999999994, 4503599627370497, -4503599627370497.5]) {
      for (const [t, w] of [[F32, f32], [F64, (v: number) => v]] as const) {
        const xx = w(x);
        expect(same(ev("floor", [xx], [t]), Math.floor(xx))).toBe(true);
        expect(same(ev("ceil", [xx], [t]), Math.ceil(xx))).toBe(true);
        expect(same(ev("trunc", [xx], [t]), Math.trunc(xx))).toBe(true);
        expect(same(ev("round", [xx], [t]), refRound(xx)), `round(${xx})`).toBe(true);
      }
    }
    expect(ev("round", [[0.5, -0.5, 2.5]], [vec(3)])).toEqual([1, -1, 3]);
    expect(ev("round", [f32(0.49999997)], [F32])).toBe(0);
  });
  it("abs and sign on floats and integers", () => {
    expect(ev("abs", [-2147483648], [I32])).toBe(-2147483648);
    expect(ev("abs", [-5], [I32])).toBe(5);
    expect(ev("abs", [4294967295], [U32])).toBe(4294967295);
    expect(ev("abs", [-(2n ** 63n)], [I64])).toBe(-(2n ** 63n));
    expect(ev("abs", [-3n], [I64])).toBe(3n);
    expect(Object.is(ev("abs", [-0], [F32]), 0)).toBe(true);
    expect(ev("abs", [[-1, 2, -3]], [vec(3, "i32")])).toEqual([1, 2, 3]);
    expect(ev("sign", [0], [F32])).toBe(0);
    expect(Object.is(ev("sign", [-0], [F32]), -0)).toBe(true);
    expect(ev("sign", [NaN], [F64])).toBeNaN();
    expect(ev("sign", [-7], [I32])).toBe(-1);
    expect(ev("sign", [9n], [I64])).toBe(1n);
    expect(ev("sign", [[-2, 0, 3]], [vec(3)])).toEqual([-1, 0, 1]);
    expect(resultTypeOf("sign", [U32])).toMatch(/sign expects signed integer or float/);
  });
});

describe("min, max, clamp", () => {
  it("ignore a NaN operand and return the first of equal operands", () => {
    for (const [name, pick] of [["min", (a: number, b: number) => (a <= b ? a : b)], ["max", (a: number, b: number) => (a >= b ? a : b)]] as const) {
      for (const a of XS) for (const b of XS) {
        const want = Number.isNaN(a) ? b : Number.isNaN(b) ? a : pick(a, b);
        expect(same(ev(name, [a, b], [F32, F32]), want), `${name}(${a}, ${b})`).toBe(true);
      }
    }
    expect(Object.is(ev("min", [0, -0], [F32, F32]), 0)).toBe(true);
    expect(Object.is(ev("min", [-0, 0], [F32, F32]), -0)).toBe(true);
  });
  it("on integers and vectors", () => {
    expect(ev("min", [4294967295, 1], [U32, U32])).toBe(1);
    expect(ev("max", [-1, 1], [I32, I32])).toBe(1);
    expect(ev("max", [2n ** 64n - 1n, 1n], [U64, U64])).toBe(2n ** 64n - 1n);
    expect(ev("min", [[1, 5, 3], [4, 2, 3]], [vec(3), vec(3)])).toEqual([1, 2, 3]);
  });
  it("clamp", () => {
    expect(ev("clamp", [5, 0, 3], [I32, I32, I32])).toBe(3);
    expect(ev("clamp", [-1.5, 0, 1], [F64, F64, F64])).toBe(0);
    expect(ev("clamp", [NaN, 0, 1], [F64, F64, F64])).toBe(0);
    expect(ev("clamp", [[-1, 0.5, 7], 0, 1], [vec(3), F32, F32])).toEqual([0, 0.5, 1]);
    expect(resultTypeOf("clamp", [vec(3), vec(2), F32])).toMatch(/one size/);
  });
});

describe("copysign, fma, classification", () => {
  it("copysign", () => {
    expect(ev("copysign", [3, -0], [F32, F32])).toBe(-3);
    expect(ev("copysign", [-3, 1], [F64, F64])).toBe(3);
    expect(ev("copysign", [[1, 2], [-1, 1]], [vec(2), vec(2)])).toEqual([-1, 2]);
  });
  it("fma is a*b+c rounded once (against exact rational arithmetic)", () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const pick = () => f32((rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 20));
    let differsFromUnfused = 0;
    for (let i = 0; i < 20000; i++) {
      const a = pick(), b = pick();
      // Make c cancel most of a*b so that the single rounding matters.
      const c = rnd() < 0.5 ? f32(-a * b) : pick();
      const got = ev("fma", [a, b, c], [F32, F32, F32]);
      expect(got, `fma(${a}, ${b}, ${c})`).toBe(exactFmaF32(a, b, c));
      if (got !== f32(f32(a * b) + c)) differsFromUnfused++;
    }
    expect(differsFromUnfused).toBeGreaterThan(100);
    expect(resultTypeOf("fma", [F64, F64, F64])).toMatch(/f32 only/);
  });
  it("isnan, isinf, isfinite", () => {
    expect(ev("isnan", [NaN], [F32])).toBe(true);
    expect(ev("isinf", [-Infinity], [F64])).toBe(true);
    expect(ev("isfinite", [Infinity], [F32])).toBe(false);
    expect(ev("isfinite", [NaN], [F32])).toBe(false);
    expect(ev("isfinite", [1e30], [F32])).toBe(true);
    expect(ev("isnan", [[1, NaN, 2]], [vec(3)])).toBe(true);
    expect(ev("isinf", [[1, 3, 2]], [vec(3)])).toBe(false);
    expect(ev("isfinite", [[1, Infinity, 2]], [vec(3)])).toBe(false);
  });
});

describe("composites", () => {
  it("lerp, smoothstep, step, degrees, radians, rsqrt", () => {
    expect(ev("lerp", [2, 6, 0.25], [F64, F64, F64])).toBe(3);
    expect(ev("lerp", [[0, 10], [10, 20], 0.5], [vec(2), vec(2), F32])).toEqual([5, 15]);
    expect(ev("lerp", [[0, 10], [10, 20], [0, 1]], [vec(2), vec(2), vec(2)])).toEqual([0, 20]);
    for (const x of [-1, 0, 0.25, 0.5, 0.9, 2]) {
      const t = Math.min(Math.max((x - 0) / (1 - 0), 0), 1);
      expect(ev("smoothstep", [0, 1, x], [F64, F64, F64])).toBeCloseTo(t * t * (3 - 2 * t), 15);
    }
    expect(ev("step", [0.5, 0.4], [F32, F32])).toBe(0);
    expect(ev("step", [0.5, 0.5], [F32, F32])).toBe(1);
    expect(ev("step", [[1, 2], [1.5, 1.5]], [vec(2), vec(2)])).toEqual([1, 0]);
    expect(ev("degrees", [Math.PI], [F64])).toBeCloseTo(180, 12);
    expect(ev("radians", [180], [F64])).toBeCloseTo(Math.PI, 15);
    expect(ev("rsqrt", [4], [F32])).toBe(0.5);
    expect(ev("rsqrt", [[4, 16]], [vec(2, "f64")])).toEqual([0.5, 0.25]);
    expect(resultTypeOf("lerp", [F32, F32, F64])).toMatch(/lerp expects t/);
  });
});

// --- exact f32 fma reference: exact rational value, then correct rounding to f32 -------------------

function decompose(x: number): [bigint, number] {
  // x = m * 2^e with integer m (x finite).
  if (x === 0) return [0n, 0];
  let e = 0;
  let m = x;
  while (!Number.isInteger(m)) { m *= 2; e--; }
  while (Math.abs(m) > 2 ** 53) { m /= 2; e++; }
  return [BigInt(m), e];
}
function exactFmaF32(a: number, b: number, c: number): number {
  const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mc, ec] = decompose(c);
  let mp = ma * mb, ep = ea + eb;
  let mcc = mc, e = Math.min(ep, ec);
  mp <<= BigInt(ep - e); mcc <<= BigInt(ec - e);
  let n = mp + mcc;
  if (n === 0n) return (a * b < 0 || Object.is(a * b, -0)) && (c < 0 || Object.is(c, -0)) ? -0 : 0;
  const neg = n < 0n;
  if (neg) n = -n;
  const len = n.toString(2).length;
  const lsb = Math.max(e + len - 24, -149);
  let q: bigint;
  if (lsb > e) {
    const sh = BigInt(lsb - e);
    q = n >> sh;
    const rem = n - (q << sh), half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  } else q = n << BigInt(e - lsb);
  const v = f32(Number(q) * 2 ** lsb);
  return neg ? -v : v;
}
