// Compile-time evaluation of scalar constant expressions (module constants, StaticArray sizes),
// using the registry's exact `eval` semantics, so folding agrees with every backend.

import type { Inst } from "../ir/ops.js";
import { ScalarKind, isFloat, isInt } from "../ir/types.js";
import { lookupBuiltin } from "../builtins/index.js";
import { wrap } from "../builtins/common.js";

export type ConstValue = number | bigint | boolean;

class NotConst extends Error {}

/** The value of a scalar IR expression built from constants, or undefined when it is not constant. */
export function evalConst(inst: Inst): ConstValue | undefined {
  try { return ev(inst); } catch (e) {
    if (e instanceof NotConst || e instanceof RangeError) return undefined;
    throw e;
  }
}

function kindOf(i: Inst): ScalarKind {
  if (i.type.k !== "scalar") throw new NotConst();
  return i.type.s;
}

function ev(i: Inst): ConstValue {
  const s = kindOf(i);
  switch (i.op) {
    case "const": return i.attrs.value;
    case "convert": return convertValue(ev(i.args[0]), kindOf(i.args[0]), s);
    case "select": return ev(i.args[0]) ? ev(i.args[1]) : ev(i.args[2]);
    case "call": {
      const def = lookupBuiltin(i.attrs.fn);
      if (!def?.eval) throw new NotConst();
      const kinds = i.args.map(kindOf);
      return def.eval(i.args.map(ev), kinds, s);
    }
    default: throw new NotConst();
  }
}

export function convertValue(v: ConstValue, from: ScalarKind, to: ScalarKind): ConstValue {
  if (to === "bool") return typeof v === "bigint" ? v !== 0n : Boolean(v);
  if (from === "bool") v = v ? 1 : 0;
  if (isInt(to) && isFloat(from)) {
    const t = Math.trunc(v as number);
    return wrap(to, Number.isFinite(t) ? (to === "i64" || to === "u64" ? BigInt(t) : t) : 0);
  }
  return wrap(to, v);
}
