// GridData::mChecksum: two CRC32s (IEEE polynomial, as zlib's crc32), the "head" in the low 32 bits
// and the "tail" in the high 32 bits. All 64 bits set: no checksum. High 32 bits set: head only
// ("partial"). Two definitions exist:
//
//  version <= 32.6.0   head = CRC of bytes [16, end of the root tiles) (GridData after magic and
//                      checksum, TreeData, RootData, root tiles); tail = CRC of the array of per-node
//                      CRCs (upper nodes, then lower, then leaves; each node's sizeof bytes). NanoVDB
//                      32.4 keeps that array as std::uint_fast32_t, 8 bytes per entry on LP64 Linux;
//                      later releases (re-implementing the old checksum) use 4-byte entries. Both are
//                      accepted when verifying.
//  version >  32.6.0   head = CRC of bytes [16, 736) (GridData and TreeData); tail = CRC of the array
//                      of CRCs of consecutive 4 KiB blocks of bytes [736, gridSize) (the last block
//                      takes the remainder).
import { GRID_DATA_SIZE, GridFlags, TREE_DATA_SIZE } from "./layout.js";
import type { NanoGrid } from "./grid.js";

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), `crc` continues a previous value. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export type ChecksumMode = "none" | "partial" | "full";

export interface ChecksumReport {
  stored: string; // 16 hex digits
  mode: ChecksumMode;
  status: "ok" | "mismatch" | "absent" | "skipped";
  note?: string;
}

export const hex64 = (lo: number, hi: number): string =>
  hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");

const isNew = (g: NanoGrid) => g.version.id > ((32 << 21) | (6 << 10) | 0);

function rootEnd(g: NanoGrid): number {
  const l = g.layout!;
  return GRID_DATA_SIZE + g.tree.nodeOffset[3] + l.root.size + g.rootTableSize * l.tile.size;
}

/** The head CRC of a grid buffer. */
export function headCrc(buf: Uint8Array, g: NanoGrid): number {
  const end = isNew(g) ? GRID_DATA_SIZE + TREE_DATA_SIZE : rootEnd(g);
  return crc32(buf, 16, end);
}

/** Start offsets (in the grid buffer) of the nodes of one level, in NanoVDB's NodeManager order. */
export function nodeOffsets(g: NanoGrid, level: 0 | 1 | 2): number[] {
  const l = g.layout!;
  const count = g.tree.nodeCount[level];
  const size = level === 0 ? l.leaf.size : level === 1 ? l.lower.size : l.upper.size;
  if (g.flags & GridFlags.IsBreadthFirst) {
    const first = GRID_DATA_SIZE + g.tree.nodeOffset[level];
    return Array.from({ length: count }, (_, i) => first + i * size);
  }
  // depth-first traversal, breadth-first insertion (NanoVDB's NodeManager for other grids)
  const out: number[][] = [[], [], []];
  const dv = new DataView(g.buffer.buffer, g.buffer.byteOffset, g.buffer.byteLength);
  const root = GRID_DATA_SIZE + g.tree.nodeOffset[3];
  const kids = (node: number, il: typeof l.upper) => {
    const r: number[] = [];
    const words = (1 << (3 * il.log2dim)) / 32;
    for (let w = 0; w < words; w++) {
      let m = dv.getUint32(node + il.childMask + 4 * w, true);
      while (m) {
        const b = 31 - Math.clz32(m & -m);
        m &= m - 1;
        r.push(node + Number(dv.getBigInt64(node + il.table + (w * 32 + b) * il.tileStride, true)));
      }
    }
    return r;
  };
  for (let t = 0; t < g.rootTableSize; t++) {
    const tile = root + l.root.size + t * l.tile.size;
    const child = Number(dv.getBigInt64(tile + l.tile.child, true));
    if (!child) continue;
    const up = root + child;
    out[2].push(up);
    for (const lo of kids(up, l.upper)) {
      out[1].push(lo);
      out[0].push(...kids(lo, l.lower));
    }
  }
  return out[level];
}

/** The tail CRC; `wordBytes` selects the 4- or 8-byte per-node CRC array of the old definition. */
export function tailCrc(buf: Uint8Array, g: NanoGrid, wordBytes: 4 | 8 = 8): number {
  if (isNew(g)) {
    const start = GRID_DATA_SIZE + TREE_DATA_SIZE, size = g.gridSize - start;
    if (size <= 0) return 0xffffffff;
    const blocks = Math.floor(size / 4096);
    const crcs = new Uint8Array(4 * blocks);
    const dv = new DataView(crcs.buffer);
    for (let i = 0; i < blocks; i++) {
      const b = start + i * 4096, e = i + 1 === blocks ? start + size : b + 4096;
      dv.setUint32(4 * i, crc32(buf, b, e), true);
    }
    return crc32(crcs);
  }
  const l = g.layout!;
  const sizes = [l.upper.size, l.lower.size, l.leaf.size];
  const offs = [nodeOffsets(g, 2), nodeOffsets(g, 1), nodeOffsets(g, 0)];
  const n = offs[0].length + offs[1].length + offs[2].length;
  const arr = new Uint8Array(wordBytes * n);
  const dv = new DataView(arr.buffer);
  let k = 0;
  for (let lev = 0; lev < 3; lev++) {
    for (const o of offs[lev]) dv.setUint32(wordBytes * k++, crc32(buf, o, o + sizes[lev]), true);
  }
  return crc32(arr);
}

/** The 64-bit checksum NanoVDB would store for `mode`, as [lo, hi] 32-bit words. */
export function computeChecksum(buf: Uint8Array, g: NanoGrid, mode: ChecksumMode, wordBytes: 4 | 8 = 8): [number, number] {
  if (mode === "none") return [0xffffffff, 0xffffffff];
  const head = headCrc(buf, g);
  if (mode === "partial" || (!isNew(g) && g.rootTableSize === 0)) return [head, 0xffffffff];
  return [head, tailCrc(buf, g, wordBytes)];
}

/** Verifies the stored checksum of a parsed grid. */
export function verifyChecksum(g: NanoGrid): ChecksumReport {
  const dv = new DataView(g.buffer.buffer, g.buffer.byteOffset, g.buffer.byteLength);
  const lo = dv.getUint32(8, true), hi = dv.getUint32(12, true);
  const stored = hex64(lo, hi);
  if (lo === 0xffffffff && hi === 0xffffffff) return { stored, mode: "none", status: "absent" };
  const mode: ChecksumMode = hi === 0xffffffff ? "partial" : "full";
  if (!g.layout) return { stored, mode, status: "skipped", note: `no layout known for grid type ${g.gridTypeName}` };
  const buf = g.buffer;
  const tryWith = (b: Uint8Array): string | undefined => {
    if (headCrc(b, g) !== lo) return undefined;
    if (mode === "partial") return "head";
    if (isNew(g)) return tailCrc(b, g) === hi ? "head+tail" : undefined;
    if (tailCrc(b, g, 8) === hi) return "head+tail (8-byte node CRC words, as NanoVDB 32.4)";
    if (tailCrc(b, g, 4) === hi) return "head+tail (4-byte node CRC words)";
    return undefined;
  };
  const how = tryWith(buf);
  if (how) return { stored, mode, status: "ok", note: how };
  if (g.gridCount > 1 || g.gridIndex !== 0) {
    // Grids chained into one buffer after their checksum was computed (e.g. fVDB batches) carry the
    // checksum of the stand-alone grid: gridIndex 0, gridCount 1.
    const copy = buf.slice();
    const cv = new DataView(copy.buffer);
    cv.setUint32(24, 0, true);
    cv.setUint32(28, 1, true);
    const how2 = tryWith(copy);
    if (how2) return { stored, mode, status: "ok", note: `${how2}, computed with gridIndex 0 and gridCount 1 (before the grids were chained)` };
  }
  return { stored, mode, status: "mismatch", note: "the stored checksum does not match the buffer; the grid was read anyway" };
}
