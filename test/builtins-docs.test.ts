// docs/builtins.md carries signature tables generated from the registry; they must be current.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderBuiltinTables, updateDoc } from "../engine/tools/gen-builtin-docs.js";
import { allBuiltins } from "../engine/builtins/index.js";

const file = new URL("../docs/builtins.md", import.meta.url);

describe("docs/builtins.md", () => {
  it("has current generated tables (regenerate: node dist/engine/tools/gen-builtin-docs.js)", () => {
    const doc = readFileSync(file, "utf8");
    if (process.env.WEFT_UPDATE_DOCS === "1") writeFileSync(file, updateDoc(doc));
    expect(updateDoc(readFileSync(file, "utf8"))).toBe(readFileSync(file, "utf8"));
  });
  it("lists every public builtin, and each has a signature", () => {
    const tables = renderBuiltinTables();
    for (const b of allBuiltins()) {
      expect(b.sigs.length, b.name).toBeGreaterThan(0);
      if (!b.internal) expect(tables).toContain(`| \`${b.name}\` |`);
    }
  });
  it("mentions every public builtin in the prose, too", () => {
    const doc = readFileSync(file, "utf8");
    const prose = doc.slice(0, doc.indexOf("<!-- BEGIN GENERATED"));
    const ops = new Set(["add", "sub", "mul", "div", "neg", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "band", "bor", "bxor", "shl", "shr", "bnot"]);
    const missing = allBuiltins().filter((b) => !b.internal && !ops.has(b.name) && !prose.includes(b.name)).map((b) => b.name);
    expect(missing).toEqual([]);
  });
});
