// The state shared while checking and emitting: the module (structs, constants, function signatures,
// builtin import aliases) and the function being emitted (builder, scope, loop labels, tid use).

import ts from "typescript";
import { Builder } from "../ir/builder.js";
import type { Func, Inst } from "../ir/ops.js";
import type { Type } from "../ir/types.js";
import { Bail, Diagnostics } from "./diagnostics.js";
import { Scope, Sym } from "./scope.js";
import { StructType, TypeResolver } from "./types.js";

/** A module-level constant. Scalars are folded to `value`; other types re-emit `init` where used. */
export interface ModConst {
  name: string;
  type: Type;
  decl: ts.VariableDeclaration;
  init: ts.Expression;
  value?: number | bigint | boolean;
  /** Unannotated numeric literal constant: adapts to its context like a literal does. */
  adaptive?: "int" | "float";
  bad?: boolean;
}

export interface FuncSig {
  /** Source name (overloads share it). */
  name: string;
  /** Unique IR name (mangled when overloaded). */
  irName: string;
  kind: "kernel" | "func";
  params: { name: string; type: Type }[];
  ret: Type;
  decl: ts.FunctionDeclaration;
  func: Func;
  bad?: boolean;
}

export interface CallSite { from: FuncSig; to: FuncSig; node: ts.Node }

export class ModuleCtx {
  readonly structs = new Map<string, StructType>();
  readonly consts = new Map<string, ModConst>();
  /** Constants declared later in the file (use before declaration). */
  readonly pendingConsts = new Set<string>();
  readonly funcs = new Map<string, FuncSig[]>();
  /** Local import name -> builtin namespace name. */
  readonly aliases = new Map<string, string>();
  readonly callSites: CallSite[] = [];
  /** Classes declared without @struct (heap classes: rejected where used). */
  readonly plainClasses = new Set<string>();
  readonly types: TypeResolver;
  constructor(readonly diags: Diagnostics, readonly sf: ts.SourceFile, readonly file: string) {
    this.types = new TypeResolver(diags, this.structs);
  }
}

interface LoopEntry { label: number; continues: boolean; broken: boolean; kind: "loop" | "switch" }

export class FnCtx {
  readonly b: Builder;
  scope: Scope;
  /** Set while emitting a module constant's initializer: only constants are visible. */
  constOnly = false;
  /** The current straight-line flow has ended (return/break/continue): the rest is unreachable. */
  terminated = false;
  readonly loops: LoopEntry[] = [];
  /** Launch dimensionality used by tid() so far (0: unused), and where it was first fixed. */
  ndim = 0;
  ndimNode: ts.Node | null = null;

  constructor(readonly m: ModuleCtx, readonly fn: Func, readonly sig: FuncSig | null) {
    this.b = new Builder(fn);
    this.scope = new Scope(null);
  }

  get diags(): Diagnostics { return this.m.diags; }

  fail(at: ts.Node, message: string): never { return this.m.diags.fail(at, message); }

  /** Runs `f` in a nested scope. */
  inScope<T>(f: () => T): T {
    const saved = this.scope;
    this.scope = new Scope(saved);
    try { return f(); } finally { this.scope = saved; }
  }

  /** Looks up a local name; reports use-before-declaration; poisoned names bail quietly. */
  lookupLocal(name: string, at: ts.Node): Sym | undefined {
    const s = this.scope.lookup(name);
    if (s === "tdz") return this.fail(at, `'${name}' is used before its declaration`);
    if (s && s.k === "poison") throw new Bail();
    return s;
  }

  declare(name: string, sym: Sym, at: ts.Node): void {
    if (this.scope.has(name)) {
      this.scope.declare(name, { k: "poison" });
      this.fail(at, `'${name}' is already declared in this scope`);
    }
    this.scope.declare(name, sym);
  }

  /** Sets the source location stamped on instructions emitted from now on; returns the old one. */
  at(node: ts.Node): Builder["loc"] {
    const old = this.b.loc;
    this.b.loc = this.m.diags.loc(node);
    return old;
  }

  /** Emits into a detached region and returns its instructions (for select-vs-branch decisions). */
  detached<T>(f: () => T): [T, Inst[]] {
    const region: Inst[] = [];
    const v = this.b.into(region, f);
    return [v, region];
  }
}

/** Strips parentheses (and non-null assertions, which mean nothing in kernels). */
export function unparen(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}
