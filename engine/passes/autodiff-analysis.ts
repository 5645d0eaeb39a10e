// What autodiff must know before it writes code: which values carry derivatives ("active": float
// values that depend on an array read), which of them reach a differentiated output ("needed"),
// and whether anything that cannot be differentiated lies on such a path, which is a compile-time
// error with the source position, never a silent zero.

import { Func, Inst, Var, walk } from "../ir/ops.js";
import { Type, isFloat } from "../ir/types.js";
import { lookupBuiltin } from "../builtins/index.js";

export const isFloatType = (t: Type) => t.k === "scalar" && isFloat(t.s);
const varFloat = (v: Var) => isFloatType(v.type) || (v.type.k === "fixed" && isFloatType(v.type.elem));

export class AutodiffError extends Error {
  /** The message without the position. */
  readonly detail: string;
  constructor(message: string, readonly loc?: { file: string; line: number; col: number }) {
    super(loc ? `${loc.file}:${loc.line}:${loc.col}: error: ${message}` : `error: ${message}`);
    this.name = "AutodiffError";
    this.detail = message;
  }
}

export interface Activity {
  values: Set<Inst>;
  vars: Set<Var>;
}

/** Forward activity: float values computed from array reads, through arithmetic and variables. */
export function activity(fn: Func): Activity {
  const values = new Set<Inst>();
  const vars = new Set<Var>();
  for (let changed = true; changed;) {
    changed = false;
    const mark = (i: Inst) => { if (!values.has(i)) { values.add(i); changed = true; } };
    walk(fn.body, (i) => {
      const anyActive = i.args.some((a) => values.has(a));
      switch (i.op) {
        case "aload": if (isFloatType(i.type) && !i.attrs.grad) mark(i); break;
        case "call": {
          const def = lookupBuiltin(i.attrs.fn);
          if (anyActive && isFloatType(i.type) && !def?.nondiff) mark(i);
          break;
        }
        case "convert": case "select": if (anyActive && isFloatType(i.type)) mark(i); break;
        case "get": case "fget": if (vars.has(i.attrs.var) && isFloatType(i.type)) mark(i); break;
        case "set": case "fset": {
          const v = i.attrs.var as Var;
          if (values.has(i.args[i.args.length - 1]) && varFloat(v) && !vars.has(v)) { vars.add(v); changed = true; }
          break;
        }
      }
    });
  }
  return { values, vars };
}

/** Backward: values whose derivative reaches a store or atomic accumulation of an active value. */
export function needed(fn: Func, act: Activity): Set<Inst> {
  const need = new Set<Inst>();
  const needVars = new Set<Var>();
  const setsOf = new Map<Var, Inst[]>();
  walk(fn.body, (i) => {
    if (i.op === "set" || i.op === "fset") {
      const l = setsOf.get(i.attrs.var) ?? [];
      l.push(i);
      setsOf.set(i.attrs.var, l);
    }
  });
  const stack: Inst[] = [];
  const push = (i: Inst) => { if (!need.has(i) && act.values.has(i)) { need.add(i); stack.push(i); } };
  walk(fn.body, (i) => {
    if ((i.op === "astore" || i.op === "aatomic") && !i.attrs.grad) {
      const v = i.op === "aatomic" && i.attrs.kind === "cas" ? i.args[i.args.length - 2] : i.args[i.args.length - 1];
      push(v);
    }
  });
  while (stack.length) {
    const i = stack.pop()!;
    for (const a of i.args) push(a);
    if ((i.op === "get" || i.op === "fget") && !needVars.has(i.attrs.var)) {
      needVars.add(i.attrs.var);
      for (const s of setsOf.get(i.attrs.var) ?? []) push(s.args[s.args.length - 1]);
    }
  }
  return need;
}

/** Throws an AutodiffError for the first non-differentiable construct on a needed path. */
export function checkDifferentiable(fn: Func, act: Activity, need: Set<Inst>): void {
  const usedResults = new Set<Inst>();
  walk(fn.body, (i) => { for (const a of i.args) usedResults.add(a); });
  walk(fn.body, (i) => {
    const activeArg = i.args.find((a) => act.values.has(a));
    if (i.op === "aatomic" && usedResults.has(i))
      throw new AutodiffError(`kernel '${fn.name}' uses the value returned by an atomic ${i.attrs.kind}; the adjoint cannot replay it`, i.loc);
    if (!activeArg) return;
    if (i.op === "aatomic" && i.attrs.kind !== "add" && i.attrs.kind !== "sub" && need.has(activeArg))
      throw new AutodiffError(`atomic ${i.attrs.kind} of a differentiable value is not differentiable (only atomicAdd and atomicSub are)`, i.loc);
    if (i.op === "convert" && !isFloatType(i.type) && i.type.k === "scalar" && i.type.s !== "bool" && reachesNeeded(i, need, fn))
      throw new AutodiffError(`converting a differentiable value to ${i.type.s} cuts its gradient (integer math is not differentiable)`, i.loc);
    if (i.op === "call") {
      const def = lookupBuiltin(i.attrs.fn);
      if (def?.nondiff && reachesNeeded(i, need, fn))
        throw new AutodiffError(`'${i.attrs.fn}' is not differentiable (${def.nondiff}) but a gradient flows through it here`, i.loc);
      if (isFloatType(i.type) === false && i.type.k === "scalar" && i.type.s !== "bool" && reachesNeeded(i, need, fn))
        throw new AutodiffError(`'${i.attrs.fn}' turns a differentiable value into ${i.type.s}, which cuts its gradient`, i.loc);
    }
  });
}

/** Whether the value of `i` flows (through arithmetic and variables) into a value stored to an array. */
function reachesNeeded(i: Inst, _need: Set<Inst>, fn: Func): boolean {
  const users = new Map<Inst, Inst[]>();
  const varReads = new Map<Var, Inst[]>();
  walk(fn.body, (x) => {
    for (const a of x.args) { const l = users.get(a) ?? []; l.push(x); users.set(a, l); }
    if (x.op === "get" || x.op === "fget") { const l = varReads.get(x.attrs.var) ?? []; l.push(x); varReads.set(x.attrs.var, l); }
  });
  const seen = new Set<Inst>();
  const stack = [i];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const u of users.get(x) ?? []) {
      // Comparisons only steer control flow; derivatives do not pass through them.
      if (u.op === "call" && u.type.k === "scalar" && u.type.s === "bool") continue;
      if (u.op === "set" || u.op === "fset") {
        if (u.args[u.args.length - 1] === x) stack.push(...(varReads.get(u.attrs.var) ?? []));
      } else if (u.op === "astore" || u.op === "aatomic") {
        const valueIdx = u.op === "aatomic" && u.attrs.kind === "cas" ? u.args.length - 2 : u.args.length - 1;
        if (u.args[valueIdx] === x && isFloatType(x.type)) return true;
      } else if (u.op !== "aload" && u.op !== "fget" && u.op !== "araw") stack.push(u);
    }
  }
  return false;
}
