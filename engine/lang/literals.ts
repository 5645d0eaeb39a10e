// Numeric literals adapt to their context: `x * 2` with x: f32 multiplies by an f32 2, `v * 0.5` with
// v: vec3d scales by an f64 0.5. A "literal expression" is a literal, or unary/binary arithmetic of
// literals (`-1`, `(1 << 4) - 1`); it takes the scalar kind its context asks for. Without context
// an integer literal is i32 and a float literal f32 (GPU kernels want f32; AssemblyScript says f64).

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, componentScalar, isFloat, isInt } from "../ir/types.js";
import { FnCtx, unparen } from "./context.js";

export type LitKind = "int" | "float";

const LIT_BINOPS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken,
  ts.SyntaxKind.PercentToken, ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken,
]);

export function isFloatText(text: string): boolean {
  return !/^0[xXbBoO]/.test(text) && /[.eE]/.test(text);
}

/** "int"/"float" when `e` is a literal expression (adapts to context), else null. */
export function litKind(cx: FnCtx, e: ts.Expression): LitKind | null {
  e = unparen(e);
  if (ts.isNumericLiteral(e)) return isFloatText(e.text) || isFloatText(e.getText()) ? "float" : "int";
  if (ts.isIdentifier(e)) {
    if (e.text === "NaN" || e.text === "Infinity") return cx.scope.lookup(e.text) ? null : "float";
    const c = cx.m.consts.get(e.text);
    if (c && c.adaptive && !cx.scope.lookup(e.text)) return c.adaptive;
    return null;
  }
  if (ts.isPropertyAccessExpression(e)) {
    // Math.PI and friends adapt like float literals (Mathf.PI is always f32).
    const base = unparen(e.expression);
    return ts.isIdentifier(base) && base.text === "Math" && MATH_CONSTS[e.name.text] !== undefined && !cx.scope.lookup("Math") ? "float" : null;
  }
  if (ts.isPrefixUnaryExpression(e)) {
    if (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken) return litKind(cx, e.operand);
    if (e.operator === ts.SyntaxKind.TildeToken) return litKind(cx, e.operand) === "int" ? "int" : null;
    return null;
  }
  if (ts.isBinaryExpression(e) && LIT_BINOPS.has(e.operatorToken.kind)) {
    const a = litKind(cx, e.left), b = litKind(cx, e.right);
    if (!a || !b) return null;
    return a === "float" || b === "float" ? "float" : "int";
  }
  return null;
}

/** The scalar kind a literal expression of kind `lk` takes under `hint` (or its default). */
export function literalTarget(lk: LitKind, hint: Type | ScalarKind | undefined): ScalarKind {
  const s = hint === undefined ? undefined : typeof hint === "string" ? hint : componentScalar(hint) ?? undefined;
  if (s && s !== "bool" && (lk === "int" || isFloat(s))) return s;
  return lk === "int" ? "i32" : "f32";
}

const RANGES: Partial<Record<ScalarKind, [bigint, bigint]>> = {
  i32: [-(1n << 31n), (1n << 31n) - 1n], u32: [0n, (1n << 32n) - 1n],
  i64: [-(1n << 63n), (1n << 63n) - 1n], u64: [0n, (1n << 64n) - 1n],
};

/** Emits a numeric literal (possibly negated) as a constant of kind `s`, checking its range. */
export function emitNumber(cx: FnCtx, lit: ts.NumericLiteral, s: ScalarKind, negate: boolean, at: ts.Node): Inst {
  const text = lit.getText().replace(/_/g, "");
  if (isFloatText(text)) {
    let v = Number(text);
    if (negate) v = -v;
    if (isInt(s)) {
      // Only reached through an explicit cast such as i32(1.5): the literal is f64, then converted.
      return cx.b.convert(cx.b.const(v, "f64"), { k: "scalar", s });
    }
    return cx.b.const(v, s);
  }
  let big = BigInt(text);
  if (negate) big = -big;
  const r = RANGES[s];
  if (r && (big < r[0] || big > r[1])) {
    const hint = s === "i32" && big > 0n && big <= RANGES.u32![1] ? `; write u32(${text}) or annotate the type` : "";
    return cx.fail(at, `integer literal ${negate ? "-" : ""}${text} does not fit in ${s}${hint}`);
  }
  if (s === "i64" || s === "u64") return cx.b.const(big, s);
  return cx.b.const(Number(big), s);
}

export function parseNumber(text: string): number | bigint {
  text = text.replace(/_/g, "");
  return isFloatText(text) ? Number(text) : BigInt(text);
}

export const MATH_CONSTS: Record<string, number> = {
  PI: Math.PI, E: Math.E, LN2: Math.LN2, LN10: Math.LN10, SQRT2: Math.SQRT2, SQRT1_2: Math.SQRT1_2, LOG2E: Math.LOG2E, LOG10E: Math.LOG10E,
};

/**
 * The exact value of an integer literal expression (unbounded), for casts such as u32(-1) or
 * i32(0xffffffff), which wrap as in AssemblyScript. Null when it is not one.
 */
export function intLiteralValue(cx: FnCtx, e: ts.Expression): bigint | null {
  e = unparen(e);
  if (ts.isNumericLiteral(e)) return isFloatText(e.getText()) ? null : BigInt(e.getText().replace(/_/g, ""));
  if (ts.isIdentifier(e)) {
    const c = cx.m.consts.get(e.text);
    return c?.adaptive === "int" && !cx.scope.lookup(e.text) ? intLiteralValue(cx, c.init) : null;
  }
  if (ts.isPrefixUnaryExpression(e)) {
    const v = intLiteralValue(cx, e.operand);
    if (v === null) return null;
    return e.operator === ts.SyntaxKind.MinusToken ? -v : e.operator === ts.SyntaxKind.PlusToken ? v
      : e.operator === ts.SyntaxKind.TildeToken ? ~v : null;
  }
  if (ts.isBinaryExpression(e)) {
    const a = intLiteralValue(cx, e.left), b = intLiteralValue(cx, e.right);
    if (a === null || b === null) return null;
    const K = ts.SyntaxKind;
    switch (e.operatorToken.kind) {
      case K.PlusToken: return a + b;
      case K.MinusToken: return a - b;
      case K.AsteriskToken: return a * b;
      case K.SlashToken: return b === 0n ? null : a / b;
      case K.PercentToken: return b === 0n ? null : a % b;
      case K.AmpersandToken: return a & b;
      case K.BarToken: return a | b;
      case K.CaretToken: return a ^ b;
      case K.LessThanLessThanToken: return b < 0n || b > 64n ? null : a << b;
      case K.GreaterThanGreaterThanToken: return b < 0n || b > 64n ? null : a >> b;
    }
  }
  return null;
}
