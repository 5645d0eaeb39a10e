// Expands every composite builtin (dot, normalize, quatRotate, vector arithmetic, ...) into the IR
// its registry entry writes, repeatedly, until only primitive builtins on scalars remain. After this
// pass, the meaning of every builtin is plain IR: backends lower a few dozen scalar primitives and
// autodiff needs adjoint rules for those alone.

import { Builder } from "../ir/builder.js";
import { Func, Inst } from "../ir/ops.js";
import { lookupBuiltin } from "../builtins/index.js";
import { substitute } from "./clone.js";

export function lowerBuiltins(fn: Func): void {
  const subst = new Map<Inst, Inst>();
  fn.body = lowerBlock(fn, fn.body, subst, 0);
  substitute(fn.body, subst);
}

function lowerBlock(fn: Func, body: Inst[], subst: Map<Inst, Inst>, depth: number): Inst[] {
  if (depth > 32) throw new Error("lower-builtins: expansion nested over 32 levels (a builtin expands into itself?)");
  const out: Inst[] = [];
  for (const i of body) {
    for (let k = 0; k < i.args.length; k++) {
      let a = i.args[k];
      while (subst.has(a)) a = subst.get(a)!;
      i.args[k] = a;
    }
    if (i.op === "call") {
      const def = lookupBuiltin(i.attrs.fn);
      if (!def) throw new Error(`lower-builtins: unknown builtin ${i.attrs.fn}`);
      if (def.expand) {
        const tmp: Inst[] = [];
        const b = new Builder(fn, tmp);
        b.loc = i.loc;
        const r = def.expand(b, i.args, i.type);
        if (r) {
          // The expansion may itself use composite builtins: lower it before splicing it in.
          out.push(...lowerBlock(fn, tmp, subst, depth + 1));
          subst.set(i, r);
          continue;
        }
      }
    }
    if (i.regions) i.regions = i.regions.map((r) => lowerBlock(fn, r, subst, depth));
    out.push(i);
  }
  return out;
}
