// Triangle-mesh queries in the weft kernel language, part of the standard library (kernel modules
// use the names as they use builtins; import { Mesh, meshQueryPoint } from "weft/kernels" for
// editors), over the BVH of kernels-as/lib/bvh.ts (layout: engine/geometry/bvh/layout.ts). Written
// once and compiled with each user module to every backend.
//
// A wf.Mesh arrives in a kernel as the struct `Mesh` (the launch takes `mesh.asKernelArg(device)`):
//   points: Array<vec3>        vertex positions            velocities: Array<vec3> (zeros if not given)
//   indices: Array<i32>        3 vertex indices per face (counter-clockwise seen from outside)
//   nodes: Array<BvhNode>      the BVH; primIds: Array<i32> leaf slot -> face
//   adjacency: Array<i32>      3 per face: the face across edge k (vertex k to k+1), -1 on a boundary
//   vertexFaceStart/vertexFaces: Array<i32>   faces around each vertex (CSR)
//   winding: Array<WindingNode>  per BVH node: dipole data for the fast winding number
//
// Barycentric coordinates follow Warp: (u, v) weigh vertex 0 and vertex 1 of a face, so a point is
// u * p0 + v * p1 + (1 - u - v) * p2 (meshEvalPosition).
//
// Ties are broken the same way on every backend: among faces at exactly the same distance (or ray
// parameter t), the lowest face index wins. Queries are differentiable with respect to the query
// point and the ray: the traversal picks the face, then the answer is recomputed from that face in
// straight-line code, through which the gradient flows.

import { Array, StaticArray, vec3, f32, i32, bool, dot, cross, length, lengthSq, normalize, min, max, acos, atan2, clamp, matrixFromCols, determinant, inverse, transpose, BvhNode, aabbOverlap, rayBoxEntry, rayInverseDir } from "weft/kernels";

/** A wf.Mesh in a kernel (see the list above). */
@struct
export class Mesh {
  points: Array<vec3>; velocities: Array<vec3>; indices: Array<i32>; nodes: Array<BvhNode>; primIds: Array<i32>;
  adjacency: Array<i32>; vertexFaceStart: Array<i32>; vertexFaces: Array<i32>; winding: Array<WindingNode>;
}

@struct
export class MeshQueryPoint { hit: bool; face: i32; u: f32; v: f32; distance: f32; sign: f32; }

@struct
export class MeshQueryRay { hit: bool; t: f32; face: i32; u: f32; v: f32; normal: vec3; front: bool; sign: f32; }

/** State of an AABB query over a mesh: `face` is the current face whose bounds overlap (-1 when done). */
@struct
export class MeshQueryAabb { mesh: Mesh; lower: vec3; upper: vec3; node: i32; slot: i32; end: i32; face: i32; }

@struct
export class WindingNode { center: vec3; radius: f32; areaNormal: vec3; area: f32; }

/**
 * Closest point of triangle (a, b, c) to p (Ericson, Real-Time Collision Detection 5.1.5). `u`, `v`
 * weigh a and b; `feature` says where the point lies: 0 inside the face, 1..3 at vertex a, b, c,
 * 4..6 on edge ab, bc, ca (edge k runs from vertex k to vertex k+1).
 */
@struct
export class TriangleClosest { point: vec3; u: f32; v: f32; feature: i32; }

@func
function triClosest(p: vec3, a: vec3, b: vec3, c: vec3): TriangleClosest {
  let r = new TriangleClosest();
  const ab = b - a;
  const ac = c - a;
  const ap = p - a;
  const d1 = dot(ab, ap);
  const d2 = dot(ac, ap);
  if (d1 <= 0 && d2 <= 0) { r.point = a; r.u = 1; r.v = 0; r.feature = 1; return r; }
  const bp = p - b;
  const d3 = dot(ab, bp);
  const d4 = dot(ac, bp);
  if (d3 >= 0 && d4 <= d3) { r.point = b; r.u = 0; r.v = 1; r.feature = 2; return r; }
  const vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    let w: f32 = 0;
    if (d1 - d3 > 0) w = d1 / (d1 - d3);
    r.point = a + ab * w; r.u = 1 - w; r.v = w; r.feature = 4;
    return r;
  }
  const cp = p - c;
  const d5 = dot(ab, cp);
  const d6 = dot(ac, cp);
  if (d6 >= 0 && d5 <= d6) { r.point = c; r.u = 0; r.v = 0; r.feature = 3; return r; }
  const vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    let w: f32 = 0;
    if (d2 - d6 > 0) w = d2 / (d2 - d6);
    r.point = a + ac * w; r.u = 1 - w; r.v = 0; r.feature = 6;
    return r;
  }
  const va = d3 * d6 - d5 * d4;
  if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
    let w: f32 = 0;
    if ((d4 - d3) + (d5 - d6) > 0) w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    r.point = b + (c - b) * w; r.u = 0; r.v = 1 - w; r.feature = 5;
    return r;
  }
  const sum = va + vb + vc;
  if (sum > 0) {
    const vv = vb / sum;
    const ww = vc / sum;
    r.point = a + ab * vv + ac * ww; r.u = 1 - vv - ww; r.v = vv; r.feature = 0;
    return r;
  }
  // A degenerate (zero-area) triangle that rounding sent here: the nearest of its vertices.
  const da = lengthSq(ap);
  const db = lengthSq(bp);
  const dc = lengthSq(cp);
  if (da <= db && da <= dc) { r.point = a; r.u = 1; r.v = 0; r.feature = 1; }
  else if (db <= dc) { r.point = b; r.u = 0; r.v = 1; r.feature = 2; }
  else { r.point = c; r.u = 0; r.v = 0; r.feature = 3; }
  return r;
}

@func
export function closestPointOnTriangle(p: vec3, a: vec3, b: vec3, c: vec3): TriangleClosest {
  return triClosest(p, a, b, c);
}

/** Squared distance from p to box [lo, hi] (0 inside). */
@func
function boxDist2(lo: vec3, hi: vec3, p: vec3): f32 {
  const d = max(max(lo - p, p - hi), vec3(0, 0, 0));
  return dot(d, d);
}

@func
function vtx(mesh: Mesh, face: i32, k: i32): vec3 {
  return mesh.points[mesh.indices[face * 3 + k]];
}

@func
function closestOnFace(mesh: Mesh, f: i32, p: vec3): TriangleClosest {
  return triClosest(p, vtx(mesh, f, 0), vtx(mesh, f, 1), vtx(mesh, f, 2));
}

/** Vertex k (0, 1, 2) of a face. */
@func
export function meshEvalVertex(mesh: Mesh, face: i32, k: i32): vec3 {
  return vtx(mesh, face, k);
}

/**
 * The face nearest to p within maxDist (-1 if none): the BVH traversal, nearer child first, with
 * each pushed node's box distance kept beside it so that a node farther than the best face so far is
 * dropped without reading it again.
 */
@func
function closestFace(mesh: Mesh, p: vec3, maxDist: f32): i32 {
  const stack = new StaticArray<i32>(64);
  const dstack = new StaticArray<f32>(64);
  let best2 = maxDist * maxDist;
  let bestFace = -1;
  let top = 0;
  const d0 = boxDist2(mesh.nodes[0].lower, mesh.nodes[0].upper, p);
  if (d0 <= best2) { stack[0] = 0; dstack[0] = d0; top = 1; }
  while (top > 0) {
    top -= 1;
    if (dstack[top] > best2) continue;
    const n = stack[top];
    const c = mesh.nodes[n].child;
    if (c < 0) {
      const first = ~c >> 3;
      const end = first + (~c & 7) + 1;
      for (let s = first; s < end; s++) {
        const f = mesh.primIds[s];
        const d2 = lengthSq(p - closestOnFace(mesh, f, p).point);
        if (d2 < best2 || (d2 == best2 && (bestFace < 0 || f < bestFace))) { best2 = d2; bestFace = f; }
      }
    } else {
      const dl = boxDist2(mesh.nodes[n + 1].lower, mesh.nodes[n + 1].upper, p);
      const dr = boxDist2(mesh.nodes[c].lower, mesh.nodes[c].upper, p);
      // The farther child goes on the stack first, so the nearer one is visited next.
      let near = n + 1;
      let far = c;
      let dn = dl;
      let df = dr;
      if (dr < dl) { near = c; far = n + 1; dn = dr; df = dl; }
      if (df <= best2) { stack[top] = far; dstack[top] = df; top += 1; }
      if (dn <= best2) { stack[top] = near; dstack[top] = dn; top += 1; }
    }
  }
  return bestFace;
}

@func
function faceNormal(mesh: Mesh, face: i32): vec3 {
  const a = vtx(mesh, face, 0);
  return normalize(cross(vtx(mesh, face, 1) - a, vtx(mesh, face, 2) - a));
}

/** Unit normal of a face ((p1 - p0) x (p2 - p0), normalized; zero for a degenerate face). */
@func
export function meshEvalFaceNormal(mesh: Mesh, face: i32): vec3 {
  return faceNormal(mesh, face);
}

@func
function evalPosition(mesh: Mesh, face: i32, u: f32, v: f32): vec3 {
  return vtx(mesh, face, 0) * u + vtx(mesh, face, 1) * v + vtx(mesh, face, 2) * (1 - u - v);
}

/** u * p0 + v * p1 + (1 - u - v) * p2 of a face. */
@func
export function meshEvalPosition(mesh: Mesh, face: i32, u: f32, v: f32): vec3 {
  return evalPosition(mesh, face, u, v);
}

/** Velocity at barycentric (u, v) of a face, from the per-vertex velocities. */
@func
export function meshEvalVelocity(mesh: Mesh, face: i32, u: f32, v: f32): vec3 {
  const i = face * 3;
  return mesh.velocities[mesh.indices[i]] * u + mesh.velocities[mesh.indices[i + 1]] * v + mesh.velocities[mesh.indices[i + 2]] * (1 - u - v);
}

/** Closest point without a sign (sign = 0): the traversal, then the answer recomputed from the face. */
@func
function queryNoSign(mesh: Mesh, p: vec3, maxDist: f32): MeshQueryPoint {
  let q = new MeshQueryPoint();
  const f = closestFace(mesh, p, maxDist);
  q.face = f;
  if (f < 0) return q;
  const r = closestOnFace(mesh, f, p);
  q.hit = true;
  q.u = r.u;
  q.v = r.v;
  q.distance = length(p - r.point);
  return q;
}

/** The closest point of the mesh to p within maxDist: hit, face, (u, v), distance; sign 0. */
@func
export function meshQueryPointNoSign(mesh: Mesh, p: vec3, maxDist: f32): MeshQueryPoint {
  return queryNoSign(mesh, p, maxDist);
}

/** Angle of face g at its vertex `v`. */
@func
function cornerAngle(mesh: Mesh, g: i32, v: i32): f32 {
  let j = 0;
  if (mesh.indices[g * 3 + 1] == v) j = 1;
  if (mesh.indices[g * 3 + 2] == v) j = 2;
  const o = vtx(mesh, g, j);
  const e1 = normalize(vtx(mesh, g, (j + 1) % 3) - o);
  const e2 = normalize(vtx(mesh, g, (j + 2) % 3) - o);
  return acos(clamp(dot(e1, e2), -1, 1));
}

/**
 * Angle-weighted pseudonormal (Baerentzen and Aanaes) at a closest-point feature of a face: the face
 * normal inside, the sum of the two face normals on an edge, the angle-weighted sum around a vertex.
 */
@func
function pseudoNormal(mesh: Mesh, face: i32, feature: i32): vec3 {
  const nf = faceNormal(mesh, face);
  if (feature == 0) return nf;
  if (feature >= 4) {
    const g = mesh.adjacency[face * 3 + feature - 4];
    if (g < 0) return nf;
    return nf + faceNormal(mesh, g);
  }
  const v = mesh.indices[face * 3 + feature - 1];
  let n = vec3(0, 0, 0);
  for (let k = mesh.vertexFaceStart[v]; k < mesh.vertexFaceStart[v + 1]; k++) {
    const g = mesh.vertexFaces[k];
    n = n + faceNormal(mesh, g) * cornerAngle(mesh, g, v);
  }
  return n;
}

/**
 * Closest point with the sign (-1 inside, +1 outside) from the angle-weighted pseudonormal at the
 * closest point: exact for closed, consistently oriented (watertight) meshes; fast.
 */
@func
export function meshQueryPointSignNormal(mesh: Mesh, p: vec3, maxDist: f32): MeshQueryPoint {
  let q = queryNoSign(mesh, p, maxDist);
  if (!q.hit) return q;
  const r = closestOnFace(mesh, q.face, p);
  const n = pseudoNormal(mesh, q.face, r.feature);
  q.sign = 1;
  if (dot(p - r.point, n) < 0) q.sign = -1;
  return q;
}

@func
function solidAngle(a: vec3, b: vec3, c: vec3): f32 {
  const la = length(a);
  const lb = length(b);
  const lc = length(c);
  const det = dot(a, cross(b, c));
  const den = la * lb * lc + dot(a, b) * lc + dot(a, c) * lb + dot(b, c) * la;
  return 2 * atan2(det, den);
}

/** Solid angle of triangle (a, b, c) seen from the origin (Van Oosterom and Strackee); > 0 from behind. */
@func
export function triangleSolidAngle(a: vec3, b: vec3, c: vec3): f32 {
  return solidAngle(a, b, c);
}

@func
function windingNumber(mesh: Mesh, p: vec3, accuracy: f32): f32 {
  const stack = new StaticArray<i32>(64);
  let top = 0;
  stack[top++] = 0;
  let w: f32 = 0;
  while (top > 0) {
    const n = stack[--top];
    const d = mesh.winding[n].center - p;
    const dist = length(d);
    if (dist > accuracy * mesh.winding[n].radius) {
      w += dot(d, mesh.winding[n].areaNormal) / (dist * dist * dist);
      continue;
    }
    const c = mesh.nodes[n].child;
    if (c < 0) {
      const first = ~c >> 3;
      const end = first + (~c & 7) + 1;
      for (let s = first; s < end; s++) {
        const f = mesh.primIds[s];
        w += solidAngle(vtx(mesh, f, 0) - p, vtx(mesh, f, 1) - p, vtx(mesh, f, 2) - p);
      }
    } else {
      stack[top++] = c;
      stack[top++] = n + 1;
    }
  }
  return w / (4 * Mathf.PI);
}

/**
 * Generalized winding number of the mesh at p (about 1 inside a closed outward-oriented mesh, 0
 * outside, fractional near holes), by the fast winding number (Barill et al. 2018): a BVH node farther
 * than accuracy * its radius counts as one dipole; nearer nodes are opened and leaves summed exactly.
 * accuracy 2 is a good default (larger: more exact, slower).
 */
@func
export function meshWindingNumber(mesh: Mesh, p: vec3, accuracy: f32): f32 {
  return windingNumber(mesh, p, accuracy);
}

/** Closest point with the sign from the winding number: -1 where it exceeds `threshold` (inside). */
@func
export function meshQueryPointSignWinding(mesh: Mesh, p: vec3, maxDist: f32, accuracy: f32, threshold: f32): MeshQueryPoint {
  let q = queryNoSign(mesh, p, maxDist);
  if (!q.hit) return q;
  q.sign = 1;
  if (windingNumber(mesh, p, accuracy) > threshold) q.sign = -1;
  return q;
}

/**
 * Closest point with the sign (-1 inside, +1 outside) from the winding number (accuracy 2, threshold
 * 0.5): robust to holes and flipped patches. meshQueryPointSignNormal is faster on watertight meshes.
 */
@func
export function meshQueryPoint(mesh: Mesh, p: vec3, maxDist: f32): MeshQueryPoint {
  let q = queryNoSign(mesh, p, maxDist);
  if (!q.hit) return q;
  q.sign = 1;
  if (windingNumber(mesh, p, 2.0) > 0.5) q.sign = -1;
  return q;
}

@func
function rayTri(o: vec3, d: vec3, a: vec3, b: vec3, c: vec3): vec3 {
  const e1 = b - a;
  const e2 = c - a;
  const pv = cross(d, e2);
  const det = dot(e1, pv);
  if (det == 0) return vec3(-1, 0, 0);
  const inv = f32(1) / det;
  const tv = o - a;
  const bu = dot(tv, pv) * inv;
  if (bu < 0 || bu > 1) return vec3(-1, 0, 0);
  const qv = cross(tv, e1);
  const bv = dot(d, qv) * inv;
  if (bv < 0 || bu + bv > 1) return vec3(-1, 0, 0);
  const t = dot(e2, qv) * inv;
  if (!(t >= 0)) return vec3(-1, 0, 0);
  return vec3(t, bu, bv);
}

/**
 * Möller-Trumbore: (t, weight of b, weight of c) of the ray o + t d against triangle (a, b, c); t < 0
 * means no hit (a parallel ray, or outside the triangle; edges and vertices count as hits).
 */
@func
export function rayTriangle(o: vec3, d: vec3, a: vec3, b: vec3, c: vec3): vec3 {
  return rayTri(o, d, a, b, c);
}

/**
 * The face the ray o + t d hits first for t in [0, maxT] (-1 if none): nearer child first, each
 * pushed node with its entry t, so that nodes entered beyond the best hit so far are dropped.
 */
@func
function rayFace(mesh: Mesh, origin: vec3, dir: vec3, maxT: f32): i32 {
  const inv = rayInverseDir(dir);
  const stack = new StaticArray<i32>(64);
  const tstack = new StaticArray<f32>(64);
  let top = 0;
  let bestT = maxT;
  let bestFace = -1;
  const t0 = rayBoxEntry(origin, inv, bestT, mesh.nodes[0].lower, mesh.nodes[0].upper);
  if (t0 >= 0) { stack[0] = 0; tstack[0] = t0; top = 1; }
  while (top > 0) {
    top -= 1;
    if (tstack[top] > bestT) continue;
    const n = stack[top];
    const c = mesh.nodes[n].child;
    if (c < 0) {
      const first = ~c >> 3;
      const end = first + (~c & 7) + 1;
      for (let s = first; s < end; s++) {
        const f = mesh.primIds[s];
        const h = rayTri(origin, dir, vtx(mesh, f, 0), vtx(mesh, f, 1), vtx(mesh, f, 2));
        if (h.x >= 0 && (h.x < bestT || (h.x == bestT && (bestFace < 0 || f < bestFace)))) { bestT = h.x; bestFace = f; }
      }
    } else {
      const tl = rayBoxEntry(origin, inv, bestT, mesh.nodes[n + 1].lower, mesh.nodes[n + 1].upper);
      const tr = rayBoxEntry(origin, inv, bestT, mesh.nodes[c].lower, mesh.nodes[c].upper);
      let near = n + 1;
      let far = c;
      let tn = tl;
      let tf = tr;
      if (tn < 0 || (tf >= 0 && tf < tn)) { near = c; far = n + 1; tn = tr; tf = tl; }
      if (tf >= 0) { stack[top] = far; tstack[top] = tf; top += 1; }
      if (tn >= 0) { stack[top] = near; tstack[top] = tn; top += 1; }
    }
  }
  return bestFace;
}

/**
 * First hit of the ray origin + t dir for t in [0, maxT]: t (in units of |dir|), face, (u, v), the
 * unit face normal, front (the ray meets the face's front, counter-clockwise side) and sign (+1 front,
 * -1 back). dir need not be unit length.
 */
@func
export function meshQueryRay(mesh: Mesh, origin: vec3, dir: vec3, maxT: f32): MeshQueryRay {
  let q = new MeshQueryRay();
  const f = rayFace(mesh, origin, dir, maxT);
  q.face = f;
  if (f < 0) return q;
  const h = rayTri(origin, dir, vtx(mesh, f, 0), vtx(mesh, f, 1), vtx(mesh, f, 2));
  q.hit = true;
  q.t = h.x;
  q.u = 1 - h.y - h.z;
  q.v = h.y;
  q.normal = faceNormal(mesh, f);
  q.front = dot(dir, q.normal) < 0;
  q.sign = 1;
  if (!q.front) q.sign = -1;
  return q;
}

@func
function faceLower(mesh: Mesh, f: i32): vec3 {
  return min(min(vtx(mesh, f, 0), vtx(mesh, f, 1)), vtx(mesh, f, 2));
}

@func
function faceUpper(mesh: Mesh, f: i32): vec3 {
  return max(max(vtx(mesh, f, 0), vtx(mesh, f, 1)), vtx(mesh, f, 2));
}

@func
function aabbNext(q: MeshQueryAabb): MeshQueryAabb {
  let s = q;
  s.face = -1;
  while (true) {
    if (s.slot < s.end) {
      const f = s.mesh.primIds[s.slot];
      s.slot += 1;
      if (aabbOverlap(faceLower(s.mesh, f), faceUpper(s.mesh, f), s.lower, s.upper)) { s.face = f; break; }
      continue;
    }
    if (s.node < 0) break;
    const n = s.node;
    const c = s.mesh.nodes[n].child;
    if (aabbOverlap(s.mesh.nodes[n].lower, s.mesh.nodes[n].upper, s.lower, s.upper)) {
      if (c < 0) { s.slot = ~c >> 3; s.end = s.slot + (~c & 7) + 1; s.node = s.mesh.nodes[n].skip; }
      else s.node = n + 1;
    } else s.node = s.mesh.nodes[n].skip;
  }
  return s;
}

/**
 * Starts an AABB query: `face` of the returned state is the first face whose bounding box overlaps
 * [lower, upper] (touching counts), -1 if none; advance with meshQueryAabbNext. Faces come in tree order.
 */
@func
export function meshQueryAabb(mesh: Mesh, lower: vec3, upper: vec3): MeshQueryAabb {
  const q: MeshQueryAabb = { mesh: mesh, lower: lower, upper: upper, node: 0, slot: 0, end: 0, face: -1 };
  return aabbNext(q);
}

/** The next face whose bounding box overlaps the query box (`face` -1 when there is none). */
@func
export function meshQueryAabbNext(q: MeshQueryAabb): MeshQueryAabb {
  return aabbNext(q);
}

// --- gradients ----------------------------------------------------------------------------------
// Custom adjoints (@adjointOf): autodiff replays a query forward without recording its traversal, and
// the reverse sweep calls these instead. Each finds the face again and differentiates the answer
// computed from that face in closed form: d distance / dp = (p - c) / |p - c| in every region, and
// the barycentrics move with p inside the face (the plane projection) and along an edge (the segment
// projection), not at a vertex. A ray's (t, barycentrics) solve M (bu, bv, t) = o - a with
// M = [e1, e2, -d], so their adjoints are M^-T g for the origin and t M^-T g for the direction.
// maxDist, maxT, accuracy and threshold get 0 (the answers are piecewise constant in them).

@struct
export class MeshQueryPointGrad { p: vec3; maxDist: f32; }

@struct
export class MeshQueryPointWindingGrad { p: vec3; maxDist: f32; accuracy: f32; threshold: f32; }

@struct
export class MeshQueryRayGrad { origin: vec3; dir: vec3; maxT: f32; }

@func
function pointGrad(mesh: Mesh, p: vec3, maxDist: f32, adj: MeshQueryPoint): vec3 {
  let g = vec3(0, 0, 0);
  const f = closestFace(mesh, p, maxDist);
  if (f < 0) return g;
  const a = vtx(mesh, f, 0);
  const b = vtx(mesh, f, 1);
  const c = vtx(mesh, f, 2);
  const r = triClosest(p, a, b, c);
  const d = p - r.point;
  const len = length(d);
  if (len > 0) g = d * (adj.distance / len);
  if (r.feature == 0) {
    const ab = b - a;
    const ac = c - a;
    const m00 = dot(ab, ab);
    const m01 = dot(ab, ac);
    const m11 = dot(ac, ac);
    const det = m00 * m11 - m01 * m01;
    if (det > 0) {
      const dv = (ab * m11 - ac * m01) * (f32(1) / det);
      const dw = (ac * m00 - ab * m01) * (f32(1) / det);
      g = g + dv * (adj.v - adj.u) - dw * adj.u;
    }
  } else if (r.feature == 4) {
    const ab = b - a;
    const l = dot(ab, ab);
    if (l > 0) g = g + ab * ((adj.v - adj.u) / l);
  } else if (r.feature == 5) {
    const bc = c - b;
    const l = dot(bc, bc);
    if (l > 0) g = g - bc * (adj.v / l);
  } else if (r.feature == 6) {
    const ac = c - a;
    const l = dot(ac, ac);
    if (l > 0) g = g - ac * (adj.u / l);
  }
  return g;
}

@adjointOf(meshQueryPointNoSign)
@func
function meshQueryPointNoSignAdj(mesh: Mesh, p: vec3, maxDist: f32, adj: MeshQueryPoint): MeshQueryPointGrad {
  const g: MeshQueryPointGrad = { p: pointGrad(mesh, p, maxDist, adj), maxDist: 0 };
  return g;
}

@adjointOf(meshQueryPoint)
@func
function meshQueryPointAdj(mesh: Mesh, p: vec3, maxDist: f32, adj: MeshQueryPoint): MeshQueryPointGrad {
  const g: MeshQueryPointGrad = { p: pointGrad(mesh, p, maxDist, adj), maxDist: 0 };
  return g;
}

@adjointOf(meshQueryPointSignNormal)
@func
function meshQueryPointSignNormalAdj(mesh: Mesh, p: vec3, maxDist: f32, adj: MeshQueryPoint): MeshQueryPointGrad {
  const g: MeshQueryPointGrad = { p: pointGrad(mesh, p, maxDist, adj), maxDist: 0 };
  return g;
}

@adjointOf(meshQueryPointSignWinding)
@func
function meshQueryPointSignWindingAdj(mesh: Mesh, p: vec3, maxDist: f32, accuracy: f32, threshold: f32, adj: MeshQueryPoint): MeshQueryPointWindingGrad {
  const g: MeshQueryPointWindingGrad = { p: pointGrad(mesh, p, maxDist, adj), maxDist: 0, accuracy: 0, threshold: 0 };
  return g;
}

@adjointOf(meshQueryRay)
@func
function meshQueryRayAdj(mesh: Mesh, origin: vec3, dir: vec3, maxT: f32, adj: MeshQueryRay): MeshQueryRayGrad {
  let g: MeshQueryRayGrad = { origin: vec3(0, 0, 0), dir: vec3(0, 0, 0), maxT: 0 };
  const f = rayFace(mesh, origin, dir, maxT);
  if (f < 0) return g;
  const a = vtx(mesh, f, 0);
  const h = rayTri(origin, dir, a, vtx(mesh, f, 1), vtx(mesh, f, 2));
  const m = matrixFromCols(vtx(mesh, f, 1) - a, vtx(mesh, f, 2) - a, -dir);
  if (determinant(m) == 0) return g;
  const y = transpose(inverse(m)) * vec3(adj.v - adj.u, -adj.u, adj.t);
  g.origin = y;
  g.dir = y * h.x;
  return g;
}
