// Lowering state of a SIMD entry: a FnCtx (uniform values stay scalar locals and reuse the scalar
// lowering) plus v128 locals for varying values and variables, lane masks, and lane helpers.
// Varying bools are lane masks (all ones / zero), so comparisons, `bitselect` and `any_true` work
// on them directly; they become 0/1 only where they meet memory or integers.

import binaryen from "binaryen";
import type { Func, Inst, Var } from "../../../ir/ops.js";
import type { ScalarKind } from "../../../ir/types.js";
import type { ParamSlot, PrintSite, TrapSite } from "../abi.js";
import { FnCtx, kindOf } from "../fn-ctx.js";
import type { MathLib } from "../mathlib.js";
import type { SimdInfo } from "./analyze.js";

export const V128 = binaryen.v128;
export const LANES = 4;

export class SimdCtx extends FnCtx {
  readonly vvals = new Map<Inst, number>();
  /** Scalar local holding lane 0 of an affine value (tid + uniform). */
  readonly lane0 = new Map<Inst, number>();
  readonly vvars = new Map<Var, number>();
  /** Function-level mask of lanes that have not returned (-1: no varying return). */
  alive = -1;
  readonly loopMask = new Map<number, number>();
  readonly contMask = new Map<number, number>();
  /** Varying tid vector of the group. */
  tidVec = -1;
  /** Arrays read or written contiguously: param index -> element bytes (checked at entry). */
  readonly contiguous = new Map<number, { axis: number; bytes: number }[]>();
  /** Static cost model (decides whether SIMD pays): ops done lane by lane, in v128, once per
   * group (uniform), and the mask bookkeeping of varying control, in scalar-op units. */
  laneOps = 0;
  vecOps = 0;
  uniformOps = 0;
  maskCost = 0;

  constructor(m: binaryen.Module, fn: Func, slots: ParamSlot[], lib: MathLib, readonly info: SimdInfo, sites: TrapSite[], prints: PrintSite[]) {
    super(m, fn, slots, lib, false, sites, prints);
  }

  isVarying(v: Inst): boolean { return this.info.varying.has(v); }

  vget(l: number): number { return this.m.local.get(l, V128); }

  /** v128 of a value: varying -> its local; uniform -> splat (bools as masks). */
  vuse(v: Inst): number {
    const l = this.vvals.get(v);
    if (l !== undefined) return this.vget(l);
    if (this.isVarying(v)) throw new Error(`wasm SIMD: varying value %${v.id} (${v.op}) used before its definition`);
    return splat(this.m, kindOf(v.type), this.use(v));
  }

  /** Scalar of lane `l` of a value (bools as 0/1). */
  laneOf(v: Inst, l: number): number {
    if (!this.isVarying(v)) return this.use(v);
    return extractLane(this.m, kindOf(v.type), this.vuse(v), l);
  }

  /** Defines varying `inst` as the v128 `e`. */
  vdefine(inst: Inst, e: number): number[] {
    const l = this.addLocal(V128);
    this.vvals.set(inst, l);
    return [this.m.local.set(l, e)];
  }

  vvarLocal(v: Var): number {
    let l = this.vvars.get(v);
    if (l === undefined) { l = this.addLocal(V128); this.vvars.set(v, l); }
    return l;
  }

  /** Builds a v128 from four lane scalars of kind `s` (bools given as 0/1). */
  fromLanes(s: ScalarKind, lanes: number[]): number {
    const m = this.m;
    let v = m.v128.const(new Array(16).fill(0));
    lanes.forEach((e, l) => {
      v = s === "f32" ? m.f32x4.replace_lane(v, l as any, e) : m.i32x4.replace_lane(v, l as any, s === "bool" ? m.i32.sub(m.i32.const(0), e) : e);
    });
    return v;
  }

  /** Is lane `l` of mask local `mask` on? */
  laneOn(mask: number, l: number): number { return this.m.i32x4.extract_lane(this.vget(mask), l as any); }

  /** A fresh mask local set to all ones (or to a copy of `from`). */
  newMask(from: number | null): [number, number] {
    const l = this.addLocal(V128);
    return [l, this.m.local.set(l, from === null ? allOnes(this.m) : this.vget(from))];
  }
}

export function allOnes(m: binaryen.Module): number { return m.v128.const(new Array(16).fill(255)); }
export function zeros(m: binaryen.Module): number { return m.v128.const(new Array(16).fill(0)); }

export function splat(m: binaryen.Module, s: ScalarKind, e: number): number {
  switch (s) {
    case "f32": return m.f32x4.splat(e);
    case "bool": return m.i32x4.splat(m.i32.sub(m.i32.const(0), e));
    case "i32": case "u32": return m.i32x4.splat(e);
    default: throw new Error(`wasm SIMD: no 4-lane vector of ${s}`);
  }
}

export function extractLane(m: binaryen.Module, s: ScalarKind, v: number, l: number): number {
  switch (s) {
    case "f32": return m.f32x4.extract_lane(v, l as any);
    case "bool": return m.i32.and(m.i32x4.extract_lane(v, l as any), m.i32.const(1));
    case "i32": case "u32": return m.i32x4.extract_lane(v, l as any);
    default: throw new Error(`wasm SIMD: no 4-lane vector of ${s}`);
  }
}
