// Vector, matrix, quaternion and transform builtins (all composites, evaluated through their IR
// expansions) against plain-TS references.
import { describe, expect, it } from "vitest";
import { evalBuiltin } from "../engine/builtins/evaluate.js";
import { resultTypeOf } from "../engine/builtins/index.js";
import { F32, F64, I32, Type, mat, quat, transform, typeName, vec } from "../engine/ir/types.js";

const ev = (name: string, vals: any[], types: Type[]) => evalBuiltin(name, vals, types).value as any;
const V3 = vec(3, "f64"), V4 = vec(4, "f64"), Q = quat("f64"), TF = transform("f64");
const M = (n: 2 | 3 | 4) => mat(n, n, "f64");

let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const rv = (n: number) => Array.from({ length: n }, rnd);
const close = (a: number[], b: number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]), `component ${i}: ${a} vs ${b}`).toBeLessThan(tol * Math.max(1, Math.abs(b[i]))));
};

// --- references ---------------------------------------------------------------------------------
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const matmul = (a: number[], b: number[], n: number) => {
  const out: number[] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) { let s = 0; for (let k = 0; k < n; k++) s += a[r * n + k] * b[k * n + c]; out.push(s); }
  return out;
};
const matvec = (a: number[], v: number[]) => v.map((_, r) => dot(a.slice(r * v.length, r * v.length + v.length), v));
const eye = (n: number) => Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
/** Determinant and inverse by Gauss-Jordan elimination with partial pivoting. */
function gaussJordan(a: number[], n: number): { det: number; inv: number[] } {
  const m = a.slice(), inv = eye(n);
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    if (m[p * n + c] === 0) return { det: 0, inv: Array(n * n).fill(0) };
    if (p !== c) { for (let k = 0; k < n; k++) { [m[p * n + k], m[c * n + k]] = [m[c * n + k], m[p * n + k]]; [inv[p * n + k], inv[c * n + k]] = [inv[c * n + k], inv[p * n + k]]; } det = -det; }
    const d = m[c * n + c];
    det *= d;
    for (let k = 0; k < n; k++) { m[c * n + k] /= d; inv[c * n + k] /= d; }
    for (let r = 0; r < n; r++) if (r !== c) {
      const f = m[r * n + c];
      for (let k = 0; k < n; k++) { m[r * n + k] -= f * m[c * n + k]; inv[r * n + k] -= f * inv[c * n + k]; }
    }
  }
  return { det, inv };
}
/** Quaternion (x, y, z, w) rotation as q v q*, via Hamilton products. */
const qmul = (p: number[], q: number[]) => [
  p[3] * q[0] + p[0] * q[3] + p[1] * q[2] - p[2] * q[1],
  p[3] * q[1] - p[0] * q[2] + p[1] * q[3] + p[2] * q[0],
  p[3] * q[2] + p[0] * q[1] - p[1] * q[0] + p[2] * q[3],
  p[3] * q[3] - p[0] * q[0] - p[1] * q[1] - p[2] * q[2],
];
const conj = (q: number[]) => [-q[0], -q[1], -q[2], q[3]];
const rot = (q: number[], v: number[]) => qmul(qmul(q, [...v, 0]), conj(q)).slice(0, 3);
const unitQuat = () => { const q = rv(4); const l = Math.hypot(...q); return q.map((x) => x / l); };
const axisAngle = (axis: number[], a: number) => [...axis.map((x) => x * Math.sin(a / 2)), Math.cos(a / 2)];
const sameRotation = (a: number[], b: number[], tol = 1e-12) => close(Math.sign(dot(a, b)) < 0 ? b.map((x) => -x) : b, a, tol);

describe("vector builtins", () => {
  it("dot, cross, lengthSq, length, distance", () => {
    for (let i = 0; i < 20; i++) {
      const a = rv(3), b = rv(3);
      expect(ev("dot", [a, b], [V3, V3])).toBeCloseTo(dot(a, b), 14);
      close(ev("cross", [a, b], [V3, V3]), cross(a, b));
      expect(ev("lengthSq", [a], [V3])).toBeCloseTo(dot(a, a), 14);
      expect(ev("length", [a], [V3])).toBeCloseTo(Math.hypot(...a), 14);
      expect(ev("distance", [a, b], [V3, V3])).toBeCloseTo(Math.hypot(...a.map((x, k) => x - b[k])), 14);
    }
    expect(ev("dot", [[1, 2], [3, 4]], [vec(2, "i32"), vec(2, "i32")])).toBe(11);
    expect(evalBuiltin("dot", [[1, 2], [3, 4]], [vec(2, "i32"), vec(2, "i32")]).type).toEqual(I32);
    expect(ev("length", [[0, 0, 0]], [vec(3)])).toBe(0);
    expect(ev("length", [[1, 2, 3, 4]], [Q])).toBeCloseTo(Math.sqrt(30), 14);
  });
  it("normalize (the zero vector stays zero)", () => {
    const a = rv(4);
    close(ev("normalize", [a], [V4]), a.map((x) => x / Math.hypot(...a)));
    expect(ev("normalize", [[0, 0, 0]], [vec(3)])).toEqual([0, 0, 0]);
    const q = ev("normalize", [[0, 0, 2, 0]], [Q]);
    expect(q).toEqual([0, 0, 1, 0]);
  });
  it("outer, cwiseMul, cwiseDiv, minComp, maxComp, argmin, argmax", () => {
    const a = [1, 2, 3], b = [4, 5];
    expect(ev("outer", [a, b], [V3, vec(2, "f64")])).toEqual([4, 5, 8, 10, 12, 15]);
    expect(evalBuiltin("outer", [a, b], [V3, vec(2, "f64")]).type).toEqual(mat(3, 2, "f64"));
    expect(ev("cwiseMul", [[1, 2, 3], [4, 5, 6]], [V3, V3])).toEqual([4, 10, 18]);
    expect(ev("cwiseDiv", [[1, 2, 3], [4, 5, 6]], [V3, V3])).toEqual([0.25, 0.4, 0.5]);
    expect(ev("minComp", [[3, -1, 2]], [V3])).toBe(-1);
    expect(ev("maxComp", [[3, -1, 2, 7]], [V4])).toBe(7);
    expect(ev("minComp", [[NaN, 4, 2]], [V3])).toBe(2);
    expect(ev("argmin", [[3, -1, 2, -1]], [V4])).toBe(1);
    expect(ev("argmax", [[3, 5, 5]], [V3])).toBe(1);
    expect(ev("argmax", [[NaN, 1, 0]], [V3])).toBe(1);
    expect(ev("argmin", [[4, 9, 1]], [vec(3, "i32")])).toBe(2);
  });
  it("type errors are sentences", () => {
    expect(resultTypeOf("cross", [vec(2), vec(2)])).toMatch(/cross expects a numeric vec3, got \(vec2, vec2\)/);
    expect(resultTypeOf("length", [vec(3, "i32")])).toMatch(/length expects a float vector or quaternion/);
    expect(resultTypeOf("dot", [vec(3), vec(3, "f64")])).toMatch(/one type/);
  });
});

describe("matrix builtins", () => {
  for (const n of [2, 3, 4] as const) {
    it(`determinant and inverse ${n}x${n} against Gauss-Jordan`, () => {
      for (let i = 0; i < 20; i++) {
        const a = rv(n * n);
        const ref = gaussJordan(a, n);
        expect(ev("determinant", [a], [M(n)])).toBeCloseTo(ref.det, 12);
        const inv = ev("inverse", [a], [M(n)]);
        close(inv, ref.inv, 1e-9);
        close(matmul(a, inv, n), eye(n), 1e-9);
      }
      // Singular (a zero row, so the determinant is exactly 0): the zero matrix.
      const s = rv(n * n);
      for (let c = 0; c < n; c++) s[n + c] = 0;
      expect(Math.abs(ev("determinant", [s], [M(n)]))).toBe(0);
      expect(ev("inverse", [s], [M(n)]).map(Math.abs)).toEqual(Array(n * n).fill(0));
      expect(ev("inverse", [Array(n * n).fill(0)], [M(n)])).toEqual(Array(n * n).fill(0));
    });
  }
  it("transpose, trace, ddot, diag, identities, skew, matrixFromRows/Cols", () => {
    expect(ev("transpose", [[1, 2, 3, 4, 5, 6]], [mat(2, 3, "f64")])).toEqual([1, 4, 2, 5, 3, 6]);
    expect(evalBuiltin("transpose", [[1, 2, 3, 4, 5, 6]], [mat(2, 3, "f64")]).type).toEqual(mat(3, 2, "f64"));
    expect(ev("trace", [[1, 2, 3, 4, 5, 6, 7, 8, 9]], [M(3)])).toBe(15);
    expect(ev("ddot", [[1, 2, 3, 4], [5, 6, 7, 8]], [M(2), M(2)])).toBe(70);
    expect(ev("diag", [[1, 2, 3]], [V3])).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3]);
    expect(ev("identity33", [], [])).toEqual(eye(3));
    expect(evalBuiltin("identity44d", [], []).type).toEqual(M(4));
    const a = rv(3), b = rv(3);
    close(matvec(ev("skew", [a], [V3]), b), cross(a, b));
    expect(ev("matrixFromRows", [[1, 2, 3], [4, 5, 6]], [V3, V3])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ev("matrixFromCols", [[1, 2, 3], [4, 5, 6]], [V3, V3])).toEqual([1, 4, 2, 5, 3, 6]);
    expect(typeName(evalBuiltin("matrixFromCols", [[1, 2, 3], [4, 5, 6]], [vec(3), vec(3)]).type)).toBe("mat32");
    expect(resultTypeOf("inverse", [mat(2, 3)])).toMatch(/square/);
    expect(resultTypeOf("determinant", [mat(3, 3)])).toEqual(F32);
  });
  it("f32 inverse is accurate to f32 precision", () => {
    const a = [4, 1, 0, 1, 3, 1, 0, 1, 2].map(Math.fround);
    const inv = ev("inverse", [a], [mat(3, 3)]);
    close(matmul(a, inv, 3), eye(3), 1e-6);
  });
});

describe("quaternion builtins", () => {
  it("identity, fromAxisAngle, rotate, rotateInv, inverse", () => {
    expect(ev("quatIdentity", [], [])).toEqual([0, 0, 0, 1]);
    const axis = [0, 0, 1];
    const q = ev("quatFromAxisAngle", [axis, Math.PI / 2], [V3, F64]);
    close(q, [0, 0, Math.SQRT1_2, Math.SQRT1_2]);
    close(ev("quatRotate", [q, [1, 0, 0]], [Q, V3]), [0, 1, 0], 1e-15);
    for (let i = 0; i < 20; i++) {
      const u = unitQuat(), v = rv(3);
      close(ev("quatRotate", [u, v], [Q, V3]), rot(u, v));
      close(ev("quatRotateInv", [u, v], [Q, V3]), rot(conj(u), v));
      close(ev("quatInverse", [u], [Q]), conj(u));
    }
  });
  it("toMatrix / fromMatrix round trip, in all four Shepperd cases", () => {
    const cases = [axisAngle([1, 0, 0], 0.3), axisAngle([1, 0, 0], 3), axisAngle([0, 1, 0], 3), axisAngle([0, 0, 1], 3), ...Array.from({ length: 20 }, unitQuat)];
    for (const u of cases) {
      const R = ev("quatToMatrix", [u], [Q]);
      for (let k = 0; k < 3; k++) { const e = [0, 0, 0]; e[k] = 1; close(matvec(R, e), rot(u, e)); }
      sameRotation(ev("quatFromMatrix", [R], [M(3)]), u, 1e-12);
    }
  });
  it("slerp: endpoints, midpoint angle, shorter arc, nearly parallel inputs", () => {
    const a = axisAngle([0, 0, 1], 0.2), b = axisAngle([0, 0, 1], 1.4);
    close(ev("quatSlerp", [a, b, 0], [Q, Q, F64]), a);
    close(ev("quatSlerp", [a, b, 1], [Q, Q, F64]), b);
    close(ev("quatSlerp", [a, b, 0.25], [Q, Q, F64]), axisAngle([0, 0, 1], 0.5));
    // b and -b are the same rotation: the shorter arc is taken either way.
    close(ev("quatSlerp", [a, b.map((x) => -x), 0.25], [Q, Q, F64]), axisAngle([0, 0, 1], 0.5));
    const c = axisAngle([0, 0, 1], 0.2001);
    const m = ev("quatSlerp", [a, c, 0.5], [Q, Q, F64]);
    close(m, axisAngle([0, 0, 1], 0.20005), 1e-9);
  });
  it("quatToAxis / quatToAngle invert quatFromAxisAngle (angle in [0, π], either sign of q)", () => {
    for (let i = 0; i < 10; i++) {
      const ax = rv(3), l = Math.hypot(...ax), axis = ax.map((x) => x / l), angle = 0.1 + 2.9 * Math.abs(rnd());
      const q = axisAngle(axis, angle);
      for (const qq of [q, q.map((x) => -x)]) {
        close(ev("quatToAxis", [qq], [Q]), axis);
        expect(ev("quatToAngle", [qq], [Q])).toBeCloseTo(angle, 12);
      }
    }
    expect(ev("quatToAxis", [[0, 0, 0, 1]], [Q])).toEqual([0, 0, 0]);
    expect(ev("quatToAngle", [[0, 0, 0, 1]], [Q])).toBe(0);
  });
  it("rpy matches the product of axis rotations z(yaw) y(pitch) x(roll)", () => {
    const [r, p, y] = [0.3, -0.7, 1.1];
    const want = qmul(qmul(axisAngle([0, 0, 1], y), axisAngle([0, 1, 0], p)), axisAngle([1, 0, 0], r));
    close(ev("quatRpy", [r, p, y], [F64, F64, F64]), want);
  });
  it("Hamilton product via mul and lerp on quats", () => {
    const p = unitQuat(), q = unitQuat();
    close(ev("mul", [p, q], [Q, Q]), qmul(p, q));
    close(ev("lerp", [[0, 0, 0, 1], [0, 0, 1, 0], 0.5], [Q, Q, F64]), [0, 0, 0.5, 0.5]);
    expect(resultTypeOf("quatRotate", [quat(), vec(3, "f64")])).toMatch(/one float kind/);
  });
});

describe("transform builtins", () => {
  const tf = () => [...rv(3), ...unitQuat()];
  const apply = (t: number[], x: number[]) => rot(t.slice(3), x).map((v, i) => v + t[i]);
  it("point, vector, multiply, inverse, getters, identity", () => {
    expect(ev("transformIdentity", [], [])).toEqual([0, 0, 0, 0, 0, 0, 1]);
    for (let i = 0; i < 10; i++) {
      const a = tf(), b = tf(), x = rv(3);
      close(ev("transformPoint", [a, x], [TF, V3]), apply(a, x));
      close(ev("transformVector", [a, x], [TF, V3]), rot(a.slice(3), x));
      const ab = ev("transformMultiply", [a, b], [TF, TF]);
      close(apply(ab, x), apply(a, apply(b, x)));
      const ia = ev("transformInverse", [a], [TF]);
      close(apply(ia, apply(a, x)), x);
      close(ev("transformGetTranslation", [a], [TF]), a.slice(0, 3));
      close(ev("transformGetRotation", [a], [TF]), a.slice(3));
    }
  });
  it("to and from mat44", () => {
    const t = tf(), x = rv(3);
    const m = ev("transformToMatrix", [t], [TF]);
    close(matvec(m, [...x, 1]), [...apply(t, x), 1]);
    const back = ev("transformFromMatrix", [m], [M(4)]);
    close(back.slice(0, 3), t.slice(0, 3));
    sameRotation(back.slice(3), t.slice(3));
    expect(resultTypeOf("transformPoint", [transform(), vec(3, "f64")])).toMatch(/one float kind/);
  });
});
