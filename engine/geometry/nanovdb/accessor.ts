// NanoGridAccessor: the plain-TypeScript reference for reading a NanoVDB grid buffer — value lookup
// walking root -> upper -> lower -> leaf, nearest and trilinear sampling and the trilinear gradient
// (NanoVDB's SampleFromVoxels orders 0 and 1), and the index<->world maps. It reproduces NanoVDB's
// arithmetic bit for bit: float grids interpolate in float (each operation rounded with Math.fround),
// the maps use fused multiply-adds, nearest rounds with floor(x + 0.5), and integer grids "interpolate"
// as NanoVDB does (the weight is converted to the integer type, so trilinear returns the lower corner).
import { NanoVDBError } from "./errors.js";
import { fma, fmaf } from "./fma.js";
import type { NanoGrid } from "./grid.js";
import { GRID_DATA_SIZE, type InternalLayout, type NodeLayout, SAMPLED_TYPES, type ScalarKind } from "./layout.js";

export type Vec3 = [number, number, number];
export type NanoValue = number | bigint | number[];

/** Where a lookup ended: 0 leaf voxel, 1 lower tile, 2 upper tile, 3 root tile, 4 background. */
export type NanoLevel = 0 | 1 | 2 | 3 | 4;

const fr = Math.fround;

export class NanoGridAccessor {
  readonly grid: NanoGrid;
  readonly layout: NodeLayout;
  readonly background: NanoValue;
  private readonly dv: DataView;
  private readonly rootAt: number;
  private readonly tiles = new Map<string, number>(); // root key -> tile byte offset
  private readonly kind: ScalarKind;
  private readonly comps: number;
  private readonly elem: number;

  constructor(grid: NanoGrid) {
    if (!grid.layout) {
      throw new NanoVDBError(`unsupported grid type ${grid.gridTypeName} for value access`, grid.source, -1,
        "float, double, int32, int64, uint32, vec3f, vec3d, vec4f or vec4d");
    }
    this.grid = grid;
    this.layout = grid.layout;
    this.dv = new DataView(grid.buffer.buffer, grid.buffer.byteOffset, grid.buffer.byteLength);
    this.kind = grid.layout.value.kind;
    this.comps = grid.layout.value.components;
    this.elem = grid.layout.value.elemBytes;
    this.rootAt = GRID_DATA_SIZE + grid.tree.nodeOffset[3];
    const l = this.layout;
    for (let t = 0; t < grid.rootTableSize; t++) {
      const at = this.rootAt + l.root.size + t * l.tile.size;
      const key = this.dv.getBigUint64(at + l.tile.key, true);
      const k = `${key >> 42n},${(key >> 21n) & 0x1fffffn},${key & 0x1fffffn}`;
      if (!this.tiles.has(k)) this.tiles.set(k, at); // NanoVDB scans the table and takes the first match
    }
    this.background = this.readValue(this.rootAt + l.root.background);
  }

  private readValue(at: number): NanoValue {
    const dv = this.dv, e = this.elem;
    const one = (o: number): number | bigint => {
      switch (this.kind) {
        case "f32": return dv.getFloat32(o, true);
        case "f64": return dv.getFloat64(o, true);
        case "i32": return dv.getInt32(o, true);
        case "u32": return dv.getUint32(o, true);
        case "i64": return dv.getBigInt64(o, true);
      }
    };
    if (this.comps === 1) return one(at);
    const v: number[] = [];
    for (let c = 0; c < this.comps; c++) v.push(one(at + c * e) as number);
    return v;
  }

  /** Finds the voxel or tile holding (i, j, k): its value's byte offset, active state and level. */
  probe(i: number, j: number, k: number): { at: number; active: boolean; level: NanoLevel } {
    const l = this.layout, dv = this.dv;
    i |= 0; j |= 0; k |= 0;
    const key = `${i >>> 12},${j >>> 12},${k >>> 12}`;
    const tile = this.tiles.get(key);
    if (tile === undefined) return { at: this.rootAt + l.root.background, active: false, level: 4 };
    const child = dv.getBigInt64(tile + l.tile.child, true);
    if (child === 0n) return { at: tile + l.tile.value, active: dv.getUint32(tile + l.tile.state, true) !== 0, level: 3 };
    const upper = this.rootAt + Number(child);
    const r1 = this.internal(upper, l.upper, i, j, k);
    if (r1.tile) return { at: r1.at, active: r1.active, level: 2 };
    const r2 = this.internal(r1.at, l.lower, i, j, k);
    if (r2.tile) return { at: r2.at, active: r2.active, level: 1 };
    const leaf = r2.at;
    const n = ((i & 7) << 6) | ((j & 7) << 3) | (k & 7);
    const active = ((dv.getUint32(leaf + l.leaf.valueMask + 4 * (n >>> 5), true) >>> (n & 31)) & 1) === 1;
    return { at: leaf + l.leaf.values + n * l.value.bytes, active, level: 0 };
  }

  private internal(node: number, il: InternalLayout, i: number, j: number, k: number): { at: number; tile: boolean; active: boolean } {
    const d = il.log2dim, c = il.total - d, mask = (1 << il.total) - 1;
    const n = (((i & mask) >>> c) << (2 * d)) | (((j & mask) >>> c) << d) | ((k & mask) >>> c);
    const bit = (m: number) => ((this.dv.getUint32(node + m + 4 * (n >>> 5), true) >>> (n & 31)) & 1) === 1;
    const entry = node + il.table + n * il.tileStride;
    if (bit(il.childMask)) return { at: node + Number(this.dv.getBigInt64(entry, true)), tile: false, active: false };
    return { at: entry, tile: true, active: bit(il.valueMask) };
  }

  /** The value at integer index coordinates (background outside the tree). */
  getValue(i: number, j: number, k: number): NanoValue {
    return this.readValue(this.probe(i, j, k).at);
  }

  isActive(i: number, j: number, k: number): boolean {
    return this.probe(i, j, k).active;
  }

  private requireSampled(what: string): void {
    if (!SAMPLED_TYPES.has(this.grid.gridType)) {
      throw new NanoVDBError(`unsupported grid type ${this.grid.gridTypeName} for ${what}`, this.grid.source, -1, "float, double, int32, vec3f or vec3d");
    }
  }

  /** Nearest-neighbour sample at index-space xyz (NanoVDB rounds with floor(x + 0.5)). */
  sampleNearest(x: number, y: number, z: number): NanoValue {
    this.requireSampled("sampling");
    return this.getValue(Math.floor(x + 0.5), Math.floor(y + 0.5), Math.floor(z + 0.5));
  }

  private lerpFn(): (a: number, b: number, w: number) => number {
    switch (this.kind) {
      case "f32": return (a, b, w) => fr(a + fr(fr(w) * fr(b - a)));
      case "f64": return (a, b, w) => a + w * (b - a);
      default: return (a, b, w) => (a + Math.imul(Math.trunc(w) | 0, (b - a) | 0)) | 0;
    }
  }

  /** The 2x2x2 stencil at floor(xyz) and the fractional weights. */
  private stencil(x: number, y: number, z: number): { v: number[][]; u: Vec3 } {
    const i = Math.floor(x), j = Math.floor(y), k = Math.floor(z);
    const u: Vec3 = [x - i, y - j, z - k];
    const v: number[][] = [];
    for (let a = 0; a < 8; a++) {
      const val = this.getValue(i + (a >> 2), j + ((a >> 1) & 1), k + (a & 1));
      v.push(typeof val === "number" ? [val] : (val as number[]));
    }
    return { v, u };
  }

  /** Trilinear sample at index-space xyz, interpolating as NanoVDB's SampleFromVoxels<.., 1>. */
  sampleTrilinear(x: number, y: number, z: number): NanoValue {
    this.requireSampled("sampling");
    const { v, u } = this.stencil(x, y, z);
    const lerp = this.lerpFn();
    const out: number[] = [];
    for (let c = 0; c < this.comps; c++) {
      const s = (a: number) => v[a][c];
      out.push(lerp(
        lerp(lerp(s(0), s(1), u[2]), lerp(s(2), s(3), u[2]), u[1]),
        lerp(lerp(s(4), s(5), u[2]), lerp(s(6), s(7), u[2]), u[1]),
        u[0],
      ));
    }
    return this.comps === 1 ? out[0] : out;
  }

  /** Index-space gradient of the trilinear interpolant (NanoVDB's TrilinearSampler::gradient). */
  gradient(x: number, y: number, z: number): Vec3 {
    if (this.kind !== "f32" && this.kind !== "f64" || this.comps !== 1) {
      throw new NanoVDBError(`unsupported grid type ${this.grid.gridTypeName} for gradients`, this.grid.source, -1, "float or double");
    }
    const { v, u } = this.stencil(x, y, z);
    const f = this.kind === "f32" ? fr : (t: number) => t;
    const lerp = this.lerpFn();
    const s = (a: number) => v[a][0];
    let D0 = f(s(1) - s(0)), D1 = f(s(3) - s(2)), D2 = f(s(5) - s(4)), D3 = f(s(7) - s(6));
    const gz = lerp(lerp(D0, D1, u[1]), lerp(D2, D3, u[1]), u[0]);
    const w = f(u[2]);
    D0 = f(s(0) + f(D0 * w));
    D1 = f(s(2) + f(D1 * w));
    D2 = f(s(4) + f(D2 * w));
    D3 = f(s(6) + f(D3 * w));
    const gx = f(lerp(D2, D3, u[1]) - lerp(D0, D1, u[1]));
    const gy = lerp(f(D1 - D0), f(D3 - D2), u[0]);
    return [gx, gy, gz];
  }

  /** Trilinear sample at a world-space position. */
  sampleWorld(x: number, y: number, z: number, order: 0 | 1 = 1): NanoValue {
    const p = this.worldToIndex([x, y, z]);
    return order === 0 ? this.sampleNearest(p[0], p[1], p[2]) : this.sampleTrilinear(p[0], p[1], p[2]);
  }

  // ---------------------------------------------------------------- maps (NanoVDB Map, fma as in C++)

  indexToWorld(p: Vec3): Vec3 { return affine(this.grid.map.matD, this.grid.map.vecD, p, fma); }
  worldToIndex(p: Vec3): Vec3 {
    const t = this.grid.map.vecD;
    return linear(this.grid.map.invMatD, [p[0] - t[0], p[1] - t[1], p[2] - t[2]], fma, (a) => a);
  }
  indexToWorldDir(d: Vec3): Vec3 { return linear(this.grid.map.matD, d, fma, (a) => a); }
  worldToIndexDir(d: Vec3): Vec3 { return linear(this.grid.map.invMatD, d, fma, (a) => a); }
  /** Index-space gradient to world space (inverse-transpose Jacobian). */
  indexToWorldGrad(g: Vec3): Vec3 { return linearT(this.grid.map.invMatD, g, fma, (a) => a); }

  indexToWorldF(p: Vec3): Vec3 { return affine(this.grid.map.matF, this.grid.map.vecF, p.map(fr) as Vec3, fmaf); }
  worldToIndexF(p: Vec3): Vec3 {
    const t = this.grid.map.vecF;
    return linear(this.grid.map.invMatF, [fr(fr(p[0]) - t[0]), fr(fr(p[1]) - t[1]), fr(fr(p[2]) - t[2])], fmaf, fr);
  }
}

type Fma = (a: number, b: number, c: number) => number;

function affine(m: ArrayLike<number>, t: ArrayLike<number>, p: Vec3, f: Fma): Vec3 {
  return [
    f(p[0], m[0], f(p[1], m[1], f(p[2], m[2], t[0]))),
    f(p[0], m[3], f(p[1], m[4], f(p[2], m[5], t[1]))),
    f(p[0], m[6], f(p[1], m[7], f(p[2], m[8], t[2]))),
  ];
}

function linear(m: ArrayLike<number>, p: Vec3, f: Fma, round: (a: number) => number): Vec3 {
  return [
    f(p[0], m[0], f(p[1], m[1], round(p[2] * m[2]))),
    f(p[0], m[3], f(p[1], m[4], round(p[2] * m[5]))),
    f(p[0], m[6], f(p[1], m[7], round(p[2] * m[8]))),
  ];
}

function linearT(m: ArrayLike<number>, p: Vec3, f: Fma, round: (a: number) => number): Vec3 {
  return [
    f(p[0], m[0], f(p[1], m[3], round(p[2] * m[6]))),
    f(p[0], m[1], f(p[1], m[4], round(p[2] * m[7]))),
    f(p[0], m[2], f(p[1], m[5], round(p[2] * m[8]))),
  ];
}
