// A particle under gravity bouncing on the ground plane y = 0, one semi-implicit Euler step per
// launch. Each step reads the state at t and writes the state at t + 1 into other arrays, so a Tape
// can replay every step's adjoint with the inputs it saw.
//
// Contact is piecewise: a step that ends below the ground reflects the position about the plane and
// the normal velocity, both scaled by the restitution. The reflected position is a continuous
// function of the state (both branches give y = 0 at the boundary), so the final position changes
// continuously when a bounce moves from one step to the next, and its gradient is well defined
// between such events.
import { tid, Array, vec3, f32, dot, atomicAdd } from "weft/kernels";

@kernel
export function step(x: Array<vec3>, v: Array<vec3>, xNext: Array<vec3>, vNext: Array<vec3>, gravity: vec3, dt: f32, restitution: f32): void {
  const i = tid();
  let vel = v[i] + gravity * dt;
  let pos = x[i] + vel * dt;
  if (pos.y < 0.0) {
    pos.y = -pos.y * restitution;
    vel.y = -vel.y * restitution;
  }
  xNext[i] = pos;
  vNext[i] = vel;
}

/** loss += |x - target|^2 over the particles (zero `loss` before the launch). */
@kernel
export function distance(x: Array<vec3>, target: vec3, loss: Array<f32>): void {
  const i = tid();
  const d = x[i] - target;
  atomicAdd(loss, 0, dot(d, d));
}
