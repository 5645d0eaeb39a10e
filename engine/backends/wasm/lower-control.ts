// Structured control flow and the scalar kernel entry.
//
//   loop L  ->  block $bL { loop $lL { block $cL { body } step; br $lL } }   (break: br $bL,
//                                                                             continue: br $cL)
//   block L ->  block $bL { body }
//   if      ->  if (cond) { then } else { else }
//   return  ->  br $thread: the per-thread body is inlined in the entry's loop over thread ids,
//               wrapped in `block $thread`, so returning means "go on with the next thread".

import binaryen from "binaryen";
import type { Inst } from "../../ir/ops.js";
import { FnCtx, P_END, P_START, P_STACK } from "./fn-ctx.js";
import { lowerInst } from "./lower-expr.js";

export const THREAD_LABEL = "thread";

/** Lowers a region to a list of statements. */
export function lowerRegion(c: FnCtx, insts: Inst[]): number[] {
  const m = c.m, out: number[] = [];
  for (const inst of insts) {
    let stmts: number[];
    c.at = inst.loc ? `${inst.loc.file}:${inst.loc.line}:${inst.loc.col}` : undefined;
    switch (inst.op) {
      case "if": {
        const cond = c.use(inst.args[0]);
        const then = lowerRegion(c, inst.regions![0]);
        const els = lowerRegion(c, inst.regions![1]);
        stmts = [m.if(cond, m.block(null, then), els.length ? m.block(null, els) : undefined)];
        break;
      }
      case "loop": {
        const L = inst.attrs.label;
        const body = lowerRegion(c, inst.regions![0]);
        const step = lowerRegion(c, inst.regions![1]);
        stmts = [m.block(`b${L}`, [m.loop(`l${L}`, m.block(null, [m.block(`c${L}`, body), ...step, m.br(`l${L}`)]))])];
        break;
      }
      case "block": stmts = [m.block(`b${inst.attrs.label}`, lowerRegion(c, inst.regions![0]))]; break;
      case "break": stmts = [m.br(`b${inst.attrs.label}`)]; break;
      case "continue": stmts = [m.br(`c${inst.attrs.label}`)]; break;
      case "return":
        if (inst.args.length) throw new Error(`wasm backend: kernel '${c.fn.name}' returns a value`);
        stmts = [m.br(THREAD_LABEL)];
        break;
      default: stmts = lowerInst(c, inst);
    }
    if (c.pending.length) { out.push(...c.pending); c.pending = []; }
    out.push(...stmts);
    if (inst.op === "break" || inst.op === "continue" || inst.op === "return" || inst.op === "trap") break;
  }
  return out;
}

/** Zero-fills the thread's fixed-array frame (fixed arrays start at zero, as in the interpreter). */
export function zeroFrame(c: FnCtx, stack: number, bytes: number): number[] {
  if (bytes === 0) return [];
  const m = c.m;
  return [m.memory.fill(stack, m.i32.const(0), m.i32.const(bytes))];
}

/** Resets scalar variables to zero at the start of every thread (the interpreter's semantics). */
export function zeroVars(c: FnCtx): number[] {
  const m = c.m, out: number[] = [];
  for (const [v, l] of c.vars) {
    if (typeof l !== "number" || v.type.k !== "scalar") continue;
    out.push(m.local.set(l, c.constExpr(0, v.type.s)));
  }
  return out;
}

/**
 * The scalar entry `(start, end, args, stack)`: decomposes the flat id `start` into the kernel's
 * dimensions once (row-major, last fastest), then walks [start, end) carrying the indices.
 */
export function scalarEntryBody(c: FnCtx, body: number[]): number {
  const m = c.m, i32 = binaryen.i32, nd = c.tidLocals.length;
  const g = (l: number) => m.local.get(l, i32);
  const t = c.tidLocals;
  const stmts: number[] = [];
  const threadBlock = m.block(null, [...zeroFrame(c, g(P_STACK), c.frameBytes), ...zeroVars(c), m.block(THREAD_LABEL, body)]);
  if (nd === 1) {
    stmts.push(m.local.set(t[0], g(P_START)));
    stmts.push(m.loop("next", m.block(null, [
      threadBlock,
      m.local.set(t[0], m.i32.add(g(t[0]), m.i32.const(1))),
      m.br("next", m.i32.lt_s(g(t[0]), g(P_END))),
    ])));
  } else {
    const dims = Array.from({ length: nd }, (_, d) => c.dim(d));
    const flat = c.addLocal(i32), q = c.addLocal(i32);
    stmts.push(m.local.set(flat, g(P_START)), m.local.set(q, g(P_START)));
    for (let d = nd - 1; d > 0; d--) {
      stmts.push(m.local.set(t[d], m.i32.rem_u(g(q), g(dims[d]))));
      stmts.push(m.local.set(q, m.i32.div_u(g(q), g(dims[d]))));
    }
    stmts.push(m.local.set(t[0], g(q)));
    // Increment with carry: t[nd-1]++; on reaching its extent it wraps and the next one up counts.
    let carry: number = m.nop();
    for (let k = 1; k < nd; k++) {
      carry = m.if(m.i32.ge_u(g(t[k]), g(dims[k])), m.block(null, [
        m.local.set(t[k], m.i32.const(0)),
        m.local.set(t[k - 1], m.i32.add(g(t[k - 1]), m.i32.const(1))),
        carry,
      ]));
    }
    stmts.push(m.loop("next", m.block(null, [
      threadBlock,
      m.local.set(t[nd - 1], m.i32.add(g(t[nd - 1]), m.i32.const(1))),
      carry,
      m.local.set(flat, m.i32.add(g(flat), m.i32.const(1))),
      m.br("next", m.i32.lt_s(g(flat), g(P_END))),
    ])));
  }
  return m.block(null, [
    ...c.prologue,
    m.if(m.i32.ge_s(g(P_START), g(P_END)), m.return()),
    ...stmts,
  ]);
}
