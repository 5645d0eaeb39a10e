// Bit-level builtins: reinterpreting casts between floats and integers of the same width (NanoVDB
// buffers, hashing, the random generator's exact logarithm) and the integer bit counts clz, ctz and
// popcount (Morton codes, bit masks). All exact, all non-differentiable.
//
// The interpreter keeps floats as JavaScript numbers, so a NaN's payload bits are not preserved
// through u32AsF32 -> f32AsU32 there (wasm and CUDA preserve them); every other value round-trips.

import { ScalarKind, isInt, scalar } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { CUDA_SCALAR, arity, is64Int, names, wasmNs, wrap } from "./common.js";

const dv = new DataView(new ArrayBuffer(8));

const CASTS: [string, ScalarKind, ScalarKind, string][] = [
  ["f32AsU32", "f32", "u32", "__float_as_uint"],
  ["f32AsI32", "f32", "i32", "__float_as_int"],
  ["u32AsF32", "u32", "f32", "__uint_as_float"],
  ["i32AsF32", "i32", "f32", "__int_as_float"],
  ["f64AsU64", "f64", "u64", "(uint64_t)__double_as_longlong"],
  ["f64AsI64", "f64", "i64", "(int64_t)__double_as_longlong"],
  ["u64AsF64", "u64", "f64", "__longlong_as_double"],
  ["i64AsF64", "i64", "f64", "__longlong_as_double"],
];

/** Reinterprets the bits of `v` (of kind `from`) as kind `to` (same width). */
export function bitcast(v: any, from: ScalarKind, to: ScalarKind): any {
  switch (from) {
    case "f32": dv.setFloat32(0, v); break;
    case "f64": dv.setFloat64(0, v); break;
    case "i32": case "u32": dv.setUint32(0, v >>> 0); break;
    default: dv.setBigUint64(0, BigInt.asUintN(64, v));
  }
  switch (to) {
    case "f32": return dv.getFloat32(0);
    case "f64": return dv.getFloat64(0);
    case "i32": return dv.getInt32(0);
    case "u32": return dv.getUint32(0);
    case "i64": return dv.getBigInt64(0);
    default: return dv.getBigUint64(0);
  }
}

for (const [name, from, to, cu] of CASTS) {
  defineBuiltin({
    name,
    sigs: [`${name}(x: ${from}): ${to} — the same ${from === "f32" || from === "u32" || from === "i32" ? 32 : 64} bits reinterpreted`],
    resolve(args) {
      const e = arity(args, 1, name);
      if (e) return e;
      return args[0].k === "scalar" && args[0].s === from ? scalar(to) : `${name} expects a ${from}, got (${names(args)})`;
    },
    eval: ([x]) => bitcast(x, from, to),
    wasm: (ctx, [a]) => wasmNs(ctx, to).reinterpret(a),
    cuda: ([a]) => (to === "f64" ? `${cu}((long long)${a})` : `${cu}(${a})`),
    nondiff: "a bit reinterpretation has no derivative",
    adjoint: () => [null],
  });
}

// --- clz, ctz, popcount ---------------------------------------------------------------------------

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
const lo = (x: bigint) => Number(x & 0xffffffffn), hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn);
const ctz32 = (x: number) => (x === 0 ? 32 : 31 - Math.clz32(x & -x));

const COUNTS: [string, (x: number) => number, (x: bigint) => number, string, string, string][] = [
  ["clz", (x) => Math.clz32(x), (x) => (hi(x) ? Math.clz32(hi(x)) : 32 + Math.clz32(lo(x))), "leading zero bits (32 or 64 for 0)", "__clz", "__clzll"],
  ["ctz", ctz32, (x) => (lo(x) ? ctz32(lo(x)) : 32 + ctz32(hi(x))), "trailing zero bits (32 or 64 for 0)", "", ""],
  ["popcount", popcount32, (x) => popcount32(lo(x)) + popcount32(hi(x)), "number of one bits", "__popc", "__popcll"],
];
for (const [name, f32, f64, what, cu32, cu64] of COUNTS) {
  defineBuiltin({
    name,
    sigs: [`${name}(x: i32|u32|i64|u64): same — ${what}`],
    resolve(args) {
      const e = arity(args, 1, name);
      if (e) return e;
      return args[0].k === "scalar" && isInt(args[0].s) ? args[0] : `${name} expects an integer, got (${names(args)})`;
    },
    eval: ([x], [s]) => (is64Int(s) ? wrap(s, f64(BigInt.asUintN(64, x))) : wrap(s, f32(x >>> 0))),
    wasm(ctx, [a], [s]) {
      const ns = wasmNs(ctx, s);
      return name === "clz" ? ns.clz(a) : name === "ctz" ? ns.ctz(a) : ns.popcnt(a);
    },
    cuda([a], [s]) {
      const t = CUDA_SCALAR[s], w = is64Int(s);
      if (name === "ctz") return w ? `((${t})(${a} == 0 ? 64 : __ffsll((long long)${a}) - 1))` : `((${t})(${a} == 0 ? 32 : __ffs((int)${a}) - 1))`;
      return w ? `((${t})${cu64}((${s === "i64" ? "long long" : "unsigned long long"})${a}))` : `((${t})${cu32}((${name === "clz" ? "int" : "unsigned int"})${a}))`;
    },
    nondiff: "an integer bit count has no derivative",
    adjoint: () => [null],
  });
}
