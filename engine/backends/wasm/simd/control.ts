// Control flow of the SIMD entry, with lane masks where lanes may disagree.
//
// Every region is lowered with its current mask `cur` (a v128 local; null when all four lanes are
// statically active). Uniform control is plain wasm control. Varying control:
//   if (c)       T = cur & c, E = cur & ~c; each side runs under its mask, skipped when empty.
//   loop L       LM[L] = lanes still in the loop; each iteration drops lanes that left enclosing
//                constructs, exits when LM is empty, runs the body under LM and the step under
//                LM (continued lanes included), resetting CONT[L].
//   break L      LM[L] &= ~cur          continue L   CONT[L] |= cur
//   return       alive &= ~cur          (alive is the function-level mask, reset per group)
// After a statement from which lanes may have left, the region's mask is refreshed (cur &= alive,
// LM and ~CONT of the enclosing varying loops) and the rest of the region runs only if a lane
// remains, so a uniform side effect never runs with no active lane.

import binaryen from "binaryen";
import type { Inst, Var } from "../../../ir/ops.js";
import { lowerInst } from "../lower-expr.js";
import { allOnes, SimdCtx, V128, zeros } from "./ctx.js";
import { lowerFget, lowerFset, lowerVaryingAtomic, lowerVaryingLoad, lowerVaryingRaw, lowerVaryingStore } from "./memory.js";
import { lowerVaryingCall, lowerVaryingConvert, lowerVaryingSelect } from "./ops.js";

export const GROUP_LABEL = "group";

/** A varying loop or block enclosing the region; `cont`: its CONT mask applies (loop body). */
interface Enc { label: number; cont: boolean }

export function lowerRegionSimd(c: SimdCtx, insts: Inst[], cur: number | null, enc: Enc[]): number[] {
  const m = c.m, out: number[] = [];
  for (let k = 0; k < insts.length; k++) {
    const inst = insts[k];
    c.at = inst.loc ? `${inst.loc.file}:${inst.loc.line}:${inst.loc.col}` : undefined;
    const stmts = lowerStmt(c, inst, cur, enc);
    if (c.pending.length) { out.push(...c.pending); c.pending = []; }
    out.push(...stmts);
    if (inst.op === "break" || inst.op === "continue" || inst.op === "return" || inst.op === "trap") break;
    if (c.info.leaks.has(inst) && k < insts.length - 1) {
      if (cur === null) throw new Error("wasm SIMD: lanes left a region without a mask");
      out.push(m.local.set(cur, refresh(c, cur, enc)));
      const rest = lowerRegionSimd(c, insts.slice(k + 1), cur, enc);
      out.push(m.if(m.v128.any_true(c.vget(cur)), m.block(null, rest)));
      break;
    }
  }
  return out;
}

/** cur & alive & (LM & ~CONT of each enclosing varying loop). */
function refresh(c: SimdCtx, cur: number, enc: Enc[]): number {
  const m = c.m;
  let e = c.vget(cur);
  if (c.alive >= 0 && c.alive !== cur) e = m.v128.and(e, c.vget(c.alive));
  for (const { label, cont } of enc) {
    e = m.v128.and(e, c.vget(c.loopMask.get(label)!));
    if (cont && c.contMask.has(label)) e = m.v128.andnot(e, c.vget(c.contMask.get(label)!));
  }
  return e;
}

function lowerStmt(c: SimdCtx, inst: Inst, cur: number | null, enc: Enc[]): number[] {
  const m = c.m;
  const varying = c.isVarying(inst);
  switch (inst.op) {
    case "if": {
      if (!c.info.varyingIfs.has(inst)) {
        const then = lowerRegionSimd(c, inst.regions![0], cur, enc);
        const els = lowerRegionSimd(c, inst.regions![1], cur, enc);
        return [m.if(c.use(inst.args[0]), m.block(null, then), els.length ? m.block(null, els) : undefined)];
      }
      c.maskCost += 6;
      const T = c.addLocal(V128), E = c.addLocal(V128);
      const cond = () => c.vuse(inst.args[0]);
      const stmts = [
        m.local.set(T, cur === null ? cond() : m.v128.and(c.vget(cur), cond())),
        m.local.set(E, cur === null ? m.v128.not(cond()) : m.v128.andnot(c.vget(cur), cond())),
      ];
      const then = lowerRegionSimd(c, inst.regions![0], T, enc);
      const els = lowerRegionSimd(c, inst.regions![1], E, enc);
      if (then.length) stmts.push(m.if(m.v128.any_true(c.vget(T)), m.block(null, then)));
      if (els.length) stmts.push(m.if(m.v128.any_true(c.vget(E)), m.block(null, els)));
      return stmts;
    }
    case "loop": {
      const L = inst.attrs.label as number;
      if (!c.info.varyingLoops.has(L)) {
        const body = lowerRegionSimd(c, inst.regions![0], cur, enc);
        const step = lowerRegionSimd(c, inst.regions![1], cur, enc);
        return [m.block(`b${L}`, [m.loop(`l${L}`, m.block(null, [m.block(`c${L}`, body), ...step, m.br(`l${L}`)]))])];
      }
      c.maskCost += 16;
      const LM = c.addLocal(V128), CONT = c.addLocal(V128), B = c.addLocal(V128), S = c.addLocal(V128);
      c.loopMask.set(L, LM);
      c.contMask.set(L, CONT);
      const body = lowerRegionSimd(c, inst.regions![0], B, [...enc, { label: L, cont: true }]);
      const step = lowerRegionSimd(c, inst.regions![1], S, [...enc, { label: L, cont: false }]);
      return [
        m.local.set(LM, cur === null ? allOnes(m) : c.vget(cur)),
        m.block(`b${L}`, [m.loop(`l${L}`, m.block(null, [
          m.local.set(LM, refresh(c, LM, enc)),
          m.br(`b${L}`, m.i32.eqz(m.v128.any_true(c.vget(LM)))),
          m.local.set(CONT, zeros(m)),
          m.local.set(B, c.vget(LM)),
          m.block(`c${L}`, body),
          m.local.set(S, refresh(c, LM, enc)),
          ...(step.length ? [m.if(m.v128.any_true(c.vget(S)), m.block(null, step))] : []),
          m.br(`l${L}`),
        ]))]),
      ];
    }
    case "block": {
      const L = inst.attrs.label as number;
      if (!c.info.varyingLoops.has(L)) return [m.block(`b${L}`, lowerRegionSimd(c, inst.regions![0], cur, enc))];
      c.maskCost += 4;
      const LM = c.addLocal(V128), B = c.addLocal(V128);
      c.loopMask.set(L, LM);
      const body = lowerRegionSimd(c, inst.regions![0], B, [...enc, { label: L, cont: false }]);
      const init = cur === null ? allOnes(m) : c.vget(cur);
      return [m.local.set(LM, init), m.local.set(B, c.vget(LM)), m.block(`b${L}`, body)];
    }
    case "break": case "continue": case "return": {
      if (!c.info.varyingTerms.has(inst)) {
        if (inst.op === "return") return [m.br(GROUP_LABEL)];
        return [m.br(`${inst.op === "break" ? "b" : "c"}${inst.attrs.label}`)];
      }
      if (cur === null) throw new Error("wasm SIMD: varying terminator without a mask");
      c.maskCost += 2;
      if (inst.op === "return") return [m.local.set(c.alive, m.v128.andnot(c.vget(c.alive), c.vget(cur)))];
      const L = inst.attrs.label as number;
      if (inst.op === "break") {
        const LM = c.loopMask.get(L)!;
        return [m.local.set(LM, m.v128.andnot(c.vget(LM), c.vget(cur)))];
      }
      const CONT = c.contMask.get(L)!;
      return [m.local.set(CONT, m.v128.or(c.vget(CONT), c.vget(cur)))];
    }
    case "trap": {
      // The first active lane reports its operands, as the lowest thread id would.
      const out: number[] = [];
      for (let l = 0; l < 4; l++) {
        const fail = c.fail({ kind: "trap", code: inst.attrs.code, kinds: inst.args.map((a) => kindOfArg(a)) },
          inst.args.map((a) => ({ e: c.laneOf(a, l), s: kindOfArg(a) })));
        out.push(cur === null ? fail : m.if(c.laneOn(cur, l), fail));
        if (cur === null) break;
      }
      return out;
    }
    case "tid": {
      const last = c.tidLocals.length - 1;
      if (inst.attrs.dim !== last) return lowerInst(c, inst);
      c.vvals.set(inst, c.tidVec);
      c.lane0.set(inst, c.tidLocals[last]);
      return [];
    }
    case "get": {
      const v = inst.attrs.var as Var;
      if (!c.info.varyingVars.has(v)) return uniform(c, inst);
      return c.vdefine(inst, c.vget(c.vvarLocal(v)));
    }
    case "set": {
      const v = inst.attrs.var as Var;
      if (!c.info.varyingVars.has(v)) return uniform(c, inst);
      const l = c.vvarLocal(v);
      const val = c.vuse(inst.args[0]);
      c.vecOps++;
      if (cur !== null) c.maskCost += 1;
      return [m.local.set(l, cur === null ? val : m.v128.bitselect(val, c.vget(l), c.vget(cur)))];
    }
    case "call": case "convert": case "select": {
      if (!varying) return uniform(c, inst);
      const stmts = inst.op === "call" ? lowerVaryingCall(c, inst, cur) : inst.op === "convert" ? lowerVaryingConvert(c, inst) : lowerVaryingSelect(c, inst);
      if (c.info.affine.has(inst)) stmts.push(...lane0Of(c, inst));
      return stmts;
    }
    case "aload": return varying ? lowerVaryingLoad(c, inst, cur) : uniform(c, inst);
    case "araw": return varying ? lowerVaryingRaw(c, inst, cur) : uniform(c, inst);
    case "aatomic": return lowerVaryingAtomic(c, inst, cur);
    case "astore": return inst.args.some((a) => c.isVarying(a)) ? lowerVaryingStore(c, inst, cur) : uniform(c, inst);
    case "fget": return lowerFget(c, inst, cur);
    case "fset": return lowerFset(c, inst, cur);
    default: return uniform(c, inst);
  }
}

/** A uniform instruction: the scalar lowering, once per group. */
function uniform(c: SimdCtx, inst: Inst): number[] {
  if (inst.op !== "const" && inst.op !== "param") c.uniformOps++;
  return lowerInst(c, inst);
}

function kindOfArg(a: Inst) { return (a.type as { s: any }).s; }

/** Lane 0 of an affine value (tid + uniform) as a scalar, for contiguous addressing. */
function lane0Of(c: SimdCtx, inst: Inst): number[] {
  const m = c.m, I32 = binaryen.i32;
  const l0 = (x: Inst) => {
    const l = c.lane0.get(x);
    return l !== undefined ? m.local.get(l, I32) : c.use(x);
  };
  let e: number;
  if (inst.op === "convert") e = l0(inst.args[0]);
  else if (inst.attrs.fn === "add") e = m.i32.add(l0(inst.args[0]), l0(inst.args[1]));
  else e = m.i32.sub(l0(inst.args[0]), l0(inst.args[1]));
  const l = c.addLocal(I32);
  c.lane0.set(inst, l);
  return [m.local.set(l, e)];
}
