// Small shared device functions of the weft kernel standard library: signed distance functions
// (formulas of Inigo Quilez, https://iquilezles.org/articles/distfunctions/) and a smooth minimum.
// Every kernel module can call them: import { sdBox, sdSphere } from "weft/kernels".
// All of them are differentiable (gradients flow through the builtins they use).

import { vec3, f32, abs, clamp, dot, length, max, maxComp, min } from "weft/kernels";

/** Signed distance from `p` to the sphere of radius `r` centred at the origin. */
@func
export function sdSphere(p: vec3, r: f32): f32 {
  return length(p) - r;
}

/** Signed distance from `p` to the axis-aligned box centred at the origin with half extents `b`. */
@func
export function sdBox(p: vec3, b: vec3): f32 {
  const q = abs(p) - b;
  return length(max(q, vec3(0.0))) + min(maxComp(q), 0.0);
}

/** Signed distance from `p` to the capsule of radius `r` around the segment from `a` to `b`. */
@func
export function sdCapsule(p: vec3, a: vec3, b: vec3, r: f32): f32 {
  const pa = p - a;
  const ba = b - a;
  const h = clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0);
  return length(pa - ba * h) - r;
}

/** Polynomial smooth minimum of `a` and `b` with blend width `k` (> 0): equals min(a, b) when |a - b| >= k. */
@func
export function smoothMin(a: f32, b: f32, k: f32): f32 {
  const h = max(k - abs(a - b), 0.0) / k;
  return min(a, b) - h * h * k * 0.25;
}
