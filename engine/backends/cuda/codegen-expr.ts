// Expression-level pieces of the CUDA code generator: C types, identifiers, exact literals,
// conversions with the wasm backend's semantics, and builtin calls through the registry's `cuda`
// lowerings. Statement structure (control flow, arrays, checks) lives in codegen.ts.

import type { Inst } from "../../ir/ops.js";
import { ScalarKind, Type, isFloat, isInt, isSigned, typeName } from "../../ir/types.js";
import { lookupBuiltin } from "../../builtins/index.js";
import { CUDA_SCALAR } from "../../builtins/common.js";

export class CudaCodegenError extends Error {
  constructor(message: string) {
    super(`weft CUDA codegen: ${message} (this is a weft bug: lowered IR should not contain it)`);
    this.name = "CudaCodegenError";
  }
}

/** The C type of a lowered value or parameter. */
export function cType(t: Type): string {
  switch (t.k) {
    case "scalar": return CUDA_SCALAR[t.s];
    case "array": return "weft_array";
    case "ptr": return "uint64_t";
    default: throw new CudaCodegenError(`type ${typeName(t)} is not a lowered type`);
  }
}

export function scalarOf(t: Type, what: string): ScalarKind {
  if (t.k !== "scalar") throw new CudaCodegenError(`${what} has non-scalar type ${typeName(t)}`);
  return t.s;
}

// --- identifiers ------------------------------------------------------------------------------------

const CPP_RESERVED = new Set((
  "alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class " +
  "compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype " +
  "default delete do double dynamic_cast else enum explicit export extern false float for friend goto if inline " +
  "int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public register " +
  "reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch template " +
  "this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t " +
  "while xor xor_eq main printf dims flat threadIdx blockIdx blockDim gridDim warpSize " +
  "int8_t uint8_t int32_t uint32_t int64_t uint64_t rest"
).split(" "));

// CUDA device functions a builtin lowering may call: a parameter or kernel of that name would shadow
// or clash with it (a parameter `min` would break a `min(a, b)` call in the kernel body).
const MATH = (
  "acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh cospi erf erfc erfinv exp exp10 exp2 " +
  "expm1 fabs fdim floor fma fmax fmin fmod frexp hypot ilogb isfinite isinf isnan j0 j1 ldexp lgamma llrint " +
  "llround log log10 log1p log2 logb lrint lround modf nan nearbyint nextafter norm pow rcbrt remainder remquo " +
  "rhypot rint round rsqrt scalbn signbit sin sincos sinh sinpi sqrt tan tanh tgamma trunc y0 y1"
).split(" ");
for (const f of MATH) { CPP_RESERVED.add(f); CPP_RESERVED.add(f + "f"); }
for (const f of ("abs labs llabs min max umin umax llmin llmax ullmin ullmax clock clock64 assert malloc free memcpy memset " +
  "atomicAdd atomicSub atomicMin atomicMax atomicExch atomicCAS atomicAnd atomicOr atomicXor atomicInc atomicDec " +
  "vprintf fminf fmaxf saturate").split(" ")) CPP_RESERVED.add(f);

/** A C identifier fragment from a source name: [A-Za-z0-9_] only, bounded length. */
export function sanitize(name: string, max = 32): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_").replace(/_+/g, "_").slice(0, max);
}

/**
 * The C name of a kernel parameter or kernel: the source name when it is a plain identifier that
 * cannot collide with generated names (v12, l3_x, tid0, brk_4, weft_*, __*), else a prefixed form.
 */
export function safeIdent(name: string, prefix: string, taken: Set<string>): string {
  let id = sanitize(name, 48);
  const clash = !/^[A-Za-z_]/.test(id) || CPP_RESERVED.has(id) || /^(v|l|tid|brk_|cont_)\d/.test(id) ||
    /^(weft|__|_[A-Z])/.test(id) || id === "";
  if (clash) id = `${prefix}_${id}`;
  let out = id, n = 1;
  while (taken.has(out)) out = `${id}_${n++}`;
  taken.add(out);
  return out;
}

/** SSA value name: v<id>, or v<id>_<source name> when the instruction carries one. */
export function valueName(inst: Inst): string {
  const n = inst.name ? sanitize(inst.name, 24) : "";
  return n ? `v${inst.id}_${n}` : `v${inst.id}`;
}

// --- literals -------------------------------------------------------------------------------------

/**
 * An exact C literal. Floats use the shortest decimal that round-trips the value (JavaScript's
 * String): such a string parses to exactly the same f64, and for an f32 value (already rounded by
 * Math.fround) to exactly the same f32, whether the compiler rounds decimal -> float directly or via
 * double. Non-finite values are written as bit patterns.
 */
export function literal(value: unknown, s: ScalarKind): string {
  switch (s) {
    case "bool": return value ? "true" : "false";
    case "i32": {
      const v = Number(value) | 0;
      return v === -2147483648 ? "(-2147483647 - 1)" : v < 0 ? `(${v})` : `${v}`;
    }
    case "u32": return `${Number(value) >>> 0}u`;
    case "i64": {
      const v = BigInt.asIntN(64, BigInt(value as bigint));
      return v === -(1n << 63n) ? "(-9223372036854775807ll - 1)" : v < 0n ? `(${v}ll)` : `${v}ll`;
    }
    case "u64": return `${BigInt.asUintN(64, BigInt(value as bigint))}ull`;
    case "f32": return floatLiteral(Math.fround(Number(value)), true);
    case "f64": return floatLiteral(Number(value), false);
  }
}

function floatLiteral(v: number, f32: boolean): string {
  if (!Number.isFinite(v)) {
    if (f32) {
      const bits = Number.isNaN(v) ? "0x7fc00000" : v > 0 ? "0x7f800000" : "0xff800000";
      return `__int_as_float(${bits})`;
    }
    const bits = Number.isNaN(v) ? "0x7ff8000000000000" : v > 0 ? "0x7ff0000000000000" : "0xfff0000000000000";
    return `__longlong_as_double(${bits}ll)`;
  }
  const suffix = f32 ? "f" : "";
  if (v === 0) return Object.is(v, -0) ? `(-0.0${suffix})` : `0.0${suffix}`;
  let s = String(Math.abs(v));
  if (!/[.e]/.test(s)) s += ".0";
  return v < 0 ? `(-${s}${suffix})` : `${s}${suffix}`;
}

/** A double-quoted C string literal (printf formats, file names in #line). */
export function cString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, "utf8")) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += "\\\\";
    else if (ch === 0x0a) out += "\\n";
    else if (ch === 0x09) out += "\\t";
    else if (ch === 0x3f) out += "\\?"; // no trigraphs
    else if (ch >= 0x20 && ch < 0x7f) out += String.fromCharCode(ch);
    else out += "\\" + ch.toString(8).padStart(3, "0");
  }
  return out + '"';
}

// --- conversions ---------------------------------------------------------------------------------

/**
 * `convert` with the wasm backend's semantics: float -> int truncates toward zero, saturates and maps
 * NaN to 0 (iNN.trunc_sat_fMM); int -> int wraps (two's complement); to bool tests != 0 (a float
 * NaN gives true); everything else is an ordinary C conversion
 * (round-to-nearest-even for int -> float and f64 -> f32). Matches convertScalar in engine/ir/interp.ts.
 */
export function convertExpr(x: string, from: ScalarKind, to: ScalarKind): string {
  if (from === to) return x;
  if (to === "bool") return `(${x} != 0)`;
  if (isFloat(from) && isInt(to)) return `weft_${from}_to_${to}(${x})`;
  return `((${CUDA_SCALAR[to]})${x})`;
}

// --- builtin calls --------------------------------------------------------------------------------

const EXACT: Record<string, string> = { add: "add", sub: "sub", mul: "mul", div: "div", sqrt: "sqrt" };
/** Operators whose signed-integer C form has undefined behaviour on overflow. */
const WRAPPING = new Set(["add", "sub", "mul", "neg", "shl"]);

/**
 * A call of a primitive builtin through its registry `cuda` lowering. Two adjustments:
 * - `exact` f32/f64 add/sub/mul/div/sqrt use the round-to-nearest intrinsics (__fadd_rn, __dmul_rn,
 *   __fsqrt_rn, ...), which the compiler never contracts into an FMA nor approximates;
 * - signed add/sub/mul/neg/shl are computed on the unsigned type and cast back, because signed
 *   overflow is undefined behaviour in C++ (the optimizer may assume it never happens) while wasm
 *   and the interpreter wrap.
 */
export function callExpr(inst: Inst, args: string[]): string {
  const fn = inst.attrs.fn as string;
  const argKinds = inst.args.map((a) => scalarOf(a.type, `operand of ${fn}`));
  const result = scalarOf(inst.type, `result of ${fn}`);
  if (inst.attrs.exact && EXACT[fn] && isFloat(result)) {
    return `__${result === "f32" ? "f" : "d"}${EXACT[fn]}_rn(${args.join(", ")})`;
  }
  const b = lookupBuiltin(fn);
  if (!b) throw new CudaCodegenError(`unknown builtin '${fn}'`);
  if (!b.cuda) throw new CudaCodegenError(`builtin '${fn}' has no CUDA lowering (is it a composite that was not expanded?)`);
  if (WRAPPING.has(fn) && isInt(result) && isSigned(result)) {
    const u = result === "i32" ? "uint32_t" : "uint64_t";
    const uargs = args.map((a, i) => (argKinds[i] === result ? `((${u})${a})` : a));
    const ukinds = argKinds.map((k) => (k === result ? (result === "i32" ? "u32" : "u64") : k)) as ScalarKind[];
    return `((${CUDA_SCALAR[result]})${b.cuda(uargs, ukinds, result === "i32" ? "u32" : "u64")})`;
  }
  return b.cuda(args, argKinds, result);
}

// --- print ---------------------------------------------------------------------------------------

/**
 * `print {fmt}`: fmt is printf-style, with the interpreter's reading of it (engine/ir/interp.ts):
 * each `%[flags width .prec]c` (c in d i u x e f g s) takes the next operand, `%%` is a percent
 * sign, and a newline is added unless fmt ends with one. Conversions are adapted to the operand's
 * type so printf never reads the wrong width: 64-bit integers get `ll`, floats given to an integer
 * conversion print with %g, integers given to a float conversion are widened to double, booleans
 * print as true/false. Operands beyond the conversions are not printed; conversions beyond the
 * operands print literally.
 */
export function printExpr(fmt: string, args: string[], kinds: ScalarKind[]): string {
  let k = 0;
  const cargs: string[] = [];
  let text = "", last = 0;
  const re = /%([-+ 0-9.]*)([dfiuxegs%])/g;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    text += escapePercent(fmt.slice(last, m.index));
    last = m.index + m[0].length;
    const [, mods, conv] = m;
    if (conv === "%") { text += "%%"; continue; }
    if (k >= args.length) { text += escapePercent(m[0]); continue; }
    const x = args[k], s = kinds[k++];
    if (s === "bool") { text += `%${mods.replace(/\..*/, "")}s`; cargs.push(`weft_bool_str(${x})`); continue; }
    const floatConv = conv === "f" || conv === "e" || conv === "g";
    if (isFloat(s)) {
      text += `%${mods}${floatConv ? conv : "g"}`;
      cargs.push(`(double)${x}`);
    } else if (floatConv) {
      text += `%${mods}${conv}`;
      cargs.push(`(double)${x}`);
    } else {
      const c = conv === "s" || conv === "i" ? (isSigned(s) ? "d" : "u") : conv === "d" && !isSigned(s) ? "u" : conv;
      const is64 = s === "i64" || s === "u64";
      text += `%${mods}${is64 ? "ll" : ""}${c}`;
      cargs.push(is64 ? `(${isSigned(s) ? "long long" : "unsigned long long"})${x}` : x);
    }
  }
  text += escapePercent(fmt.slice(last));
  if (!text.endsWith("\n")) text += "\n";
  return `printf(${[cString(text), ...cargs].join(", ")})`;
}

function escapePercent(s: string): string { return s.replace(/%/g, "%%"); }
