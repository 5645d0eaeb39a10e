// A module of ten small but realistic kernels, for cold-compile and cache-hit timings.
import { tid, Array, vec3, f32, i32, sqrt, sin, cos, exp, dot, cross, normalize, length, min, max, clamp, atomicAdd } from "weft/kernels";

@func
function smoothKernel(r: f32, h: f32): f32 {
  const q = clamp(1.0 - r / h, 0.0, 1.0);
  return q * q * q;
}

@kernel export function scale(x: Array<f32>, s: f32): void { const i = tid(); x[i] = x[i] * s; }
@kernel export function axpy(a: f32, x: Array<vec3>, y: Array<vec3>): void { const i = tid(); y[i] = x[i] * a + y[i]; }
@kernel export function norms(x: Array<vec3>, out: Array<f32>): void { const i = tid(); out[i] = length(x[i]); }
@kernel export function unit(x: Array<vec3>): void { const i = tid(); x[i] = normalize(x[i]); }
@kernel export function crossAll(a: Array<vec3>, b: Array<vec3>, c: Array<vec3>): void { const i = tid(); c[i] = cross(a[i], b[i]); }
@kernel export function wave(x: Array<f32>, t: f32): void { const i = tid(); x[i] = sin(f32(i) * 0.01 + t) * cos(t) * exp(-0.001 * f32(i)); }
@kernel export function reduceSum(x: Array<f32>, total: Array<f32>): void { const i = tid(); atomicAdd(total, 0, x[i]); }
@kernel export function clampAll(x: Array<f32>, lo: f32, hi: f32): void { const i = tid(); x[i] = min(max(x[i], lo), hi); }
@kernel export function density(p: Array<vec3>, rho: Array<f32>, h: f32): void {
  const i = tid();
  let sum: f32 = 0.0;
  for (let j = 0; j < p.length; j++) {
    const d = p[j] - p[i];
    const r = sqrt(dot(d, d));
    if (r < h) sum += smoothKernel(r, h);
  }
  rho[i] = sum;
}
@kernel export function histogram(x: Array<f32>, bins: Array<i32>, lo: f32, hi: f32): void {
  const i = tid();
  const nb = bins.length;
  const k = clamp(i32((x[i] - lo) / (hi - lo) * f32(nb)), 0, nb - 1);
  atomicAdd(bins, k, 1);
}
