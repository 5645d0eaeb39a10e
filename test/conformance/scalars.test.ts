// Conformance: scalar arithmetic of every type (wrapping, division and remainder signs, shifts,
// comparisons, compound assignment) against plain-TS references. Conversions: conversions.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectExact, expectOneOf, fmaRef, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, i32, u32, i64, u64, f32, f64, min, max, abs, sign, clz, ctz, popcount } from "weft/kernels";

// 24 results per (x, y) pair; T is the scalar type of the kernel.
@kernel
export function i32ops(a: Array<i32>, b: Array<i32>, out: Array<i32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 24;
  out[o + 0] = x + y;
  out[o + 1] = x - y;
  out[o + 2] = x * y;
  // A divisor that is never 0 and never -1 under i32.MIN_VALUE, computed without branches.
  const d = y + i32(y == 0) + i32(x == i32.MIN_VALUE && y == -1) * 2;
  out[o + 3] = x / d;
  out[o + 4] = x % d;
  out[o + 5] = -x;
  out[o + 6] = x & y;
  out[o + 7] = x | y;
  out[o + 8] = x ^ y;
  out[o + 9] = ~x;
  out[o + 10] = x << (y & 31);
  out[o + 11] = x >> (y & 31);
  out[o + 12] = x >>> (y & 31);
  out[o + 13] = i32(x < y) | (i32(x <= y) << 1) | (i32(x > y) << 2) | (i32(x >= y) << 3) | (i32(x == y) << 4) | (i32(x != y) << 5) | (i32(x === y) << 6);
  out[o + 14] = min(x, y);
  out[o + 15] = max(x, y);
  out[o + 16] = abs(x);
  out[o + 17] = sign(x);
  out[o + 18] = clz(x);
  out[o + 19] = ctz(x);
  out[o + 20] = popcount(x);
  let z = x; z += y; z *= 3; z -= 1; z ^= y; z <<= 2; z >>= 1; z |= 5; z &= -3;
  out[o + 21] = z;
  let w = x; w++; w++; w--; ++w; --w; --w;
  out[o + 22] = w;
  out[o + 23] = x > y ? x - y : y - x;
}

@kernel
export function u32ops(a: Array<u32>, b: Array<u32>, out: Array<u32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 20;
  out[o + 0] = x + y;
  out[o + 1] = x - y;
  out[o + 2] = x * y;
  const d = y + u32(y == 0);
  out[o + 3] = x / d;
  out[o + 4] = x % d;
  out[o + 5] = x & y;
  out[o + 6] = x | y;
  out[o + 7] = x ^ y;
  out[o + 8] = ~x;
  out[o + 9] = x << (y & 31);
  out[o + 10] = x >> (y & 31);
  out[o + 11] = x >>> (y & 31);
  out[o + 12] = u32(x < y) | (u32(x <= y) << 1) | (u32(x > y) << 2) | (u32(x >= y) << 3) | (u32(x == y) << 4) | (u32(x != y) << 5);
  out[o + 13] = min(x, y);
  out[o + 14] = max(x, y);
  out[o + 15] = abs(x);
  out[o + 16] = clz(x);
  out[o + 17] = ctz(x);
  out[o + 18] = popcount(x);
  let z = x; z += y; z *= 7; z -= 3; z >>>= 1; z %= 1000000007;
  out[o + 19] = z;
}

@kernel
export function i64ops(a: Array<i64>, b: Array<i64>, out: Array<i64>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 22;
  out[o + 0] = x + y;
  out[o + 1] = x - y;
  out[o + 2] = x * y;
  const d = y + i64(y == 0) + i64(x == i64.MIN_VALUE && y == -1) * 2;
  out[o + 3] = x / d;
  out[o + 4] = x % d;
  out[o + 5] = -x;
  out[o + 6] = x & y;
  out[o + 7] = x | y;
  out[o + 8] = x ^ y;
  out[o + 9] = ~x;
  out[o + 10] = x << (y & 63);
  out[o + 11] = x >> (y & 63);
  out[o + 12] = x >>> (y & 63);
  out[o + 13] = i64(x < y) | (i64(x <= y) << 1) | (i64(x > y) << 2) | (i64(x >= y) << 3) | (i64(x == y) << 4) | (i64(x != y) << 5);
  out[o + 14] = min(x, y);
  out[o + 15] = max(x, y);
  out[o + 16] = abs(x);
  out[o + 17] = sign(x);
  out[o + 18] = clz(x);
  out[o + 19] = ctz(x);
  out[o + 20] = popcount(x);
  let z = x; z += y; z *= 3; z -= 1; z ^= y; z <<= 2; z >>= 1;
  out[o + 21] = z;
}

@kernel
export function u64ops(a: Array<u64>, b: Array<u64>, out: Array<u64>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 18;
  out[o + 0] = x + y;
  out[o + 1] = x - y;
  out[o + 2] = x * y;
  const d = y + u64(y == 0);
  out[o + 3] = x / d;
  out[o + 4] = x % d;
  out[o + 5] = x & y;
  out[o + 6] = x | y;
  out[o + 7] = x ^ y;
  out[o + 8] = ~x;
  out[o + 9] = x << (y & 63);
  out[o + 10] = x >> (y & 63);
  out[o + 11] = u64(x < y) | (u64(x <= y) << 1) | (u64(x > y) << 2) | (u64(x >= y) << 3) | (u64(x == y) << 4) | (u64(x != y) << 5);
  out[o + 12] = min(x, y);
  out[o + 13] = max(x, y);
  out[o + 14] = clz(x);
  out[o + 15] = ctz(x);
  out[o + 16] = popcount(x);
  let z = x; z -= y; z *= 0x9e3779b97f4a7c15; z >>>= 7;
  out[o + 17] = z;
}

@kernel
export function f32ops(a: Array<f32>, b: Array<f32>, out: Array<f32>, cmp: Array<i32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 8;
  out[o + 0] = x + y;
  out[o + 1] = x - y;
  out[o + 2] = x * y;
  out[o + 3] = x / y;
  out[o + 4] = x % y;
  out[o + 5] = -x;
  let z = x; z += y; z *= y; z -= x; z /= 3;
  out[o + 6] = z;
  out[o + 7] = +x;
  cmp[i] = i32(x < y) | (i32(x <= y) << 1) | (i32(x > y) << 2) | (i32(x >= y) << 3) | (i32(x == y) << 4) | (i32(x != y) << 5) | (i32(!(x < y)) << 6);
}

@kernel
export function f64ops(a: Array<f64>, b: Array<f64>, out: Array<f64>, cmp: Array<i32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 8;
  out[o + 0] = x + y;
  out[o + 1] = x - y;
  out[o + 2] = x * y;
  out[o + 3] = x / y;
  out[o + 4] = x % y;
  out[o + 5] = -x;
  let z = x; z += y; z *= y; z -= x; z /= 3;
  out[o + 6] = z;
  out[o + 7] = x * 2 + 0.1;
  cmp[i] = i32(x < y) | (i32(x <= y) << 1) | (i32(x > y) << 2) | (i32(x >= y) << 3) | (i32(x == y) << 4) | (i32(x != y) << 5) | (i32(!(x < y)) << 6);
}

// Shift counts are taken modulo the bit width on every backend (as wasm and JavaScript do).
@kernel
export function shifts(ai: Array<i32>, au: Array<u32>, al: Array<i64>, aul: Array<u64>, s: Array<i32>,
                       oi: Array<i32>, ou: Array<u32>, ol: Array<i64>, oul: Array<u64>): void {
  const i = tid();
  const n = s[i];
  oi[3 * i] = ai[i] << n; oi[3 * i + 1] = ai[i] >> n; oi[3 * i + 2] = ai[i] >>> n;
  ou[2 * i] = au[i] << u32(n); ou[2 * i + 1] = au[i] >> u32(n);
  ol[3 * i] = al[i] << i64(n); ol[3 * i + 1] = al[i] >> i64(n); ol[3 * i + 2] = al[i] >>> i64(n);
  oul[2 * i] = aul[i] << u64(n); oul[2 * i + 1] = aul[i] >> u64(n);
}

// MIN / -1 overflows: two's complement wrapping gives MIN (and MIN % -1 = 0).
@kernel
export function overflowDiv(a: Array<i32>, b: Array<i32>, al: Array<i64>, bl: Array<i64>, out: Array<i32>, outl: Array<i64>): void {
  const i = tid();
  out[2 * i] = a[i] / b[i]; out[2 * i + 1] = a[i] % b[i];
  outl[2 * i] = al[i] / bl[i]; outl[2 * i + 1] = al[i] % bl[i];
}

// Integer division by zero traps on the CPU backends (docs/builtins.md, mod).
@kernel
export function divide(a: Array<i32>, b: Array<i32>, out: Array<i32>): void {
  const i = tid();
  out[i] = a[i] / b[i];
}
`;

const I32V = [0, 1, -1, 2, -2, 7, -7, 3, 31, 100, -100, 0x7fffffff, -0x80000000, 0x12345678, -0x12345678, 65536];
const U32V = [0, 1, 2, 7, 31, 32, 100, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x12345678, 0x9e3779b9, 65536];
const I64V = [0n, 1n, -1n, 2n, -2n, 7n, -7n, 63n, 64n, (1n << 63n) - 1n, -(1n << 63n), 0x123456789abcdefn, -0x123456789abcdefn, 1n << 32n, 0xffffffffn];
const U64V = [0n, 1n, 2n, 7n, 63n, 64n, (1n << 64n) - 1n, 1n << 63n, (1n << 63n) - 1n, 0xfedcba9876543210n, 1n << 32n, 0xffffffffn];
const F32V = [0, -0, 1, -1, 0.5, -2.5, 3, 7.25, -7.25, 1e-40, 1e30, -1e30, 3.4028234663852886e38, Infinity, -Infinity, NaN, 0.1, 1 / 3].map(fr);
const F64V = [0, -0, 1, -1, 0.5, -2.5, 3, 7.25, -7.25, 5e-324, 1e300, -1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN, 0.1, 1 / 3];

const pairs = <T>(v: T[]): [T[], T[]] => {
  const a: T[] = [], b: T[] = [];
  for (const x of v) for (const y of v) { a.push(x); b.push(y); }
  return [a, b];
};
const cmpBits = (x: any, y: any) => +(x < y) | (+(x <= y) << 1) | (+(x > y) << 2) | (+(x >= y) << 3) | (+(x == y) << 4) | (+(x != y) << 5);

function i32Ref(x: number, y: number): number[] {
  const d = y === 0 ? 1 : x === -0x80000000 && y === -1 ? 1 : y;
  let z = x; z = (z + y) | 0; z = Math.imul(z, 3); z = (z - 1) | 0; z ^= y; z <<= 2; z >>= 1; z |= 5; z &= -3;
  const clz = Math.clz32(x), ctz = x === 0 ? 32 : 31 - Math.clz32(x & -x);
  let pc = 0; for (let k = 0; k < 32; k++) pc += (x >>> k) & 1;
  return [(x + y) | 0, (x - y) | 0, Math.imul(x, y), (x / d) | 0, (x % d) | 0, -x | 0, x & y, x | y, x ^ y, ~x,
    x << (y & 31), x >> (y & 31), (x >>> (y & 31)) | 0, cmpBits(x, y) | (+(x === y) << 6), Math.min(x, y), Math.max(x, y),
    (x < 0 ? -x : x) | 0, Math.sign(x), clz, ctz, pc, z, x, x > y ? (x - y) | 0 : (y - x) | 0];
}
function u32Ref(x: number, y: number): number[] {
  let z = x; z = (z + y) >>> 0; z = Math.imul(z, 7) >>> 0; z = (z - 3) >>> 0; z >>>= 1; z %= 1000000007;
  const ctz = x === 0 ? 32 : 31 - Math.clz32(x & -x);
  let pc = 0; for (let k = 0; k < 32; k++) pc += (x >>> k) & 1;
  return [(x + y) >>> 0, (x - y) >>> 0, Math.imul(x, y) >>> 0, Math.floor(x / (y || 1)), x % (y || 1), (x & y) >>> 0, (x | y) >>> 0, (x ^ y) >>> 0, ~x >>> 0,
    (x << (y & 31)) >>> 0, x >>> (y & 31), x >>> (y & 31), cmpBits(x, y), Math.min(x, y), Math.max(x, y), x, Math.clz32(x), ctz, pc, z];
}
const I = (v: bigint) => BigInt.asIntN(64, v), U = (v: bigint) => BigInt.asUintN(64, v);
const bitcount = (v: bigint) => { let n = 0n; for (let k = 0n; k < 64n; k++) n += (U(v) >> k) & 1n; return n; };
const clz64 = (v: bigint) => { const u = U(v); for (let k = 63n; k >= 0n; k--) if ((u >> k) & 1n) return 63n - k; return 64n; };
const ctz64 = (v: bigint) => { const u = U(v); for (let k = 0n; k < 64n; k++) if ((u >> k) & 1n) return k; return 64n; };
const bmin = (a: bigint, b: bigint) => (b < a ? b : a), bmax = (a: bigint, b: bigint) => (b > a ? b : a);
function i64Ref(x: bigint, y: bigint): bigint[] {
  const d = y === 0n || (x === -(1n << 63n) && y === -1n) ? 1n : y;
  let z = x; z = I(z + y); z = I(z * 3n); z = I(z - 1n); z ^= y; z = I(z << 2n); z >>= 1n;
  const s = y & 63n;
  return [I(x + y), I(x - y), I(x * y), I(x / d), I(x % d), I(-x), x & y, x | y, x ^ y, ~x, I(x << s), x >> s, I(U(x) >> s),
    BigInt(cmpBits(x, y)), bmin(x, y), bmax(x, y), I(x < 0n ? -x : x), x > 0n ? 1n : x < 0n ? -1n : 0n, clz64(x), ctz64(x), bitcount(x), z];
}
function u64Ref(x: bigint, y: bigint): bigint[] {
  let z = x; z = U(z - y); z = U(z * 0x9e3779b97f4a7c15n); z >>= 7n;
  const s = y & 63n;
  return [U(x + y), U(x - y), U(x * y), x / (y || 1n), x % (y || 1n), x & y, x | y, x ^ y, U(~x), U(x << s), x >> s,
    BigInt(cmpBits(x, y)), bmin(x, y), bmax(x, y), clz64(x), ctz64(x), bitcount(x), z];
}

describe.each(BACKEND_NAMES)("scalars on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_scalars")); });

  it("i32: wrapping arithmetic, truncating division, shifts, comparisons, bit counts, compound assignment", () => {
    const [a, b] = pairs(I32V);
    const out = c.zeros(a.length * 24, wf.int32);
    c.launch("i32ops", a.length, [c.array(a, wf.int32), c.array(b, wf.int32), out]);
    expectExact(values(out), a.flatMap((x, k) => i32Ref(x, b[k])));
  });

  it("u32: wrapping, unsigned division and comparison, logical shifts", () => {
    const [a, b] = pairs(U32V);
    const out = c.zeros(a.length * 20, wf.uint32);
    c.launch("u32ops", a.length, [c.array(a, wf.uint32), c.array(b, wf.uint32), out]);
    expectExact(values(out), a.flatMap((x, k) => u32Ref(x, b[k])));
  });

  it("i64: extremes, wrapping, signed division and shifts", () => {
    const [a, b] = pairs(I64V);
    const out = c.zeros(a.length * 22, wf.int64);
    c.launch("i64ops", a.length, [c.array(a, wf.int64), c.array(b, wf.int64), out]);
    expectExact(values(out), a.flatMap((x, k) => i64Ref(x, b[k])));
  });

  it("u64: extremes, wrapping, unsigned division and shifts", () => {
    const [a, b] = pairs(U64V);
    const out = c.zeros(a.length * 18, wf.uint64);
    c.launch("u64ops", a.length, [c.array(a, wf.uint64), c.array(b, wf.uint64), out]);
    expectExact(values(out), a.flatMap((x, k) => u64Ref(x, b[k])));
  });

  // The compound z: (x + y) * y - x may be contracted into one FMA by CUDA (docs/builtins.md); the
  // CPU backends never contract. Both roundings are accepted on CUDA, only the separate one elsewhere.
  const zAllowed = (x: number, y: number, r: (v: number) => number, kind: "f32" | "f64") => {
    const z1 = r(x + y), plain = r(r(r(z1 * y) - x) / 3), fused = r(fmaRef(z1, y, -x, kind) / 3);
    return backend === "cuda" ? [plain, fused] : [plain];
  };

  it("f32: IEEE arithmetic rounded once, fmod remainder, signed zeros, NaN comparisons", () => {
    const [a, b] = pairs(F32V);
    const out = c.zeros(a.length * 8), cmp = c.zeros(a.length, wf.int32);
    c.launch("f32ops", a.length, [c.array(a), c.array(b), out, cmp]);
    expectOneOf(values(out), a.flatMap((x, k) => {
      const y = b[k];
      return [[fr(x + y)], [fr(x - y)], [fr(x * y)], [fr(x / y)], [fr(x % y)], [-x], zAllowed(x, y, fr, "f32"), [x]];
    }));
    expectExact(values(cmp), a.map((x, k) => cmpBits(x, b[k]) | (+!(x < b[k]) << 6)));
  });

  it("f64: IEEE arithmetic, fmod remainder, literals adapt to f64", () => {
    const [a, b] = pairs(F64V);
    const out = c.zeros(a.length * 8, wf.float64), cmp = c.zeros(a.length, wf.int32);
    c.launch("f64ops", a.length, [c.array(a, wf.float64), c.array(b, wf.float64), out, cmp]);
    const id = (v: number) => v;
    expectOneOf(values(out), a.flatMap((x, k) => {
      const y = b[k];
      return [[x + y], [x - y], [x * y], [x / y], [x % y], [-x], zAllowed(x, y, id, "f64"), [x * 2 + 0.1]];
    }));
    expectExact(values(cmp), a.map((x, k) => cmpBits(x, b[k]) | (+!(x < b[k]) << 6)));
  });

  it("shift counts are taken modulo the bit width (32 or 64), negative counts included", () => {
    const sh = [0, 1, 5, 31, 32, 33, 63, 64, 65, -1, 100];
    const n = sh.length;
    const xi = -0x12345679, xu = 0x9abcdef1, xl = -0x123456789abcdefn, xul = 0xfedcba9876543210n;
    const oi = c.zeros(3 * n, wf.int32), ou = c.zeros(2 * n, wf.uint32), ol = c.zeros(3 * n, wf.int64), oul = c.zeros(2 * n, wf.uint64);
    c.launch("shifts", n, [c.array(sh.map(() => xi), wf.int32), c.array(sh.map(() => xu), wf.uint32), c.array(sh.map(() => xl), wf.int64),
      c.array(sh.map(() => xul), wf.uint64), c.array(sh, wf.int32), oi, ou, ol, oul]);
    expectExact(values(oi), sh.flatMap((k) => [xi << k, xi >> k, (xi >>> k) | 0]));
    expectExact(values(ou), sh.flatMap((k) => [(xu << k) >>> 0, xu >>> k]));
    const m = (k: number) => BigInt(k & 63);
    expectExact(values(ol), sh.flatMap((k) => [BigInt.asIntN(64, xl << m(k)), xl >> m(k), BigInt.asIntN(64, BigInt.asUintN(64, xl) >> m(k))]));
    expectExact(values(oul), sh.flatMap((k) => [BigInt.asUintN(64, xul << m(k)), xul >> m(k)]));
  });

  // docs/builtins.md promises wrapping two's-complement integer arithmetic on every backend
  // (regression: wasm used to trap with "divide result unrepresentable").
  it("MIN_VALUE / -1 wraps to MIN_VALUE, MIN_VALUE % -1 is 0 (i32 and i64)", () => {
    const out = c.zeros(4, wf.int32), outl = c.zeros(4, wf.int64);
    c.launch("overflowDiv", 2, [c.array([-0x80000000, 7], wf.int32), c.array([-1, -1], wf.int32),
      c.array([-(1n << 63n), 7n], wf.int64), c.array([-1n, -1n], wf.int64), out, outl]);
    expectExact(values(out), [-0x80000000, 0, -7, 0]);
    expectExact(values(outl), [-(1n << 63n), 0n, -7n, 0n]);
  });

  // docs/builtins.md: integer division by zero is an error where the backend can trap (wasm and
  // the interpreter); CUDA has no trap for it: there the launch completes and the quotient of the
  // faulting thread is unspecified, while the other threads' results are right.
  it("integer division by zero is an error (interp, wasm); on CUDA other threads are unaffected", () => {
    const out = c.zeros(2, wf.int32);
    const go = () => c.launch("divide", 2, [c.array([6, 1], wf.int32), c.array([3, 0], wf.int32), out]);
    if (backend === "cuda") { go(); wf.synchronize(); expect(values(out)[0]).toBe(2); }
    else expect(go).toThrow(/division by zero/i);
  });
});
