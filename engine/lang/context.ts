// The state shared while checking and emitting: the module (structs, constants, function signatures,
// builtin import aliases) and the function being emitted (builder, scope, loop labels, tid use).

import ts from "typescript";
import { Builder } from "../ir/builder.js";
import type { Func, Inst } from "../ir/ops.js";
import type { Type } from "../ir/types.js";
import { Bail, Diagnostics } from "./diagnostics.js";
import { Scope, Sym } from "./scope.js";
import { StructType, TypeResolver } from "./types.js";
import type { CompiledLibrary, LibKind, LibrarySet } from "./library.js";

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
  /** `@adjointOf(f)`: this @func is the custom adjoint of f (linked by decls.ts `linkAdjoints`). */
  adjointOf?: ts.Identifier;
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
  /** Library @funcs this module calls (their IR is copied into the module). */
  readonly usedLibFuncs = new Set<FuncSig>();
  /** Library structs this module names (they join the module's struct table). */
  readonly usedLibStructs = new Map<string, StructType>();

  /**
   * `libs`: the libraries whose exported names this module sees; `library`: the name of the library
   * being compiled, if this module is one (its @func IR names get the prefix `library__`).
   */
  constructor(readonly diags: Diagnostics, readonly sf: ts.SourceFile, readonly file: string,
    readonly libs: LibrarySet | null = null, readonly library: string | null = null) {
    this.types = new TypeResolver(diags, this.structs, (name, at) => this.libStruct(name, at));
  }

  /** A library name of kind `kind`, compiling its library on first use; reports cycles and failures at `at`. */
  lib(name: string, kind: LibKind, at: ts.Node): CompiledLibrary | undefined {
    // Only names of that kind, and never this library's own names (they are declared here).
    const owner = this.libs?.owner(name);
    if (!owner || owner.kind !== kind || owner.lib === this.library) return undefined;
    const r = this.libs!.resolve(name);
    if (!r) return undefined;
    if ("cycle" in r) return this.diags.fail(at, `libraries use each other in a cycle: ${r.cycle.map((l) => `'${l}'`).join(" -> ")} ('${name}' is declared in '${r.lib}')`);
    if ("error" in r) {
      // The library's own diagnostics (they name the library file), then where this module used it.
      for (const d of r.error) if (!this.diags.list.includes(d)) this.diags.list.push(d);
      return this.diags.fail(at, `'${name}' comes from the library '${r.lib}', which has errors`);
    }
    return r.ok.lib;
  }

  /** A struct by name: the module's own, else a library's. */
  struct(name: string, at: ts.Node): StructType | undefined {
    return this.structs.get(name) ?? this.libStruct(name, at);
  }

  libStruct(name: string, at: ts.Node): StructType | undefined {
    if (this.structs.has(name)) return undefined;
    const st = this.lib(name, "struct", at)?.m.structs.get(name);
    if (st) this.useStruct(st);
    return st;
  }

  private useStruct(t: StructType): void {
    if (this.usedLibStructs.has(t.name) || this.structs.get(t.name) === t) return;
    this.usedLibStructs.set(t.name, t);
    for (const f of t.fields) {
      const ft = f.type.k === "array" ? f.type.elem : f.type;
      if (ft.k === "struct") this.useStruct(ft);
    }
  }

  /** A function group by source name: the module's own, else a library's. */
  funcGroup(name: string, at: ts.Node): FuncSig[] | undefined {
    return this.funcs.get(name) ?? this.lib(name, "func", at)?.m.funcs.get(name);
  }

  /** A constant: the module's own, else a library's (with the library's context to emit it in). */
  constant(name: string, at: ts.Node): { c: ModConst; m: ModuleCtx } | undefined {
    const own = this.consts.get(name);
    if (own) return { c: own, m: this };
    if (this.pendingConsts.has(name)) return undefined;
    const lib = this.lib(name, "const", at);
    const c = lib?.m.consts.get(name);
    return c && lib ? { c, m: lib.m } : undefined;
  }

  /** Records a call of a library @func: checks that this module does not shadow a struct it uses. */
  useLibFunc(sig: FuncSig, at: ts.Node): void {
    const check = (t: Type): void => {
      if (t.k === "array") return check(t.elem);
      if (t.k !== "struct") return;
      const own = this.structs.get(t.name);
      if (own && own !== t)
        this.diags.fail(at, `'${sig.name}' is a library function that uses the library struct '${t.name}', which this module's own struct '${t.name}' shadows; rename your struct`);
      this.useStruct(t);
    };
    for (const p of sig.params) check(p.type);
    check(sig.ret);
    this.usedLibFuncs.add(sig);
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

  /** `builder`: emit through an existing builder (a library constant emitted into a module's function). */
  constructor(readonly m: ModuleCtx, readonly fn: Func, readonly sig: FuncSig | null, builder?: Builder) {
    this.b = builder ?? new Builder(fn);
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
