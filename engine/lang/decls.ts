// Module-level checks that need every declaration: @struct classes (fields, nesting, no self
// containment) and the call graph (recursion, direct or mutual, is rejected at the call site).

import ts from "typescript";
import { Bail, Diagnostics } from "./diagnostics.js";
import type { FuncSig, ModuleCtx } from "./context.js";
import type { StructType } from "./types.js";
import { arrayFieldElementMessage, builtinValueType, containsArray } from "./types.js";

export function declareStructs(m: ModuleCtx, decls: ts.ClassDeclaration[]): void {
  const d: Diagnostics = m.diags;
  const ok: [ts.ClassDeclaration, StructType][] = [];
  for (const cd of decls) {
    try {
      if (!cd.name) d.fail(cd, "a @struct class needs a name");
      const name = cd.name.text;
      if (m.structs.has(name)) d.fail(cd.name, `struct '${name}' is already declared`);
      if (builtinValueType(name)) d.fail(cd.name, `'${name}' is a built-in type; choose another name`);
      if (cd.typeParameters) d.fail(cd.typeParameters[0], "generic structs are not supported");
      if (cd.heritageClauses) d.fail(cd.heritageClauses[0], "@struct classes cannot extend or implement other types");
      const st: StructType = { k: "struct", name, fields: [] };
      m.structs.set(name, st);
      ok.push([cd, st]);
    } catch (e) { if (!(e instanceof Bail)) throw e; }
  }
  for (const [cd, st] of ok) {
    for (const mem of cd.members) {
      try {
        if (!ts.isPropertyDeclaration(mem)) {
          const what = ts.isConstructorDeclaration(mem) ? "constructors" : "methods and accessors";
          d.fail(mem, `${what} are not supported on @struct classes; use new ${st.name}() or an object literal, and @func functions taking the struct`);
        }
        if (!ts.isIdentifier(mem.name)) d.fail(mem.name, "struct fields need plain names");
        const fname = mem.name.text;
        if (mem.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) d.fail(mem, "static fields are not supported; use a module constant");
        if (mem.questionToken) d.fail(mem, "optional fields are not supported");
        if (!mem.type) d.fail(mem.name, `field '${fname}' needs a type annotation`);
        if (mem.initializer) d.fail(mem.initializer, `field initializers are not supported; new ${st.name}() sets every field to zero`);
        if (st.fields.some((f) => f.name === fname)) d.fail(mem.name, `duplicate field '${fname}'`);
        st.fields.push({ name: fname, type: m.types.fieldType(mem.type) });
      } catch (e) { if (!(e instanceof Bail)) throw e; }
    }
    if (st.fields.length === 0 && !cd.members.length) d.report(cd.name!, `struct '${st.name}' has no fields`);
  }
  // A struct may not contain itself, directly or through other structs.
  for (const [cd, st] of ok) {
    const seen = new Set<string>();
    const contains = (t: StructType): boolean => {
      for (const f of t.fields) {
        if (f.type.k !== "struct") continue;
        if (f.type.name === st.name) return true;
        if (seen.has(f.type.name)) continue;
        seen.add(f.type.name);
        if (contains(f.type)) return true;
      }
      return false;
    };
    if (contains(st)) d.report(cd.name!, `struct '${st.name}' contains itself; structs are values and cannot be recursive`);
  }
  // Arrays of structs that hold arrays (declared later in the file, so not checked when resolved).
  for (const [cd, st] of ok) {
    for (const mem of cd.members) {
      if (!ts.isPropertyDeclaration(mem) || !ts.isIdentifier(mem.name) || !mem.type) continue;
      const f = st.fields.find((x) => x.name === (mem.name as ts.Identifier).text);
      const at = ts.isTypeReferenceNode(mem.type) ? mem.type.typeArguments?.[0] ?? mem.type : mem.type;
      if (f && f.type.k === "array" && containsArray(f.type.elem)) d.report(at, arrayFieldElementMessage(f.type.elem));
    }
  }
}

/** Reports every call that is part of a cycle in the @func call graph. */
export function checkRecursion(m: ModuleCtx): void {
  const edges = new Map<FuncSig, FuncSig[]>();
  for (const c of m.callSites) {
    const l = edges.get(c.from) ?? [];
    l.push(c.to);
    edges.set(c.from, l);
  }
  /** Shortest path from `a` to `b` (as a list of functions), or null. */
  const path = (a: FuncSig, b: FuncSig): FuncSig[] | null => {
    const prev = new Map<FuncSig, FuncSig | null>([[a, null]]);
    const queue = [a];
    while (queue.length) {
      const x = queue.shift()!;
      if (x === b) {
        const out: FuncSig[] = [];
        for (let y: FuncSig | null = x; y; y = prev.get(y)!) out.unshift(y);
        return out;
      }
      for (const y of edges.get(x) ?? []) if (!prev.has(y)) { prev.set(y, x); queue.push(y); }
    }
    return null;
  };
  for (const c of m.callSites) {
    if (c.from === c.to) {
      m.diags.report(c.node, `recursion is not supported: '${c.from.name}' calls itself (GPU kernels have no call stack); use a loop with a StaticArray stack`);
      continue;
    }
    const back = path(c.to, c.from);
    if (back) {
      const cycle = [c.from, ...back].map((s) => s.name).join("' -> '");
      m.diags.report(c.node, `recursion is not supported: '${cycle}' (GPU kernels have no call stack)`);
    }
  }
}
