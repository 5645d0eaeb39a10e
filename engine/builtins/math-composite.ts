// Composite math: clamp, lerp, smoothstep, step, degrees, radians, rsqrt. Each is written in IR
// from other builtins (so it needs no lowering and no adjoint of its own) and works on scalars and,
// componentwise, on vectors; a scalar operand next to vectors is broadcast.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, componentCount, componentScalar, isFloat, typeEq } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { arity, build, comps, floatLike, names, wrap } from "./common.js";

/**
 * Type rule for builtins over scalars/vectors whose operands are all of one type, except that any
 * operand may be a scalar of the common component kind (broadcast).
 */
export function broadcastType(args: Type[], name: string, n: number, ok: (s: ScalarKind) => boolean, what: string): Type | string {
  const e = arity(args, n, name);
  if (e) return e;
  let shape: Type | null = null;
  const s0 = componentScalar(args[0]);
  for (const t of args) {
    const s = componentScalar(t);
    if (!s || !ok(s) || (t.k !== "scalar" && t.k !== "vec")) return `${name} expects ${what} scalars or vectors, got (${names(args)})`;
    if (s !== s0) return `${name} expects operands of one scalar kind, got (${names(args)})`;
    if (t.k === "vec") {
      if (shape && !typeEq(shape, t)) return `${name} expects vectors of one size, got (${names(args)})`;
      shape = t;
    }
  }
  return shape ?? args[0];
}

/** Applies `f` to each component tuple (scalars broadcast) and builds a value of `result`. */
export function perComponent(b: Builder, args: Inst[], result: Type, f: (xs: Inst[]) => Inst): Inst {
  const n = result.k === "scalar" ? 1 : componentCount(result);
  const cs = args.map((a) => (a.type.k === "scalar" ? null : comps(b, a)));
  const out: Inst[] = [];
  for (let i = 0; i < n; i++) out.push(f(args.map((a, j) => (cs[j] ? cs[j]![i] : a))));
  return build(b, result, out);
}

const notBool = (s: ScalarKind) => s !== "bool";
const k = (b: Builder, v: number, like: Inst) => b.constLike(wrap(componentScalar(like.type)!, v), like.type);

defineBuiltin({
  name: "clamp",
  sigs: ["clamp(x: T, lo: T, hi: T): T = min(max(x, lo), hi) for numeric scalars; vectors componentwise (lo/hi may be scalars)"],
  resolve: (args) => broadcastType(args, "clamp", 3, notBool, "numeric"),
  expand: (b, args, result) => perComponent(b, args, result, ([x, lo, hi]) => b.call("min", b.call("max", x, lo), hi)),
});

defineBuiltin({
  name: "lerp",
  sigs: ["lerp(a: T, b: T, t): T = a*(1-t) + b*t; T float scalar/vector/quat, t a scalar or (vectors) of type T"],
  resolve(args) {
    const e = arity(args, 3, "lerp");
    if (e) return e;
    const [a, bb, t] = args;
    const s = componentScalar(a);
    if (!s || !isFloat(s) || !(a.k === "scalar" || a.k === "vec" || a.k === "quat" || a.k === "mat"))
      return `lerp expects f32/f64 scalars, vectors, matrices or quaternions, got (${names(args)})`;
    if (!typeEq(a, bb)) return `lerp expects a and b of one type, got (${names(args)})`;
    if (!(typeEq(t, a) || (t.k === "scalar" && t.s === s))) return `lerp expects t to be a ${s} or a ${names([a])}, got (${names(args)})`;
    return a;
  },
  expand: (b, args, result) => perComponent(b, args, result, ([x, y, t]) =>
    b.call("add", b.call("mul", x, b.call("sub", k(b, 1, t), t)), b.call("mul", y, t))),
});

defineBuiltin({
  name: "smoothstep",
  sigs: ["smoothstep(e0: T, e1: T, x: T): T — Hermite 3t²-2t³ of t = clamp((x-e0)/(e1-e0), 0, 1); T float scalar/vector"],
  resolve: (args) => broadcastType(args, "smoothstep", 3, isFloat, "f32/f64"),
  expand: (b, args, result) => perComponent(b, args, result, ([e0, e1, x]) => {
    const t = b.call("clamp", b.call("div", b.call("sub", x, e0), b.call("sub", e1, e0)), k(b, 0, x), k(b, 1, x));
    return b.call("mul", b.call("mul", t, t), b.call("sub", k(b, 3, t), b.call("mul", k(b, 2, t), t)));
  }),
});

defineBuiltin({
  name: "step",
  sigs: ["step(edge: T, x: T): T — 0 where x < edge, else 1 (GLSL order); T float scalar/vector"],
  resolve: (args) => broadcastType(args, "step", 2, isFloat, "f32/f64"),
  expand: (b, args, result) => perComponent(b, args, result, ([edge, x]) => b.select(b.call("lt", x, edge), k(b, 0, x), k(b, 1, x))),
});

for (const [name, f, what] of [["degrees", 180 / Math.PI, "radians to degrees"], ["radians", Math.PI / 180, "degrees to radians"]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(x: f32|f64 or float vector): same — ${what}`],
    resolve: (args) => floatLike(args, name, 1),
    expand: (b, args, result) => perComponent(b, args, result, ([x]) => b.call("mul", x, k(b, f, x))),
  });
}

defineBuiltin({
  name: "rsqrt",
  sigs: ["rsqrt(x: f32|f64 or float vector): same — 1 / sqrt(x), correctly rounded in two steps (not CUDA's approximate rsqrtf)"],
  resolve: (args) => floatLike(args, "rsqrt", 1),
  expand: (b, args, result) => perComponent(b, args, result, ([x]) => b.call("div", k(b, 1, x), b.call("sqrt", x))),
});
