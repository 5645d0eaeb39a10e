// NanoVDB volume queries in the weft kernel language, part of the standard library (kernel modules use
// the names as they use builtins; import { Volume, volumeSampleF } from "weft/kernels" for editors).
// Written once, compiled with each user module to every backend.
//
// A wf.Volume arrives in a kernel as the struct `Volume` (the launch takes `volume.asKernelArg(device)`):
// `buf` is the NanoVDB grid buffer, byte for byte as NanoVDB lays it out (engine/geometry/nanovdb/
// LAYOUT.md), uploaded as an Array<u32>; the other fields are byte offsets and sizes that depend only
// on the grid's value type, computed once on the host, plus the grid's float index<->world map.
// Every query reads the buffer with load<T>(buf, byteOffset), walking root -> upper -> lower -> leaf
// exactly as NanoVDB's ReadAccessor does (first root tile whose key matches; child masks; tile values).
//
// Semantics (NanoVDB's SampleFromVoxels, orders 0 and 1), in index space:
//   - nearest (VOLUME_NEAREST): the value at floor(p + 0.5), computed exactly (no rounding of p + 0.5);
//   - trilinear (VOLUME_LINEAR): the 8 values at floor(p) + {0,1}^3 and u = p - floor(p) (exact), then
//     lerp(a, b, w) = a + w * (b - a) z first, then y, then x, in the value type, as NanoVDB does.
//     Integer grids "interpolate" as NanoVDB does too: the weight becomes 0, so the answer is the value
//     at floor(p);
//   - the gradient is NanoVDB's TrilinearSampler::gradient (derivative of the interpolant, index
//     space); in nearest mode it is 0 (the derivative of a piecewise-constant field).
// Trilinear samples are differentiable with respect to p (the values read from the grid are
// constants), through custom adjoints in closed form (see "Custom adjoints" below); lookups and
// nearest samples have gradient 0.
// The maps use fma as NanoVDB's Map does (indexToWorldF / worldToIndexF), so they give NanoVDB's bits.
// A query of the wrong value type (volumeSampleF on a vec3f grid, ...) returns 0, as in Warp.
//
// Offsets are i32: grids up to 2 GiB (wf.Volume checks).
//
// (Library-internal calls go to non-exported helpers, never to an exported name of this file.)

import { Array, StaticArray, vec3, vec3d, vec3i, mat33, f32, f64, i32, u32, bool, floor, fma, dot } from "weft/kernels";

/** Sampling modes (Warp: Volume.CLOSEST, Volume.LINEAR). */
export const VOLUME_NEAREST: i32 = 0;
export const VOLUME_LINEAR: i32 = 1;

/** NanoVDB GridType numbers of the value types the typed queries read. */
export const VOLUME_FLOAT: i32 = 1;
export const VOLUME_DOUBLE: i32 = 2;
export const VOLUME_INT32: i32 = 4;
export const VOLUME_INT64: i32 = 5;
export const VOLUME_VEC3F: i32 = 6;
export const VOLUME_VEC3D: i32 = 7;
export const VOLUME_UINT32: i32 = 10;

// Offsets inside nodes that are the same for every value type (LAYOUT.md).
const UPPER_VALUE_MASK: i32 = 32;
const UPPER_CHILD_MASK: i32 = 4128;
const LOWER_VALUE_MASK: i32 = 32;
const LOWER_CHILD_MASK: i32 = 544;
const LEAF_VALUE_MASK: i32 = 16;
const TILE_CHILD: i32 = 8;
const TILE_STATE: i32 = 16;

/** A wf.Volume in a kernel: the grid buffer and what the host precomputed from its header. */
@struct
export class Volume {
  /** The NanoVDB grid buffer (GridData at byte 0). */
  buf: Array<u32>;
  /** NanoVDB GridType (VOLUME_FLOAT, ...). */
  gridType: i32;
  /** Bytes of one value. */
  valueBytes: i32;
  /** Byte offset of RootData; root child offsets are relative to it. */
  root: i32;
  /** Byte offset of the first root tile, number of root tiles, bytes per tile, value offset in a tile. */
  tiles: i32;
  tileCount: i32;
  tileBytes: i32;
  tileValue: i32;
  /** Byte offset of the background value (in RootData). */
  background: i32;
  /** Child/tile tables of upper (32^3) and lower (16^3) nodes: offset in the node and entry stride. */
  upperTable: i32;
  upperStride: i32;
  lowerTable: i32;
  lowerStride: i32;
  /** Offset of the values in a leaf. */
  leafValues: i32;
  /** The float map: world = indexToWorld * ijk + translation (NanoVDB mMatF, mInvMatF, mVecF). */
  indexToWorld: mat33;
  worldToIndex: mat33;
  translation: vec3;
}

/** Where a lookup ended: the byte offset of the value, the leaf (-1 for a tile), active state, level. */
@struct
export class VolumeProbe {
  at: i32;
  leaf: i32;
  active: bool;
  /** 0 leaf voxel, 1 lower tile, 2 upper tile, 3 root tile, 4 background. */
  level: i32;
}

/** A trilinear sample and its index-space gradient. */
@struct
export class VolumeSampleGrad {
  value: f32;
  grad: vec3;
}

// ------------------------------------------------------------------------------------ traversal

@func
function maskBit(buf: Array<u32>, mask: i32, n: i32): bool {
  return ((load<u32>(buf, mask + ((n >> 5) << 2)) >>> u32(n & 31)) & 1) != 0;
}

@func
function probe(v: Volume, i: i32, j: i32, k: i32): VolumeProbe {
  let r = new VolumeProbe();
  r.at = v.background;
  r.leaf = -1;
  r.level = 4;
  // root key (u64): (z >> 12) | (y >> 12) << 21 | (x >> 12) << 42, compared as two u32 words
  const uy = u32(j) >>> 12;
  const keyLo = (u32(k) >>> 12) | (uy << 21);
  const keyHi = (uy >>> 11) | ((u32(i) >>> 12) << 10);
  let tile = -1;
  for (let t = 0; t < v.tileCount; t++) {
    const at = v.tiles + t * v.tileBytes;
    if (load<u32>(v.buf, at) == keyLo && load<u32>(v.buf, at + 4) == keyHi) {
      tile = at;
      break;
    }
  }
  // (nested ifs rather than early returns: fewer flags for the autodiff replay to carry)
  if (tile >= 0) {
    // child offsets are i64; grids are below 2 GiB, so the low word holds the offset
    const child = load<i32>(v.buf, tile + TILE_CHILD) | load<i32>(v.buf, tile + TILE_CHILD + 4);
    if (child == 0) {
      r.at = tile + v.tileValue;
      r.active = load<u32>(v.buf, tile + TILE_STATE) != 0;
      r.level = 3;
    } else {
      const upper = v.root + load<i32>(v.buf, tile + TILE_CHILD);
      const nu = (((i & 4095) >> 7) << 10) | (((j & 4095) >> 7) << 5) | ((k & 4095) >> 7);
      const eu = upper + v.upperTable + nu * v.upperStride;
      if (!maskBit(v.buf, upper + UPPER_CHILD_MASK, nu)) {
        r.at = eu;
        r.active = maskBit(v.buf, upper + UPPER_VALUE_MASK, nu);
        r.level = 2;
      } else {
        const lower = upper + load<i32>(v.buf, eu);
        const nl = (((i & 127) >> 3) << 8) | (((j & 127) >> 3) << 4) | ((k & 127) >> 3);
        const el = lower + v.lowerTable + nl * v.lowerStride;
        if (!maskBit(v.buf, lower + LOWER_CHILD_MASK, nl)) {
          r.at = el;
          r.active = maskBit(v.buf, lower + LOWER_VALUE_MASK, nl);
          r.level = 1;
        } else {
          const leaf = lower + load<i32>(v.buf, el);
          const n = ((i & 7) << 6) | ((j & 7) << 3) | (k & 7);
          r.leaf = leaf;
          r.at = leaf + v.leafValues + n * v.valueBytes;
          r.active = maskBit(v.buf, leaf + LEAF_VALUE_MASK, n);
          r.level = 0;
        }
      }
    }
  }
  return r;
}

@func
function offsetAt(v: Volume, i: i32, j: i32, k: i32): i32 {
  return probe(v, i, j, k).at;
}

/** Byte offsets of the 8 values around a cell, in NanoVDB's order v[dx][dy][dz] (a = 4 dx + 2 dy + dz). */
@struct
class VolumeCell {
  a0: i32; a1: i32; a2: i32; a3: i32; a4: i32; a5: i32; a6: i32; a7: i32;
}

/**
 * The first `corners` (1 or 8) corners of the cell with lower corner (i, j, k). The first corner is
 * probed; a corner in the same 8^3 block reuses that probe (the same leaf, or the tile covering the
 * whole block), the others are probed. There is one probe call site, in a loop: every @func is
 * inlined, so this keeps kernels (and their adjoints) small.
 */
@func
function cell(v: Volume, i: i32, j: i32, k: i32, corners: i32): VolumeCell {
  const offs = new StaticArray<i32>(8);
  let baseLeaf = -1;
  let baseAt = 0;
  for (let a = 0; a < corners; a++) {
    const x = i + (a >> 2);
    const y = j + ((a >> 1) & 1);
    const z = k + (a & 1);
    if (a > 0 && (x & ~7) == (i & ~7) && (y & ~7) == (j & ~7) && (z & ~7) == (k & ~7)) {
      offs[a] = baseLeaf < 0 ? baseAt : baseLeaf + v.leafValues + (((x & 7) << 6) | ((y & 7) << 3) | (z & 7)) * v.valueBytes;
    } else {
      const r = probe(v, x, y, z);
      offs[a] = r.at;
      if (a == 0) {
        baseLeaf = r.leaf;
        baseAt = r.at;
      }
    }
  }
  let c = new VolumeCell();
  c.a0 = offs[0]; c.a1 = offs[1]; c.a2 = offs[2]; c.a3 = offs[3];
  c.a4 = offs[4]; c.a5 = offs[5]; c.a6 = offs[6]; c.a7 = offs[7];
  return c;
}

/**
 * The voxel of index-space p: nearest, floor(p + 0.5) (computed as floor(p) + (frac >= 0.5), exactly
 * what NanoVDB's rounding in double gives); else floor(p), the lower corner of its cell.
 */
@func
function voxelOf(p: vec3, nearest: bool): vec3i {
  const f = floor(p);
  const r = p - f;
  let c = vec3i(i32(f.x), i32(f.y), i32(f.z));
  if (nearest) c = c + vec3i(r.x >= 0.5 ? 1 : 0, r.y >= 0.5 ? 1 : 0, r.z >= 0.5 ? 1 : 0);
  return c;
}

/** The cell of index-space p: nearest, the voxel at floor(p + 0.5) (a0 only); else the 8 corners. */
@func
function cellAt(v: Volume, p: vec3, nearest: bool): VolumeCell {
  const c = voxelOf(p, nearest);
  return cell(v, c.x, c.y, c.z, nearest ? 1 : 8);
}

@func
function cellAtD(v: Volume, p: vec3d, nearest: bool): VolumeCell {
  const f = floor(p);
  const r = p - f;
  let i = i32(f.x);
  let j = i32(f.y);
  let k = i32(f.z);
  if (nearest) {
    i += r.x >= 0.5 ? 1 : 0;
    j += r.y >= 0.5 ? 1 : 0;
    k += r.z >= 0.5 ? 1 : 0;
  }
  return cell(v, i, j, k, nearest ? 1 : 8);
}

@func
function lerpF(a: f32, b: f32, w: f32): f32 {
  return a + w * (b - a);
}

@func
function lerpD(a: f64, b: f64, w: f64): f64 {
  return a + w * (b - a);
}

@func
function lerpV(a: vec3, b: vec3, w: f32): vec3 {
  return a + (b - a) * w;
}

// ------------------------------------------------------------------------------------ lookups

/** The probe of (i, j, k): byte offset of its value, its leaf, active state and tree level. */
@func
export function volumeProbe(vol: Volume, i: i32, j: i32, k: i32): VolumeProbe {
  return probe(vol, i, j, k);
}

/** Byte offset in vol.buf of the value at (i, j, k), for any value type: load<T>(vol.buf, at). */
@func
export function volumeLookupOffset(vol: Volume, i: i32, j: i32, k: i32): i32 {
  return offsetAt(vol, i, j, k);
}

/** Whether the voxel or tile holding (i, j, k) is active. */
@func
export function volumeIsActive(vol: Volume, i: i32, j: i32, k: i32): bool {
  return probe(vol, i, j, k).active;
}

/** The value of a float grid at index coordinates (i, j, k) (background outside the tree). */
@func
export function volumeLookupF(vol: Volume, i: i32, j: i32, k: i32): f32 {
  if (vol.gridType != VOLUME_FLOAT) return 0;
  return load<f32>(vol.buf, offsetAt(vol, i, j, k));
}

/** The value of a double grid at (i, j, k). */
@func
export function volumeLookupD(vol: Volume, i: i32, j: i32, k: i32): f64 {
  if (vol.gridType != VOLUME_DOUBLE) return 0;
  return load<f64>(vol.buf, offsetAt(vol, i, j, k));
}

/** The value of an int32 grid at (i, j, k). */
@func
export function volumeLookupI(vol: Volume, i: i32, j: i32, k: i32): i32 {
  if (vol.gridType != VOLUME_INT32) return 0;
  return load<i32>(vol.buf, offsetAt(vol, i, j, k));
}

/** The value of a uint32 grid at (i, j, k). */
@func
export function volumeLookupU(vol: Volume, i: i32, j: i32, k: i32): u32 {
  if (vol.gridType != VOLUME_UINT32) return 0;
  return load<u32>(vol.buf, offsetAt(vol, i, j, k));
}

/** The value of a vec3f grid at (i, j, k). */
@func
export function volumeLookupV(vol: Volume, i: i32, j: i32, k: i32): vec3 {
  if (vol.gridType != VOLUME_VEC3F) return vec3(0, 0, 0);
  return load<vec3>(vol.buf, offsetAt(vol, i, j, k));
}

/** The value of a vec3d grid at (i, j, k). */
@func
export function volumeLookupVd(vol: Volume, i: i32, j: i32, k: i32): vec3d {
  if (vol.gridType != VOLUME_VEC3D) return vec3d(0, 0, 0);
  return load<vec3d>(vol.buf, offsetAt(vol, i, j, k));
}

// ------------------------------------------------------------------------------------ sampling

/** The 8 values around a cell, v[dx][dy][dz] as v{4 dx + 2 dy + dz}. */
@struct
class StencilF {
  v0: f32; v1: f32; v2: f32; v3: f32; v4: f32; v5: f32; v6: f32; v7: f32;
}

@struct
class StencilD {
  v0: f64; v1: f64; v2: f64; v3: f64; v4: f64; v5: f64; v6: f64; v7: f64;
}

@struct
class StencilV {
  v0: vec3; v1: vec3; v2: vec3; v3: vec3; v4: vec3; v5: vec3; v6: vec3; v7: vec3;
}

@func
function readF(v: Volume, c: VolumeCell): StencilF {
  const s: StencilF = {
    v0: load<f32>(v.buf, c.a0), v1: load<f32>(v.buf, c.a1), v2: load<f32>(v.buf, c.a2), v3: load<f32>(v.buf, c.a3),
    v4: load<f32>(v.buf, c.a4), v5: load<f32>(v.buf, c.a5), v6: load<f32>(v.buf, c.a6), v7: load<f32>(v.buf, c.a7),
  };
  return s;
}

@func
function readD(v: Volume, c: VolumeCell): StencilD {
  const s: StencilD = {
    v0: load<f64>(v.buf, c.a0), v1: load<f64>(v.buf, c.a1), v2: load<f64>(v.buf, c.a2), v3: load<f64>(v.buf, c.a3),
    v4: load<f64>(v.buf, c.a4), v5: load<f64>(v.buf, c.a5), v6: load<f64>(v.buf, c.a6), v7: load<f64>(v.buf, c.a7),
  };
  return s;
}

@func
function readV(v: Volume, c: VolumeCell): StencilV {
  const s: StencilV = {
    v0: load<vec3>(v.buf, c.a0), v1: load<vec3>(v.buf, c.a1), v2: load<vec3>(v.buf, c.a2), v3: load<vec3>(v.buf, c.a3),
    v4: load<vec3>(v.buf, c.a4), v5: load<vec3>(v.buf, c.a5), v6: load<vec3>(v.buf, c.a6), v7: load<vec3>(v.buf, c.a7),
  };
  return s;
}

/** NanoVDB's TrilinearSampler::sample: z first, then y, then x. */
@func
function trilinear(s: StencilF, u: vec3): f32 {
  return lerpF(lerpF(lerpF(s.v0, s.v1, u.z), lerpF(s.v2, s.v3, u.z), u.y), lerpF(lerpF(s.v4, s.v5, u.z), lerpF(s.v6, s.v7, u.z), u.y), u.x);
}

@func
function trilinearD(s: StencilD, u: vec3d): f64 {
  return lerpD(lerpD(lerpD(s.v0, s.v1, u.z), lerpD(s.v2, s.v3, u.z), u.y), lerpD(lerpD(s.v4, s.v5, u.z), lerpD(s.v6, s.v7, u.z), u.y), u.x);
}

@func
function trilinearV(s: StencilV, u: vec3): vec3 {
  return lerpV(lerpV(lerpV(s.v0, s.v1, u.z), lerpV(s.v2, s.v3, u.z), u.y), lerpV(lerpV(s.v4, s.v5, u.z), lerpV(s.v6, s.v7, u.z), u.y), u.x);
}

/** NanoVDB's TrilinearSampler::gradient (index space), operation for operation. */
@func
function gradient(s: StencilF, u: vec3): vec3 {
  let d0 = s.v1 - s.v0;
  let d1 = s.v3 - s.v2;
  let d2 = s.v5 - s.v4;
  let d3 = s.v7 - s.v6;
  const gz = lerpF(lerpF(d0, d1, u.y), lerpF(d2, d3, u.y), u.x);
  d0 = s.v0 + d0 * u.z;
  d1 = s.v2 + d1 * u.z;
  d2 = s.v4 + d2 * u.z;
  d3 = s.v6 + d3 * u.z;
  return vec3(lerpF(d2, d3, u.y) - lerpF(d0, d1, u.y), lerpF(d1 - d0, d3 - d2, u.x), gz);
}

@func
function gradientD(s: StencilD, u: vec3d): vec3d {
  let d0 = s.v1 - s.v0;
  let d1 = s.v3 - s.v2;
  let d2 = s.v5 - s.v4;
  let d3 = s.v7 - s.v6;
  const gz = lerpD(lerpD(d0, d1, u.y), lerpD(d2, d3, u.y), u.x);
  d0 = s.v0 + d0 * u.z;
  d1 = s.v2 + d1 * u.z;
  d2 = s.v4 + d2 * u.z;
  d3 = s.v6 + d3 * u.z;
  return vec3d(lerpD(d2, d3, u.y) - lerpD(d0, d1, u.y), lerpD(d1 - d0, d3 - d2, u.x), gz);
}

/** The mixed second derivatives of the interpolant (its Hessian has a zero diagonal): (xy, xz, yz). */
@func
function mixed(s: StencilF, u: vec3): vec3 {
  return vec3(
    lerpF(s.v6 - s.v4 - s.v2 + s.v0, s.v7 - s.v5 - s.v3 + s.v1, u.z),
    lerpF(s.v5 - s.v4 - s.v1 + s.v0, s.v7 - s.v6 - s.v3 + s.v2, u.y),
    lerpF(s.v3 - s.v2 - s.v1 + s.v0, s.v7 - s.v6 - s.v5 + s.v4, u.x),
  );
}

/** Samples a float grid at index-space p: VOLUME_NEAREST or VOLUME_LINEAR (differentiable in p). */
@func
export function volumeSampleF(vol: Volume, p: vec3, mode: i32): f32 {
  if (vol.gridType != VOLUME_FLOAT) return 0;
  const c = cellAt(vol, p, mode == VOLUME_NEAREST);
  if (mode == VOLUME_NEAREST) return load<f32>(vol.buf, c.a0);
  return trilinear(readF(vol, c), p - floor(p));
}

/**
 * A float grid's sample at index-space p and its index-space gradient (NanoVDB's trilinear gradient;
 * 0 in nearest mode). World-space gradient: volumeIndexToWorldGrad(vol, r.grad). Differentiable in p
 * (value and gradient: the gradient's derivative is the interpolant's mixed second derivatives).
 */
@func
export function volumeSampleGradF(vol: Volume, p: vec3, mode: i32): VolumeSampleGrad {
  let r = new VolumeSampleGrad();
  if (vol.gridType != VOLUME_FLOAT) return r;
  const c = cellAt(vol, p, mode == VOLUME_NEAREST);
  if (mode == VOLUME_NEAREST) {
    r.value = load<f32>(vol.buf, c.a0);
    return r;
  }
  const s = readF(vol, c);
  const u = p - floor(p);
  r.value = trilinear(s, u);
  r.grad = gradient(s, u);
  return r;
}

/** Samples a double grid at index-space p (vec3d): nearest or trilinear (in double, as NanoVDB). */
@func
export function volumeSampleD(vol: Volume, p: vec3d, mode: i32): f64 {
  if (vol.gridType != VOLUME_DOUBLE) return 0;
  const c = cellAtD(vol, p, mode == VOLUME_NEAREST);
  if (mode == VOLUME_NEAREST) return load<f64>(vol.buf, c.a0);
  return trilinearD(readD(vol, c), p - floor(p));
}

/** Samples a vec3f grid at index-space p: nearest or trilinear (differentiable in p). */
@func
export function volumeSampleV(vol: Volume, p: vec3, mode: i32): vec3 {
  if (vol.gridType != VOLUME_VEC3F) return vec3(0, 0, 0);
  const c = cellAt(vol, p, mode == VOLUME_NEAREST);
  if (mode == VOLUME_NEAREST) return load<vec3>(vol.buf, c.a0);
  return trilinearV(readV(vol, c), p - floor(p));
}

/**
 * Samples an int32 grid at index-space p. Nearest rounds; "trilinear" is NanoVDB's integer
 * interpolation, whose weights truncate to 0: the value at floor(p).
 */
@func
export function volumeSampleI(vol: Volume, p: vec3, mode: i32): i32 {
  if (vol.gridType != VOLUME_INT32) return 0;
  const c = voxelOf(p, mode == VOLUME_NEAREST);
  return load<i32>(vol.buf, offsetAt(vol, c.x, c.y, c.z));
}

// Custom adjoints (@adjointOf): autodiff replays a sample forward without recording its tree walk and
// calls these instead of sweeping the walk in reverse; each walks to the cell again and returns the
// closed-form derivative with respect to p (the trilinear gradient; for a vector grid the gradient of
// dot(adj, value); for volumeSampleGradF also the mixed second derivatives times adj.grad). Nearest
// samples, and queries of the wrong value type, get 0.

@adjointOf(volumeSampleF)
@func
function volumeSampleFAdj(vol: Volume, p: vec3, mode: i32, adj: f32): vec3 {
  if (vol.gridType != VOLUME_FLOAT || mode == VOLUME_NEAREST) return vec3(0, 0, 0);
  return gradient(readF(vol, cellAt(vol, p, false)), p - floor(p)) * adj;
}

@adjointOf(volumeSampleGradF)
@func
function volumeSampleGradFAdj(vol: Volume, p: vec3, mode: i32, adj: VolumeSampleGrad): vec3 {
  if (vol.gridType != VOLUME_FLOAT || mode == VOLUME_NEAREST) return vec3(0, 0, 0);
  const s = readF(vol, cellAt(vol, p, false));
  const u = p - floor(p);
  const h = mixed(s, u);
  const a = adj.grad;
  return gradient(s, u) * adj.value + vec3(h.x * a.y + h.y * a.z, h.x * a.x + h.z * a.z, h.y * a.x + h.z * a.y);
}

@adjointOf(volumeSampleD)
@func
function volumeSampleDAdj(vol: Volume, p: vec3d, mode: i32, adj: f64): vec3d {
  if (vol.gridType != VOLUME_DOUBLE || mode == VOLUME_NEAREST) return vec3d(0, 0, 0);
  return gradientD(readD(vol, cellAtD(vol, p, false)), p - floor(p)) * adj;
}

@adjointOf(volumeSampleV)
@func
function volumeSampleVAdj(vol: Volume, p: vec3, mode: i32, adj: vec3): vec3 {
  if (vol.gridType != VOLUME_VEC3F || mode == VOLUME_NEAREST) return vec3(0, 0, 0);
  const s = readV(vol, cellAt(vol, p, false));
  const w: StencilF = {
    v0: dot(adj, s.v0), v1: dot(adj, s.v1), v2: dot(adj, s.v2), v3: dot(adj, s.v3),
    v4: dot(adj, s.v4), v5: dot(adj, s.v5), v6: dot(adj, s.v6), v7: dot(adj, s.v7),
  };
  return gradient(w, p - floor(p));
}

// ------------------------------------------------------------------------------------ maps

/** Index space to world space (NanoVDB indexToWorldF: fused multiply-adds, innermost term first). */
@func
export function volumeIndexToWorld(vol: Volume, p: vec3): vec3 {
  const m = vol.indexToWorld;
  const t = vol.translation;
  return vec3(
    fma(p.x, m[0][0], fma(p.y, m[0][1], fma(p.z, m[0][2], t.x))),
    fma(p.x, m[1][0], fma(p.y, m[1][1], fma(p.z, m[1][2], t.y))),
    fma(p.x, m[2][0], fma(p.y, m[2][1], fma(p.z, m[2][2], t.z))),
  );
}

/** World space to index space (NanoVDB worldToIndexF). */
@func
export function volumeWorldToIndex(vol: Volume, p: vec3): vec3 {
  const m = vol.worldToIndex;
  const d = p - vol.translation;
  return vec3(
    fma(d.x, m[0][0], fma(d.y, m[0][1], d.z * m[0][2])),
    fma(d.x, m[1][0], fma(d.y, m[1][1], d.z * m[1][2])),
    fma(d.x, m[2][0], fma(d.y, m[2][1], d.z * m[2][2])),
  );
}

/** A direction from index space to world space (the linear part of the map). */
@func
export function volumeIndexToWorldDir(vol: Volume, d: vec3): vec3 {
  const m = vol.indexToWorld;
  return vec3(
    fma(d.x, m[0][0], fma(d.y, m[0][1], d.z * m[0][2])),
    fma(d.x, m[1][0], fma(d.y, m[1][1], d.z * m[1][2])),
    fma(d.x, m[2][0], fma(d.y, m[2][1], d.z * m[2][2])),
  );
}

/** A direction from world space to index space. */
@func
export function volumeWorldToIndexDir(vol: Volume, d: vec3): vec3 {
  const m = vol.worldToIndex;
  return vec3(
    fma(d.x, m[0][0], fma(d.y, m[0][1], d.z * m[0][2])),
    fma(d.x, m[1][0], fma(d.y, m[1][1], d.z * m[1][2])),
    fma(d.x, m[2][0], fma(d.y, m[2][1], d.z * m[2][2])),
  );
}

/** An index-space gradient to world space (the transposed inverse map, as NanoVDB's indexToWorldGrad). */
@func
export function volumeIndexToWorldGrad(vol: Volume, g: vec3): vec3 {
  const m = vol.worldToIndex;
  return vec3(
    fma(g.x, m[0][0], fma(g.y, m[1][0], g.z * m[2][0])),
    fma(g.x, m[0][1], fma(g.y, m[1][1], g.z * m[2][1])),
    fma(g.x, m[0][2], fma(g.y, m[1][2], g.z * m[2][2])),
  );
}
