// The DEM example (examples/dem) on the cpu: main.js runs as documented and writes a PNG; the
// simulation (sim.js, through dist/ like any user) loses no contact to the hash grid between builds
// (its forces equal brute-force forces over all pairs at every checked substep), keeps every grain
// in the box and apart, collapses the column, and is deterministic (bit-identical reruns).
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readFileSync as read } from "node:fs";

const run = promisify(execFile);
const root = process.cwd();
const needDist = () => { if (!existsSync(join(root, "dist", "engine", "index.js"))) throw new Error("dist/ is missing: run `npm run build`"); };

describe("examples/dem", () => {
  it("main.js runs 1500 grains for 30 frames on the cpu and writes a PNG", async () => {
    needDist();
    const out = join(mkdtempSync(join(tmpdir(), "weft-dem-")), "dem.png");
    const { stdout } = await run(process.execPath, ["examples/dem/main.js", "--n", "1500", "--frames", "30", "--device", "cpu", "--out", out], { cwd: root, timeout: 300_000 });
    expect(stdout).toMatch(/weft DEM: 1500 grains \(radius 0\.05 m\), 30 frames x 64 substeps .* on cpu; hash grid \d+x\d+x\d+ cells/);
    expect(stdout).toMatch(/[\d.]+ frames\/s, \d+ substeps\/s \(64 substeps per frame; \d+ grid builds, every \d+\+ substeps\)/);
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(900);
  }, 300_000);

  it("loses no contact between grid builds: forces equal brute force over all pairs", async () => {
    needDist();
    const wf = await import("../dist/engine/index.js" as string);
    const { createDem } = await import("../examples/dem/sim.js" as string);
    // The example's own kernels plus an all-pairs version of its force kernel (same @funcs).
    const source = read(join(root, "examples/dem/kernels.ts"), "utf8") + `
@kernel
export function bruteForces(x: Array<vec3>, v: Array<vec3>, f: Array<vec3>, radius: f32, box: vec3, gate: f32, c: Contact, side: Contact): void {
  const i = tid();
  let acc = boundaries(x[i], v[i], radius, box, gate, c, side);
  for (let j = 0; j < x.length; j++) acc = acc + pairForce(i, x[i], v[i], j, x, v, radius, c);
  f[i] = acc;
}`;
    const brute = await wf.loadModule({ source, name: "dem_brute" }, { device: "cpu" });
    const sim = await createDem({ n: 1500, device: "cpu", gateTime: 0.25 });
    const fGrid = wf.zeros(sim.n, { dtype: wf.vec3 }), fAll = wf.zeros(sim.n, { dtype: wf.vec3 });
    let checked = 0, worst = 0, intervals = new Set<number>();
    for (let frame = 0; frame < 45; frame++) {
      const { interval } = sim.frame({
        onSubstep: (k: number) => {
          if (frame < 15 || k % 4 !== 3) return;   // after the gate lifts: the fast part
          const args = sim.forceArgs(fGrid);
          wf.launch(sim.module.kernels.forces, sim.n, args);
          const [, x, v, , radius, , box, gate, c, side] = args;
          wf.launch(brute.kernels.bruteForces, sim.n, [x, v, fAll, radius, box, gate, c, side]);
          const a = fGrid.toTypedArray(), b = fAll.toTypedArray();
          let scale = 0, diff = 0;
          for (let k2 = 0; k2 < a.length; k2++) { scale = Math.max(scale, Math.abs(b[k2])); diff = Math.max(diff, Math.abs(a[k2] - b[k2])); }
          worst = Math.max(worst, diff / scale);
          checked++;
        },
      });
      intervals.add(interval);
    }
    sim.dispose();
    expect(checked).toBeGreaterThan(400);
    // Sums in another order differ in the last bits; a missed contact would be a whole contact force.
    expect(worst).toBeLessThan(1e-4);
    // The grid was reused across substeps (the check is about stale grids).
    expect(Math.max(...intervals)).toBeGreaterThan(4);
  }, 300_000);

  it("keeps grains in the box and apart, collapses the column, and repeats bit for bit", async () => {
    needDist();
    const { createDem } = await import("../examples/dem/sim.js" as string);
    const runOnce = async () => {
      const sim = await createDem({ n: 1200, device: "cpu", gateTime: 0.25 });
      const x0 = sim.positions().slice();
      const tops = [];
      for (let k = 0; k < 60; k++) { sim.frame(); if (k % 10 === 9) tops.push(sim.stats().top); }
      const x = sim.positions().slice(), v = sim.velocities().slice();
      const info = { radius: sim.radius, box: sim.box, builds: sim.builds };
      sim.dispose();
      return { x0, x, v, tops, info };
    };
    const a = await runOnce();
    const { radius, box } = a.info;
    const n = a.x.length / 3;
    let minD = Infinity, maxX = 0;
    for (let i = 0; i < n; i++) {
      const [px, py, pz] = [a.x[3 * i], a.x[3 * i + 1], a.x[3 * i + 2]];
      expect(Number.isFinite(px + py + pz)).toBe(true);
      // Inside the box, up to a small elastic overlap with the walls.
      expect(py).toBeGreaterThan(0.8 * radius);
      expect(px).toBeGreaterThan(0.8 * radius);
      expect(px).toBeLessThan(box[0] - 0.8 * radius);
      expect(pz).toBeGreaterThan(0.8 * radius);
      expect(pz).toBeLessThan(box[2] - 0.8 * radius);
      maxX = Math.max(maxX, px);
      for (let j = i + 1; j < n; j++) {
        const d = Math.hypot(px - a.x[3 * j], py - a.x[3 * j + 1], pz - a.x[3 * j + 2]);
        minD = Math.min(minD, d);
      }
    }
    // A contact the grid missed would let two grains pass through each other.
    expect(minD).toBeGreaterThan(1.8 * radius);
    // The column (initially within x < box/3.5) spread past where the gate was, and came down.
    const x0max = Math.max(...Array.from({ length: n }, (_, i) => a.x0[3 * i]));
    expect(maxX).toBeGreaterThan(x0max + 4 * radius);
    expect(a.tops[a.tops.length - 1]).toBeLessThan(a.tops[0]);
    expect(a.info.builds).toBeGreaterThanOrEqual(60);
    const b = await runOnce();
    expect(Buffer.from(b.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(true);
    expect(Buffer.from(b.v.buffer).equals(Buffer.from(a.v.buffer))).toBe(true);
  }, 300_000);
});
