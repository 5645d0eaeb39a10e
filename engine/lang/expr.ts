// Expressions: dispatch on the TypeScript node kind, literal adaptation, names and unary operators.
// Every emitter returns the IR value (an `Inst`) and stamps the node's location on what it emits.

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, isFloat, typeName } from "../ir/types.js";
import { lookupBuiltin } from "../builtins/index.js";
import { FnCtx, unparen } from "./context.js";
import { MATH_CONSTS, emitNumber, literalTarget, litKind } from "./literals.js";
import { BINOPS, applyBinary, emitBinary, emitCond, emitConditional, emitLogical, isAssignOp } from "./operators.js";
import { emitAssign, emitIncDec } from "./assign.js";
import { emitElementRead, emitPropertyRead } from "./access.js";
import { emitBuiltinCall, emitCall } from "./calls.js";
import { Bail } from "./diagnostics.js";
import { emitCast, emitNew, emitObjectLiteral } from "./construct.js";
import { builtinValueType } from "./types.js";
import { Scope } from "./scope.js";

/** Emits an expression that must produce a value (not a void @func call). */
export function emitValue(cx: FnCtx, e: ts.Expression, hint?: Type): Inst {
  const v = emitExpr(cx, e, hint);
  if (v.type.k === "void") return cx.fail(e, `'${e.getText()}' has no value (it returns void)`);
  return v;
}

export function emitExpr(cx: FnCtx, e: ts.Expression, hint?: Type): Inst {
  const old = cx.at(e);
  try { return emitExprInner(cx, e, hint); } finally { cx.b.loc = old; }
}

function emitExprInner(cx: FnCtx, e: ts.Expression, hint?: Type): Inst {
  const lk = litKind(cx, e);
  if (lk) return emitLiteralExpr(cx, e, literalTarget(lk, hint));
  const K = ts.SyntaxKind;
  switch (e.kind) {
    case K.ParenthesizedExpression: case K.NonNullExpression:
      return emitExpr(cx, (e as ts.ParenthesizedExpression).expression, hint);
    case K.TrueKeyword: return cx.b.bool(true);
    case K.FalseKeyword: return cx.b.bool(false);
    case K.Identifier: return emitIdentifier(cx, e as ts.Identifier);
    case K.BinaryExpression: return emitBinaryExpr(cx, e as ts.BinaryExpression, hint);
    case K.PrefixUnaryExpression: return emitPrefix(cx, e as ts.PrefixUnaryExpression, hint);
    case K.PostfixUnaryExpression: {
      const p = e as ts.PostfixUnaryExpression;
      return emitIncDec(cx, p, p.operand, p.operator === K.PlusPlusToken, false);
    }
    case K.ConditionalExpression: return emitConditional(cx, e as ts.ConditionalExpression, hint);
    case K.CallExpression: return emitCall(cx, e as ts.CallExpression, hint);
    case K.NewExpression: return emitNew(cx, e as ts.NewExpression);
    case K.PropertyAccessExpression: return emitPropertyRead(cx, e as ts.PropertyAccessExpression);
    case K.ElementAccessExpression: return emitElementRead(cx, e as ts.ElementAccessExpression);
    case K.ObjectLiteralExpression: return emitObjectLiteral(cx, e as ts.ObjectLiteralExpression, hint);
    case K.TypeAssertionExpression: case K.AsExpression: {
      const a = e as ts.AsExpression;
      if (ts.isTypeReferenceNode(a.type) && a.type.getText() === "const") return cx.fail(e, "'as const' is not supported in kernels");
      return emitCast(cx, a.type, a.expression, e);
    }
    case K.ArrayLiteralExpression:
      return cx.fail(e, "array literals are not supported in kernels (no dynamic allocation); use new StaticArray<T>(n) or a vector constructor such as vec3(...)");
    case K.ArrowFunction: case K.FunctionExpression:
      return cx.fail(e, "closures and function expressions are not supported in kernels; declare a @func");
    case K.StringLiteral: case K.NoSubstitutionTemplateLiteral: case K.TemplateExpression: case K.TaggedTemplateExpression:
      return cx.fail(e, "strings are not supported in kernels (only as the format of print(...))");
    case K.ThisKeyword: return cx.fail(e, "'this' is not supported in kernels (@struct classes have no methods; pass the struct to a @func)");
    case K.SuperKeyword: return cx.fail(e, "'super' is not supported in kernels");
    case K.TypeOfExpression: return cx.fail(e, "'typeof' is not supported in kernels");
    case K.VoidExpression: return cx.fail(e, "the 'void' operator is not supported in kernels");
    case K.DeleteExpression: return cx.fail(e, "'delete' is not supported in kernels");
    case K.AwaitExpression: return cx.fail(e, "'await' is not supported in kernels (no async code)");
    case K.YieldExpression: return cx.fail(e, "'yield' is not supported in kernels (no generators)");
    case K.NullKeyword: return cx.fail(e, "'null' is not supported in kernels");
    case K.BigIntLiteral: return cx.fail(e, `BigInt literals are not supported; write i64(${e.getText().slice(0, -1)}) or u64(...)`);
    case K.RegularExpressionLiteral: return cx.fail(e, "regular expressions are not supported in kernels");
    case K.SpreadElement: return cx.fail(e, "spread ('...') is not supported in kernels");
    case K.ClassExpression: return cx.fail(e, "class expressions are not supported in kernels");
    case K.SatisfiesExpression: return cx.fail(e, "'satisfies' is not supported in kernels");
    default: return cx.fail(e, `unsupported expression '${ts.SyntaxKind[e.kind]}'`);
  }
}

function emitBinaryExpr(cx: FnCtx, e: ts.BinaryExpression, hint?: Type): Inst {
  const K = ts.SyntaxKind;
  const k = e.operatorToken.kind;
  if (k === K.CommaToken) {
    emitExpr(cx, e.left);
    return emitExpr(cx, e.right, hint);
  }
  if (k === K.AmpersandAmpersandToken) return emitLogical(cx, e, true);
  if (k === K.BarBarToken) return emitLogical(cx, e, false);
  if (isAssignOp(k)) return emitAssign(cx, e);
  if (k === K.AsteriskAsteriskToken) {
    if (!lookupBuiltin("pow")) return cx.fail(e.operatorToken, "operator '**' needs the builtin pow, which is not available");
    return emitBuiltinCall(cx, e, "pow", [e.left, e.right], hint);
  }
  const op = BINOPS[k];
  if (op) return emitBinary(cx, e, op, hint);
  const what = k === K.QuestionQuestionToken ? "'??'" : k === K.InstanceOfKeyword ? "'instanceof'" : k === K.InKeyword ? "'in'"
    : `'${e.operatorToken.getText()}'`;
  return cx.fail(e.operatorToken, `operator ${what} is not supported in kernels`);
}

function emitPrefix(cx: FnCtx, e: ts.PrefixUnaryExpression, hint?: Type): Inst {
  const K = ts.SyntaxKind;
  switch (e.operator) {
    case K.PlusPlusToken: case K.MinusMinusToken:
      return emitIncDec(cx, e, e.operand, e.operator === K.PlusPlusToken, true);
    case K.ExclamationToken: return cx.b.call("not", emitCond(cx, e.operand, "operand of '!'"));
    case K.MinusToken: return applyUnary(cx, e, "neg", emitValue(cx, e.operand, hint));
    case K.TildeToken: return applyUnary(cx, e, "bnot", emitValue(cx, e.operand, hint));
    case K.PlusToken: {
      const v = emitValue(cx, e.operand, hint);
      // The identity on every numeric scalar and vector-like value (vectors, matrices, quaternions, transforms).
      const t = v.type;
      const numeric = (t.k === "scalar" || t.k === "vec" || t.k === "mat" || t.k === "quat" || t.k === "transform") && t.s !== "bool";
      if (!numeric) return cx.fail(e, `unary '+' needs a number or a vector, matrix, quaternion or transform, got ${typeName(t)}`);
      return v;
    }
  }
  return cx.fail(e, "unsupported unary operator");
}

export function applyUnary(cx: FnCtx, at: ts.Node, fn: string, v: Inst): Inst {
  const t = lookupBuiltin(fn)!.resolve([v.type]);
  if (typeof t === "string") return cx.fail(at, t);
  return cx.b.call(fn, v);
}

/** Emits a literal expression as scalar kind `s` (see literals.ts). */
export function emitLiteralExpr(cx: FnCtx, e: ts.Expression, s: ScalarKind): Inst {
  const old = cx.at(e);
  try {
    e = unparen(e);
    const K = ts.SyntaxKind;
    if (ts.isNumericLiteral(e)) return emitNumber(cx, e, s, false, e);
    if (ts.isIdentifier(e)) {
      if (e.text === "NaN" || e.text === "Infinity") {
        if (!isFloat(s)) return cx.fail(e, `${e.text} is a float; it cannot be ${s}`);
        return cx.b.const(e.text === "NaN" ? NaN : Infinity, s);
      }
      const c = cx.m.consts.get(e.text)!;
      return emitLiteralExpr(cx, c.init, s);
    }
    if (ts.isPropertyAccessExpression(e)) return cx.b.const(MATH_CONSTS[e.name.text], s);
    if (ts.isPrefixUnaryExpression(e)) {
      const inner = unparen(e.operand);
      if (e.operator === K.MinusToken && ts.isNumericLiteral(inner)) return emitNumber(cx, inner, s, true, e);
      const v = emitLiteralExpr(cx, e.operand, s);
      if (e.operator === K.PlusToken) return v;
      return applyUnary(cx, e, e.operator === K.MinusToken ? "neg" : "bnot", v);
    }
    if (ts.isBinaryExpression(e)) {
      const l = emitLiteralExpr(cx, e.left, s), r = emitLiteralExpr(cx, e.right, s);
      return applyBinary(cx, e.operatorToken, BINOPS[e.operatorToken.kind]!, l, r);
    }
    return cx.fail(e, "unsupported literal expression");
  } finally { cx.b.loc = old; }
}

/** A name used as a value. */
export function emitIdentifier(cx: FnCtx, id: ts.Identifier): Inst {
  const name = id.text;
  const sym = cx.lookupLocal(name, id);
  if (sym) {
    switch (sym.k) {
      case "var": return cx.b.get(sym.v);
      case "value": return sym.inst;
      case "fixed": return cx.fail(id, `StaticArray '${name}' is not a value; index it (${name}[i]) or read ${name}.length`);
    }
  }
  if (cx.m.pendingConsts.has(name) && !cx.m.consts.has(name)) return cx.fail(id, `constant '${name}' is used before its declaration`);
  const found = cx.m.constant(name, id);
  if (found) {
    const { c, m } = found;
    if (c.bad) throw new Bail();
    if (c.value !== undefined && c.type.k === "scalar") return cx.b.const(c.value, c.type.s);
    if (m !== cx.m) {
      // A library constant: its initializer is emitted in the library's context (names, locations).
      const lcx = new FnCtx(m, cx.fn, null, cx.b);
      lcx.constOnly = true;
      return emitValue(lcx, c.init, c.type);
    }
    const saved = cx.scope, savedConst = cx.constOnly;
    cx.scope = new Scope(null);
    cx.constOnly = true;
    try { return emitValue(cx, c.init, c.type); } finally { cx.scope = saved; cx.constOnly = savedConst; }
  }
  if (name === "undefined") return cx.fail(id, "'undefined' is not supported in kernels");
  if (cx.m.funcGroup(name, id)) return cx.fail(id, `'${name}' is a function; call it (${name}(...)): function values are not supported`);
  if (builtinValueType(name) || cx.m.struct(name, id)) return cx.fail(id, `'${name}' is a type, not a value`);
  const bname = cx.m.aliases.get(name) ?? name;
  if (lookupBuiltin(bname) || bname === "tid") return cx.fail(id, `builtin '${name}' must be called: ${name}(...)`);
  return cx.fail(id, `unknown name '${name}'`);
}
