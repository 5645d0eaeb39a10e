// Deep copy of instruction lists with operand, variable and label remapping: the inliner copies a
// callee's body into each call site, and autodiff copies the forward code into the adjoint kernel.

import { Func, Inst, Var } from "../ir/ops.js";

export interface CloneMaps {
  values: Map<Inst, Inst>;
  vars: Map<Var, Var>;
  labels: Map<number, number>;
}

export function newMaps(): CloneMaps {
  return { values: new Map(), vars: new Map(), labels: new Map() };
}

/**
 * Copies `body` into function `into`, giving copies fresh ids. `hook` may replace an instruction
 * (return a list to emit instead, or null to copy it normally); it sees operands already remapped.
 */
export function cloneBody(body: Inst[], into: Func, maps: CloneMaps, hook?: (i: Inst, copyArgs: Inst[]) => Inst[] | null): Inst[] {
  const out: Inst[] = [];
  for (const i of body) {
    const args = i.args.map((a) => maps.values.get(a) ?? a);
    const replaced = hook?.(i, args);
    if (replaced) { out.push(...replaced); continue; }
    const attrs = { ...i.attrs };
    if (attrs.var) attrs.var = mapVar(attrs.var, into, maps);
    if (i.op === "loop" || i.op === "block") {
      const l = into.nextId++;
      maps.labels.set(i.attrs.label, l);
      attrs.label = l;
    } else if ((i.op === "break" || i.op === "continue") && maps.labels.has(i.attrs.label)) {
      attrs.label = maps.labels.get(i.attrs.label);
    }
    const c: Inst = { op: i.op, args, type: i.type, attrs, id: into.nextId++ };
    if (i.loc) c.loc = i.loc;
    if (i.name) c.name = i.name;
    maps.values.set(i, c);
    if (i.regions) c.regions = i.regions.map((r) => cloneBody(r, into, maps, hook));
    out.push(c);
  }
  return out;
}

function mapVar(v: Var, into: Func, maps: CloneMaps): Var {
  let m = maps.vars.get(v);
  if (!m) {
    if (into.vars.includes(v)) return v;
    m = { id: into.nextId++, name: v.name, type: v.type };
    into.vars.push(m);
    maps.vars.set(v, m);
  }
  return m;
}

/** Rewrites operands throughout `body` through `subst` (used after replacing values in place). */
export function substitute(body: Inst[], subst: Map<Inst, Inst>): void {
  if (subst.size === 0) return;
  const resolve = (a: Inst): Inst => {
    let r = a;
    while (subst.has(r)) r = subst.get(r)!;
    return r;
  };
  for (const i of body) {
    for (let k = 0; k < i.args.length; k++) i.args[k] = resolve(i.args[k]);
    if (i.regions) for (const r of i.regions) substitute(r, subst);
  }
}
