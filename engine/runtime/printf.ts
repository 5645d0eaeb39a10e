// C printf formatting for kernel `print`/`printf`, shared by the backends that format on the host
// (the interpreter; wasm formats the records of its print buffer after a launch). It follows C99
// (glibc) so that every backend prints what CUDA's device printf prints:
//
//   conversions  d i u x X o e E f F g G c s p and %%, with flags `-+ #0`, a width and a precision
//                (`%-8.3f`, `%05d`, `%#x`, `%+.2e`, `%.3d`); length modifiers (hh h l ll z) are
//                accepted and, as in C, hh and h truncate an integer to 8 and 16 bits;
//   floats       exact decimal expansion of the binary value, ties rounded to even (glibc);
//                `%e` has at least 2 exponent digits; `%g` picks %e or %f by C's rule and drops
//                trailing zeros (unless `#`); inf and nan as C prints them;
//   integers     the value's own width: `%x`/`%u`/`%o` of a negative i32 print its u32 bits, of a
//                negative i64 its u64 bits; `%d`/`%i` of an unsigned value print it unsigned;
//   mixed kinds  a float value with an integer conversion (`%d` of an f32) prints as `%g` with the
//                same flags, width and precision; an integer with a float conversion converts to
//                double; a bool prints `true`/`false` as `%s` (width and flags kept); `%s` of a
//                number prints it as `%d`/`%u` (integers) or `%g` (floats) — what the CUDA code
//                generator emits for each.
//
// `formatPrintf(fmt, values, kinds)` formats one record; `kinds[k]` is the weft scalar kind of
// `values[k]` (numbers for bool/i32/u32/f32/f64, bigints for i64/u64). A placeholder without a value
// is printed as written.

import type { ScalarKind } from "../ir/types.js";

/** One conversion specification, `%[flags][width][.precision][length]conv`. */
export interface PrintfSpec {
  /** The placeholder's text (`%-8.3f`). */
  text: string;
  flags: string;
  width: number | null;
  precision: number | null;
  length: string;
  conv: string;
}

/** The format as literal text (with `%%` already turned into `%`) and conversion specifications. */
export type PrintfPart = string | PrintfSpec;

/** Matches a conversion specification at a position (sticky). `*` width and precision are not supported. */
const SPEC = /%([-+ #0]*)(\d+)?(?:\.(\d*))?(hh|h|ll|l|z|j|t|L)?([diouxXeEfFgGcsp])/y;

const memo = new Map<string, PrintfPart[]>();

/** Splits a format into literal text and conversion specifications, left to right as C reads it. */
export function parsePrintf(fmt: string): PrintfPart[] {
  const have = memo.get(fmt);
  if (have) return have;
  const parts: PrintfPart[] = [];
  let text = "";
  for (let k = 0; k < fmt.length;) {
    const c = fmt[k];
    if (c !== "%") { text += c; k++; continue; }
    if (fmt[k + 1] === "%") { text += "%"; k += 2; continue; }
    SPEC.lastIndex = k;
    const m = SPEC.exec(fmt);
    if (!m) { text += c; k++; continue; }
    if (text) { parts.push(text); text = ""; }
    parts.push({
      text: m[0], flags: m[1], width: m[2] !== undefined ? Number(m[2]) : null,
      precision: m[3] !== undefined ? Number(m[3] || 0) : null, length: m[4] ?? "", conv: m[5],
    });
    k = SPEC.lastIndex;
  }
  if (text) parts.push(text);
  if (memo.size > 4096) memo.clear();
  memo.set(fmt, parts);
  return parts;
}

/** How many values a format takes (one per conversion specification). */
export function printfArity(fmt: string): number {
  return parsePrintf(fmt).filter((p) => typeof p !== "string").length;
}

/** Formats one record of `print(fmt, ...values)` as C's printf does (see the top of this file). */
export function formatPrintf(fmt: string, values: readonly unknown[], kinds?: readonly (ScalarKind | undefined)[]): string {
  let out = "", k = 0;
  for (const p of parsePrintf(fmt)) {
    if (typeof p === "string") { out += p; continue; }
    if (k >= values.length) { out += p.text; continue; }
    const v = values[k], kind = kinds?.[k] ?? inferKind(v);
    k++;
    out += formatOne(p, v, kind);
  }
  return out;
}

function inferKind(v: unknown): ScalarKind {
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return v < 0n ? "i64" : "u64";
  const n = Number(v);
  if (Number.isInteger(n) && n >= -2147483648 && n <= 4294967295) return n < 0 || n <= 2147483647 ? "i32" : "u32";
  return "f64";
}

/** Formats one value with one specification. */
export function formatOne(p: PrintfSpec, v: unknown, kind: ScalarKind): string {
  const conv = p.conv;
  if (kind === "bool") return pad(v ? "true" : "false", p.flags.replace(/0/g, ""), p.width);
  const floatKind = kind === "f32" || kind === "f64";
  const floatConv = "eEfFgG".includes(conv);
  if (floatKind && !floatConv) return formatFloat({ ...p, conv: "g" }, Number(v));
  if (floatConv) return formatFloat(p, typeof v === "bigint" ? Number(v) : Number(v));
  return formatInt(p, toBigInt(v), kind);
}

function toBigInt(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  const n = Number(v);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
}

const BITS: Record<string, number> = { i32: 32, u32: 32, i64: 64, u64: 64 };

function formatInt(p: PrintfSpec, v: bigint, kind: ScalarKind): string {
  const bits = BITS[kind] ?? 64;
  const signedKind = kind === "i32" || kind === "i64";
  let conv = p.conv;
  if (conv === "s") conv = signedKind ? "d" : "u";
  if (conv === "p") {
    const u = BigInt.asUintN(64, v);
    if (u === 0n) return pad("(nil)", p.flags.replace(/0/g, ""), p.width);
    return pad("0x" + u.toString(16), p.flags, p.width);
  }
  if (conv === "c") return pad(String.fromCharCode(Number(BigInt.asUintN(8, v))), p.flags.replace(/0/g, ""), p.width);
  // The value at its own width, then the length modifier's truncation (hh: char, h: short).
  let width = bits;
  if (p.length === "hh") width = 8;
  else if (p.length === "h") width = 16;
  // `%d` of an unsigned value is `%u` (the CUDA code generator emits that): no sign, no '+'.
  if ((conv === "d" || conv === "i") && !signedKind) conv = "u";
  const signedConv = conv === "d" || conv === "i";
  const signed = signedConv;
  let x = signed ? BigInt.asIntN(width, v) : BigInt.asUintN(width, v);
  let sign = "";
  if (x < 0n) { sign = "-"; x = -x; }
  else if (signedConv && p.flags.includes("+")) sign = "+";
  else if (signedConv && p.flags.includes(" ")) sign = " ";
  const radix = conv === "x" || conv === "X" ? 16 : conv === "o" ? 8 : 10;
  let digits = x.toString(radix);
  if (conv === "X") digits = digits.toUpperCase();
  if (p.precision !== null) {
    if (p.precision === 0 && x === 0n) digits = "";
    else if (digits.length < p.precision) digits = "0".repeat(p.precision - digits.length) + digits;
  }
  let prefix = sign;
  if (p.flags.includes("#")) {
    if (conv === "o" && !digits.startsWith("0")) digits = "0" + digits;
    else if ((conv === "x" || conv === "X") && x !== 0n) prefix += conv === "x" ? "0x" : "0X";
  }
  const zero = p.flags.includes("0") && !p.flags.includes("-") && p.precision === null;
  return padNumber(prefix, digits, p, zero);
}

function formatFloat(p: PrintfSpec, x: number): string {
  const conv = p.conv, upper = conv === "E" || conv === "F" || conv === "G";
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? "-" : p.flags.includes("+") ? "+" : p.flags.includes(" ") ? " " : "";
  if (!Number.isFinite(x)) {
    const s = Number.isNaN(x) ? "nan" : "inf";
    return padNumber(Number.isNaN(x) ? (p.flags.includes("+") ? "+" : p.flags.includes(" ") ? " " : "") : sign, upper ? s.toUpperCase() : s, p, false);
  }
  const a = Math.abs(x), alt = p.flags.includes("#");
  let prec = p.precision ?? 6;
  let body: string;
  const lower = conv.toLowerCase();
  if (lower === "f") body = fixed(a, prec, alt);
  else if (lower === "e") body = expo(a, prec, alt);
  else {
    if (prec === 0) prec = 1;
    // C: the exponent X that %e would print with precision P - 1 decides.
    const X = a === 0 ? 0 : decimalDigits(a, prec).exp;
    if (prec > X && X >= -4) body = fixed(a, prec - 1 - X, alt);
    else body = expo(a, prec - 1, alt);
    if (!alt) body = stripZeros(body);
  }
  if (upper) body = body.toUpperCase();
  return padNumber(sign, body, p, p.flags.includes("0") && !p.flags.includes("-"));
}

/** Removes trailing zeros of the fraction (and a trailing point), keeping any exponent. */
function stripZeros(s: string): string {
  const e = s.search(/e/i);
  const mant = e >= 0 ? s.slice(0, e) : s, exp = e >= 0 ? s.slice(e) : "";
  if (!mant.includes(".")) return s;
  return mant.replace(/0+$/, "").replace(/\.$/, "") + exp;
}

function padNumber(prefix: string, body: string, p: PrintfSpec, zero: boolean): string {
  const w = p.width ?? 0, len = prefix.length + body.length;
  if (len >= w) return prefix + body;
  if (p.flags.includes("-")) return prefix + body + " ".repeat(w - len);
  if (zero) return prefix + "0".repeat(w - len) + body;
  return " ".repeat(w - len) + prefix + body;
}

function pad(s: string, flags: string, width: number | null): string {
  const w = width ?? 0;
  if (s.length >= w) return s;
  return flags.includes("-") ? s + " ".repeat(w - s.length) : " ".repeat(w - s.length) + s;
}

// --- exact decimal conversion -------------------------------------------------------------------

/** A finite positive double as m * 2^e (m an integer). */
function decompose(a: number): { m: bigint; e: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, a);
  const hi = dv.getUint32(0), lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (bexp === 0) return { m, e: -1074 };
  m |= 1n << 52n;
  return { m, e: bexp - 1075 };
}

const pow10 = (n: number) => 10n ** BigInt(n);

/** round(a * 10^s) to the nearest integer, ties to even (s may be negative). */
function scaledRound(a: number, s: number): bigint {
  const { m, e } = decompose(a);
  let num = m, den = 1n;
  if (e >= 0) num <<= BigInt(e); else den <<= BigInt(-e);
  if (s >= 0) num *= pow10(s); else den *= pow10(-s);
  const q = num / den, r = num - q * den;
  const twice = 2n * r;
  if (twice > den || (twice === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** floor(log10(a)) exactly, for a finite a > 0. */
function exponent10(a: number): number {
  let E = Math.floor(Math.log10(a));
  const { m, e } = decompose(a);
  // Compare a with 10^E exactly: a = m * 2^e.
  const ge = (k: number) => {
    let l = m, r = 1n;
    if (e >= 0) l <<= BigInt(e); else r <<= BigInt(-e);
    if (k >= 0) r *= pow10(k); else l *= pow10(-k);
    return l >= r;
  };
  while (!ge(E)) E--;
  while (ge(E + 1)) E++;
  return E;
}

/** The `prec`+1 significant digits of a (> 0) rounded as %e rounds them, and the decimal exponent. */
function decimalDigits(a: number, sig: number): { digits: string; exp: number } {
  let E = exponent10(a);
  let q = scaledRound(a, sig - 1 - E);
  if (q >= pow10(sig)) { q /= 10n; E++; }
  return { digits: q.toString(), exp: E };
}

function fixed(a: number, prec: number, alt: boolean): string {
  const q = a === 0 ? 0n : scaledRound(a, prec);
  let s = q.toString();
  if (prec === 0) return alt ? s + "." : s;
  if (s.length <= prec) s = "0".repeat(prec - s.length + 1) + s;
  return s.slice(0, s.length - prec) + "." + s.slice(s.length - prec);
}

function expo(a: number, prec: number, alt: boolean): string {
  let digits: string, exp: number;
  if (a === 0) { digits = "0".repeat(prec + 1); exp = 0; }
  else ({ digits, exp } = decimalDigits(a, prec + 1));
  const mant = digits[0] + (prec > 0 || alt ? "." : "") + digits.slice(1);
  const ae = Math.abs(exp);
  return `${mant}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
}
