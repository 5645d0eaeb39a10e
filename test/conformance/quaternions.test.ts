// Conformance: quaternions (x, y, z, w; w real) — constructors, components, the Hamilton product,
// dot/length/lengthSq/normalize/lerp on quaternions, and every quat builtin, against f64 plain-TS
// formulas. Tolerance: 2e-6 absolute on unit-scale results (f32 arithmetic through a few
// operations); constructors and component writes bit for bit.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectClose, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, vec3, quat, quatd, mat33 } from "weft/kernels";

@kernel
export function basics(Q: Array<quat>, R: Array<quat>, outQ: Array<quat>, outS: Array<f32>, s: f32): void {
  const i = tid();
  const q = Q[i], r = R[i];
  outQ[6 * i] = q * r;
  outQ[6 * i + 1] = quat(q.w, q.z, q.y, q.x);
  let m = q; m.x = s; m.w += 1;
  outQ[6 * i + 2] = m;
  outQ[6 * i + 3] = i == 0 ? quat() : quatIdentity();
  outQ[6 * i + 4] = normalize(q);
  outQ[6 * i + 5] = lerp(q, r, 0.25);
  outS[4 * i] = dot(q, r); outS[4 * i + 1] = length(q); outS[4 * i + 2] = lengthSq(q); outS[4 * i + 3] = q[3];
}

@kernel
export function rotations(axes: Array<vec3>, angles: Array<f32>, V: Array<vec3>, outQ: Array<quat>, outV: Array<vec3>, outM: Array<mat33>, outS: Array<f32>): void {
  const i = tid();
  const q = quatFromAxisAngle(axes[i], angles[i]);
  const v = V[i];
  outQ[3 * i] = q; outQ[3 * i + 1] = quatInverse(q); outQ[3 * i + 2] = quatFromMatrix(quatToMatrix(q));
  outV[4 * i] = quatRotate(q, v); outV[4 * i + 1] = quatRotateInv(q, v); outV[4 * i + 2] = quatToMatrix(q) * v; outV[4 * i + 3] = quatToAxis(q);
  outM[i] = quatToMatrix(q);
  outS[i] = quatToAngle(q);
}

@kernel
export function slerpRpy(A: Array<quat>, B: Array<quat>, T: Array<f32>, rpy: Array<vec3>, outQ: Array<quat>): void {
  const i = tid();
  outQ[2 * i] = quatSlerp(A[i], B[i], T[i]);
  const e = rpy[i];
  outQ[2 * i + 1] = quatRpy(e.x, e.y, e.z);
}

@kernel
export function doubles(Q: Array<quatd>, out: Array<quatd>, outS: Array<f64>): void {
  const i = tid();
  const q = Q[i];
  out[2 * i] = q * quatIdentityd(); out[2 * i + 1] = normalize(q);
  outS[i] = length(q);
}

@kernel
export function nonUnitMatrix(q: quat, v: vec3, out: Array<vec3>): void {
  out[0] = quatToMatrix(q) * v;
  out[1] = quatRotate(q, v);
}
`;

type Q = number[]; // [x, y, z, w]
const hamilton = (a: Q, b: Q): Q => [
  a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
  a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
  a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
  a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]];
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k], 0);
const norm = (a: number[]) => { const l = Math.sqrt(dot(a, a)); return l > 0 ? a.map((x) => x / l) : a.map(() => 0); };
const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const fromAxisAngle = (ax: number[], t: number): Q => [...ax.map((x) => x * Math.sin(t / 2)), Math.cos(t / 2)];
function rotate(q: Q, v: number[], inv = false): number[] {
  const w = q[3], u = q.slice(0, 3), c = cross(u, v), d = dot(u, v);
  return v.map((x, k) => x * (2 * w * w - 1) + (inv ? -1 : 1) * 2 * w * c[k] + 2 * u[k] * d);
}
function slerp(a: Q, b: Q, t: number): Q {
  let d = dot(a, b);
  if (d < 0) { b = b.map((x) => -x); d = -d; }
  if (d > 0.9995) return norm(a.map((x, k) => x * (1 - t) + b[k] * t));
  const th = Math.acos(d), s = Math.sin(th);
  return norm(a.map((x, k) => (Math.sin((1 - t) * th) * x + Math.sin(t * th) * b[k]) / s));
}
function rpy(r: number, p: number, y: number): Q { // Warp's quat_rpy
  const cy = Math.cos(y / 2), sy = Math.sin(y / 2), cr = Math.cos(r / 2), sr = Math.sin(r / 2), cp = Math.cos(p / 2), sp = Math.sin(p / 2);
  return [cy * sr * cp - sy * cr * sp, cy * cr * sp + sy * sr * cp, sy * cr * cp - cy * sr * sp, cy * cr * cp + sy * sr * sp];
}
/** Compares quaternions up to sign (q and -q are one rotation). */
function expectSameRotation(got: number[], want: number[], tol: number): void {
  const n = want.length / 4;
  for (let i = 0; i < n; i++) {
    const g = got.slice(4 * i, 4 * i + 4), w = want.slice(4 * i, 4 * i + 4);
    const s = dot(g, w) < 0 ? -1 : 1;
    expectClose(g.map((x) => x * s), w, 0, { abs: tol });
  }
}

const QS: Q[] = [[0.1, 0.2, 0.3, 0.9], [0, 0, 0, 1], [-0.5, 0.5, -0.5, 0.5], [1, 2, 3, 4], [0, 0, 0, 0]].map((q) => q.map(fr));
const RS: Q[] = [[0.3, -0.1, 0.4, 0.2], [1, 0, 0, 0], [0.5, 0.5, 0.5, 0.5], [-2, 1, 0.5, 0.25], [1, 1, 1, 1]].map((q) => q.map(fr));

describe.each(BACKEND_NAMES)("quaternions on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_quaternions")); });

  it("constructors, components, assignment, Hamilton product, dot/length/lengthSq/normalize/lerp of quaternions", () => {
    const n = QS.length, s = fr(0.125);
    const outQ = c.zeros(6 * n, wf.quat), outS = c.zeros(4 * n);
    c.launch("basics", n, [c.array(QS.flat(), wf.quat), c.array(RS.flat(), wf.quat), outQ, outS, s]);
    const got = values(outQ);
    QS.forEach((q, i) => {
      const r = RS[i], g = got.slice(24 * i, 24 * i + 24);
      // The order of the product's f32 sums is not specified: within a few ulps of |q||r|.
      expectClose(g.slice(0, 4), hamilton(q, r), 0, { abs: 1e-6 * Math.max(1, Math.sqrt(dot(q, q) * dot(r, r))) });
      expectExact(g.slice(4, 16), [q[3], q[2], q[1], q[0], s, q[1], q[2], fr(q[3] + 1), 0, 0, 0, i === 0 ? 0 : 1]);
      expectClose(g.slice(16, 24), [...norm(q), ...q.map((x, k) => x * 0.75 + r[k] * 0.25)], 0, { abs: 2e-6 });
    });
    expectClose(values(outS), QS.flatMap((q, i) => [dot(q, RS[i]), Math.sqrt(dot(q, q)), dot(q, q), q[3]]), 1e-6, { abs: 1e-6 });
  });

  it("quatFromAxisAngle, quatInverse, quatRotate, quatRotateInv, quatToMatrix (R v == rotate(q, v)), quatFromMatrix, quatToAxis, quatToAngle", () => {
    const axes = [[0, 0, 1], [1, 0, 0], norm([1, 2, 3]), norm([-1, 1, 0.5]), [0, 1, 0], [0, 0, 1]].map((v) => v.map(fr));
    const angles = [0.5, Math.PI / 2, 2.5, -1.2, 3.1, 0].map(fr);
    const V = [[1, 0, 0], [0, 1, 0], [1, 2, 3], [-4, 0.5, 2], [0.3, -0.3, 10], [5, 6, 7]].map((v) => v.map(fr));
    const n = axes.length;
    const outQ = c.zeros(3 * n, wf.quat), outV = c.zeros(4 * n, wf.vec3), outM = c.zeros(n, wf.mat33), outS = c.zeros(n);
    c.launch("rotations", n, [c.array(axes.flat(), wf.vec3), c.array(angles), c.array(V.flat(), wf.vec3), outQ, outV, outM, outS]);
    const qs = axes.map((ax, i) => fromAxisAngle(ax, angles[i]));
    const gq = values(outQ);
    qs.forEach((q, i) => {
      expectClose(gq.slice(12 * i, 12 * i + 8), [...q, -q[0], -q[1], -q[2], q[3]], 0, { abs: 2e-6 });
      expectSameRotation(gq.slice(12 * i + 8, 12 * i + 12), q, 4e-6);
    });
    const gv = values(outV);
    qs.forEach((q, i) => {
      const v = V[i], rot = rotate(q, v), scale = Math.hypot(...v);
      // quatToAxis: unit axis with the angle in [0, π] (the axis flips with a negative angle); zero for the identity.
      const angle = 2 * Math.atan2(Math.hypot(q[0], q[1], q[2]), Math.abs(q[3]));
      const axis = angle === 0 ? [0, 0, 0] : norm(q.slice(0, 3)).map((x) => x * Math.sign(q[3] || 1));
      expectClose(gv.slice(12 * i, 12 * i + 12), [...rot, ...rotate(q, v, true), ...rot, ...axis], 0, { abs: 4e-6 * Math.max(scale, 1) });
      expect(Math.abs(values(outS)[i] - angle)).toBeLessThan(4e-6);
    });
    const R = values(outM);
    qs.forEach((q, i) => {
      const cols = [[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((e) => rotate(q, e));
      expectClose(R.slice(9 * i, 9 * i + 9), [0, 1, 2].flatMap((r) => cols.map((col) => col[r])), 0, { abs: 2e-6 });
    });
  });

  it("quatSlerp (shorter arc, normalized lerp when nearly equal, endpoints) and quatRpy (Warp's quat_rpy)", () => {
    const A = [[0, 0, 0, 1], fromAxisAngle([0, 0, 1], 0.4), fromAxisAngle(norm([1, 1, 0]), 1), [0, 0, 0, 1], fromAxisAngle([1, 0, 0], 0.01), [0, 0, 0, 1]];
    const B = [fromAxisAngle([0, 1, 0], 2), fromAxisAngle([0, 0, 1], 2.8), fromAxisAngle(norm([0, 1, 1]), -2), [0, 0, 0, -1].map((x, k) => (k === 3 ? -0.8 : 0.6 * +(k === 0))),
      fromAxisAngle([1, 0, 0], 0.0105), fromAxisAngle([0, 0, 1], 1)];
    const T = [0.5, 0.3, 0.9, 0.5, 0.5, 1];
    const E = [[0.1, 0.2, 0.3], [1, 0, 0], [0, 1, 0], [0, 0, 1], [-2, 0.5, 3], [3, -1.5, 0.2]];
    const f = (m: number[][]) => m.map((q) => q.map(fr));
    const n = A.length;
    const outQ = c.zeros(2 * n, wf.quat);
    c.launch("slerpRpy", n, [c.array(f(A).flat(), wf.quat), c.array(f(B).flat(), wf.quat), c.array(T.map(fr)), c.array(f(E).flat(), wf.vec3), outQ]);
    const g = values(outQ);
    for (let i = 0; i < n; i++) {
      expectSameRotation(g.slice(8 * i, 8 * i + 4), slerp(f(A)[i], f(B)[i], fr(T[i])), 4e-6);
      expectClose(g.slice(8 * i + 4, 8 * i + 8), rpy(...(f(E)[i] as [number, number, number])), 0, { abs: 2e-6 });
    }
    // Shorter arc: A[3] and B[3] are 143° apart one way, 217° the other; slerp at t = 0.5 lies on the short arc.
    const mid = g.slice(24, 28);
    expect(Math.abs(dot(mid, f(A)[3]))).toBeGreaterThan(Math.cos(Math.PI / 4));
  });

  it("f64 quaternions (quatd, quatIdentityd) and quatToMatrix of a non-unit quaternion", () => {
    const Qd = [[0.1, 0.2, 0.3, 0.4], [1, -1, 1, -1]];
    const out = c.zeros(4, wf.quatd), outS = c.zeros(2, wf.float64);
    c.launch("doubles", 2, [c.array(Qd.flat(), wf.quatd), out, outS]);
    expectClose(values(out), Qd.flatMap((q) => [...q, ...norm(q)]), 1e-15, { abs: 1e-16 });
    expectClose(values(outS), Qd.map((q) => Math.sqrt(dot(q, q))), 1e-15);
    const q = [0.5, -1, 2, 1.5].map(fr), v = [1, 2, 3].map(fr), o = c.zeros(2, wf.vec3);
    c.launch("nonUnitMatrix", 1, [wf.quat(...q), wf.vec3(...v), o]);
    const want = rotate(q, v);
    expectClose(values(o), [...want, ...want], 1e-5, { abs: 1e-5 });
  });
});
