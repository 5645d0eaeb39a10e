// Making values: vector/matrix/quaternion/transform constructors (`vec3(x, y, z)`, `vec3(s)`,
// `vec3()`, `mat33(r0, r1, r2)`, `transform(p, q)`), casts (`f32(x)`, `<f32>x`, `x as f32`,
// `vec3d(v)`), `new Struct()`, struct object literals and zero values.

import ts from "typescript";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, componentCount, componentScalar, isInt, scalar, typeEq, typeName } from "../ir/types.js";
import { FnCtx, unparen } from "./context.js";
import { emitLiteralExpr, emitValue } from "./expr.js";
import { intLiteralValue, literalTarget, litKind } from "./literals.js";
import { arrayNdim, containsArray } from "./types.js";
import { mismatch } from "./assign.js";

/** The all-zero value of a value type. */
export function zeroOf(cx: FnCtx, t: Type, at: ts.Node): Inst {
  const b = cx.b;
  switch (t.k) {
    case "scalar": return b.const(t.s === "bool" ? false : 0, t.s);
    case "vec": case "mat": case "quat": case "transform": {
      const z = Array.from({ length: componentCount(t) }, () => b.const(0, t.s));
      return b.construct(t, z);
    }
    case "struct":
      if (containsArray(t))
        return cx.fail(at, `struct ${t.name} has array fields, so it has no zero value; build it from an object literal (const m: ${t.name} = { ... }) or copy another ${t.name}`);
      return b.construct(t, t.fields.map((f) => zeroOf(cx, f.type, at)));
    default: return cx.fail(at, `${typeName(t)} has no zero value`);
  }
}

const sameShape = (a: Type, b: Type) =>
  a.k === b.k && (a.k !== "vec" || a.n === (b as typeof a).n) && (a.k !== "mat" || (a.r === (b as typeof a).r && a.c === (b as typeof a).c));

/** `T(x)`, `<T>x`, `x as T`. */
export function castTo(cx: FnCtx, target: Type, e: ts.Expression, at: ts.Node): Inst {
  const b = cx.b;
  if (target.k === "scalar") {
    const lk = litKind(cx, e);
    let v: Inst;
    const iv = lk === "int" ? intLiteralValue(cx, e) : null;
    if (iv !== null && target.s !== "bool") {
      // Integer literals cast to an integer type wrap (u32(-1) is 0xffffffff), as in AssemblyScript.
      const s = target.s;
      const w = s === "i32" ? BigInt.asIntN(32, iv) : s === "u32" ? BigInt.asUintN(32, iv) : s === "i64" ? BigInt.asIntN(64, iv)
        : s === "u64" ? BigInt.asUintN(64, iv) : iv;
      return b.const(s === "i64" || s === "u64" ? w : Number(w), s);
    }
    if (lk) {
      if (target.s === "bool") v = emitLiteralExpr(cx, e, lk === "int" ? "i32" : "f32");
      else v = emitLiteralExpr(cx, e, lk === "float" && isInt(target.s) ? "f64" : target.s);
    } else v = emitValue(cx, e);
    if (v.type.k !== "scalar") return cx.fail(at, `cannot cast ${typeName(v.type)} to ${target.s}`);
    return convertScalar(cx, v, target.s);
  }
  if (target.k === "vec" || target.k === "mat" || target.k === "quat" || target.k === "transform") {
    const v = emitValue(cx, e, target);
    if (typeEq(v.type, target)) return v;
    if (sameShape(v.type, target)) return b.convert(v, target);
    return cx.fail(at, `cannot cast ${typeName(v.type)} to ${typeName(target)}`);
  }
  return cx.fail(at, `cannot cast to ${typeName(target)}`);
}

export function convertScalar(cx: FnCtx, v: Inst, s: ScalarKind): Inst {
  const b = cx.b;
  const from = (v.type as { s: ScalarKind }).s;
  if (from === s) return v;
  if (from === "bool") return b.select(v, b.const(1, s), b.const(0, s));
  if (s === "bool") return b.call("ne", v, b.const(0, from));
  return b.convert(v, { k: "scalar", s });
}

export function emitCast(cx: FnCtx, typeNode: ts.TypeNode, e: ts.Expression, at: ts.Node): Inst {
  return castTo(cx, cx.m.types.resolve(typeNode), e, at);
}

/** `vec3(...)`, `mat33(...)`, `quat(...)`, `transform(p, q)` and their f64/int flavours. */
export function emitConstructor(cx: FnCtx, t: Type, args: readonly ts.Expression[], at: ts.Node): Inst {
  const b = cx.b;
  const name = typeName(t);
  if (t.k === "scalar") {
    if (args.length !== 1) return cx.fail(at, `${name}(x) takes one argument, got ${args.length}`);
    return castTo(cx, t, args[0], at);
  }
  if (args.length === 0) return zeroOf(cx, t, at);
  const s = componentScalar(t)!;
  const n = componentCount(t);
  if (args.length === 1) {
    const lk = litKind(cx, args[0]);
    const v = lk ? emitLiteralExpr(cx, args[0], literalTarget(lk, s)) : emitValue(cx, args[0], t);
    if (typeEq(v.type, t)) return v;
    if (v.type.k === "scalar" && t.k === "vec" && v.type.s === s) return b.construct(t, Array.from({ length: n }, () => v));
    if (sameShape(v.type, t)) return b.convert(v, t);
    if (v.type.k === "scalar" && t.k === "vec")
      return cx.fail(args[0], mismatch(`${name}(s) broadcasts a scalar`, v.type, scalar(s)));
    return cx.fail(args[0], `cannot make ${name} from ${typeName(v.type)}`);
  }
  const parts: Inst[] = [];
  args.forEach((a, i) => {
    const lk = litKind(cx, a);
    const v = lk ? emitLiteralExpr(cx, a, literalTarget(lk, s)) : emitValue(cx, a, scalar(s));
    const vs = componentScalar(v.type);
    if (vs === null || (v.type.k !== "scalar" && v.type.k !== "vec" && v.type.k !== "quat"))
      return cx.fail(a, `${name} is built from scalars and vectors, got ${typeName(v.type)} (argument ${i + 1})`);
    if (vs !== s) return cx.fail(a, `${name} components must be ${s}, got ${typeName(v.type)} (argument ${i + 1}); cast with ${s}(x)`);
    if (v.type.k === "scalar") parts.push(v);
    else for (let k = 0; k < componentCount(v.type); k++) parts.push(b.extract(v, k, scalar(s)));
  });
  if (parts.length !== n) {
    const forms = t.k === "vec" ? `0, 1 or ${n} components`
      : t.k === "mat" ? `0 arguments, ${n} scalars or ${t.r} row vectors (${typeName({ k: "vec", n: t.c, s })})`
      : t.k === "transform" ? `0 arguments, (p: vec3, q: quat) or 7 scalars` : `0 or ${n} components`;
    return cx.fail(at, `${name} takes ${forms}, got ${parts.length} components`);
  }
  return b.construct(t, parts);
}

/** `new Struct()` (zero value); `new StaticArray` is handled by the declaration that owns it. */
export function emitNew(cx: FnCtx, e: ts.NewExpression): Inst {
  const callee = unparen(e.expression);
  if (!ts.isIdentifier(callee)) return cx.fail(e, "unsupported 'new' expression");
  const name = callee.text;
  const st = cx.m.struct(name, callee);
  if (st) {
    if (e.arguments && e.arguments.length) return cx.fail(e, `new ${name}() takes no arguments (all fields start at zero); use an object literal to set fields: const p: ${name} = { ... }`);
    return zeroOf(cx, st, e);
  }
  if (name === "StaticArray") return cx.fail(e, "new StaticArray<T>(n) must initialise a local: const a = new StaticArray<T>(n)");
  if (arrayNdim(name) || name === "Float32Array" || name === "Int32Array" || name === "Uint32Array" || name === "Float64Array")
    return cx.fail(e, `dynamic allocation ('new ${name}') is not supported in kernels; pass arrays as kernel parameters or use new StaticArray<T>(n)`);
  if (cx.m.plainClasses.has(name)) return cx.fail(e, `heap classes are not supported in kernels; mark class '${name}' @struct to make it a value type`);
  return cx.fail(e, `'new' is only supported for @struct classes and StaticArray; '${name}' is not one`);
}

/** `{ a: 1, b: vec3(0, 0, 0) }` with a struct type from context. */
export function emitObjectLiteral(cx: FnCtx, e: ts.ObjectLiteralExpression, hint: Type | undefined): Inst {
  if (!hint || hint.k !== "struct")
    return cx.fail(e, `an object literal needs a @struct type from its context, e.g. const p: Name = { ... }${hint ? ` (here ${typeName(hint)} is expected)` : ""}`);
  const vals: (Inst | undefined)[] = hint.fields.map(() => undefined);
  for (const p of e.properties) {
    let nameNode: ts.Node, name: string, init: ts.Expression;
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
      nameNode = p.name; name = p.name.text; init = p.initializer;
    } else if (ts.isShorthandPropertyAssignment(p)) {
      nameNode = p.name; name = p.name.text; init = p.name;
    } else if (ts.isSpreadAssignment(p)) {
      return cx.fail(p, "spread ('...') is not supported in kernels");
    } else return cx.fail(p, "only 'field: value' entries are allowed in a struct literal");
    const i = hint.fields.findIndex((f) => f.name === name);
    if (i < 0) return cx.fail(nameNode, `struct ${hint.name} has no field '${name}'`);
    if (vals[i]) return cx.fail(nameNode, `field '${name}' is given twice`);
    const ft = hint.fields[i].type;
    const v = emitValue(cx, init, ft);
    if (!typeEq(v.type, ft)) return cx.fail(init, mismatch(`field '${name}' of ${hint.name}`, v.type, ft));
    vals[i] = v;
  }
  const missing = hint.fields.filter((_, i) => !vals[i]).map((f) => f.name);
  if (missing.length) return cx.fail(e, `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} in ${hint.name} literal`);
  return cx.b.construct(hint, vals as Inst[]);
}
