// Lexical scopes of a function body. A name is bound to a mutable variable (`let`, an IR Var), an SSA
// value (`const`, parameters), a fixed-size local array, or a poisoned entry (its declaration failed,
// so uses bail out quietly instead of cascading "unknown name" errors).

import ts from "typescript";
import type { Inst, Var } from "../ir/ops.js";
import type { Type } from "../ir/types.js";

export type Sym =
  | { k: "var"; v: Var; decl: ts.Node }
  | { k: "value"; inst: Inst; decl: ts.Node; param?: "kernel" | "func" }
  | { k: "fixed"; v: Var; elem: Type; n: number; decl: ts.Node }
  | { k: "poison" };

export class Scope {
  private names = new Map<string, Sym>();
  /** Names declared somewhere in this block but not yet reached (TDZ: use before declaration). */
  readonly pending = new Set<string>();
  constructor(readonly parent: Scope | null) {}

  has(name: string): boolean { return this.names.has(name); }
  declare(name: string, sym: Sym): void { this.names.set(name, sym); this.pending.delete(name); }

  /** Looks a name up; `tdz` says the name exists in an enclosing block but later in the text. */
  lookup(name: string): Sym | "tdz" | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const sym = s.names.get(name);
      if (sym) return sym;
      if (s.pending.has(name)) return "tdz";
    }
    return undefined;
  }

  /** Records the names that `stmts` declare at this block's level. */
  prescan(stmts: readonly ts.Statement[]): void {
    for (const st of stmts) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) collectBindingNames(d.name, this.pending);
      }
    }
  }
}

export function collectBindingNames(n: ts.BindingName, out: Set<string>): void {
  if (ts.isIdentifier(n)) { out.add(n.text); return; }
  for (const e of n.elements) if (!ts.isOmittedExpression(e)) collectBindingNames(e.name, out);
}
