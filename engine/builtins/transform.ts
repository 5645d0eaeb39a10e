// Rigid transforms: a transform is (p: vec3, q: quat), stored as 7 scalars p then q, and maps a point
// x to p + quatRotate(q, x). The frontend provides `t.p`, `t.q` and the `transform(p, q)` constructor.
//
//   transformIdentity()/transformIdentityd()
//   transformMultiply(a, b)      a ∘ b: (a.p + rotate(a.q, b.p), a.q * b.q)
//   transformInverse(t)          (-rotateInv(q, p), conj(q))
//   transformPoint(t, x)         p + rotate(q, x)
//   transformVector(t, v)        rotate(q, v)
//   transformGetTranslation(t), transformGetRotation(t)
//   transformToMatrix(t): mat44, transformFromMatrix(m: mat44)

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, isFloat, mat, quat, transform, vec } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { arity, comps, names } from "./common.js";
import { arith, rotateComps } from "./quat.js";

type Shape = "transform" | "vec3" | "mat44";

function tfSig(args: Type[], name: string, shape: Shape[], make: (s: ScalarKind) => Type): Type | string {
  const e = arity(args, shape.length, name);
  if (e) return e;
  const s = (args[0] as { s?: ScalarKind }).s;
  const want = `(${shape.join(", ")})`;
  if (!s || !isFloat(s)) return `${name} expects ${want} of f32 or f64, got (${names(args)})`;
  for (let i = 0; i < shape.length; i++) {
    const t = args[i], k = shape[i];
    const ok = k === "transform" ? t.k === "transform" && t.s === s
      : k === "vec3" ? t.k === "vec" && t.n === 3 && t.s === s
      : t.k === "mat" && t.r === 4 && t.c === 4 && t.s === s;
    if (!ok) return `${name} expects ${want} of one float kind, got (${names(args)})`;
  }
  return make(s);
}

const kindOf = (t: Type) => (t as { s: ScalarKind }).s;
/** p (3 components) and q (4 components) of a transform value. */
function split(b: Builder, t: Inst): { p: Inst[]; q: Inst[] } {
  const c = comps(b, t);
  return { p: c.slice(0, 3), q: c.slice(3, 7) };
}

for (const [name, s] of [["transformIdentity", "f32"], ["transformIdentityd", "f64"]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(): transform${s === "f64" ? "d" : ""} — p = 0, q = (0, 0, 0, 1)`],
    resolve: (args) => (args.length === 0 ? transform(s) : `${name} takes no arguments, got (${names(args)})`),
    expand: (b, _a, result) => b.construct(result, [0, 0, 0, 0, 0, 0, 1].map((v) => b.const(v, s))),
  });
}

defineBuiltin({
  name: "transformMultiply",
  sigs: ["transformMultiply(a: transform, b: transform): transform — a ∘ b (apply b, then a)"],
  resolve: (args) => tfSig(args, "transformMultiply", ["transform", "transform"], transform),
  expand(b, [ta, tb], result) {
    const s = kindOf(result), { add } = arith(b, s);
    const A = split(b, ta), B = split(b, tb);
    const rp = rotateComps(b, A.q, B.p, s, false).map((v, i) => add(A.p[i], v));
    const q = b.call("mul", b.construct(quat(s), A.q), b.construct(quat(s), B.q));
    return b.construct(result, [...rp, ...comps(b, q)]);
  },
});

defineBuiltin({
  name: "transformInverse",
  sigs: ["transformInverse(t: transform): transform — (-quatRotateInv(q, p), quatInverse(q)) for unit q"],
  resolve: (args) => tfSig(args, "transformInverse", ["transform"], transform),
  expand(b, [t], result) {
    const s = kindOf(result), { neg } = arith(b, s);
    const { p, q } = split(b, t);
    const ip = rotateComps(b, q, p, s, true).map(neg);
    return b.construct(result, [...ip, neg(q[0]), neg(q[1]), neg(q[2]), q[3]]);
  },
});

for (const point of [true, false]) {
  const name = point ? "transformPoint" : "transformVector";
  defineBuiltin({
    name,
    sigs: [`${name}(t: transform, ${point ? "x" : "v"}: vec3): vec3 — ${point ? "p + quatRotate(q, x)" : "quatRotate(q, v) (no translation)"}`],
    resolve: (args) => tfSig(args, name, ["transform", "vec3"], (s) => vec(3, s)),
    expand(b, [t, x], result) {
      const s = kindOf(result), { add } = arith(b, s);
      const { p, q } = split(b, t);
      const r = rotateComps(b, q, comps(b, x), s, false);
      return b.construct(result, point ? r.map((v, i) => add(p[i], v)) : r);
    },
  });
}

defineBuiltin({
  name: "transformGetTranslation",
  sigs: ["transformGetTranslation(t: transform): vec3 — t.p"],
  resolve: (args) => tfSig(args, "transformGetTranslation", ["transform"], (s) => vec(3, s)),
  expand: (b, [t], result) => b.construct(result, split(b, t).p),
});

defineBuiltin({
  name: "transformGetRotation",
  sigs: ["transformGetRotation(t: transform): quat — t.q"],
  resolve: (args) => tfSig(args, "transformGetRotation", ["transform"], quat),
  expand: (b, [t], result) => b.construct(result, split(b, t).q),
});

defineBuiltin({
  name: "transformToMatrix",
  sigs: ["transformToMatrix(t: transform): mat44 — [[R, p], [0, 0, 0, 1]] with R = quatToMatrix(q)"],
  resolve: (args) => tfSig(args, "transformToMatrix", ["transform"], (s) => mat(4, 4, s)),
  expand(b, [t], result) {
    const s = kindOf(result), { c } = arith(b, s);
    const { p, q } = split(b, t);
    const R = comps(b, b.call("quatToMatrix", b.construct(quat(s), q)));
    const out: Inst[] = [];
    for (let r = 0; r < 3; r++) out.push(R[r * 3], R[r * 3 + 1], R[r * 3 + 2], p[r]);
    out.push(c(0), c(0), c(0), c(1));
    return b.construct(result, out);
  },
});

defineBuiltin({
  name: "transformFromMatrix",
  sigs: ["transformFromMatrix(m: mat44): transform — p from the last column, q = quatFromMatrix(upper-left 3x3); the bottom row is ignored"],
  resolve: (args) => tfSig(args, "transformFromMatrix", ["mat44"], transform),
  expand(b, [m], result) {
    const s = kindOf(result), e = comps(b, m);
    const R = b.construct(mat(3, 3, s), [0, 1, 2].flatMap((r) => [e[r * 4], e[r * 4 + 1], e[r * 4 + 2]]));
    const q = comps(b, b.call("quatFromMatrix", R));
    return b.construct(result, [e[3], e[7], e[11], ...q]);
  },
});
