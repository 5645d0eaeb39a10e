// Gradient descent through a bouncing rollout: find the initial velocity that puts a particle on a
// target at the final time. A Tape records every step of the simulation (a few hundred launches,
// each writing a new state), `backward` carries the gradient of the squared distance to the target
// back through the bounces to the initial velocity, and plain gradient descent updates it.
// Prints the loss at every iteration, fails (exit code 1) unless it converges, and writes a plot of
// the loss curve and of the trajectory before and after.
//
//   node examples/optimize-trajectory/main.js [--device cpu|cuda:0] [--iters 30] [--steps 300]
//        [--lr 0.05] [--tol 1e-4] [--out examples/optimize-trajectory/trajectory.png]
import * as wf from "weft";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Canvas } from "../common/png.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const k = args.indexOf(`--${name}`); return k >= 0 ? args[k + 1] : dflt; };
const here = dirname(fileURLToPath(import.meta.url));
const iters = Number(opt("iters", 30)), steps = Number(opt("steps", 300));
const lr = Number(opt("lr", 0.05)), tol = Number(opt("tol", 1e-4));
const out = resolve(opt("out", join(here, "trajectory.png")));

await wf.init();
const device = opt("device", wf.getDevice().name);
const m = await wf.loadModule(join(here, "kernels.ts"), { device });

// The scene: launched from 1 m above the ground, 3 s of simulated time (at the default 300 steps),
// restitution 0.8. The first guess bounces twice and lands short and low.
const dt = 0.01, gravity = wf.vec3(0, -9.81, 0), restitution = 0.8;
const start = [0, 1, 0], target = [6, 1, 0];
let velocity = [1, 5, 0];

// One state array per step (x and v), so every recorded launch keeps the inputs it read.
const state = () => wf.zeros(1, { dtype: wf.vec3, device, requiresGrad: true });
const xs = Array.from({ length: steps + 1 }, state), vs = Array.from({ length: steps + 1 }, state);
const loss = wf.zeros(1, { dtype: wf.float32, device, requiresGrad: true });
xs[0].assign(Float32Array.from(start));

function rollout() {
  for (let t = 0; t < steps; t++) wf.launch(m.kernels.step, 1, [xs[t], vs[t], xs[t + 1], vs[t + 1], gravity, dt, restitution]);
  loss.zero();
  wf.launch(m.kernels.distance, 1, [xs[steps], wf.vec3(...target), loss]);
  return loss.toTypedArray()[0];
}
const trajectory = () => xs.map((a) => Array.from(a.toTypedArray()).slice(0, 2));

console.log(`optimize-trajectory: ${steps} steps on ${device}, target (${target[0]}, ${target[1]}) at t = ${(steps * dt).toFixed(2)} s`);
const tape = new wf.Tape();
const losses = [];
let before = null;
const t0 = performance.now();
for (let it = 0; it < iters; it++) {
  vs[0].assign(Float32Array.from(velocity));
  tape.reset(); // forgets the last iteration's launches and zeroes every gradient buffer
  const L = tape.record(rollout);
  if (it === 0) before = trajectory();
  tape.backward(loss);
  const g = Array.from(vs[0].grad.toTypedArray());
  losses.push(L);
  console.log(`iter ${String(it).padStart(3)}  loss ${L.toExponential(4)}  v0 (${velocity[0].toFixed(4)}, ${velocity[1].toFixed(4)})  dL/dv0 (${g[0].toFixed(4)}, ${g[1].toFixed(4)})`);
  velocity = velocity.map((v, k) => v - lr * g[k]);
}
vs[0].assign(Float32Array.from(velocity));
const final = rollout();
const after = trajectory();
const seconds = (performance.now() - t0) / 1000;
const end = after[steps];
console.log(`final loss ${final.toExponential(4)}: v0 = (${velocity[0].toFixed(4)}, ${velocity[1].toFixed(4)}) m/s lands at (${end[0].toFixed(4)}, ${end[1].toFixed(4)}); ${iters} iterations in ${seconds.toFixed(2)} s`);

writeFileSync(out, plot(losses.concat([final]), before ?? after, after));
console.log(`wrote ${out}`);

if (!(final <= tol) || !(final < losses[0])) {
  console.error(`did not converge: final loss ${final} (tolerance ${tol}, first loss ${losses[0]})`);
  process.exitCode = 1;
}

/** The loss curve (log scale) beside the trajectories before and after optimization. */
function plot(curve, first, last) {
  const c = new Canvas(1040, 440);
  const lo = Math.max(1e-12, Math.min(...curve)), hi = Math.max(...curve);
  const lossAx = c.axes({ x: 80, y: 50, w: 380, h: 320 }, {
    x: [0, Math.max(1, curve.length - 1)], y: [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))],
    logY: true, title: "LOSS", xlabel: "ITERATION",
  });
  c.polyline(curve.map((L, k) => lossAx.map(k, Math.max(L, 1e-12))), [200, 50, 40, 255], 2);
  for (let k = 0; k < curve.length; k++) c.point(...lossAx.map(k, Math.max(curve[k], 1e-12)), 2, [200, 50, 40, 255]);

  const all = [...first, ...last, target];
  const xMax = Math.ceil(Math.max(...all.map((p) => p[0])) + 0.5), yMax = Math.ceil(Math.max(...all.map((p) => p[1])) * 1.15);
  const ax = c.axes({ x: 580, y: 50, w: 430, h: 320 }, { x: [0, xMax], y: [0, yMax], title: "TRAJECTORY", xlabel: "X (M)", ylabel: "Y (M)" });
  const gray = [150, 150, 150, 255], blue = [30, 90, 200, 255], green = [20, 150, 60, 255];
  c.line(...ax.map(0, 0), ...ax.map(xMax, 0), [90, 60, 30, 255], 3);
  c.polyline(first.map((p) => ax.map(p[0], p[1])), gray, 2);
  c.polyline(last.map((p) => ax.map(p[0], p[1])), blue, 2);
  c.point(...ax.map(first[0][0], first[0][1]), 4, [40, 40, 40, 255]);
  c.point(...ax.map(first.at(-1)[0], first.at(-1)[1]), 4, gray);
  c.point(...ax.map(last.at(-1)[0], last.at(-1)[1]), 4, blue);
  const [tx, ty] = ax.map(target[0], target[1]);
  c.line(tx - 8, ty - 8, tx + 8, ty + 8, green, 3); c.line(tx - 8, ty + 8, tx + 8, ty - 8, green, 3);
  // Legend, top right inside the plot.
  const lx = ax.box.x + ax.box.w - 120, ly = ax.box.y + 10;
  c.rect(lx - 8, ly - 6, 122, 56, [255, 255, 255, 230]);
  [["BEFORE", gray], ["AFTER", blue], ["TARGET", green]].forEach(([name, color], k) => {
    c.rect(lx, ly + k * 16 + 3, 24, 4, color);
    c.text(lx + 32, ly + k * 16, name, [40, 40, 40, 255]);
  });
  return c.toPNG();
}
