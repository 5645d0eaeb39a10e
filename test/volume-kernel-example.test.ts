// examples/volume-collision runs (few particles and steps, on the cpu) and reports what it promises:
// particles come to rest on the NanoVDB torus and on the ground, none penetrates the level set, and
// the side view is a PNG.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = process.cwd();

describe("examples/volume-collision", () => {
  it("drops 2000 particles onto the torus level set for 900 steps on the cpu", async () => {
    if (!existsSync(join(root, "dist", "engine", "index.js"))) throw new Error("dist/ is missing: run `npm run build`");
    const dir = mkdtempSync(join(tmpdir(), "weft-volume-example-"));
    const png = join(dir, "side.png"), nvdb = join(dir, "torus.nvdb");
    const { stdout } = await run(process.execPath, ["examples/volume-collision/main.js", "--n", "2000", "--steps", "900", "--device", "cpu", "--out", png, "--save", nvdb],
      { cwd: root, timeout: 240_000 });
    expect(stdout).toMatch(/wf\.Volume \d+ "torus" \(float levelSet, \d+ active voxels\) on cpu/);
    const rest = /resting on the torus (\d+), on the ground (\d+), elsewhere (\d+)/.exec(stdout);
    expect(rest, stdout).not.toBe(null);
    const [onTorus, onGround, elsewhere] = rest!.slice(1).map(Number);
    expect(onTorus + onGround + elsewhere).toBe(2000);
    expect(onTorus).toBeGreaterThan(100);
    expect(onGround).toBeGreaterThan(100);
    const pen = /deepest penetration of the level set ([\d.e+-]+) m \(voxel ([\d.]+) m\)/.exec(stdout);
    expect(Number(pen![1])).toBeLessThan(0.1 * Number(pen![2]));
    expect(stdout).toMatch(/[\d.]+ steps\/s, [\d.]+ M particle-steps\/s/);
    const bytes = readFileSync(png);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(readFileSync(nvdb).subarray(0, 8).toString("latin1")).toBe("NanoVDB0");
  }, 300_000);
});
