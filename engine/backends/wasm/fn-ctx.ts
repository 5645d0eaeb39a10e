// Per-kernel lowering state: wasm locals for IR values and variables, lazily loaded parameters,
// fixed-array frame offsets, trap and print sites. Implements the registry's `WasmLowerCtx`, so
// builtin lowerings (engine/builtins) run against it unchanged.

import binaryen from "binaryen";
import type { WasmLowerCtx } from "../../builtins/registry.js";
import type { Func, Inst, Var } from "../../ir/ops.js";
import { ScalarKind, Type, layoutOf, scalarBytes, typeName } from "../../ir/types.js";
import { HDR_DIMS, HDR_ERR_SITE, HDR_ERR_VALS, MAX_ERR_VALS, ParamSlot, PrintSite, TrapSite } from "./abi.js";
import type { MathLib } from "./mathlib.js";

/** The locals holding one array value (descriptor fields). */
export interface ArrVal { data: number; grad: number; shape: number[]; strides: number[]; name: string; ndim: number }

export interface FixedSlot { off: number; elemBytes: number; s: ScalarKind; n: number; name: string }

/** Entry parameters: (start, end, args, stack). */
export const P_START = 0, P_END = 1, P_ARGS = 2, P_STACK = 3, N_PARAMS = 4;

export function wt(s: ScalarKind | "ptr"): number {
  switch (s) {
    case "bool": case "i32": case "u32": case "ptr": return binaryen.i32;
    case "i64": case "u64": return binaryen.i64;
    case "f32": return binaryen.f32;
    case "f64": return binaryen.f64;
  }
}

/** The scalar kind a value of type `t` is carried as ("ptr" travels as u32). */
export function kindOf(t: Type): ScalarKind {
  if (t.k === "scalar") return t.s;
  if (t.k === "ptr") return "u32";
  throw new Error(`wasm backend: expected a scalar value, got ${typeName(t)}`);
}

export class FnCtx implements WasmLowerCtx {
  readonly bn = binaryen;
  /** Types of the locals after the entry parameters. */
  readonly localTypes: number[] = [];
  readonly vals = new Map<Inst, number>();
  readonly arrs = new Map<Inst, ArrVal>();
  readonly vars = new Map<Var, number | ArrVal>();
  readonly fixed = new Map<Var, FixedSlot>();
  frameBytes = 0;
  /** Statements to emit before the statement being lowered (from `tee`). */
  pending: number[] = [];
  /** Loads of parameters and dims, emitted once at entry. */
  readonly prologue: number[] = [];
  private paramVals = new Map<number, number | ArrVal>();
  private dimLocals = new Map<number, number>();
  /** Thread index locals, one per kernel dimension (set by the entry's thread loop). */
  tidLocals: number[] = [];
  private labelN = 0;
  /** Source location of the instruction being lowered (stamped on trap sites). */
  at: string | undefined;

  constructor(
    readonly m: binaryen.Module,
    readonly fn: Func,
    readonly slots: ParamSlot[],
    readonly lib: MathLib,
    readonly debug: boolean,
    readonly sites: TrapSite[],
    readonly prints: PrintSite[],
  ) {
    for (const v of fn.vars) {
      if (v.type.k === "fixed") {
        const e = v.type.elem;
        if (e.k !== "scalar") throw new Error(`wasm backend: fixed array '${v.name}' of ${typeName(e)}: lowered IR holds fixed arrays of scalars only`);
        const l = layoutOf(e);
        this.frameBytes = Math.ceil(this.frameBytes / l.align) * l.align;
        this.fixed.set(v, { off: this.frameBytes, elemBytes: l.size, s: e.s, n: v.type.n, name: v.name });
        this.frameBytes += l.size * v.type.n;
      }
    }
    this.frameBytes = Math.ceil(this.frameBytes / 16) * 16;
    for (let d = 0; d < Math.max(1, fn.ndim); d++) this.tidLocals.push(this.addLocal(binaryen.i32));
  }

  addLocal(type: number): number {
    this.localTypes.push(type);
    return N_PARAMS + this.localTypes.length - 1;
  }
  get(local: number, s: ScalarKind): number { return this.m.local.get(local, wt(s)); }
  label(prefix: string): string { return `${prefix}${this.labelN++}`; }

  // --- WasmLowerCtx --------------------------------------------------------------------------
  tee(expr: number, s: ScalarKind): () => number {
    const l = this.addLocal(wt(s));
    this.pending.push(this.m.local.set(l, expr));
    return () => this.m.local.get(l, wt(s));
  }
  callLib(name: string, args: number[], result: ScalarKind): number { return this.lib.call(name, args, result); }

  // --- values --------------------------------------------------------------------------------
  constExpr(value: unknown, s: ScalarKind): number {
    const m = this.m;
    switch (s) {
      case "bool": return m.i32.const(value ? 1 : 0);
      case "i32": case "u32": return m.i32.const(Number(value) | 0);
      case "i64": case "u64": {
        // binaryen 132 takes one bigint (its typings still show the old (low, high) form).
        return (m.i64 as any).const(BigInt.asIntN(64, BigInt(value as bigint)));
      }
      case "f32": return m.f32.const(Number(value));
      case "f64": return m.f64.const(Number(value));
    }
  }

  /** The expression reading scalar value `v`. */
  use(v: Inst): number {
    if (v.op === "const") return this.constExpr(v.attrs.value, kindOf(v.type));
    const l = this.vals.get(v);
    if (l === undefined) throw new Error(`wasm backend: value %${v.id} (${v.op}) used before its definition in kernel '${this.fn.name}'`);
    return this.m.local.get(l, wt(kindOf(v.type)));
  }

  arr(v: Inst): ArrVal {
    const a = this.arrs.get(v);
    if (!a) throw new Error(`wasm backend: array value %${v.id} (${v.op}) used before its definition in kernel '${this.fn.name}'`);
    return a;
  }

  /** Local (or array locals) of parameter `index`, loaded from the argument block at entry. */
  param(index: number): number | ArrVal {
    let p = this.paramVals.get(index);
    if (p !== undefined) return p;
    const slot = this.slots[index], m = this.m, args = () => m.local.get(P_ARGS, binaryen.i32);
    if (slot.kind === "scalar") {
      const l = this.addLocal(wt(slot.s));
      this.prologue.push(m.local.set(l, loadScalar(m, slot.s, slot.offset, args())));
      p = l;
    } else {
      const a = this.newArrVal(slot.ndim, slot.name);
      const ld = (off: number, l: number) => this.prologue.push(m.local.set(l, m.i32.load(off, 4, args())));
      ld(slot.offset, a.data);
      ld(slot.offset + 4, a.grad);
      for (let k = 0; k < slot.ndim; k++) {
        ld(slot.offset + 8 + 4 * k, a.shape[k]);
        ld(slot.offset + 8 + 4 * slot.ndim + 4 * k, a.strides[k]);
      }
      p = a;
    }
    this.paramVals.set(index, p);
    return p;
  }

  newArrVal(ndim: number, name: string): ArrVal {
    const i32 = binaryen.i32;
    const a: ArrVal = { data: this.addLocal(i32), grad: this.addLocal(i32), shape: [], strides: [], name, ndim };
    for (let k = 0; k < ndim; k++) { a.shape.push(this.addLocal(i32)); a.strides.push(this.addLocal(i32)); }
    return a;
  }

  copyArr(dst: ArrVal, src: ArrVal): number[] {
    const m = this.m, g = (l: number) => m.local.get(l, binaryen.i32);
    const out = [m.local.set(dst.data, g(src.data)), m.local.set(dst.grad, g(src.grad))];
    for (let k = 0; k < dst.ndim; k++) {
      out.push(m.local.set(dst.shape[k], g(src.shape[k])), m.local.set(dst.strides[k], g(src.strides[k])));
    }
    return out;
  }

  /** Local holding launch extent `d` (kernel dimensions), loaded at entry. */
  dim(d: number): number {
    let l = this.dimLocals.get(d);
    if (l === undefined) {
      l = this.addLocal(binaryen.i32);
      this.prologue.push(this.m.local.set(l, this.m.i32.load(HDR_DIMS + 4 * d, 4, this.m.local.get(P_ARGS, binaryen.i32))));
      this.dimLocals.set(d, l);
    }
    return l;
  }

  /** Local of a scalar or array variable. */
  varLocal(v: Var): number | ArrVal {
    let l = this.vars.get(v);
    if (l === undefined) {
      if (v.type.k === "array") l = this.newArrVal(v.type.ndim, "");
      else l = this.addLocal(wt(kindOf(v.type)));
      this.vars.set(v, l);
    }
    return l;
  }

  // --- errors ---------------------------------------------------------------------------------
  /**
   * Records trap site `site` with reported values (first trap of a launch wins) and traps.
   * The values are stored as 8-byte slots: integers sign/zero-extended to i64, floats as f64.
   */
  fail(site: TrapSite, values: { e: number; s: ScalarKind }[]): number {
    const m = this.m, id = this.sites.length + 1;
    this.sites.push(this.at ? { ...site, at: this.at } : site);
    const args = () => m.local.get(P_ARGS, binaryen.i32);
    const stores = values.slice(0, MAX_ERR_VALS).map(({ e, s }, i) => storeSlot8(m, HDR_ERR_VALS + 8 * i, args(), e, s));
    const claim = m.i32.eqz(m.i32.atomic.rmw.cmpxchg(HDR_ERR_SITE, args(), m.i32.const(0), m.i32.const(id)));
    return m.block(null, [stores.length ? m.if(claim, m.block(null, stores)) : m.drop(claim), m.unreachable()]);
  }
}

export function loadScalar(m: binaryen.Module, s: ScalarKind, off: number, ptr: number): number {
  switch (s) {
    case "bool": return m.i32.load8_u(off, 1, ptr);
    case "i32": case "u32": return m.i32.load(off, 4, ptr);
    case "i64": case "u64": return m.i64.load(off, 8, ptr);
    case "f32": return m.f32.load(off, 4, ptr);
    case "f64": return m.f64.load(off, 8, ptr);
  }
}

export function storeScalar(m: binaryen.Module, s: ScalarKind, off: number, ptr: number, v: number): number {
  switch (s) {
    case "bool": return m.i32.store8(off, 1, ptr, v);
    case "i32": case "u32": return m.i32.store(off, 4, ptr, v);
    case "i64": case "u64": return m.i64.store(off, 8, ptr, v);
    case "f32": return m.f32.store(off, 4, ptr, v);
    case "f64": return m.f64.store(off, 8, ptr, v);
  }
}

/** Stores a scalar widened to an 8-byte slot (i64 for integers and bool, f64 for floats). */
export function storeSlot8(m: binaryen.Module, off: number, ptr: number, v: number, s: ScalarKind): number {
  switch (s) {
    case "bool": case "u32": return m.i64.store(off, 8, ptr, m.i64.extend_u(v));
    case "i32": return m.i64.store(off, 8, ptr, m.i64.extend_s(v));
    case "i64": case "u64": return m.i64.store(off, 8, ptr, v);
    case "f32": return m.f64.store(off, 8, ptr, m.f64.promote(v));
    case "f64": return m.f64.store(off, 8, ptr, v);
  }
}

export { scalarBytes };
