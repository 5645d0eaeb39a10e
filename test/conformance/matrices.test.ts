// Conformance: matrices (row-major) — constructors, components and rows, assignment, operators
// (m*v, v*m, m*m, m*s, +, -), and transpose determinant inverse trace ddot diag identity*
// skew matrixFromRows matrixFromCols outer, for 2x2/3x3/4x4 and f32/f64, against plain TS.
// Products are bit for bit on CPU backends (sums left to right, each operation rounded);
// determinant and inverse are compared within 1e-5 (f32) / 1e-12 (f64) of the matrix's scale.
import { beforeAll, describe, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectClose, expectComposite, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, i32, vec2, vec3, vec4, mat22, mat33, mat44, mat33d, mat22d, mat44d } from "weft/kernels";

@kernel
export function build(out: Array<mat33>, outF: Array<f32>, s: f32, j: i32): void {
  const a = mat33(1, 2, 3, 4, 5, 6, 7, 8, 9);
  const b = mat33(vec3(1, 0, 0), vec3(0, s, 0), vec3(0, 0, 1));
  const z = mat33();
  let m = a;
  m[1][2] += 3; m[0][0] = s; m[2][j] = -1;
  out[0] = a; out[1] = b; out[2] = z; out[3] = m;
  out[4] = identity33(); out[5] = diag(vec3(1, 2, 3)); out[6] = skew(vec3(1, 2, 3));
  out[7] = matrixFromRows(vec3(1, 2, 3), vec3(4, 5, 6), vec3(7, 8, s));
  out[8] = matrixFromCols(vec3(1, 2, 3), vec3(4, 5, 6), vec3(7, 8, s));
  out[9] = transpose(a); out[10] = outer(vec3(1, 2, 3), vec3(4, 5, s));
  const r = a[1];
  outF[0] = a[1][2]; outF[1] = r.x; outF[2] = a[j][j]; outF[3] = a[2][j];
  outF[4] = trace(a); outF[5] = ddot(a, b); outF[6] = determinant(a); outF[7] = m[0][0];
}

@kernel
export function ops33(A: Array<mat33>, B: Array<mat33>, V: Array<vec3>, out: Array<mat33>, outV: Array<vec3>, outS: Array<f32>, s: f32): void {
  const i = tid();
  const a = A[i], b = B[i], v = V[i];
  out[6 * i] = a * b; out[6 * i + 1] = a + b; out[6 * i + 2] = a - b; out[6 * i + 3] = a * s;
  out[6 * i + 4] = transpose(a) * b; out[6 * i + 5] = inverse(a);
  outV[3 * i] = a * v; outV[3 * i + 1] = v * a; outV[3 * i + 2] = skew(v) * b[0];
  outS[3 * i] = determinant(a); outS[3 * i + 1] = trace(a * b); outS[3 * i + 2] = ddot(a, b);
}

@kernel
export function sizes(A2: Array<mat22>, A4: Array<mat44>, out2: Array<mat22>, out4: Array<mat44>, outS: Array<f32>, outV: Array<vec4>): void {
  const i = tid();
  const a = A2[i], b = A4[i];
  out2[3 * i] = inverse(a); out2[3 * i + 1] = a * a; out2[3 * i + 2] = identity22() + diag(vec2(1, 2)) + matrixFromCols(vec2(1, 2), vec2(3, 4));
  out4[3 * i] = inverse(b); out4[3 * i + 1] = b * transpose(b); out4[3 * i + 2] = identity44() * 2.0 + outer(vec4(1, 2, 3, 4), vec4(1, 0, 0, 1));
  outS[3 * i] = determinant(a); outS[3 * i + 1] = determinant(b); outS[3 * i + 2] = trace(b);
  outV[i] = b * vec4(1, -1, 2, 0.5);
}

@kernel
export function doubles(A: Array<mat33d>, out: Array<mat33d>, outS: Array<f64>, A2: Array<mat22d>, A4: Array<mat44d>): void {
  const i = tid();
  const a = A[i];
  out[3 * i] = inverse(a); out[3 * i + 1] = a * a + identity33d(); out[3 * i + 2] = transpose(a) * 0.5;
  outS[3 * i] = determinant(a); outS[3 * i + 1] = determinant(inverse(A2[i]) + identity22d()); outS[3 * i + 2] = trace(A4[i] * identity44d());
}
`;

type M = number[][];
const f64 = (x: number) => x;
const matmul = (a: M, b: M, r = fr): M => a.map((row) => b[0].map((_, j) => row.reduce((acc, x, k) => (k === 0 ? r(x * b[0][j]) : r(acc + r(x * b[k][j]))), 0)));
const transpose = (a: M): M => a[0].map((_, j) => a.map((row) => row[j]));
const matvec = (a: M, v: number[], r = fr) => matmul(a, v.map((x) => [x]), r).map((row) => row[0]);
function det(a: M): number {
  const n = a.length;
  if (n === 1) return a[0][0];
  let d = 0;
  for (let j = 0; j < n; j++) d += (j % 2 ? -1 : 1) * a[0][j] * det(a.slice(1).map((row) => row.filter((_, k) => k !== j)));
  return d;
}
function inverse(a: M): M {
  const n = a.length, d = det(a);
  if (d === 0) return a.map((row) => row.map(() => 0));
  return a.map((_, i) => a.map((_, j) => ((i + j) % 2 ? -1 : 1) * det(a.filter((_, r) => r !== j).map((row) => row.filter((_, c) => c !== i))) / d));
}
const scaleOf = (m: M) => Math.max(...m.flat().map(Math.abs), 1e-30);

const A3: M[] = [[[2, 0, 1], [1, 3, -1], [0.5, 1, 4]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0.1, -0.3, 0.7], [1.5, 0.25, -2], [3, 1, 0.5]], [[0, 0, 0], [0, 1, 0], [0, 0, 1]]]
  .map((m) => m.map((r) => r.map(fr)));
const B3: M[] = [[[1, 2, 0], [0, 1, 0], [3, 0, 1]], [[-1, 0.5, 2], [0.25, 1, -3], [1, 1, 1]], [[2, 2, 2], [0.5, -0.5, 1], [7, -3, 0.125]], [[1, 0, 0], [0, 2, 0], [0, 0, 3]]]
  .map((m) => m.map((r) => r.map(fr)));
const V3 = [[1, 2, 3], [-1, 0.5, 0.25], [0.3, 0.7, -1.1], [4, 5, 6]].map((v) => v.map(fr));

describe.each(BACKEND_NAMES)("matrices on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_matrices")); });

  it("constructors (scalars, rows, zeros), element/row access with constant and run-time indices, element assignment, builders", () => {
    const out = c.zeros(11, wf.mat33), outF = c.zeros(8), s = 2.5, j = 1;
    c.launch("build", 1, [out, outF, s, j]);
    const a = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const m = a.map((r) => [...r]); m[1][2] += 3; m[0][0] = s; m[2][j] = -1;
    expectExact(values(out), [a, [[1, 0, 0], [0, s, 0], [0, 0, 1]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], m, [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
      [[1, 0, 0], [0, 2, 0], [0, 0, 3]], [[0, -3, 2], [3, 0, -1], [-2, 1, 0]], [[1, 2, 3], [4, 5, 6], [7, 8, s]], [[1, 4, 7], [2, 5, 8], [3, 6, s]],
      transpose(a), [[4, 5, s], [8, 10, 2 * s], [12, 15, 3 * s]]].flat(2));
    expectExact(values(outF), [6, 4, 5, 8, 15, 1 + 5 * s + 9, 0, s]);
  });

  it("mat33 products (m*m, m*v, v*m), sums, scaling, transpose, trace, ddot, skew; determinant and inverse (singular -> zero matrix)", () => {
    const n = A3.length, s = fr(0.75);
    const out = c.zeros(6 * n, wf.mat33), outV = c.zeros(3 * n, wf.vec3), outS = c.zeros(3 * n);
    c.launch("ops33", n, [c.array(A3.flat(2), wf.mat33), c.array(B3.flat(2), wf.mat33), c.array(V3.flat(), wf.vec3), out, outV, outS, s]);
    const got = values(out), exactPart: number[] = [], exactWant: number[] = [], invGot: number[] = [], invWant: number[] = [];
    A3.forEach((a, i) => {
      const b = B3[i];
      exactWant.push(...[matmul(a, b), a.map((r, p) => r.map((x, q) => fr(x + b[p][q]))), a.map((r, p) => r.map((x, q) => fr(x - b[p][q]))),
        a.map((r) => r.map((x) => fr(x * s))), matmul(transpose(a), b)].flat(2));
      exactPart.push(...got.slice(54 * i, 54 * i + 45));
      invGot.push(...got.slice(54 * i + 45, 54 * i + 54));
      invWant.push(...inverse(a).flat());
    });
    expectComposite(backend, exactPart, exactWant);
    A3.forEach((a, i) => expectClose(invGot.slice(9 * i, 9 * i + 9), invWant.slice(9 * i, 9 * i + 9), 0, { abs: 1e-5 * scaleOf(inverse(a)) }));
    expectComposite(backend, values(outV), A3.flatMap((a, i) => {
      const v = V3[i], row0 = B3[i][0];
      const sk = [[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]];
      return [...matvec(a, v), ...matvec(transpose(a), v), ...matvec(sk, row0)];
    }));
    const sGot = values(outS);
    A3.forEach((a, i) => {
      const b = B3[i];
      expectClose([sGot[3 * i]], [det(a)], 0, { abs: 1e-5 * scaleOf(a) ** 3 });
      const p = matmul(a, b);
      expectComposite(backend, sGot.slice(3 * i + 1, 3 * i + 3), [fr(fr(p[0][0] + p[1][1]) + p[2][2]), a.flat().reduce((acc, x, k) => (k === 0 ? fr(x * b[0][0]) : fr(acc + fr(x * b.flat()[k]))), 0)]);
    });
  });

  it("mat22 and mat44: inverse, products, determinant, trace, identity, diag, matrixFromCols, outer, m * vec4", () => {
    const A2 = [[[4, 7], [2, 6]], [[1, 2], [2, 4]], [[0.5, -1], [3, 0.25]]].map((m) => m.map((r) => r.map(fr)));
    const A4 = [[[2, 0, 0, 1], [0, 1, 0, 0], [1, 0, 3, 0], [0, 2, 0, 1]], [[1, 2, 3, 4], [2, 4, 6, 8], [0, 1, 0, 1], [1, 0, 1, 0]],
      [[0.5, 0.1, -0.2, 1], [0.3, 2, 0.4, -1], [1, -1, 3, 0.2], [0.7, 0.6, 0.5, 4]]].map((m) => m.map((r) => r.map(fr)));
    const n = 3;
    const out2 = c.zeros(3 * n, wf.mat22), out4 = c.zeros(3 * n, wf.mat44), outS = c.zeros(3 * n), outV = c.zeros(n, wf.vec4);
    c.launch("sizes", n, [c.array(A2.flat(2), wf.mat22), c.array(A4.flat(2), wf.mat44), out2, out4, outS, outV]);
    const g2 = values(out2), g4 = values(out4), gS = values(outS);
    for (let i = 0; i < n; i++) {
      const a = A2[i], b = A4[i];
      expectClose(g2.slice(12 * i, 12 * i + 4), inverse(a).flat(), 0, { abs: 1e-5 * scaleOf(inverse(a)) });
      expectComposite(backend, g2.slice(12 * i + 4, 12 * i + 12), [...matmul(a, a).flat(), 3, 3, 2, 7]);
      expectClose(g4.slice(48 * i, 48 * i + 16), inverse(b).flat(), 0, { abs: 1e-5 * scaleOf(inverse(b)) });
      expectComposite(backend, g4.slice(48 * i + 16, 48 * i + 48), [...matmul(b, transpose(b)).flat(), 3, 0, 0, 1, 2, 2, 0, 2, 3, 0, 2, 3, 4, 0, 0, 6]);
      expectClose([gS[3 * i], gS[3 * i + 1]], [det(a), det(b)], 0, { abs: 1e-5 * scaleOf(b) ** 4 });
      expectComposite(backend, [gS[3 * i + 2]], [b.reduce((acc, r, k) => fr(acc + r[k]), 0)]);
    }
    expectComposite(backend, values(outV), A4.flatMap((b) => matvec(b, [1, -1, 2, 0.5])));
  });

  it("f64 matrices: mat33d inverse and products, mat22d, mat44d, identity22d/33d/44d", () => {
    const A = [[[2, 0, 1], [1, 3, -1], [0.5, 1, 4]], [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.91]]];
    const A2 = [[[4, 7], [2, 6]], [[0.1, 0.3], [-0.2, 0.7]]];
    const A4 = [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16.5]], [[0.5, 0, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 4]]];
    const out = c.zeros(6, wf.mat33d), outS = c.zeros(6, wf.float64);
    c.launch("doubles", 2, [c.array(A.flat(2), wf.mat33d), out, outS, c.array(A2.flat(2), wf.mat22d), c.array(A4.flat(2), wf.mat44d)]);
    const g = values(out), gS = values(outS);
    A.forEach((a, i) => {
      expectClose(g.slice(27 * i, 27 * i + 9), inverse(a).flat(), 0, { abs: 1e-12 * scaleOf(inverse(a)) });
      const sq = matmul(a, a, f64).map((r, p) => r.map((x, q) => x + (p === q ? 1 : 0)));
      expectComposite(backend, g.slice(27 * i + 9, 27 * i + 27), [...sq.flat(), ...transpose(a).flat().map((x) => x * 0.5)], 1e-14, 1e-14);
      const inv2 = inverse(A2[i]).map((r, p) => r.map((x, q) => x + (p === q ? 1 : 0)));
      expectClose(gS.slice(3 * i, 3 * i + 3), [det(a), det(inv2), A4[i].reduce((acc, r, k) => acc + r[k], 0)], 1e-12, { abs: 1e-12 });
    });
  });
});
