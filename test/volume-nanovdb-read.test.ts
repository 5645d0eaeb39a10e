// Reading .nvdb files: metadata of the real files, file variants of other NanoVDB versions (raw grid
// buffers, "NanoVDB1"/"NanoVDB2" magics, 32.7+ checksums), and errors: every malformed, truncated or
// unsupported input raises a NanoVDBError naming the file, the byte offset and what was expected — never
// another exception and never a hang (fuzzed with truncations and byte flips).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  NanoGridAccessor, NanoVDBError, computeChecksum, denseToNanoVDB, encodeNanoVDB, encodeVersion, readNanoVDB, readNanoVDBFile,
  type NanoGrid,
} from "../engine/geometry/nanovdb/index.js";
import { SHARED_DATA, SKIP_TOOLS, madeGrids, runTool } from "./oracles/nanovdb/oracle.js";

const BATCH = join(SHARED_DATA, "batch.nvdb");
const SMOKE = join(SHARED_DATA, "smoke-blosc.nvdb");

function smallGrid(): NanoGrid {
  const dims: [number, number, number] = [12, 10, 9];
  const v = new Float32Array(12 * 10 * 9);
  for (let i = 0; i < v.length; i++) v[i] = i % 7 === 0 ? 0 : Math.sin(i);
  return denseToNanoVDB({ values: v, dims, name: "small", indexOrigin: [-6, 3, -1], voxelSize: 0.5, checksum: "full" });
}

function expectNanoError(f: () => unknown, re: RegExp): NanoVDBError {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, `expected a NanoVDBError matching ${re}`).toBeInstanceOf(NanoVDBError);
  expect((err as Error).message).toMatch(re);
  return err as NanoVDBError;
}

describe("real files", () => {
  it("batch.nvdb: four chained float level sets in one BLOSC payload", () => {
    const grids = readNanoVDBFile(BATCH);
    expect(grids.map((g) => [g.name, g.gridTypeName, g.gridClassName, g.versionString, g.codec, g.gridIndex, g.gridCount]))
      .toEqual([0, 1, 2, 3].map((i) => ["z", "float", "levelSet", "32.5.0", "BLOSC", i, 4]));
    expect(grids.map((g) => g.tree.activeVoxelCount)).toEqual([774, 764, 622, 548]);
    expect(grids[0].fileMeta!.gridSize).toBe(grids.reduce((n, g) => n + g.gridSize, 0));
    expect(grids[0].indexBBox).toEqual([[-6, -10, -6], [6, 10, 6]]);
    // NanoVDB's own validator rejects these checksums too (they predate the chaining of the grids)
    expect(grids.every((g) => g.checksum.mode === "partial" && g.checksum.status === "mismatch")).toBe(true);
    for (const g of grids) {
      expect(g.buffer.byteOffset).toBe(0);
      expect(g.buffer.length).toBe(g.gridSize);
      expect(g.map.matD[0]).toBe(1);
      expect(g.map.taperD).toBe(1);
    }
  });

  it("smoke-blosc.nvdb: one float fog grid with a verified partial checksum", () => {
    const [g] = readNanoVDBFile(SMOKE);
    expect([g.name, g.gridTypeName, g.gridClassName, g.versionString, g.codec]).toEqual(["", "float", "unknown", "32.4.2", "BLOSC"]);
    expect(g.tree.nodeCount).toEqual([3117, 2, 1]);
    expect(g.tree.activeVoxelCount).toBe(1049275);
    expect(g.indexBBox).toEqual([[1, 2, 1], [111, 223, 112]]);
    expect(g.worldBBox).toEqual([[1, 2, 1], [112, 224, 113]]);
    expect(g.checksum).toMatchObject({ mode: "partial", status: "ok" });
    const acc = new NanoGridAccessor(g);
    expect(acc.getValue(-100, 0, 0)).toBe(0);
  });
});

describe("files of other NanoVDB versions", () => {
  it("raw grid buffers (32.6+), NanoVDB1 grids and NanoVDB2 files, 32.7+ checksums", () => {
    const g = smallGrid();
    const acc0 = new NanoGridAccessor(g);
    // a 32.4 grid buffer without a file header
    const raw = readNanoVDB(g.buffer, "raw");
    expect(raw.length).toBe(1);
    expect(raw[0].codec).toBe("NONE");
    expect(raw[0].checksum.status).toBe("ok");
    // a 32.7-style grid: magic NanoVDB1, checksum over GridData+TreeData and 4 KiB blocks
    const b = g.buffer.slice();
    const dv = new DataView(b.buffer);
    b.set(new TextEncoder().encode("NanoVDB1"), 0);
    dv.setUint32(16, encodeVersion(32, 7, 0), true);
    const parsed = readNanoVDB(b, "v7", { checksum: false })[0];
    const [lo, hi] = computeChecksum(b, parsed, "full");
    dv.setUint32(8, lo, true);
    dv.setUint32(12, hi, true);
    const v7 = readNanoVDB(b, "v7")[0];
    expect([v7.versionString, v7.magic, v7.checksum.status]).toEqual(["32.7.0", "NanoVDB1", "ok"]);
    // two of them chained in a raw buffer
    const two = new Uint8Array(2 * b.length);
    two.set(b, 0);
    two.set(b, b.length);
    expect(readNanoVDB(two, "chain").length).toBe(2);
    // a 32.8 file: FileHeader magic NanoVDB2
    const file = encodeNanoVDB([v7], { codec: "ZIP" });
    file.set(new TextEncoder().encode("NanoVDB2"), 0);
    new DataView(file.buffer).setUint32(8, encodeVersion(32, 8, 0), true);
    const v8 = readNanoVDB(file, "v8");
    expect(v8[0].versionString).toBe("32.7.0");
    const acc = new NanoGridAccessor(v8[0]);
    for (let i = -8; i < 8; i++) expect(acc.getValue(i, 5, 2)).toBe(acc0.getValue(i, 5, 2));
    // several segments in one file (32.8+ writes one segment per grid handle)
    const seg2 = encodeNanoVDB([g, v7], { codec: "ZIP" });
    const segs = new Uint8Array(file.length + seg2.length);
    segs.set(file, 0);
    segs.set(seg2, file.length);
    expect(readNanoVDB(segs, "segments").map((x) => x.versionString)).toEqual(["32.7.0", "32.4.2", "32.7.0"]);
    // a 32.6 raw grid: NanoVDB0 magic with NanoVDB1 in mData2
    const b6 = g.buffer.slice();
    b6.set(new TextEncoder().encode("NanoVDB1"), 664);
    new DataView(b6.buffer).setUint32(16, encodeVersion(32, 6, 0), true);
    expect(readNanoVDB(b6, "v6", { checksum: false })[0].versionString).toBe("32.6.0");
  });

  it.skipIf(SKIP_TOOLS)("quantized grids (Fp16) are listed; asking for their values is a clear error", () => {
    const dir = madeGrids();
    const f = join(dir, "ls-fp16.nvdb");
    const r = runTool("nanovdb_convert", ["-f", "--fp16", join(dir, "ls.vdb"), f]);
    expect(r.status, r.out).toBe(0);
    const [g] = readNanoVDBFile(f);
    expect(g.gridTypeName).toBe("fp16");
    expect(g.layout).toBeUndefined();
    expect(g.tree.activeVoxelCount).toBeGreaterThan(0);
    expectNanoError(() => new NanoGridAccessor(g), /unsupported grid type fp16/);
  });
});

describe("errors", () => {
  const good = encodeNanoVDB([smallGrid()]);

  it("wrong magic, other endianness, OpenVDB files, versions, codecs, counts", () => {
    let e = expectNanoError(() => readNanoVDB(new TextEncoder().encode("Hello, world! not a file"), "x.nvdb"), /bad magic "Hello, w"/);
    expect(e.source).toBe("x.nvdb");
    expect(e.offset).toBe(0);
    expect(e.message).toContain("expected");
    const rev = good.slice();
    rev.set(new TextEncoder().encode("0BDVonaN"), 0);
    expectNanoError(() => readNanoVDB(rev, "rev"), /big-endian/);
    expectNanoError(() => readNanoVDB(new Uint8Array([0x20, 0x42, 0x44, 0x56, 0, 0, 0, 0, 1, 2]), "a.vdb"), /OpenVDB/);
    const v = good.slice();
    new DataView(v.buffer).setUint32(8, encodeVersion(32, 2, 0), true);
    e = expectNanoError(() => readNanoVDB(v, "old"), /unsupported NanoVDB version 32\.2\.0/);
    expect(e.offset).toBe(8);
    new DataView(v.buffer).setUint32(8, encodeVersion(33, 0, 0), true);
    expectNanoError(() => readNanoVDB(v, "new"), /33\.0\.0.*expected 32\.3\.x - 32\.9\.x/);
    const c = good.slice();
    new DataView(c.buffer).setUint16(14, 3, true);
    e = expectNanoError(() => readNanoVDB(c, "codec"), /unsupported codec 3/);
    expect(e.offset).toBe(14);
    const z = good.slice();
    new DataView(z.buffer).setUint16(12, 0, true);
    expectNanoError(() => readNanoVDB(z, "zero"), /zero grids/);
    expectNanoError(() => readNanoVDB(good.subarray(0, 5), "tiny"), /too short/);
    expectNanoError(() => readNanoVDBFile("/nonexistent/file.nvdb"), /cannot read the file/);
  });

  it("truncations at every kind of boundary", () => {
    const batch = new Uint8Array(readFileSync(BATCH));
    for (const bytes of [good, batch, encodeNanoVDB([smallGrid()], { codec: "ZIP" })]) {
      const cuts = [8, 15, 16, 100, 191, 192, 193, 200, 300, 1000, bytes.length - 1000, bytes.length - 100, bytes.length - 1];
      for (const n of cuts) {
        if (n <= 0 || n >= bytes.length) continue;
        expectNanoError(() => readNanoVDB(bytes.subarray(0, n), "cut.nvdb"), /cut\.nvdb/);
      }
    }
  });

  it("fuzz: random byte flips and truncations never escape as other errors", () => {
    const inputs = [good, encodeNanoVDB([smallGrid()], { codec: "ZIP" }), new Uint8Array(readFileSync(BATCH)), smallGrid().buffer];
    let seed = 12345;
    const r = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    let ok = 0, rejected = 0;
    const t0 = Date.now();
    const N = Number(process.env.WEFT_NANOVDB_FUZZ ?? 600); // more iterations on demand
    for (let iter = 0; iter < N; iter++) {
      const src = inputs[iter % inputs.length];
      let bytes = src.slice();
      const flips = 1 + Math.floor(r() * 6);
      for (let f = 0; f < flips; f++) {
        // bias flips towards the headers and node tables, where they matter most
        const pos = r() < 0.6 ? Math.floor(r() * Math.min(bytes.length, 4096)) : Math.floor(r() * bytes.length);
        bytes[pos] ^= 1 << Math.floor(r() * 8);
      }
      if (r() < 0.2) bytes = bytes.subarray(0, Math.floor(r() * bytes.length));
      try {
        const grids = readNanoVDB(bytes, "fuzz.nvdb");
        for (const g of grids) {
          if (!g.layout) continue;
          const acc = new NanoGridAccessor(g);
          const [lo, hi] = g.indexBBox;
          for (let s = 0; s < 50; s++) {
            const p = [0, 1, 2].map((a) => (lo[a] <= hi[a] && hi[a] - lo[a] < 1e6 ? lo[a] + r() * (hi[a] - lo[a]) : r() * 100 - 50));
            acc.getValue(Math.round(p[0]), Math.round(p[1]), Math.round(p[2]));
            if (g.gridType === 1 || g.gridType === 2) {
              acc.sampleTrilinear(p[0], p[1], p[2]);
              acc.gradient(p[0], p[1], p[2]);
            }
          }
        }
        ok++;
      } catch (e) {
        if (!(e instanceof NanoVDBError)) throw new Error(`iteration ${iter}: ${(e as Error).stack}`);
        expect(e.message).toMatch(/^NanoVDB: fuzz\.nvdb/);
        rejected++;
      }
    }
    expect(ok + rejected).toBe(N);
    expect(rejected).toBeGreaterThan(N / 6);
    if (N === 600) expect(Date.now() - t0).toBeLessThan(50_000);
  });
});
