// In-module implementations of the hottest math functions (filled in by the mathlib-*.ts files).
// Each entry adds a function named `fname` to the module; `lib` calls another library function.

import type binaryen from "binaryen";
import type { ScalarKind } from "../../ir/types.js";

export type LibImpl = (m: binaryen.Module, fname: string, lib: (name: string, args: number[], r: ScalarKind) => number) => void;

export const IN_MODULE: Record<string, LibImpl> = {};
