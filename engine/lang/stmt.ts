// Statements: declarations (`let`, `const`, `const [i, j] = tid()`, `new StaticArray<T>(n)`),
// if/else, for, while, do..while, switch, break/continue, return. Loops become IR `loop`s whose body
// starts with `if (!cond) break` and whose step region holds the `for` step (continue jumps there).
// Code after return/break/continue is unreachable and dropped.

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { BOOL, Type, fixed, typeEq, typeName } from "../ir/types.js";
import { Bail } from "./diagnostics.js";
import { FnCtx, unparen } from "./context.js";
import { emitExpr, emitLiteralExpr, emitValue } from "./expr.js";
import { emitCond } from "./operators.js";
import { collectBindingNames } from "./scope.js";
import { emitTidN } from "./specials.js";
import { zeroOf } from "./construct.js";
import { mismatch } from "./assign.js";
import { evalConst } from "./fold.js";
import { isValueType } from "./types.js";
import { literalTarget, litKind } from "./literals.js";

/** Emits a block's statements; an error abandons only the statement it is in. */
export function emitStmts(cx: FnCtx, stmts: readonly ts.Statement[]): void {
  cx.scope.prescan(stmts);
  for (const st of stmts) {
    if (cx.terminated) break;
    try { emitStmt(cx, st); } catch (e) {
      if (e instanceof Bail) continue;
      // A compiler bug must still reach the user as a located diagnostic, not a stack trace.
      cx.diags.report(st, `internal compiler error: ${(e as Error).message ?? e}`);
    }
  }
}

/** A nested statement in its own scope; returns whether its flow ended (return/break/continue). */
function emitSub(cx: FnCtx, st: ts.Statement): boolean {
  cx.terminated = false;
  cx.inScope(() => emitStmts(cx, ts.isBlock(st) ? st.statements : [st]));
  const t = cx.terminated;
  cx.terminated = false;
  return t;
}

function emitStmt(cx: FnCtx, st: ts.Statement): void {
  const b = cx.b;
  cx.at(st);
  const K = ts.SyntaxKind;
  switch (st.kind) {
    case K.VariableStatement: return emitVarList(cx, (st as ts.VariableStatement).declarationList);
    case K.ExpressionStatement: emitExpr(cx, (st as ts.ExpressionStatement).expression); return;
    case K.EmptyStatement: return;
    case K.Block: cx.inScope(() => emitStmts(cx, (st as ts.Block).statements)); return;
    case K.IfStatement: {
      const s = st as ts.IfStatement;
      const c = emitCond(cx, s.expression);
      let tt = false, te = false;
      b.if(c, () => { tt = emitSub(cx, s.thenStatement); }, s.elseStatement ? () => { te = emitSub(cx, s.elseStatement!); } : undefined);
      cx.terminated = tt && te;
      return;
    }
    case K.ForStatement: {
      const s = st as ts.ForStatement;
      cx.inScope(() => {
        if (s.initializer) {
          if (ts.isVariableDeclarationList(s.initializer)) emitVarList(cx, s.initializer);
          else emitExpr(cx, s.initializer);
        }
        emitLoop(cx, s.condition, s.statement, s.incrementor ? () => { emitExpr(cx, s.incrementor!); } : undefined, false);
      });
      return;
    }
    case K.WhileStatement: {
      const s = st as ts.WhileStatement;
      return emitLoop(cx, s.expression, s.statement, undefined, false);
    }
    case K.DoStatement: {
      const s = st as ts.DoStatement;
      return emitLoop(cx, s.expression, s.statement, undefined, true);
    }
    case K.BreakStatement: case K.ContinueStatement: {
      const s = st as ts.BreakStatement;
      const isBreak = st.kind === K.BreakStatement;
      if (s.label) return cx.fail(s.label, "labels are not supported in kernels");
      const entry = [...cx.loops].reverse().find((l) => isBreak || l.kind === "loop");
      if (!entry) return cx.fail(st, `'${isBreak ? "break" : "continue"}' outside a loop`);
      if (isBreak) { entry.broken = true; b.break(entry.label); } else b.continue(entry.label);
      cx.terminated = true;
      return;
    }
    case K.ReturnStatement: return emitReturn(cx, st as ts.ReturnStatement);
    case K.SwitchStatement: return emitSwitch(cx, st as ts.SwitchStatement);
    case K.ForOfStatement: case K.ForInStatement:
      return cx.fail(st, "for..of / for..in loops are not supported in kernels; use an index loop: for (let i = 0; i < n; i++)");
    case K.LabeledStatement: return cx.fail((st as ts.LabeledStatement).label, "labels are not supported in kernels");
    case K.ThrowStatement: return cx.fail(st, "exceptions ('throw') are not supported in kernels");
    case K.TryStatement: return cx.fail(st, "'try/catch' is not supported in kernels");
    case K.FunctionDeclaration: return cx.fail(st, "nested functions are not supported in kernels; declare a top-level @func");
    case K.ClassDeclaration: return cx.fail(st, "classes must be declared at the top level of the module");
    case K.DebuggerStatement: return cx.fail(st, "'debugger' is not supported in kernels");
    case K.WithStatement: return cx.fail(st, "'with' is not supported in kernels");
    default: return cx.fail(st, `unsupported statement '${K[st.kind]}'`);
  }
}

/** while/for (test at the top) and do..while (test in the step region, where continue lands). */
function emitLoop(cx: FnCtx, cond: ts.Expression | undefined, body: ts.Statement, step: (() => void) | undefined, testAtEnd: boolean): void {
  const b = cx.b;
  const entry = { label: -1, continues: false, broken: false, kind: "loop" as const };
  const test = (label: number) => {
    if (!cond) return;
    const c = emitCond(cx, cond, "loop condition");
    b.if(b.call("not", c), () => { b.break(label); });
  };
  let label = -1;
  b.loop((l) => {
    label = l;
    entry.label = l;
    if (!testAtEnd) test(l);
    cx.loops.push(entry);
    try { emitSub(cx, body); } finally { cx.loops.pop(); }
  }, () => {
    if (testAtEnd) test(label);
    step?.();
  });
  const infinite = !cond || unparen(cond).kind === ts.SyntaxKind.TrueKeyword;
  cx.terminated = infinite && !entry.broken;
}

function emitReturn(cx: FnCtx, st: ts.ReturnStatement): void {
  const sig = cx.sig!;
  if (sig.kind === "kernel") {
    if (st.expression) return cx.fail(st.expression, "a @kernel returns nothing; write 'return;'");
    cx.b.return();
  } else if (sig.ret.k === "void") {
    if (st.expression) return cx.fail(st.expression, `'${sig.name}' returns void; write 'return;'`);
    cx.b.return();
  } else {
    if (!st.expression) return cx.fail(st, `'${sig.name}' must return a ${typeName(sig.ret)} value`);
    const v = emitValue(cx, st.expression, sig.ret);
    if (!typeEq(v.type, sig.ret)) return cx.fail(st.expression, mismatch(`return type mismatch in '${sig.name}'`, v.type, sig.ret));
    cx.b.return(v);
  }
  cx.terminated = true;
}

/** switch: a block left by `break`; a `matched` flag gives C fallthrough; default must be last. */
function emitSwitch(cx: FnCtx, st: ts.SwitchStatement): void {
  const b = cx.b;
  const disc = emitValue(cx, st.expression);
  if (disc.type.k !== "scalar" || disc.type.s === "bool" || disc.type.s === "f32" || disc.type.s === "f64")
    return cx.fail(st.expression, `switch needs an integer, got ${typeName(disc.type)}`);
  const clauses = st.caseBlock.clauses;
  clauses.forEach((c, i) => {
    if (ts.isDefaultClause(c) && i !== clauses.length - 1) cx.fail(c, "'default' must be the last clause of a switch in kernels");
  });
  const matched = b.newVar("matched", BOOL);
  b.set(matched, b.bool(false));
  const entry = { label: -1, continues: false, broken: false, kind: "switch" as const };
  b.blockRegion((label) => {
    entry.label = label;
    cx.loops.push(entry);
    try {
      cx.inScope(() => {
        for (const c of clauses) cx.scope.prescan(c.statements);
        for (const c of clauses) {
          const run = () => {
            b.set(matched, b.bool(true));
            cx.terminated = false;
            emitStmts(cx, c.statements);
            cx.terminated = false;
          };
          if (ts.isDefaultClause(c)) { run(); continue; }
          try {
            const lk = litKind(cx, c.expression);
            const v = lk ? emitLiteralExpr(cx, c.expression, literalTarget(lk, disc.type)) : emitValue(cx, c.expression, disc.type);
            if (!typeEq(v.type, disc.type)) cx.fail(c.expression, mismatch("case value", v.type, disc.type));
            b.if(b.call("or", b.get(matched), b.call("eq", disc, v)), run);
          } catch (e) { if (!(e instanceof Bail)) throw e; }
        }
      });
    } finally { cx.loops.pop(); }
  });
  cx.terminated = false;
}

function emitVarList(cx: FnCtx, list: ts.VariableDeclarationList): void {
  const flags = list.flags;
  if (!(flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) return cx.fail(list, "'var' is not supported in kernels; use let or const");
  const isConst = (flags & ts.NodeFlags.Const) !== 0;
  const decls = list.declarations;
  for (let i = 0; i < decls.length; i++) {
    try { emitVarDecl(cx, decls[i], isConst); } catch (e) {
      if (!(e instanceof Bail)) throw e;
      // The failed declaration and those after it: their names stay known but silent.
      const names = new Set<string>();
      for (const d of decls.slice(i)) collectBindingNames(d.name, names);
      for (const n of names) if (!cx.scope.has(n)) cx.scope.declare(n, { k: "poison" });
      throw e;
    }
  }
}

function isTidCall(cx: FnCtx, e: ts.Expression | undefined): boolean {
  if (!e) return false;
  e = unparen(e);
  return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "tid" && !cx.scope.lookup("tid");
}

function emitVarDecl(cx: FnCtx, d: ts.VariableDeclaration, isConst: boolean): void {
  const b = cx.b;
  if (ts.isObjectBindingPattern(d.name)) return cx.fail(d.name, "object destructuring is not supported in kernels");
  if (ts.isArrayBindingPattern(d.name)) {
    if (!isTidCall(cx, d.initializer)) return cx.fail(d.name, "destructuring is only supported for thread indices: const [i, j] = tid()");
    const call = unparen(d.initializer!) as ts.CallExpression;
    if (call.arguments.length) return cx.fail(call, "tid() takes no arguments");
    const els = d.name.elements;
    const ids = emitTidN(cx, els.length, d.name);
    els.forEach((el, k) => {
      if (ts.isOmittedExpression(el)) return;
      if (el.dotDotDotToken || el.initializer || !ts.isIdentifier(el.name)) return cx.fail(el, "write plain names: const [i, j] = tid()");
      bind(cx, el.name.text, ids[k], isConst, el);
    });
    return;
  }
  const name = d.name.text;
  const ann = d.type ? cx.m.types.resolve(d.type) : undefined;
  const init = d.initializer ? unparen(d.initializer) : undefined;
  if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === "StaticArray")
    return emitFixedDecl(cx, d, name, init, ann);
  if (ann?.k === "fixed") return cx.fail(d, `StaticArray '${name}' must be initialised with new StaticArray<T>(n)`);
  let v;
  if (!init) {
    if (isConst) return cx.fail(d.name, `const '${name}' needs an initializer`);
    if (!ann) return cx.fail(d.name, `'${name}' needs a type annotation or an initializer`);
    if (!isValueType(ann)) return cx.fail(d.name, `'${name}' of type ${typeName(ann)} needs an initializer`);
    v = zeroOf(cx, ann, d);
  } else {
    v = emitValue(cx, init, ann);
    if (ann && !typeEq(v.type, ann)) return cx.fail(init, mismatch(`cannot initialise '${name}'`, v.type, ann));
  }
  bind(cx, name, v, isConst, d.name);
}

function bind(cx: FnCtx, name: string, v: Inst, isConst: boolean, at: ts.Node): void {
  if (isConst) {
    if (!v.name) v.name = name;
    cx.declare(name, { k: "value", inst: v, decl: at }, at);
  } else {
    const variable = cx.b.newVar(name, v.type);
    cx.b.set(variable, v);
    cx.declare(name, { k: "var", v: variable, decl: at }, at);
  }
}

const MAX_FIXED = 1 << 16;

function emitFixedDecl(cx: FnCtx, d: ts.VariableDeclaration, name: string, e: ts.NewExpression, ann: Type | undefined): void {
  const b = cx.b;
  if (!e.typeArguments || e.typeArguments.length !== 1) return cx.fail(e, "write new StaticArray<T>(n) with the element type T");
  const elem = cx.m.types.elementType(e.typeArguments[0]);
  if (!isValueType(elem)) return cx.fail(e.typeArguments[0], `StaticArray elements must be value types, got ${typeName(elem)}`);
  if (!e.arguments || e.arguments.length !== 1) return cx.fail(e, "new StaticArray<T>(n) takes one argument, the length");
  const [sz] = cx.detached(() => emitValue(cx, e.arguments![0], { k: "scalar", s: "i32" }));
  const n = sz.type.k === "scalar" && sz.type.s === "i32" ? evalConst(sz) : undefined;
  if (typeof n !== "number") return cx.fail(e.arguments[0], "the StaticArray length must be a compile-time i32 constant (a literal or a module const)");
  if (n <= 0 || n > MAX_FIXED) return cx.fail(e.arguments[0], `the StaticArray length must be in 1..${MAX_FIXED}, got ${n}`);
  if (ann && (ann.k !== "fixed" || !typeEq(ann.elem, elem)))
    return cx.fail(d.type!, mismatch(`cannot initialise '${name}'`, fixed(elem, n), ann));
  const v = b.newVar(name, fixed(elem, n));
  // Fixed arrays start zeroed, as in AssemblyScript, so every backend reads the same values.
  b.forRange(b.i32(0), b.i32(n), (i) => { b.fset(v, i, zeroOf(cx, elem, e)); }, `${name}_i`);
  cx.declare(name, { k: "fixed", v, elem, n, decl: d.name }, d.name);
}
