// Writing .nvdb files: one segment (FileHeader "NanoVDB0", one FileMetaData + name per grid, then the
// payloads), codec NONE or ZIP. Readable by NanoVDB 32.3 - 32.9 (all accept the "NanoVDB0" file magic).
import { writeFileSync } from "node:fs";
import { computeChecksum } from "./checksum.js";
import { encodePayload } from "./codecs.js";
import { NanoVDBError } from "./errors.js";
import { type NanoGrid, parseGrid } from "./grid.js";
import { CODEC_NAMES, type CodecName, MAGIC_NUMB, stringHash, writeMagic } from "./header.js";
import { FILE_HEADER_SIZE, FILE_META_SIZE, GRID } from "./layout.js";

export interface WriteOptions {
  codec?: CodecName;
  /**
   * "separate" (default): one payload per grid, each with gridIndex 0 and gridCount 1 (as NanoVDB's
   * writeGrids does), checksums recomputed when they were valid. "chained": all grids in one payload
   * with gridIndex 0..n-1 and gridCount n (as an fVDB batch).
   */
  layout?: "separate" | "chained";
}

/** Copy of a grid buffer with gridIndex/gridCount set, its checksum recomputed in the same mode. */
function withIndex(g: NanoGrid, index: number, count: number): Uint8Array {
  const b = g.buffer.slice();
  const dv = new DataView(b.buffer);
  if (dv.getUint32(GRID.gridIndex, true) === index && dv.getUint32(GRID.gridCount, true) === count) return b;
  dv.setUint32(GRID.gridIndex, index, true);
  dv.setUint32(GRID.gridCount, count, true);
  if (g.checksum.status === "ok" && g.checksum.mode !== "none") {
    const parsed = parseGrid(b, 0, g.source, 0, { checksum: false, validate: false });
    const words = g.checksum.note?.includes("4-byte") ? 4 : 8;
    const [lo, hi] = computeChecksum(b, parsed, g.checksum.mode, words);
    dv.setUint32(GRID.checksum, lo, true);
    dv.setUint32(GRID.checksum + 4, hi, true);
  }
  return b;
}

/** Encodes grids as a .nvdb file image. */
export function encodeNanoVDB(grids: NanoGrid[], opts: WriteOptions = {}): Uint8Array {
  const codec = opts.codec ?? "NONE";
  const codecNumber = CODEC_NAMES.indexOf(codec);
  if (codecNumber < 0 || codec === "BLOSC") {
    throw new NanoVDBError(`cannot write codec ${String(codec)}`, "<writer>", -1, "NONE or ZIP");
  }
  if (!grids.length) throw new NanoVDBError("no grids to write", "<writer>", -1, "at least one grid");
  if (grids.length > 65535) throw new NanoVDBError(`${grids.length} grids do not fit one segment`, "<writer>", -1, "at most 65535 grids");
  const chained = opts.layout === "chained";
  const buffers = grids.map((g, i) => (chained ? withIndex(g, i, grids.length) : withIndex(g, 0, 1)));
  // entries: one per grid, or one for the whole chain (named after the first grid, as NanoVDB does)
  const entries = chained ? [{ grid: grids[0], data: concat(buffers) }] : grids.map((g, i) => ({ grid: g, data: buffers[i] }));
  const payloads = entries.map((e) => encodePayload(e.data, codec));
  const names = entries.map((e) => new TextEncoder().encode(e.grid.name));
  let size = FILE_HEADER_SIZE;
  entries.forEach((_, i) => (size += FILE_META_SIZE + names[i].length + 1 + payloads[i].length));
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  writeMagic(out, 0, MAGIC_NUMB);
  dv.setUint32(8, grids[0].version.id, true);
  dv.setUint16(12, entries.length, true);
  dv.setUint16(14, codecNumber, true);
  let p = FILE_HEADER_SIZE;
  entries.forEach((e, i) => {
    const g = e.grid;
    dv.setBigUint64(p, BigInt(e.data.length), true);
    dv.setBigUint64(p + 8, BigInt(payloads[i].length), true);
    dv.setBigUint64(p + 16, stringHash(g.name), true);
    dv.setBigUint64(p + 24, BigInt(g.tree.activeVoxelCount), true);
    dv.setUint32(p + 32, g.gridType, true);
    dv.setUint32(p + 36, g.gridClass, true);
    for (let a = 0; a < 3; a++) {
      dv.setFloat64(p + 40 + 8 * a, g.worldBBox[0][a], true);
      dv.setFloat64(p + 64 + 8 * a, g.worldBBox[1][a], true);
      dv.setInt32(p + 88 + 4 * a, g.indexBBox[0][a], true);
      dv.setInt32(p + 100 + 4 * a, g.indexBBox[1][a], true);
      dv.setFloat64(p + 112 + 8 * a, g.voxelSize[a], true);
    }
    dv.setUint32(p + 136, names[i].length + 1, true);
    for (let l = 0; l < 3; l++) dv.setUint32(p + 140 + 4 * l, g.tree.nodeCount[l], true);
    dv.setUint32(p + 152, 1, true);
    for (let l = 0; l < 3; l++) dv.setUint32(p + 156 + 4 * l, g.tree.tileCount[l], true);
    dv.setUint16(p + 168, codecNumber, true);
    dv.setUint32(p + 172, g.version.id, true);
    out.set(names[i], p + FILE_META_SIZE);
    p += FILE_META_SIZE + names[i].length + 1;
  });
  for (const pl of payloads) {
    out.set(pl, p);
    p += pl.length;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let p = 0;
  for (const b of parts) { out.set(b, p); p += b.length; }
  return out;
}

/** Writes grids to a .nvdb file. */
export function writeNanoVDB(grids: NanoGrid[], path: string, opts: WriteOptions = {}): void {
  const bytes = encodeNanoVDB(grids, opts);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new NanoVDBError(`cannot write the file (${(e as Error).message})`, path, -1);
  }
}
