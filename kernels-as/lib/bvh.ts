// BVH traversal in the weft kernel language, part of the standard library: kernel modules use these
// names as they use builtins (import { Bvh, bvhQueryAabb } from "weft/kernels" for editors). Compiled
// with each user module to every backend (interp, wasm, CUDA), so CPU and GPU answers come from this
// one source. The node layout is documented in engine/geometry/bvh/layout.ts: 32-byte BvhNodes in
// preorder; the first child at node+1, the second at `child`; a leaf encodes a primIds range in
// ~child; `skip` is the miss link.
//
// A wf.Bvh (boxes lowers[i]..uppers[i]) arrives in a kernel as the struct `Bvh`. Its queries are
// iterators whose whole state is a @struct value:
//
//   let q = bvhQueryAabb(bvh, lo, hi);
//   while (q.item >= 0) { /* box q.item overlaps [lo, hi] */ q = bvhQueryAabbNext(q); }
//
//   let r = bvhQueryRay(bvh, origin, dir, maxT);
//   while (r.item >= 0) { /* the segment enters box r.item at r.t */ r = bvhQueryRayNext(r); }
//
// They are stackless (they follow the skip links), which is what lets the state be a plain value.
// Items come in tree order, not sorted.
//
// (Library-internal calls go to the non-exported helpers, never to an exported name of this file.)

import { Array, vec3, f32, i32, bool, min, max } from "weft/kernels";

@struct
export class BvhNode { lower: vec3; child: i32; upper: vec3; skip: i32; }

/** A wf.Bvh in a kernel: its nodes, leaf slot -> box map, and the boxes. */
@struct
export class Bvh { nodes: Array<BvhNode>; primIds: Array<i32>; lowers: Array<vec3>; uppers: Array<vec3>; }

/** State of an AABB overlap query: `item` is the current box (-1 when done). */
@struct
export class BvhQueryAabb { bvh: Bvh; lower: vec3; upper: vec3; node: i32; slot: i32; end: i32; item: i32; }

/** State of a ray query: `item` is the current box the segment [0, maxT] meets, entered at `t`. */
@struct
export class BvhQueryRay { bvh: Bvh; origin: vec3; invDir: vec3; maxT: f32; node: i32; slot: i32; end: i32; item: i32; t: f32; }

@func
function overlap(alo: vec3, ahi: vec3, blo: vec3, bhi: vec3): bool {
  return alo.x <= bhi.x && alo.y <= bhi.y && alo.z <= bhi.z && blo.x <= ahi.x && blo.y <= ahi.y && blo.z <= ahi.z;
}

/** Whether boxes [alo, ahi] and [blo, bhi] overlap (touching counts). */
@func
export function aabbOverlap(alo: vec3, ahi: vec3, blo: vec3, bhi: vec3): bool {
  return overlap(alo, ahi, blo, bhi);
}

@func
function boxEntry(origin: vec3, invDir: vec3, maxT: f32, lo: vec3, hi: vec3): f32 {
  const nx = ((invDir.x >= 0 ? lo.x : hi.x) - origin.x) * invDir.x;
  const fx = ((invDir.x >= 0 ? hi.x : lo.x) - origin.x) * invDir.x;
  const ny = ((invDir.y >= 0 ? lo.y : hi.y) - origin.y) * invDir.y;
  const fy = ((invDir.y >= 0 ? hi.y : lo.y) - origin.y) * invDir.y;
  const nz = ((invDir.z >= 0 ? lo.z : hi.z) - origin.z) * invDir.z;
  const fz = ((invDir.z >= 0 ? hi.z : lo.z) - origin.z) * invDir.z;
  const tmin = max(max(max(nx, ny), nz), f32(0));
  const tmax = min(min(min(fx, fy), fz), maxT);
  if (tmin <= tmax) return tmin;
  return -1;
}

/**
 * Entry parameter of the ray origin + t d into box [lo, hi] (touching counts), clipped to
 * [0, maxT]; -1 when the ray misses it. invDir = 1/d componentwise (rayInverseDir): the near and far
 * planes are picked by its sign, so a ray parallel to an axis gives -inf/+inf slab bounds, or NaN
 * when it lies exactly in a face plane of the box; min and max ignore a NaN operand, so such a ray
 * hits the box.
 */
@func
export function rayBoxEntry(origin: vec3, invDir: vec3, maxT: f32, lo: vec3, hi: vec3): f32 {
  return boxEntry(origin, invDir, maxT, lo, hi);
}

/** 1/d componentwise (+-inf for a +-0 component; rayBoxEntry relies on those). */
@func
export function rayInverseDir(d: vec3): vec3 {
  return vec3(f32(1) / d.x, f32(1) / d.y, f32(1) / d.z);
}

@func
function aabbNext(q: BvhQueryAabb): BvhQueryAabb {
  let s = q;
  s.item = -1;
  while (true) {
    if (s.slot < s.end) {
      const p = s.bvh.primIds[s.slot];
      s.slot += 1;
      if (overlap(s.bvh.lowers[p], s.bvh.uppers[p], s.lower, s.upper)) { s.item = p; break; }
      continue;
    }
    if (s.node < 0) break;
    const n = s.node;
    const c = s.bvh.nodes[n].child;
    if (overlap(s.bvh.nodes[n].lower, s.bvh.nodes[n].upper, s.lower, s.upper)) {
      if (c < 0) { s.slot = ~c >> 3; s.end = s.slot + (~c & 7) + 1; s.node = s.bvh.nodes[n].skip; }
      else s.node = n + 1;
    } else s.node = s.bvh.nodes[n].skip;
  }
  return s;
}

/** Starts an AABB query: the returned state's `item` is the first box overlapping [lower, upper] (or -1). */
@func
export function bvhQueryAabb(bvh: Bvh, lower: vec3, upper: vec3): BvhQueryAabb {
  const q: BvhQueryAabb = { bvh: bvh, lower: lower, upper: upper, node: 0, slot: 0, end: 0, item: -1 };
  return aabbNext(q);
}

/** The next overlapping box (`item` -1 when there is none). */
@func
export function bvhQueryAabbNext(q: BvhQueryAabb): BvhQueryAabb {
  return aabbNext(q);
}

@func
function rayNext(q: BvhQueryRay): BvhQueryRay {
  let s = q;
  s.item = -1;
  while (true) {
    if (s.slot < s.end) {
      const p = s.bvh.primIds[s.slot];
      s.slot += 1;
      const t = boxEntry(s.origin, s.invDir, s.maxT, s.bvh.lowers[p], s.bvh.uppers[p]);
      if (t >= 0) { s.item = p; s.t = t; break; }
      continue;
    }
    if (s.node < 0) break;
    const n = s.node;
    const c = s.bvh.nodes[n].child;
    if (boxEntry(s.origin, s.invDir, s.maxT, s.bvh.nodes[n].lower, s.bvh.nodes[n].upper) >= 0) {
      if (c < 0) { s.slot = ~c >> 3; s.end = s.slot + (~c & 7) + 1; s.node = s.bvh.nodes[n].skip; }
      else s.node = n + 1;
    } else s.node = s.bvh.nodes[n].skip;
  }
  return s;
}

/** Starts a ray query: boxes the segment origin + t dir, t in [0, maxT], meets (touching counts). */
@func
export function bvhQueryRay(bvh: Bvh, origin: vec3, dir: vec3, maxT: f32): BvhQueryRay {
  const inv = vec3(f32(1) / dir.x, f32(1) / dir.y, f32(1) / dir.z);
  const q: BvhQueryRay = { bvh: bvh, origin: origin, invDir: inv, maxT: maxT, node: 0, slot: 0, end: 0, item: -1, t: 0 };
  return rayNext(q);
}

/** The next box the ray meets (`item` -1 when there is none); `t` is where it enters that box. */
@func
export function bvhQueryRayNext(q: BvhQueryRay): BvhQueryRay {
  return rayNext(q);
}
