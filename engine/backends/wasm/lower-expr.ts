// Lowers the straight-line operations of lowered IR (values, variables, builtin calls, array and
// fixed-array access, atomics, print) to wasm statements. Every value gets a local; binaryen's
// optimizer folds single-use locals back into expressions.

import binaryen from "binaryen";
import { lookupBuiltin } from "../../builtins/index.js";
import type { Inst, Var } from "../../ir/ops.js";
import { ScalarKind, scalarBytes } from "../../ir/types.js";
import { HDR_PRINT_BUF, HDR_PRINT_CAP, HDR_PRINT_CURSOR } from "./abi.js";
import { atomicRmw, AtomicKind } from "./atomics.js";
import { ArrVal, FnCtx, P_ARGS, P_STACK, kindOf, loadScalar, storeScalar, storeSlot8, wt } from "./fn-ctx.js";

/** Is `fn` on scalar kind `s` an integer division or remainder (lowered by `intDivRem`)? */
export function isIntDivRem(fn: string, s: ScalarKind): boolean {
  return (fn === "div" || fn === "mod") && (s === "i32" || s === "u32" || s === "i64" || s === "u64");
}

/**
 * Integer `x / y` or `x % y` of kind `s`, wrapping like the interpreter and CUDA: for signed kinds a
 * divisor of -1 gives `0 - x` (so MIN / -1 = MIN) and a remainder of 0, by selects (no branch) over
 * a divisor replaced by 1, so the native op never sees MIN / -1. Division by zero still traps
 * natively. `x`, `y` return a fresh expression per call (each is read more than once).
 */
export function intDivRem(m: binaryen.Module, fn: string, s: ScalarKind, x: () => number, y: () => number): number {
  const ns = (s === "i32" || s === "u32" ? m.i32 : m.i64) as any;
  const one = s === "i32" || s === "u32" ? m.i32.const(1) : (m.i64 as any).const(1n);
  if (s === "u32" || s === "u64") return fn === "div" ? ns.div_u(x(), y()) : ns.rem_u(x(), y());
  const minus1 = () => ns.eq(y(), s === "i32" ? m.i32.const(-1) : (m.i64 as any).const(-1n));
  const safe = m.select(minus1(), one, y());
  if (fn === "mod") return ns.rem_s(x(), safe);
  const zero = s === "i32" ? m.i32.const(0) : (m.i64 as any).const(0n);
  return m.select(minus1(), ns.sub(zero, x()), ns.div_s(x(), safe));
}

/** Lowers one non-control instruction; returns the statements it needs. */
export function lowerInst(c: FnCtx, inst: Inst): number[] {
  const m = c.m;
  switch (inst.op) {
    case "const": return [];
    case "param": {
      const p = c.param(inst.attrs.index);
      if (typeof p === "number") c.vals.set(inst, p); else c.arrs.set(inst, p);
      return [];
    }
    case "tid": {
      const d = inst.attrs.dim as number;
      if (d >= c.tidLocals.length) throw new Error(`wasm backend: tid(${d}) in kernel '${c.fn.name}' of dimensionality ${c.fn.ndim}`);
      c.vals.set(inst, c.tidLocals[d]);
      return [];
    }
    case "dim": c.vals.set(inst, c.dim(inst.attrs.dim)); return [];
    case "get": {
      const v = inst.attrs.var as Var;
      const l = c.varLocal(v);
      if (typeof l !== "number") {
        const a = c.newArrVal(l.ndim, l.name);
        c.arrs.set(inst, a);
        return c.copyArr(a, l);
      }
      return define(c, inst, c.get(l, kindOf(v.type)));
    }
    case "set": {
      const v = inst.attrs.var as Var;
      const l = c.varLocal(v);
      if (typeof l !== "number") return c.copyArr(l, c.arr(inst.args[0]));
      return [m.local.set(l, c.use(inst.args[0]))];
    }
    case "call": {
      const rk = kindOf(inst.type);
      if (isIntDivRem(inst.attrs.fn, rk)) {
        const [x, y] = inst.args;
        return define(c, inst, intDivRem(m, inst.attrs.fn, rk, () => c.use(x), () => c.use(y)));
      }
      const b = lookupBuiltin(inst.attrs.fn);
      if (!b || !b.wasm) throw new Error(`wasm backend: builtin '${inst.attrs.fn}' has no WebAssembly lowering (composite builtins must be expanded by the pass pipeline)`);
      const e = b.wasm(c, inst.args.map((a) => c.use(a)), inst.args.map((a) => kindOf(a.type)), kindOf(inst.type));
      return define(c, inst, e);
    }
    case "convert": return define(c, inst, convert(m, c.use(inst.args[0]), kindOf(inst.args[0].type), kindOf(inst.type)));
    case "select": {
      const [cond, a, b] = inst.args;
      return define(c, inst, m.select(c.use(cond), c.use(a), c.use(b)));
    }
    case "ashape": c.vals.set(inst, c.arr(inst.args[0]).shape[inst.attrs.dim]); return [];
    case "aload": {
      const a = c.arr(inst.args[0]), idx = inst.args.slice(1);
      const grad = !!inst.attrs.grad, s = kindOf(inst.type);
      const out = boundsChecks(c, a, idx);
      const load = loadScalar(m, s, inst.attrs.off, address(c, a, idx, grad));
      out.push(...define(c, inst, grad ? ifGrad(c, a, load, c.constExpr(0, s)) : load));
      return out;
    }
    case "astore": {
      const a = c.arr(inst.args[0]), idx = inst.args.slice(1, -1), v = inst.args[inst.args.length - 1];
      const grad = !!inst.attrs.grad;
      const out = boundsChecks(c, a, idx);
      const store = storeScalar(m, kindOf(v.type), inst.attrs.off, address(c, a, idx, grad), c.use(v));
      out.push(grad ? ifGrad(c, a, store) : store);
      return out;
    }
    case "aatomic": {
      const kind = inst.attrs.kind as AtomicKind;
      const a = c.arr(inst.args[0]);
      const nIdx = inst.args.length - (kind === "cas" ? 3 : 2);
      const idx = inst.args.slice(1, 1 + nIdx);
      const value = inst.args[1 + nIdx], cmp = kind === "cas" ? inst.args[2 + nIdx] : undefined;
      const grad = !!inst.attrs.grad, s = kindOf(inst.type);
      const out = boundsChecks(c, a, idx);
      const e = atomicRmw(c, kind, s, address(c, a, idx, grad), inst.attrs.off, c.use(value), cmp && c.use(cmp));
      out.push(...define(c, inst, grad ? ifGrad(c, a, e, c.constExpr(0, s)) : e));
      return out;
    }
    case "araw": {
      const a = c.arr(inst.args[0]), s = kindOf(inst.type);
      const out: number[] = [];
      const g = (l: number) => m.local.get(l, binaryen.i32);
      if (c.debug && a.ndim === 1) {
        const bytes = scalarBytes(s);
        const total = () => m.i32.mul(g(a.shape[0]), g(a.strides[0]));
        const bad = m.i32.gt_u(m.i32.add(c.use(inst.args[1]), m.i32.const(bytes)), total());
        out.push(m.if(bad, c.fail({ kind: "raw-bounds", what: a.name, bytes }, [{ e: c.use(inst.args[1]), s: "i32" }, { e: total(), s: "u32" }])));
      }
      out.push(...define(c, inst, loadScalar(m, s, 0, m.i32.add(g(a.data), c.use(inst.args[1])))));
      return out;
    }
    case "fget": {
      const [addr, checks] = fixedAddr(c, inst.attrs.var, inst.args[0]);
      return [...checks, ...define(c, inst, loadScalar(m, kindOf(inst.type), 0, addr))];
    }
    case "fset": {
      const [addr, checks] = fixedAddr(c, inst.attrs.var, inst.args[0]);
      return [...checks, storeScalar(m, kindOf(inst.args[1].type), 0, addr, c.use(inst.args[1]))];
    }
    case "print": return [lowerPrint(c, inst)];
    case "trap": {
      const kinds = inst.args.map((a) => kindOf(a.type));
      return [c.fail({ kind: "trap", code: inst.attrs.code, kinds }, inst.args.map((a, i) => ({ e: c.use(a), s: kinds[i] })))];
    }
    default:
      throw new Error(`wasm backend: unexpected op '${inst.op}' in lowered IR of kernel '${c.fn.name}'`);
  }
}

/** Sets a fresh local to `e` and makes it the value of `inst`. */
export function define(c: FnCtx, inst: Inst, e: number): number[] {
  const l = c.addLocal(wt(kindOf(inst.type)));
  c.vals.set(inst, l);
  return [c.m.local.set(l, e)];
}

/** data (or grad) + Σ i_k * stride_k (the constant `off` goes into the memory instruction). */
export function address(c: FnCtx, a: ArrVal, idx: Inst[], grad: boolean): number {
  const m = c.m, g = (l: number) => m.local.get(l, binaryen.i32);
  let e = g(grad ? a.grad : a.data);
  idx.forEach((i, k) => {
    if (i.op === "const" && Number(i.attrs.value) === 0) return;
    e = m.i32.add(e, m.i32.mul(c.use(i), g(a.strides[k])));
  });
  return e;
}

/**
 * A gradient access (docs/architecture.md, "Gradient accesses"): runs `access` only when the array
 * has a gradient buffer (grad != 0); otherwise the value is `none` (a read or atomic gives 0, a
 * store does nothing). One branch on the grad pointer, in release and debug builds alike.
 */
export function ifGrad(c: FnCtx, a: ArrVal, access: number, none?: number): number {
  const m = c.m, has = m.local.get(a.grad, binaryen.i32);
  return none === undefined ? m.if(has, access) : m.if(has, access, none);
}

/** Debug mode: every index is checked against its extent (unsigned, so negatives fail too). */
function boundsChecks(c: FnCtx, a: ArrVal, idx: Inst[]): number[] {
  if (!c.debug) return [];
  const m = c.m;
  return idx.map((i, k) => m.if(
    m.i32.ge_u(c.use(i), m.local.get(a.shape[k], binaryen.i32)),
    c.fail({ kind: "bounds", what: a.name, axis: k }, [{ e: c.use(i), s: "i32" }, { e: m.local.get(a.shape[k], binaryen.i32), s: "i32" }]),
  ));
}

function fixedAddr(c: FnCtx, v: Var, index: Inst): [number, number[]] {
  const slot = c.fixed.get(v);
  if (!slot) throw new Error(`wasm backend: '${v.name}' is not a fixed-size array variable`);
  const m = c.m;
  const checks = c.debug
    ? [m.if(m.i32.ge_u(c.use(index), m.i32.const(slot.n)), c.fail({ kind: "fixed-bounds", what: v.name, size: slot.n }, [{ e: c.use(index), s: "i32" }]))]
    : [];
  const base = m.i32.add(m.local.get(P_STACK, binaryen.i32), m.i32.const(slot.off));
  const addr = index.op === "const"
    ? m.i32.add(base, m.i32.const(Number(index.attrs.value) * slot.elemBytes))
    : m.i32.add(base, m.i32.mul(c.use(index), m.i32.const(slot.elemBytes)));
  return [addr, checks];
}

/** print: appends { site i32, count i32, values 8 bytes each } to the launch's print buffer. */
function lowerPrint(c: FnCtx, inst: Inst): number {
  const m = c.m, i32 = binaryen.i32;
  const kinds = inst.args.map((a) => kindOf(a.type));
  const id = c.prints.length;
  c.prints.push({ fmt: String(inst.attrs.fmt), kinds });
  const size = 8 + 8 * kinds.length;
  const args = () => m.local.get(P_ARGS, i32);
  const pos = c.addLocal(i32), base = c.addLocal(i32);
  const B = () => m.local.get(base, i32);
  const fits = (n: number) => m.i32.le_u(m.i32.add(m.local.get(pos, i32), m.i32.const(n)), m.i32.load(HDR_PRINT_CAP, 4, args()));
  // The header goes in whenever it fits, so the host can always step over a record it drops.
  const header = [
    m.local.set(base, m.i32.add(m.i32.load(HDR_PRINT_BUF, 4, args()), m.local.get(pos, i32))),
    m.i32.store(0, 4, B(), m.i32.const(id)),
    m.i32.store(4, 4, B(), m.i32.const(kinds.length)),
  ];
  const values = inst.args.map((a, i) => storeSlot8(m, 8 + 8 * i, B(), c.use(a), kinds[i]));
  return m.block(null, [
    m.local.set(pos, m.i32.atomic.rmw.add(HDR_PRINT_CURSOR, args(), m.i32.const(size))),
    m.if(fits(8), m.block(null, [...header, ...(values.length ? [m.if(fits(size), m.block(null, values))] : [])])),
  ]);
}

/** Numeric conversion with C semantics; float -> int saturates (NaN -> 0), as CUDA's cvt.rzi does. */
export function convert(m: binaryen.Module, v: number, from: ScalarKind, to: ScalarKind): number {
  if (from === to) return v;
  const f = from === "bool" ? "u32" : from;
  switch (to) {
    case "bool":
      switch (f) {
        case "i32": case "u32": return m.i32.ne(v, m.i32.const(0));
        case "i64": case "u64": return m.i64.ne(v, (m.i64 as any).const(0n));
        case "f32": return m.f32.ne(v, m.f32.const(0));
        case "f64": return m.f64.ne(v, m.f64.const(0));
      }
      break;
    case "i32": case "u32":
      switch (f) {
        case "i32": case "u32": return v;
        case "i64": case "u64": return m.i32.wrap(v);
        case "f32": return to === "i32" ? m.i32.trunc_s_sat.f32(v) : m.i32.trunc_u_sat.f32(v);
        case "f64": return to === "i32" ? m.i32.trunc_s_sat.f64(v) : m.i32.trunc_u_sat.f64(v);
      }
      break;
    case "i64": case "u64":
      switch (f) {
        case "i32": return m.i64.extend_s(v);
        case "u32": return m.i64.extend_u(v);
        case "i64": case "u64": return v;
        case "f32": return to === "i64" ? m.i64.trunc_s_sat.f32(v) : m.i64.trunc_u_sat.f32(v);
        case "f64": return to === "i64" ? m.i64.trunc_s_sat.f64(v) : m.i64.trunc_u_sat.f64(v);
      }
      break;
    case "f32": case "f64": {
      const ns = to === "f32" ? m.f32 : m.f64;
      switch (f) {
        case "i32": return ns.convert_s.i32(v);
        case "u32": return ns.convert_u.i32(v);
        case "i64": return ns.convert_s.i64(v);
        case "u64": return ns.convert_u.i64(v);
        case "f32": return m.f64.promote(v);
        case "f64": return m.f32.demote(v);
      }
    }
  }
  throw new Error(`wasm backend: no conversion from ${from} to ${to}`);
}
