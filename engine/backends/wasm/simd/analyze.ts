// Uniformity analysis for the SIMD entry (4 consecutive threads in v128 lanes, ISPC style).
//
// A value is *varying* when lanes may disagree (it depends on tid, on a varying variable, on a
// per-lane fixed array or on an atomic's result); otherwise it is *uniform* and stays a scalar.
// Control flow is *varying* where lanes may take different paths:
//   - an `if` whose condition is varying;
//   - a terminator (break / continue / return) with a varying `if` or a varying loop between it and
//     its target, or whose target loop is varying;
//   - a loop or block that some varying terminator inside it leaves (or continues): it iterates
//     under a lane mask until no lane is left in it.
// A variable is varying if some `set` stores a varying value, or runs under varying control (lanes
// that took another path keep the old value). Everything is iterated to a fixed point.
//
// Lanes are 4 consecutive threads along the last launch dimension (the entry checks that groups do
// not straddle rows), so only that thread index varies. Varying values must be 32-bit (bool, i32,
// u32, f32); other kernels keep the scalar entry (`reason` says why).

import type { Func, Inst, Var } from "../../../ir/ops.js";

export interface SimdInfo {
  varying: Set<Inst>;
  varyingVars: Set<Var>;
  /** Varying i32/u32 values equal to tid + (uniform): lane l holds lane 0's value + l. */
  affine: Set<Inst>;
  varyingIfs: Set<Inst>;
  /** Labels of loops/blocks that run under a lane mask. */
  varyingLoops: Set<number>;
  varyingTerms: Set<Inst>;
  /** Compound statements (and terminators) that may remove lanes from an enclosing region. */
  leaks: Set<Inst>;
  anyVarying: boolean;
  reason: string | null;
}

type Frame = { kind: "if"; varying: boolean } | { kind: "loop" | "block"; label: number };

const NARROW = new Set(["bool", "i32", "u32", "f32"]);

export function analyzeSimd(fn: Func): SimdInfo {
  const info: SimdInfo = {
    varying: new Set(), varyingVars: new Set(), affine: new Set(), varyingIfs: new Set(), varyingLoops: new Set(),
    varyingTerms: new Set(), leaks: new Set(), anyVarying: false, reason: null,
  };
  const fail = (r: string) => { info.reason = r; return info; };
  // Lanes are consecutive along the last launch dimension; the other thread indices are uniform.
  const last = Math.max(1, fn.ndim) - 1;
  let bad: string | null = null;
  const fixedVars = new Set<Var>(fn.vars.filter((v) => v.type.k === "fixed"));
  for (let iter = 0; iter < 100; iter++) {
    const before = size(info);
    scan(fn.body, []);
    if (size(info) === before) break;
  }
  if (bad) return fail(bad);
  // Affine values, once uniformity is final (definitions precede uses, so one ordered pass does).
  walkAll(fn.body, (i) => {
    if (i.op === "tid" && i.attrs.dim === last) info.affine.add(i);
    else if (info.varying.has(i) && isAffine(i)) info.affine.add(i);
  });
  for (const v of info.varyingVars) {
    if (v.type.k === "array") return fail(`array variable '${v.name}' differs between threads`);
    if (v.type.k === "scalar" && !NARROW.has(v.type.s)) return fail(`64-bit variable '${v.name}' differs between threads`);
  }
  for (const i of info.varying) {
    if (i.type.k !== "scalar" || !NARROW.has(i.type.s)) return fail(`64-bit value %${i.id} (${i.op}) differs between threads`);
  }
  info.anyVarying = info.varyingIfs.size + info.varyingLoops.size + info.varyingTerms.size > 0;
  return info;

  /** One pass over a region with the stack of enclosing constructs. */
  function scan(body: Inst[], stack: Frame[]): void {
    for (const i of body) {
      switch (i.op) {
        case "print": bad = "print"; break;
        case "tid": if (i.attrs.dim === last) mark(i); break;
        case "fget": if (fixedVars.has(i.attrs.var)) mark(i); break;
        case "aatomic": mark(i); break;
        case "get": if (info.varyingVars.has(i.attrs.var)) mark(i); break;
        case "set": case "fset":
          if (i.op === "set" && (anyVarying(i.args) || divergent(stack))) info.varyingVars.add(i.attrs.var);
          break;
        case "call": case "convert": case "select": case "aload": case "araw":
          if (anyVarying(i.args)) mark(i);
          break;
        case "if": {
          const v = info.varying.has(i.args[0]);
          if (v) info.varyingIfs.add(i);
          scan(i.regions![0], [...stack, { kind: "if", varying: v }]);
          scan(i.regions![1], [...stack, { kind: "if", varying: v }]);
          break;
        }
        case "loop": case "block":
          for (const r of i.regions!) scan(r, [...stack, { kind: i.op, label: i.attrs.label }]);
          break;
        case "break": case "continue": case "return": {
          const target = i.op === "return" ? -1 : stack.findIndex((f) => f.kind !== "if" && f.label === i.attrs.label);
          if (i.op !== "return" && target < 0) { bad = `${i.op} to an unknown label`; break; }
          let v = i.op !== "return" && info.varyingLoops.has((stack[target] as { label: number }).label);
          for (let k = target + 1; k < stack.length; k++) v ||= frameVarying(stack[k]);
          if (v) {
            info.varyingTerms.add(i);
            // Every loop/block between here and the target (inclusive) loses lanes.
            for (let k = Math.max(0, target); k < stack.length; k++) {
              const f = stack[k];
              if (f.kind !== "if") info.varyingLoops.add(f.label);
            }
          }
          break;
        }
      }
    }
  }

  function walkAll(body: Inst[], f: (i: Inst) => void): void {
    for (const i of body) { f(i); if (i.regions) for (const r of i.regions) walkAll(r, f); }
  }
  function frameVarying(f: Frame): boolean { return f.kind === "if" ? f.varying : info.varyingLoops.has(f.label); }
  function divergent(stack: Frame[]): boolean { return stack.some(frameVarying); }
  function anyVarying(args: Inst[]): boolean { return args.some((a) => info.varying.has(a)); }
  function mark(i: Inst): void { info.varying.add(i); }
  function isAffine(i: Inst): boolean {
    if (i.type.k !== "scalar" || (i.type.s !== "i32" && i.type.s !== "u32")) return false;
    const [a, b] = i.args;
    if (i.op === "convert") return info.affine.has(a) && a.type.k === "scalar" && (a.type.s === "i32" || a.type.s === "u32");
    if (i.op !== "call") return false;
    if (i.attrs.fn === "add") return (info.affine.has(a) && !info.varying.has(b)) || (info.affine.has(b) && !info.varying.has(a));
    if (i.attrs.fn === "sub") return info.affine.has(a) && !info.varying.has(b);
    return false;
  }
  function size(s: SimdInfo): number {
    return s.varying.size + s.varyingVars.size + s.affine.size + s.varyingIfs.size + s.varyingLoops.size + s.varyingTerms.size;
  }
}

/**
 * Marks compound statements that contain a varying terminator leaving them (so the enclosing
 * region must drop the lanes that left). Returns the labels targeted from inside `body`.
 */
export function findLeaks(body: Inst[], info: SimdInfo): Set<number | "ret"> {
  const out = new Set<number | "ret">();
  for (const i of body) {
    let t = new Set<number | "ret">();
    if (i.op === "break" || i.op === "continue" || i.op === "return") {
      if (info.varyingTerms.has(i)) t.add(i.op === "return" ? "ret" : i.attrs.label);
    } else if (i.regions) {
      for (const r of i.regions) for (const x of findLeaks(r, info)) t.add(x);
      if (i.op === "loop" || i.op === "block") t.delete(i.attrs.label);
    }
    if (t.size) info.leaks.add(i);
    for (const x of t) out.add(x);
  }
  return out;
}
