// The TypeScript Blosc decoder against frames made by the system libblosc (through the oracle), and the
// NanoVDB struct layout against the C++ compiler's offsetof/sizeof for NanoVDB's headers.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NanoVDBError, bloscDecompress, bloscFrameInfo, layout, lz4DecompressBlock } from "../engine/geometry/nanovdb/index.js";
import { SKIP_TOOLS, oracleJson, runOracle, scratchDir } from "./oracles/nanovdb/oracle.js";

function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  let i = 0;
  while (i + 4 <= n) {
    const mode = Math.floor(i / 5000) % 4;
    const v = mode === 0 ? Math.sin(i * 0.001) : mode === 1 ? 0 : mode === 2 ? r() : Math.floor(i / 64);
    dv.setFloat32(i, v, true);
    i += 4;
  }
  for (; i < n; i++) out[i] = i & 0xff;
  return out;
}

describe("LZ4 block decoder", () => {
  it("decodes literals and overlapping matches, rejects corrupt blocks", () => {
    // "abcabcabcabc" + "x": literal "abc", match offset 3 length 9, then literal "x"
    const block = new Uint8Array([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x78]);
    const out = new Uint8Array(13);
    expect(lz4DecompressBlock(block, 0, block.length, out, 0, out.length)).toBe(13);
    expect(new TextDecoder().decode(out)).toBe("abcabcabcabcx");
    const bad = block.slice();
    bad[4] = 9; // offset points before the output
    expect(() => lz4DecompressBlock(bad, 0, bad.length, new Uint8Array(13), 0, 13)).toThrow(NanoVDBError);
    expect(() => lz4DecompressBlock(block, 0, 5, new Uint8Array(13), 0, 13)).toThrow(NanoVDBError);
    expect(() => lz4DecompressBlock(block, 0, block.length, new Uint8Array(5), 0, 5)).toThrow(/overflow/);
  });
});

describe.skipIf(SKIP_TOOLS)("Blosc frames from libblosc", () => {
  it("blosclz, lz4, lz4hc and zlib with no/byte/bit shuffle, several typesizes and blocksizes", () => {
    const dir = scratchDir("blosc");
    const sizes = [1, 100, 4096, 200_003, 1_000_000];
    let frames = 0;
    const compressors = new Set<string>();
    for (const comp of ["blosclz", "lz4", "lz4hc", "zlib"]) {
      for (const shuffle of [0, 1, 2]) {
        for (const [typesize, blocksize] of [[4, 0], [4, 1 << 18], [8, 4096], [1, 0], [3, 16384], [32, 65536]]) {
          for (const clevel of comp === "blosclz" ? [1, 5, 9] : [9]) {
            const n = sizes[(frames * 7) % sizes.length];
            const data = sample(n, frames + 1);
            const inp = join(dir, "in.bin"), out = join(dir, "out.blosc");
            writeFileSync(inp, data);
            const r = JSON.parse(runOracle(["blosc", comp, String(clevel), String(shuffle), String(typesize), String(blocksize), inp, out]));
            for (const c of String(r.compressors).split(",")) compressors.add(c);
            const frame = new Uint8Array(readFileSync(out));
            const info = bloscFrameInfo(frame, 0, "frame");
            expect(info.nbytes).toBe(n);
            const got = bloscDecompress(frame, `${comp}/${shuffle}/${typesize}/${blocksize}`);
            const same = Buffer.from(got).equals(Buffer.from(data));
            if (!same) expect(`${comp} shuffle ${shuffle} typesize ${typesize} blocksize ${blocksize} n ${n}: differs`).toBe("");
            frames++;
          }
        }
      }
    }
    expect(frames).toBe(4 * 3 * 6 + 2 * 3 * 6);
    // frames with compressors weft does not decode fail with a message naming them
    if (compressors.has("zstd")) {
      const inp = join(dir, "in.bin"), out = join(dir, "out.blosc");
      writeFileSync(inp, sample(100_000, 3));
      runOracle(["blosc", "zstd", "5", "1", "4", "0", inp, out]);
      expect(() => bloscDecompress(new Uint8Array(readFileSync(out)), "zstd-frame")).toThrow(/zstd compressor/);
    }
  });
});

describe.skipIf(SKIP_TOOLS)("NanoVDB struct layout", () => {
  it("GridData, Map, TreeData and node layouts equal NanoVDB's offsetof/sizeof", () => {
    const o = oracleJson(["layout"]);
    const { GRID, MAP, TREE, GRID_DATA_SIZE, TREE_DATA_SIZE, FILE_HEADER_SIZE, FILE_META_SIZE, BLIND_META_SIZE } = layout;
    expect({ size: GRID_DATA_SIZE, ...GRID }).toEqual(o.grid);
    expect({ size: 264, ...MAP }).toEqual(o.map);
    expect({ size: TREE_DATA_SIZE, ...TREE }).toEqual(o.tree);
    expect([FILE_HEADER_SIZE, FILE_META_SIZE, BLIND_META_SIZE]).toEqual([o.fileHeader, o.fileMetaData, o.blindMetaData]);
    const names = Object.keys(o.types);
    expect(names.length).toBe(9);
    for (const name of names) {
      const t = Object.values(layout.VALUE_SPECS).find((v) => v.name === name)!;
      const l = layout.nodeLayout(t);
      const strip = ({ log2dim, total, ...rest }: any) => rest;
      expect({ root: l.root, tile: l.tile, upper: strip(l.upper), lower: strip(l.lower), leaf: l.leaf }, name).toEqual(o.types[name]);
    }
  });
});
