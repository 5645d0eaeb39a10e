// The BVH memory layout shared by the host builder, the host refit, the kernel-language refit
// (kernels-as/lib/bvh.ts) and every traversal. One node is 32 bytes, eight 4-byte words, so CPU (wasm)
// and GPU (CUDA) read the same bytes:
//
//   @struct class BvhNode { lower: vec3; child: i32; upper: vec3; skip: i32; }
//
//   word 0..2  lower   box minimum (f32 x, y, z)
//   word 3     child   >= 0: an inner node; its children are node+1 (first) and `child` (second).
//                      <  0: a leaf over primitive slots [first, first + count) of `primIds`, where
//                            ~child = (first << 3) | (count - 1)   (so 1 <= count <= 8)
//   word 4..6  upper   box maximum
//   word 7     skip    the node that follows this subtree in preorder (its "miss link"), -1 at the end
//
// Nodes are stored in **preorder** with the first child right after its parent, so: the root is node
// 0; children always have larger indices than their parent (a reverse sweep over the nodes is a
// bottom-up refit); a stack-based traversal visits node+1 and `child`; a stackless traversal goes to
// node+1 on a box hit (inner nodes) and to `skip` on a miss or after a leaf. The stackless form is
// what lets the query iterators (`bvhQueryAabb`/`bvhQueryNext`, `meshQueryAabb`/`meshQueryAabbNext`)
// keep their whole state in a small @struct.
//
// `primIds[slot]` is the original primitive (triangle or box) index of a leaf slot. A tree over n
// primitives has at most 2n - 1 nodes. The builder caps the depth (see build.ts), so a traversal
// stack of 64 entries always suffices.

import { F32, I32, Type, vec } from "../../ir/types.js";
import { DType, makeDType } from "../../runtime/dtype.js";

export const NODE_WORDS = 8;
export const NODE_BYTES = 32;
/** Largest primitive count a leaf can encode. */
export const MAX_LEAF_SIZE = 8;
/** Depth from which the builder splits at the object median (keeps the depth under STACK_SIZE). */
export const MEDIAN_DEPTH = 36;
/** Traversal stack length used by the kernel library. */
export const STACK_SIZE = 64;

export const bvhNodeType: Type = {
  k: "struct", name: "BvhNode",
  fields: [{ name: "lower", type: vec(3) }, { name: "child", type: I32 }, { name: "upper", type: vec(3) }, { name: "skip", type: I32 }],
};
export const BvhNodeDType: DType = makeDType(bvhNodeType, "BvhNode");

/**
 * Per-node data for the fast winding number (first-order dipole of Barill et al. 2018), 32 bytes:
 *   @struct class WindingNode { center: vec3; radius: f32; areaNormal: vec3; area: f32; }
 * center: area-weighted centroid of the node's triangles; areaNormal: Σ ½ (b - a) × (c - a);
 * radius: the largest distance from center to a vertex of the node's triangles.
 */
export const windingNodeType: Type = {
  k: "struct", name: "WindingNode",
  fields: [{ name: "center", type: vec(3) }, { name: "radius", type: F32 }, { name: "areaNormal", type: vec(3) }, { name: "area", type: F32 }],
};
export const WindingNodeDType: DType = makeDType(windingNodeType, "WindingNode");

export const encodeLeaf = (first: number, count: number): number => ~((first << 3) | (count - 1));
export const leafFirst = (child: number): number => ~child >> 3;
export const leafCount = (child: number): number => (~child & 7) + 1;

/** A host-side node array: f32 and i32 views of the same words. */
export interface NodeBuffer {
  count: number;
  f: Float32Array;
  i: Int32Array;
}

export function nodeBuffer(count: number, buffer?: ArrayBufferLike, byteOffset = 0): NodeBuffer {
  const buf = buffer ?? new ArrayBuffer(count * NODE_BYTES);
  return { count, f: new Float32Array(buf, byteOffset, count * NODE_WORDS), i: new Int32Array(buf, byteOffset, count * NODE_WORDS) };
}
