// Conformance: vectors of every component type and size — constructors, casts, components,
// swizzles, dynamic indexing, assignment to components, operators, and the vector builtins
// (dot cross length lengthSq distance normalize outer cwiseMul cwiseDiv minComp maxComp argmin
// argmax), against plain-TS references (bit for bit where no FMA contraction can occur).
import { beforeAll, describe, it } from "vitest";
import * as wf from "../../engine/index.js";
import { vec } from "../../engine/ir/types.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, dmax, dmin, expectComposite, expectExact, fr, loadFor, satInt, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, i32, u32, vec2, vec3, vec4, vec3d, vec3i, vec3u, vec4i } from "weft/kernels";

@kernel
export function construct(outF: Array<f32>, outD: Array<f64>, outI: Array<i32>, outU: Array<u32>, s: f32, v: vec3): void {
  const a = vec3(1, 2, 3), b = vec3(s), z = vec3();
  const c = vec4(a, s), d = vec4(vec2(5, 6), 7, s), e = vec3(vec2(8, 9), 10), f = vec2(s, -s);
  const g: vec3f = vec3f(0.5, 0.25, 0.125);
  outF[0] = a.x; outF[1] = a.y; outF[2] = a.z; outF[3] = b.x; outF[4] = b.z; outF[5] = z.y;
  outF[6] = c.x; outF[7] = c.w; outF[8] = d.y; outF[9] = d.z; outF[10] = d.w; outF[11] = e.x; outF[12] = e.z;
  outF[13] = f.x; outF[14] = f.y; outF[15] = g.z;
  const vd = vec3d(v), vd2 = <vec3d>v, h = vec3d(1.5, 2, 0.1);
  outD[0] = vd.x; outD[1] = vd2.z; outD[2] = h.y; outD[3] = h.z;
  const vi = vec3i(v), vi2 = <vec3i>vec3(-2.7, 3e10, -3e10), vi3 = vec3i(-4, 5, 6);
  outI[0] = vi.x; outI[1] = vi.y; outI[2] = vi.z; outI[3] = vi2.x; outI[4] = vi2.y; outI[5] = vi2.z; outI[6] = vi3.x;
  const vu = vec3u(7, 8, 0xffffffff), vu2 = vec3u(vec3(1.9, -5, 4e9));
  outU[0] = vu.z; outU[1] = vu2.x; outU[2] = vu2.y; outU[3] = vu2.z;
}

@kernel
export function components(vs: Array<vec4>, out: Array<f32>, idx: Array<i32>): void {
  const i = tid();
  const v = vs[i];
  const j = idx[i];
  const o = i * 16;
  out[o] = v.x; out[o + 1] = v.w; out[o + 2] = v[2]; out[o + 3] = v[j];
  const s2 = v.xy, s3 = v.zyx, s4 = v.wzyx;
  out[o + 4] = s2.y; out[o + 5] = s3.x; out[o + 6] = s3.z; out[o + 7] = s4.x;
  let w = v;
  w.x = 10; w.y += 2; w[2] *= 3; w[j] -= 100;
  out[o + 8] = w.x; out[o + 9] = w.y; out[o + 10] = w.z; out[o + 11] = w.w;
  out[o + 12] = v.x;                      // value semantics: v is unchanged by writes to w
  let u = vec3(v.x, v.y, v.z);
  u.z = u.x + u.y;
  out[o + 13] = u.z; out[o + 14] = u.yx.x; out[o + 15] = vec2(1, 2)[j % 2];
  vs[i].z = -1; vs[i].w += 0.5;           // components of array elements
}

@kernel
export function ops(a: Array<vec3>, b: Array<vec3>, out: Array<vec3>, s: f32): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 12;
  out[o] = x + y; out[o + 1] = x - y; out[o + 2] = x * y; out[o + 3] = x / y;
  out[o + 4] = x * s; out[o + 5] = s * x; out[o + 6] = x / s; out[o + 7] = -x;
  out[o + 8] = -(-x); out[o + 9] = x % y;
  let w = x; w += y; w *= 2.0; w /= 4.0; w -= y;
  out[o + 10] = w;
  let q = x; q *= y; q /= y + vec3(1.0);
  out[o + 11] = q;
}

@kernel
export function intOps(a: Array<vec3i>, b: Array<vec3i>, out: Array<vec3i>, ua: Array<vec3u>, uout: Array<vec3u>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 6;
  out[o] = x + y; out[o + 1] = x - y; out[o + 2] = x * y; out[o + 3] = x / y; out[o + 4] = x % y; out[o + 5] = -x * 3;
  const u = ua[i];
  uout[2 * i] = u + vec3u(1, 2, 3); uout[2 * i + 1] = u * 2;
}

@kernel
export function builtins3(a: Array<vec3>, b: Array<vec3>, outS: Array<f32>, outV: Array<vec3>, outI: Array<i32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  const o = i * 7;
  outS[o] = dot(x, y); outS[o + 1] = length(x); outS[o + 2] = lengthSq(x); outS[o + 3] = distance(x, y);
  outS[o + 4] = minComp(x); outS[o + 5] = maxComp(x); outS[o + 6] = length(normalize(x));
  outV[4 * i] = cross(x, y); outV[4 * i + 1] = normalize(x); outV[4 * i + 2] = cwiseMul(x, y); outV[4 * i + 3] = cwiseDiv(x, y);
  outI[2 * i] = argmin(x); outI[2 * i + 1] = argmax(x);
}

@kernel
export function otherSizes(a2: Array<vec2>, a4: Array<vec4>, ad: Array<vec3d>, ai: Array<vec4i>, outS: Array<f32>, outD: Array<f64>, outI: Array<i32>, outM: Array<f32>): void {
  const i = tid();
  const p = a2[i], q = a4[i], d = ad[i], n = ai[i];
  outS[6 * i] = dot(p, p); outS[6 * i + 1] = length(q); outS[6 * i + 2] = maxComp(q); outS[6 * i + 3] = normalize(p).y;
  outS[6 * i + 4] = distance(q, vec4(1, 2, 3, 4)); outS[6 * i + 5] = minComp(p);
  outD[4 * i] = dot(d, d); outD[4 * i + 1] = length(d); outD[4 * i + 2] = cross(d, vec3d(0, 0, 1)).x; outD[4 * i + 3] = normalize(d).z;
  outI[3 * i] = dot(n, n); outI[3 * i + 1] = argmax(n); outI[3 * i + 2] = maxComp(n);
  const m = outer(p, vec3(d));             // a 2x3 matrix (no type name; kept local)
  for (let r = 0; r < 2; r++) for (let k = 0; k < 3; k++) outM[6 * i + 3 * r + k] = m[r][k];
}
`;

// The public API has no wf.vec3u dtype (only vec2i/3i/4i); an IR type serves as a dtype.
const VEC3U = vec(3, "u32");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const V3 = [[1, 2, 3], [-0.5, 4, 0.25], [0, 0, 0], [1e-20, 0, 0], [3, 3, -1], [NaN, 2, -7], [7, -2, 7], [0.1, 0.2, 0.3]].map((v) => v.map(fr));
const W3 = [[4, -5, 6], [2, 2, 2], [1, 1, 1], [0.5, -3, 8], [-1, 0.5, 0.125], [1, 1, 1], [3, 9, -4], [-0.3, 0.7, 1.1]].map((v) => v.map(fr));
const dot3 = (a: number[], b: number[]) => fr(fr(fr(a[0] * b[0]) + fr(a[1] * b[1])) + fr(a[2] * b[2]));
const len3 = (a: number[]) => { const l2 = dot3(a, a); return l2 > 0 ? fr(Math.sqrt(l2)) : 0; };
const norm3 = (a: number[]) => { const l2 = dot3(a, a), l = fr(Math.sqrt(l2)); return a.map((x) => (l2 > 0 ? fr(x / l) : 0)); };
const argBest = (v: number[], better: (x: number, y: number) => boolean) => {
  let best = v[0], idx = 0;
  for (let k = 1; k < v.length; k++) if (better(v[k], best) || Number.isNaN(best)) { best = v[k]; idx = k; }
  return idx;
};

// Unary '+' is the identity on numeric scalars and on vectors, matrices, quaternions and transforms
// (docs/language.md, Operators); '-' composes with it.
const UPLUS = `
import { tid, Array, f32, i32, u64, vec3, vec3i, mat22, quat, transform } from "weft/kernels";

@kernel
export function uplus(v: Array<vec3>, vi: Array<vec3i>, m: Array<mat22>, q: Array<quat>, t: Array<transform>, s: Array<f32>, n: Array<i32>, w: Array<u64>): void {
  const i = tid();
  v[i] = +v[i] + +vec3(0.5, 0, 0);
  vi[i] = +vi[i];
  m[i] = +m[i];
  q[i] = -(+q[i]);
  t[i] = +t[i];
  s[i] = +s[i] * 2.0;
  n[i] = +(-n[i]);
  w[i] = +w[i];
}
`;

describe.each(BACKEND_NAMES)("unary plus on %s", (backend) => {
  it("+x is x for scalars, vectors, matrices, quaternions and transforms", async () => {
    const c = new Ctx(backend, await loadFor(backend, UPLUS, "conf_uplus"));
    const v = c.array([1, 2, 3], wf.vec3), vi = c.array([-4, 5, 6], wf.vec3i), m = c.array([1.5, -2, 3, 4], wf.mat22);
    const q = c.array([0.25, -0.5, 1, 2], wf.quat), t = c.array([1, 2, 3, 0, 0, 0, 1], wf.transform);
    const s = c.array([fr(0.1)]), n = c.array([7], wf.int32), w = c.array([2n ** 63n + 5n], wf.uint64);
    c.launch("uplus", 1, [v, vi, m, q, t, s, n, w]);
    expectExact(values(v), [1.5, 2, 3]);
    expectExact(values(vi), [-4, 5, 6]);
    expectExact(values(m), [1.5, -2, 3, 4]);
    expectExact(values(q), [-0.25, 0.5, -1, -2]);
    expectExact(values(t), [1, 2, 3, 0, 0, 0, 1]);
    expectExact(values(s), [fr(fr(0.1) * 2)]);
    expectExact(values(n), [-7]);
    expectExact(values(w), [2n ** 63n + 5n]);
  });
});

describe.each(BACKEND_NAMES)("vectors on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_vectors")); });

  it("constructors (components, broadcast, zeros, from smaller vectors), vec3f alias, casts between component types", () => {
    const outF = c.zeros(16), outD = c.zeros(4, wf.float64), outI = c.zeros(7, wf.int32), outU = c.zeros(4, wf.uint32);
    c.launch("construct", 1, [outF, outD, outI, outU, 1.25, wf.vec3(1.7, -2.5, 0.1)]);
    const s = 1.25;
    expectExact(values(outF), [1, 2, 3, s, s, 0, 1, s, 6, 7, s, 8, 10, s, -s, 0.125]);
    expectExact(values(outD), [fr(1.7), fr(0.1), 2, 0.1]);
    expectExact(values(outI), [1, -2, 0, -2, 2147483647, -2147483648, -4]);
    expectExact(values(outU), [0xffffffff, 1, 0, satInt(fr(4e9), 0, 0xffffffff)]);
  });

  it("components, swizzles, constant and run-time indices, component assignment, array element components", () => {
    const V = [[1, 2, 3, 4], [-1, 0.5, 8, 16], [9, 8, 7, 6]], J = [0, 3, 1];
    const vs = c.array(V.flat(), wf.vec4), out = c.zeros(48);
    c.launch("components", 3, [vs, out, c.array(J, wf.int32)]);
    expectExact(values(out), V.flatMap((v, i) => {
      const j = J[i], w = [...v];
      w[0] = 10; w[1] = fr(w[1] + 2); w[2] = fr(w[2] * 3); w[j] = fr(w[j] - 100);
      return [v[0], v[3], v[2], v[j], v[1], v[2], v[0], v[3], ...w, v[0], fr(v[0] + v[1]), v[1], [1, 2][j % 2]];
    }));
    expectExact(values(vs), V.flatMap((v) => [v[0], v[1], -1, fr(v[3] + 0.5)]));
  });

  it("f32 vector operators: + - * / % (componentwise), scaling, negation, compound assignment", () => {
    const n = V3.length, s = fr(0.3);
    const out = c.zeros(n * 12, wf.vec3);
    c.launch("ops", n, [c.array(V3.flat(), wf.vec3), c.array(W3.flat(), wf.vec3), out, s]);
    expectExact(values(out), V3.flatMap((x, i) => {
      const y = W3[i], cw = (f: (a: number, b: number) => number) => x.map((a, k) => f(a, y[k]));
      const w = cw((a, b) => fr(fr(fr(fr(a + b) * 2) / 4) - b));
      const q = cw((a, b) => fr(fr(a * b) / fr(b + 1)));
      return [...cw((a, b) => fr(a + b)), ...cw((a, b) => fr(a - b)), ...cw((a, b) => fr(a * b)), ...cw((a, b) => fr(a / b)),
        ...x.map((a) => fr(a * s)), ...x.map((a) => fr(s * a)), ...x.map((a) => fr(a / s)), ...x.map((a) => -a), ...x,
        ...cw((a, b) => fr(a % b)), ...w, ...q];
    }));
  });

  it("integer vectors: wrapping arithmetic, truncating division and remainder (vec3i, vec3u)", () => {
    const A = [[7, -7, 0x7fffffff], [100, -3, -0x80000000]], B = [[2, 2, 2], [-7, 5, 3]];
    const U = [[0xffffffff, 5, 9], [1, 2, 0x80000000]];
    const out = c.zeros(12, wf.vec3i), uout = c.zeros(4, VEC3U);
    c.launch("intOps", 2, [c.array(A.flat(), wf.vec3i), c.array(B.flat(), wf.vec3i), out, c.array(U.flat(), VEC3U), uout]);
    expectExact(values(out), A.flatMap((x, i) => {
      const y = B[i], cw = (f: (a: number, b: number) => number) => x.map((a, k) => f(a, y[k]));
      return [...cw((a, b) => (a + b) | 0), ...cw((a, b) => (a - b) | 0), ...cw(Math.imul), ...cw((a, b) => (a / b) | 0), ...cw((a, b) => a % b), ...x.map((a) => Math.imul(-a | 0, 3))];
    }));
    expectExact(values(uout), U.flatMap((u) => [...u.map((a, k) => (a + k + 1) >>> 0), ...u.map((a) => (a * 2) >>> 0)]));
  });

  it("dot cross length lengthSq distance normalize (zero and underflowing vectors give zero) cwiseMul cwiseDiv minComp maxComp argmin argmax", () => {
    const n = V3.length;
    const outS = c.zeros(n * 7), outV = c.zeros(n * 4, wf.vec3), outI = c.zeros(n * 2, wf.int32);
    c.launch("builtins3", n, [c.array(V3.flat(), wf.vec3), c.array(W3.flat(), wf.vec3), outS, outV, outI]);
    const minC = (v: number[]) => v.reduce((a, b) => dmin(a, b)), maxC = (v: number[]) => v.reduce((a, b) => dmax(a, b));
    expectComposite(backend, values(outS), V3.flatMap((x, i) => {
      const y = W3[i];
      return [dot3(x, y), len3(x), dot3(x, x), len3(x.map((a, k) => fr(a - y[k]))), minC(x), maxC(x), len3(norm3(x))];
    }));
    expectComposite(backend, values(outV), V3.flatMap((x, i) => {
      const y = W3[i], d = (p: number, q: number, r: number, t: number) => fr(fr(p * q) - fr(r * t));
      return [d(x[1], y[2], x[2], y[1]), d(x[2], y[0], x[0], y[2]), d(x[0], y[1], x[1], y[0]), ...norm3(x),
        ...x.map((a, k) => fr(a * y[k])), ...x.map((a, k) => fr(a / y[k]))];
    }));
    expectExact(values(outI), V3.flatMap((x) => [argBest(x, (a, b) => a < b), argBest(x, (a, b) => a > b)]));
  });

  it("vec2, vec4, vec3d, vec4i builtins and outer products (vec2 x vec3 -> mat23)", () => {
    const P = [[3, 4], [-1, 0.5], [0, 0]].map((v) => v.map(fr));
    const Q = [[1, 2, 3, 4], [-5, 0.5, 2, 9], [0.1, -0.2, 0.3, -0.4]].map((v) => v.map(fr));
    const D = [[1, 2, 2], [0.1, 0.2, 0.3], [-3, 0, 4]];
    const N4 = [[1, 2, 3, 4], [9, -9, 9, 0], [-5, -5, -6, -5]];
    const n = 3;
    const outS = c.zeros(n * 6), outD = c.zeros(n * 4, wf.float64), outI = c.zeros(n * 3, wf.int32), outM = c.zeros(n * 6);
    c.launch("otherSizes", n, [c.array(P.flat(), wf.vec2), c.array(Q.flat(), wf.vec4), c.array(D.flat(), wf.vec3d), c.array(N4.flat(), wf.vec4i),
      outS, outD, outI, outM]);
    const dotN = (a: number[], b: number[], r = fr) => a.reduce((acc, x, k) => (k === 0 ? r(x * b[0]) : r(acc + r(x * b[k]))), 0);
    const lenN = (a: number[], r = fr) => { const l2 = dotN(a, a, r); return l2 > 0 ? r(Math.sqrt(l2)) : 0; };
    expectComposite(backend, values(outS), range(n).flatMap((i) => {
      const p = P[i], q = Q[i];
      const l2 = dotN(p, p), l = fr(Math.sqrt(l2));
      return [dotN(p, p), lenN(q), Math.max(...q), l2 > 0 ? fr(p[1] / l) : 0, lenN(q.map((x, k) => fr(x - (k + 1)))), Math.min(...p)];
    }));
    const id = (x: number) => x;
    expectComposite(backend, values(outD), range(n).flatMap((i) => {
      const d = D[i], l = lenN(d, id);
      return [dotN(d, d, id), l, d[1] * 1 - d[2] * 0, d[2] / l];
    }), 1e-14, 1e-14);
    expectExact(values(outI), N4.flatMap((v) => [v.reduce((a, x) => a + x * x, 0), argBest(v, (a, b) => a > b), Math.max(...v)]));
    expectExact(values(outM), range(n).flatMap((i) => P[i].flatMap((a) => D[i].map((b) => fr(a * fr(b))))));
  });
});
