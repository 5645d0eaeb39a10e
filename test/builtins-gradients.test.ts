// Gradients of builtins inside kernels: the autodiff pass runs after composite builtins are expanded,
// so these check the primitive adjoint rules and the expansions together, through the whole
// pipeline, against central finite differences (wf.gradcheck), on the interpreter and on wasm.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";

const SRC = `import { tid, Array, f64, f32, vec3d, quatd, transformd } from "weft/kernels";

@kernel
export function scalars(x: Array<f64>, y: Array<f64>, out: Array<f64>): void {
  const i = tid();
  const a = x[i], b = y[i];
  const o = 32 * i;
  out[o] = sqrt(a); out[o + 1] = cbrt(a); out[o + 2] = sin(a); out[o + 3] = cos(a);
  out[o + 4] = tan(a); out[o + 5] = asin(a * 0.3); out[o + 6] = acos(a * 0.3); out[o + 7] = atan(a);
  out[o + 8] = sinh(a); out[o + 9] = cosh(a); out[o + 10] = tanh(a); out[o + 11] = exp(a);
  out[o + 12] = exp2(a); out[o + 13] = log(a); out[o + 14] = log2(a); out[o + 15] = log10(a);
  out[o + 16] = pow(a, b); out[o + 17] = atan2(a, b - 0.1); out[o + 18] = floor(a * 3.0) * a; out[o + 19] = abs(a - 0.7);
  out[o + 20] = min(a, b); out[o + 21] = max(a, b); out[o + 22] = copysign(a, b - 1.0); out[o + 23] = clamp(a, 0.3, b);
  out[o + 24] = lerp(a, b, 0.3); out[o + 25] = smoothstep(0.1, 2.0, a); out[o + 26] = rsqrt(a); out[o + 27] = radians(a) + degrees(b);
  out[o + 28] = sign(a - 0.7) * b; out[o + 29] = round(a * 4.0) + trunc(b * 3.0) * a + ceil(a) * b; out[o + 30] = a % b; out[o + 31] = step(0.8, a) * b;
}

@kernel
export function fused(x: Array<f32>, y: Array<f32>, out: Array<f32>): void {
  const i = tid();
  out[i] = fma(x[i], y[i], x[i] * 0.5);
}

@kernel
export function geometry(p: Array<vec3d>, v: Array<vec3d>, out: Array<f64>): void {
  const i = tid();
  const a = p[i], b = v[i];
  const q = normalize(quatd(a.x, a.y, a.z, 1.5));
  const r = quatRotate(q, b);
  const t = transformd(b, q);
  const m = quatToMatrix(q) + outer(a, b) + diag(vec3d(2.0, 3.0, 4.0));
  const o = 10 * i;
  out[o] = dot(a, b) + length(cross(a, b));
  out[o + 1] = length(normalize(a) + b) + distance(a, b);
  out[o + 2] = dot(r, vec3d(1.0, 2.0, 3.0)) + dot(quatRotateInv(q, b), a);
  out[o + 3] = dot(transformPoint(t, a), vec3d(0.5, -1.0, 2.0)) + dot(transformPoint(transformInverse(t), a), b);
  out[o + 4] = determinant(m) + trace(inverse(m));
  out[o + 5] = dot(quatSlerp(q, normalize(quatd(b.x, b.y, b.z, 2.0)), 0.3), quatd(0.1, 0.2, 0.3, 0.4));
  out[o + 6] = dot(quatToMatrix(q) * b, a) + dot(quatFromMatrix(quatToMatrix(q)), quatd(1.0, 2.0, 3.0, 4.0)) * 0.0;
  out[o + 7] = maxComp(a * 2.0) + minComp(b) + lengthSq(skew(a) * b);
  out[o + 8] = dot(transformPoint(transformMultiply(t, transformd(a, q)), b), a);
  out[o + 9] = length(vec3d(0.0, 0.0, 0.0) * a) + dot(quatRotate(quatFromAxisAngle(normalize(b), a.x), a), b);
}
`;

let m: wf.Module;
beforeAll(async () => {
  await wf.init();
  m = await wf.loadModule({ source: SRC, name: "builtins_grad" });
});

let seed = 5;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

describe.each(["interp", "wasm"])("gradients of builtins in kernels (%s)", (backend) => {
  it("scalar math", () => {
    const n = 8;
    // Keep away from kinks (floor/round/min/... jumps) so the finite differences see smooth pieces.
    const X = Array.from({ length: n }, (_, i) => 0.31 + 0.137 * i + 0.01 * rnd());
    const Y = Array.from({ length: n }, (_, i) => 0.52 + 0.211 * i + 0.01 * rnd());
    const x = wf.array(X, { dtype: wf.float64, requiresGrad: true }), y = wf.array(Y, { dtype: wf.float64, requiresGrad: true });
    const out = wf.zeros(32 * n, wf.float64);
    const r = wf.gradcheck(m.kernels.scalars, n, [x, y, out], { backend: backend as any, maxScalars: n });
    expect(r.failures).toEqual([]);
    expect(r.checked).toBe(2 * n);
  });
  it("fma (f32)", () => {
    const n = 6;
    const x = wf.array(Array.from({ length: n }, () => rnd() * 2 - 1), { dtype: wf.float32, requiresGrad: true });
    const y = wf.array(Array.from({ length: n }, () => rnd() * 2 - 1), { dtype: wf.float32, requiresGrad: true });
    const r = wf.gradcheck(m.kernels.fused, n, [x, y, wf.zeros(n, wf.float32)], { backend: backend as any });
    expect(r.failures).toEqual([]);
  });
  it("vectors, matrices, quaternions and transforms (and finite gradients at a zero vector)", () => {
    const n = 6;
    const P = Array.from({ length: 3 * n }, () => rnd() * 2 - 1), V = Array.from({ length: 3 * n }, () => rnd() * 2 - 1);
    const p = wf.array(P, { dtype: wf.vec3d, requiresGrad: true }), v = wf.array(V, { dtype: wf.vec3d, requiresGrad: true });
    const r = wf.gradcheck(m.kernels.geometry, n, [p, v, wf.zeros(10 * n, wf.float64)], { backend: backend as any, maxScalars: 3 * n });
    expect(r.failures).toEqual([]);
    for (const g of [p.grad!, v.grad!]) for (const z of g.toTypedArray() as Float64Array) expect(Number.isFinite(z)).toBe(true);
  });
});
