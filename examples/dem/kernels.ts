// A granular DEM (discrete element method): equal spheres of radius `radius` with a spring-dashpot
// normal contact and regularized Coulomb friction, under gravity, in an open box (a ground plane and
// four walls, and a gate at x = gate that holds the column until it is lifted). The side walls
// (z) take their own contact parameters (sim.js makes them frictionless: a quasi-2D channel). Forces are per unit mass (every grain has the same mass). Neighbours come from a
// wf.HashGrid built every few substeps; the query radius is the contact distance plus a skin that
// covers how far a grain can move between two builds (sim.js chooses the build interval and caps
// speeds so that holds).
import { tid, Array, vec3, f32, i32, dot, length, lengthSq, sqrt, min, max, atomicMax, HashGrid, hashGridQuery, hashGridQueryNext, hashGridPointId } from "weft/kernels";

@struct
export class Contact {
  kn: f32;        // normal stiffness per unit mass (1/s^2)
  kd: f32;        // normal damping per unit mass (1/s)
  kt: f32;        // tangential (viscous) friction per unit mass (1/s), before the Coulomb cap
  mu: f32;        // Coulomb coefficient: |f_t| <= mu |f_n|
}

/** Force on a grain touching a surface with unit normal n (pointing at the grain), overlap `pen`, relative velocity `vrel`. */
@func
function contactForce(n: vec3, vrel: vec3, pen: f32, c: Contact): vec3 {
  const vn = dot(n, vrel);
  // Spring and dashpot along the normal; no pull (a separating dashpot never makes grains stick).
  const fn = max(c.kn * pen - c.kd * vn, 0.0);
  // Friction opposes the sliding velocity: viscous below the cone, mu |f_n| on it.
  const vt = vrel - n * vn;
  const vs = length(vt);
  let f = n * fn;
  if (vs > 0.0) f = f - vt * (min(c.kt * vs, c.mu * fn) / vs);
  return f;
}

@func
function wall(f: vec3, n: vec3, d: f32, v: vec3, radius: f32, c: Contact): vec3 {
  // The wall is the plane dot(n, x) = 0 shifted by `d` along n: the grain overlaps it by radius - d.
  if (d < radius) return f + contactForce(n, v, radius - d, c);
  return f;
}

/** The forces of the ground, the walls and the gate on a grain at xi moving at vi. */
@func
function boundaries(xi: vec3, vi: vec3, radius: f32, box: vec3, gate: f32, c: Contact, side: Contact): vec3 {
  let acc = vec3(0.0);
  acc = wall(acc, vec3(0.0, 1.0, 0.0), xi.y, vi, radius, c);
  acc = wall(acc, vec3(1.0, 0.0, 0.0), xi.x, vi, radius, c);
  acc = wall(acc, vec3(-1.0, 0.0, 0.0), min(box.x, gate) - xi.x, vi, radius, c);
  acc = wall(acc, vec3(0.0, 0.0, 1.0), xi.z, vi, radius, side);
  acc = wall(acc, vec3(0.0, 0.0, -1.0), box.z - xi.z, vi, radius, side);
  return acc;
}

/** The contact force of grain j on grain i (zero when they do not touch, or i == j). */
@func
function pairForce(i: i32, xi: vec3, vi: vec3, j: i32, x: Array<vec3>, v: Array<vec3>, radius: f32, c: Contact): vec3 {
  const d = xi - x[j];
  const d2 = dot(d, d);
  const touch = 2.0 * radius;
  if (d2 < touch * touch && j != i && d2 > 0.0) {
    const dist = sqrt(d2);
    return contactForce(d * (1.0 / dist), vi - v[j], touch - dist, c);
  }
  return vec3(0.0);
}

@kernel
export function forces(grid: HashGrid, x: Array<vec3>, v: Array<vec3>, f: Array<vec3>, radius: f32, queryRadius: f32, box: vec3, gate: f32, c: Contact, side: Contact): void {
  // Threads go through the grains cell by cell (neighbouring threads, neighbouring grains).
  const i = hashGridPointId(grid, tid());
  if (i < 0) return;
  const xi = x[i];
  const vi = v[i];
  let acc = boundaries(xi, vi, radius, box, gate, c, side);
  let q = hashGridQuery(grid, xi, queryRadius);
  while (q.index >= 0) {
    const j = q.index;
    acc = acc + pairForce(i, xi, vi, j, x, v, radius, c);
    q = hashGridQueryNext(q);
  }
  f[i] = acc;
}

/** Semi-implicit Euler; speeds above vmax are scaled down to it (so grains stay within the grid's skin). */
@kernel
export function integrate(x: Array<vec3>, v: Array<vec3>, f: Array<vec3>, gravity: vec3, dt: f32, vmax: f32): void {
  const i = tid();
  let vel = v[i] + (f[i] + gravity) * dt;
  const s2 = lengthSq(vel);
  if (s2 > vmax * vmax) vel = vel * (vmax / sqrt(s2));
  v[i] = vel;
  x[i] = x[i] + vel * dt;
}

/** out[0] = max over grains of |v|^2, out[1] = max height; a thread takes `per` grains (few atomics). */
@kernel
export function stats(x: Array<vec3>, v: Array<vec3>, n: i32, per: i32, out: Array<f32>): void {
  const t = tid();
  let s: f32 = 0.0;
  let h: f32 = -1e30;
  const e = min(t * per + per, n);
  for (let i = t * per; i < e; i++) {
    s = max(s, lengthSq(v[i]));
    h = max(h, x[i].y);
  }
  atomicMax(out, 0, s);
  atomicMax(out, 1, h);
}
