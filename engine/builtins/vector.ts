// Vector builtins: dot, cross, length, lengthSq, normalize, distance, outer, cwiseMul, cwiseDiv,
// minComp, maxComp, argmin, argmax. All are composites written in IR from scalar builtins, so they
// need no lowering and no adjoint of their own. dot/length/lengthSq/normalize also take quaternions.
//
// Zero vectors: length and normalize select a safe operand before the square root, so the value and
// the gradient at the zero vector are 0 (not NaN), as in Warp.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { I32, ScalarKind, Type, componentScalar, isFloat, mat, scalar, typeEq } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { arity, build, comps, names } from "./common.js";

/** One vector (or quaternion, when allowed) operand type check; `float` demands f32/f64. */
export function vecArg(args: Type[], name: string, n: number, opts: { float?: boolean; quat?: boolean; size?: number } = {}): Type | string {
  const e = arity(args, n, name);
  if (e) return e;
  const a = args[0];
  const s = componentScalar(a);
  const shapeOk = a.k === "vec" || (opts.quat && a.k === "quat");
  const what = `${opts.float ? "a float " : "a numeric "}${opts.size ? `vec${opts.size}` : "vector"}${opts.quat ? " or quaternion" : ""}`;
  if (!shapeOk || !s || s === "bool" || (opts.float && !isFloat(s)) || (opts.size && (a.k !== "vec" || a.n !== opts.size)))
    return `${name} expects ${what}, got (${names(args)})`;
  for (const t of args) if (!typeEq(t, a)) return `${name} expects operands of one type, got (${names(args)})`;
  return a;
}

const k = (b: Builder, v: number, s: ScalarKind) => b.const(v, s);
const sOf = (v: Inst) => componentScalar(v.type)!;

/** Σ a_i b_i, left to right. */
export function dotOf(b: Builder, xs: Inst[], ys: Inst[]): Inst {
  let acc = b.call("mul", xs[0], ys[0]);
  for (let i = 1; i < xs.length; i++) acc = b.call("add", acc, b.call("mul", xs[i], ys[i]));
  return acc;
}

/** sqrt(l2), with the operand replaced by 1 where l2 == 0 so that neither value nor gradient is NaN. */
function safeLength(b: Builder, l2: Inst): { pos: Inst; len: Inst } {
  const s = componentScalar(l2.type)!;
  const pos = b.call("gt", l2, k(b, 0, s));
  return { pos, len: b.call("sqrt", b.select(pos, l2, k(b, 1, s))) };
}

defineBuiltin({
  name: "dot",
  sigs: ["dot(a: vecN, b: vecN): scalar — Σ a_i b_i (also on quaternions)"],
  resolve(args) {
    const t = vecArg(args, "dot", 2, { quat: true });
    return typeof t === "string" ? t : scalar(componentScalar(t)!);
  },
  expand: (b, [x, y]) => dotOf(b, comps(b, x), comps(b, y)),
});

defineBuiltin({
  name: "cross",
  sigs: ["cross(a: vec3, b: vec3): vec3 — right-handed cross product"],
  resolve: (args) => vecArg(args, "cross", 2, { size: 3 }),
  expand(b, [x, y], result) {
    const [ax, ay, az] = comps(b, x), [bx, by, bz] = comps(b, y);
    const d = (p: Inst, q: Inst, r: Inst, t: Inst) => b.call("sub", b.call("mul", p, q), b.call("mul", r, t));
    return b.construct(result, [d(ay, bz, az, by), d(az, bx, ax, bz), d(ax, by, ay, bx)]);
  },
});

defineBuiltin({
  name: "lengthSq",
  sigs: ["lengthSq(v: vecN or quat): scalar — dot(v, v)"],
  resolve(args) {
    const t = vecArg(args, "lengthSq", 1, { quat: true });
    return typeof t === "string" ? t : scalar(componentScalar(t)!);
  },
  expand: (b, [x]) => { const c = comps(b, x); return dotOf(b, c, c); },
});

defineBuiltin({
  name: "length",
  sigs: ["length(v: float vecN or quat): scalar — Euclidean norm; gradient 0 at the zero vector"],
  resolve(args) {
    const t = vecArg(args, "length", 1, { float: true, quat: true });
    return typeof t === "string" ? t : scalar(componentScalar(t)!);
  },
  expand(b, [x]) {
    const { pos, len } = safeLength(b, b.call("lengthSq", x));
    return b.select(pos, len, k(b, 0, sOf(x)));
  },
});

defineBuiltin({
  name: "normalize",
  sigs: ["normalize(v: float vecN or quat): same — v / length(v); the zero vector gives the zero vector"],
  resolve: (args) => vecArg(args, "normalize", 1, { float: true, quat: true }),
  expand(b, [x], result) {
    const { pos, len } = safeLength(b, b.call("lengthSq", x));
    const zero = k(b, 0, sOf(x));
    return build(b, result, comps(b, x).map((c) => b.select(pos, b.call("div", c, len), zero)));
  },
});

defineBuiltin({
  name: "distance",
  sigs: ["distance(a: float vecN, b: vecN): scalar — length(a - b)"],
  resolve(args) {
    const t = vecArg(args, "distance", 2, { float: true });
    return typeof t === "string" ? t : scalar(componentScalar(t)!);
  },
  expand: (b, [x, y]) => b.call("length", b.call("sub", x, y)),
});

defineBuiltin({
  name: "outer",
  sigs: ["outer(a: vecM, b: vecN): matMN — a bᵀ, element (i, j) = a_i b_j"],
  resolve(args) {
    const e = arity(args, 2, "outer");
    if (e) return e;
    const [a, b] = args;
    if (a.k !== "vec" || b.k !== "vec" || a.s !== b.s || a.s === "bool") return `outer expects two numeric vectors of one scalar kind, got (${names(args)})`;
    return mat(a.n, b.n, a.s);
  },
  expand(b, [x, y], result) {
    const xs = comps(b, x), ys = comps(b, y);
    return b.construct(result, xs.flatMap((xi) => ys.map((yj) => b.call("mul", xi, yj))));
  },
});

for (const [name, op] of [["cwiseMul", "mul"], ["cwiseDiv", "div"]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(a: vecN, b: vecN): vecN — componentwise ${op === "mul" ? "product" : "quotient"}`],
    resolve: (args) => vecArg(args, name, 2),
    expand: (b, [x, y], result) => build(b, result, comps(b, x).map((c, i) => b.call(op, c, comps(b, y)[i]))),
  });
}

for (const [name, op] of [["minComp", "min"], ["maxComp", "max"]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(v: vecN): scalar — the ${op === "min" ? "smallest" : "largest"} component (NaN components are ignored as by ${op})`],
    resolve(args) {
      const t = vecArg(args, name, 1);
      return typeof t === "string" ? t : scalar(componentScalar(t)!);
    },
    expand: (b, [x]) => comps(b, x).reduce((acc, c) => b.call(op, acc, c)),
  });
}

for (const [name, cmp] of [["argmin", "lt"], ["argmax", "gt"]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(v: vecN): i32 — index of the first ${cmp === "lt" ? "smallest" : "largest"} component (NaN components are ignored)`],
    resolve(args) {
      const t = vecArg(args, name, 1);
      return typeof t === "string" ? t : I32;
    },
    nondiff: "an index has no derivative",
    expand(b, [x]) {
      const cs = comps(b, x);
      const fl = isFloat(sOf(x));
      let best = cs[0], idx = b.i32(0);
      for (let i = 1; i < cs.length; i++) {
        let take = b.call(cmp, cs[i], best);
        if (fl) take = b.call("or", take, b.call("isnan", best));
        best = b.select(take, cs[i], best);
        idx = b.select(take, b.i32(i), idx);
      }
      return idx;
    },
  });
}
