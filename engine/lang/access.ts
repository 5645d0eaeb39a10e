// Member and index access: `v.x`, `p.field`, `t.p`, `m[i][j]`, `v[i]`, `a[i, j]`, `a[i][j]`,
// `stack[k]`, `a.length`, `a.shape[d]`. An access chain resolves to a `Ref`: a root (a value, a
// variable, an array element or a fixed-array element) and a path of steps into the value. Reads
// apply the steps; writes rebuild the root value along the path (or store at a byte offset).

import ts from "typescript";
import type { Inst, Var } from "../ir/ops.js";
import {
  I32, ScalarKind, Type, componentCount, componentScalar, fieldOffsets, quat, scalar, scalarBytes, typeName, vec,
} from "../ir/types.js";
import { FnCtx, unparen } from "./context.js";
import { emitIdentifier, emitValue } from "./expr.js";
import type { Sym } from "./scope.js";

export type Step =
  | { k: "field"; index: number; type: Type; parent: Type }
  /** A contiguous run of components starting at `start` (a scalar, a matrix row, transform .p/.q). */
  | { k: "comp"; start: number; type: Type; parent: Type }
  | { k: "swizzle"; comps: number[]; type: Type; parent: Type }
  /** A component (vector, quaternion) or a row (matrix) at a run-time index. */
  | { k: "dyn"; index: Inst; type: Type; parent: Type };

export type Root =
  | { k: "value"; inst: Inst; name?: string; sym?: Sym | "const" }
  | { k: "var"; v: Var }
  | { k: "fixedbase"; v: Var; elem: Type; n: number; name: string }
  | { k: "shape"; arr: Inst }
  | { k: "arr"; arr: Inst; idx: Inst[]; ndim: number; elem: Type }
  | { k: "fixed"; v: Var; idx: Inst; elem: Type };

export interface Ref { root: Root; steps: Step[]; type: Type }

const COMP = "xyzw";

/** Emits an index expression; it must be i32. */
export function emitIndex(cx: FnCtx, e: ts.Expression): Inst {
  const v = emitValue(cx, e, I32);
  if (v.type.k === "scalar" && v.type.s === "i32") return v;
  const t = typeName(v.type);
  if (v.type.k === "scalar" && (v.type.s === "u32" || v.type.s === "i64" || v.type.s === "u64"))
    return cx.fail(e, `index must be i32, got ${t}; cast with i32(x)`);
  return cx.fail(e, `index must be an integer (i32), got ${t}`);
}

export function flattenComma(e: ts.Expression): ts.Expression[] {
  e = unparen(e);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken)
    return [...flattenComma(e.left), ...flattenComma(e.right)];
  return [e];
}

function constIndex(v: Inst): number | null {
  return v.op === "const" && typeof v.attrs.value === "number" ? v.attrs.value : null;
}

export function propertyStep(cx: FnCtx, t: Type, name: string, at: ts.Node): Step {
  switch (t.k) {
    case "struct": {
      const i = t.fields.findIndex((f) => f.name === name);
      if (i < 0) return cx.fail(at, `struct ${t.name} has no field '${name}'`);
      return { k: "field", index: i, type: t.fields[i].type, parent: t };
    }
    case "vec": case "quat": {
      const n = t.k === "vec" ? t.n : 4;
      const idx = [...name].map((ch) => COMP.indexOf(ch));
      if (name.length >= 1 && name.length <= 4 && idx.every((i) => i >= 0 && i < n)) {
        if (idx.length === 1) return { k: "comp", start: idx[0], type: scalar(t.s), parent: t };
        return { k: "swizzle", comps: idx, type: vec(idx.length as 2 | 3 | 4, t.s), parent: t };
      }
      return cx.fail(at, `${typeName(t)} has no component '${name}'${t.k === "vec" ? ` (components: ${COMP.slice(0, n).split("").join(", ")})` : ""}`);
    }
    case "transform":
      if (name === "p") return { k: "comp", start: 0, type: vec(3, t.s), parent: t };
      if (name === "q") return { k: "comp", start: 3, type: quat(t.s), parent: t };
      return cx.fail(at, `${typeName(t)} has no member '${name}' (members: p, q)`);
    case "mat":
      return cx.fail(at, `${typeName(t)} has no member '${name}'; use m[i][j] for components and m[i] for rows`);
    default:
      return cx.fail(at, `${typeName(t)} has no member '${name}'`);
  }
}

export function indexStep(cx: FnCtx, t: Type, e: ts.Expression): Step {
  if (t.k !== "vec" && t.k !== "quat" && t.k !== "mat")
    return cx.fail(e.parent ?? e, `${typeName(t)} cannot be indexed${t.k === "struct" ? "; use its field names" : ""}`);
  const idx = emitIndex(cx, e);
  const c = constIndex(idx);
  const n = t.k === "vec" ? t.n : t.k === "quat" ? 4 : t.r;
  if (c !== null && (c < 0 || c >= n)) return cx.fail(e, `index ${c} is out of range for ${typeName(t)} (0..${n - 1})`);
  if (t.k === "mat") {
    const row = vec(t.c, t.s);
    return c !== null ? { k: "comp", start: c * t.c, type: row, parent: t } : { k: "dyn", index: idx, type: row, parent: t };
  }
  const s = scalar(t.s);
  return c !== null ? { k: "comp", start: c, type: s, parent: t } : { k: "dyn", index: idx, type: s, parent: t };
}

/** Appends a step, merging component runs (m[i][j] becomes one component). */
function push(ref: Ref, st: Step): void {
  const last = ref.steps[ref.steps.length - 1];
  if (last && last.k === "comp" && st.k === "comp") {
    ref.steps[ref.steps.length - 1] = { k: "comp", start: last.start + st.start, type: st.type, parent: last.parent };
  } else ref.steps.push(st);
  ref.type = st.type;
}

/** Resolves an access chain; `write` when it is an assignment target. */
export function resolveRef(cx: FnCtx, e: ts.Expression, write: boolean): Ref {
  e = unparen(e);
  if (ts.isIdentifier(e)) {
    const sym = cx.lookupLocal(e.text, e);
    if (sym?.k === "fixed") return { root: { k: "fixedbase", v: sym.v, elem: sym.elem, n: sym.n, name: e.text }, steps: [], type: { k: "fixed", n: sym.n, elem: sym.elem } };
    if (sym?.k === "var" && write) return { root: { k: "var", v: sym.v }, steps: [], type: sym.v.type };
    const inst = emitIdentifier(cx, e);
    return { root: { k: "value", inst, name: e.text, sym: sym ?? "const" }, steps: [], type: inst.type };
  }
  if (ts.isPropertyAccessExpression(e)) {
    if (e.questionDotToken) return cx.fail(e, "optional chaining ('?.') is not supported in kernels");
    if (ts.isPrivateIdentifier(e.name)) return cx.fail(e.name, "private names are not supported in kernels");
    const name = e.name.text;
    const ref = resolveRef(cx, e.expression, write);
    const r = ref.root;
    if (r.k === "fixedbase") {
      if (name === "length") return valueRef(cx.b.i32(r.n));
      return cx.fail(e.name, `StaticArray has only .length`);
    }
    if (r.k === "arr" && r.idx.length < r.ndim) return cx.fail(e, needIndices(ref.type, r.idx.length));
    if (ref.type.k === "array") {
      const arr = arrayValue(cx, ref, e.expression);
      if (name === "length") {
        if (ref.type.ndim !== 1) return cx.fail(e.name, `${typeName(ref.type)} has no .length; use .shape[d]`);
        return valueRef(cx.b.ashape(arr, 0));
      }
      if (name === "shape") return { root: { k: "shape", arr }, steps: [], type: ref.type };
      return cx.fail(e.name, `arrays have only .length and .shape[d], not '${name}'`);
    }
    checkComplete(cx, ref, e.expression);
    push(ref, propertyStep(cx, ref.type, name, e.name));
    return ref;
  }
  if (ts.isElementAccessExpression(e)) {
    if (e.questionDotToken) return cx.fail(e, "optional chaining ('?.') is not supported in kernels");
    const ref = resolveRef(cx, e.expression, write);
    const idx = flattenComma(e.argumentExpression);
    const r = ref.root;
    if (r.k === "shape") {
      const d = idx.length === 1 ? constIndex(emitIndex(cx, idx[0])) : null;
      const nd = (ref.type as Extract<Type, { k: "array" }>).ndim;
      if (d === null || d < 0 || d >= nd) return cx.fail(e.argumentExpression, `shape index must be a constant in 0..${nd - 1}`);
      return valueRef(cx.b.ashape(r.arr, d));
    }
    if (r.k === "fixedbase") {
      if (idx.length !== 1) return cx.fail(e.argumentExpression, `StaticArray takes one index`);
      const i = emitIndex(cx, idx[0]);
      const c = constIndex(i);
      if (c !== null && (c < 0 || c >= r.n)) return cx.fail(idx[0], `index ${c} is out of range for StaticArray of length ${r.n}`);
      ref.root = { k: "fixed", v: r.v, idx: i, elem: r.elem };
      ref.type = r.elem;
      return ref;
    }
    if (ref.type.k === "array") {
      const at = ref.type;
      const arr = r.k === "arr" ? r.arr : arrayValue(cx, ref, e.expression);
      const have = r.k === "arr" ? r.idx : [];
      if (have.length + idx.length > at.ndim)
        return cx.fail(e.argumentExpression, `${typeName(at)} takes ${at.ndim} ind${at.ndim === 1 ? "ex" : "ices"}, got ${have.length + idx.length}`);
      const all = [...have, ...idx.map((x) => emitIndex(cx, x))];
      ref.root = { k: "arr", arr, idx: all, ndim: at.ndim, elem: at.elem };
      ref.steps = [];
      ref.type = all.length === at.ndim ? at.elem : at;
      return ref;
    }
    checkComplete(cx, ref, e.expression);
    for (const x of idx) push(ref, indexStep(cx, ref.type, x));
    return ref;
  }
  if (write) return cx.fail(e, "cannot assign to this expression");
  return valueRef(emitValue(cx, e));
}

function valueRef(inst: Inst): Ref { return { root: { k: "value", inst }, steps: [], type: inst.type }; }

function needIndices(t: Type, got: number): string {
  const nd = (t as Extract<Type, { k: "array" }>).ndim;
  return `${typeName(t)} needs ${nd} indices (a[i, j${nd > 2 ? ", ..." : ""}]), got ${got}; slicing is not supported`;
}

/** A ref must be a complete value (not a partly indexed array, a bare StaticArray or a.shape). */
export function checkComplete(cx: FnCtx, ref: Ref, at: ts.Node): void {
  const r = ref.root;
  if (r.k === "arr" && r.idx.length < r.ndim) cx.fail(at, needIndices(ref.type, r.idx.length));
  if (r.k === "fixedbase") cx.fail(at, `StaticArray '${r.name}' is not a value; index it (${r.name}[i])`);
  if (r.k === "shape") cx.fail(at, "use .shape[d] with a constant dimension d");
}

/** The array a ref names: a parameter or local, or an array field of a struct (`mesh.points`). */
function arrayValue(cx: FnCtx, ref: Ref, at: ts.Node): Inst {
  return ref.steps.length ? readRef(cx, ref, at) : rootValue(cx, ref);
}

function rootValue(cx: FnCtx, ref: Ref): Inst {
  const r = ref.root;
  switch (r.k) {
    case "value": return r.inst;
    case "var": return cx.b.get(r.v);
    case "arr": return cx.b.aload(r.arr, r.idx, r.elem);
    case "fixed": return cx.b.fget(r.v, r.idx, r.elem);
    default: throw new Error("incomplete ref");
  }
}

export function applyStep(cx: FnCtx, v: Inst, st: Step): Inst {
  const b = cx.b;
  switch (st.k) {
    case "field": return b.extract(v, st.index, st.type);
    case "comp": {
      if (st.type.k === "scalar") return b.extract(v, st.start, st.type);
      const s = scalar(componentScalar(st.type)!);
      const parts = Array.from({ length: componentCount(st.type) }, (_, i) => b.extract(v, st.start + i, s));
      return b.construct(st.type, parts);
    }
    case "swizzle": {
      const s = scalar(componentScalar(st.type)!);
      return b.construct(st.type, st.comps.map((i) => b.extract(v, i, s)));
    }
    case "dyn": return b.extractd(v, st.index, st.type);
  }
}

/** `parent` with the part that `st` addresses replaced by `child`. */
function replaceStep(cx: FnCtx, parent: Inst, st: Step, child: Inst, at: ts.Node): Inst {
  const b = cx.b;
  switch (st.k) {
    case "field": return b.insert(parent, st.index, child);
    case "comp": {
      if (st.type.k === "scalar") return b.insert(parent, st.start, child);
      const s = scalar(componentScalar(st.type)!);
      let out = parent;
      for (let i = 0; i < componentCount(st.type); i++) out = b.insert(out, st.start + i, b.extract(child, i, s));
      return out;
    }
    case "swizzle": return cx.fail(at, "cannot assign to a swizzle; assign the components one by one");
    case "dyn": {
      // No run-time insert in the IR: rebuild every component with a select on the index.
      const pt = st.parent;
      const s = scalar(componentScalar(pt)!);
      const width = st.type.k === "scalar" ? 1 : componentCount(st.type);
      const n = componentCount(pt);
      const parts: Inst[] = [];
      for (let i = 0; i < n; i++) {
        const row = Math.floor(i / width), col = i % width;
        const mine = width === 1 ? child : b.extract(child, col, s);
        parts.push(b.select(b.call("eq", st.index, b.i32(row)), mine, b.extract(parent, i, s)));
      }
      return b.construct(pt, parts);
    }
  }
}

export function readRef(cx: FnCtx, ref: Ref, at: ts.Node): Inst {
  checkComplete(cx, ref, at);
  let v = rootValue(cx, ref);
  for (const st of ref.steps) v = applyStep(cx, v, st);
  return v;
}

/** Checks that `ref` can be assigned; reports why not at `at`. */
export function checkWritable(cx: FnCtx, ref: Ref, at: ts.Node): void {
  checkComplete(cx, ref, at);
  const r = ref.root;
  if (r.k !== "value") {
    if (ref.steps.some((s) => s.k === "swizzle")) cx.fail(at, "cannot assign to a swizzle; assign the components one by one");
    return;
  }
  const what = ref.steps.length ? "a component of " : "";
  if (r.sym === "const") cx.fail(at, `cannot assign to ${what}constant '${r.name}'`);
  if (r.sym && r.sym.k === "value") {
    if (r.sym.param === "kernel") cx.fail(at, `kernel parameters are read-only; copy '${r.name}' to a local: let ${r.name}2 = ${r.name}`);
    if (r.sym.param) cx.fail(at, `cannot assign to ${what}parameter '${r.name}'`);
    cx.fail(at, `cannot assign to ${what}const '${r.name}'; declare it with let`);
  }
  cx.fail(at, `cannot assign to ${what}a temporary value`);
}

/** Stores `value` (of type ref.type) into the place `ref`. */
export function writeRef(cx: FnCtx, ref: Ref, value: Inst, at: ts.Node): void {
  const b = cx.b, r = ref.root;
  if (ref.steps.length === 0) {
    if (r.k === "var") b.set(r.v, value);
    else if (r.k === "arr") b.astore(r.arr, r.idx, value);
    else if (r.k === "fixed") b.fset(r.v, r.idx, value);
    return;
  }
  if (r.k === "arr" && ref.steps.every((s) => s.k === "field" || s.k === "comp")) {
    // A field or component of an array element: one store at its byte offset.
    let off = 0;
    for (const s of ref.steps) {
      off += s.k === "field" ? fieldOffsets(s.parent as Extract<Type, { k: "struct" }>)[s.index]
        : (s as { start: number }).start * scalarBytes(componentScalar(s.parent)!);
    }
    b.astore(r.arr, r.idx, value, off);
    return;
  }
  const vals = [rootValue(cx, ref)];
  for (let i = 0; i < ref.steps.length - 1; i++) vals.push(applyStep(cx, vals[i], ref.steps[i]));
  let nv = value;
  for (let i = ref.steps.length - 1; i >= 0; i--) nv = replaceStep(cx, vals[i], ref.steps[i], nv, at);
  if (r.k === "var") b.set(r.v, nv);
  else if (r.k === "arr") b.astore(r.arr, r.idx, nv);
  else if (r.k === "fixed") b.fset(r.v, r.idx, nv);
}

export function emitPropertyRead(cx: FnCtx, e: ts.PropertyAccessExpression): Inst {
  const ns = namespaceConstant(cx, e);
  if (ns) return ns;
  return readRef(cx, resolveRef(cx, e, false), e);
}
export function emitElementRead(cx: FnCtx, e: ts.ElementAccessExpression): Inst {
  return readRef(cx, resolveRef(cx, e, false), e);
}


const F32_MAX = 3.4028234663852886e38;
const NS_CONSTS: Record<string, Record<string, [number | bigint, string]>> = {
  f32: { MAX_VALUE: [F32_MAX, "f32"], MIN_VALUE: [1.401298464324817e-45, "f32"], MIN_NORMAL_VALUE: [1.1754943508222875e-38, "f32"],
    EPSILON: [1.1920928955078125e-7, "f32"], POSITIVE_INFINITY: [Infinity, "f32"], NEGATIVE_INFINITY: [-Infinity, "f32"], NaN: [NaN, "f32"] },
  f64: { MAX_VALUE: [Number.MAX_VALUE, "f64"], MIN_VALUE: [Number.MIN_VALUE, "f64"], MIN_NORMAL_VALUE: [2.2250738585072014e-308, "f64"],
    EPSILON: [Number.EPSILON, "f64"], POSITIVE_INFINITY: [Infinity, "f64"], NEGATIVE_INFINITY: [-Infinity, "f64"], NaN: [NaN, "f64"] },
  i32: { MAX_VALUE: [2147483647, "i32"], MIN_VALUE: [-2147483648, "i32"] },
  u32: { MAX_VALUE: [4294967295, "u32"], MIN_VALUE: [0, "u32"] },
  i64: { MAX_VALUE: [(1n << 63n) - 1n, "i64"], MIN_VALUE: [-(1n << 63n), "i64"] },
  u64: { MAX_VALUE: [(1n << 64n) - 1n, "u64"], MIN_VALUE: [0n, "u64"] },
  Math: {},
  Mathf: { PI: [Math.PI, "f32"], E: [Math.E, "f32"], LN2: [Math.LN2, "f32"], LN10: [Math.LN10, "f32"], SQRT2: [Math.SQRT2, "f32"],
    SQRT1_2: [Math.SQRT1_2, "f32"], LOG2E: [Math.LOG2E, "f32"], LOG10E: [Math.LOG10E, "f32"] },
};

/** `f32.MAX_VALUE`, `i32.MIN_VALUE`, `Mathf.PI` (f32), ... (`Math.PI` adapts like a literal: literals.ts). */
function namespaceConstant(cx: FnCtx, e: ts.PropertyAccessExpression): Inst | null {
  const base = unparen(e.expression);
  if (!ts.isIdentifier(base) || !NS_CONSTS[base.text] || cx.scope.lookup(base.text)) return null;
  const c = NS_CONSTS[base.text][e.name.text];
  if (!c) return cx.fail(e.name, `'${base.text}.${e.name.text}' is not available in kernels`);
  return cx.b.const(c[0], c[1] as ScalarKind);
}
