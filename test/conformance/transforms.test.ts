// Conformance: rigid transforms (p: vec3, q: quat) — construction, t.p / t.q, identity, compose,
// inverse, point and vector mapping, matrix round trips, transform arguments and arrays, f64
// transforms — against f64 plain-TS formulas (tolerance 4e-6 times the coordinates' scale).
import { beforeAll, describe, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectClose, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, vec3, quat, transform, transformd, vec3d, mat44 } from "weft/kernels";

@kernel
export function parts(T: Array<transform>, out: Array<transform>, outV: Array<vec3>, outQ: Array<quat>, extra: transform): void {
  const i = tid();
  const t = T[i];
  out[4 * i] = transform(t.p, t.q);
  out[4 * i + 1] = i == 0 ? transform() : transformIdentity();
  let u = t;
  u.p = u.p + vec3(1, 0, 0); u.q.w = 0.5; u.p.z = -1;
  out[4 * i + 2] = u;
  out[4 * i + 3] = extra;
  outV[i] = transformGetTranslation(t);
  outQ[i] = transformGetRotation(t);
  T[i].p.y = 42;
}

@kernel
export function maps(A: Array<transform>, B: Array<transform>, X: Array<vec3>, out: Array<transform>, outV: Array<vec3>, outM: Array<mat44>): void {
  const i = tid();
  const a = A[i], b = B[i], x = X[i];
  out[3 * i] = transformMultiply(a, b);
  out[3 * i + 1] = transformInverse(a);
  out[3 * i + 2] = transformFromMatrix(transformToMatrix(a));
  outV[4 * i] = transformPoint(a, x);
  outV[4 * i + 1] = transformVector(a, x);
  outV[4 * i + 2] = transformPoint(transformMultiply(a, b), x);
  outV[4 * i + 3] = transformPoint(transformInverse(a), transformPoint(a, x));
  outM[i] = transformToMatrix(a);
}

@kernel
export function doubles(T: Array<transformd>, X: Array<vec3d>, outV: Array<vec3d>, out: Array<transformd>): void {
  const i = tid();
  const t = T[i];
  outV[i] = transformPoint(t, X[i]);
  out[2 * i] = transformMultiply(t, transformIdentityd());
  out[2 * i + 1] = transformInverse(t);
}
`;

type T = { p: number[]; q: number[] };
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k], 0);
const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (a: number[]) => { const l = Math.sqrt(dot(a, a)); return a.map((x) => x / l); };
const qmul = (a: number[], b: number[]) => [
  a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1], a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
  a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3], a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]];
function rotate(q: number[], v: number[], inv = false): number[] {
  const w = q[3], u = q.slice(0, 3), c = cross(u, v), d = dot(u, v);
  return v.map((x, k) => x * (2 * w * w - 1) + (inv ? -1 : 1) * 2 * w * c[k] + 2 * u[k] * d);
}
const point = (t: T, x: number[]) => rotate(t.q, x).map((v, k) => v + t.p[k]);
const multiply = (a: T, b: T): T => ({ p: point(a, b.p), q: qmul(a.q, b.q) });
const inverse = (t: T): T => ({ p: rotate(t.q, t.p, true).map((x) => -x), q: [-t.q[0], -t.q[1], -t.q[2], t.q[3]] });
const flat = (t: T) => [...t.p, ...t.q];
const aa = (axis: number[], ang: number) => [...norm(axis).map((x) => x * Math.sin(ang / 2)), Math.cos(ang / 2)];
const f32t = (t: T): T => ({ p: t.p.map(fr), q: t.q.map(fr) });
/** Transforms compared with q up to sign (q and -q are one rotation). */
function expectSameTransform(got: number[], want: number[], tol: number): void {
  for (let i = 0; i < want.length / 7; i++) {
    const g = got.slice(7 * i, 7 * i + 7), w = want.slice(7 * i, 7 * i + 7);
    const s = dot(g.slice(3), w.slice(3)) < 0 ? -1 : 1;
    expectClose([...g.slice(0, 3), ...g.slice(3).map((x) => x * s)], w, 0, { abs: tol });
  }
}

const TA: T[] = [{ p: [1, 2, 3], q: aa([0, 0, 1], 0.7) }, { p: [-0.5, 0, 4], q: aa([1, 1, 0], 2.2) }, { p: [0, 0, 0], q: [0, 0, 0, 1] },
  { p: [10, -3, 0.25], q: aa([-1, 2, 0.5], -2.9) }].map(f32t);
const TB: T[] = [{ p: [0, 1, 0], q: aa([1, 0, 0], 1.1) }, { p: [2, 2, 2], q: [0, 0, 0, 1] }, { p: [-1, 5, 0.5], q: aa([0, 1, 0], 3.1) },
  { p: [0.3, 0.3, -7], q: aa([1, -1, 1], 0.2) }].map(f32t);
const XS = [[1, 0, 0], [0.5, -2, 3], [4, 4, 4], [-1, 0.1, 9]].map((v) => v.map(fr));

describe.each(BACKEND_NAMES)("transforms on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_transforms")); });

  it("construction, t.p and t.q, identity, field and component assignment, transform arguments, array element fields", () => {
    const n = TA.length;
    const arr = c.array(TA.map(flat).flat(), wf.transform);
    const out = c.zeros(4 * n, wf.transform), outV = c.zeros(n, wf.vec3), outQ = c.zeros(n, wf.quat);
    const extra = [0.5, 0.25, -1, 0, 0, 0.6, 0.8];
    c.launch("parts", n, [arr, out, outV, outQ, wf.transform(...extra)]);
    expectExact(values(out), TA.flatMap((t, i) => [...flat(t), ...(i === 0 ? [0, 0, 0, 0, 0, 0, 0] : [0, 0, 0, 0, 0, 0, 1]),
      fr(t.p[0] + 1), t.p[1], -1, t.q[0], t.q[1], t.q[2], 0.5, ...extra.map(fr)]));
    expectExact(values(outV), TA.flatMap((t) => t.p));
    expectExact(values(outQ), TA.flatMap((t) => t.q));
    expectExact(values(arr), TA.flatMap((t) => [t.p[0], 42, ...t.p.slice(2), ...t.q]));
  });

  it("transformMultiply, transformInverse, transformPoint, transformVector, transformToMatrix / transformFromMatrix round trip", () => {
    const n = TA.length;
    const out = c.zeros(3 * n, wf.transform), outV = c.zeros(4 * n, wf.vec3), outM = c.zeros(n, wf.mat44);
    c.launch("maps", n, [c.array(TA.map(flat).flat(), wf.transform), c.array(TB.map(flat).flat(), wf.transform), c.array(XS.flat(), wf.vec3), out, outV, outM]);
    const g = values(out);
    TA.forEach((a, i) => {
      const tol = 4e-6 * 20;
      expectSameTransform(g.slice(21 * i, 21 * i + 21), [...flat(multiply(a, TB[i])), ...flat(inverse(a)), ...flat(a)], tol);
      const x = XS[i];
      expectClose(values(outV).slice(12 * i, 12 * i + 12), [...point(a, x), ...rotate(a.q, x), ...point(multiply(a, TB[i]), x), ...x], 0, { abs: tol });
      const R = [[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((e) => rotate(a.q, e));
      const M = [0, 1, 2].flatMap((r) => [R[0][r], R[1][r], R[2][r], a.p[r]]).concat([0, 0, 0, 1]);
      expectClose(values(outM).slice(16 * i, 16 * i + 16), M, 0, { abs: 4e-6 });
    });
  });

  it("f64 transforms (transformd, transformIdentityd)", () => {
    const T2: T[] = [{ p: [1, 2, 3], q: aa([0, 1, 0], 0.3) }, { p: [-4, 0.5, 1e3], q: aa([1, 2, 3], -1.7) }];
    const X2 = [[1, 1, 1], [0.1, 0.2, 0.3]];
    const outV = c.zeros(2, wf.vec3d), out = c.zeros(4, wf.transformd);
    c.launch("doubles", 2, [c.array(T2.map(flat).flat(), wf.transformd), c.array(X2.flat(), wf.vec3d), outV, out]);
    expectClose(values(outV), T2.flatMap((t, i) => point(t, X2[i])), 1e-14, { abs: 1e-12 });
    expectClose(values(out), T2.flatMap((t) => [...flat(t), ...flat(inverse(t))]), 1e-14, { abs: 1e-12 });
  });
});
