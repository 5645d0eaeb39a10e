// Evaluates builtins on constant values, expanding composites through their IR and running
// primitives through `eval`. It understands the straight-line subset of the IR that builtin
// expansions and adjoint rules are written in (const, param, call, construct, extract, insert,
// select, convert), which makes it the oracle for the builtin tests and usable for constant folding
// of builtin calls. Aggregates (vec/mat/quat/transform) are arrays of their scalar components.

import { Builder, newFunc } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, componentScalar, isFloat, isInt, typeName } from "../ir/types.js";
import { lookupBuiltin, resultTypeOf } from "./index.js";
import { wrap } from "./common.js";

export type Value = number | bigint | boolean | Value[];

/** Applies builtin `name` to values of the given types; returns the result value and its type. */
export function evalBuiltin(name: string, values: Value[], types: Type[]): { value: Value; type: Type } {
  const fn = newFunc(`eval_${name}`, "func", types.map((t, i) => ({ name: `a${i}`, type: t })));
  const b = new Builder(fn);
  const ps = types.map((_, i) => b.param(i));
  const r = b.call(name, ...ps);
  const env = runStraight(fn.body, values);
  return { value: env.get(r)!, type: r.type };
}

/** Runs a builder callback on parameters of `types` with `values`; returns the values it produced. */
export function evalIR(types: Type[], values: Value[], body: (b: Builder, params: Inst[]) => Inst[]): Value[] {
  const fn = newFunc("eval", "func", types.map((t, i) => ({ name: `a${i}`, type: t })));
  const b = new Builder(fn);
  const ps = types.map((_, i) => b.param(i));
  const outs = body(b, ps);
  const env = runStraight(fn.body, values);
  return outs.map((o) => env.get(o)!);
}

/** Builds IR once; the returned function evaluates it on parameter values. */
export function compileIR(types: Type[], body: (b: Builder, params: Inst[]) => Inst[]): (values: Value[]) => Value[] {
  const fn = newFunc("eval", "func", types.map((t, i) => ({ name: `a${i}`, type: t })));
  const b = new Builder(fn);
  const outs = body(b, types.map((_, i) => b.param(i)));
  return (values) => { const env = runStraight(fn.body, values); return outs.map((o) => env.get(o)!); };
}

/** Expansions by builtin and operand types (null: a primitive overload). */
const expansions = new Map<string, { body: Inst[]; result: Inst } | null>();

function expansionOf(name: string, argTypes: Type[], result: Type): { body: Inst[]; result: Inst } | null {
  const key = `${name}(${argTypes.map(typeName).join(",")})`;
  let x = expansions.get(key);
  if (x === undefined) {
    const bi = lookupBuiltin(name)!;
    x = null;
    if (bi.expand) {
      const fn = newFunc(`x_${name}`, "func", argTypes.map((t, i) => ({ name: `a${i}`, type: t })));
      const b = new Builder(fn);
      const r = bi.expand(b, argTypes.map((_, i) => b.param(i)), result);
      if (r) x = { body: fn.body, result: r };
    }
    expansions.set(key, x);
  }
  return x;
}

/** Primitive or composite application of a builtin call instruction's function to values. */
export function applyBuiltin(name: string, args: Value[], argTypes: Type[], result: Type): Value {
  const bi = lookupBuiltin(name);
  if (!bi) throw new Error(`unknown builtin ${name}`);
  const x = expansionOf(name, argTypes, result);
  if (x) return runStraight(x.body, args).get(x.result)!;
  if (!bi.eval) throw new Error(`builtin ${name} has no evaluation for (${argTypes.map(typeName).join(", ")})`);
  const kinds = argTypes.map((t) => {
    if (t.k !== "scalar") throw new Error(`primitive ${name} applied to ${typeName(t)}`);
    return t.s;
  });
  return bi.eval(args, kinds, (result as { s: ScalarKind }).s);
}

/** Per call instruction: its expansion, or the primitive's eval with the operand kinds. */
const callPlans = new WeakMap<Inst, { x: { body: Inst[]; result: Inst } | null; kinds: ScalarKind[] }>();

function callInst(inst: Inst, args: Value[]): Value {
  let plan = callPlans.get(inst);
  if (!plan) {
    const types = inst.args.map((a) => a.type);
    const x = expansionOf(inst.attrs.fn, types, inst.type);
    plan = { x, kinds: x ? [] : types.map((t) => (t as { s: ScalarKind }).s) };
    callPlans.set(inst, plan);
  }
  if (plan.x) return runStraight(plan.x.body, args).get(plan.x.result)!;
  return lookupBuiltin(inst.attrs.fn)!.eval!(args, plan.kinds, (inst.type as { s: ScalarKind }).s);
}

function runStraight(body: Inst[], params: Value[]): Map<Inst, Value> {
  const env = new Map<Inst, Value>();
  const val = (i: Inst) => {
    if (!env.has(i)) throw new Error(`value %${i.id} used before definition`);
    return env.get(i)!;
  };
  for (const inst of body) {
    let v: Value;
    switch (inst.op) {
      case "const": v = inst.attrs.value; break;
      case "param": v = params[inst.attrs.index]; break;
      case "call": v = callInst(inst, inst.args.map(val)); break;
      case "construct": v = inst.args.flatMap((a) => { const x = val(a); return Array.isArray(x) ? x : [x]; }); break;
      case "extract": v = (val(inst.args[0]) as Value[])[inst.attrs.index]; break;
      case "insert": { const a = [...(val(inst.args[0]) as Value[])]; a[inst.attrs.index] = val(inst.args[1]); v = a; break; }
      case "select": v = val(inst.args[0]) ? val(inst.args[1]) : val(inst.args[2]); break;
      case "convert": v = convertValue(val(inst.args[0]), inst.args[0].type, inst.type); break;
      default: throw new Error(`evaluate: op '${inst.op}' is outside the straight-line subset`);
    }
    env.set(inst, v);
  }
  return env;
}

/** Numeric conversion: ints to floats round to nearest, floats to ints truncate (saturating), ints wrap. */
export function convertValue(v: Value, from: Type, to: Type): Value {
  if (Array.isArray(v)) return v.map((c) => convertValue(c, { k: "scalar", s: componentScalar(from)! }, { k: "scalar", s: componentScalar(to)! }));
  const fs = componentScalar(from)!, ts = componentScalar(to)!;
  if (ts === "bool") return typeof v === "bigint" ? v !== 0n : Boolean(v);
  if (isFloat(ts)) return wrap(ts, typeof v === "bigint" ? Number(v) : Number(v));
  if (isInt(ts) && isFloat(fs)) {
    const x = v as number;
    if (Number.isNaN(x)) return wrap(ts, 0);
    const lim: Record<string, [number, number]> = { i32: [-2147483648, 2147483647], u32: [0, 4294967295], i64: [-(2 ** 63), 2 ** 63 - 1], u64: [0, 2 ** 64 - 1] };
    const [lo, hi] = lim[ts];
    const t = Math.trunc(Math.min(Math.max(x, lo), hi));
    return ts === "i64" || ts === "u64" ? (t >= hi ? (ts === "i64" ? 2n ** 63n - 1n : 2n ** 64n - 1n) : BigInt(t)) : wrap(ts, t);
  }
  if (typeof v === "boolean") return wrap(ts, v ? 1 : 0);
  if (typeof v === "bigint" && (ts === "i32" || ts === "u32")) return wrap(ts, Number(BigInt.asUintN(32, v)));
  return wrap(ts, v);
}

export { resultTypeOf };
