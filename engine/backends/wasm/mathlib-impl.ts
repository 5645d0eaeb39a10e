// In-module implementations of the hottest math functions, by library name. Each entry adds a
// function named `fname` to the module; `lib` calls another library function (which may be a host
// import, e.g. the exact reduction of huge sin arguments).

import type binaryen from "binaryen";
import type { ScalarKind } from "../../ir/types.js";
import { F32_IMPLS } from "./mathlib-f32.js";

export type LibImpl = (m: binaryen.Module, fname: string, lib: (name: string, args: number[], r: ScalarKind) => number) => void;

export const IN_MODULE: Record<string, LibImpl> = { ...F32_IMPLS };
