// Ray casts the Stanford bunny (npm `bunny`) with the mesh BVH of weft: one primary ray per pixel on
// every device present (WebAssembly on all CPU cores, CUDA when a GPU is present), prints rays per
// second, checks that the devices agree, and writes a PNG shaded by the hit normals (or the depth).
//
//   node examples/mesh-raycast/main.js [--width 1920] [--height 1080] [--device cpu,cuda:0]
//        [--mode normals|depth] [--out PATH (default: the temp folder)] [--reps 5]
import * as wf from "weft";
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { encodePNG } from "../common/png.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const k = args.indexOf(`--${name}`); return k >= 0 ? args[k + 1] : dflt; };
const width = Number(opt("width", 1920)), height = Number(opt("height", 1080)), reps = Number(opt("reps", 5));
const mode = opt("mode", "normals");
const here = dirname(fileURLToPath(import.meta.url));
const outPath = opt("out", join(tmpdir(), `weft-bunny-${mode}.png`));
if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) throw new Error(`bad size ${width}x${height}`);

await wf.init();
const devices = (opt("device", null)?.split(",") ?? wf.devices().map((d) => d.name));

// The bunny, centred and scaled to about [-1, 1].
const require = createRequire(import.meta.url);
const bunny = require("bunny");
const lo = [0, 1, 2].map((a) => Math.min(...bunny.positions.map((p) => p[a])));
const hi = [0, 1, 2].map((a) => Math.max(...bunny.positions.map((p) => p[a])));
const c = lo.map((l, a) => 0.5 * (l + hi[a])), s = 2 / Math.max(...hi.map((h, a) => h - lo[a]));
const points = Float32Array.from(bunny.positions.flatMap((p) => p.map((x, a) => (x - c[a]) * s)));
const indices = Int32Array.from(bunny.cells.flat());

// Camera: looking at the origin from the front-right, 40 degree vertical field of view.
const eye = [2.0, 0.6, 3.4];
const sub = (a, b) => a.map((x, k) => x - b[k]);
const norm = (a) => { const l = Math.hypot(...a); return a.map((x) => x / l); };
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const forward = norm(sub([0, 0, 0], eye)), right = norm(cross(forward, [0, 1, 0])), up = cross(right, forward);
const tanHalf = Math.tan((40 * Math.PI) / 360);

const results = [];
for (const name of devices) {
  const device = wf.getDevice(name);
  const m = await wf.loadModule(join(here, "kernels.ts"), { device });
  const t0 = performance.now();
  const mesh = new wf.Mesh({ points, indices, device });
  const buildMs = performance.now() - t0;
  const depth = wf.zeros([height, width], { dtype: wf.float32, device });
  const normal = wf.zeros([height, width], { dtype: wf.vec3, device });
  const run = () => { wf.launch(m.kernels.render, [height, width], [mesh, eye, forward, right, up, tanHalf, depth, normal]); wf.synchronize(device); };
  run();
  let best = Infinity;
  for (let k = 0; k < reps; k++) { const t = performance.now(); run(); best = Math.min(best, performance.now() - t); }
  const rays = (width * height) / (best / 1000);
  console.log(`${device.name}: ${width}x${height} primary rays in ${best.toFixed(2)} ms = ${(rays / 1e6).toFixed(1)} M rays/s` +
    `${device.isCpu ? ` (${wf.getCpuThreads()} threads)` : ""}; BVH of ${mesh.numFaces} triangles built in ${buildMs.toFixed(1)} ms (host SAH, depth ${mesh.depth})`);
  results.push({ device: device.name, depth: depth.to("cpu").toTypedArray().slice(), normal: normal.to("cpu").toTypedArray().slice() });
  mesh.dispose(); depth.dispose(); normal.dispose();
}

// Devices must agree on what was hit; depths to float tolerance.
const ref = results[0];
let hits = 0;
for (let i = 0; i < width * height; i++) if (ref.depth[i] >= 0) hits++;
for (const r of results.slice(1)) {
  let mask = 0, maxErr = 0;
  for (let i = 0; i < width * height; i++) {
    if ((r.depth[i] >= 0) !== (ref.depth[i] >= 0)) mask++;
    else if (r.depth[i] >= 0) maxErr = Math.max(maxErr, Math.abs(r.depth[i] - ref.depth[i]));
  }
  console.log(`${r.device} vs ${ref.device}: ${mask} pixels differ in hit/miss (of ${hits} hits), max depth difference ${maxErr.toExponential(2)}`);
  if (mask > width * height * 1e-4 || maxErr > 1e-3) { console.error("devices disagree"); process.exitCode = 1; }
}
if (hits < width * height * 0.05) { console.error(`only ${hits} pixels hit the bunny: the camera or the queries are wrong`); process.exitCode = 1; }

// Shade: normals as colours (or depth as grey levels), background dark blue.
const rgba = new Uint8Array(width * height * 4);
let dmin = Infinity, dmax = -Infinity;
for (const d of ref.depth) if (d >= 0) { dmin = Math.min(dmin, d); dmax = Math.max(dmax, d); }
for (let i = 0; i < width * height; i++) {
  const d = ref.depth[i];
  let col = [25, 30, 45];
  if (d >= 0) {
    if (mode === "depth") { const g = 255 * (1 - 0.8 * (d - dmin) / (dmax - dmin || 1)); col = [g, g, g]; }
    else col = [0, 1, 2].map((k) => 255 * (0.5 + 0.5 * ref.normal[3 * i + k]));
  }
  rgba.set([col[0], col[1], col[2], 255], 4 * i);
}
writeFileSync(outPath, encodePNG(width, height, rgba));
console.log(`wrote ${outPath} (${mode}, ${hits} of ${width * height} pixels hit)`);
process.exit();
