// The one table of IR operations. Printer, validator, interpreter, passes and backends dispatch on
// `Inst.op`; this table says what each operation takes, which attributes it carries and how its
// result type is determined, so none of them has to re-derive it.
//
// Values are SSA: every instruction that produces a value is itself that value, defined once and used
// only after it in the same block or in blocks nested inside. Mutable state lives in function
// variables (`get`/`set`), exactly like WebAssembly locals and C++ locals, so both backends lower
// structured control flow without a relooper. Control flow is structured: `if`, `loop` (with a
// `step` region that `continue` jumps to, as in a C `for`), and `block`, left by `break`.

import { Type } from "./types.js";

export type OpName =
  | "const" | "param" | "tid" | "dim"
  | "get" | "set"
  | "call" | "callf" | "construct" | "extract" | "extractd" | "insert" | "convert" | "select"
  | "aload" | "astore" | "aatomic" | "ashape" | "araw"
  | "fget" | "fset"
  | "if" | "loop" | "block" | "break" | "continue" | "return"
  | "print" | "trap";

export interface OpInfo {
  /** Operand count; -1 when variable. */
  arity: number;
  /** Attributes it must carry. */
  attrs: readonly string[];
  /** Number of regions (nested blocks). */
  regions: number;
  /** Has an effect beyond its result (never removed by dead-code elimination). */
  effect: boolean;
  /** Ends its block's straight-line flow. */
  terminator?: boolean;
  doc: string;
}

export const OPS: Record<OpName, OpInfo> = {
  const:    { arity: 0, attrs: ["value"], regions: 0, effect: false, doc: "a scalar constant (number, bigint for 64-bit ints, boolean)" },
  param:    { arity: 0, attrs: ["index"], regions: 0, effect: false, doc: "the function's index-th parameter" },
  tid:      { arity: 0, attrs: ["dim"], regions: 0, effect: false, doc: "thread index along launch dimension `dim` (i32)" },
  dim:      { arity: 0, attrs: ["dim"], regions: 0, effect: false, doc: "launch size along dimension `dim` (i32)" },
  get:      { arity: 0, attrs: ["var"], regions: 0, effect: false, doc: "read a function variable" },
  set:      { arity: 1, attrs: ["var"], regions: 0, effect: true, doc: "write a function variable" },
  call:     { arity: -1, attrs: ["fn"], regions: 0, effect: false, doc: "apply builtin `fn` (see engine/builtins); pure" },
  callf:    { arity: -1, attrs: ["fn"], regions: 0, effect: true, doc: "call user @func `fn` (removed by the inline pass)" },
  construct:{ arity: -1, attrs: [], regions: 0, effect: false, doc: "build a vec/mat/quat/transform/struct from its scalar components or fields in order" },
  extract:  { arity: 1, attrs: ["index"], regions: 0, effect: false, doc: "component `index` of a vector-like value or field `index` of a struct; for a matrix, `index` counts row-major scalars" },
  extractd: { arity: 2, attrs: [], regions: 0, effect: false, doc: "component at a run-time index of a vector (or row of a matrix)" },
  insert:   { arity: 2, attrs: ["index"], regions: 0, effect: false, doc: "copy of the aggregate with component/field `index` replaced" },
  convert:  { arity: 1, attrs: [], regions: 0, effect: false, doc: "numeric conversion to the result type (componentwise for vectors)" },
  select:   { arity: 3, attrs: [], regions: 0, effect: false, doc: "cond ? a : b without branching" },
  aload:    { arity: -1, attrs: ["off"], regions: 0, effect: false, doc: "arr[i, j, ...]: read an element (or, with off>0 / a scalar result, a scalar inside it at byte offset off); attr grad reads the gradient buffer" },
  astore:   { arity: -1, attrs: ["off"], regions: 0, effect: true, doc: "arr[i, j, ...] = value (last operand)" },
  aatomic:  { arity: -1, attrs: ["kind", "off"], regions: 0, effect: true, doc: "atomic add/sub/min/max/xchg/cas on a scalar element; returns the old value; operands arr, indices..., value[, compare]; attr grad targets the gradient buffer" },
  ashape:   { arity: 1, attrs: ["dim"], regions: 0, effect: false, doc: "extent of an array along dimension `dim` (i32)" },
  araw:     { arity: 2, attrs: [], regions: 0, effect: false, doc: "typed read at a run-time byte offset into an array's storage (NanoVDB buffers)" },
  fget:     { arity: 1, attrs: ["var"], regions: 0, effect: false, doc: "element of a fixed-size local array variable at a run-time index" },
  fset:     { arity: 2, attrs: ["var"], regions: 0, effect: true, doc: "store to a fixed-size local array variable: index, value" },
  if:       { arity: 1, attrs: [], regions: 2, effect: true, doc: "if (cond) { regions[0] } else { regions[1] }" },
  loop:     { arity: 0, attrs: ["label"], regions: 2, effect: true, doc: "repeat { regions[0]; regions[1] (step) } until a break; continue jumps to the step region" },
  block:    { arity: 0, attrs: ["label"], regions: 1, effect: true, doc: "a region that `break label` leaves (inlined function bodies)" },
  break:    { arity: 0, attrs: ["label"], regions: 0, effect: true, terminator: true, doc: "leave the loop or block `label`" },
  continue: { arity: 0, attrs: ["label"], regions: 0, effect: true, terminator: true, doc: "jump to the step region of loop `label`" },
  return:   { arity: -1, attrs: [], regions: 0, effect: true, terminator: true, doc: "leave the function (operand: the value of a @func)" },
  print:    { arity: -1, attrs: ["fmt"], regions: 0, effect: true, doc: "debug-mode printf-style print" },
  trap:     { arity: -1, attrs: ["code"], regions: 0, effect: true, terminator: true, doc: "abort the launch with an error code (bounds checks, asserts); operands are reported" },
};

export interface Loc { file: string; line: number; col: number }

export interface Inst {
  op: OpName;
  args: Inst[];
  type: Type;
  attrs: Record<string, any>;
  regions?: Inst[][];
  loc?: Loc;
  /** Stable printing/debug id, assigned by the builder. */
  id: number;
  /** A source-level name for readable generated code. */
  name?: string;
}

export interface Var {
  id: number;
  name: string;
  type: Type;
}

export interface Func {
  name: string;
  kind: "kernel" | "func";
  params: { name: string; type: Type }[];
  ret: Type;
  vars: Var[];
  body: Inst[];
  loc?: Loc;
  /** For kernels: launch dimensionality used by tid() (1..4), max over tid/dim uses. */
  ndim: number;
  /** Counter for fresh instruction ids and labels. */
  nextId: number;
}

export interface IRModule {
  name: string;
  file: string;
  source: string;
  funcs: Func[];
  structs: Map<string, Extract<Type, { k: "struct" }>>;
}

/** Visits every instruction depth-first, regions before the instruction that owns them returns. */
export function walk(body: Inst[], fn: (inst: Inst, parent: Inst[]) => void): void {
  for (const inst of body) {
    fn(inst, body);
    if (inst.regions) for (const r of inst.regions) walk(r, fn);
  }
}

export function kernels(m: IRModule): Func[] { return m.funcs.filter((f) => f.kind === "kernel"); }
