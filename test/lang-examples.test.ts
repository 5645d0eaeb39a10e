// Kernel sources shipped with weft (examples/) compile, validate and lower.

import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { lowerModule } from "../engine/passes/pipeline.js";
import { compile } from "./fixtures/lang/run.js";

const roots = ["examples", "test/fixtures/lang/kernels"];
const files: string[] = [];
for (const r of roots) {
  if (!existsSync(r)) continue;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/kernels?\.ts$|\.kernel\.ts$/.test(e.name) || d.endsWith("kernels")) files.push(p);
    }
  };
  walk(r);
}

describe("shipped kernel sources", () => {
  test("there are some", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    test(f, () => {
      const mod = compile(readFileSync(f, "utf8"), f);
      expect(mod.funcs.some((x) => x.kind === "kernel")).toBe(true);
      lowerModule(mod, { dump: false });
    });
  }
});
