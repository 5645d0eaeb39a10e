// Calls: casts and constructors by type name, special forms (tid, atomics, print, raw loads; see
// specials.ts), user @func calls with overload resolution, and builtins resolved against the registry
// (with literal adaptation and write-back of in/out arguments such as random states).

import ts from "typescript";
import type { Inst, Var } from "../ir/ops.js";
import { ScalarKind, Type, componentScalar, isFloat, typeEq, typeName } from "../ir/types.js";
import { lookupBuiltin } from "../builtins/index.js";
import { FnCtx, FuncSig, unparen } from "./context.js";
import { emitLiteralExpr, emitValue } from "./expr.js";
import { LitKind, literalTarget, litKind } from "./literals.js";
import { castTo, emitConstructor } from "./construct.js";
import { builtinValueType, isScalarName } from "./types.js";
import { SPECIALS } from "./specials.js";
import { Bail } from "./diagnostics.js";

export function emitCall(cx: FnCtx, e: ts.CallExpression, hint: Type | undefined): Inst {
  if (e.questionDotToken) return cx.fail(e, "optional chaining ('?.') is not supported in kernels");
  for (const a of e.arguments) if (ts.isSpreadElement(a)) return cx.fail(a, "spread ('...') is not supported in kernels");
  const callee = unparen(e.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    const base = unparen(callee.expression);
    if (ts.isIdentifier(base) && (base.text === "Math" || base.text === "Mathf") && !cx.scope.lookup(base.text)) {
      const fn = callee.name.text;
      if (!isCallableBuiltin(fn)) return cx.fail(callee.name, `'${base.text}.${fn}' is not available in kernels`);
      return emitBuiltinCall(cx, e, fn, e.arguments, hint, typeArg(cx, e));
    }
    if (ts.isIdentifier(base) && base.text === "console") return cx.fail(e, `console.${callee.name.text} is not available in kernels; use print("format", values...)`);
    const recv = callee.expression.getText();
    const rest = e.arguments.length ? ", ..." : "";
    return cx.fail(e, `method calls are not supported in kernels; call a function instead, e.g. ${callee.name.text}(${recv}${rest})`);
  }
  if (!ts.isIdentifier(callee)) return cx.fail(e.expression, "only named functions can be called in kernels (no function values)");
  const name = callee.text;
  const local = cx.scope.lookup(name);
  if (local && local !== "tdz") return cx.fail(callee, `'${name}' is a variable, not a function`);
  const special = SPECIALS[name];
  if (special) {
    if (cx.constOnly) return cx.fail(e, `${name}(...) is not a constant expression`);
    return special(cx, e, name);
  }
  const vt = builtinValueType(name);
  if (vt) {
    if (e.typeArguments) return cx.fail(e, `${name}(...) takes no type arguments`);
    return isScalarName(name) ? emitScalarCast(cx, vt, e) : emitConstructor(cx, vt, e.arguments, e);
  }
  if (cx.m.struct(name, callee)) return cx.fail(e, `use new ${name}() or an object literal (const p: ${name} = { ... }) to make a struct`);
  // The module's own @funcs, then library @funcs (also under an import alias), then builtins.
  const bname = cx.m.aliases.get(name) ?? name;
  const sigs = cx.m.funcGroup(name, callee) ?? (bname !== name ? cx.m.funcGroup(bname, callee) : undefined);
  if (sigs) {
    if (cx.constOnly) return cx.fail(e, `a @func call is not a constant expression`);
    if (e.typeArguments) return cx.fail(e, `@func '${name}' takes no type arguments`);
    return emitFuncCall(cx, e, name, sigs);
  }
  if (isCallableBuiltin(bname)) return emitBuiltinCall(cx, e, bname, e.arguments, hint, typeArg(cx, e));
  if (cx.m.pendingConsts.has(name) || cx.m.constant(name, callee)) return cx.fail(callee, `'${name}' is a constant, not a function`);
  return cx.fail(callee, `unknown function '${name}'`);
}

function isCallableBuiltin(name: string): boolean {
  const d = lookupBuiltin(name);
  return !!d && !d.internal;
}

function typeArg(cx: FnCtx, e: ts.CallExpression): Type | undefined {
  const ta = e.typeArguments;
  if (!ta) return undefined;
  if (ta.length !== 1) return cx.fail(e, "builtins take at most one type argument");
  return cx.m.types.resolve(ta[0]);
}

function emitScalarCast(cx: FnCtx, t: Type, e: ts.CallExpression): Inst {
  if (e.arguments.length !== 1) return cx.fail(e, `${typeName(t)}(x) takes one argument, got ${e.arguments.length}`);
  return castTo(cx, t, e.arguments[0], e);
}

/** The type a literal argument shows in messages (its default). */
const litDefault = (lk: LitKind) => (lk === "int" ? "i32" : "f32");

/** A builtin call: non-literal arguments first, then literals typed to make an overload match. */
export function emitBuiltinCall(cx: FnCtx, at: ts.Node, name: string, args: readonly ts.Expression[], hint?: Type, targ?: Type): Inst {
  const b = cx.b;
  const def = lookupBuiltin(name)!;
  const inout = def.inout ?? [];
  const lks = args.map((a) => litKind(cx, a));
  const vals: (Inst | null)[] = args.map(() => null);
  const inoutVars = new Map<number, Var>();
  args.forEach((a, i) => {
    if (inout.includes(i)) {
      const id = unparen(a);
      const sym = ts.isIdentifier(id) ? cx.lookupLocal(id.text, id) : undefined;
      if (!sym || sym.k !== "var")
        cx.fail(a, `argument ${i + 1} of '${name}' must be a local variable declared with let (it is updated in place)`);
      inoutVars.set(i, sym.v);
    }
    if (!lks[i]) vals[i] = emitValue(cx, a);
  });
  if (lks.some((k) => k)) {
    const cands: (ScalarKind | undefined)[] = [];
    const add = (s: ScalarKind | null | undefined) => { if (s && s !== "bool" && !cands.includes(s)) cands.push(s); };
    if (targ) add(componentScalar(targ));
    for (const v of vals) if (v) { add(componentScalar(v.type)); break; }
    if (hint) add(componentScalar(hint));
    for (const v of vals) if (v) add(componentScalar(v.type));
    cands.push(undefined);
    const typesFor = (s: ScalarKind | undefined) => args.map((_, i) => vals[i]?.type ?? { k: "scalar", s: literalTarget(lks[i]!, s) } as Type);
    const chosen = cands.find((s) => typeof def.resolve(typesFor(s)) !== "string") ?? cands[0];
    args.forEach((a, i) => { if (lks[i]) vals[i] = emitLiteralExpr(cx, a, literalTarget(lks[i]!, chosen)); });
  }
  const argv = vals as Inst[];
  const t = def.resolve(argv.map((v) => v.type));
  if (typeof t === "string") return cx.fail(at, t);
  const result = b.call(name, ...argv);
  const update: string | undefined = (def as any).update;
  if (update) for (const [, v] of inoutVars) b.set(v, b.call(update, ...argv));
  return result;
}

/** A user @func call: exact parameter types after literal adaptation; overloads by argument types. */
function emitFuncCall(cx: FnCtx, e: ts.CallExpression, name: string, sigs: FuncSig[]): Inst {
  const kernel = sigs.find((s) => s.kind === "kernel");
  if (kernel) return cx.fail(e, `cannot call kernel '${name}': kernels are launched from the host; move the shared code into a @func`);
  const args = e.arguments;
  const lks = args.map((a) => litKind(cx, a));
  const objs = args.map((a) => ts.isObjectLiteralExpression(unparen(a)));
  const vals: (Inst | null)[] = args.map((a, i) => (lks[i] || objs[i] ? null : emitValue(cx, a)));
  const fits = (sig: FuncSig, strictLits: boolean) => sig.params.length === args.length && sig.params.every((p, i) => {
    const lk = lks[i];
    if (lk) {
      if (p.type.k !== "scalar" || p.type.s === "bool") return false;
      if (strictLits) return p.type.s === litDefault(lk);
      return lk === "int" || isFloat(p.type.s);
    }
    if (objs[i]) return p.type.k === "struct";
    return typeEq(vals[i]!.type, p.type);
  });
  let cands = sigs.filter((s) => !s.bad && fits(s, false));
  if (cands.length > 1) cands = cands.filter((s) => fits(s, true));
  const argDesc = () => args.map((a, i) => (lks[i] ? litDefault(lks[i]!) : objs[i] ? "{...}" : typeName(vals[i]!.type))).join(", ");
  if (cands.length !== 1) {
    if (sigs.some((s) => s.bad)) throw new Bail(); // its declaration was reported already
    if (cands.length > 1) return cx.fail(e, `ambiguous call of '${name}' with (${argDesc()}); cast the literal arguments`);
    if (sigs.length === 1) {
      const p = sigs[0].params;
      if (p.length !== args.length) return cx.fail(e, `'${name}' takes ${p.length} argument${p.length === 1 ? "" : "s"}, got ${args.length}`);
      const k = Math.max(0, args.findIndex((_, j) => !singleFits(p[j].type, lks[j], objs[j], vals[j])));
      const got = lks[k] ? `a ${lks[k]} literal` : typeName(vals[k]!.type);
      return cx.fail(args[k], `argument ${k + 1} of '${name}' must be ${typeName(p[k].type)}, got ${got}`);
    }
    const list = sigs.map((s) => `${name}(${s.params.map((p) => `${p.name}: ${typeName(p.type)}`).join(", ")})`).join(", ");
    return cx.fail(e, `no overload of '${name}' matches (${argDesc()}); candidates: ${list}`);
  }
  const sig = cands[0];
  args.forEach((a, i) => {
    const pt = sig.params[i].type;
    if (lks[i]) vals[i] = emitLiteralExpr(cx, a, (pt as { s: ScalarKind }).s);
    else if (objs[i]) {
      const v = emitValue(cx, a, pt);
      vals[i] = v;
    }
  });
  if (cx.m.funcs.get(sig.name)?.includes(sig)) { if (cx.sig) cx.m.callSites.push({ from: cx.sig, to: sig, node: e }); }
  else cx.m.useLibFunc(sig, e);
  return cx.b.callf(sig.irName, vals as Inst[], sig.ret);
}

function singleFits(t: Type, lk: LitKind | null, obj: boolean, v: Inst | null): boolean {
  if (lk) return t.k === "scalar" && t.s !== "bool" && (lk === "int" || isFloat(t.s));
  if (obj) return t.k === "struct";
  return typeEq(v!.type, t);
}
