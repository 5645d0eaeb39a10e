// Inlines every @func call into the kernels. Kernels then are single functions, which is what both
// backends and autodiff want: the adjoint of a call needs no call-graph machinery. Recursion is
// rejected by the frontend, so this terminates; a depth guard catches a broken invariant anyway.
//
// A callee whose only `return` is its last instruction is pasted straight in; otherwise its body is
// wrapped in a `block` and each `return v` becomes `ret = v; break block`.

import { Func, IRModule, Inst } from "../ir/ops.js";
import { VOID } from "../ir/types.js";
import { cloneBody, newMaps, substitute } from "./clone.js";

export function inlineCalls(fn: Func, mod: IRModule): void {
  const funcs = new Map(mod.funcs.map((f) => [f.name, f]));
  const subst = new Map<Inst, Inst>();
  fn.body = inlineBlock(fn.body, fn, funcs, subst, 0);
  substitute(fn.body, subst);
}

function inlineBlock(body: Inst[], fn: Func, funcs: Map<string, Func>, subst: Map<Inst, Inst>, depth: number): Inst[] {
  const out: Inst[] = [];
  for (const i of body) {
    if (i.op === "callf") {
      const callee = funcs.get(i.attrs.fn);
      if (!callee) throw new Error(`inline: unknown function ${i.attrs.fn}`);
      if (depth > 64) throw new Error(`inline: call depth over 64 at ${callee.name} (recursion?)`);
      out.push(...inlineOne(i, callee, fn, funcs, subst, depth));
      continue;
    }
    if (i.regions) i.regions = i.regions.map((r) => inlineBlock(r, fn, funcs, subst, depth));
    out.push(i);
  }
  return out;
}

function inlineOne(call: Inst, callee: Func, fn: Func, funcs: Map<string, Func>, subst: Map<Inst, Inst>, depth: number): Inst[] {
  const maps = newMaps();
  const args = call.args.map((a) => subst.get(a) ?? a);
  const nret = countReturns(callee.body);
  const simple = nret === 0 || (nret === 1 && callee.body[callee.body.length - 1]?.op === "return");
  const hasValue = callee.ret.k !== "void";
  const retVar = hasValue ? { id: fn.nextId++, name: `${callee.name}_ret`, type: callee.ret } : null;
  if (retVar) fn.vars.push(retVar);
  const label = fn.nextId++;
  let finalValue: Inst | null = null;

  const mk = (op: Inst["op"], a: Inst[], attrs: Record<string, any>): Inst => {
    const r: Inst = { op, args: a, type: VOID, attrs, id: fn.nextId++ };
    if (call.loc) r.loc = call.loc;
    return r;
  };

  const body = cloneBody(callee.body, fn, maps, (i, copyArgs) => {
    if (i.op === "param") { maps.values.set(i, args[i.attrs.index]); return []; }
    if (i.op === "return") {
      if (simple) {
        if (hasValue) finalValue = copyArgs[0];
        return [];
      }
      const seq: Inst[] = [];
      if (retVar) seq.push(mk("set", [copyArgs[0]], { var: retVar }));
      seq.push(mk("break", [], { label }));
      return seq;
    }
    return null;
  });
  const inlined = inlineBlock(body, fn, funcs, subst, depth + 1);
  if (simple) {
    if (hasValue) {
      if (!finalValue) throw new Error(`inline: ${callee.name} ends without returning a value`);
      subst.set(call, finalValue);
    }
    return inlined;
  }
  const block: Inst = { op: "block", args: [], type: VOID, attrs: { label }, regions: [inlined], id: fn.nextId++ };
  if (call.loc) block.loc = call.loc;
  const out = [block];
  if (retVar) {
    const get: Inst = { op: "get", args: [], type: callee.ret, attrs: { var: retVar }, id: fn.nextId++ };
    if (call.loc) get.loc = call.loc;
    out.push(get);
    subst.set(call, get);
  }
  return out;
}

function countReturns(body: Inst[]): number {
  let n = 0;
  for (const i of body) {
    if (i.op === "return") n++;
    if (i.regions) for (const r of i.regions) n += countReturns(r);
  }
  return n;
}
