// Assignment `=`, compound assignment (`+=` ... `>>>=`) and `++`/`--`, on locals, components,
// struct fields, array elements and fixed-array elements.

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { Type, typeEq, typeName } from "../ir/types.js";
import { FnCtx, unparen } from "./context.js";
import { checkWritable, readRef, resolveRef, writeRef } from "./access.js";
import { emitLiteralExpr, emitValue } from "./expr.js";
import { literalTarget, litKind } from "./literals.js";
import { COMPOUND, applyBinary } from "./operators.js";

function describe(e: ts.Expression): string {
  const t = e.getText();
  return t.length > 40 ? t.slice(0, 37) + "..." : t;
}

export function mismatch(what: string, got: Type, want: Type): string {
  const hint = got.k === "scalar" && want.k === "scalar" && got.s !== "bool" && want.s !== "bool"
    ? `; cast with ${want.s}(x) or <${want.s}>x` : "";
  return `${what}: expected ${typeName(want)}, got ${typeName(got)}${hint}`;
}

export function emitAssign(cx: FnCtx, node: ts.BinaryExpression): Inst {
  const left = unparen(node.left);
  if (ts.isArrayLiteralExpression(left) || ts.isObjectLiteralExpression(left))
    return cx.fail(left, "destructuring assignment is not supported in kernels");
  const ref = resolveRef(cx, left, true);
  checkWritable(cx, ref, left);
  const k = node.operatorToken.kind;
  if (k === ts.SyntaxKind.EqualsToken) {
    const v = emitValue(cx, node.right, ref.type);
    if (!typeEq(v.type, ref.type)) return cx.fail(node.right, mismatch(`cannot assign to '${describe(left)}'`, v.type, ref.type));
    writeRef(cx, ref, v, left);
    return v;
  }
  const op = COMPOUND[k];
  if (!op) return cx.fail(node.operatorToken, `operator '${node.operatorToken.getText()}' is not supported in kernels`);
  const old = readRef(cx, ref, left);
  const lk = litKind(cx, node.right);
  const rhs = lk ? emitLiteralExpr(cx, node.right, literalTarget(lk, old.type)) : emitValue(cx, node.right, old.type);
  const res = applyBinary(cx, node.operatorToken, op, old, rhs);
  if (!typeEq(res.type, ref.type))
    return cx.fail(node, mismatch(`result of '${node.operatorToken.getText()}' cannot be stored in '${describe(left)}'`, res.type, ref.type));
  writeRef(cx, ref, res, left);
  return res;
}

export function emitIncDec(cx: FnCtx, node: ts.Expression, operand: ts.Expression, inc: boolean, prefix: boolean): Inst {
  const ref = resolveRef(cx, operand, true);
  checkWritable(cx, ref, operand);
  const t = ref.type;
  const sym = inc ? "++" : "--";
  if (t.k !== "scalar" || t.s === "bool") return cx.fail(node, `'${sym}' needs a numeric scalar, got ${typeName(t)}`);
  const old = readRef(cx, ref, operand);
  const nv = cx.b.call(inc ? "add" : "sub", old, cx.b.const(1, t.s));
  writeRef(cx, ref, nv, operand);
  return prefix ? nv : old;
}
