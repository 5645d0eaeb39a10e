// Kernels of the core benchmark: a memory-bound saxpy, a compute-bound n-body velocity update
// (the same math as bench/ref/nbody.c), and an empty kernel for launch overhead.
import { tid, Array, vec3, f32, sqrt } from "weft/kernels";

@kernel
export function saxpy(a: f32, x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = a * x[i] + y[i];
}

@kernel
export function nbody(pos: Array<vec3>, vel: Array<vec3>, mass: Array<f32>, dt: f32, eps2: f32): void {
  const i = tid();
  const p = pos[i];
  let ax: f32 = 0.0, ay: f32 = 0.0, az: f32 = 0.0;
  const n = pos.length;
  for (let j = 0; j < n; j++) {
    const q = pos[j];
    const dx = q.x - p.x, dy = q.y - p.y, dz = q.z - p.z;
    const d2 = dx * dx + dy * dy + dz * dz + eps2;
    const inv = 1.0 / sqrt(d2);
    const w = mass[j] * inv * inv * inv;
    ax += dx * w; ay += dy * w; az += dz * w;
  }
  vel[i] = vel[i] + vec3(ax, ay, az) * dt;
}

@kernel
export function empty(x: Array<f32>): void {
}
