// wf.Volume: one NanoVDB grid on one device, queried from kernels through the volume library
// (kernels-as/lib/volume.ts): value lookups, nearest and trilinear samples, gradients, index<->world
// maps. The grid buffer is uploaded as it is (an Array<u32>, the NanoVDB layout of LAYOUT.md); the
// kernel-side struct adds the offsets that depend on the value type and the float map.
//
//   const vol = wf.Volume.load("smoke.nvdb", { device: "cpu", grid: "density" });   // or a Uint8Array
//   const all = wf.Volume.loadAll("batch.nvdb");                                    // every grid
//   const sdf = wf.Volume.fromDense({ values, dims, voxelSize: 0.1, origin, background: 0.3 });
//   ...kernel(vol: Volume, ...) { const d = volumeSampleF(vol, volumeWorldToIndex(vol, p), VOLUME_LINEAR); }
//   wf.launch(k, n, [vol, ...]);                  // the runtime passes vol.asKernelArg(device)
//   vol.save("out.nvdb", { codec: "ZIP" });  vol.dispose();
//
// Reading and writing files, the dense builder and the reference accessor are engine/geometry/nanovdb;
// its NanoVDBErrors (malformed files, unsupported grid types) reach the caller unchanged.

import { WeftArray, empty } from "../../runtime/array.js";
import { Device, getDevice } from "../../runtime/device.js";
import { uint32 } from "../../runtime/dtype.js";
import { NanoVDBError } from "../nanovdb/errors.js";
import { readNanoVDB, readNanoVDBFile, type ReadOptions } from "../nanovdb/file.js";
import type { NanoGrid } from "../nanovdb/grid.js";
import { NanoGridAccessor, type NanoValue, type Vec3 } from "../nanovdb/accessor.js";
import { denseToNanoVDB, type DenseGridOptions, type DenseGridType } from "../nanovdb/dense.js";
import { encodeNanoVDB, writeNanoVDB } from "../nanovdb/writer.js";
import type { CodecName } from "../nanovdb/header.js";
import { GRID_DATA_SIZE, VALUE_SPECS } from "../nanovdb/layout.js";

export interface VolumeLoadOptions extends ReadOptions {
  device?: string | Device;
  /** Which grid of the file: its name or its position (default 0, the first grid). */
  grid?: string | number;
}

export interface VolumeDenseOptions extends Omit<DenseGridOptions, "values" | "dims"> {
  /** Dense values in C order (k fastest; vec3 grids: 3 per voxel), or a weft array (its shape gives dims). */
  values: DenseGridOptions["values"] | WeftArray;
  /** [nx, ny, nz]; optional when `values` is a 3-D weft array. */
  dims?: [number, number, number];
  gridType?: DenseGridType;
  device?: string | Device;
}

export interface VolumeSaveOptions {
  /** "NONE" (default) or "ZIP". */
  codec?: CodecName;
}

/** The struct a kernel's `Volume` parameter receives (kernels-as/lib/volume.ts). */
export interface VolumeKernelArg {
  buf: WeftArray;
  gridType: number; valueBytes: number;
  root: number; tiles: number; tileCount: number; tileBytes: number; tileValue: number; background: number;
  upperTable: number; upperStride: number; lowerTable: number; lowerStride: number; leafValues: number;
  indexToWorld: number[]; worldToIndex: number[]; translation: number[];
}

/** Index<->world transform of a grid (NanoVDB's double map): world = matrix * ijk + translation. */
export interface VolumeTransform {
  /** Row-major 3x3 index -> world. */
  matrix: number[];
  /** Row-major 3x3 world -> index (the inverse). */
  inverse: number[];
  translation: number[];
}

let nextId = 1;
const live = new Map<number, WeakRef<Volume>>();

const SUPPORTED = Object.values(VALUE_SPECS).map((s) => s.name).join(", ");

export class Volume {
  /** Sampling modes, as in the kernel library (VOLUME_NEAREST, VOLUME_LINEAR) and Warp (CLOSEST). */
  static readonly NEAREST = 0;
  static readonly CLOSEST = 0;
  static readonly LINEAR = 1;

  readonly device: Device;
  readonly id: number;
  private state: { grid: NanoGrid; buf: WeftArray; arg: VolumeKernelArg; acc: NanoGridAccessor | null } | null;

  /** Wraps a parsed grid (from engine/geometry/nanovdb) and uploads its buffer to `device`. */
  constructor(grid: NanoGrid, opts: { device?: string | Device } = {}) {
    if (!grid || !(grid.buffer instanceof Uint8Array)) throw new TypeError("new wf.Volume(grid, { device }): expected a NanoVDB grid (readNanoVDB, denseToNanoVDB)");
    const l = grid.layout;
    if (!l) {
      throw new NanoVDBError(`unsupported grid type ${grid.gridTypeName} for wf.Volume (grid ${grid.gridIndex} "${grid.name}")`, grid.source, -1, SUPPORTED);
    }
    if (grid.gridSize > 0x7fffffff) {
      throw new NanoVDBError(`grid "${grid.name}" of ${grid.gridSize} bytes is too large for the kernel-side reader`, grid.source, -1, "a grid below 2 GiB (byte offsets are i32)");
    }
    this.device = getDevice(opts.device);
    // Upload as u32 words (padded to 4 bytes; NanoVDB grids are multiples of 32 bytes anyway).
    const words = Math.ceil(grid.gridSize / 4);
    const buf = empty(words, { dtype: uint32, device: this.device });
    try {
      const bytes = new Uint8Array(words * 4);
      bytes.set(grid.buffer.subarray(0, grid.gridSize));
      this.device.memory.write(buf.ptr, bytes);
    } catch (e) {
      buf.dispose();
      throw e;
    }
    const rootAt = GRID_DATA_SIZE + grid.tree.nodeOffset[3];
    const m = grid.map;
    const arg: VolumeKernelArg = {
      buf, gridType: grid.gridType, valueBytes: l.value.bytes,
      root: rootAt, tiles: rootAt + l.root.size, tileCount: grid.rootTableSize, tileBytes: l.tile.size, tileValue: l.tile.value,
      background: rootAt + l.root.background,
      upperTable: l.upper.table, upperStride: l.upper.tileStride, lowerTable: l.lower.table, lowerStride: l.lower.tileStride,
      leafValues: l.leaf.values,
      indexToWorld: Array.from(m.matF), worldToIndex: Array.from(m.invMatF), translation: Array.from(m.vecF),
    };
    this.state = { grid, buf, arg, acc: null };
    this.id = nextId++;
    live.set(this.id, new WeakRef(this));
  }

  // ------------------------------------------------------------------------------ constructors

  /**
   * Loads one grid of a .nvdb file (a path, or the file's bytes): `grid` picks it by name or by
   * position (default: the first). Malformed files raise NanoVDBError naming the byte offset.
   */
  static load(src: string | Uint8Array | ArrayBuffer, opts: VolumeLoadOptions = {}): Volume {
    const grids = readGrids(src, opts);
    return new Volume(pickGrid(grids, opts.grid, sourceName(src)), opts);
  }

  /** Loads every grid of a .nvdb file (chained grids and several segments included), in file order. */
  static loadAll(src: string | Uint8Array | ArrayBuffer, opts: Omit<VolumeLoadOptions, "grid"> = {}): Volume[] {
    const grids = readGrids(src, opts);
    const out: Volume[] = [];
    try {
      for (const g of grids) out.push(new Volume(g, opts));
    } catch (e) {
      for (const v of out) v.dispose();
      throw e;
    }
    return out;
  }

  /**
   * Builds a grid from a dense array (denseToNanoVDB): voxel (i, j, k) at index indexOrigin + (i, j, k),
   * world = voxelSize * ijk + origin; voxels within `tolerance` of the background stay inactive and
   * leaves without an active voxel are not stored.
   */
  static fromDense(opts: VolumeDenseOptions): Volume {
    if (!opts || typeof opts !== "object") throw new TypeError("wf.Volume.fromDense({ values, dims, voxelSize, origin, background, gridType, name, device }): expected an options object");
    let { values, dims } = opts;
    if (values instanceof WeftArray) {
      if (values.disposed) throw new Error("wf.Volume.fromDense: the values array was disposed");
      if (dims === undefined) {
        if (values.ndim !== 3) throw new TypeError(`wf.Volume.fromDense: 'dims' is required unless 'values' is a 3-D array (got ${values.ndim}-D)`);
        dims = values.shape as [number, number, number];
      }
      values = values.toTypedArray() as Float32Array;
    }
    if (dims === undefined) throw new TypeError("wf.Volume.fromDense: 'dims' ([nx, ny, nz]) is required");
    const { device, ...rest } = opts;
    return new Volume(denseToNanoVDB({ ...rest, values: values as DenseGridOptions["values"], dims }), { device });
  }

  /** The live volume with this id (undefined once disposed or collected). */
  static fromId(id: number): Volume | undefined {
    return live.get(id)?.deref();
  }

  // ------------------------------------------------------------------------------ state

  private live(what: string) {
    if (!this.state) throw new Error(`wf.Volume ${this.id} was disposed; ${what} needs a live volume`);
    return this.state;
  }
  get disposed(): boolean { return this.state === null; }

  /** The parsed NanoVDB grid (host copy of the buffer and its metadata). */
  get grid(): NanoGrid { return this.live("reading the grid").grid; }
  /** The device copy of the grid buffer (u32 words). */
  get buffer(): WeftArray { return this.live("reading the buffer").buf; }
  get name(): string { return this.live("reading the name").grid.name; }
  /** Value type name: "float", "double", "int32", "int64", "uint32", "vec3f", "vec3d", "vec4f", "vec4d". */
  get gridType(): string { return this.live("reading the grid type").grid.gridTypeName; }
  /** NanoVDB GridType number (1 float, 2 double, 4 int32, 6 vec3f, ...). */
  get gridTypeId(): number { return this.live("reading the grid type").grid.gridType; }
  /** Grid class name: "levelSet", "fogVolume", "unknown", ... */
  get gridClass(): string { return this.live("reading the grid class").grid.gridClassName; }
  /** Position of the grid in its file (its chain's gridIndex for chained grids). */
  get gridIndex(): number { return this.live("reading the grid index").grid.gridIndex; }
  get sizeInBytes(): number { return this.live("reading the size").grid.gridSize; }
  get activeVoxelCount(): number { return this.live("reading the voxel count").grid.tree.activeVoxelCount; }
  /** Index-space bounding box of the active values, inclusive: [[imin, jmin, kmin], [imax, jmax, kmax]]. */
  get indexBounds(): [number[], number[]] {
    const b = this.live("reading the index bounds").grid.indexBBox;
    return [b[0].slice(), b[1].slice()];
  }
  /** World-space bounding box (the map applied to [indexMin, indexMax + 1]). */
  get worldBounds(): [number[], number[]] {
    const b = this.live("reading the world bounds").grid.worldBBox;
    return [b[0].slice(), b[1].slice()];
  }
  get voxelSize(): number[] { return this.live("reading the voxel size").grid.voxelSize.slice(); }
  get transform(): VolumeTransform {
    const m = this.live("reading the transform").grid.map;
    return { matrix: Array.from(m.matD), inverse: Array.from(m.invMatD), translation: Array.from(m.vecD) };
  }
  /** The background value (outside the tree). */
  get background(): NanoValue { return this.accessor().background; }

  /** NanoVDB's reference accessor over the host copy (getValue, sampleNearest/Trilinear, gradient, maps). */
  accessor(): NanoGridAccessor {
    const s = this.live("a host query");
    return (s.acc ??= new NanoGridAccessor(s.grid));
  }
  /** Host lookup at index coordinates (the reference for the kernel's volumeLookup*). */
  getValue(i: number, j: number, k: number): NanoValue { return this.accessor().getValue(i, j, k); }
  /** Host sample at index-space (x, y, z) (the reference for the kernel's volumeSample*). */
  sample(x: number, y: number, z: number, mode: number = Volume.LINEAR): NanoValue {
    const a = this.accessor();
    return mode === Volume.NEAREST ? a.sampleNearest(x, y, z) : a.sampleTrilinear(x, y, z);
  }
  worldToIndex(p: Vec3): Vec3 { return this.accessor().worldToIndex(p); }
  indexToWorld(p: Vec3): Vec3 { return this.accessor().indexToWorld(p); }

  /** The struct value a kernel's `Volume` parameter receives. */
  asKernelArg(device?: Device): VolumeKernelArg {
    const s = this.live("a launch");
    if (device && device !== this.device) {
      throw new Error(`wf.Volume ${this.id} ("${s.grid.name}") lives on ${this.device.name}, not ${device.name}; load it with { device: "${device.name}" }`);
    }
    return s.arg;
  }

  // ------------------------------------------------------------------------------ files

  /** The grid as a .nvdb file image (one segment, one grid; codec NONE or ZIP). */
  encode(opts: VolumeSaveOptions = {}): Uint8Array {
    return encodeNanoVDB([this.live("encode()").grid], { codec: opts.codec ?? "NONE" });
  }

  /** Writes the grid to a .nvdb file that NanoVDB (nanovdb_print, io::readGrid) reads. */
  save(path: string, opts: VolumeSaveOptions = {}): void {
    if (typeof path !== "string" || !path) throw new TypeError("wf.Volume.save(path, { codec }): expected a file path");
    writeNanoVDB([this.live("save()").grid], path, { codec: opts.codec ?? "NONE" });
  }

  dispose(): void {
    if (!this.state) return;
    this.state.buf.dispose();
    this.state = null;
    live.delete(this.id);
  }

  toString(): string {
    if (!this.state) return `wf.Volume ${this.id} (disposed)`;
    const g = this.state.grid;
    return `wf.Volume ${this.id} "${g.name}" (${g.gridTypeName} ${g.gridClassName}, ${g.tree.activeVoxelCount} active voxels) on ${this.device.name}`;
  }
}

function sourceName(src: unknown): string {
  return typeof src === "string" ? src : "<buffer>";
}

function readGrids(src: string | Uint8Array | ArrayBuffer, opts: ReadOptions): NanoGrid[] {
  const ro: ReadOptions = { checksum: opts.checksum, validate: opts.validate };
  if (typeof src === "string") return readNanoVDBFile(src, ro);
  if (src instanceof ArrayBuffer) return readNanoVDB(new Uint8Array(src), "<buffer>", ro);
  if (src instanceof Uint8Array) return readNanoVDB(src, "<buffer>", ro);
  throw new TypeError(`wf.Volume.load: expected a file path, a Uint8Array or an ArrayBuffer, got ${src === null ? "null" : typeof src}`);
}

function pickGrid(grids: NanoGrid[], which: string | number | undefined, source: string): NanoGrid {
  if (!grids.length) throw new NanoVDBError("the file holds no grid", source, -1, "at least one grid");
  const list = () => grids.map((g, i) => `${i}: "${g.name}" (${g.gridTypeName})`).join(", ");
  if (which === undefined) return grids[0];
  if (typeof which === "number") {
    if (!Number.isInteger(which) || which < 0 || which >= grids.length) {
      throw new RangeError(`wf.Volume.load: grid ${which} is out of range; ${source} holds ${grids.length} grid${grids.length === 1 ? "" : "s"} (${list()})`);
    }
    return grids[which];
  }
  if (typeof which !== "string") throw new TypeError(`wf.Volume.load: 'grid' must be a grid name or a position, got ${typeof which}`);
  const g = grids.find((x) => x.name === which);
  if (!g) throw new RangeError(`wf.Volume.load: no grid named "${which}" in ${source}; it holds ${list()}`);
  return g;
}
