// The host-side NanoVDB reader and reference accessor against NanoVDB itself: for the real files in
// shared/data/nanovdb and for grids made by NanoVDB's GridBuilder and OpenVDB's vdb_tool +
// nanovdb_convert, every grid's metadata, getValue, nearest and trilinear samples, gradients and
// index<->world maps must equal what NanoVDB 32.4 computes (bit for bit).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareFile } from "./oracles/nanovdb/compare.js";
import { SHARED_DATA, SKIP_TOOLS, assertTools, madeGrids } from "./oracles/nanovdb/oracle.js";

describe("NanoVDB oracle: the tools are installed", () => {
  it.skipIf(SKIP_TOOLS)("nanovdb_print, nanovdb_validate, nanovdb_convert, vdb_tool, headers and g++", () => {
    assertTools();
  });
});

describe.skipIf(SKIP_TOOLS)("NanoVDB oracle: real files", () => {
  it("batch.nvdb (32.5.0, BLOSC, 4 chained float level sets) matches NanoVDB", () => {
    const { grids, checked } = compareFile(join(SHARED_DATA, "batch.nvdb"));
    expect(grids.length).toBe(4);
    expect(grids.map((g) => g.gridIndex)).toEqual([0, 1, 2, 3]);
    expect(checked).toBe(4 * 600);
  });

  it("smoke-blosc.nvdb (32.4.2, BLOSC, float fog) matches NanoVDB", () => {
    const { grids } = compareFile(join(SHARED_DATA, "smoke-blosc.nvdb"), 1500);
    expect(grids.length).toBe(1);
    expect(grids[0].tree.activeVoxelCount).toBe(1049275);
  });
});

describe.skipIf(SKIP_TOOLS)("NanoVDB oracle: grids made by NanoVDB and OpenVDB tools", () => {
  it("every made grid matches NanoVDB", () => {
    const dir = madeGrids();
    const files = readdirSync(dir).filter((f) => f.endsWith(".nvdb")).sort();
    expect(files.length).toBeGreaterThanOrEqual(11);
    const seenTypes = new Set<string>(), seenCodecs = new Set<string>();
    for (const f of files) {
      const { grids } = compareFile(join(dir, f), 400);
      for (const g of grids) { seenTypes.add(g.gridTypeName); seenCodecs.add(g.codec!); }
    }
    expect([...seenTypes].sort()).toEqual(["double", "float", "int32", "int64", "uint32", "vec3d", "vec3f", "vec4d", "vec4f"]);
    expect([...seenCodecs].sort()).toEqual(["BLOSC", "NONE", "ZIP"]);
    expect(existsSync(dir)).toBe(true);
  });
});
