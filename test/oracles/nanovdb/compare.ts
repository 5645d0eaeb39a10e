// Compares weft's NanoVDB reader and NanoGridAccessor with the C++ oracle (NanoVDB itself) on one file.
import { join } from "node:path";
import { expect } from "vitest";
import { NanoGridAccessor, type NanoGrid, readNanoVDBFile } from "../../../engine/geometry/nanovdb/index.js";
import { SAMPLED_TYPES } from "../../../engine/geometry/nanovdb/layout.js";
import { oracleJson, scratchDir, testPoints, writePoints } from "./oracle.js";

const f32 = Math.fround;

/** Oracle numbers are printed with %.9g (floats) or %.17g (doubles): compare after rounding. */
function same(actual: unknown, expected: unknown, single: boolean): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((e, i) => same(actual[i], e, single));
  if (typeof actual === "bigint") return actual === BigInt(expected as number);
  const a = actual as number, e = expected as number;
  if (Number.isNaN(e)) return Number.isNaN(a);
  return single ? f32(a) === f32(e) : a === e;
}

interface OraclePoint { v: unknown; va: unknown; on: boolean; n?: unknown; t?: unknown; tn?: unknown; g?: number[]; w: number[]; wi: number[]; wF: number[]; wiF: number[]; wd: number[]; gw: number[] }

export function compareFile(file: string, nPoints = 600): { grids: NanoGrid[]; checked: number } {
  const grids = readNanoVDBFile(file);
  const dir = scratchDir("pts");
  const bbox = grids.reduce<[[number, number, number], [number, number, number]]>(
    (b, g) => [[0, 1, 2].map((a) => Math.min(b[0][a], g.indexBBox[0][a])) as any, [0, 1, 2].map((a) => Math.max(b[1][a], g.indexBBox[1][a])) as any],
    [[1e9, 1e9, 1e9], [-1e9, -1e9, -1e9]],
  );
  const pts = testPoints(bbox, nPoints, 7);
  writePoints(join(dir, "p.txt"), pts);
  const o = oracleJson<{ grids: any[] }>(["sample", file, join(dir, "p.txt")]);
  expect(o.grids.length, `${file}: grid count`).toBe(grids.length);
  let checked = 0;
  grids.forEach((g, gi) => {
    const og = o.grids[gi];
    const tag = `${file} grid ${gi} "${g.name}"`;
    expect(g.name, tag).toBe(og.name);
    expect(g.gridType, tag).toBe(og.gridType);
    expect(g.gridClass, tag).toBe(og.gridClass);
    expect([g.gridIndex, g.gridCount, g.gridSize], tag).toEqual([og.gridIndex, og.gridCount, og.gridSize]);
    expect(g.versionString, tag).toBe(og.version);
    expect(g.flags, tag).toBe(og.flags);
    expect(g.checksum.stored, tag).toBe(og.checksum);
    expect(g.tree.activeVoxelCount, tag).toBe(og.voxelCount);
    expect(g.tree.nodeCount, tag).toEqual(og.nodeCount);
    expect(g.tree.tileCount, tag).toEqual(og.tileCount);
    expect(g.tree.nodeOffset, tag).toEqual(og.nodeOffset);
    expect(g.indexBBox, tag).toEqual(og.indexBBox);
    expect(same(g.worldBBox, og.worldBBox, false), `${tag} world bbox`).toBe(true);
    expect(same(g.voxelSize, og.voxelSize, false), `${tag} voxel size`).toBe(true);
    // the stored checksum is verified exactly when NanoVDB verifies it (fVDB's 32.5 batch fails in both)
    if (og.checksumChecked) expect(g.checksum.status, `${tag} checksum`).toBe(og.checksumOk ? "ok" : "mismatch");
    if (!g.layout) return;
    const acc = new NanoGridAccessor(g);
    const single = g.layout.value.kind === "f32";
    expect(same(acc.background, og.background, single), `${tag} background`).toBe(true);
    pts.forEach((p, i) => {
      const e: OraclePoint = og.points[i];
      const at = `${tag} point ${i} (${p.join(", ")})`;
      const ijk = p.map((v) => Math.floor(v + 0.5));
      const v = acc.getValue(ijk[0], ijk[1], ijk[2]);
      if (!same(v, e.v, single) || !same(v, e.va, single)) expect(v, `${at} getValue`).toEqual(e.v);
      expect(acc.isActive(ijk[0], ijk[1], ijk[2]), `${at} active`).toBe(e.on);
      if (SAMPLED_TYPES.has(g.gridType)) {
        const n = acc.sampleNearest(p[0], p[1], p[2]);
        if (!same(n, e.n, single)) expect(n, `${at} nearest`).toEqual(e.n);
        const t = acc.sampleTrilinear(p[0], p[1], p[2]);
        if (!same(t, e.t, single) || !same(t, e.tn, single)) expect(t, `${at} trilinear`).toEqual(e.t);
      }
      if (e.g) {
        const gr = acc.gradient(p[0], p[1], p[2]);
        if (!same(gr, e.g, single)) expect(gr, `${at} gradient`).toEqual(e.g);
      }
      const xyz = p as [number, number, number];
      const checks: [string, unknown, unknown, boolean][] = [
        ["indexToWorld", acc.indexToWorld(xyz), e.w, false],
        ["worldToIndex", acc.worldToIndex(acc.indexToWorld(xyz)), e.wi, false],
        ["indexToWorldF", acc.indexToWorldF(xyz), e.wF, true],
        ["worldToIndexF", acc.worldToIndexF(acc.indexToWorldF(xyz)), e.wiF, true],
        ["indexToWorldDir", acc.indexToWorldDir(xyz), e.wd, false],
        ["indexToWorldGrad", acc.indexToWorldGrad(xyz), e.gw, false],
      ];
      for (const [what, a, b, s] of checks) if (!same(a, b, s)) expect(a, `${at} ${what}`).toEqual(b);
      checked++;
    });
  });
  return { grids, checked };
}

