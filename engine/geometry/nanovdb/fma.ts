// Correctly rounded fused multiply-add in double and single precision. NanoVDB's Map uses std::fma /
// fmaf for index<->world transforms; these give the same bits on the host (slow, reference only).

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** x = m * 2^e with m a signed integer. */
function decompose(x: number): [bigint, number] {
  f64[0] = x;
  const bits = u64[0];
  const exp = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  let e: number;
  if (exp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = exp - 1075;
  }
  return [bits >> 63n ? -m : m, e];
}

const pow2 = (k: number): number => (k > 1023 ? Infinity : k < -1074 ? 0 : 2 ** k);

/** Rounds s * 2^e (s integer) to the nearest double, ties to even. */
function roundToDouble(s: bigint, e: number): number {
  if (s === 0n) return 0;
  const neg = s < 0n;
  let a = neg ? -s : s;
  const len = a.toString(2).length;
  let shift = len - 53;
  if (e + shift < -1074) shift = -1074 - e; // subnormal result
  if (shift > 0) {
    const sh = BigInt(shift);
    let q = a >> sh;
    const r = a - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    a = q;
    e += shift;
  }
  // a <= 2^53 here, so Number(a) is exact; split the scale to stay away from intermediate overflow
  const v = Number(a);
  const r = e > 0 ? v * pow2(Math.min(e, 1023)) * pow2(Math.max(e - 1023, 0)) : v * pow2(Math.max(e, -1022)) * pow2(Math.min(e + 1022, 0));
  return neg ? -r : r;
}

/** a * b + c with a single rounding (IEEE 754 fusedMultiplyAdd for finite operands). */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c;
  if (a === 0 || b === 0) return a * b + c;
  if (c === 0) return a * b + c;
  const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mc, ec] = decompose(c);
  const p = ma * mb, ep = ea + eb;
  const e = Math.min(ep, ec);
  const s = (p << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (s === 0n) return 0; // exact cancellation: +0 in round-to-nearest
  return roundToDouble(s, e);
}

const fr = Math.fround;

/** fmaf: a * b + c in single precision with a single rounding (operands are rounded to float first). */
export function fmaf(a: number, b: number, c: number): number {
  a = fr(a); b = fr(b); c = fr(c);
  const p = a * b; // exact: 24 + 24 bits
  const s = p + c;
  if (!Number.isFinite(s)) return fr(s);
  // TwoSum: s + t == p + c exactly
  const bb = s - p;
  const t = (p - (s - bb)) + (c - bb);
  const r = fr(s);
  if (t === 0 || r === s) return r;
  // s is the nearest double to the exact sum; only a tie between two floats can round wrongly.
  const other = 2 * s - r;
  if (fr(other) === other && other !== r) return t > 0 ? Math.max(r, other) : Math.min(r, other);
  return r;
}
