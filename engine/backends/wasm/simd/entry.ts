// SIMD entry: runs groups of 4 consecutive threads in v128 lanes (placeholder until the lowering lands).
import type binaryen from "binaryen";
import type { Func } from "../../../ir/ops.js";
import type { ParamSlot } from "../abi.js";
import type { MathLib } from "../mathlib.js";

export function buildSimdEntry(_m: binaryen.Module, _fn: Func, _slots: ParamSlot[], _lib: MathLib, _scalar: string, _frameBytes: number): string | null {
  return null;
}
