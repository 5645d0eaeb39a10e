// Creating NanoVDB volumes: denseToNanoVDB + writeNanoVDB. The files must be accepted by NanoVDB's
// own nanovdb_print and nanovdb_validate, NanoVDB's GridStats + checksum on a copy must reproduce the
// buffer byte for byte, and NanoVDB's lookups and samples must equal the dense input and weft's
// reference accessor.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  NanoGridAccessor, NanoVDBError, denseToNanoVDB, encodeNanoVDB, readNanoVDB, readNanoVDBFile, writeNanoVDB,
  type DenseGridOptions, type NanoGrid,
} from "../engine/geometry/nanovdb/index.js";
import { compareFile } from "./oracles/nanovdb/compare.js";
import { SKIP_TOOLS, assertTools, runOracle, runTool, scratchDir } from "./oracles/nanovdb/oracle.js";

const rnd = (seed: number) => () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

/** A sparse-ish field: a noisy blob plus a far-away second blob (negative coordinates, several uppers). */
function field(dims: [number, number, number], comps: number, kind: "float" | "double" | "int32"): { values: any; bg: number } {
  const [nx, ny, nz] = dims, r = rnd(42);
  const n = nx * ny * nz;
  const values = kind === "float" ? new Float32Array(n * comps) : kind === "double" ? new Float64Array(n * comps) : new Int32Array(n * comps);
  const bg = kind === "int32" ? -1 : 0.5;
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) for (let k = 0; k < nz; k++) {
    const idx = (i * ny + j) * nz + k;
    const d1 = Math.hypot(i - 10, j - 12, k - 9), d2 = Math.hypot(i - 30, j - 5, k - 25);
    for (let c = 0; c < comps; c++) {
      let v: number = bg;
      if (d1 < 7) v = Math.sin(0.3 * i + c) * Math.cos(0.2 * j) + 0.01 * k + (r() - 0.5) * 0.1;
      else if (d2 < 3.5) v = -2 + 0.25 * c + r();
      if (kind === "int32") v = v === bg ? bg : Math.round(v * 1000);
      values[idx * comps + c] = v;
    }
  }
  return { values, bg };
}

const CASES: { name: string; type: DenseGridOptions["gridType"]; kind: "float" | "double" | "int32"; comps: number; opts: Partial<DenseGridOptions> }[] = [
  { name: "f", type: "float", kind: "float", comps: 1, opts: { voxelSize: 0.5, origin: [1, -2, 3], indexOrigin: [-20, -8, -30], gridClass: "fogVolume" } },
  { name: "d", type: "double", kind: "double", comps: 1, opts: { voxelSize: [0.25, 0.5, 2], origin: [0, 0, 0], indexOrigin: [4090, -4100, 7], checksum: "full" } },
  { name: "i", type: "int32", kind: "int32", comps: 1, opts: { matrix: [0, -0.3, 0, 0.3, 0, 0, 0, 0, 0.3], origin: [5, 6, 7], indexOrigin: [-3, -3, -3] } },
  { name: "v3f", type: "vec3f", kind: "float", comps: 3, opts: { voxelSize: 0.1, indexOrigin: [-17, 0, 5], tolerance: 0.2, gridClass: "staggered" } },
  { name: "v3d", type: "vec3d", kind: "double", comps: 3, opts: { voxelSize: 2, origin: [-1, -1, -1], checksum: "none" } },
];

const DIMS: [number, number, number] = [37, 21, 33];

function build(c: (typeof CASES)[number]): { grid: NanoGrid; values: ArrayLike<number>; bg: number } {
  const { values, bg } = field(DIMS, c.comps, c.kind);
  const grid = denseToNanoVDB({
    values, dims: DIMS, gridType: c.type, name: `dense_${c.name}`, tolerance: 0,
    background: c.comps === 3 ? [bg, bg, bg] : bg, ...c.opts,
  });
  return { grid, values, bg };
}

describe("denseToNanoVDB (host)", () => {
  for (const c of CASES) {
    it(`${c.type}: every dense voxel reads back, outside reads the background`, () => {
      const { grid, values, bg } = build(c);
      const acc = new NanoGridAccessor(grid);
      const o = c.opts.indexOrigin ?? [0, 0, 0];
      const conv = c.kind === "float" ? Math.fround : (x: number) => x;
      let active = 0;
      for (let i = 0; i < DIMS[0]; i++) for (let j = 0; j < DIMS[1]; j++) for (let k = 0; k < DIMS[2]; k++) {
        const idx = (i * DIMS[1] + j) * DIMS[2] + k;
        const v = acc.getValue(o[0] + i, o[1] + j, o[2] + k);
        const want = Array.from({ length: c.comps }, (_, q) => conv(values[idx * c.comps + q]));
        const got = typeof v === "number" ? [v] : (v as number[]);
        const isBg = want.every((w) => w === conv(bg));
        const dist = Math.hypot(...want.map((w) => w - conv(bg)));
        const shouldBeActive = dist > (c.opts.tolerance ?? 0);
        if (shouldBeActive) active++;
        expect(acc.isActive(o[0] + i, o[1] + j, o[2] + k)).toBe(shouldBeActive);
        if (!isBg || shouldBeActive) expect(got).toEqual(want);
        else expect(got.every((g, q) => g === want[q] || g === conv(bg))).toBe(true);
      }
      expect(grid.tree.activeVoxelCount).toBe(active);
      expect(acc.getValue(1e6, 1e6, 1e6)).toEqual(c.comps === 3 ? [conv(bg), conv(bg), conv(bg)] : conv(bg));
      expect(grid.checksum.status).toBe(c.opts.checksum === "none" ? "absent" : "ok");
      // round trip through the file format, both codecs
      for (const codec of ["NONE", "ZIP"] as const) {
        const back = readNanoVDB(encodeNanoVDB([grid], { codec }), `roundtrip-${codec}`);
        expect(back.length).toBe(1);
        expect(Buffer.from(back[0].buffer).equals(Buffer.from(grid.buffer))).toBe(true);
        expect(back[0].name).toBe(`dense_${c.name}`);
      }
    });
  }

  it("an all-background array makes an empty but valid grid", () => {
    const g = denseToNanoVDB({ values: new Float32Array(8 * 8 * 8), dims: [8, 8, 8] });
    expect(g.rootTableSize).toBe(0);
    expect(g.tree.activeVoxelCount).toBe(0);
    expect(new NanoGridAccessor(g).getValue(3, 3, 3)).toBe(0);
    expect(readNanoVDB(encodeNanoVDB([g]))[0].gridSize).toBe(g.gridSize);
  });

  it("rejects bad input with NanoVDBError", () => {
    expect(() => denseToNanoVDB({ values: new Float32Array(7), dims: [2, 2, 2] })).toThrow(NanoVDBError);
    expect(() => denseToNanoVDB({ values: new Float32Array(8), dims: [2, 2, 2], gridType: "vec3f" })).toThrow(/24/);
    expect(() => denseToNanoVDB({ values: new Int32Array(8), dims: [2, 2, 2], gridClass: "levelSet" })).toThrow(/float or double/);
    expect(() => denseToNanoVDB({ values: new Float32Array(8), dims: [2, 2, 2], name: "x".repeat(300) })).toThrow(/255/);
    expect(() => denseToNanoVDB({ values: new Float32Array(8), dims: [2, 2, 2], matrix: [1, 0, 0, 0, 0, 0, 0, 0, 1] })).toThrow(/singular/);
    expect(() => encodeNanoVDB([], {})).toThrow(NanoVDBError);
    const g = denseToNanoVDB({ values: new Float32Array(8), dims: [2, 2, 2] });
    expect(() => encodeNanoVDB([g], { codec: "BLOSC" })).toThrow(/BLOSC/);
  });
});

describe.skipIf(SKIP_TOOLS)("writeNanoVDB files in NanoVDB's tools", () => {
  it("nanovdb_print and nanovdb_validate accept every grid; NanoVDB's stats reproduce the buffers; samples agree", () => {
    assertTools();
    const dir = scratchDir("write");
    const grids = CASES.map((c) => build(c).grid);
    const files: string[] = [];
    for (const codec of ["NONE", "ZIP"] as const) {
      const f = join(dir, `dense-${codec}.nvdb`);
      writeNanoVDB(grids, f, { codec });
      files.push(f);
      const chained = join(dir, `dense-${codec}-chained.nvdb`);
      writeNanoVDB(grids, chained, { codec, layout: "chained" });
      files.push(chained);
    }
    for (const f of files) {
      const print = runTool("nanovdb_print", ["-l", f]);
      expect(print.status, print.out).toBe(0);
      for (const c of CASES) if (!f.includes("chained")) expect(print.out).toContain(`dense_${c.name}`);
      const val = runTool("nanovdb_validate", ["-v", f]);
      expect(val.status, val.out).toBe(0);
      expect(val.out, val.out).not.toMatch(/failed/i);
      expect((val.out.match(/passed/g) ?? []).length, val.out).toBe(f.includes("chained") ? 1 : CASES.length);
      // NanoVDB's gridStats(All) + updateChecksum(Full) on a copy reproduces our bytes, except
      // the checksum words where we wrote a partial or no checksum
      const raw = join(dir, "restat.raw");
      runOracle(["restat", f, raw]);
      const restat = new Uint8Array(readFileSync(raw));
      const ours = readNanoVDBFile(f);
      let p = 0;
      for (const g of ours) {
        const theirs = restat.subarray(p, p + g.gridSize);
        p += g.gridSize;
        const a = Buffer.from(g.buffer), b = Buffer.from(theirs);
        a.fill(0, 8, 16); b.fill(0, 8, 16);
        const first = a.findIndex((v, i) => v !== b[i]);
        expect(first, `${f} grid ${g.name}: first differing byte ${first}`).toBe(-1);
        if (g.checksum.mode === "full") expect(Buffer.from(g.buffer).equals(Buffer.from(theirs))).toBe(true);
      }
      expect(p).toBe(restat.length);
      compareFile(f, 300);
    }
  });
});
