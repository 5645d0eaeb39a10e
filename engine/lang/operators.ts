// Operators: `+ - * / %`, comparisons, bit operations and shifts map to builtins of the registry;
// `&&`/`||` short-circuit; `?:` becomes a `select` when both sides are cheap and cannot fault,
// otherwise an `if` writing a variable.

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { BOOL, ScalarKind, Type, componentScalar, isInt, scalar, typeEq, typeName } from "../ir/types.js";
import { lookupBuiltin } from "../builtins/index.js";
import { FnCtx } from "./context.js";
import { emitExpr, emitLiteralExpr, emitValue } from "./expr.js";
import { literalTarget, litKind } from "./literals.js";
import { containsArray } from "./types.js";

export const BINOPS: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusToken]: "add", [ts.SyntaxKind.MinusToken]: "sub", [ts.SyntaxKind.AsteriskToken]: "mul",
  [ts.SyntaxKind.SlashToken]: "div", [ts.SyntaxKind.PercentToken]: "mod",
  [ts.SyntaxKind.EqualsEqualsToken]: "eq", [ts.SyntaxKind.EqualsEqualsEqualsToken]: "eq",
  [ts.SyntaxKind.ExclamationEqualsToken]: "ne", [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "ne",
  [ts.SyntaxKind.LessThanToken]: "lt", [ts.SyntaxKind.LessThanEqualsToken]: "le",
  [ts.SyntaxKind.GreaterThanToken]: "gt", [ts.SyntaxKind.GreaterThanEqualsToken]: "ge",
  [ts.SyntaxKind.AmpersandToken]: "band", [ts.SyntaxKind.BarToken]: "bor", [ts.SyntaxKind.CaretToken]: "bxor",
  [ts.SyntaxKind.LessThanLessThanToken]: "shl", [ts.SyntaxKind.GreaterThanGreaterThanToken]: "shr",
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: "shru",
};

/** Compound assignment token -> the binary builtin it applies. */
export const COMPOUND: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusEqualsToken]: "add", [ts.SyntaxKind.MinusEqualsToken]: "sub",
  [ts.SyntaxKind.AsteriskEqualsToken]: "mul", [ts.SyntaxKind.SlashEqualsToken]: "div",
  [ts.SyntaxKind.PercentEqualsToken]: "mod", [ts.SyntaxKind.AmpersandEqualsToken]: "band",
  [ts.SyntaxKind.BarEqualsToken]: "bor", [ts.SyntaxKind.CaretEqualsToken]: "bxor",
  [ts.SyntaxKind.LessThanLessThanEqualsToken]: "shl", [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken]: "shr",
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: "shru",
};

const COMPARE = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);
const SYM: Record<string, string> = {
  add: "+", sub: "-", mul: "*", div: "/", mod: "%", eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=",
  band: "&", bor: "|", bxor: "^", shl: "<<", shr: ">>", shru: ">>>",
};
const RANK: ScalarKind[] = ["bool", "u32", "i32", "u64", "i64", "f32", "f64"];

/** Emits a binary arithmetic/comparison/bit operator with literal adaptation between the sides. */
export function emitBinary(cx: FnCtx, node: ts.BinaryExpression, op: string, hint: Type | undefined): Inst {
  const lk = litKind(cx, node.left), rk = litKind(cx, node.right);
  // Comparisons produce bool: their context says nothing about the operands' type.
  const h = COMPARE.has(op) ? undefined : hint;
  let l: Inst, r: Inst;
  if (lk && rk) {
    const s = literalTarget(lk === "float" || rk === "float" ? "float" : "int", h);
    l = emitLiteralExpr(cx, node.left, s);
    r = emitLiteralExpr(cx, node.right, s);
  } else if (lk) {
    r = emitValue(cx, node.right, h);
    l = emitLiteralExpr(cx, node.left, literalTarget(lk, r.type));
  } else {
    l = emitValue(cx, node.left, h);
    r = rk ? emitLiteralExpr(cx, node.right, literalTarget(rk, l.type)) : emitValue(cx, node.right, h);
  }
  return applyBinary(cx, node.operatorToken, op, l, r);
}

/** Applies builtin operator `op` (checked), reporting a mismatch at `at`. */
export function applyBinary(cx: FnCtx, at: ts.Node, op: string, l: Inst, r: Inst): Inst {
  const b = cx.b;
  if (op === "shru") {
    // `>>>`: a logical shift; on signed integers it shifts the bits as unsigned and keeps the type.
    const s = componentScalar(l.type);
    if (l.type.k === "scalar" && typeEq(l.type, r.type) && (s === "i32" || s === "i64")) {
      const u = scalar(s === "i32" ? "u32" : "u64");
      return b.convert(b.call("shr", b.convert(l, u), b.convert(r, u)), l.type);
    }
    op = "shr";
  }
  const def = lookupBuiltin(op)!;
  const t = def.resolve([l.type, r.type]);
  if (typeof t === "string") return cx.fail(at, mismatchMessage(op, l.type, r.type, t));
  return b.call(op, l, r);
}

function mismatchMessage(op: string, a: Type, b: Type, msg: string): string {
  const sym = SYM[op] ?? op;
  if (a.k === "scalar" && b.k === "scalar" && a.s !== b.s) {
    if (a.s === "bool" || b.s === "bool") {
      return `operator '${sym}' cannot mix bool with ${a.s === "bool" ? b.s : a.s}; bool is not a number (use select(c, 1, 0) or a comparison)`;
    }
    const w = RANK.indexOf(a.s) > RANK.indexOf(b.s) ? a.s : b.s;
    return `operator '${sym}' needs operands of one type, got (${a.s}, ${b.s}); cast one with ${w}(x) or <${w}>x`;
  }
  return msg.replace(/^operator '>>'/, `operator '${sym}'`);
}

/** Emits an expression that must be a bool (conditions, `!`, `&&`). */
export function emitCond(cx: FnCtx, e: ts.Expression, what = "condition"): Inst {
  const v = emitValue(cx, e, BOOL);
  if (v.type.k === "scalar" && v.type.s === "bool") return v;
  const t = typeName(v.type);
  const fix = v.type.k === "scalar" && v.type.s !== "bool" ? (isInt(v.type.s) ? "; compare with != 0" : "; compare with != 0.0") : "";
  return cx.fail(e, `${what} must be bool, got ${t}${fix}`);
}

/** True when the instructions are pure, cannot fault and are few: safe to execute unconditionally. */
export function cheapAndSafe(insts: Inst[], limit = 8): boolean {
  if (insts.length > limit) return false;
  for (const i of insts) {
    switch (i.op) {
      case "const": case "param": case "get": case "construct": case "extract": case "insert":
      case "convert": case "select": case "ashape": case "tid": case "dim":
        break;
      case "call":
        if ((i.attrs.fn === "div" || i.attrs.fn === "mod") && isInt(componentScalar(i.type) ?? "f32")) return false;
        break;
      default: return false;
    }
  }
  return true;
}

/** `a && b` / `a || b`: eager `and`/`or` when b is cheap and safe, else a branch writing a bool. */
export function emitLogical(cx: FnCtx, node: ts.BinaryExpression, isAnd: boolean): Inst {
  const b = cx.b;
  const sym = isAnd ? "&&" : "||";
  const l = emitCond(cx, node.left, `operand of '${sym}'`);
  const [r, region] = cx.detached(() => emitCond(cx, node.right, `operand of '${sym}'`));
  if (cheapAndSafe(region)) {
    b.block.push(...region);
    return b.call(isAnd ? "and" : "or", l, r);
  }
  const v = b.newVar(isAnd ? "and" : "or", BOOL);
  b.set(v, l);
  b.into(region, () => b.set(v, r));
  b.inst("if", [isAnd ? l : b.call("not", l)], { k: "void" }, {}, [region, []]);
  return b.get(v);
}

/** `c ? a : b`. */
export function emitConditional(cx: FnCtx, node: ts.ConditionalExpression, hint: Type | undefined): Inst {
  const b = cx.b;
  const c = emitCond(cx, node.condition);
  const lt = litKind(cx, node.whenTrue), lf = litKind(cx, node.whenFalse);
  let x: Inst, y: Inst, rx: Inst[], ry: Inst[];
  if (lt && lf) {
    const s = literalTarget(lt === "float" || lf === "float" ? "float" : "int", hint);
    [x, rx] = cx.detached(() => emitLiteralExpr(cx, node.whenTrue, s));
    [y, ry] = cx.detached(() => emitLiteralExpr(cx, node.whenFalse, s));
  } else if (lt) {
    [y, ry] = cx.detached(() => emitValue(cx, node.whenFalse, hint));
    [x, rx] = cx.detached(() => emitLiteralExpr(cx, node.whenTrue, literalTarget(lt, y.type)));
  } else {
    [x, rx] = cx.detached(() => emitValue(cx, node.whenTrue, hint));
    [y, ry] = cx.detached(() => (lf ? emitLiteralExpr(cx, node.whenFalse, literalTarget(lf, x.type)) : emitValue(cx, node.whenFalse, x.type)));
  }
  if (!typeEq(x.type, y.type))
    return cx.fail(node, `the branches of '?:' have different types (${typeName(x.type)}, ${typeName(y.type)})`);
  if (x.type.k === "array") return cx.fail(node, "'?:' cannot choose between arrays");
  // A struct holding arrays takes the branch: lowered IR selects scalars only, never arrays.
  if (!containsArray(x.type) && cheapAndSafe(rx) && cheapAndSafe(ry) && rx.length + ry.length <= 12) {
    b.block.push(...rx, ...ry);
    return b.select(c, x, y);
  }
  const v = b.newVar("sel", x.type);
  b.into(rx, () => b.set(v, x));
  b.into(ry, () => b.set(v, y));
  b.inst("if", [c], { k: "void" }, {}, [rx, ry]);
  return b.get(v);
}

export function isAssignOp(k: ts.SyntaxKind): boolean {
  return k === ts.SyntaxKind.EqualsToken || COMPOUND[k] !== undefined;
}

