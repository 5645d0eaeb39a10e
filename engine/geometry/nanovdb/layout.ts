// Byte layout of a NanoVDB grid buffer (NanoVDB 32.3 - 32.9; see LAYOUT.md for the sources).
//
// GridData (672 B) is at offset 0, TreeData (64 B) right after it; TreeData holds byte offsets,
// relative to the TreeData, of the first leaf, lower, upper and root node. Nodes of one level are
// contiguous and of fixed size for the value types handled here. All structs are 32-byte aligned; the
// offsets inside the value-dependent structs follow the C rules from each value's element size and
// the "stats" type (FloatTraits: float for 1-4 byte elements, double for 8 byte elements).

export const GRID_DATA_SIZE = 672;
export const TREE_DATA_SIZE = 64;
export const FILE_HEADER_SIZE = 16;
export const FILE_META_SIZE = 176;
export const BLIND_META_SIZE = 288;

/** Byte offsets inside GridData. */
export const GRID = {
  magic: 0, checksum: 8, version: 16, flags: 20, gridIndex: 24, gridCount: 28, gridSize: 32, gridName: 40,
  map: 296, worldBBox: 560, voxelSize: 608, gridClass: 632, gridType: 636, blindMetadataOffset: 640,
  blindMetadataCount: 648, data0: 652, data1: 656, data2: 664,
} as const;

/** Byte offsets inside Map (at GridData + 296). */
export const MAP = { matF: 0, invMatF: 36, vecF: 72, taperF: 84, matD: 88, invMatD: 160, vecD: 232, taperD: 256 } as const;

/** Byte offsets inside TreeData (at GridData + 672). */
export const TREE = { nodeOffset: 0, nodeCount: 32, tileCount: 44, voxelCount: 56 } as const;

export const GRID_TYPE_NAMES = [
  "unknown", "float", "double", "int16", "int32", "int64", "vec3f", "vec3d", "mask", "half", "uint32", "bool",
  "rgba8", "fp4", "fp8", "fp16", "fpN", "vec4f", "vec4d", "index", "onIndex", "indexMask", "onIndexMask",
  "pointIndex", "vec3u8", "vec3u16", "uint8",
] as const;

export const GRID_CLASS_NAMES = [
  "unknown", "levelSet", "fogVolume", "staggered", "pointIndex", "pointData", "topology", "voxelVolume",
  "indexGrid", "tensorGrid",
] as const;

export const GridFlags = {
  HasLongGridName: 1, HasBBox: 2, HasMinMax: 4, HasAverage: 8, HasStdDeviation: 16, IsBreadthFirst: 32,
} as const;

export type ScalarKind = "f32" | "f64" | "i32" | "i64" | "u32";

/** A value type with a plain `ValueT mValues[512]` leaf. */
export interface ValueSpec {
  name: string;
  gridType: number;
  kind: ScalarKind;
  components: number; // 1, 3 or 4
  elemBytes: number; // bytes of one component
  bytes: number; // bytes of one value
  statsBytes: number; // 4 (float) or 8 (double)
}

const spec = (name: string, gridType: number, kind: ScalarKind, components: number, elemBytes: number): ValueSpec => ({
  name, gridType, kind, components, elemBytes, bytes: components * elemBytes, statsBytes: elemBytes === 8 ? 8 : 4,
});

/** The value types whose nodes this module can address (by GridType number). */
export const VALUE_SPECS: Record<number, ValueSpec> = {
  1: spec("float", 1, "f32", 1, 4),
  2: spec("double", 2, "f64", 1, 8),
  4: spec("int32", 4, "i32", 1, 4),
  5: spec("int64", 5, "i64", 1, 8),
  6: spec("vec3f", 6, "f32", 3, 4),
  7: spec("vec3d", 7, "f64", 3, 8),
  10: spec("uint32", 10, "u32", 1, 4),
  17: spec("vec4f", 17, "f32", 4, 4),
  18: spec("vec4d", 18, "f64", 4, 8),
};

/** Grid types the samplers (nearest, trilinear) handle; gradients need a scalar float/double. */
export const SAMPLED_TYPES = new Set([1, 2, 4, 6, 7]);

export interface RootLayout { size: number; bbox: number; tableSize: number; background: number; min: number; max: number; avg: number; std: number }
export interface TileLayout { size: number; key: number; child: number; state: number; value: number }
export interface InternalLayout {
  size: number; bbox: number; flags: number; valueMask: number; childMask: number;
  min: number; max: number; avg: number; std: number; table: number; tileStride: number;
  log2dim: number; total: number; // child table is (1 << log2dim)^3, node spans (1 << total)^3 voxels
}
export interface LeafLayout { size: number; bboxMin: number; bboxDif: number; flags: number; valueMask: number; min: number; max: number; avg: number; std: number; values: number }

export interface NodeLayout {
  value: ValueSpec;
  root: RootLayout;
  tile: TileLayout;
  upper: InternalLayout;
  lower: InternalLayout;
  leaf: LeafLayout;
}

const up = (n: number, a: number) => Math.ceil(n / a) * a;

function internal(v: ValueSpec, log2dim: number, total: number): InternalLayout {
  const maskBytes = (1 << (3 * log2dim)) / 8;
  const a = v.elemBytes, sa = v.statsBytes;
  const valueMask = 32, childMask = 32 + maskBytes;
  const min = up(childMask + maskBytes, a), max = min + v.bytes;
  const avg = up(max + v.bytes, sa), std = avg + sa;
  const table = up(std + sa, 32);
  const tileStride = up(Math.max(v.bytes, 8), Math.max(a, 8));
  const size = up(table + (1 << (3 * log2dim)) * tileStride, 32);
  return { size, bbox: 0, flags: 24, valueMask, childMask, min, max, avg, std, table, tileStride, log2dim, total };
}

/** Computes the node layout of a value type (identical in NanoVDB 32.3 through 32.9). */
export function nodeLayout(v: ValueSpec): NodeLayout {
  const a = v.elemBytes, sa = v.statsBytes;
  const background = up(28, a), rmin = background + v.bytes, rmax = rmin + v.bytes;
  const ravg = up(rmax + v.bytes, sa), rstd = ravg + sa;
  const root = { size: up(rstd + sa, 32), bbox: 0, tableSize: 24, background, min: rmin, max: rmax, avg: ravg, std: rstd };
  const tv = up(20, a);
  const tile = { size: up(tv + v.bytes, 32), key: 0, child: 8, state: 16, value: tv };
  const lmin = up(80, a), lmax = lmin + v.bytes, lavg = up(lmax + v.bytes, sa), lstd = lavg + sa;
  const values = up(lstd + sa, 32);
  const leaf = { size: up(values + 512 * v.bytes, 32), bboxMin: 0, bboxDif: 12, flags: 15, valueMask: 16, min: lmin, max: lmax, avg: lavg, std: lstd, values };
  return { value: v, root, tile, upper: internal(v, 5, 12), lower: internal(v, 4, 7), leaf };
}

const cache = new Map<number, NodeLayout>();

/** The node layout for a GridType number, or undefined when the type has no plain value leaf. */
export function layoutForGridType(gridType: number): NodeLayout | undefined {
  const v = VALUE_SPECS[gridType];
  if (!v) return undefined;
  let l = cache.get(gridType);
  if (!l) cache.set(gridType, (l = nodeLayout(v)));
  return l;
}

export function gridTypeName(t: number): string {
  return GRID_TYPE_NAMES[t] ?? `gridType#${t}`;
}

export function gridClassName(c: number): string {
  return GRID_CLASS_NAMES[c] ?? `gridClass#${c}`;
}
