// One NanoVDB grid: its buffer (GridData at offset 0, exactly as NanoVDB lays it out in memory) and
// the host metadata parsed from GridData and TreeData.
import { type ChecksumReport, verifyChecksum } from "./checksum.js";
import { NanoVDBError } from "./errors.js";
import { type FileMetaData, MAGIC_GRID, MAGIC_NUMB, type Version, checkVersion, decodeVersion, magicError, readI64, readMagic, readU64, versionString } from "./header.js";
import {
  GRID, GRID_DATA_SIZE, GridFlags, MAP, type NodeLayout, TREE, TREE_DATA_SIZE, gridClassName, gridTypeName, layoutForGridType,
} from "./layout.js";

export interface NanoMap {
  matF: Float32Array; invMatF: Float32Array; vecF: Float32Array; taperF: number;
  matD: Float64Array; invMatD: Float64Array; vecD: Float64Array; taperD: number;
}

export interface NanoTreeInfo {
  /** Byte offsets of the first leaf, lower, upper and root node, relative to TreeData (at 672). */
  nodeOffset: [number, number, number, number];
  /** Counts of leaf, lower and upper nodes. */
  nodeCount: [number, number, number];
  /** Active tiles in lower nodes, upper nodes and the root. */
  tileCount: [number, number, number];
  activeVoxelCount: number;
}

export interface NanoGrid {
  /** The grid buffer (own ArrayBuffer, byteOffset 0, length gridSize; copy it 32-byte aligned). */
  buffer: Uint8Array;
  source: string;
  name: string;
  gridType: number;
  gridTypeName: string;
  gridClass: number;
  gridClassName: string;
  version: Version;
  versionString: string;
  magic: string;
  flags: number;
  gridIndex: number;
  gridCount: number;
  gridSize: number;
  map: NanoMap;
  worldBBox: [number[], number[]];
  voxelSize: number[];
  /** Index-space bbox of active values (RootData::mBBox), inclusive. */
  indexBBox: [number[], number[]];
  tree: NanoTreeInfo;
  rootTableSize: number;
  blindMetadataOffset: number;
  blindMetadataCount: number;
  /** Node layout for this value type; undefined when the type is listed but not addressable. */
  layout: NodeLayout | undefined;
  checksum: ChecksumReport;
  /** The file-level metadata entry this grid came from, when read from a segmented file. */
  fileMeta?: FileMetaData;
  codec?: string;
  /** Byte offset of this grid's GridData inside the file (raw buffers) or inside its payload. */
  offsetInPayload: number;
}

export interface ParseOptions {
  /** Verify GridData::mChecksum (default true). */
  checksum?: boolean;
  /** Walk every node and check every child offset (default true). */
  validate?: boolean;
}

const readName = (b: Uint8Array, at: number, max: number): string => {
  let n = 0;
  while (n < max && b[at + n] !== 0) n++;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(at, at + n));
  } catch {
    return String.fromCharCode(...b.subarray(at, at + n));
  }
};

/**
 * Parses the grid whose GridData starts at `payload[at]`. Returns the grid (with its own copy of the
 * buffer) and its size. `base` is the byte offset of `payload` inside the file, for messages.
 */
export function parseGrid(payload: Uint8Array, at: number, source: string, base: number, opts: ParseOptions = {}): NanoGrid {
  const where = (o: number) => base + at + o;
  const avail = payload.length - at;
  if (avail < GRID_DATA_SIZE + TREE_DATA_SIZE) {
    throw new NanoVDBError("truncated grid", source, where(0), `${GRID_DATA_SIZE + TREE_DATA_SIZE} bytes of GridData and TreeData, ${avail} remain`);
  }
  const magic = readMagic(payload, at);
  if (magic !== MAGIC_NUMB && magic !== MAGIC_GRID) throw magicError(payload, at, source, "GridData");
  const dv0 = new DataView(payload.buffer, payload.byteOffset + at, avail);
  const version = decodeVersion(dv0.getUint32(GRID.version, true));
  checkVersion(version, source, where(GRID.version), "GridData");
  const gridSize = readU64(dv0, GRID.gridSize, source, "grid size");
  if (gridSize < GRID_DATA_SIZE + TREE_DATA_SIZE || gridSize > avail) {
    throw new NanoVDBError(`grid size ${gridSize} does not fit`, source, where(GRID.gridSize), `${GRID_DATA_SIZE + TREE_DATA_SIZE} to ${avail} bytes`);
  }
  const buffer = new Uint8Array(gridSize);
  buffer.set(payload.subarray(at, at + gridSize));
  const dv = new DataView(buffer.buffer);
  const gridType = dv.getUint32(GRID.gridType, true), gridClass = dv.getUint32(GRID.gridClass, true);
  const f32 = (o: number, n: number) => new Float32Array(Array.from({ length: n }, (_, i) => dv.getFloat32(o + 4 * i, true)));
  const f64 = (o: number, n: number) => new Float64Array(Array.from({ length: n }, (_, i) => dv.getFloat64(o + 8 * i, true)));
  const m = GRID.map;
  const map: NanoMap = {
    matF: f32(m + MAP.matF, 9), invMatF: f32(m + MAP.invMatF, 9), vecF: f32(m + MAP.vecF, 3), taperF: dv.getFloat32(m + MAP.taperF, true),
    matD: f64(m + MAP.matD, 9), invMatD: f64(m + MAP.invMatD, 9), vecD: f64(m + MAP.vecD, 3), taperD: dv.getFloat64(m + MAP.taperD, true),
  };
  const t = GRID_DATA_SIZE;
  const tree: NanoTreeInfo = {
    nodeOffset: [0, 1, 2, 3].map((i) => readU64(dv, t + TREE.nodeOffset + 8 * i, source, "node offset")) as NanoTreeInfo["nodeOffset"],
    nodeCount: [0, 1, 2].map((i) => dv.getUint32(t + TREE.nodeCount + 4 * i, true)) as NanoTreeInfo["nodeCount"],
    tileCount: [0, 1, 2].map((i) => dv.getUint32(t + TREE.tileCount + 4 * i, true)) as NanoTreeInfo["tileCount"],
    activeVoxelCount: readU64(dv, t + TREE.voxelCount, source, "active voxel count"),
  };
  const flags = dv.getUint32(GRID.flags, true);
  let name = readName(buffer, GRID.gridName, 256);
  const blindMetadataOffset = readI64(dv, GRID.blindMetadataOffset, source, "blind metadata offset");
  const blindMetadataCount = dv.getUint32(GRID.blindMetadataCount, true);
  if (flags & GridFlags.HasLongGridName) {
    // the full name is blind data of class GridName (3)
    for (let i = 0; i < blindMetadataCount; i++) {
      const bm = blindMetadataOffset + 288 * i;
      if (bm < 0 || bm + 288 > gridSize) break;
      if (dv.getUint32(bm + 20, true) === 3) {
        const off = bm + readI64(dv, bm, source, "blind data offset"); // relative to the blind metadata
        if (off >= 0 && off < gridSize) name = readName(buffer, off, gridSize - off);
        break;
      }
    }
  }
  const layout = layoutForGridType(gridType);
  const rootAt = GRID_DATA_SIZE + tree.nodeOffset[3];
  let rootTableSize = 0;
  let indexBBox: [number[], number[]] = [[0, 0, 0], [-1, -1, -1]];
  if (layout) {
    if (tree.nodeOffset[3] < TREE_DATA_SIZE || rootAt % 32 !== 0 || rootAt + layout.root.size > gridSize) {
      throw new NanoVDBError(`root node offset ${tree.nodeOffset[3]} is out of range`, source, where(t + TREE.nodeOffset + 24), `a 32-byte aligned offset inside the ${gridSize}-byte grid`);
    }
    rootTableSize = dv.getUint32(rootAt + layout.root.tableSize, true);
    if (rootAt + layout.root.size + rootTableSize * layout.tile.size > gridSize) {
      throw new NanoVDBError(`root table of ${rootTableSize} tiles runs past the grid`, source, where(rootAt + layout.root.tableSize), "a table inside the grid");
    }
    indexBBox = [[0, 1, 2].map((i) => dv.getInt32(rootAt + 4 * i, true)), [0, 1, 2].map((i) => dv.getInt32(rootAt + 12 + 4 * i, true))];
    const sizes = [layout.leaf.size, layout.lower.size, layout.upper.size];
    for (let lev = 0; lev < 3; lev++) {
      const c = tree.nodeCount[lev];
      if (c === 0) continue;
      const o = GRID_DATA_SIZE + tree.nodeOffset[lev];
      if (tree.nodeOffset[lev] < TREE_DATA_SIZE || o % 32 !== 0 || o + c * sizes[lev] > gridSize) {
        throw new NanoVDBError(
          `${["leaf", "lower", "upper"][lev]} nodes (${c} at offset ${tree.nodeOffset[lev]}) do not fit the grid`, source,
          where(t + TREE.nodeOffset + 8 * lev), `${c} x ${sizes[lev]} bytes inside ${gridSize} bytes`,
        );
      }
    }
  }
  const grid: NanoGrid = {
    buffer, source, name, gridType, gridTypeName: gridTypeName(gridType), gridClass, gridClassName: gridClassName(gridClass),
    version, versionString: versionString(version), magic, flags,
    gridIndex: dv.getUint32(GRID.gridIndex, true), gridCount: dv.getUint32(GRID.gridCount, true), gridSize,
    map,
    worldBBox: [Array.from(f64(GRID.worldBBox, 3)), Array.from(f64(GRID.worldBBox + 24, 3))],
    voxelSize: Array.from(f64(GRID.voxelSize, 3)),
    indexBBox, tree, rootTableSize, blindMetadataOffset, blindMetadataCount, layout,
    checksum: { stored: "", mode: "none", status: "skipped" },
    offsetInPayload: at,
  };
  if (layout && opts.validate !== false) validateTree(grid, base + at);
  grid.checksum = opts.checksum === false
    ? { ...storedChecksumInfo(dv), status: "skipped", note: "checksum verification disabled" }
    : verifyChecksum(grid);
  return grid;
}

function storedChecksumInfo(dv: DataView): Omit<ChecksumReport, "status"> {
  const lo = dv.getUint32(8, true), hi = dv.getUint32(12, true);
  const stored = hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
  return { stored, mode: lo === 0xffffffff && hi === 0xffffffff ? "none" : hi === 0xffffffff ? "partial" : "full" };
}

/**
 * Checks that every child offset in the root table, upper and lower nodes points at a node of the
 * right level inside the grid, 32-byte aligned, so that the accessor never reads out of bounds.
 */
export function validateTree(g: NanoGrid, fileOffset = 0): void {
  const l = g.layout!;
  const dv = new DataView(g.buffer.buffer, g.buffer.byteOffset, g.buffer.byteLength);
  const size = g.gridSize;
  const root = GRID_DATA_SIZE + g.tree.nodeOffset[3];
  const fail = (what: string, at: number, expected: string): never => {
    throw new NanoVDBError(what, g.source, fileOffset + at, expected);
  };
  const checkNode = (at: number, nodeSize: number, from: number, what: string) => {
    if (at % 32 !== 0 || at < GRID_DATA_SIZE + TREE_DATA_SIZE || at + nodeSize > size) {
      fail(`${what} child offset points to byte ${at}`, from, `a 32-byte aligned ${nodeSize}-byte node inside the grid`);
    }
  };
  const seen = [new Set<number>(), new Set<number>()];
  const walk = (node: number, il: typeof l.upper, childSize: number, level: number, visit: (c: number, from: number) => void) => {
    const words = (1 << (3 * il.log2dim)) / 32;
    for (let w = 0; w < words; w++) {
      let m = dv.getUint32(node + il.childMask + 4 * w, true);
      while (m) {
        const b = 31 - Math.clz32(m & -m);
        m &= m - 1;
        const at = node + il.table + (w * 32 + b) * il.tileStride;
        const off = dv.getBigInt64(at, true);
        const c = node + Number(off);
        checkNode(c, childSize, at, level === 2 ? "upper node" : "lower node");
        visit(c, at);
      }
    }
  };
  for (let t = 0; t < g.rootTableSize; t++) {
    const tile = root + l.root.size + t * l.tile.size;
    const off = dv.getBigInt64(tile + l.tile.child, true);
    if (off === 0n) continue;
    const up = root + Number(off);
    checkNode(up, l.upper.size, tile + l.tile.child, "root tile");
    if (seen[0].has(up)) continue; // shared nodes are not produced by NanoVDB but are harmless to read
    seen[0].add(up);
    walk(up, l.upper, l.lower.size, 2, (lo) => {
      if (seen[1].has(lo)) return;
      seen[1].add(lo);
      walk(lo, l.lower, l.leaf.size, 1, () => {});
    });
  }
}
