// Particles bouncing on a ground plane: semi-implicit Euler on every CPU core (or a GPU when one is
// present). Prints the steps per second and checks energy and the ground plane along the way.
//
//   node examples/particles/main.js [--n 100000] [--steps 600] [--device cpu|cuda:0]
import * as wf from "weft";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const k = args.indexOf(`--${name}`); return k >= 0 ? args[k + 1] : dflt; };
const n = Number(opt("n", 100_000)), steps = Number(opt("steps", 600));

await wf.init();
const device = opt("device", wf.getDevice().name);
const here = dirname(fileURLToPath(import.meta.url));
const m = await wf.loadModule(join(here, "kernels.ts"), { device });

// A block of particles 1..3 m above the ground with small random sideways velocities.
const pos = new Float32Array(n * 3), vel = new Float32Array(n * 3);
let seed = 1;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
for (let i = 0; i < n; i++) {
  pos.set([rnd() * 10 - 5, 1 + 2 * rnd(), rnd() * 10 - 5], i * 3);
  vel.set([rnd() - 0.5, 0, rnd() - 0.5], i * 3);
}
const x = wf.array(pos, { dtype: wf.vec3, device });
const v = wf.array(vel, { dtype: wf.vec3, device });
const energy = wf.zeros(1, { dtype: wf.float32, device });
const lowest = wf.zeros(1, { dtype: wf.float32, device });
const dt = 1 / 600, gravity = wf.vec3(0, -9.81, 0);

const measure = () => {
  energy.zero();
  wf.launch(m.kernels.kineticEnergy, n, [v, energy]);
  lowest.fill(1e30);
  wf.launch(m.kernels.lowestPoint, n, [x, lowest]);
  return { ke: energy.toTypedArray()[0] / n, low: lowest.toTypedArray()[0] };
};

console.log(`weft particles: ${n} particles, ${steps} steps on ${device}`);
const before = measure();
const t0 = performance.now();
for (let s = 0; s < steps; s++) wf.launch(m.kernels.integrate, n, [x, v, gravity, dt, 0.5, 0.1]);
wf.synchronize();
const seconds = (performance.now() - t0) / 1000;
const after = measure();
console.log(`kinetic energy per particle: ${before.ke.toFixed(4)} -> ${after.ke.toFixed(4)} J/kg; lowest y = ${after.low.toFixed(5)} m`);
console.log(`${(steps / seconds).toFixed(1)} steps/s (${((n * steps) / seconds / 1e6).toFixed(1)} M particle-steps/s)`);
if (after.low < 0) { console.error("a particle went below the ground plane"); process.exitCode = 1; }
