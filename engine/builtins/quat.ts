// Quaternion builtins. A quaternion is (x, y, z, w) with w the real part, as in Warp; `q * r` is the
// Hamilton product (`mul`), and dot/length/lengthSq/normalize/lerp accept quaternions. Rotation
// builtins assume unit quaternions (they do not normalize), exactly like Warp.
//
//   quatIdentity()/quatIdentityd()    (0, 0, 0, 1)
//   quatFromAxisAngle(axis, angle)    (axis sin(angle/2), cos(angle/2)); axis must be unit length
//   quatRotate(q, v), quatRotateInv(q, v)
//   quatInverse(q)                    the conjugate (-x, -y, -z, w): the inverse of a unit quaternion
//   quatToMatrix(q)                   the rotation matrix R with R v == quatRotate(q, v)
//   quatFromMatrix(m)                 Shepperd's method, branch-free (selects), normalized result
//   quatSlerp(a, b, t)                spherical interpolation along the shorter arc, normalized
//   quatRpy(roll, pitch, yaw)         from roll (x), pitch (y), yaw (z) angles, as Warp's quat_rpy
//   quatToAxis(q), quatToAngle(q)     Warp's quat_to_axis_angle, as two builtins

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, isFloat, mat, quat, scalar, vec } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { arity, comps, names, wrap } from "./common.js";

/** Checks a signature of quaternions, vec3s and scalars of one float kind; returns that kind. */
export function quatSig(args: Type[], name: string, shape: ("quat" | "vec3" | "scalar" | "mat33")[]): ScalarKind | string {
  const e = arity(args, shape.length, name);
  if (e) return e;
  const want = `(${shape.join(", ")})`;
  const s = (args[0] as { s?: ScalarKind }).s;
  if (!s || !isFloat(s)) return `${name} expects ${want} of f32 or f64, got (${names(args)})`;
  for (let i = 0; i < shape.length; i++) {
    const t = args[i], k = shape[i];
    const ok = k === "quat" ? t.k === "quat" && t.s === s
      : k === "vec3" ? t.k === "vec" && t.n === 3 && t.s === s
      : k === "mat33" ? t.k === "mat" && t.r === 3 && t.c === 3 && t.s === s
      : t.k === "scalar" && t.s === s;
    if (!ok) return `${name} expects ${want} of one float kind, got (${names(args)})`;
  }
  return s;
}

/** quatSig, then the result type made from the float kind. */
export function quatSigThen(args: Type[], name: string, shape: Parameters<typeof quatSig>[2], make: (s: ScalarKind) => Type): Type | string {
  const s = quatSig(args, name, shape);
  return s === "f32" || s === "f64" ? make(s) : s;
}

/** Small arithmetic vocabulary over IR values of one scalar kind. */
export function arith(b: Builder, s: ScalarKind) {
  const c = (v: number) => b.const(wrap(s, v), s);
  const mul = (...xs: Inst[]) => xs.reduce((p, v) => b.call("mul", p, v));
  const add = (...xs: Inst[]) => xs.reduce((p, v) => b.call("add", p, v));
  const sub = (x: Inst, y: Inst) => b.call("sub", x, y);
  const neg = (x: Inst) => b.call("neg", x);
  return { c, mul, add, sub, neg };
}

/** Rotates vector components `v` by quaternion components (x, y, z, w); `inv` rotates by the conjugate. */
export function rotateComps(b: Builder, q: Inst[], v: Inst[], s: ScalarKind, inv: boolean): Inst[] {
  const { c, mul, add, sub } = arith(b, s);
  const [x, y, z, w] = q;
  // v (2w² - 1) ± 2w (q_v × v) + 2 q_v (q_v · v)
  const k = sub(mul(c(2), w, w), c(1));
  const cr = [sub(mul(y, v[2]), mul(z, v[1])), sub(mul(z, v[0]), mul(x, v[2])), sub(mul(x, v[1]), mul(y, v[0]))];
  const d2 = mul(c(2), add(mul(x, v[0]), mul(y, v[1]), mul(z, v[2])));
  const w2 = mul(c(2), w);
  const qv = [x, y, z];
  return v.map((vi, i) => {
    const t = mul(cr[i], w2);
    return add(inv ? sub(mul(vi, k), t) : add(mul(vi, k), t), mul(qv[i], d2));
  });
}

for (const [name, s] of [["quatIdentity", "f32"], ["quatIdentityd", "f64"]] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(): quat${s === "f64" ? "d" : ""} — (0, 0, 0, 1)`],
    resolve: (args) => (args.length === 0 ? quat(s) : `${name} takes no arguments, got (${names(args)})`),
    expand: (b, _a, result) => b.construct(result, [b.const(0, s), b.const(0, s), b.const(0, s), b.const(1, s)]),
  });
}

defineBuiltin({
  name: "quatFromAxisAngle",
  sigs: ["quatFromAxisAngle(axis: vec3, angle: f32): quat — rotation by angle (radians) about the unit axis"],
  resolve: (args) => quatSigThen(args, "quatFromAxisAngle", ["vec3", "scalar"], (s) => quat(s)),
  expand(b, [axis, angle], result) {
    const s = (result as { s: ScalarKind }).s, { c, mul } = arith(b, s);
    const half = mul(angle, c(0.5)), sn = b.call("sin", half);
    return b.construct(result, [...comps(b, axis).map((a) => mul(a, sn)), b.call("cos", half)]);
  },
});

for (const inv of [false, true]) {
  const name = inv ? "quatRotateInv" : "quatRotate";
  defineBuiltin({
    name,
    sigs: [`${name}(q: quat, v: vec3): vec3 — v rotated by ${inv ? "the inverse of " : ""}the unit quaternion q`],
    resolve: (args) => quatSigThen(args, name, ["quat", "vec3"], (s) => vec(3, s)),
    expand: (b, [q, v], result) => b.construct(result, rotateComps(b, comps(b, q), comps(b, v), (result as { s: ScalarKind }).s, inv)),
  });
}

defineBuiltin({
  name: "quatInverse",
  sigs: ["quatInverse(q: quat): quat — the conjugate (-x, -y, -z, w), the inverse of a unit quaternion"],
  resolve: (args) => quatSigThen(args, "quatInverse", ["quat"], (s) => quat(s)),
  expand(b, [q], result) {
    const [x, y, z, w] = comps(b, q), neg = (v: Inst) => b.call("neg", v);
    return b.construct(result, [neg(x), neg(y), neg(z), w]);
  },
});

defineBuiltin({
  name: "quatToMatrix",
  sigs: ["quatToMatrix(q: quat): mat33 — R with R * v == quatRotate(q, v)"],
  resolve: (args) => quatSigThen(args, "quatToMatrix", ["quat"], (s) => mat(3, 3, s)),
  expand(b, [q], result) {
    const s = (result as { s: ScalarKind }).s, { c } = arith(b, s);
    const qc = comps(b, q);
    // Column j is the rotated basis vector e_j.
    const cols = [0, 1, 2].map((j) => rotateComps(b, qc, [0, 1, 2].map((i) => c(i === j ? 1 : 0)), s, false));
    const out: Inst[] = [];
    for (let r = 0; r < 3; r++) for (let col = 0; col < 3; col++) out.push(cols[col][r]);
    return b.construct(result, out);
  },
});

defineBuiltin({
  name: "quatFromMatrix",
  sigs: ["quatFromMatrix(m: mat33): quat — the unit quaternion of a rotation matrix (Shepperd's method)"],
  resolve: (args) => quatSigThen(args, "quatFromMatrix", ["mat33"], (s) => quat(s)),
  expand(b, [m], result) {
    const s = (result as { s: ScalarKind }).s, { c, mul, add, sub } = arith(b, s);
    const e = comps(b, m), a = (r: number, col: number) => e[r * 3 + col];
    const tr = add(a(0, 0), a(1, 1), a(2, 2));
    // Case 0: trace >= 0; else the largest diagonal element picks case 1, 2 or 3.
    const c0 = b.call("ge", tr, c(0));
    const c1 = b.call("and", b.call("ge", a(0, 0), a(1, 1)), b.call("ge", a(0, 0), a(2, 2)));
    const c2 = b.call("ge", a(1, 1), a(2, 2));
    const pick = (v0: Inst, v1: Inst, v2: Inst, v3: Inst) => b.select(c0, v0, b.select(c1, v1, b.select(c2, v2, v3)));
    const r = pick(add(tr, c(1)), add(sub(sub(a(0, 0), a(1, 1)), a(2, 2)), c(1)),
      add(sub(sub(a(1, 1), a(2, 2)), a(0, 0)), c(1)), add(sub(sub(a(2, 2), a(0, 0)), a(1, 1)), c(1)));
    const h = b.call("sqrt", r), big = mul(c(0.5), h), hi = b.call("div", c(0.5), h);
    const d = (i: number, j: number, k: number, l: number) => mul(sub(a(i, j), a(k, l)), hi);
    const p = (i: number, j: number, k: number, l: number) => mul(add(a(i, j), a(k, l)), hi);
    const x = pick(d(2, 1, 1, 2), big, p(0, 1, 1, 0), p(2, 0, 0, 2));
    const y = pick(d(0, 2, 2, 0), p(0, 1, 1, 0), big, p(1, 2, 2, 1));
    const z = pick(d(1, 0, 0, 1), p(2, 0, 0, 2), p(1, 2, 2, 1), big);
    const w = pick(big, d(2, 1, 1, 2), d(0, 2, 2, 0), d(1, 0, 0, 1));
    return b.call("normalize", b.construct(result, [x, y, z, w]));
  },
});

defineBuiltin({
  name: "quatSlerp",
  sigs: ["quatSlerp(a: quat, b: quat, t: f32): quat — spherical interpolation along the shorter arc (normalized)"],
  resolve: (args) => quatSigThen(args, "quatSlerp", ["quat", "quat", "scalar"], (s) => quat(s)),
  expand(bd, [qa, qb, t], result) {
    const s = (result as { s: ScalarKind }).s, { c, mul, add, sub, neg } = arith(bd, s);
    const d0 = bd.call("dot", qa, qb);
    const flip = bd.call("lt", d0, c(0));
    const bs = comps(bd, qb).map((v) => bd.select(flip, neg(v), v));
    const d = bd.select(flip, neg(d0), d0);
    // Nearly parallel: normalized lerp (the slerp weights are 0/0 there).
    const near = bd.call("gt", d, c(0.9995));
    const theta = bd.call("acos", bd.select(near, c(0), d));
    const st = bd.select(near, c(1), bd.call("sin", theta));
    const u = sub(c(1), t);
    const wa = bd.select(near, u, bd.call("div", bd.call("sin", mul(u, theta)), st));
    const wb = bd.select(near, t, bd.call("div", bd.call("sin", mul(t, theta)), st));
    const r = comps(bd, qa).map((av, i) => add(mul(av, wa), mul(bs[i], wb)));
    return bd.call("normalize", bd.construct(result, r));
  },
});

defineBuiltin({
  name: "quatRpy",
  sigs: ["quatRpy(roll: f32, pitch: f32, yaw: f32): quat — rotation about z by yaw, then y by pitch, then x by roll (Warp quat_rpy)"],
  resolve: (args) => quatSigThen(args, "quatRpy", ["scalar", "scalar", "scalar"], (s) => quat(s)),
  expand(b, [roll, pitch, yaw], result) {
    const s = (result as { s: ScalarKind }).s, { c, mul, add, sub } = arith(b, s);
    const half = (a: Inst) => mul(a, c(0.5));
    const cy = b.call("cos", half(yaw)), sy = b.call("sin", half(yaw));
    const cr = b.call("cos", half(roll)), sr = b.call("sin", half(roll));
    const cp = b.call("cos", half(pitch)), sp = b.call("sin", half(pitch));
    const w = add(mul(cy, cr, cp), mul(sy, sr, sp));
    const x = sub(mul(cy, sr, cp), mul(sy, cr, sp));
    const y = add(mul(cy, cr, sp), mul(sy, sr, cp));
    const z = sub(mul(sy, cr, cp), mul(cy, sr, sp));
    return b.construct(result, [x, y, z, w]);
  },
});

// quat_to_axis_angle as two builtins (the kernel language has no out-parameters):
// axis = ±normalize(q_v) (the sign of w folded in, so the angle is in [0, π]), angle = 2 atan2(|q_v|, |w|).
defineBuiltin({
  name: "quatToAxis",
  sigs: ["quatToAxis(q: quat): vec3 — the unit rotation axis, oriented so that quatToAngle(q) is in [0, π]; zero for the identity"],
  resolve: (args) => quatSigThen(args, "quatToAxis", ["quat"], (s) => vec(3, s)),
  expand(b, [q], result) {
    const s = (result as { s: ScalarKind }).s, { c, neg } = arith(b, s);
    const [x, y, z, w] = comps(b, q);
    const n = comps(b, b.call("normalize", b.construct(result, [x, y, z])));
    const flip = b.call("lt", w, c(0));
    return b.construct(result, n.map((v) => b.select(flip, neg(v), v)));
  },
});

defineBuiltin({
  name: "quatToAngle",
  sigs: ["quatToAngle(q: quat): f32 — the rotation angle in [0, π] of a unit quaternion: 2 atan2(|q_v|, |w|)"],
  resolve: (args) => quatSigThen(args, "quatToAngle", ["quat"], (s) => scalar(s)),
  expand(b, [q], result) {
    const s = (result as { s: ScalarKind }).s, { c, mul } = arith(b, s);
    const [x, y, z, w] = comps(b, q);
    return mul(c(2), b.call("atan2", b.call("length", b.construct(vec(3, s), [x, y, z])), b.call("abs", w)));
  },
});
