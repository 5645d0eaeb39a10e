// Kernels of the autodiff benchmark: a simulation step of three kernels (integrate under gravity
// and drag, collide with the ground plane, accumulate a loss), and the same step fused into one
// kernel for the 1000-step rollouts (full tape against checkpointed).
import { tid, Array, vec3, f32, dot, atomicAdd } from "weft/kernels";

@kernel
export function integrate(x: Array<vec3>, v: Array<vec3>, xOut: Array<vec3>, vOut: Array<vec3>, gravity: vec3, drag: f32, dt: f32): void {
  const i = tid();
  const vel = v[i] * (1.0 - drag * dt) + gravity * dt;
  xOut[i] = x[i] + vel * dt;
  vOut[i] = vel;
}

@kernel
export function collide(x: Array<vec3>, v: Array<vec3>, xOut: Array<vec3>, vOut: Array<vec3>, restitution: f32, friction: f32): void {
  const i = tid();
  let pos = x[i];
  let vel = v[i];
  if (pos.y < 0.0) {
    pos.y = -pos.y * restitution;
    vel.y = -vel.y * restitution;
    vel.x = vel.x * (1.0 - friction);
    vel.z = vel.z * (1.0 - friction);
  }
  xOut[i] = pos;
  vOut[i] = vel;
}

@kernel
export function loss(x: Array<vec3>, target: vec3, out: Array<f32>): void {
  const i = tid();
  const d = x[i] - target;
  atomicAdd(out, 0, dot(d, d));
}

@kernel
export function step(x: Array<vec3>, v: Array<vec3>, xOut: Array<vec3>, vOut: Array<vec3>, gravity: vec3, dt: f32): void {
  const i = tid();
  let vel = v[i] + gravity * dt;
  let pos = x[i] + vel * dt;
  if (pos.y < 0.0) {
    pos.y = -pos.y * 0.8;
    vel.y = -vel.y * 0.8;
  }
  xOut[i] = pos;
  vOut[i] = vel;
}
