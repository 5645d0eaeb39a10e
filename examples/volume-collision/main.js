// Particles dropped onto a NanoVDB level set. The level set of an upright torus (a ring in the xy
// plane) is built on the host with wf.Volume.fromDense from its analytic signed distance, narrow band
// of 3 voxels, and the particles collide with it by sampling the signed distance and its gradient in
// the kernel (volumeSampleGradF, kernels.ts). Some particles come to rest on top of the ring, some
// fall through its hole onto its inner rim, the rest reach the ground. Writes a side view (PNG; the
// torus is the z = 0 slice of the same volume, sampled by a 2-D launch), prints a summary, and exits
// with 1 if a particle ends up inside the torus or below the ground.
//
//   node examples/volume-collision/main.js [--n 20000] [--steps 1800] [--device cpu|cuda:0]
//        [--save torus.nvdb] [--out examples/volume-collision/volume-collision.png]
import * as wf from "weft";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Canvas } from "../common/png.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const k = args.indexOf(`--${name}`); return k >= 0 ? args[k + 1] : dflt; };
const here = dirname(fileURLToPath(import.meta.url));
const n = Number(opt("n", 20000)), steps = Number(opt("steps", 1800));
const out = resolve(opt("out", join(here, "volume-collision.png")));

await wf.init();
const device = opt("device", wf.getDevice().name);
const m = await wf.loadModule(join(here, "kernels.ts"), { device });

// --- the level set: a torus of radii R (ring) and r (tube) around the z axis, voxel size h ----------
const R = 1.0, r = 0.3, h = 0.025, band = 3 * h;
const lo = [-1.45, -1.45, -0.45], dims = [116, 116, 36];
const values = new Float32Array(dims[0] * dims[1] * dims[2]);
for (let i = 0; i < dims[0]; i++) for (let j = 0; j < dims[1]; j++) for (let k = 0; k < dims[2]; k++) {
  const x = lo[0] + i * h, y = lo[1] + j * h, z = lo[2] + k * h;
  const d = Math.hypot(Math.hypot(x, y) - R, z) - r;
  values[(i * dims[1] + j) * dims[2] + k] = Math.max(-band, Math.min(band, d));
}
const t0 = performance.now();
// voxels at the band's outer value are inactive (the background); leaves inside the tube are kept
const sdf = wf.Volume.fromDense({
  values, dims, voxelSize: h, origin: lo, background: band, tolerance: 1e-6 * h, gridClass: "levelSet", name: "torus", device,
});
const buildMs = performance.now() - t0;
if (opt("save", null)) sdf.save(resolve(opt("save")), { codec: "ZIP" });
console.log(`volume-collision: ${sdf} (${(sdf.sizeInBytes / 2 ** 20).toFixed(2)} MiB NanoVDB grid, built in ${buildMs.toFixed(0)} ms)`);
console.log(`  index bounds ${JSON.stringify(sdf.indexBounds)}, voxel size ${sdf.voxelSize[0].toFixed(3)} m`);

// --- particles: a slab above the torus, at rest ------------------------------------------------------
const radius = 0.02, ground = -1.6, dt = 1 / 600, gravity = wf.vec3(0, -9.81, 0);
let seed = 1;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const x0 = new Float32Array(3 * n);
for (let p = 0; p < n; p++) x0.set([-1.4 + 2.8 * rnd(), 1.5 + 1.5 * rnd(), -0.22 + 0.44 * rnd()], 3 * p);
const x = wf.array(x0, { dtype: wf.vec3, device }), v = wf.zeros(n, { dtype: wf.vec3, device });

const t1 = performance.now();
for (let s = 0; s < steps; s++) wf.launch(m.kernels.step, n, [sdf, x, v, gravity, dt, radius, 0.1, 0.9, ground]);
wf.synchronize(device);
const simS = (performance.now() - t1) / 1000;

// --- summary ----------------------------------------------------------------------------------------
const clear = wf.full(1, 1e30, { dtype: wf.float32, device });
wf.launch(m.kernels.clearance, n, [sdf, x, radius, clear]);
const minClearance = clear.toTypedArray()[0];
const xs = x.to("cpu").toTypedArray(), vsH = v.to("cpu").toTypedArray();
let onTorus = 0, onGround = 0, falling = 0, lowest = Infinity, maxSpeed = 0;
const acc = sdf.accessor();
for (let p = 0; p < n; p++) {
  const px = xs[3 * p], py = xs[3 * p + 1], pz = xs[3 * p + 2];
  lowest = Math.min(lowest, py);
  maxSpeed = Math.max(maxSpeed, Math.hypot(vsH[3 * p], vsH[3 * p + 1], vsH[3 * p + 2]));
  const phi = acc.sampleWorld(px, py, pz);
  if (phi < radius + 2 * h) onTorus++;
  else if (py < ground + radius + 1e-3) onGround++;
  else falling++;
}
console.log(`  ${n} particles, ${steps} steps of ${(dt * 1e3).toFixed(2)} ms on ${device}: ${(steps / simS).toFixed(1)} steps/s, ` +
  `${((n * steps) / simS / 1e6).toFixed(2)} M particle-steps/s (one level-set sample with gradient each)`);
console.log(`  resting on the torus ${onTorus}, on the ground ${onGround}, elsewhere ${falling}; fastest ${maxSpeed.toFixed(3)} m/s`);
console.log(`  deepest penetration of the level set ${Math.max(0, -minClearance).toExponential(2)} m (voxel ${h} m); lowest y ${lowest.toFixed(4)} m`);

// --- picture: side view (x right, y up), torus slice z = 0 from the volume itself ---------------------
const view = { x0: -2.0, x1: 2.0, yTop: 3.1, pixel: 0.005 };
const W = Math.round((view.x1 - view.x0) / view.pixel), H = Math.round((view.yTop - (ground - 0.15)) / view.pixel);
const phi = wf.zeros([H, W], { dtype: wf.float32, device });
wf.launch(m.kernels.slice, [H, W], [sdf, view.x0, view.yTop, view.pixel, 0, phi]);
const ph = phi.to("cpu").toTypedArray();
const c = new Canvas(W, H, [250, 250, 247, 255]);
for (let row = 0; row < H; row++) for (let col = 0; col < W; col++) {
  const d = ph[row * W + col];
  if (d < 0) c.set(col, row, [120, 130, 150, 255]);
  else if (d < 0.6 * h) c.set(col, row, [60, 70, 90, 255]);
}
const toPix = (px, py) => [(px - view.x0) / view.pixel, (view.yTop - py) / view.pixel];
const [, gy] = toPix(0, ground);
c.rect(0, Math.round(gy), W, H - Math.round(gy), [200, 190, 170, 255]);
// particles (nearest in z last), coloured by their starting height
const order = Array.from({ length: n }, (_, p) => p).sort((a, b) => xs[3 * a + 2] - xs[3 * b + 2]);
for (const p of order) {
  const t = (x0[3 * p + 1] - 1.5) / 1.5;
  const [px, py] = toPix(xs[3 * p], xs[3 * p + 1]);
  c.point(px, py, radius / view.pixel, [Math.round(40 + 200 * t), Math.round(110 + 40 * (1 - t)), Math.round(220 - 180 * t), 200]);
}
c.text(12, 12, `WEFT VOLUME COLLISION: ${n} PARTICLES ON A NANOVDB TORUS LEVEL SET`, [30, 30, 30, 255], 2);
c.text(12, 30, `${steps} STEPS ON ${device}, SIDE VIEW, SLICE Z = 0`, [30, 30, 30, 255], 2);
writeFileSync(out, c.toPNG());
console.log(`  wrote ${out} (${W}x${H})`);

const ok = minClearance > -0.5 * h && lowest > ground + radius - 1e-4;
sdf.dispose();
if (!ok) { console.error("a particle ended up inside the torus or below the ground"); process.exitCode = 1; }
