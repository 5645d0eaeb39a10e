// Host BVH builder: binned SAH (surface area heuristic) over primitive boxes, into the preorder node
// layout of layout.ts. Every axis is binned (`bins` bins over the centroid extent) and the split of
// least cost  N_left * area_left + N_right * area_right  is taken; a range of at most `leafSize`
// primitives becomes a leaf. Where SAH cannot split (all centroids in one bin or coincident) the
// range is split at the object median, and so is every range deeper than MEDIAN_DEPTH, which bounds
// the depth by MEDIAN_DEPTH + log2(n) for any input (a 64-entry traversal stack always suffices).

import { MAX_LEAF_SIZE, MEDIAN_DEPTH, NODE_WORDS, NodeBuffer, encodeLeaf, nodeBuffer } from "./layout.js";

export interface BuildOptions {
  /** Largest primitive count of a leaf (1 to 8, default 4). */
  leafSize?: number;
  /** SAH bins per axis (2 to 256, default 16). */
  bins?: number;
}

export interface BuiltBvh {
  nodes: NodeBuffer;
  primIds: Int32Array;
  /** Depth of the deepest node (the root is depth 0). */
  depth: number;
  /** Node indices grouped by depth: level d is levelNodes[levelStarts[d] .. levelStarts[d+1]). */
  levelNodes: Int32Array;
  levelStarts: Int32Array;
}

/**
 * Builds a BVH over n boxes given as flat f32 lower/upper corners (3 per box). The boxes must be
 * finite with lower <= upper (callers check and name the offending input).
 */
export function buildBvh(lowers: Float32Array, uppers: Float32Array, opts: BuildOptions = {}): BuiltBvh {
  const n = lowers.length / 3;
  const leafSize = opts.leafSize ?? 4, bins = opts.bins ?? 16;
  if (!Number.isInteger(leafSize) || leafSize < 1 || leafSize > MAX_LEAF_SIZE) throw new RangeError(`BVH leafSize must be an integer in 1..${MAX_LEAF_SIZE}, got ${leafSize}`);
  if (!Number.isInteger(bins) || bins < 2 || bins > 256) throw new RangeError(`BVH bins must be an integer in 2..256, got ${bins}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a BVH needs at least one primitive, got ${n}`);
  if (n > 1 << 28) throw new RangeError(`a BVH holds at most 2^28 primitives, got ${n}`);

  const cen = new Float64Array(3 * n);
  for (let k = 0; k < 3 * n; k++) cen[k] = 0.5 * (lowers[k] + uppers[k]);
  const prims = new Int32Array(n);
  for (let k = 0; k < n; k++) prims[k] = k;
  const nodes = nodeBuffer(2 * n - 1);
  const depthOf = new Int32Array(2 * n - 1);
  let next = 0, maxDepth = 0;

  // Scratch for binning, reused at every node.
  const bCount = new Int32Array(bins), bLo = new Float64Array(3 * bins), bHi = new Float64Array(3 * bins);
  const rArea = new Float64Array(bins), rCount = new Int32Array(bins);

  const build = (start: number, end: number, depth: number): number => {
    const node = next++;
    depthOf[node] = depth;
    if (depth > maxDepth) maxDepth = depth;
    // Bounds of the boxes and of their centroids.
    let lx = Infinity, ly = Infinity, lz = Infinity, hx = -Infinity, hy = -Infinity, hz = -Infinity;
    let cl0 = Infinity, cl1 = Infinity, cl2 = Infinity, ch0 = -Infinity, ch1 = -Infinity, ch2 = -Infinity;
    for (let k = start; k < end; k++) {
      const p = prims[k], o = 3 * p;
      if (lowers[o] < lx) lx = lowers[o];
      if (lowers[o + 1] < ly) ly = lowers[o + 1];
      if (lowers[o + 2] < lz) lz = lowers[o + 2];
      if (uppers[o] > hx) hx = uppers[o];
      if (uppers[o + 1] > hy) hy = uppers[o + 1];
      if (uppers[o + 2] > hz) hz = uppers[o + 2];
      const c0 = cen[o], c1 = cen[o + 1], c2 = cen[o + 2];
      if (c0 < cl0) cl0 = c0;
      if (c0 > ch0) ch0 = c0;
      if (c1 < cl1) cl1 = c1;
      if (c1 > ch1) ch1 = c1;
      if (c2 < cl2) cl2 = c2;
      if (c2 > ch2) ch2 = c2;
    }
    const cLo = [cl0, cl1, cl2], cHi = [ch0, ch1, ch2];
    const w = node * NODE_WORDS;
    nodes.f[w] = lx; nodes.f[w + 1] = ly; nodes.f[w + 2] = lz;
    nodes.f[w + 4] = hx; nodes.f[w + 5] = hy; nodes.f[w + 6] = hz;
    const count = end - start;
    if (count <= leafSize) {
      nodes.i[w + 3] = encodeLeaf(start, count);
      return node;
    }
    let mid = -1;
    if (depth < MEDIAN_DEPTH) mid = sahSplit(start, end, cLo, cHi);
    if (mid <= start || mid >= end) mid = medianSplit(start, end, cLo, cHi);
    build(start, mid, depth + 1);
    nodes.i[w + 3] = build(mid, end, depth + 1);
    return node;
  };

  // Returns the partition point of the best binned-SAH split, or -1 if no axis can split.
  const sahSplit = (start: number, end: number, cLo: number[], cHi: number[]): number => {
    let bestCost = Infinity, bestAxis = -1, bestBin = -1;
    for (let a = 0; a < 3; a++) {
      const ext = cHi[a] - cLo[a];
      if (!(ext > 0)) continue;
      const scale = bins / ext, base = cLo[a];
      bCount.fill(0);
      for (let k = start; k < end; k++) {
        const p = prims[k], o = 3 * p;
        let b = ((cen[o + a] - base) * scale) | 0;
        if (b >= bins) b = bins - 1;
        const q = 3 * b;
        const lx = lowers[o], ly = lowers[o + 1], lz = lowers[o + 2], hx = uppers[o], hy = uppers[o + 1], hz = uppers[o + 2];
        if (bCount[b]++ === 0) {
          bLo[q] = lx; bLo[q + 1] = ly; bLo[q + 2] = lz; bHi[q] = hx; bHi[q + 1] = hy; bHi[q + 2] = hz;
        } else {
          if (lx < bLo[q]) bLo[q] = lx;
          if (ly < bLo[q + 1]) bLo[q + 1] = ly;
          if (lz < bLo[q + 2]) bLo[q + 2] = lz;
          if (hx > bHi[q]) bHi[q] = hx;
          if (hy > bHi[q + 1]) bHi[q + 1] = hy;
          if (hz > bHi[q + 2]) bHi[q + 2] = hz;
        }
      }
      // Right-to-left sweep: area and count of bins [b, bins).
      let rx = Infinity, ry = Infinity, rz = Infinity, sx = -Infinity, sy = -Infinity, sz = -Infinity, rc = 0;
      for (let b = bins - 1; b > 0; b--) {
        rc += bCount[b];
        if (bCount[b]) {
          rx = Math.min(rx, bLo[3 * b]); ry = Math.min(ry, bLo[3 * b + 1]); rz = Math.min(rz, bLo[3 * b + 2]);
          sx = Math.max(sx, bHi[3 * b]); sy = Math.max(sy, bHi[3 * b + 1]); sz = Math.max(sz, bHi[3 * b + 2]);
        }
        rCount[b] = rc;
        rArea[b] = rc ? area(sx - rx, sy - ry, sz - rz) : 0;
      }
      let lx = Infinity, ly = Infinity, lz = Infinity, hx = -Infinity, hy = -Infinity, hz = -Infinity, lc = 0;
      for (let b = 0; b < bins - 1; b++) {
        lc += bCount[b];
        if (bCount[b]) {
          lx = Math.min(lx, bLo[3 * b]); ly = Math.min(ly, bLo[3 * b + 1]); lz = Math.min(lz, bLo[3 * b + 2]);
          hx = Math.max(hx, bHi[3 * b]); hy = Math.max(hy, bHi[3 * b + 1]); hz = Math.max(hz, bHi[3 * b + 2]);
        }
        const rc2 = rCount[b + 1];
        if (lc === 0 || rc2 === 0) continue;
        const cost = lc * area(hx - lx, hy - ly, hz - lz) + rc2 * rArea[b + 1];
        if (cost < bestCost) { bestCost = cost; bestAxis = a; bestBin = b; }
      }
    }
    if (bestAxis < 0) return -1;
    const a = bestAxis, scale = bins / (cHi[a] - cLo[a]), base = cLo[a];
    // The same binning as above, so the partition matches the counts the cost was computed from.
    let i = start, j = end - 1;
    while (i <= j) {
      let b = ((cen[3 * prims[i] + a] - base) * scale) | 0;
      if (b >= bins) b = bins - 1;
      if (b <= bestBin) i++;
      else { const t = prims[i]; prims[i] = prims[j]; prims[j] = t; j--; }
    }
    return i;
  };

  const medianSplit = (start: number, end: number, cLo: number[], cHi: number[]): number => {
    let a = 0;
    for (let c = 1; c < 3; c++) if (cHi[c] - cLo[c] > cHi[a] - cLo[a]) a = c;
    const sub = Array.from(prims.subarray(start, end));
    sub.sort((p, q) => cen[3 * p + a] - cen[3 * q + a] || p - q);
    prims.set(sub, start);
    return (start + end) >> 1;
  };

  build(0, n, 0);
  const count = next;
  // Skip (miss) links: the root's is -1; an inner node's first child skips to the second child, and
  // the second child skips to wherever its parent skips. Parents precede children, so one sweep.
  nodes.i[7] = -1;
  for (let k = 0; k < count; k++) {
    const w = k * NODE_WORDS, c = nodes.i[w + 3];
    if (c < 0) continue;
    nodes.i[(k + 1) * NODE_WORDS + 7] = c;
    nodes.i[c * NODE_WORDS + 7] = nodes.i[w + 7];
  }
  const trimmed = nodeBuffer(count);
  trimmed.i.set(nodes.i.subarray(0, count * NODE_WORDS));
  // Nodes by depth (counting sort), for level-by-level refits on the GPU.
  const levelStarts = new Int32Array(maxDepth + 2);
  for (let k = 0; k < count; k++) levelStarts[depthOf[k] + 1]++;
  for (let d = 0; d <= maxDepth; d++) levelStarts[d + 1] += levelStarts[d];
  const fill = levelStarts.slice(0, maxDepth + 1);
  const levelNodes = new Int32Array(count);
  for (let k = 0; k < count; k++) levelNodes[fill[depthOf[k]]++] = k;
  return { nodes: trimmed, primIds: prims, depth: maxDepth, levelNodes, levelStarts };
}

function area(x: number, y: number, z: number): number {
  return x * y + y * z + z * x;
}

/**
 * Bottom-up refit of `nodes` (preorder: children after parents) from new primitive boxes. `leaf`
 * unions the boxes of a leaf's primitives; inner nodes union their children.
 */
export function refitBvh(nodes: NodeBuffer, primIds: Int32Array, lowers: Float32Array, uppers: Float32Array): void {
  const f = nodes.f, i = nodes.i;
  for (let k = nodes.count - 1; k >= 0; k--) {
    const w = k * NODE_WORDS, c = i[w + 3];
    let lx, ly, lz, hx, hy, hz;
    if (c < 0) {
      const first = ~c >> 3, cnt = (~c & 7) + 1;
      lx = ly = lz = Infinity; hx = hy = hz = -Infinity;
      for (let s = first; s < first + cnt; s++) {
        const o = 3 * primIds[s];
        lx = Math.min(lx, lowers[o]); ly = Math.min(ly, lowers[o + 1]); lz = Math.min(lz, lowers[o + 2]);
        hx = Math.max(hx, uppers[o]); hy = Math.max(hy, uppers[o + 1]); hz = Math.max(hz, uppers[o + 2]);
      }
    } else {
      const a = (k + 1) * NODE_WORDS, b = c * NODE_WORDS;
      lx = Math.min(f[a], f[b]); ly = Math.min(f[a + 1], f[b + 1]); lz = Math.min(f[a + 2], f[b + 2]);
      hx = Math.max(f[a + 4], f[b + 4]); hy = Math.max(f[a + 5], f[b + 5]); hz = Math.max(f[a + 6], f[b + 6]);
    }
    f[w] = lx; f[w + 1] = ly; f[w + 2] = lz; f[w + 4] = hx; f[w + 5] = hy; f[w + 6] = hz;
  }
}
