// Varying memory access for the SIMD entry.
//   - arr[tid + u] on a parameter whose elements are one 32-bit scalar: one v128.load / v128.store
//     (the entry checks at run time that the stride is 4 bytes, else it runs the scalar entry);
//   - any other varying index: lane by lane (gather / scatter, stores in lane = thread order);
//   - under a partial lane mask, a full-mask fast path (all_true) and lane-guarded accesses
//     otherwise, so an inactive lane never touches memory;
//   - atomics lane by lane, in lane order;
//   - gradient accesses only when the array has a gradient buffer (else 0 / nothing);
//   - fixed local arrays live in the worker stack with lanes interleaved (element e of lane l at
//     4 * off + (4 * e + l) * size), so a uniform index is one v128 access.

import binaryen from "binaryen";
import type { Inst, Var } from "../../../ir/ops.js";
import { ScalarKind, layoutOf, scalarBytes } from "../../../ir/types.js";
import { atomicRmw, AtomicKind } from "../atomics.js";
import { ArrVal, P_STACK, kindOf, loadScalar, storeScalar } from "../fn-ctx.js";
import { SimdCtx, V128, zeros } from "./ctx.js";

const I32 = binaryen.i32;

/** Runs `stmt` only when lane `l` of the mask is on (always, for a full mask). */
function guard(c: SimdCtx, cur: number | null, l: number, stmt: number): number {
  return cur === null ? stmt : c.m.if(c.laneOn(cur, l), stmt);
}

/** A v128 lane write of kind `s`. */
function replace(c: SimdCtx, s: ScalarKind, v: number, l: number, e: number): number {
  const m = c.m;
  if (s === "f32") return m.f32x4.replace_lane(v, l as any, e);
  return m.i32x4.replace_lane(v, l as any, s === "bool" ? m.i32.sub(m.i32.const(0), e) : e);
}

/** Address of lane `l`: data + Σ index_k[l] * stride_k. */
function laneAddr(c: SimdCtx, a: ArrVal, idx: Inst[], grad: boolean, l: number): number {
  const m = c.m, g = (x: number) => m.local.get(x, I32);
  let e = g(grad ? a.grad : a.data);
  idx.forEach((i, k) => {
    if (i.op === "const" && Number(i.attrs.value) === 0) return;
    e = m.i32.add(e, m.i32.mul(c.laneOf(i, l), g(a.strides[k])));
  });
  return e;
}

/**
 * If `arr[idx]` (scalar at byte `off` of the element) is a 4-lane access of consecutive elements
 * of a parameter whose elements are 4, 8, 12 or 16 bytes of 32-bit scalars, the address of lane
 * 0's element and the element size (the entry checks the stride at run time).
 */
function consecutiveAddr(c: SimdCtx, arrInst: Inst, idx: Inst[], s: ScalarKind, off: number, grad: boolean): { addr: number; size: number } | null {
  if (arrInst.op !== "param" || arrInst.type.k !== "array") return null;
  const size = layoutOf(arrInst.type.elem).size;
  if (scalarBytes(s) !== 4 || ![4, 8, 12, 16].includes(size) || off % 4 !== 0 || off >= size) return null;
  const vary = idx.map((i) => c.isVarying(i));
  const k = vary.indexOf(true);
  if (k < 0 || vary.lastIndexOf(true) !== k || !c.info.affine.has(idx[k])) return null;
  const l0 = c.lane0.get(idx[k]);
  if (l0 === undefined) return null;
  const p = arrInst.attrs.index as number;
  const list = c.contiguous.get(p) ?? [];
  if (!list.some((x) => x.axis === k)) list.push({ axis: k, bytes: size });
  c.contiguous.set(p, list);
  const a = c.arr(arrInst), m = c.m, g = (x: number) => m.local.get(x, I32);
  let e = g(grad ? a.grad : a.data);
  idx.forEach((i, j) => {
    const v = j === k ? g(l0) : c.use(i);
    if (i.op === "const" && Number(i.attrs.value) === 0) return;
    e = m.i32.add(e, m.i32.mul(v, g(a.strides[j])));
  });
  return { addr: e, size };
}

/** Bytes of 32-bit word `w` for an i8x16.shuffle mask (first operand 0..3, second 4..7). */
const wordBytes = (w: number) => [4 * w, 4 * w + 1, 4 * w + 2, 4 * w + 3];

/**
 * Component `off` of 4 consecutive `size`-byte elements at `base`: loads the 4 elements (size / 4
 * vectors) and picks word `off/4 + (size/4) * l` into lane l (an AoS -> SoA shuffle).
 */
function stridedLoad(c: SimdCtx, base: () => number, size: number, off: number): number {
  const m = c.m, K = size / 4, w0 = off / 4;
  const vec = (j: number) => m.v128.load(16 * j, 4, base());
  const words = [0, 1, 2, 3].map((l) => w0 + K * l);
  // Words 0..7 come from vectors 0 and 1, words 8..15 from vectors 2 and 3.
  const lowMask = words.flatMap((w) => wordBytes(w < 8 ? w : 0));
  const low = m.i8x16.shuffle(vec(0), K > 1 ? vec(1) : vec(0), lowMask);
  if (words.every((w) => w < 8)) return low;
  const highMask = words.flatMap((w) => wordBytes(w >= 8 ? w - 8 : 0));
  const high = m.i8x16.shuffle(vec(2), K > 3 ? vec(3) : vec(2), highMask);
  return m.i8x16.shuffle(low, high, words.flatMap((w, l) => wordBytes(w < 8 ? l : 4 + l)));
}

/** Lane-by-lane loads into `out`; `slowPath`: the partial-mask fallback of a vector access (not counted as lane work). */
function gatherInto(c: SimdCtx, s: ScalarKind, out: number, cur: number | null, load: (l: number) => number, slowPath = false): number[] {
  const m = c.m;
  if (!slowPath) c.laneOps++;
  if (cur === null) return [m.local.set(out, c.fromLanes(s, [0, 1, 2, 3].map(load)))];
  const stmts = [m.local.set(out, zeros(m))];
  for (let l = 0; l < 4; l++) stmts.push(guard(c, cur, l, m.local.set(out, replace(c, s, c.vget(out), l, load(l)))));
  return stmts;
}

/**
 * Gradient accesses (docs/architecture.md): `stmts` run only when the array has a gradient buffer;
 * otherwise a load or atomic result `out` is 0 in every lane and a store does nothing.
 */
function ifGrad(c: SimdCtx, a: ArrVal, stmts: number[], out?: number): number[] {
  const m = c.m, has = m.local.get(a.grad, I32);
  return [out === undefined ? m.if(has, m.block(null, stmts)) : m.if(has, m.block(null, stmts), m.local.set(out, zeros(m)))];
}

export function lowerVaryingLoad(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const stmts = varyingLoad(c, inst, cur);
  return inst.attrs.grad ? ifGrad(c, c.arr(inst.args[0]), stmts, c.vvals.get(inst)) : stmts;
}

function varyingLoad(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const m = c.m, s = kindOf(inst.type), off = inst.attrs.off as number, grad = !!inst.attrs.grad;
  const idx = inst.args.slice(1), a = c.arr(inst.args[0]);
  const out = c.addLocal(V128);
  c.vvals.set(inst, out);
  const at = consecutiveAddr(c, inst.args[0], idx, s, off, grad);
  if (at !== null) {
    c.vecOps++;
    const base = c.addLocal(I32), B = () => m.local.get(base, I32);
    const vload = m.local.set(out, at.size === 4 ? m.v128.load(off, 4, B()) : stridedLoad(c, B, at.size, off));
    if (cur === null) return [m.local.set(base, at.addr), vload];
    c.maskCost += 2;
    const slow = gatherInto(c, s, out, cur, (l) => loadScalar(m, s, off + at.size * l, B()), true);
    return [m.local.set(base, at.addr), m.if(m.i32x4.all_true(c.vget(cur)), vload, m.block(null, slow))];
  }
  return gatherInto(c, s, out, cur, (l) => loadScalar(m, s, off, laneAddr(c, a, idx, grad, l)));
}

export function lowerVaryingStore(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const stmts = varyingStore(c, inst, cur);
  return inst.attrs.grad ? ifGrad(c, c.arr(inst.args[0]), stmts) : stmts;
}

function varyingStore(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const m = c.m, off = inst.attrs.off as number, grad = !!inst.attrs.grad;
  const idx = inst.args.slice(1, -1), val = inst.args[inst.args.length - 1], s = kindOf(val.type);
  const a = c.arr(inst.args[0]);
  const at = consecutiveAddr(c, inst.args[0], idx, s, off, grad);
  if (at !== null) {
    const base = c.addLocal(I32), B = () => m.local.get(base, I32);
    const lanes = (cu: number | null) => [0, 1, 2, 3].map((l) => guard(c, cu, l, storeScalar(m, s, off + at.size * l, B(), c.laneOf(val, l))));
    // Elements wider than one scalar: a scatter (other components must not be rewritten).
    if (at.size !== 4) { c.laneOps++; return [m.local.set(base, at.addr), ...lanes(cur)]; }
    c.vecOps++;
    const vstore = m.v128.store(off, 4, B(), c.vuse(val));
    if (cur === null) return [m.local.set(base, at.addr), vstore];
    c.maskCost += 2;
    return [m.local.set(base, at.addr), m.if(m.i32x4.all_true(c.vget(cur)), vstore, m.block(null, lanes(cur)))];
  }
  c.laneOps++;
  return [0, 1, 2, 3].map((l) => guard(c, cur, l, storeScalar(m, s, off, laneAddr(c, a, idx, grad, l), c.laneOf(val, l))));
}

export function lowerVaryingAtomic(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const stmts = varyingAtomic(c, inst, cur);
  return inst.attrs.grad ? ifGrad(c, c.arr(inst.args[0]), stmts, c.vvals.get(inst)) : stmts;
}

function varyingAtomic(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const m = c.m, kind = inst.attrs.kind as AtomicKind, s = kindOf(inst.type);
  const a = c.arr(inst.args[0]);
  const nIdx = inst.args.length - (kind === "cas" ? 3 : 2);
  const idx = inst.args.slice(1, 1 + nIdx);
  const value = inst.args[1 + nIdx], cmp = kind === "cas" ? inst.args[2 + nIdx] : undefined;
  const out = c.addLocal(V128);
  c.vvals.set(inst, out);
  c.laneOps++;
  const stmts = [m.local.set(out, zeros(m))];
  for (let l = 0; l < 4; l++) {
    const e = atomicRmw(c, kind, s, laneAddr(c, a, idx, !!inst.attrs.grad, l), inst.attrs.off, c.laneOf(value, l), cmp && c.laneOf(cmp, l));
    stmts.push(guard(c, cur, l, m.local.set(out, replace(c, s, c.vget(out), l, e))));
  }
  return stmts;
}

export function lowerVaryingRaw(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const m = c.m, s = kindOf(inst.type), a = c.arr(inst.args[0]);
  const out = c.addLocal(V128);
  c.vvals.set(inst, out);
  return gatherInto(c, s, out, cur, (l) => loadScalar(m, s, 0, m.i32.add(m.local.get(a.data, I32), c.laneOf(inst.args[1], l))));
}

/** Base of fixed array `v` in the group's interleaved frame. */
function fixedBase(c: SimdCtx, v: Var): { base: number; size: number; s: ScalarKind } {
  const slot = c.fixed.get(v);
  if (!slot) throw new Error(`wasm backend: '${v.name}' is not a fixed-size array variable`);
  return { base: c.m.i32.add(c.m.local.get(P_STACK, I32), c.m.i32.const(4 * slot.off)), size: slot.elemBytes, s: slot.s };
}

export function lowerFget(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const m = c.m, { base, size, s } = fixedBase(c, inst.attrs.var), index = inst.args[0];
  const out = c.addLocal(V128);
  c.vvals.set(inst, out);
  if (!c.isVarying(index) && size === 4) {
    c.vecOps++;
    return [m.local.set(out, m.v128.load(0, 4, m.i32.add(base, m.i32.mul(c.use(index), m.i32.const(16)))))];
  }
  const at = (l: number) => m.i32.add(m.i32.add(fixedBase(c, inst.attrs.var).base, m.i32.mul(c.laneOf(index, l), m.i32.const(4 * size))), m.i32.const(l * size));
  return gatherInto(c, s, out, c.isVarying(index) ? cur : null, (l) => loadScalar(m, s, 0, at(l)));
}

export function lowerFset(c: SimdCtx, inst: Inst, cur: number | null): number[] {
  const m = c.m, { base, size, s } = fixedBase(c, inst.attrs.var), [index, val] = inst.args;
  if (!c.isVarying(index) && size === 4) {
    c.vecOps++;
    const addr = c.addLocal(I32), A = () => m.local.get(addr, I32);
    const nv = cur === null ? c.vuse(val) : m.v128.bitselect(c.vuse(val), m.v128.load(0, 4, A()), c.vget(cur));
    return [m.local.set(addr, m.i32.add(base, m.i32.mul(c.use(index), m.i32.const(16)))), m.v128.store(0, 4, A(), nv)];
  }
  c.laneOps++;
  return [0, 1, 2, 3].map((l) => {
    const at = m.i32.add(m.i32.add(fixedBase(c, inst.attrs.var).base, m.i32.mul(c.laneOf(index, l), m.i32.const(4 * size))), m.i32.const(l * size));
    return guard(c, cur, l, storeScalar(m, s, 0, at, c.laneOf(val, l)));
  });
}
