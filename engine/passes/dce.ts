// Dead-code elimination: removes instructions without effects whose values nobody uses, and
// variables nobody reads or writes. Repeats until nothing changes, since removing one use can free
// its operands.

import { Func, Inst, OPS, walk } from "../ir/ops.js";

export function eliminateDeadCode(fn: Func): void {
  for (;;) {
    const uses = new Map<Inst, number>();
    walk(fn.body, (i) => { for (const a of i.args) uses.set(a, (uses.get(a) ?? 0) + 1); });
    let removed = 0;
    const sweep = (body: Inst[]): Inst[] => body.filter((i) => {
      if (i.regions) i.regions = i.regions.map(sweep);
      const dead = !OPS[i.op].effect && i.op !== "aatomic" && !uses.get(i);
      if (dead) removed++;
      return !dead;
    });
    fn.body = sweep(fn.body);
    if (!removed) break;
  }
  const used = new Set<unknown>();
  walk(fn.body, (i) => { if (i.attrs.var) used.add(i.attrs.var); });
  fn.vars = fn.vars.filter((v) => used.has(v));
}
