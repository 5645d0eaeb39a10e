// The DEM scene and its time stepping, shared by main.js and bench/geometry-hashgrid.js: a column
// of grains settles behind a gate, the gate lifts after `gateTime` seconds, and the column collapses
// and spreads along x (a granular column collapse). Every frame runs `substeps` substeps of (forces, integrate); the hash grid is rebuilt
// every K substeps, K chosen per frame from the fastest grain so that no grain moves more than the
// skin between two builds (speeds are capped at skin / (K dt) to make that a guarantee).
import * as wf from "weft";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
export const KERNELS = join(here, "kernels.ts");

/**
 * A column collapse of `n` grains of radius 0.05 m on `device`.
 * Returns { frame(), stats(), positions(), velocities(), dispose(), ... }.
 */
export async function createDem({ n = 100_000, device = wf.getDevice().name, substeps = 64, fps = 60, seed = 1, gateTime = 0.8, skin = 0.5, cellFraction = 1 } = {}) {
  await wf.init();
  const m = await wf.loadModule(KERNELS, { device });
  // `skin` (in radii): how far a grain may move between grid builds; cells are `cellFraction` of the
  // query radius wide.
  const radius = 0.05, skinM = skin * radius, queryRadius = 2 * radius + skinM, cellWidth = queryRadius * cellFraction;
  const dt = 1 / fps / substeps, g = 9.81;
  const gravity = wf.vec3(0, -g, 0);
  // Per unit mass: a contact oscillates at sqrt(2 kn) ~ 840 rad/s (dt * omega ~ 0.22 at 64 x 60 Hz),
  // damping ratio ~ 0.35, friction coefficient 0.4 (frictionless side walls).
  const contact = { kn: 3.5e5, kd: 290, kt: 1000, mu: 0.4 }, side = { ...contact, mu: 0 };

  // The column: layers of grains (spacing 2.2 r), each odd layer shifted by half a spacing so that
  // its grains sit in the hollows of the layer below (as in a body-centred lattice: they cannot stand
  // on a free face), moved at random by up to 0.1 r, between the walls x = 0, z = 0, z = depth and
  // the gate at x = nc * spacing; about twice as tall as wide. The box runs 3.5 column widths along x.
  const spacing = 2.2 * radius, layer = 1.3 * radius, jitter = 0.2 * radius;
  const nc = Math.max(2, Math.round(Math.cbrt((n * layer) / (2 * spacing)))), depth = nc * spacing;
  const box = [3.5 * nc * spacing, 0, depth], gate = nc * spacing;
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  const pos = new Float32Array(n * 3);
  let layers = 0;
  for (let i = 0; i < n; layers++) {
    const odd = layers & 1, m = nc - odd, off = (0.5 + 0.5 * odd) * spacing;
    for (let k = 0; k < m * m && i < n; k++, i++) {
      const a = k % m, b = Math.floor(k / m);
      pos.set([off + a * spacing + jitter * rnd(), radius * 1.01 + layers * layer + jitter * rnd(), off + b * spacing + jitter * rnd()], 3 * i);
    }
  }
  const height0 = radius + (layers - 1) * layer + radius;
  const x = wf.array(pos, { dtype: wf.vec3, device });
  const v = wf.zeros(n, { dtype: wf.vec3, device });
  const f = wf.zeros(n, { dtype: wf.vec3, device });
  const out = wf.zeros(2, { dtype: wf.float32, device });
  // Cells of the query radius over the box (and the column's height): no two places share a cell.
  const dims = [box[0], height0 * 1.2, box[2]].map((e) => Math.max(1, Math.ceil(e / cellWidth) + 2));
  const grid = new wf.HashGrid(dims[0], dims[1], dims[2], { device });
  grid.reserve(n);
  const per = 64;
  const boxV = wf.vec3(box[0], 0, box[2]);

  let vmax = 0, builds = 0, frames = 0;
  const readStats = () => {
    out.assign([0, -1e30]);
    wf.launch(m.kernels.stats, Math.ceil(n / per), [x, v, n, per, out]);
    const [v2, top] = out.toTypedArray();
    return { vmax: Math.sqrt(v2), top };
  };

  /** The arguments of the forces kernel now (writing to `out`): the grid of the last build, the current state. */
  const forceArgs = (out = f) => [grid, x, v, out, radius, queryRadius, boxV, frames / fps < gateTime ? gate : box[0], contact, side];

  /**
   * One frame: `substeps` substeps with grid rebuilds every K; returns { interval, vcap }.
   * `onSubstep(k)` (tests) runs after the forces of substep k, before the integration.
   */
  function frame({ measure = true, onSubstep = null } = {}) {
    if (measure) vmax = readStats().vmax;
    // Bound the speed over the coming frame (gravity adds g per second; contacts are fast, so a
    // margin), pick the rebuild interval from it, and cap speeds at what that interval allows.
    const bound = 1.25 * vmax + g / fps + 0.5;
    const interval = Math.max(1, Math.min(substeps, Math.floor(skinM / (bound * dt))));
    const vcap = skinM / (interval * dt);
    for (let k = 0; k < substeps; k++) {
      if (k % interval === 0) { grid.build(x, cellWidth); builds++; }
      wf.launch(m.kernels.forces, n, forceArgs());
      onSubstep?.(k);
      wf.launch(m.kernels.integrate, n, [x, v, f, gravity, dt, vcap]);
    }
    frames++;
    return { interval, vcap };
  }

  return {
    n, radius, queryRadius, cellWidth, dt, substeps, fps, gateTime, box: [box[0], height0, box[2]], dims, grid, module: m, device,
    frame, forceArgs, contact, side,
    stats: readStats,
    get builds() { return builds; },
    get frames() { return frames; },
    /** Copies in JS memory (a CPU array's toTypedArray() is a view that later launches change). */
    positions: () => Float32Array.from(x.toTypedArray()),
    velocities: () => Float32Array.from(v.toTypedArray()),
    dispose() { grid.dispose(); x.dispose(); v.dispose(); f.dispose(); out.dispose(); },
  };
}
