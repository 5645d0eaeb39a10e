// Building a NanoVDB grid buffer from a dense array.
//
// Voxel (i, j, k) of the dense array (C order: values[(i*ny + j)*nz + k], vec3 values interleaved)
// lands at index coordinate indexOrigin + (i, j, k). A voxel is active when its value differs from the
// background by more than `tolerance` (vectors: Euclidean distance). Every 8^3 leaf holding an active
// voxel is allocated and keeps the dense values of all its voxels (inactive ones too); everything
// outside the allocated leaves reads as the background. Lower (16^3) and upper (32^3) nodes are made
// for the leaves, root tiles for the upper nodes. Statistics (bounding boxes, min/max/average/standard
// deviation, node flags) are computed exactly as NanoVDB's GridStats does, node arrays are laid out
// breadth-first as NanoVDB's GridBuilder does, and the grid claims NanoVDB version 32.4.2.
import { computeChecksum, type ChecksumMode } from "./checksum.js";
import { NanoVDBError } from "./errors.js";
import { fma } from "./fma.js";
import { type NanoGrid, parseGrid } from "./grid.js";
import { MAGIC_NUMB, WRITE_VERSION, writeMagic } from "./header.js";
import {
  GRID, GRID_CLASS_NAMES, GRID_DATA_SIZE, GridFlags, MAP, type NodeLayout, TREE, TREE_DATA_SIZE, layoutForGridType, type InternalLayout,
} from "./layout.js";

export type DenseGridType = "float" | "double" | "int32" | "vec3f" | "vec3d";

export interface DenseGridOptions {
  /** Dense values in C order (k fastest); vec3 grids take 3 interleaved numbers per voxel. */
  values: Float32Array | Float64Array | Int32Array | ArrayLike<number>;
  /** Dense array size [nx, ny, nz]. */
  dims: [number, number, number];
  /** Defaults from the array: Float32Array -> float, Float64Array -> double, Int32Array -> int32. */
  gridType?: DenseGridType;
  /** World size of a voxel (uniform or per axis); default 1. Ignored when `matrix` is given. */
  voxelSize?: number | [number, number, number];
  /** Row-major 3x3 index->world linear map (world = matrix * ijk + origin); default diag(voxelSize). */
  matrix?: ArrayLike<number>;
  /** World position of index coordinate (0, 0, 0); default [0, 0, 0]. */
  origin?: [number, number, number];
  /** Index coordinate of dense element (0, 0, 0); default [0, 0, 0]. */
  indexOrigin?: [number, number, number];
  /** Background value (scalar, or [x, y, z] for vec3); default 0. */
  background?: number | [number, number, number];
  /** Voxels within this distance of the background are inactive; default 0. */
  tolerance?: number;
  name?: string;
  /** "unknown" (default), "levelSet", "fogVolume", "staggered", ... or a GridClass number. */
  gridClass?: string | number;
  /** GridData checksum: "partial" (default; head CRC, valid for every NanoVDB version), "full" or "none". */
  checksum?: ChecksumMode;
}

const TYPE_NUMBER: Record<DenseGridType, number> = { float: 1, double: 2, int32: 4, vec3f: 6, vec3d: 7 };

const fr = Math.fround;

/** Running statistics as NanoVDB's Stats<ValueT> (Welford with pairwise merging, in double). */
class Stats {
  size = 0; avg = 0; aux = 0;
  // extrema of the value (scalars) or of the squared length (vectors), with the vector kept
  minS = Infinity; maxS = -Infinity; minV: number[] | null = null; maxV: number[] | null = null;
  bbox: [number[], number[]] = [[2147483647, 2147483647, 2147483647], [-2147483648, -2147483648, -2147483648]];

  addValue(s: number, v: number[]): void {
    if (this.minV === null || s < this.minS) { this.minS = s; this.minV = v; }
    if (this.maxV === null || this.maxS < s) { this.maxS = s; this.maxV = v; }
    this.size += 1;
    const delta = s - this.avg;
    this.avg += delta / this.size;
    this.aux += delta * (s - this.avg);
  }

  add(o: Stats): void {
    for (let a = 0; a < 3; a++) {
      this.bbox[0][a] = Math.min(this.bbox[0][a], o.bbox[0][a]);
      this.bbox[1][a] = Math.max(this.bbox[1][a], o.bbox[1][a]);
    }
    if (o.size > 0) {
      const denom = 1.0 / (this.size + o.size);
      const delta = o.avg - this.avg;
      this.avg += denom * delta * o.size;
      this.aux += o.aux + denom * delta * delta * this.size * o.size;
      if (this.minV === null || o.minS < this.minS) { this.minS = o.minS; this.minV = o.minV; }
      if (this.maxV === null || this.maxS < o.maxS) { this.maxS = o.maxS; this.maxV = o.maxV; }
      this.size += o.size;
    }
  }

  get std(): number { return Math.sqrt(this.size < 2 ? 0 : this.aux / this.size); }
  get emptyBBox(): boolean { return this.bbox[0][0] > this.bbox[1][0] || this.bbox[0][1] > this.bbox[1][1] || this.bbox[0][2] > this.bbox[1][2]; }
}

interface Leaf { origin: number[]; values: Float64Array; mask: Uint32Array; at: number }
interface Inner { origin: number[]; children: Map<number, Inner | Leaf>; at: number }

const keyOf = (x: number, y: number, z: number) => `${x},${y},${z}`;

function invert3(m: ArrayLike<number>): number[] {
  const [a, b, c, d, e, f, g, h, i] = Array.from(m);
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || det === 0) throw new NanoVDBError("the index-to-world matrix is singular", "<denseToNanoVDB>", -1, "an invertible 3x3 matrix");
  const r = 1 / det;
  return [A * r, -(b * i - c * h) * r, (b * f - c * e) * r, B * r, (a * i - c * g) * r, -(a * f - c * d) * r, C * r, -(a * h - b * g) * r, (a * e - b * d) * r];
}

function classNumber(c: string | number | undefined): number {
  if (c === undefined) return 0;
  if (typeof c === "number") return c;
  const n = (GRID_CLASS_NAMES as readonly string[]).indexOf(c);
  if (n < 0) throw new NanoVDBError(`unknown grid class "${c}"`, "<denseToNanoVDB>", -1, GRID_CLASS_NAMES.join(", "));
  return n;
}

/** Builds a NanoVDB grid (buffer plus parsed metadata) from a dense array. */
export function denseToNanoVDB(opts: DenseGridOptions): NanoGrid {
  const src = "<denseToNanoVDB>";
  const { values, dims } = opts;
  const gridTypeName: DenseGridType = opts.gridType
    ?? (values instanceof Float32Array ? "float" : values instanceof Float64Array ? "double" : values instanceof Int32Array ? "int32" : "float");
  const gridType = TYPE_NUMBER[gridTypeName];
  if (gridType === undefined) throw new NanoVDBError(`unsupported grid type ${String(gridTypeName)}`, src, -1, Object.keys(TYPE_NUMBER).join(", "));
  const L = layoutForGridType(gridType)!;
  const comps = L.value.components;
  if (!Array.isArray(dims) || dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new NanoVDBError(`dims must be three non-negative integers, got ${JSON.stringify(dims)}`, src, -1);
  }
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (values.length !== n * comps) throw new NanoVDBError(`values hold ${values.length} numbers`, src, -1, `${n * comps} (${nx}x${ny}x${nz}x${comps})`);
  const cls = classNumber(opts.gridClass);
  if ((cls === 1 || cls === 2) && gridType !== 1 && gridType !== 2) {
    throw new NanoVDBError(`grid class ${GRID_CLASS_NAMES[cls]} needs a float or double grid`, src, -1);
  }
  const name = opts.name ?? "";
  const nameBytes = new TextEncoder().encode(name);
  if (nameBytes.length > 255) throw new NanoVDBError(`grid name of ${nameBytes.length} bytes is too long`, src, -1, "at most 255 bytes");
  const o = opts.indexOrigin ?? [0, 0, 0];
  const tol = opts.tolerance ?? 0;
  const conv = L.value.kind === "f32" ? fr : L.value.kind === "i32" ? (x: number) => x | 0 : (x: number) => +x;
  const bgIn = opts.background ?? 0;
  const bg: number[] = (typeof bgIn === "number" ? new Array(comps).fill(bgIn) : Array.from(bgIn)).map(conv);
  if (bg.length !== comps) throw new NanoVDBError(`background has ${bg.length} components`, src, -1, `${comps}`);

  // ---- pass 1: which leaves hold an active voxel
  const isActive = (idx: number): boolean => {
    if (comps === 1) return !(Math.abs(conv(values[idx]) - bg[0]) <= tol);
    let d2 = 0;
    for (let c = 0; c < comps; c++) { const d = conv(values[idx * comps + c]) - bg[c]; d2 += d * d; }
    return !(Math.sqrt(d2) <= tol);
  };
  const leaves = new Map<string, Leaf>();
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) {
    const row = (i * ny + j) * nz;
    for (let k = 0; k < nz; k++) {
      if (!isActive(row + k)) continue;
      const x = (o[0] + i) & ~7, y = (o[1] + j) & ~7, z = (o[2] + k) & ~7;
      const key = keyOf(x, y, z);
      if (!leaves.has(key)) {
        const vals = new Float64Array(512 * comps);
        for (let v = 0; v < 512; v++) for (let c = 0; c < comps; c++) vals[v * comps + c] = bg[c];
        leaves.set(key, { origin: [x, y, z], values: vals, mask: new Uint32Array(16), at: 0 });
      }
    }
  }
  // ---- pass 2: fill the allocated leaves with the dense values
  if (leaves.size) {
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) {
      const row = (i * ny + j) * nz;
      const x = o[0] + i, y = o[1] + j;
      let leaf: Leaf | undefined, leafZ = NaN;
      for (let k = 0; k < nz; k++) {
        const z = o[2] + k;
        if ((z & ~7) !== leafZ) { leafZ = z & ~7; leaf = leaves.get(keyOf(x & ~7, y & ~7, leafZ)); }
        if (!leaf) continue;
        const nIdx = ((x & 7) << 6) | ((y & 7) << 3) | (z & 7);
        const idx = row + k;
        for (let c = 0; c < comps; c++) leaf.values[nIdx * comps + c] = conv(values[idx * comps + c]);
        if (isActive(idx)) leaf.mask[nIdx >>> 5] |= 1 << (nIdx & 31);
      }
    }
  }

  // ---- tree: uppers in root-tile (Coord) order, lowers and leaves in child-table order
  const lowers = new Map<string, Inner>(), uppers = new Map<string, Inner>();
  const tableIndex = (il: InternalLayout, c: number[]) => {
    const m = (1 << il.total) - 1, s = il.total - il.log2dim, d = il.log2dim;
    return (((c[0] & m) >> s) << (2 * d)) | (((c[1] & m) >> s) << d) | ((c[2] & m) >> s);
  };
  for (const leaf of leaves.values()) {
    const lo = leaf.origin.map((v) => v & ~127);
    let lower = lowers.get(keyOf(lo[0], lo[1], lo[2]));
    if (!lower) lowers.set(keyOf(lo[0], lo[1], lo[2]), (lower = { origin: lo, children: new Map(), at: 0 }));
    lower.children.set(tableIndex(L.lower, leaf.origin), leaf);
  }
  for (const lower of lowers.values()) {
    const uo = lower.origin.map((v) => v & ~4095);
    let upper = uppers.get(keyOf(uo[0], uo[1], uo[2]));
    if (!upper) uppers.set(keyOf(uo[0], uo[1], uo[2]), (upper = { origin: uo, children: new Map(), at: 0 }));
    upper.children.set(tableIndex(L.upper, lower.origin), lower);
  }
  const upperList = [...uppers.values()].sort((a, b) => a.origin[0] - b.origin[0] || a.origin[1] - b.origin[1] || a.origin[2] - b.origin[2]);
  const sortedKids = <T>(n: Inner) => [...n.children.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1] as T);
  const lowerList: Inner[] = [], leafList: Leaf[] = [];
  for (const u of upperList) lowerList.push(...sortedKids<Inner>(u));
  for (const l of lowerList) leafList.push(...sortedKids<Leaf>(l));

  // ---- offsets (breadth first, no padding: every struct size is a multiple of 32)
  const rootAt = GRID_DATA_SIZE + TREE_DATA_SIZE;
  const upperAt = rootAt + L.root.size + upperList.length * L.tile.size;
  const lowerAt = upperAt + upperList.length * L.upper.size;
  const leafAt = lowerAt + lowerList.length * L.lower.size;
  const gridSize = leafAt + leafList.length * L.leaf.size;
  upperList.forEach((u, i) => (u.at = upperAt + i * L.upper.size));
  lowerList.forEach((l, i) => (l.at = lowerAt + i * L.lower.size));
  leafList.forEach((l, i) => (l.at = leafAt + i * L.leaf.size));

  const buf = new Uint8Array(gridSize);
  const dv = new DataView(buf.buffer);
  const writeValue = (at: number, v: ArrayLike<number>) => {
    for (let c = 0; c < comps; c++) {
      const p = at + c * L.value.elemBytes;
      if (L.value.kind === "f32") dv.setFloat32(p, v[c], true);
      else if (L.value.kind === "f64") dv.setFloat64(p, v[c], true);
      else dv.setInt32(p, v[c], true);
    }
  };
  const writeStats = (at: number, s: Stats, lay: { min: number; max: number; avg: number; std: number }) => {
    writeValue(at + lay.min, s.minV ?? extremeDefault(L, true));
    writeValue(at + lay.max, s.maxV ?? extremeDefault(L, false));
    const setF = (p: number, v: number) => (L.value.statsBytes === 8 ? dv.setFloat64(p, v, true) : dv.setFloat32(p, v, true));
    setF(at + lay.avg, s.avg);
    setF(at + lay.std, s.std);
  };
  const writeBBox = (at: number, b: [number[], number[]]) => {
    for (let a = 0; a < 3; a++) { dv.setInt32(at + 4 * a, b[0][a], true); dv.setInt32(at + 12 + 4 * a, b[1][a], true); }
  };
  const scalar = (v: number[]): number => {
    if (comps === 1) return v[0];
    let s = 0;
    for (let c = 0; c < comps; c++) s = L.value.kind === "f32" ? fr(s + fr(v[c] * v[c])) : s + v[c] * v[c];
    return s;
  };

  // leaves
  let voxelCount = 0;
  const leafStats = new Map<Leaf, Stats>();
  for (const leaf of leafList) {
    const s = new Stats();
    const at = leaf.at;
    let lo = [8, 8, 8], hi = [-1, -1, -1];
    for (let w = 0; w < 16; w++) {
      let m = leaf.mask[w];
      while (m) {
        const b = 31 - Math.clz32(m & -m);
        m &= m - 1;
        const nIdx = w * 32 + b;
        const v = Array.from(leaf.values.subarray(nIdx * comps, nIdx * comps + comps));
        s.addValue(scalar(v), v);
        const p = [nIdx >> 6, (nIdx >> 3) & 7, nIdx & 7];
        lo = lo.map((q, a) => Math.min(q, p[a]));
        hi = hi.map((q, a) => Math.max(q, p[a]));
        voxelCount++;
      }
    }
    s.bbox = [leaf.origin.map((q, a) => q + lo[a]), leaf.origin.map((q, a) => q + hi[a])];
    leafStats.set(leaf, s);
    for (let a = 0; a < 3; a++) { dv.setInt32(at + L.leaf.bboxMin + 4 * a, leaf.origin[a] + lo[a], true); buf[at + L.leaf.bboxDif + a] = hi[a] - lo[a]; }
    buf[at + L.leaf.flags] = 2;
    for (let w = 0; w < 16; w++) dv.setUint32(at + L.leaf.valueMask + 4 * w, leaf.mask[w], true);
    writeStats(at, s, L.leaf);
    for (let v = 0; v < 512; v++) writeValue(at + L.leaf.values + v * L.value.bytes, leaf.values.subarray(v * comps, v * comps + comps));
  }
  // internal nodes
  const inner = (node: Inner, il: InternalLayout, childStats: (c: Inner | Leaf) => Stats): Stats => {
    const total = new Stats();
    const at = node.at;
    for (const [idx, child] of [...node.children.entries()].sort((a, b) => a[0] - b[0])) {
      dv.setUint32(at + il.childMask + 4 * (idx >>> 5), dv.getUint32(at + il.childMask + 4 * (idx >>> 5), true) | (1 << (idx & 31)), true);
      dv.setBigInt64(at + il.table + idx * il.tileStride, BigInt(child.at - at), true);
      total.add(childStats(child));
    }
    const size = 1 << (3 * il.log2dim);
    for (let idx = 0; idx < size; idx++) if (!node.children.has(idx)) writeValue(at + il.table + idx * il.tileStride, bg);
    writeBBox(at + il.bbox, total.bbox);
    if (total.emptyBBox) dv.setBigUint64(at + il.flags, 1n, true);
    else {
      dv.setBigUint64(at + il.flags, 2n, true);
      writeStats(at, total, il);
    }
    return total;
  };
  const lowerStats = new Map<Inner, Stats>();
  for (const l of lowerList) lowerStats.set(l, inner(l, L.lower, (c) => leafStats.get(c as Leaf)!));
  const rootStats = new Stats();
  for (const u of upperList) rootStats.add(inner(u, L.upper, (c) => lowerStats.get(c as Inner)!));

  // root
  const tableSize = upperList.length;
  if (tableSize === 0) {
    writeBBox(rootAt, [[2147483647, 2147483647, 2147483647], [-2147483648, -2147483648, -2147483648]]);
    writeValue(rootAt + L.root.min, bg);
    writeValue(rootAt + L.root.max, bg);
  } else {
    writeBBox(rootAt, rootStats.bbox);
    writeStats(rootAt, rootStats, L.root);
  }
  dv.setUint32(rootAt + L.root.tableSize, tableSize, true);
  writeValue(rootAt + L.root.background, bg);
  upperList.forEach((u, t) => {
    const at = rootAt + L.root.size + t * L.tile.size;
    const key = (BigInt(u.origin[2] >>> 12)) | (BigInt(u.origin[1] >>> 12) << 21n) | (BigInt(u.origin[0] >>> 12) << 42n);
    dv.setBigUint64(at + L.tile.key, key, true);
    dv.setBigInt64(at + L.tile.child, BigInt(u.at - rootAt), true);
  });

  // tree
  const t = GRID_DATA_SIZE;
  const offs = [leafList.length ? leafAt - t : 0, lowerList.length ? lowerAt - t : 0, upperList.length ? upperAt - t : 0, rootAt - t];
  offs.forEach((v, i) => dv.setBigUint64(t + TREE.nodeOffset + 8 * i, BigInt(v), true));
  [leafList.length, lowerList.length, upperList.length].forEach((v, i) => dv.setUint32(t + TREE.nodeCount + 4 * i, v, true));
  dv.setBigUint64(t + TREE.voxelCount, BigInt(voxelCount), true);

  // grid
  writeMagic(buf, GRID.magic, MAGIC_NUMB);
  dv.setUint32(GRID.version, WRITE_VERSION, true);
  dv.setUint32(GRID.gridIndex, 0, true);
  dv.setUint32(GRID.gridCount, 1, true);
  dv.setBigUint64(GRID.gridSize, BigInt(gridSize), true);
  buf.set(nameBytes, GRID.gridName);
  const vs = opts.voxelSize ?? 1;
  const mat = opts.matrix ? Array.from(opts.matrix) : (() => {
    const s = typeof vs === "number" ? [vs, vs, vs] : vs;
    return [s[0], 0, 0, 0, s[1], 0, 0, 0, s[2]];
  })();
  if (mat.length !== 9 || mat.some((v) => !Number.isFinite(v))) throw new NanoVDBError("matrix must hold 9 finite numbers", src, -1);
  const inv = opts.matrix ? invert3(mat) : mat.map((v, i) => (i % 4 === 0 ? 1.0 / v : 0));
  if (!opts.matrix && mat.some((v, i) => i % 4 === 0 && !(v > 0))) throw new NanoVDBError("voxelSize must be positive", src, -1);
  const origin = opts.origin ?? [0, 0, 0];
  const m = GRID.map;
  for (let i = 0; i < 9; i++) {
    dv.setFloat32(m + MAP.matF + 4 * i, mat[i], true);
    dv.setFloat32(m + MAP.invMatF + 4 * i, inv[i], true);
    dv.setFloat64(m + MAP.matD + 8 * i, mat[i], true);
    dv.setFloat64(m + MAP.invMatD + 8 * i, inv[i], true);
  }
  for (let i = 0; i < 3; i++) { dv.setFloat32(m + MAP.vecF + 4 * i, origin[i], true); dv.setFloat64(m + MAP.vecD + 8 * i, origin[i], true); }
  dv.setFloat32(m + MAP.taperF, 1, true);
  dv.setFloat64(m + MAP.taperD, 1, true);
  const apply = (p: number[]) => [0, 1, 2].map((r) => fma(p[0], mat[3 * r], fma(p[1], mat[3 * r + 1], fma(p[2], mat[3 * r + 2], origin[r]))));
  const one = apply([1, 1, 1]), zero = apply([0, 0, 0]);
  for (let i = 0; i < 3; i++) dv.setFloat64(GRID.voxelSize + 8 * i, one[i] - zero[i], true);
  let flags = GridFlags.IsBreadthFirst | GridFlags.HasMinMax | GridFlags.HasAverage | GridFlags.HasStdDeviation;
  if (tableSize === 0 || rootStats.emptyBBox) {
    for (let i = 0; i < 3; i++) { dv.setFloat64(GRID.worldBBox + 8 * i, Number.MAX_VALUE, true); dv.setFloat64(GRID.worldBBox + 24 + 8 * i, -Number.MAX_VALUE, true); }
  } else {
    const lo = rootStats.bbox[0], hi = rootStats.bbox[1].map((v) => v + 1);
    // BBox::expand keeps the first of equal components (as C++ minComponent / maxComponent)
    const wmin = apply(lo), wmax = wmin.slice();
    for (const c of [[lo[0], lo[1], hi[2]], [lo[0], hi[1], lo[2]], [hi[0], lo[1], lo[2]], [hi[0], hi[1], lo[2]], [hi[0], lo[1], hi[2]], [lo[0], hi[1], hi[2]], [hi[0], hi[1], hi[2]]]) {
      const w = apply(c);
      for (let a = 0; a < 3; a++) { if (w[a] < wmin[a]) wmin[a] = w[a]; if (w[a] > wmax[a]) wmax[a] = w[a]; }
    }
    for (let i = 0; i < 3; i++) { dv.setFloat64(GRID.worldBBox + 8 * i, wmin[i], true); dv.setFloat64(GRID.worldBBox + 24 + 8 * i, wmax[i], true); }
    flags |= GridFlags.HasBBox;
  }
  dv.setUint32(GRID.flags, flags, true);
  dv.setUint32(GRID.gridClass, cls, true);
  dv.setUint32(GRID.gridType, gridType, true);

  const grid = parseGrid(buf, 0, src, 0, { checksum: false });
  const [lo, hi] = computeChecksum(buf, grid, opts.checksum ?? "partial");
  dv.setUint32(GRID.checksum, lo, true);
  dv.setUint32(GRID.checksum + 4, hi, true);
  return parseGrid(buf, 0, src, 0);
}

/** Extrema<ValueT>() defaults (numeric_limits max / lowest), written when a node has no active value. */
function extremeDefault(L: NodeLayout, min: boolean): number[] {
  const c = L.value.components;
  const v = L.value.kind === "f32" ? 3.4028234663852886e38 : L.value.kind === "f64" ? Number.MAX_VALUE : 2147483647;
  const lowest = L.value.kind === "i32" ? -2147483648 : -v;
  return new Array(c).fill(min ? v : lowest);
}
