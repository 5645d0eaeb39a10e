// The `weft` command as installed (dist/engine/cli.js, run in a child process): errors in the
// kernel source are `file:line:col: error:` messages with exit status 1, never "internal error".
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cli = join(process.cwd(), "dist", "engine", "cli.js");

function weft(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WEFT_QUIET: "1" } });
    return { code: 0, stdout, stderr: "" };
  } catch (e: any) {
    return { code: e.status ?? -1, stdout: String(e.stdout ?? ""), stderr: String(e.stderr ?? "") };
  }
}

const MIXED = `import { tid, Array, f32, i32 } from "weft/kernels";

@kernel export function good(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = x[i] * x[i];
}

@kernel export function bad(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = f32(i32(x[i] * 4.0));
}
`;

describe("weft compile (dist/engine/cli.js)", () => {
  let dir = "";
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error("dist/ is missing: run `npm run build` (npm install does it)");
    dir = mkdtempSync(join(tmpdir(), "weft-cli-"));
    writeFileSync(join(dir, "mixed.ts"), MIXED);
    writeFileSync(join(dir, "typo.ts"), `@kernel export function k(x: Array<f32>): void {\n  x[tid()] = vel;\n}\n`);
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it("--emit adjoint: a kernel that cannot be differentiated is a located error, exit status 1", () => {
    const r = weft(["compile", "mixed.ts", "--emit", "adjoint"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("mixed.ts:10:14: error: converting a differentiable value to i32 cuts its gradient (integer math is not differentiable)\n");
    expect(r.stdout).toBe("");
  });

  it("--emit adjoint --kernel picks the differentiable kernel", () => {
    const r = weft(["compile", "mixed.ts", "--emit", "adjoint", "--kernel", "good"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kernel good__adj\(/);
  });

  it("a frontend error is a located error, exit status 1, at every --emit", () => {
    for (const emit of ["ir", "lowered", "adjoint", "wat"]) {
      const r = weft(["compile", "typo.ts", "--emit", emit], dir);
      expect(r.code, emit).toBe(1);
      expect(r.stderr, emit).toMatch(/^typo\.ts:2:14: error: unknown name 'vel'/);
      expect(r.stderr, emit).not.toMatch(/internal error|\n\s+at /);
    }
  });
});
