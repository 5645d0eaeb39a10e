// Particles under gravity bouncing on the ground plane y = 0: semi-implicit Euler with a
// restitution coefficient and Coulomb-like friction at contact.
import { tid, Array, vec3, f32, abs, dot, atomicAdd, atomicMin } from "weft/kernels";

@kernel
export function integrate(x: Array<vec3>, v: Array<vec3>, gravity: vec3, dt: f32, restitution: f32, friction: f32): void {
  const i = tid();
  let vel = v[i] + gravity * dt;
  let pos = x[i] + vel * dt;
  if (pos.y < 0.0) {
    // Reflect the normal velocity, damp the tangential one, and put the particle back on the plane.
    pos.y = -pos.y * restitution;
    vel.y = abs(vel.y) * restitution;
    vel.x = vel.x * (1.0 - friction);
    vel.z = vel.z * (1.0 - friction);
  }
  x[i] = pos;
  v[i] = vel;
}

@kernel
export function kineticEnergy(v: Array<vec3>, energy: Array<f32>): void {
  const i = tid();
  const s = v[i];
  atomicAdd(energy, 0, 0.5 * dot(s, s));
}

@kernel
export function lowestPoint(x: Array<vec3>, lowest: Array<f32>): void {
  const i = tid();
  atomicMin(lowest, 0, x[i].y);
}
