// wf.HashGrid: a uniform grid of dimX x dimY x dimZ hashed cells over points, for neighbour queries
// from kernels (kernels-as/lib/hashgrid.ts: hashGridQuery / hashGridQueryNext / hashGridPointId).
// As in Warp, the grid is sparse in space: a cell's coordinates wrap around the dims, so any point
// set can be binned; dims only trade memory for fewer aliased points per cell.
//
//   const grid = new wf.HashGrid(128, 128, 128, { device });
//   grid.build(points, radius);          // points: Array<vec3> on the grid's device; radius: cell width
//   ...kernel(grid: HashGrid, ...) { let q = hashGridQuery(grid, p, r); while (q.index >= 0) { ... } }
//   wf.launch(k, n, [grid, ...]);        // the runtime passes grid.asKernelArg(device)
//   grid.build(points, radius);          // after the points moved: rebuild (same buffers)
//   grid.dispose();
//
// The build is a counting sort by cell written in the kernel language (kernels.ts), so the same
// launches run on the CPU (wasm on every core) and on a GPU, with no host round trip: it can be
// recorded in a CUDA graph (wf.capture) with the launches that use it. Its result is deterministic
// (points sorted by index within a cell).

import { WeftArray, empty, zeros } from "../../runtime/array.js";
import { BackendChoice } from "../../runtime/backends.js";
import { Device, getDevice } from "../../runtime/device.js";
import { describe, int32 } from "../../runtime/dtype.js";
import { launch, launchObservers } from "../../runtime/launch.js";
import { typeName } from "../../ir/types.js";
import { hashGridKernel } from "./module.js";

export interface HashGridOptions {
  device?: string | Device;
  /**
   * The backend of the build kernels on the CPU: "auto" (wasm, or the interpreter when
   * WEFT_CPU_BACKEND=interp), "wasm" or "interp" (the reference interpreter, for tests).
   */
  backend?: BackendChoice;
  /** @internal the scan's block size on every level (tests: many levels on a small grid). */
  scanBlock?: number;
}

/** The struct a kernel's `HashGrid` parameter receives (kernels-as/lib/hashgrid.ts). */
export interface HashGridKernelArg {
  cellStarts: WeftArray; pointIds: WeftArray;
  dimX: number; dimY: number; dimZ: number; cellWidth: number; invCellWidth: number; numPoints: number;
}

/** How the exclusive scan of the cell counts runs: level sizes and the block size of each level. */
interface ScanPlan { sizes: number[]; blocks: number[] }

interface Buffers {
  cellStarts: WeftArray;
  /** counts per cell (zero between builds); levels[0] is `counts`, the rest the scan's block sums. */
  levels: WeftArray[];
  plan: ScanPlan;
  capacity: number;
  ids: WeftArray;
  keys: WeftArray;
  ranks: WeftArray;
  /** ids[0, numPoints): the view kernels and users see. */
  view: WeftArray;
}

const MAX_CELLS = 2 ** 31 - 2;
const show = (v: unknown) => (typeof v === "number" ? String(v) : describe(v));
let nextId = 1;

export class HashGrid {
  readonly device: Device;
  readonly dimX: number;
  readonly dimY: number;
  readonly dimZ: number;
  readonly numCells: number;
  readonly id: number;
  private readonly backend: BackendChoice;
  private buf: Buffers | null;
  private width = 1;
  private count = 0;
  /** A build stopped half way (counts may not be zero). */
  private dirty = false;

  constructor(dimX: number, dimY: number, dimZ: number, opts: HashGridOptions | string | Device = {}) {
    const W = "new wf.HashGrid";
    for (const [name, v] of [["dimX", dimX], ["dimY", dimY], ["dimZ", dimZ]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${W}(dimX, dimY, dimZ, { device }): ${name} must be a positive integer, got ${show(v)}`);
    }
    const o: HashGridOptions = typeof opts === "string" || opts instanceof Device ? { device: opts } : opts ?? {};
    if (typeof o !== "object") throw new TypeError(`${W}: the fourth argument must be an options object ({ device }), got ${describe(opts)}`);
    const cells = dimX * dimY * dimZ;
    if (cells > MAX_CELLS) throw new RangeError(`${W}: ${dimX} x ${dimY} x ${dimZ} = ${cells} cells is more than the ${MAX_CELLS} a grid can index (i32); use smaller dims`);
    this.device = getDevice(o.device);
    this.backend = o.backend ?? "auto";
    if (this.device.isCuda && this.backend !== "auto" && this.backend !== "cuda") throw new Error(`${W}: backend '${this.backend}' cannot run on ${this.device.name}`);
    this.dimX = dimX; this.dimY = dimY; this.dimZ = dimZ;
    this.numCells = cells;
    if (o.scanBlock !== undefined && (!Number.isInteger(o.scanBlock) || o.scanBlock < 2)) throw new RangeError(`${W}: scanBlock must be an integer >= 2, got ${show(o.scanBlock)}`);
    const plan = scanPlan(cells, this.device, o.scanBlock);
    const owned: WeftArray[] = [];
    const alloc = (n: number) => { const a = zeros(n, { dtype: int32, device: this.device }); owned.push(a); return a; };
    try {
      const cellStarts = alloc(cells + 1);
      const levels = plan.sizes.map((n) => alloc(n));
      const ids = alloc(1), keys = alloc(1), ranks = alloc(1);
      const view = ids.slice(0, 0);
      this.buf = { cellStarts, levels, plan, capacity: 0, ids, keys, ranks, view };
    } catch (e) {
      for (const a of owned) a.dispose();
      throw e;
    }
    this.id = nextId++;
  }

  private live(what: string): Buffers {
    if (!this.buf) throw new Error(`wf.HashGrid ${this.id} was disposed; ${what} needs a live grid`);
    return this.buf;
  }
  get disposed(): boolean { return this.buf === null; }
  /** Points of the last build (0 before the first). */
  get numPoints(): number { this.live("numPoints"); return this.count; }
  /** Cell width of the last build (the `radius` given to build; 1 before the first). */
  get cellWidth(): number { this.live("cellWidth"); return this.width; }
  /** numCells + 1 offsets: cell c holds pointIds[cellStarts[c] .. cellStarts[c + 1]). */
  get cellStarts(): WeftArray { return this.live("reading cellStarts").cellStarts; }
  /** The point indices in cell order (numPoints entries; ascending index within a cell). */
  get pointIds(): WeftArray { return this.live("reading pointIds").view; }
  /** Scratch capacity in points (grows on build; reserve() sets it ahead). */
  get capacity(): number { return this.live("capacity").capacity; }

  /** Makes room for builds of up to `n` points without reallocating. */
  reserve(n: number): void {
    const b = this.live("reserve()");
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`wf.HashGrid.reserve: expected a non-negative integer number of points, got ${show(n)}`);
    if (n > 2 ** 31 - 1) throw new RangeError(`wf.HashGrid.reserve: ${n} points is more than a grid can index (2^31 - 1)`);
    if (n <= b.capacity) return;
    const made: WeftArray[] = [];
    try {
      for (let k = 0; k < 3; k++) made.push(empty(n, { dtype: int32, device: this.device }));
    } catch (e) {
      for (const a of made) a.dispose();
      throw e;
    }
    b.ids.dispose(); b.keys.dispose(); b.ranks.dispose(); b.view.dispose();
    [b.ids, b.keys, b.ranks] = made;
    b.capacity = n;
    b.view = b.ids.slice(0, Math.min(this.count, n));
  }

  /**
   * Bins `points` (an Array<vec3> on the grid's device) into cells of width `radius`. For the
   * fastest queries, use about the query radius. Rebuild after the points move.
   */
  build(points: WeftArray, radius: number): void {
    const W = "wf.HashGrid.build(points, radius)";
    const b = this.live("build()");
    if (!(points instanceof WeftArray)) throw new TypeError(`${W}: points must be a wf array of vec3, got ${describe(points)}`);
    if (points.disposed) throw new Error(`${W}: the points array was disposed`);
    if (points.ndim !== 1 || typeName(points.type) !== "vec3")
      throw new TypeError(`${W}: points must be a 1-D array of vec3, got an array of ${typeName(points.type)} with shape [${points.shape}]`);
    if (points.device !== this.device)
      throw new Error(`${W}: the points are on ${points.device.name} but the grid lives on ${this.device.name}; move them with points.to("${this.device.name}")`);
    if (typeof radius !== "number" || !Number.isFinite(radius) || !(radius > 0))
      throw new RangeError(`${W}: radius (the cell width) must be a positive finite number, got ${show(radius)}`);
    const inv = Math.fround(1 / radius);
    if (!Number.isFinite(inv) || inv === 0 || !(Math.fround(radius) > 0))
      throw new RangeError(`${W}: radius ${radius} is outside the range of f32 cell widths`);
    const n = points.length;
    this.reserve(n);
    if (this.count !== n) { b.view.dispose(); b.view = b.ids.slice(0, n); }
    this.count = n;
    this.width = radius;
    if (this.dirty) b.levels[0].zero();
    this.dirty = true;
    // The build is not differentiable (cells are integers): a Tape recording around it skips it.
    const observers = launchObservers.splice(0);
    try {
      const o = { device: this.device, backend: this.backend };
      const k = (name: string) => hashGridKernel(name, this.device, this.backend);
      const { sizes, blocks } = b.plan;
      const L = sizes.length - 1;
      launch(k("hgCount"), n, [this, points, b.levels[0], b.keys, b.ranks], o);
      for (let l = 0; l < L; l++) launch(k("scanReduce"), sizes[l + 1], [b.levels[l], sizes[l], blocks[l], b.levels[l + 1]], o);
      launch(k("scanTop"), 1, [b.levels[L], sizes[L]], o);
      for (let l = L - 1; l >= 1; l--) launch(k("scanDown"), sizes[l + 1], [b.levels[l], sizes[l], blocks[l], b.levels[l + 1]], o);
      launch(k("scanCells"), sizes[1], [b.levels[0], sizes[0], blocks[0], b.levels[1], b.cellStarts], o);
      launch(k("hgScatter"), n, [this, b.keys, b.ranks], o);
      launch(k("hgSortCells"), n, [this, b.keys, b.ranks], o);
    } finally {
      launchObservers.push(...observers);
    }
    this.dirty = false;
  }

  /** The struct value a kernel's `HashGrid` parameter receives. */
  asKernelArg(device?: Device): HashGridKernelArg {
    const b = this.live("a launch");
    if (device && device !== this.device) throw new Error(`wf.HashGrid ${this.id} lives on ${this.device.name}, not ${device.name}; make the grid on ${device.name}`);
    return {
      cellStarts: b.cellStarts, pointIds: b.view,
      dimX: this.dimX, dimY: this.dimY, dimZ: this.dimZ,
      cellWidth: this.width, invCellWidth: Math.fround(1 / this.width), numPoints: this.count,
    };
  }

  dispose(): void {
    if (!this.buf) return;
    const b = this.buf;
    this.buf = null;
    for (const a of [b.cellStarts, ...b.levels, b.ids, b.keys, b.ranks, b.view]) a.dispose();
  }

  toString(): string {
    return `wf.HashGrid ${this.id} (${this.dimX}x${this.dimY}x${this.dimZ} cells, ${this.count} points, cell width ${this.width}) on ${this.device.name}${this.buf ? "" : ", disposed"}`;
  }
}

/**
 * Levels of the blocked scan: sizes[0] = numCells, sizes[l + 1] = ceil(sizes[l] / blocks[l]), until
 * a level is small enough for one thread (scanTop). The CPU takes a few big blocks per core, a GPU
 * blocks of 32 (many threads, short loops).
 */
export function scanPlan(numCells: number, device: Device, fixedBlock?: number): ScanPlan {
  const gpu = device.isCuda;
  const first = fixedBlock ?? (gpu ? 32 : Math.max(1024, Math.ceil(numCells / 256)));
  const block = fixedBlock ?? (gpu ? 32 : 1024), top = fixedBlock ?? (gpu ? 64 : 4096);
  const sizes = [numCells], blocks: number[] = [];
  let b = first;
  for (;;) {
    const next = Math.ceil(sizes[sizes.length - 1] / b);
    blocks.push(b);
    sizes.push(next);
    if (next <= top) break;
    b = block;
  }
  return { sizes, blocks };
}
