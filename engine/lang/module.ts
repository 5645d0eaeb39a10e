// A kernel module: imports from "weft/kernels", @struct classes, module constants, @kernel and @func
// functions (with overloads). Declarations are collected first, so order in the file does not
// matter for calls; then every body is emitted, then the call graph is checked for recursion.

import ts from "typescript";
import { newFunc } from "../ir/builder.js";
import { walk } from "../ir/ops.js";
import type { Func, IRModule } from "../ir/ops.js";
import { lookupBuiltin } from "../builtins/index.js";
import { LibrarySet, setLibraryCompiler } from "./library.js";
import { Type, VOID, typeEq, typeName } from "../ir/types.js";
import { Bail, Diagnostics } from "./diagnostics.js";
import { FnCtx, FuncSig, ModuleCtx } from "./context.js";
import { emitValue } from "./expr.js";
import { evalConst } from "./fold.js";
import { litKind } from "./literals.js";
import { mismatch } from "./assign.js";
import { emitStmts } from "./stmt.js";
import { SPECIALS } from "./specials.js";
import { builtinValueType, isValueType, mangleType } from "./types.js";
import { checkRecursion, declareStructs, linkAdjoints } from "./decls.js";

const KNOWN_DECORATORS = new Set(["kernel", "func", "struct", "constant", "inline"]);

export function decoratorNames(diags: Diagnostics, node: ts.Node): string[] {
  const out: string[] = [];
  // Decorators on functions and variable statements are not standard TypeScript; the parser keeps
  // them among the modifiers.
  const mods = ((node as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers ?? []) as readonly ts.ModifierLike[];
  for (const d of mods.filter(ts.isDecorator)) {
    if (adjointTarget(d) !== undefined) { out.push("adjointOf"); continue; }
    const e = ts.isCallExpression(d.expression) && d.expression.arguments.length === 0 ? d.expression.expression : d.expression;
    if (!ts.isIdentifier(e) || !KNOWN_DECORATORS.has(e.text)) { diags.report(d, `unknown decorator '${d.getText()}' (known: @kernel, @func, @struct, @constant, @adjointOf(f))`); continue; }
    out.push(e.text);
  }
  return out;
}

/** `@adjointOf(f)`: the decorator's argument (null when malformed), or undefined for other decorators. */
function adjointTarget(d: ts.Decorator): ts.Identifier | null | undefined {
  const e = d.expression;
  if (ts.isIdentifier(e) && e.text === "adjointOf") return null;
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== "adjointOf") return undefined;
  return e.arguments.length === 1 && ts.isIdentifier(e.arguments[0]) ? e.arguments[0] : null;
}

function hasModifier(node: ts.Node, k: ts.SyntaxKind): boolean {
  return ((node as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers ?? []).some((m) => m.kind === k);
}

function isKernelsImport(spec: string): boolean {
  return spec === "weft/kernels" || (spec.startsWith(".") && /(^|\/)kernels-as(\/index(\.(ts|js))?)?$/.test(spec));
}

export interface CompileOptions {
  /** Libraries whose exported names the module sees (see library.ts); null or absent: none. */
  libraries?: LibrarySet | null;
  /** Compile the module as the library of this name (its @func IR names get the prefix `name__`). */
  library?: string;
}

export function compileModule(source: string, file: string, opts: CompileOptions = {}): IRModule {
  return compileModuleCtx(source, file, opts).ir;
}

setLibraryCompiler((src, libs) => compileModuleCtx(src.source, src.file, { libraries: libs, library: src.name }));

export function compileModuleCtx(source: string, file: string, opts: CompileOptions = {}): { ir: IRModule; m: ModuleCtx } {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const diags = new Diagnostics(sf, file);
  for (const d of ((sf as any).parseDiagnostics ?? []) as ts.DiagnosticWithLocation[])
    diags.report({ pos: d.start, end: d.start + d.length }, `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  diags.check();
  const m = new ModuleCtx(diags, sf, file, opts.libraries ?? null, opts.library ?? null);
  const structs: ts.ClassDeclaration[] = [], consts: ts.VariableStatement[] = [], funcs: ts.FunctionDeclaration[] = [];
  for (const st of sf.statements) {
    try { classify(m, st, structs, consts, funcs); } catch (e) { if (!(e instanceof Bail)) throw e; }
  }
  declareStructs(m, structs);
  const sigs = declareFuncs(m, funcs);
  linkAdjoints(m, sigs);
  declareConsts(m, consts);
  if (m.library) checkLibraryNames(m, structs, consts, funcs);
  for (const sig of sigs) if (!sig.bad) emitBody(m, sig);
  checkRecursion(m);
  const libFuncs = libraryFuncs(m, sigs);
  diags.check();
  const name = opts.library ?? file.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
  const structTable = new Map(m.structs);
  for (const [n, t] of m.usedLibStructs) if (!structTable.has(n)) structTable.set(n, t);
  return { ir: { name, file, source, funcs: [...sigs.map((s) => s.func), ...libFuncs], structs: structTable }, m };
}

/** The library functions a module calls, and everything they call, in call order. */
function libraryFuncs(m: ModuleCtx, sigs: FuncSig[]): Func[] {
  if (!m.libs || !m.usedLibFuncs.size) return [];
  const byName = m.libs.funcsByIrName;
  const out: Func[] = [], seen = new Set<string>();
  const add = (f: Func | undefined) => {
    if (!f || seen.has(f.name)) return;
    seen.add(f.name);
    out.push(f);
    walk(f.body, (i) => { if (i.op === "callf") add(byName.get(i.attrs.fn)); });
    if (f.customGrad) add(byName.get(f.customGrad.adjoint));
  };
  for (const s of m.usedLibFuncs) add(s.func);
  // A module's own function may not take a library function's IR name (they would be confused).
  for (const s of sigs) if (seen.has(s.func.name)) m.diags.report(s.decl.name!, `'${s.func.name}' is the IR name of a library function; choose another name`);
  return out;
}

/** Exported names of a library must not be builtins: the library would hide them from every module. */
function checkLibraryNames(m: ModuleCtx, structs: ts.ClassDeclaration[], consts: ts.VariableStatement[], funcs: ts.FunctionDeclaration[]): void {
  const names: ts.Identifier[] = [];
  for (const c of structs) if (c.name && hasModifier(c, ts.SyntaxKind.ExportKeyword)) names.push(c.name);
  for (const f of funcs) if (f.name && hasModifier(f, ts.SyntaxKind.ExportKeyword)) names.push(f.name);
  for (const st of consts) if (hasModifier(st, ts.SyntaxKind.ExportKeyword))
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name);
  for (const n of names) if (lookupBuiltin(n.text) && !lookupBuiltin(n.text)!.internal)
    m.diags.report(n, `the library '${m.library}' exports '${n.text}', the name of a builtin; library names must not hide builtins`);
}

function classify(m: ModuleCtx, st: ts.Statement, structs: ts.ClassDeclaration[], consts: ts.VariableStatement[], funcs: ts.FunctionDeclaration[]): void {
  const d: Diagnostics = m.diags;
  if (ts.isImportDeclaration(st)) {
    if (!ts.isStringLiteral(st.moduleSpecifier)) d.fail(st.moduleSpecifier, `write the module as a string: import { ... } from "weft/kernels"`);
    const spec = st.moduleSpecifier.text;
    if (!isKernelsImport(spec)) d.fail(st.moduleSpecifier, `only "weft/kernels" can be imported in a kernel module, not "${spec}"`);
    const clause = st.importClause;
    if (!clause) return;
    if (clause.name) d.fail(clause.name, `use named imports: import { ... } from "weft/kernels"`);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) d.fail(nb, `use named imports: import { sin, vec3 } from "weft/kernels"`);
    if (nb) for (const el of (nb as ts.NamedImports).elements) if (el.propertyName) m.aliases.set(el.name.text, el.propertyName.getText());
    return;
  }
  if (ts.isClassDeclaration(st)) {
    const decos = decoratorNames(d, st);
    if (decos.includes("struct")) { structs.push(st); return; }
    if (st.name) m.plainClasses.add(st.name.text);
    d.fail(st.name ?? st, `class '${st.name?.text ?? "?"}' needs @struct: kernels support only value-type structs, not heap classes`);
  }
  if (ts.isFunctionDeclaration(st)) { funcs.push(st); return; }
  if (ts.isVariableStatement(st)) {
    decoratorNames(d, st);
    if (!(st.declarationList.flags & ts.NodeFlags.Const))
      d.fail(st.declarationList, "module-level variables must be const (kernels have no globals)");
    for (const decl of st.declarationList.declarations) if (ts.isIdentifier(decl.name)) m.pendingConsts.add(decl.name.text);
    consts.push(st);
    return;
  }
  if (ts.isEmptyStatement(st)) return;
  const what = ts.isInterfaceDeclaration(st) ? "interfaces" : ts.isTypeAliasDeclaration(st) ? "type aliases"
    : ts.isEnumDeclaration(st) ? "enums (use module constants)" : ts.isExportDeclaration(st) || ts.isExportAssignment(st) ? "export lists"
    : ts.isModuleDeclaration(st) ? "namespaces" : "top-level statements";
  d.fail(st, `${what} are not supported in kernel modules`);
}

function declareConsts(m: ModuleCtx, stmts: ts.VariableStatement[]): void {
  for (const st of stmts) {
    for (const decl of st.declarationList.declarations) {
      try { declareConst(m, decl); } catch (e) {
        if (!(e instanceof Bail)) throw e;
        if (ts.isIdentifier(decl.name) && !m.consts.has(decl.name.text))
          m.consts.set(decl.name.text, { name: decl.name.text, type: VOID, decl, init: decl.initializer!, bad: true });
      } finally { if (ts.isIdentifier(decl.name)) m.pendingConsts.delete(decl.name.text); }
    }
  }
}

function declareConst(m: ModuleCtx, decl: ts.VariableDeclaration): void {
  const d: Diagnostics = m.diags;
  if (!ts.isIdentifier(decl.name)) d.fail(decl.name, "destructuring is not supported for module constants");
  const name = decl.name.text;
  if (m.consts.has(name)) d.fail(decl.name, `constant '${name}' is already declared`);
  if (builtinValueType(name) || SPECIALS[name]) d.fail(decl.name, `'${name}' is a built-in name; choose another`);
  if (m.funcs.has(name) || m.structs.has(name)) d.fail(decl.name, `'${name}' is already declared as a ${m.funcs.has(name) ? "function" : "struct"}`);
  if (!decl.initializer) d.fail(decl.name, `constant '${name}' needs an initializer`);
  const ann = decl.type ? m.types.resolve(decl.type) : undefined;
  const cx = new FnCtx(m, newFunc("$const", "func", []), null);
  cx.constOnly = true;
  const v = emitValue(cx, decl.initializer, ann);
  if (ann && !typeEq(v.type, ann)) d.fail(decl.initializer, mismatch(`cannot initialise constant '${name}'`, v.type, ann));
  if (!isValueType(v.type)) d.fail(decl.initializer, `constant '${name}' must be a number, vector, matrix or struct, got ${typeName(v.type)}`);
  const c = { name, type: v.type, decl, init: decl.initializer, value: undefined as number | bigint | boolean | undefined, adaptive: undefined as "int" | "float" | undefined };
  if (v.type.k === "scalar") {
    c.value = evalConst(v);
    if (c.value === undefined) d.fail(decl.initializer, `the value of constant '${name}' cannot be computed at compile time`);
    if (!ann) c.adaptive = litKind(cx, decl.initializer) ?? undefined;
  }
  m.consts.set(name, c);
}

function declareFuncs(m: ModuleCtx, decls: ts.FunctionDeclaration[]): FuncSig[] {
  const d: Diagnostics = m.diags;
  const sigs: FuncSig[] = [];
  for (const fd of decls) {
    try {
      const sig = declareFunc(m, fd);
      const group = m.funcs.get(sig.name) ?? [];
      if (group.length && (sig.kind === "kernel" || group[0].kind === "kernel"))
        d.fail(fd.name!, `'${sig.name}' is declared twice (kernels cannot be overloaded)`);
      const dup = group.find((g) => g.params.length === sig.params.length && g.params.every((p, i) => typeEq(p.type, sig.params[i].type)));
      if (dup) d.fail(fd.name!, `duplicate @func '${sig.name}' with the same parameter types (${sig.params.map((p) => typeName(p.type)).join(", ")})`);
      group.push(sig);
      m.funcs.set(sig.name, group);
      sigs.push(sig);
    } catch (e) { if (!(e instanceof Bail)) throw e; }
  }
  for (const group of m.funcs.values()) {
    const prefix = m.library && group[0].kind === "func" ? `${m.library}__` : "";
    if (group.length < 2) { if (prefix) group[0].func.name = group[0].irName = prefix + group[0].name; continue; }
    for (const s of group) s.func.name = s.irName = `${prefix}${s.name}__${s.params.map((p) => mangleType(p.type)).join("_") || "void"}`;
  }
  return sigs;
}

function declareFunc(m: ModuleCtx, fd: ts.FunctionDeclaration): FuncSig {
  const d: Diagnostics = m.diags;
  if (!fd.name) d.fail(fd, "functions need a name");
  const name = fd.name.text;
  const decos = decoratorNames(d, fd);
  // @adjointOf(f) marks a @func as the custom adjoint of f (the @func decorator may be left out).
  let adjointOf: ts.Identifier | undefined;
  for (const dec of ((fd.modifiers ?? []) as readonly ts.ModifierLike[]).filter(ts.isDecorator)) {
    const t = adjointTarget(dec);
    if (t === null) d.fail(dec, "write @adjointOf(f) with the name of the function whose adjoint this is");
    if (t) adjointOf = t;
  }
  const isKernel = decos.includes("kernel"), isFunc = decos.includes("func") || !!adjointOf;
  if (isKernel && adjointOf) d.fail(fd.name, `a @kernel cannot be an adjoint; @adjointOf marks a @func`);
  if (isKernel && isFunc) d.fail(fd.name, `'${name}' cannot be both @kernel and @func`);
  if (!isKernel && !isFunc) d.fail(fd.name, `function '${name}' needs a decorator: @kernel for a kernel, @func for a device function`);
  if (!fd.body) d.fail(fd.name, `function '${name}' needs a body`);
  if (fd.typeParameters) d.fail(fd.typeParameters[0], "generic functions are not supported; write one @func per type (overloads)");
  if (fd.asteriskToken) d.fail(fd.name, "generators are not supported in kernels");
  if (hasModifier(fd, ts.SyntaxKind.AsyncKeyword)) d.fail(fd.name, "async functions are not supported in kernels");
  if (hasModifier(fd, ts.SyntaxKind.DefaultKeyword)) d.fail(fd.name, "default exports are not supported in kernel modules");
  if (hasModifier(fd, ts.SyntaxKind.DeclareKeyword)) d.fail(fd.name, "'declare' functions are not supported in kernel modules");
  if (isKernel && !hasModifier(fd, ts.SyntaxKind.ExportKeyword)) d.fail(fd.name, `kernel '${name}' must be exported: @kernel export function ${name}(...)`);
  if (builtinValueType(name) || SPECIALS[name] || m.structs.has(name)) d.fail(fd.name, `'${name}' is a built-in name or a type; choose another`);
  const params: { name: string; type: Type }[] = [];
  let bad = false;
  for (const p of fd.parameters) {
    try {
      if (!ts.isIdentifier(p.name)) d.fail(p.name, "destructuring parameters are not supported");
      const pn = p.name.text;
      if (pn === "this") d.fail(p.name, "'this' parameters are not supported");
      if (p.dotDotDotToken) d.fail(p, "rest parameters are not supported in kernels");
      if (p.questionToken) d.fail(p, "optional parameters are not supported in kernels");
      if (p.initializer) d.fail(p.initializer, "default parameter values are not supported in kernels");
      if (!p.type) d.fail(p.name, `parameter '${pn}' needs a type annotation`);
      const t = m.types.resolve(p.type);
      if (t.k === "fixed") d.fail(p.type, "a StaticArray cannot be a parameter; use an Array<T> or pass values");
      if (params.some((q) => q.name === pn)) d.fail(p.name, `duplicate parameter '${pn}'`);
      params.push({ name: pn, type: t });
    } catch (e) { if (!(e instanceof Bail)) throw e; bad = true; }
  }
  let ret: Type = VOID;
  try {
    if (fd.type) ret = m.types.resolve(fd.type, true);
    else if (isFunc) d.fail(fd.name, `@func '${name}' needs a return type annotation, e.g. function ${name}(...): f32`);
    if (isKernel && ret.k !== "void") d.fail(fd.type!, `a @kernel must return void, not ${typeName(ret)}`);
    if (ret.k !== "void" && !isValueType(ret)) d.fail(fd.type!, `a @func cannot return ${typeName(ret)}`);
  } catch (e) { if (!(e instanceof Bail)) throw e; bad = true; }
  const func = newFunc(name, isKernel ? "kernel" : "func", params, ret);
  func.loc = d.loc(fd.name);
  return { name, irName: name, kind: isKernel ? "kernel" : "func", params, ret, decl: fd, func, bad, adjointOf };
}

/** Roots of assignment targets (`x = ...`, `x.a += ...`, `x++`), to make assigned @func params variables. */
function assignedRoots(body: ts.Node): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const root = (e: ts.Expression, direct: boolean) => {
    while (ts.isParenthesizedExpression(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      if (!ts.isParenthesizedExpression(e)) direct = false;
      e = e.expression;
    }
    if (ts.isIdentifier(e)) out.set(e.text, (out.get(e.text) ?? false) || direct);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) root(n.left, true);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) root(n.operand, true);
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

function emitBody(m: ModuleCtx, sig: FuncSig): void {
  const cx = new FnCtx(m, sig.func, sig);
  const fd = sig.decl;
  cx.at(fd.name!);
  const assigned = sig.kind === "func" ? assignedRoots(fd.body!) : new Map<string, boolean>();
  sig.params.forEach((p, i) => {
    const inst = cx.b.param(i);
    inst.name = p.name;
    const decl = fd.parameters[i];
    // A @func may assign its (value) parameters: they become variables initialised from the argument.
    if (assigned.has(p.name) && (p.type.k !== "array" || assigned.get(p.name))) {
      const v = cx.b.newVar(p.name, p.type);
      cx.b.set(v, inst);
      cx.scope.declare(p.name, { k: "var", v, decl });
    } else cx.scope.declare(p.name, { k: "value", inst, decl, param: sig.kind });
  });
  const errors = m.diags.count;
  emitStmts(cx, fd.body!.statements);
  if (sig.kind === "kernel") sig.func.ndim = cx.ndim || 1;
  else if (sig.ret.k !== "void" && !cx.terminated && m.diags.count === errors)
    m.diags.report(fd.name!, `@func '${sig.name}' must return a ${typeName(sig.ret)} on every path (missing return at the end)`);
}
