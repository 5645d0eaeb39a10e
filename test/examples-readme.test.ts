// The README's "Differentiable in ten lines" example, run exactly as written: the code block is
// taken from README.md and run in a fresh Node process against dist/ (the package as users get it),
// with only the import of weft put in front of it.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = process.cwd();
const dist = join(root, "dist", "engine", "index.js");

/** The first ```js block after the heading `heading` in README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading '${heading}'`);
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error(`README.md: no js code block after '${heading}'`);
  return m[1];
}

describe("README examples", () => {
  it("'Differentiable in ten lines' prints the gradient [32, 16, 8]", async () => {
    if (!existsSync(dist)) throw new Error("dist/ is missing: run `npm run build` (npm install does it)");
    const block = readmeBlock("### Differentiable in ten lines");
    expect(block).toContain("tape.backward(out)");
    expect(block).toContain("// [32, 16, 8]");
    const code = `import * as wf from ${JSON.stringify(dist)};\n${block}`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], { cwd: root, timeout: 120_000 });
    const printed = stdout.trim().split("\n").pop()!;
    expect(JSON.parse(printed.replace(/\s+/g, ""))).toEqual([32, 16, 8]);
  });
});
