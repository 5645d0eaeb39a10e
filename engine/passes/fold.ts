// Constant folding: a primitive builtin or a conversion whose operands are all constants is
// replaced by its value, computed with the same `eval` the interpreter uses, so folding can never
// disagree with execution. Integer division by zero is left for run time (it must trap there).

import { Func, Inst } from "../ir/ops.js";
import { lookupBuiltin } from "../builtins/index.js";
import { wrap } from "../builtins/common.js";
import { convertScalar } from "../ir/interp.js";
import { substitute } from "./clone.js";

export function foldConstants(fn: Func): void {
  const subst = new Map<Inst, Inst>();
  const visit = (body: Inst[]) => {
    for (const i of body) {
      for (let k = 0; k < i.args.length; k++) i.args[k] = subst.get(i.args[k]) ?? i.args[k];
      if (i.regions) i.regions.forEach(visit);
      if (i.type.k !== "scalar" || !i.args.length || !i.args.every((a) => a.op === "const")) continue;
      if (i.op === "call") {
        const def = lookupBuiltin(i.attrs.fn);
        if (!def?.eval || i.attrs.exact) continue;
        try {
          const v = def.eval(i.args.map((a) => a.attrs.value), i.args.map((a) => (a.type as any).s), i.type.s);
          toConst(i, wrap(i.type.s, v));
        } catch { /* traps stay for run time */ }
      } else if (i.op === "convert" && i.args[0].type.k === "scalar") {
        toConst(i, convertScalar(i.args[0].attrs.value, i.args[0].type.s, i.type.s));
      } else if (i.op === "select") {
        subst.set(i, i.args[0].attrs.value ? i.args[1] : i.args[2]);
      }
    }
  };
  visit(fn.body);
  substitute(fn.body, subst);
}

function toConst(i: Inst, value: any): void {
  i.op = "const";
  i.args = [];
  i.attrs = { value };
}
