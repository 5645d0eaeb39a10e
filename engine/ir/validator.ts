// Checks the IR's structural rules after every pass, so a broken pass is caught where it broke and
// not as a mysterious backend failure: operand counts and attributes match the op table, every
// operand is defined before use in an enclosing scope, break/continue name an enclosing loop/block,
// and, for lowered IR, nothing but scalars and arrays remains.

import { Func, Inst, OPS } from "./ops.js";
import { typeName } from "./types.js";
import { lookupBuiltin } from "../builtins/index.js";

export class IRValidationError extends Error {}

export function validateFunc(f: Func, opts: { lowered?: boolean; stage?: string } = {}): void {
  const errs: string[] = [];
  const where = (i: Inst) => `${f.name}: %${i.id} ${i.op}${i.loc ? ` (${i.loc.file}:${i.loc.line}:${i.loc.col})` : ""}`;
  const vars = new Set(f.vars);
  const scopes: Set<Inst>[] = [];
  const defined = (a: Inst) => scopes.some((s) => s.has(a));
  const labels: { label: number; loop: boolean }[] = [];

  const visit = (body: Inst[]) => {
    scopes.push(new Set());
    for (const i of body) {
      const info = OPS[i.op];
      if (!info) { errs.push(`${f.name}: unknown op '${i.op}'`); continue; }
      if (info.arity >= 0 && i.args.length !== info.arity) errs.push(`${where(i)}: expects ${info.arity} operands, has ${i.args.length}`);
      for (const a of info.attrs) if (!(a in i.attrs)) errs.push(`${where(i)}: missing attribute '${a}'`);
      if ((i.regions?.length ?? 0) !== info.regions) errs.push(`${where(i)}: expects ${info.regions} regions`);
      for (const a of i.args) if (!defined(a)) errs.push(`${where(i)}: operand %${a.id} (${a.op}) is not defined before use in scope`);
      if ((i.op === "get" || i.op === "set" || i.op === "fget" || i.op === "fset") && !vars.has(i.attrs.var)) errs.push(`${where(i)}: variable not declared in function`);
      if (i.op === "param" && !f.params[i.attrs.index]) errs.push(`${where(i)}: no parameter ${i.attrs.index}`);
      if (i.op === "break" || i.op === "continue") {
        const l = labels.find((x) => x.label === i.attrs.label);
        if (!l) errs.push(`${where(i)}: label ${i.attrs.label} is not an enclosing loop/block`);
        else if (i.op === "continue" && !l.loop) errs.push(`${where(i)}: continue targets a block`);
      }
      if (i.op === "call") {
        const b = lookupBuiltin(i.attrs.fn);
        if (!b) errs.push(`${where(i)}: unknown builtin '${i.attrs.fn}'`);
        else if (opts.lowered && !b.eval && !b.cuda) errs.push(`${where(i)}: composite builtin '${i.attrs.fn}' left in lowered IR`);
      }
      if (opts.lowered) {
        if (["construct", "extract", "extractd", "insert", "callf"].includes(i.op)) errs.push(`${where(i)}: '${i.op}' left in lowered IR`);
        if (!["void", "scalar", "array"].includes(i.type.k)) errs.push(`${where(i)}: value of type ${typeName(i.type)} left in lowered IR`);
      }
      if (i.regions) {
        const label = i.attrs.label;
        if (label !== undefined) labels.push({ label, loop: i.op === "loop" });
        for (const r of i.regions) visit(r);
        if (label !== undefined) labels.pop();
      }
      scopes[scopes.length - 1].add(i);
    }
    scopes.pop();
  };
  visit(f.body);
  if (errs.length) throw new IRValidationError(`invalid IR${opts.stage ? ` after ${opts.stage}` : ""}:\n  ${errs.slice(0, 20).join("\n  ")}`);
}
