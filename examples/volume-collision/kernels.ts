// Particles colliding with a NanoVDB level set: each step samples the signed distance and its gradient
// (trilinear, NanoVDB's sampler) at the particle, pushes penetrating particles out along the surface
// normal and applies restitution and Coulomb friction; a ground plane catches the rest.
//
// Volume, volumeSampleGradF, volumeSampleF, volumeWorldToIndex, volumeIndexToWorldGrad and
// VOLUME_LINEAR come from the kernel standard library (kernels-as/lib/volume.ts); they resolve by
// name, like builtins.
import { tid, Array, Array2D, vec3, f32, dot, length, normalize, max, atomicMin } from "weft/kernels";

/** One semi-implicit Euler step with collisions against the level set `sdf` and the plane y = ground. */
@kernel
export function step(sdf: Volume, x: Array<vec3>, v: Array<vec3>, gravity: vec3, dt: f32, radius: f32,
                     restitution: f32, friction: f32, ground: f32): void {
  const i = tid();
  let vel = v[i] + gravity * dt;
  let pos = x[i] + vel * dt;
  const s = volumeSampleGradF(sdf, volumeWorldToIndex(sdf, pos), VOLUME_LINEAR);
  const grad = volumeIndexToWorldGrad(sdf, s.grad);
  const depth = s.value - radius;
  if (depth < 0.0 && dot(grad, grad) > 0.0) {
    const n = normalize(grad);
    pos = pos - n * depth;
    const vn = dot(vel, n);
    if (vn < 0.0) {
      const vt = vel - n * vn;
      const slip = length(vt);
      // Coulomb friction: the tangential speed drops by friction * |normal impulse| (not below 0)
      const keep = slip > 0.0 ? max(0.0, 1.0 - friction * (-vn) / slip) : 0.0;
      vel = vt * keep - n * (vn * restitution);
    }
  }
  if (pos.y < ground + radius) {
    pos.y = ground + radius;
    if (vel.y < 0.0) {
      vel.y = -vel.y * restitution;
      vel.x = vel.x * 0.8;
      vel.z = vel.z * 0.8;
    }
  }
  x[i] = pos;
  v[i] = vel;
}

/** The signed distance on the plane z = z0 (for the picture): pixel (row, col), row 0 at the top. */
@kernel
export function slice(sdf: Volume, x0: f32, yTop: f32, pixel: f32, z0: f32, out: Array2D<f32>): void {
  const [r, c] = tid();
  const p = vec3(x0 + (f32(c) + 0.5) * pixel, yTop - (f32(r) + 0.5) * pixel, z0);
  out[r, c] = volumeSampleF(sdf, volumeWorldToIndex(sdf, p), VOLUME_LINEAR);
}

/** The smallest signed distance of a particle's centre minus its radius (< 0: it penetrates). */
@kernel
export function clearance(sdf: Volume, x: Array<vec3>, radius: f32, out: Array<f32>): void {
  const i = tid();
  atomicMin(out, 0, volumeSampleF(sdf, volumeWorldToIndex(sdf, x[i]), VOLUME_LINEAR) - radius);
}
