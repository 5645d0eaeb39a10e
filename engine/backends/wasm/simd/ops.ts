// Varying arithmetic. A builtin call is lowered by asking the builtin for its *scalar* wasm lowering
// on placeholder operands and translating that expression tree to v128 operations when every node
// has a 4-lane twin (f32 add -> f32x4.add, i32 lt_s -> i32x4.lt_s, select -> bitselect, ...). So
// SIMD code follows the registry's semantics by construction. Anything else (library calls,
// integer division, ...) runs lane by lane through the scalar lowering.

import binaryen from "binaryen";
import { lookupBuiltin } from "../../../builtins/index.js";
import type { WasmLowerCtx } from "../../../builtins/registry.js";
import type { Inst } from "../../../ir/ops.js";
import type { ScalarKind } from "../../../ir/types.js";
import { kindOf, wt } from "../fn-ctx.js";
import { convert, intDivRem, isIntDivRem } from "../lower-expr.js";
import { SimdCtx, V128 } from "./ctx.js";

const b = binaryen as any;
type V = (m: any, x: number, y: number) => number;
const BIN: [string, V][] = [
  ["AddFloat32", (m, x, y) => m.f32x4.add(x, y)], ["SubFloat32", (m, x, y) => m.f32x4.sub(x, y)],
  ["MulFloat32", (m, x, y) => m.f32x4.mul(x, y)], ["DivFloat32", (m, x, y) => m.f32x4.div(x, y)],
  ["MinFloat32", (m, x, y) => m.f32x4.min(x, y)], ["MaxFloat32", (m, x, y) => m.f32x4.max(x, y)],
  ["CopySignFloat32", (m, x, y) => m.v128.bitselect(y, x, m.i32x4.splat(m.i32.const(0x80000000 | 0)))],
  ["EqFloat32", (m, x, y) => m.f32x4.eq(x, y)], ["NeFloat32", (m, x, y) => m.f32x4.ne(x, y)],
  ["LtFloat32", (m, x, y) => m.f32x4.lt(x, y)], ["LeFloat32", (m, x, y) => m.f32x4.le(x, y)],
  ["GtFloat32", (m, x, y) => m.f32x4.gt(x, y)], ["GeFloat32", (m, x, y) => m.f32x4.ge(x, y)],
  ["AddInt32", (m, x, y) => m.i32x4.add(x, y)], ["SubInt32", (m, x, y) => m.i32x4.sub(x, y)],
  ["MulInt32", (m, x, y) => m.i32x4.mul(x, y)], ["AndInt32", (m, x, y) => m.v128.and(x, y)],
  ["OrInt32", (m, x, y) => m.v128.or(x, y)], ["XorInt32", (m, x, y) => m.v128.xor(x, y)],
  ["EqInt32", (m, x, y) => m.i32x4.eq(x, y)], ["NeInt32", (m, x, y) => m.i32x4.ne(x, y)],
  ["LtSInt32", (m, x, y) => m.i32x4.lt_s(x, y)], ["LtUInt32", (m, x, y) => m.i32x4.lt_u(x, y)],
  ["LeSInt32", (m, x, y) => m.i32x4.le_s(x, y)], ["LeUInt32", (m, x, y) => m.i32x4.le_u(x, y)],
  ["GtSInt32", (m, x, y) => m.i32x4.gt_s(x, y)], ["GtUInt32", (m, x, y) => m.i32x4.gt_u(x, y)],
  ["GeSInt32", (m, x, y) => m.i32x4.ge_s(x, y)], ["GeUInt32", (m, x, y) => m.i32x4.ge_u(x, y)],
];
const UN: [string, (m: any, x: number) => number][] = [
  ["NegFloat32", (m, x) => m.f32x4.neg(x)], ["AbsFloat32", (m, x) => m.f32x4.abs(x)], ["SqrtFloat32", (m, x) => m.f32x4.sqrt(x)],
  ["CeilFloat32", (m, x) => m.f32x4.ceil(x)], ["FloorFloat32", (m, x) => m.f32x4.floor(x)],
  ["TruncFloat32", (m, x) => m.f32x4.trunc(x)], ["NearestFloat32", (m, x) => m.f32x4.nearest(x)],
  ["EqZInt32", (m, x) => m.i32x4.eq(x, m.v128.const(new Array(16).fill(0)))],
];
const SHIFTS: [string, string][] = [["ShlInt32", "shl"], ["ShrSInt32", "shr_s"], ["ShrUInt32", "shr_u"]];
/** Binary ops whose results are already lane masks (binaryen numbers unary and binary ops separately). */
const MASKS = new Set(["Eq", "Ne", "Lt", "Le", "Gt", "Ge"].flatMap((p) => [`${p}Float32`, `${p}Int32`, `${p}SInt32`, `${p}UInt32`]));
const binOps = new Map<number, V>(BIN.map(([n, f]) => [b[n] as number, f]));
const unOps = new Map<number, (m: any, x: number) => number>(UN.map(([n, f]) => [b[n] as number, f]));
const shiftOps = new Map<number, string>(SHIFTS.map(([n, f]) => [b[n] as number, f]));
const maskOps = new Set<number>([...MASKS].map((n) => b[n]).filter((x) => typeof x === "number"));

const MASK_SAFE = new Set<number>(["AndInt32", "OrInt32", "XorInt32", "EqInt32", "NeInt32"].map((n) => b[n]));

/** Thrown (one shared instance, no stack capture) when an expression has no 4-lane form. */
class NotVectorizable {}
const NOT_VEC = new NotVectorizable();

/** Lowers a varying builtin call under mask local `cur` (null: all lanes active); returns statements. */
export function lowerVaryingCall(c: SimdCtx, inst: Inst, cur: number | null = null): number[] {
  const rk0 = kindOf(inst.type);
  if (isIntDivRem(inst.attrs.fn, rk0)) {
    // Lane by lane; an inactive lane divides by 1, so only active lanes can trap (division by zero).
    c.laneOps++;
    const [x, y] = inst.args, m = c.m;
    const lanes = [0, 1, 2, 3].map((l) => intDivRem(m, inst.attrs.fn, rk0, () => c.laneOf(x, l),
      cur === null ? () => c.laneOf(y, l) : () => m.select(c.laneOn(cur, l), c.laneOf(y, l), m.i32.const(1))));
    return c.vdefine(inst, c.fromLanes(rk0, lanes));
  }
  const bi = lookupBuiltin(inst.attrs.fn);
  if (!bi || !bi.wasm) throw new Error(`wasm backend: builtin '${inst.attrs.fn}' has no WebAssembly lowering`);
  const kinds = inst.args.map((a) => kindOf(a.type)), rk = kindOf(inst.type);
  const probeLocals = inst.args.map((a) => c.addLocal(wt(kindOf(a.type))));
  const t: Translation = { c, probe: probeLocals, args: inst.args, lets: new Map(), pre: [] };
  const probe: WasmLowerCtx = {
    m: c.m, bn: binaryen,
    // Library functions with a 4-lane version stay calls; translate() swaps in the vector one.
    callLib: (name, args, r) => {
      if (!c.lib.hasVector(name)) throw NOT_VEC;
      return c.m.call(`lib_${name}`, args, wt(r));
    },
    // A value the lowering binds once: translated (once) where it is first read.
    tee: (expr, ks) => {
      const l = c.addLocal(wt(ks));
      t.lets.set(l, { expr, v: null });
      return () => c.m.local.get(l, wt(ks));
    },
  };
  try {
    const e = bi.wasm(probe, probeLocals.map((l, i) => c.m.local.get(l, wt(kinds[i]))), kinds, rk);
    const v = translate(t, e);
    c.vecOps++;
    // Lane masks stand for the scalar lowering's 0/1 bools.
    const out = rk === "bool" ? (v.mask ? v.e : c.m.i32x4.ne(v.e, zero(c))) : v.mask ? c.m.i32x4.neg(v.e) : v.e;
    return [...t.pre, ...c.vdefine(inst, out)];
  } catch (err) {
    if (err !== NOT_VEC) throw err;
  }
  // Lane by lane through the scalar lowering.
  c.laneOps++;
  const lanes: number[] = [];
  for (let l = 0; l < 4; l++) lanes.push(bi.wasm(c, inst.args.map((a) => c.laneOf(a, l)), kinds, rk));
  return c.vdefine(inst, c.fromLanes(rk, lanes));
}

function zero(c: SimdCtx): number { return c.m.v128.const(new Array(16).fill(0)); }

interface Translation {
  c: SimdCtx;
  probe: number[];
  args: Inst[];
  /** Locals bound by the lowering's `tee`: their expression and, once translated, a v128 local. */
  lets: Map<number, { expr: number; v: { local: number; mask: boolean } | null }>;
  /** Statements setting those v128 locals, emitted before the result. */
  pre: number[];
}

/** Translates a scalar expression over the probe locals into a v128 expression. */
function translate(t: Translation, e: number): { e: number; mask: boolean } {
  const c = t.c, m = c.m as any;
  const info = binaryen.getExpressionInfo(e) as any;
  switch (info.id) {
    case binaryen.LocalGetId: {
      const k = t.probe.indexOf(info.index);
      if (k >= 0) return { e: c.vuse(t.args[k]), mask: t.args[k].type.k === "scalar" && t.args[k].type.s === "bool" };
      const bound = t.lets.get(info.index);
      if (!bound) throw NOT_VEC;
      if (!bound.v) {
        const r = translate(t, bound.expr);
        const l = c.addLocal(V128);
        t.pre.push(m.local.set(l, r.e));
        bound.v = { local: l, mask: r.mask };
      }
      return { e: c.vget(bound.v.local), mask: bound.v.mask };
    }
    case binaryen.BlockId: {
      // WasmLet blocks: drops of bound values, then the result.
      const kids: number[] = info.children;
      for (const k of kids.slice(0, -1)) {
        const d = binaryen.getExpressionInfo(k) as any;
        if (d.id !== binaryen.DropId || (binaryen.getExpressionInfo(d.value) as any).id !== binaryen.LocalGetId) throw NOT_VEC;
      }
      if (!kids.length) throw NOT_VEC;
      return translate(t, kids[kids.length - 1]);
    }
    case binaryen.CallId: {
      const name = String(info.target);
      if (!name.startsWith("lib_")) throw NOT_VEC;
      const ops = (info.operands as number[]).map((o) => translate(t, o));
      if (ops.some((o) => o.mask)) throw NOT_VEC;
      return { e: c.lib.vcall(name.slice(4), ops.map((o) => o.e)), mask: false };
    }
    case binaryen.ConstId:
      if (info.type === binaryen.i32) return { e: m.i32x4.splat(m.i32.const(info.value)), mask: false };
      if (info.type === binaryen.f32) return { e: m.f32x4.splat(m.f32.const(info.value)), mask: false };
      throw NOT_VEC;
    case binaryen.UnaryId: {
      const f = unOps.get(info.op);
      if (!f) throw NOT_VEC;
      const x = translate(t, info.value);
      if (x.mask && info.op !== b.EqZInt32) throw NOT_VEC;
      return { e: f(m, x.e), mask: info.op === b.EqZInt32 };
    }
    case binaryen.BinaryId: {
      const sh = shiftOps.get(info.op);
      if (sh) {
        // Shifts by a uniform amount only (i32x4 shifts take one scalar count).
        const amount = scalarOf(t, info.right);
        const x = translate(t, info.left);
        if (x.mask) throw NOT_VEC;
        return { e: m.i32x4[sh](x.e, amount), mask: false };
      }
      const f = binOps.get(info.op);
      if (!f) throw NOT_VEC;
      const x = translate(t, info.left), y = translate(t, info.right);
      // Masks (-1/0) may only meet masks, in operations where they behave like 0/1 bools.
      if (x.mask || y.mask) {
        if (!(x.mask && y.mask) || !MASK_SAFE.has(info.op)) throw NOT_VEC;
        const logical = info.op === b.AndInt32 || info.op === b.OrInt32 || info.op === b.XorInt32;
        return { e: f(m, x.e, y.e), mask: logical || maskOps.has(info.op) };
      }
      return { e: f(m, x.e, y.e), mask: maskOps.has(info.op) };
    }
    case binaryen.SelectId: {
      const cond = translate(t, info.condition);
      const condMask = cond.mask ? cond.e : m.i32x4.ne(cond.e, zero(c));
      const a = translate(t, info.ifTrue), bb = translate(t, info.ifFalse);
      if (a.mask !== bb.mask) throw NOT_VEC;
      return { e: m.v128.bitselect(a.e, bb.e, condMask), mask: a.mask && bb.mask };
    }
    default:
      throw NOT_VEC;
  }
}

/** A uniform scalar operand of the probe expression (a uniform argument or a constant). */
function scalarOf(t: Translation, e: number): number {
  const info = binaryen.getExpressionInfo(e) as any;
  if (info.id === binaryen.ConstId && info.type === binaryen.i32) return t.c.m.i32.const(info.value);
  if (info.id === binaryen.LocalGetId) {
    const k = t.probe.indexOf(info.index);
    if (k >= 0 && !t.c.isVarying(t.args[k])) return t.c.use(t.args[k]);
  }
  throw NOT_VEC;
}

/** Varying numeric conversion among bool / i32 / u32 / f32. */
export function lowerVaryingConvert(c: SimdCtx, inst: Inst): number[] {
  const m = c.m, a = inst.args[0];
  const from = kindOf(a.type), to = kindOf(inst.type);
  const x = c.vuse(a);
  const z = zero(c);
  let e: number | null = null;
  const key = `${from}>${to}`;
  switch (key) {
    case "i32>u32": case "u32>i32": e = x; break;
    case "bool>i32": case "bool>u32": e = m.i32x4.neg(x); break;
    case "bool>f32": e = m.f32x4.convert_i32x4_u(m.i32x4.neg(x)); break;
    case "i32>f32": e = m.f32x4.convert_i32x4_s(x); break;
    case "u32>f32": e = m.f32x4.convert_i32x4_u(x); break;
    case "f32>i32": e = m.i32x4.trunc_sat_f32x4_s(x); break;
    case "f32>u32": e = m.i32x4.trunc_sat_f32x4_u(x); break;
    case "i32>bool": case "u32>bool": e = m.i32x4.ne(x, z); break;
    case "f32>bool": e = m.f32x4.ne(x, m.f32x4.splat(m.f32.const(0))); break;
  }
  if (from === to) e = x;
  if (e !== null) { c.vecOps++; return c.vdefine(inst, e); }
  c.laneOps++;
  const lanes = [0, 1, 2, 3].map((l) => convert(m, c.laneOf(a, l), from, to as ScalarKind));
  return c.vdefine(inst, c.fromLanes(to, lanes));
}

export function lowerVaryingSelect(c: SimdCtx, inst: Inst): number[] {
  const [cond, a, bb] = inst.args;
  c.vecOps++;
  return c.vdefine(inst, c.m.v128.bitselect(c.vuse(a), c.vuse(bb), c.vuse(cond)));
}
