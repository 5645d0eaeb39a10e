// Host-side mesh data that the kernel library reads besides the BVH: edge adjacency and the faces
// around each vertex (for the angle-weighted pseudonormal sign), the triangle boxes the BVH is built
// and refitted from, and the per-node dipole data of the fast winding number.

import { NODE_WORDS, NodeBuffer } from "../bvh/layout.js";

/** For each face edge k (vertex k to k+1): the other face sharing it, or -1 (boundary). */
export function edgeAdjacency(indices: Int32Array): Int32Array {
  const nf = indices.length / 3;
  const adj = new Int32Array(3 * nf).fill(-1);
  const open = new Map<number, number>();
  let nv = 0;
  for (let k = 0; k < indices.length; k++) if (indices[k] >= nv) nv = indices[k] + 1;
  for (let f = 0; f < nf; f++) {
    for (let k = 0; k < 3; k++) {
      const a = indices[3 * f + k], b = indices[3 * f + ((k + 1) % 3)];
      if (a === b) continue;
      const key = a < b ? a * nv + b : b * nv + a;
      const other = open.get(key);
      if (other === undefined) { open.set(key, 3 * f + k); continue; }
      // Pair the first two faces on an edge (a non-manifold edge's extra faces stay boundaries).
      if (adj[other] === -1 && Math.floor(other / 3) !== f) { adj[other] = f; adj[3 * f + k] = Math.floor(other / 3); open.delete(key); }
    }
  }
  return adj;
}

/** Faces around each vertex in CSR form: faces of v are faces[start[v] .. start[v + 1]). */
export function vertexFaces(indices: Int32Array, numPoints: number): { start: Int32Array; faces: Int32Array } {
  const start = new Int32Array(numPoints + 1);
  const nf = indices.length / 3;
  const seen = (f: number, k: number) => (k > 0 && indices[3 * f] === indices[3 * f + k]) || (k > 1 && indices[3 * f + 1] === indices[3 * f + 2]);
  for (let f = 0; f < nf; f++) for (let k = 0; k < 3; k++) if (!seen(f, k)) start[indices[3 * f + k] + 1]++;
  for (let v = 0; v < numPoints; v++) start[v + 1] += start[v];
  const fill = start.slice(0, numPoints);
  const faces = new Int32Array(start[numPoints]);
  for (let f = 0; f < nf; f++) for (let k = 0; k < 3; k++) if (!seen(f, k)) faces[fill[indices[3 * f + k]]++] = f;
  return { start, faces };
}

/** Bounding boxes of the triangles (exact f32 min/max of their vertices). */
export function triangleBounds(points: Float32Array, indices: Int32Array): { lowers: Float32Array; uppers: Float32Array } {
  const nf = indices.length / 3;
  const lowers = new Float32Array(3 * nf), uppers = new Float32Array(3 * nf);
  for (let f = 0; f < nf; f++) {
    const a = 3 * indices[3 * f], b = 3 * indices[3 * f + 1], c = 3 * indices[3 * f + 2];
    for (let k = 0; k < 3; k++) {
      lowers[3 * f + k] = Math.min(points[a + k], points[b + k], points[c + k]);
      uppers[3 * f + k] = Math.max(points[a + k], points[b + k], points[c + k]);
    }
  }
  return { lowers, uppers };
}

/**
 * Dipole data per BVH node, 8 f32 per node (layout.ts WindingNode): area-weighted centroid, radius
 * of the sphere about it holding the node's triangles, Σ ½ (b - a) × (c - a), and the area.
 */
export function windingData(nodes: NodeBuffer, primIds: Int32Array, points: Float32Array, indices: Int32Array, out: Float32Array<ArrayBufferLike> = new Float32Array(nodes.count * 8)): Float32Array<ArrayBufferLike> {
  const ni = nodes.i;
  for (let n = nodes.count - 1; n >= 0; n--) {
    const c = ni[n * NODE_WORDS + 3], o = n * 8;
    if (c < 0) {
      const first = ~c >> 3, end = first + (~c & 7) + 1;
      let area = 0, cx = 0, cy = 0, cz = 0, nx = 0, ny = 0, nz = 0, mx = 0, my = 0, mz = 0;
      for (let s = first; s < end; s++) {
        const f = primIds[s];
        const a = 3 * indices[3 * f], b = 3 * indices[3 * f + 1], cc = 3 * indices[3 * f + 2];
        const e1x = points[b] - points[a], e1y = points[b + 1] - points[a + 1], e1z = points[b + 2] - points[a + 2];
        const e2x = points[cc] - points[a], e2y = points[cc + 1] - points[a + 1], e2z = points[cc + 2] - points[a + 2];
        const tx = 0.5 * (e1y * e2z - e1z * e2y), ty = 0.5 * (e1z * e2x - e1x * e2z), tz = 0.5 * (e1x * e2y - e1y * e2x);
        const ar = Math.hypot(tx, ty, tz);
        const gx = (points[a] + points[b] + points[cc]) / 3, gy = (points[a + 1] + points[b + 1] + points[cc + 1]) / 3, gz = (points[a + 2] + points[b + 2] + points[cc + 2]) / 3;
        area += ar; cx += ar * gx; cy += ar * gy; cz += ar * gz; nx += tx; ny += ty; nz += tz;
        mx += gx; my += gy; mz += gz;
      }
      const cnt = end - first;
      if (area > 0) { cx /= area; cy /= area; cz /= area; } else { cx = mx / cnt; cy = my / cnt; cz = mz / cnt; }
      let r = 0;
      for (let s = first; s < end; s++) {
        const f = primIds[s];
        for (let k = 0; k < 3; k++) {
          const v = 3 * indices[3 * f + k];
          r = Math.max(r, Math.hypot(points[v] - cx, points[v + 1] - cy, points[v + 2] - cz));
        }
      }
      out[o] = cx; out[o + 1] = cy; out[o + 2] = cz; out[o + 3] = r; out[o + 4] = nx; out[o + 5] = ny; out[o + 6] = nz; out[o + 7] = area;
    } else {
      const l = (n + 1) * 8, q = c * 8;
      const al = out[l + 7], aq = out[q + 7], area = al + aq;
      const cen = [0, 1, 2].map((k) => (area > 0 ? (al * out[l + k] + aq * out[q + k]) / area : 0.5 * (out[l + k] + out[q + k])));
      const rl = Math.hypot(out[l] - cen[0], out[l + 1] - cen[1], out[l + 2] - cen[2]) + out[l + 3];
      const rq = Math.hypot(out[q] - cen[0], out[q + 1] - cen[1], out[q + 2] - cen[2]) + out[q + 3];
      out[o] = cen[0]; out[o + 1] = cen[1]; out[o + 2] = cen[2];
      // Rounded up a little so that the f32 radius still encloses every triangle.
      out[o + 3] = Math.max(rl, rq) * (1 + 1e-6);
      out[o + 4] = out[l + 4] + out[q + 4]; out[o + 5] = out[l + 5] + out[q + 5]; out[o + 6] = out[l + 6] + out[q + 6];
      out[o + 7] = area;
    }
  }
  return out;
}
