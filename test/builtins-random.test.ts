// The random generator against a plain-TS re-implementation of the algorithm documented in
// docs/builtins.md (bit for bit), plus statistical sanity of the distributions.
import { describe, expect, it } from "vitest";
import { compileIR, evalBuiltin } from "../engine/builtins/evaluate.js";
import { lookupBuiltin, resultTypeOf } from "../engine/builtins/index.js";
import { F32, I32, U32, vec } from "../engine/ir/types.js";

const fr = Math.fround;

// --- the documented algorithm, written again from the documentation ------------------------------
function refPcg(x: number): number {
  const s = Number((BigInt(x >>> 0) * 747796405n + 2891336453n) & 0xffffffffn);
  const w = Number((BigInt(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0) * 277803737n) & 0xffffffffn);
  return ((w >>> 22) ^ w) >>> 0;
}
const refInit = (seed: number, offset = 0) => refPcg((seed ^ refPcg(offset)) >>> 0);
const refUnit = (s: number) => fr((s >>> 8) * 2 ** -24);
function refLog(x: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, x);
  const bits = buf.getUint32(0);
  let e = (bits >>> 23) - 127;
  buf.setUint32(0, (bits & 0x7fffff) | 0x3f800000);
  let m = buf.getFloat32(0);
  if (m > fr(Math.SQRT2)) { m = fr(m * 0.5); e += 1; }
  const f = fr(m - 1);
  const s = fr(f / fr(2 + f));
  const z = fr(s * s);
  let p = fr(1 / 9);
  for (const c of [1 / 7, 1 / 5, 1 / 3, 1]) p = fr(fr(p * z) + fr(c));
  const lnm = fr(fr(s + s) * p);
  return fr(fr(e * 0.693359375) + fr(lnm + fr(e * fr(-2.12194440e-4))));
}
function refCosTurn(k: number): number {
  const q = k >>> 22;
  const x = fr((k & 0x3fffff) * 2 ** -22);
  const low = x <= 0.5;
  const y = low ? x : fr(1 - x);
  const a = fr(y * fr(Math.PI / 2));
  const a2 = fr(a * a);
  const horner = (cs: number[]) => cs.slice(1).reduce((acc, c) => fr(fr(acc * a2) + fr(c)), fr(cs[0]));
  const ca = horner([1 / 40320, -1 / 720, 1 / 24, -1 / 2, 1]);
  const sa = fr(a * horner([1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1]));
  const c = low ? ca : sa, s = low ? sa : ca;
  return [c, -s, -c, s][q];
}
function refRandn(state: number): { value: number; next: number } {
  const s1 = refPcg(state), s2 = refPcg(s1);
  const u1 = fr((2 ** 24 - (s1 >>> 8)) * 2 ** -24);
  const r = fr(Math.sqrt(fr(refLog(u1) * -2)));
  return { value: fr(r * refCosTurn(s2 >>> 8)), next: s2 };
}

// --- compiled IR of the builtins ------------------------------------------------------------------
const call1 = (name: string) => compileIR([U32], (b, [s]) => [b.call(name, s)]);
const randnIR = call1("randn"), randfIR = call1("randf"), randiIR = call1("randi");
const next1 = call1("randNext"), next2 = call1("randNext2");

describe("pcg and randInit", () => {
  it("pcg matches the documented formula", () => {
    for (const x of [0, 1, 2, 12345, 0x7fffffff, 0x80000000, 0xffffffff, 747796405]) {
      expect(evalBuiltin("pcg", [x], [U32]).value).toBe(refPcg(x));
    }
    expect(refPcg(0)).toBe(129708002); // pinned: a change of algorithm must be deliberate
  });
  it("randInit(seed, offset) = pcg(seed ^ pcg(offset)); offset defaults to 0; i32 seeds reinterpret", () => {
    expect(evalBuiltin("randInit", [42, 7], [U32, U32]).value).toBe(refInit(42, 7));
    expect(evalBuiltin("randInit", [42], [I32]).value).toBe(refInit(42));
    expect(evalBuiltin("randInit", [-1, 3], [I32, I32]).value).toBe(refInit(0xffffffff, 3));
    expect(evalBuiltin("randInit", [5, -2], [U32, I32]).value).toBe(refInit(5, 0xfffffffe));
  });
  it("the drawing builtins take the state by reference and name their update", () => {
    for (const n of ["randi", "randiRange", "randf", "randfRange"]) {
      expect(lookupBuiltin(n)!.inout).toEqual([0]);
      expect(lookupBuiltin(n)!.update).toBe("randNext");
    }
    expect(lookupBuiltin("randn")!.update).toBe("randNext2");
    expect(lookupBuiltin("randNext")!.internal).toBe(true);
    // The update builtin accepts the drawing builtin's operand list.
    expect(resultTypeOf("randNext", [U32, F32, F32])).toEqual(U32);
    expect(resultTypeOf("randf", [I32])).toMatch(/generator state \(a u32 variable from randInit\)/);
    expect(resultTypeOf("randfRange", [U32, F32, I32])).toMatch(/randfRange expects \(rng: u32, lo: f32, hi: f32\)/);
  });
});

describe("streams", () => {
  it("randi, randf, randfRange, randiRange follow the documented stream", () => {
    let s = refInit(2024, 17), t = evalBuiltin("randInit", [2024, 17], [I32, I32]).value as number;
    expect(t).toBe(s);
    for (let i = 0; i < 500; i++) {
      const n = refPcg(s);
      expect(randiIR([t])[0]).toBe(n);
      expect(randfIR([t])[0]).toBe(refUnit(n));
      expect(evalBuiltin("randfRange", [t, -2, 3], [U32, F32, F32]).value).toBe(fr(-2 + fr(5 * refUnit(n))));
      expect(evalBuiltin("randiRange", [t, -5, 10], [U32, I32, I32]).value).toBe(-5 + (n % 15));
      t = next1([t])[0] as number;
      s = n;
      expect(t).toBe(s);
    }
    expect(evalBuiltin("randiRange", [123, 4, 4], [U32, I32, I32]).value).toBe(4);
    expect(evalBuiltin("randiRange", [123, -2147483648, 2147483647], [U32, I32, I32]).value).toBe((-2147483648 + (refPcg(123) % 4294967295)) | 0);
  });
  it("randf is in [0, 1) with 24-bit resolution and reaches both ends' neighbourhoods", () => {
    expect(refUnit(0xffffffff)).toBe(1 - 2 ** -24);
    expect(refUnit(0xff)).toBe(0);
  });
  it("randn is bit-identical to the documented algorithm", () => {
    let t = refInit(99, 1);
    for (let i = 0; i < 20000; i++) {
      const ref = refRandn(t);
      const got = randnIR([t])[0] as number;
      expect(Object.is(got, ref.value), `randn(${t}) = ${got}, reference ${ref.value}`).toBe(true);
      const nt = next2([t])[0] as number;
      expect(nt).toBe(ref.next);
      t = nt;
    }
  });
  it("the exact log and cos are accurate to a few f32 ulps", () => {
    let maxLog = 0, maxCos = 0;
    for (let m = 1; m <= 2 ** 24; m += 997) {
      const u = fr(m * 2 ** -24);
      maxLog = Math.max(maxLog, Math.abs(refLog(u) - Math.log(u)) / Math.max(1, Math.abs(Math.log(u))));
    }
    for (let k = 0; k < 2 ** 24; k += 1013) maxCos = Math.max(maxCos, Math.abs(refCosTurn(k) - Math.cos(2 * Math.PI * k / 2 ** 24)));
    expect(maxLog).toBeLessThan(4e-7);
    expect(maxCos).toBeLessThan(4e-7);
    // Edge states: u1 = 1 (log 0), u1 = 2^-24 (the largest radius), quadrant boundaries.
    expect(refLog(1)).toBe(0);
    expect(Math.abs(refLog(2 ** -24) - Math.log(2 ** -24))).toBeLessThan(1e-5);
    for (const k of [0, 1 << 22, 2 << 22, 3 << 22, (1 << 22) - 1, 1 << 21]) {
      expect(Math.abs(refCosTurn(k) - Math.cos(2 * Math.PI * k / 2 ** 24))).toBeLessThan(4e-7);
    }
  });
  it("statistics over 100k draws: randf uniform, randn (its IR) standard normal", () => {
    const N = 100000;
    let t = refInit(7, 0), sf = 0, sn = 0, sn2 = 0, within1 = 0, lo = 1, hi = 0;
    for (let i = 0; i < N; i++) {
      const f = refUnit(refPcg(t)); // randf's IR is checked bit for bit against refUnit above
      sf += f; lo = Math.min(lo, f); hi = Math.max(hi, f);
      const z = randnIR([t])[0] as number;
      sn += z; sn2 += z * z;
      if (Math.abs(z) < 1) within1++;
      t = refPcg(refPcg(t));
    }
    expect(Math.abs(sf / N - 0.5)).toBeLessThan(0.005);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const mean = sn / N, variance = sn2 / N - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(Math.abs(within1 / N - 0.6827)).toBeLessThan(0.005);
  });
  it("every add/sub/mul/div on floats in randn's expansion is marked exact", () => {
    const bad: string[] = [];
    compileIR([U32], (b, [s]) => {
      const r = lookupBuiltin("randn")!.expand!(b, [s], F32)!;
      for (const inst of b.fn.body) {
        if (inst.op === "call" && ["add", "sub", "mul", "div", "sqrt"].includes(inst.attrs.fn) && inst.type === F32 && !inst.attrs.exact) bad.push(inst.attrs.fn);
      }
      return [r];
    });
    expect(bad).toEqual([]);
    expect(resultTypeOf("randn", [vec(3)])).toMatch(/generator state/);
  });
});
