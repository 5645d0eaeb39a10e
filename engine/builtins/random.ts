// Counter-based random numbers, defined bit-exactly so the interpreter, wasm and CUDA produce the
// same streams (docs/builtins.md states the algorithm). The state is a u32 held in a kernel variable;
// the drawing builtins take it by reference (`inout: [0]`) and name in `update` the builtin that
// computes the advanced state, which the frontend writes back:
//
//   let rng = randInit(seed, tid());   // u32
//   const x = randf(rng);              // x = randf(rng); rng = randNext(rng)
//
// Every builtin here is a composite over u32 integer arithmetic (exact everywhere) and, for the float
// ones, f32 + - * / and sqrt calls marked `attrs.exact` (no FMA contraction on CUDA), conversions of
// small integers and bit reinterpretations — all exact IEEE operations, hence bit-identical results.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { F32, I32, Type, U32 } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { arity, names } from "./common.js";

export const PCG_MUL = 747796405, PCG_INC = 2891336453, PCG_OUT = 277803737;

/** The PCG hash (RXS-M-XS output of one LCG step) in plain TypeScript, the documented reference. */
export function pcg(x: number): number {
  const s = (Math.imul(x, PCG_MUL) + PCG_INC) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, PCG_OUT) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

const isU32orI32 = (t: Type) => t.k === "scalar" && (t.s === "u32" || t.s === "i32");
const isU32 = (t: Type) => t.k === "scalar" && t.s === "u32";

const u = (b: Builder, v: number) => b.const(v >>> 0, "u32");
/** An f32 constant, rounded to f32 here so that every backend and the interpreter see one value. */
const fc = (b: Builder, v: number) => b.const(Math.fround(v), "f32");
const toU32 = (b: Builder, x: Inst) => (x.type.k === "scalar" && x.type.s === "u32" ? x : b.convert(x, U32));

/** IR of pcg(x) on a u32 value. */
export function pcgIR(b: Builder, x: Inst): Inst {
  const s = b.call("add", b.call("mul", x, u(b, PCG_MUL)), u(b, PCG_INC));
  const sh = b.call("add", b.call("shr", s, u(b, 28)), u(b, 4));
  const w = b.call("mul", b.call("bxor", b.call("shr", s, sh), s), u(b, PCG_OUT));
  return b.call("bxor", b.call("shr", w, u(b, 22)), w);
}

/** An f32 + - * / or sqrt that must round exactly once on every backend (no FMA contraction). */
export function exact(b: Builder, op: "add" | "sub" | "mul" | "div" | "sqrt", ...args: Inst[]): Inst {
  const i = b.call(op, ...args);
  i.attrs.exact = true;
  return i;
}

/** [0, 1) f32 from a u32: its top 24 bits times 2^-24 (exact). */
export function unitFloatIR(b: Builder, x: Inst): Inst {
  return exact(b, "mul", b.convert(b.call("shr", x, u(b, 8)), F32), fc(b, 2 ** -24));
}

const stateSig = (name: string, extra: string) => (args: Type[]): string | null => {
  if (!args.length || !isU32(args[0])) return `${name} expects the generator state (a u32 variable from randInit) as its first argument${extra}, got (${names(args)})`;
  return null;
};

defineBuiltin({
  name: "pcg",
  sigs: ["pcg(x: u32): u32 — the PCG hash: s = x*747796405 + 2891336453; w = ((s >>> ((s >>> 28) + 4)) ^ s) * 277803737; (w >>> 22) ^ w"],
  resolve: (args) => arity(args, 1, "pcg") ?? (isU32(args[0]) ? U32 : `pcg expects a u32, got (${names(args)})`),
  expand: (b, [x]) => pcgIR(b, x),
  nondiff: "integer hash",
});

defineBuiltin({
  name: "randInit",
  sigs: ["randInit(seed: i32|u32, offset?: i32|u32): u32 — pcg(seed ^ pcg(offset)); offset defaults to 0"],
  resolve(args) {
    if (args.length < 1 || args.length > 2 || !args.every(isU32orI32)) return `randInit expects (seed, offset?) of i32 or u32, got (${names(args)})`;
    return U32;
  },
  expand(b, [seed, offset]) {
    const o = offset ? pcgIR(b, toU32(b, offset)) : u(b, pcg(0));
    return pcgIR(b, b.call("bxor", toU32(b, seed), o));
  },
  nondiff: "integer hash",
});

for (const [name, steps] of [["randNext", 1], ["randNext2", 2]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(state: u32, ...): u32 — the state after ${steps === 1 ? "one draw: pcg(state)" : "two draws: pcg(pcg(state))"} (internal)`],
    internal: true,
    // The update builtins receive the drawing builtin's full operand list; only the state matters.
    resolve: (args) => stateSig(name, "")(args) ?? U32,
    expand(b, [state]) {
      let s = pcgIR(b, state);
      if (steps === 2) s = pcgIR(b, s);
      return s;
    },
    nondiff: "integer hash",
  });
}

defineBuiltin({
  name: "randi",
  sigs: ["randi(rng: u32): u32 — uniform 32-bit integer; advances rng (the value is the new state)"],
  inout: [0], update: "randNext",
  resolve: (args) => (args.length === 1 ? stateSig("randi", "")(args) ?? U32 : `randi takes 1 argument (rng), got ${args.length}; use randiRange(rng, lo, hi) for a range`),
  expand: (b, [state]) => pcgIR(b, state),
  nondiff: "random integers have no derivative",
});

defineBuiltin({
  name: "randiRange",
  sigs: ["randiRange(rng: u32, lo: i32, hi: i32): i32 — lo + randi % (hi - lo) in [lo, hi) (lo when hi <= lo); advances rng"],
  inout: [0], update: "randNext",
  resolve(args) {
    const e = stateSig("randiRange", " and (lo, hi) i32 bounds")(args);
    if (e) return e;
    if (args.length !== 3 || !args.slice(1).every((t) => t.k === "scalar" && t.s === "i32")) return `randiRange expects (rng: u32, lo: i32, hi: i32), got (${names(args)})`;
    return I32;
  },
  expand(b, [state, lo, hi]) {
    const v = pcgIR(b, state);
    const n = b.convert(b.call("sub", hi, lo), U32);
    const empty = b.call("le", hi, lo);
    const r = b.call("mod", v, b.select(empty, u(b, 1), n));
    return b.select(empty, lo, b.call("add", lo, b.convert(r, I32)));
  },
  nondiff: "random integers have no derivative",
});

defineBuiltin({
  name: "randf",
  sigs: ["randf(rng: u32): f32 — uniform in [0, 1): f32(s >>> 8) * 2^-24 of the new state s; advances rng"],
  inout: [0], update: "randNext",
  resolve: (args) => (args.length === 1 ? stateSig("randf", "")(args) ?? F32 : `randf takes 1 argument (rng), got ${args.length}; use randfRange(rng, lo, hi) for a range`),
  expand: (b, [state]) => unitFloatIR(b, pcgIR(b, state)),
  nondiff: "random numbers have no derivative with respect to the generator state",
});

defineBuiltin({
  name: "randfRange",
  sigs: ["randfRange(rng: u32, lo: f32, hi: f32): f32 — lo + (hi - lo) * randf(rng), in [lo, hi) up to rounding; advances rng"],
  inout: [0], update: "randNext",
  resolve(args) {
    const e = stateSig("randfRange", " and (lo, hi) f32 bounds")(args);
    if (e) return e;
    if (args.length !== 3 || !args.slice(1).every((t) => t.k === "scalar" && t.s === "f32")) return `randfRange expects (rng: u32, lo: f32, hi: f32), got (${names(args)})`;
    return F32;
  },
  expand(b, [state, lo, hi]) {
    const x = unitFloatIR(b, pcgIR(b, state));
    return exact(b, "add", lo, exact(b, "mul", exact(b, "sub", hi, lo), x));
  },
});

defineBuiltin({
  name: "randn",
  sigs: ["randn(rng: u32): f32 — standard normal (Box–Muller from two draws, exact arithmetic); advances rng twice"],
  inout: [0], update: "randNext2",
  resolve: (args) => (args.length === 1 ? stateSig("randn", "")(args) ?? F32 : `randn takes 1 argument (rng), got ${args.length}`),
  expand(b, [state]) {
    const s1 = pcgIR(b, state), s2 = pcgIR(b, s1);
    // u1 in (0, 1]: (2^24 - (s1 >>> 8)) * 2^-24, so log(u1) is finite.
    const m = b.call("sub", u(b, 1 << 24), b.call("shr", s1, u(b, 8)));
    const u1 = exact(b, "mul", b.convert(m, F32), fc(b, 2 ** -24));
    const r = exact(b, "sqrt", exact(b, "mul", logUnitIR(b, u1), fc(b, -2)));
    return exact(b, "mul", r, cosTurnIR(b, b.call("shr", s2, u(b, 8))));
  },
  nondiff: "random numbers have no derivative with respect to the generator state",
});

// --- exact f32 log and cos from arithmetic ----------------------------------------------------------
// These are the documented reference algorithms; test/builtins-random.test.ts re-implements them in
// plain TypeScript with Math.fround after every operation and compares bit for bit.

const LN2_HI = 0.693359375, LN2_LO = -2.12194440e-4;

/** ln(x) for a positive normal f32 x: exponent from the bits, atanh series on [√½, √2). */
export function logUnitIR(b: Builder, x: Inst): Inst {
  const bits = b.call("f32AsU32", x);
  const e0 = b.call("sub", b.convert(b.call("shr", bits, u(b, 23)), I32), b.i32(127));
  const m0 = b.call("u32AsF32", b.call("bor", b.call("band", bits, u(b, 0x7fffff)), u(b, 0x3f800000)));
  const big = b.call("gt", m0, fc(b, Math.SQRT2));
  const m = b.select(big, exact(b, "mul", m0, fc(b, 0.5)), m0);
  const e = b.convert(b.select(big, b.call("add", e0, b.i32(1)), e0), F32);
  const f = exact(b, "sub", m, fc(b, 1));
  const s = exact(b, "div", f, exact(b, "add", fc(b, 2), f));
  const z = exact(b, "mul", s, s);
  // 2s (1 + z/3 + z²/5 + z³/7 + z⁴/9)
  let p = fc(b, 1 / 9);
  for (const c of [1 / 7, 1 / 5, 1 / 3, 1]) p = exact(b, "add", exact(b, "mul", p, z), fc(b, c));
  const lnm = exact(b, "mul", exact(b, "add", s, s), p);
  return exact(b, "add", exact(b, "mul", e, fc(b, LN2_HI)), exact(b, "add", lnm, exact(b, "mul", e, fc(b, LN2_LO))));
}

/** cos(2π k / 2^24) for a 24-bit integer k (u32): quadrant from the top 2 bits, Taylor series on [0, π/4]. */
export function cosTurnIR(b: Builder, k: Inst): Inst {
  const q = b.call("shr", k, u(b, 22));
  const x = exact(b, "mul", b.convert(b.call("band", k, u(b, 0x3fffff)), F32), fc(b, 2 ** -22)); // [0, 1) of a quarter turn
  const low = b.call("le", x, fc(b, 0.5));
  const y = b.select(low, x, exact(b, "sub", fc(b, 1), x)); // [0, 0.5]
  const a = exact(b, "mul", y, fc(b, Math.PI / 2));
  const a2 = exact(b, "mul", a, a);
  // cos a = 1 - a²/2! + a⁴/4! - a⁶/6! + a⁸/8!;  sin a = a (1 - a²/3! + a⁴/5! - a⁶/7! + a⁸/9!)
  const horner = (cs: number[]) => cs.slice(1).reduce((acc, c) => exact(b, "add", exact(b, "mul", acc, a2), fc(b, c)), fc(b, cs[0]));
  const ca = horner([1 / 40320, -1 / 720, 1 / 24, -1 / 2, 1]);
  const sa = exact(b, "mul", a, horner([1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1]));
  const cphi = b.select(low, ca, sa), sphi = b.select(low, sa, ca); // cos, sin of x·π/2
  const neg = (v: Inst) => b.call("neg", v);
  const isQ = (n: number) => b.call("eq", q, u(b, n));
  return b.select(isQ(0), cphi, b.select(isQ(1), neg(sphi), b.select(isQ(2), neg(cphi), sphi)));
}
