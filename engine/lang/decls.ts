// Module-level checks that need every declaration: @struct classes (fields, nesting, no self
// containment), custom adjoints (`@adjointOf`) and the call graph (recursion, direct or mutual, is
// rejected at the call site).

import ts from "typescript";
import { Bail, Diagnostics } from "./diagnostics.js";
import type { FuncSig, ModuleCtx } from "./context.js";
import type { StructType } from "./types.js";
import { arrayFieldElementMessage, builtinValueType, containsArray, isValueType } from "./types.js";
import { Type, isFloat, typeEq, typeName } from "../ir/types.js";

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

/**
 * Links each `@adjointOf(f)` @func to its function f, declared in the same module. The convention:
 * the adjoint takes f's parameters followed by the adjoint of f's result (`adj: R`), and returns the
 * adjoints of f's float parameters (those holding f32/f64 values and no arrays): the value itself
 * when there is one such parameter, else a @struct with one field per such parameter, in order.
 */
export function linkAdjoints(m: ModuleCtx, sigs: FuncSig[]): void {
  for (const a of sigs) {
    if (!a.adjointOf || a.bad) continue;
    try { linkAdjoint(m, a); } catch (e) { if (!(e instanceof Bail)) throw e; }
  }
}

const hasFloat = (t: Type): boolean => (t.k === "struct" ? t.fields.some((f) => hasFloat(f.type))
  : t.k === "scalar" || t.k === "vec" || t.k === "mat" || t.k === "quat" || t.k === "transform" ? isFloat(t.s) : false);

function linkAdjoint(m: ModuleCtx, a: FuncSig): void {
  const d: Diagnostics = m.diags, at = a.adjointOf!, name = at.text;
  const group = m.funcs.get(name);
  if (!group) {
    if (m.libs?.owner(name)) d.fail(at, `'${name}' is a library function; a custom adjoint must be declared in the module of its function`);
    d.fail(at, `unknown function '${name}' in @adjointOf`);
  }
  if (group[0].kind === "kernel") d.fail(at, `'${name}' is a kernel; only @funcs have custom adjoints`);
  const n = a.params.length - 1;
  const fits = (p: FuncSig) => p !== a && p.params.length === n && p.ret.k !== "void"
    && p.params.every((q, k) => typeEq(q.type, a.params[k].type)) && typeEq(a.params[n].type, p.ret);
  const matches = group.filter((p) => !p.bad && fits(p));
  if (matches.length !== 1) {
    if (group.some((p) => p.bad)) throw new Bail();
    const prims = group.filter((p) => p !== a);
    if (prims.every((p) => p.ret.k === "void")) d.fail(at, `'${name}' returns void, so it has no gradient to customise`);
    const forms = prims.filter((p) => p.ret.k !== "void").map((p) => `(${[...p.params.map((q) => `${q.name}: ${typeName(q.type)}`), `adj: ${typeName(p.ret)}`].join(", ")})`);
    d.fail(a.decl.name!, `the adjoint of '${name}' takes the parameters of '${name}' followed by the adjoint of its result: ${forms.join(" or ")}`);
  }
  const p = matches[0];
  if (containsArray(p.ret) || !hasFloat(p.ret)) d.fail(at, `'${name}' returns ${typeName(p.ret)}; a custom gradient needs a float result`);
  const diff = p.params.map((q, k) => (isValueType(q.type) && !containsArray(q.type) && hasFloat(q.type) ? k : -1)).filter((k) => k >= 0);
  if (!diff.length) d.fail(at, `'${name}' has no float parameters, so it has no gradient to customise`);
  const types = diff.map((k) => p.params[k].type);
  let mode: "direct" | "struct";
  if (diff.length === 1 && typeEq(a.ret, types[0])) mode = "direct";
  else if (a.ret.k === "struct" && a.ret.fields.length === types.length && a.ret.fields.every((f, j) => typeEq(f.type, types[j]))) mode = "struct";
  else {
    const names = diff.map((k) => `'${p.params[k].name}'`).join(", ");
    const want = diff.length === 1 ? `${typeName(types[0])} (the adjoint of ${names}) or a @struct with one field of that type`
      : `a @struct with fields of types (${types.map(typeName).join(", ")}): the adjoints of ${names}, in order`;
    d.fail(a.decl.type ?? a.decl.name!, `the adjoint of '${name}' must return ${want}, not ${typeName(a.ret)}`);
  }
  if (p.func.customGrad) d.fail(at, `'${name}' already has a custom adjoint`);
  p.func.customGrad = { adjoint: a.irName, mode, diff };
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
