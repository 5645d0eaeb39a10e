// The one registry of builtins. Each builtin is declared once, with:
//   - `resolve`: overload resolution (argument types -> result type, or an error sentence),
//   - either `expand` (a composite builtin, whose meaning is written in IR in terms of other
//     builtins, so every backend and autodiff inherit it), or the primitive lowerings
//     `eval` (exact semantics for the interpreter and constant folding), `wasm` and `cuda`,
//   - `adjoint` for primitives that are differentiable, written in IR.
// Adding a builtin touches one file in this folder plus its tests.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import type { ScalarKind, Type } from "../ir/types.js";

/** What a builtin's WebAssembly lowering receives: the binaryen module and helpers. */
export interface WasmLowerCtx {
  /** binaryen.Module */
  m: any;
  /** binaryen namespace (types, ops). */
  bn: any;
  /** Calls a helper function of the wasm math library by name (declared by the wasm backend). */
  callLib(name: string, args: number[], result: ScalarKind): number;
  /** Evaluates an expression once into a fresh local and returns a getter (for operands used twice). */
  tee(expr: number, s: ScalarKind): () => number;
}

export interface Builtin {
  name: string;
  /** Human-readable signatures, one per overload family, for docs and error messages. */
  sigs: string[];
  resolve(args: Type[]): Type | string;
  /** Composite builtins: returns IR computing the result, or null when `args` hit a primitive overload. */
  expand?(b: Builder, args: Inst[], result: Type): Inst | null;
  /** Primitive scalar semantics: numbers for 32-bit and f64, bigint for i64/u64, boolean for bool. */
  eval?(args: any[], argTypes: ScalarKind[], result: ScalarKind): any;
  wasm?(ctx: WasmLowerCtx, args: number[], argTypes: ScalarKind[], result: ScalarKind): number;
  cuda?(args: string[], argTypes: ScalarKind[], result: ScalarKind): string;
  /**
   * Reverse-mode rule for primitives: given the operands, the forward result and the adjoint of the
   * result, returns the adjoint contribution for each operand (null: none / not differentiable).
   */
  adjoint?(b: Builder, args: Inst[], result: Inst, adj: Inst): (Inst | null)[];
  /** Set when the builtin cannot be differentiated, with the reason shown to users. */
  nondiff?: string;
  /** Operand positions the kernel language passes by reference (the frontend writes them back). */
  inout?: number[];
  /**
   * For inout builtins: the builtin that computes the new value of the inout operand from the same
   * operands; the frontend writes it back (e.g. `randf` has `update: "randNext"`).
   */
  update?: string;
  /** Hidden from the kernel language (used only by lowerings, e.g. "randNext"). */
  internal?: boolean;
}

const table = new Map<string, Builtin>();

export function defineBuiltin(b: Builtin): Builtin {
  if (table.has(b.name)) throw new Error(`builtin ${b.name} defined twice`);
  table.set(b.name, b);
  return b;
}

// Definition files register themselves when imported; `index.ts` imports them all, and everything
// outside this folder imports `index.ts`. Definition files import the builder only as a type, so
// there is no import cycle.
export function lookupBuiltin(name: string): Builtin | undefined { return table.get(name); }

export function allBuiltins(): Builtin[] { return [...table.values()]; }

/** Result type of `fn` applied to `args`, or an error sentence. */
export function resultTypeOf(fn: string, args: Type[]): Type | string {
  const b = table.get(fn);
  if (!b) return `unknown builtin '${fn}'`;
  return b.resolve(args);
}
