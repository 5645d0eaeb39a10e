// examples/particles runs (small --n and --steps on the cpu) and reports what it promises.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = process.cwd();

describe("examples/particles", () => {
  it("runs 2000 particles for 60 steps on the cpu", async () => {
    if (!existsSync(join(root, "dist", "engine", "index.js"))) throw new Error("dist/ is missing: run `npm run build`");
    const { stdout } = await run(process.execPath, ["examples/particles/main.js", "--n", "2000", "--steps", "60", "--device", "cpu"], { cwd: root, timeout: 120_000 });
    expect(stdout).toContain("weft particles: 2000 particles, 60 steps on cpu");
    const ke = /kinetic energy per particle: ([\d.]+) -> ([\d.]+) J\/kg; lowest y = (-?[\d.]+) m/.exec(stdout);
    expect(ke, stdout).not.toBe(null);
    // Falling from rest (sideways velocities only): kinetic energy grows, nobody sinks below y = 0.
    expect(Number(ke![2])).toBeGreaterThan(Number(ke![1]));
    expect(Number(ke![3])).toBeGreaterThanOrEqual(0);
    expect(stdout).toMatch(/[\d.]+ steps\/s \([\d.]+ M particle-steps\/s\)/);
  });
});
