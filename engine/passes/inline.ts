// Inlines every @func call into the kernels. Kernels then are single functions, which is what both
// backends and autodiff want: the adjoint of a call needs no call-graph machinery. Recursion is
// rejected by the frontend, so this terminates; a depth guard catches a broken invariant anyway.
//
// A callee whose only `return` is its last instruction is pasted straight in; otherwise its body is
// wrapped in a `block` and each `return v` becomes `ret = v; break block`.
//
// A callee with a custom gradient (`@adjointOf`, `Func.customGrad`) is inlined between markers that
// autodiff recognises, so that it treats the call as one primitive whose adjoint is the user's
// adjoint function (see `inlineCustom` below for the exact shape).

import { Builder } from "../ir/builder.js";
import { Func, IRModule, Inst, walk } from "../ir/ops.js";
import { BOOL, Type, VOID, isFloat } from "../ir/types.js";
import { cloneBody, newMaps, substitute } from "./clone.js";

/**
 * A function's custom gradient: `adjoint` (an IR function name) takes the function's parameters
 * followed by the adjoint of its result and returns the adjoints of the parameters listed in `diff`
 * (its float-valued ones): the value itself when `mode` is "direct" (one such parameter), else a
 * struct with one field per parameter of `diff`, in order.
 */
export interface CustomGrad { adjoint: string; mode: "direct" | "struct"; diff: number[] }

declare module "../ir/ops.js" {
  interface Func { customGrad?: CustomGrad }
}

/** Marks on the instructions of an inlined call with a custom gradient (`attrs.customGrad`). */
export interface CustomGradMark {
  /** One id per inlined call. */
  id: number;
  role: "begin" | "in" | "out" | "adj" | "adjres" | "grad";
  /** For "in" and "grad": which parameter. */
  arg?: number;
  /** Scalar leaf of a composite variable (set by scalarize); absent means 0. */
  leaf?: number;
}

export function inlineCalls(fn: Func, mod: IRModule): void {
  const funcs = new Map(mod.funcs.map((f) => [f.name, f]));
  const subst = new Map<Inst, Inst>();
  fn.body = inlineBlock(fn.body, fn, funcs, subst, 0, false);
  substitute(fn.body, subst);
}

/** `plain`: inline custom-gradient callees like any other (inside their own bodies and adjoints). */
function inlineBlock(body: Inst[], fn: Func, funcs: Map<string, Func>, subst: Map<Inst, Inst>, depth: number, plain: boolean): Inst[] {
  const out: Inst[] = [];
  for (const i of body) {
    if (i.op === "callf") {
      const callee = funcs.get(i.attrs.fn);
      if (!callee) throw new Error(`inline: unknown function ${i.attrs.fn}`);
      if (depth > 64) throw new Error(`inline: call depth over 64 at ${callee.name} (recursion?)`);
      if (callee.customGrad && !plain) out.push(...inlineCustom(i, callee, fn, funcs, subst, depth));
      else out.push(...inlineOne(i, callee, fn, funcs, subst, depth, plain));
      continue;
    }
    if (i.regions) i.regions = i.regions.map((r) => inlineBlock(r, fn, funcs, subst, depth, plain));
    out.push(i);
  }
  return out;
}

/**
 * Inlines `r = f(a...)` where f has a custom gradient, as
 *
 *     set f_cg = true                  {begin}
 *     set f_in<k> = a<k>               {in, arg k}      for every parameter
 *     ...f's body (arguments a<k>)...
 *     set f_out = result               {out}
 *     if (false) {                     never runs in the forward kernel
 *       set f_cg = false               {adj}
 *       g = fAdj(get f_in<k>..., get f_adjres {adjres})
 *       set f_grad<k> = g or g.field   {grad, arg k}    for every differentiable parameter
 *     }
 *     r = get f_out
 *
 * The markers survive the passes (scalarize copies them onto each leaf, with `leaf`), so autodiff
 * replays the body forward but, instead of differentiating it, sets `f_adjres` to the adjoint of
 * `f_out`, runs the `if (false)` region's code and adds the `f_grad<k>` into the adjoints of the
 * `a<k>` (engine/passes/autodiff.ts). The adjoint is lowered by the same passes as the rest.
 */
function inlineCustom(call: Inst, callee: Func, fn: Func, funcs: Map<string, Func>, subst: Map<Inst, Inst>, depth: number): Inst[] {
  const cg = callee.customGrad!;
  const adjFn = funcs.get(cg.adjoint);
  if (!adjFn) throw new Error(`inline: unknown adjoint function ${cg.adjoint} of ${callee.name}`);
  const id = fn.nextId++;
  const out: Inst[] = [];
  const b = new Builder(fn, out);
  b.loc = call.loc;
  const mark = (i: Inst, m: Omit<CustomGradMark, "id">): Inst => { i.attrs.customGrad = newMark({ id, ...m }); return i; };
  const args = call.args.map((a) => subst.get(a) ?? a);
  const flag = b.newVar(`${callee.name}_cg`, BOOL);
  mark(b.set(flag, b.bool(true)), { role: "begin" });
  const inVars = callee.params.map((p, k) => b.newVar(`${callee.name}_in${k}`, p.type));
  args.forEach((a, k) => mark(b.set(inVars[k], a), { role: "in", arg: k }));
  out.push(...inlineOne(call, callee, fn, funcs, subst, depth, true));
  let value = call;
  while (subst.has(value)) value = subst.get(value)!;
  const outVar = b.newVar(`${callee.name}_out`, callee.ret);
  mark(b.set(outVar, value), { role: "out" });
  const adjRes = b.newVar(`${callee.name}_adjres`, callee.ret);
  const region: Inst[] = [];
  b.into(region, () => {
    mark(b.set(flag, b.bool(false)), { role: "adj" });
    const g = b.callf(adjFn.name, [...inVars.map((v) => b.get(v)), mark(b.get(adjRes), { role: "adjres" })], adjFn.ret);
    cg.diff.forEach((k, j) => {
      const t = callee.params[k].type;
      mark(b.set(b.newVar(`${callee.name}_grad${k}`, t), cg.mode === "struct" ? b.extract(g, j, t) : g), { role: "grad", arg: k });
    });
  });
  const adjBody = inlineBlock(region, fn, funcs, subst, depth + 1, true);
  b.inst("if", [b.bool(false)], VOID, {}, [adjBody, []]);
  subst.set(call, b.get(outVar));
  return out;
}

function inlineOne(call: Inst, callee: Func, fn: Func, funcs: Map<string, Func>, subst: Map<Inst, Inst>, depth: number, plain: boolean): Inst[] {
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
  const inlined = inlineBlock(body, fn, funcs, subst, depth + 1, plain);
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

// --- what autodiff needs to know about the markers -----------------------------------------------

export const customGradMark = (i: Inst): CustomGradMark | undefined => i.attrs.customGrad;

/** A mark that prints readably in IR dumps (`customGrad=in#12.0`). */
export function newMark(m: CustomGradMark): CustomGradMark {
  const text = `${m.role}#${m.id}${m.arg !== undefined ? `.arg${m.arg}` : ""}${m.leaf !== undefined ? `.${m.leaf}` : ""}`;
  return Object.defineProperty({ ...m }, "toString", { value: () => text, enumerable: false });
}

/** Inlined custom-gradient calls among the instructions of one region: start index -> index of its `if (false)`. */
export function customGradRanges(body: Inst[]): Map<number, number> {
  const out = new Map<number, number>();
  for (let k = 0; k < body.length; k++) {
    const m = customGradMark(body[k]);
    if (m?.role !== "begin") continue;
    for (let j = k + 1; j < body.length; j++) {
      const first = body[j].op === "if" ? body[j].regions![0].find((x) => customGradMark(x)) : undefined;
      const fm = first && customGradMark(first);
      if (fm?.role === "adj" && fm.id === m.id) { out.set(k, j); k = j; break; }
    }
  }
  return out;
}

/**
 * The function as autodiff's analysis should see it: each inlined custom-gradient call reduced to
 * "every float result leaf depends on every float input", so that neither what its body does (a
 * float -> int conversion, a kink) nor an unused gradient path matters. The body's instructions are
 * shared with `fn`; only region-carrying instructions along the way are shallow copies.
 */
export function customGradView(fn: Func): Func {
  let any = false;
  walk(fn.body, (i) => { if (customGradMark(i)) any = true; });
  if (!any) return fn;
  const floatT = (t: Type) => t.k === "scalar" && isFloat(t.s);
  const rewrite = (body: Inst[]): Inst[] => {
    const ranges = customGradRanges(body);
    const out: Inst[] = [];
    for (let k = 0; k < body.length; k++) {
      const end = ranges.get(k);
      if (end === undefined) {
        const i = body[k];
        out.push(i.regions ? { ...i, regions: i.regions.map(rewrite) } : i);
        continue;
      }
      const range = body.slice(k, end + 1);
      const ins = range.filter((i) => customGradMark(i)?.role === "in" && floatT(i.args[0].type)).map((i) => i.args[0]);
      for (const s of range) {
        if (customGradMark(s)?.role !== "out" || !floatT(s.args[0].type) || !ins.length) continue;
        const dep: Inst = { op: "convert", args: ins, type: s.args[0].type, attrs: {}, id: -1 };
        out.push(dep, { op: "set", args: [dep], type: VOID, attrs: { var: s.attrs.var }, id: -1 });
      }
      k = end;
    }
    return out;
  };
  return { ...fn, body: rewrite(fn.body) };
}
