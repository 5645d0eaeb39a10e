// Granular DEM with a hash grid: a column of grains settles behind a gate, which lifts at 0.8 s, and
// collapses in an open box (spring-dashpot contacts with Coulomb friction, gravity, a ground plane
// and walls). Runs N frames of 64 substeps on the default device (a GPU when there is one, else
// every CPU core), prints frames/s, substeps and grid rebuilds, and writes side views (when the
// gate lifts, half way, and at the end) coloured by speed.
//
//   node examples/dem/main.js [--n 100000] [--frames 150] [--substeps 64] [--device cpu|cuda:0] [--out dem.png]
import * as wf from "weft";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Canvas } from "../common/png.js";
import { createDem } from "./sim.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const k = args.indexOf(`--${name}`); return k >= 0 ? args[k + 1] : dflt; };
const here = dirname(fileURLToPath(import.meta.url));
const n = Number(opt("n", 100_000)), frames = Number(opt("frames", 150)), substeps = Number(opt("substeps", 64));
const outFile = opt("out", join(here, "dem.png"));
if (!(Number.isInteger(n) && n > 0 && Number.isInteger(frames) && frames > 0 && Number.isInteger(substeps) && substeps > 0)) {
  console.error("usage: node examples/dem/main.js [--n GRAINS] [--frames N] [--substeps S] [--device cpu|cuda:0] [--out FILE.png]");
  process.exit(2);
}

await wf.init();
const device = opt("device", wf.getDevice().name);
const sim = await createDem({ n, device, substeps });
console.log(`weft DEM: ${n} grains (radius ${sim.radius} m), ${frames} frames x ${substeps} substeps (dt = ${(sim.dt * 1e6).toFixed(1)} us) on ${device}; hash grid ${sim.dims.join("x")} cells of ${sim.queryRadius} m`);

// Pictures: when the gate lifts (the settled column), half way from there, and at the end.
const lift = Math.round(sim.gateTime * sim.fps);
const at = lift < frames ? [lift, Math.round((lift + frames) / 2), frames] : [0, Math.round(frames / 2), frames];
const snapshot = (k) => ({ label: `t = ${(k / sim.fps).toFixed(2)} s${k === lift ? " (gate lifts)" : ""}`, x: sim.positions(), v: sim.velocities() });
const shots = at[0] === 0 ? [snapshot(0)] : [];
let seconds = 0, minInterval = substeps;
for (let k = 1; k <= frames; k++) {
  const t0 = performance.now();
  const { interval } = sim.frame();
  wf.synchronize();
  seconds += (performance.now() - t0) / 1000;
  minInterval = Math.min(minInterval, interval);
  if (at.includes(k)) shots.push(snapshot(k));
  if (k % Math.max(1, Math.round(frames / 6)) === 0 || k === frames) {
    const s = sim.stats();
    console.log(`frame ${String(k).padStart(4)}: max speed ${s.vmax.toFixed(2)} m/s, top ${s.top.toFixed(2)} m, grid rebuilt every ${interval} substeps, ${(k / seconds).toFixed(1)} frames/s`);
  }
}
const final = sim.stats();
console.log(`${(frames / seconds).toFixed(2)} frames/s, ${((frames * substeps) / seconds).toFixed(0)} substeps/s (${substeps} substeps per frame; ${sim.builds} grid builds, every ${minInterval}+ substeps)`);

// --- the picture: side views (x right, y up), nearest grains last, coloured by speed ------------------
const W = 900, panelH = 300, pad = 14, head = 26;
const c = new Canvas(W, shots.length * (panelH + head) + pad + 40, [250, 250, 250, 255]);
const [bx, by] = [sim.box[0], sim.box[1] * 1.05];
const scale = Math.min((W - 2 * pad) / bx, (panelH - 8) / by);
const vTop = Math.max(1, ...shots.map((s) => maxSpeed(s.v)));
const ramp = (t) => {
  // A perceptual blue-green-yellow-red ramp.
  const stops = [[48, 18, 160], [30, 110, 230], [20, 190, 170], [140, 220, 60], [250, 200, 30], [230, 60, 20]];
  const u = Math.min(Math.max(t, 0), 1) * (stops.length - 1), k = Math.min(Math.floor(u), stops.length - 2), w = u - k;
  return stops[k].map((a, i) => Math.round(a + (stops[k + 1][i] - a) * w));
};
shots.forEach((s, p) => {
  const y0 = p * (panelH + head) + head;
  c.text(pad, y0 - 18, s.label, [40, 40, 40, 255], 2);
  const groundY = y0 + panelH - 4;
  c.rect(pad, groundY, Math.round(bx * scale), 2, [90, 90, 90, 255]);
  c.rect(pad - 2, groundY - Math.round(by * scale), 2, Math.round(by * scale) + 2, [90, 90, 90, 255]);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s.x[3 * b + 2] - s.x[3 * a + 2]);
  const r = Math.max(1, sim.radius * scale);
  for (const i of order) {
    const sp = Math.hypot(s.v[3 * i], s.v[3 * i + 1], s.v[3 * i + 2]);
    const [cr, cg, cb] = ramp(sp / vTop);
    const shade = 0.75 + 0.25 * (1 - s.x[3 * i + 2] / sim.box[2]);   // nearer grains brighter
    c.point(pad + s.x[3 * i] * scale, groundY - s.x[3 * i + 1] * scale, r, [cr * shade, cg * shade, cb * shade, 255]);
  }
});
// Colour bar: speed 0 .. vTop.
const barY = c.height - 30;
for (let k = 0; k < 300; k++) c.rect(pad + 90 + k, barY, 1, 10, [...ramp(k / 299), 255]);
c.text(pad, barY + 2, "SPEED", [40, 40, 40, 255], 2);
c.text(pad + 60, barY + 2, "0", [40, 40, 40, 255], 2);
c.text(pad + 396, barY + 2, `${vTop.toFixed(1)} M/S`, [40, 40, 40, 255], 2);
c.text(pad + 520, barY + 2, `${n} GRAINS, ${frames} FRAMES`, [40, 40, 40, 255], 2);
writeFileSync(outFile, c.toPNG());
console.log(`wrote ${outFile}`);

sim.dispose();
function maxSpeed(v) {
  let m = 0;
  for (let i = 0; i < v.length; i += 3) m = Math.max(m, Math.hypot(v[i], v[i + 1], v[i + 2]));
  return m;
}
if (!(final.top > 0 && final.top < sim.box[1] * 2 && Number.isFinite(final.vmax))) {
  console.error(`the grains left the box or blew up (top ${final.top}, max speed ${final.vmax})`);
  process.exitCode = 1;
}
