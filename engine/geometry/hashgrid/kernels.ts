// The hash-grid build in the kernel language (one source for the CPU and the GPU): a counting sort
// of the points by cell, in five steps, each a launch (hashgrid.ts drives them):
//
//   1. hgCount     (a thread per point)  cell = hashGridCell(grid, p) (kernels-as/lib/hashgrid.ts);
//                  rank = atomicAdd(counts, cell, 1), the point's arrival slot within its cell
//   2. scan        counts -> cellStarts, an exclusive prefix sum with the total at numCells: a blocked
//                  scan over as many levels as it takes (scanReduce: a thread sums one block of a
//                  level into the next level; scanTop: one thread scans the last level, at most one
//                  block; scanDown / scanCells: a thread scans one block from its block's offset).
//                  scanCells also zeroes the counts for the next build.
//   3. hgScatter   (a thread per point)  pointIds[cellStarts[cell] + rank] = point
//   4. hgSortCells (a thread per point; the rank-0 point of each cell works) sorts the cell's slots
//                  by point index: insertion sort up to 32 points, heapsort above. Atomics hand out
//                  ranks in a run-dependent order; after this step the layout depends only on the
//                  points, so a build is deterministic and equal on every backend.
//
// The block size of the scan is a launch parameter: big blocks on the CPU (a few per core), 32 on a
// GPU (many threads, short loops).

export const HASHGRID_BUILD_SOURCE = `
import { tid, Array, vec3, i32, atomicAdd, min, HashGrid, hashGridCell } from "weft/kernels";

@kernel
export function hgCount(grid: HashGrid, points: Array<vec3>, counts: Array<i32>, keys: Array<i32>, ranks: Array<i32>): void {
  const i = tid();
  const c = hashGridCell(grid, points[i]);
  keys[i] = c;
  ranks[i] = atomicAdd(counts, c, 1);
}

/** sums[b] = vals[b * block] + ... + vals[min((b + 1) * block, n) - 1] */
@kernel
export function scanReduce(vals: Array<i32>, n: i32, block: i32, sums: Array<i32>): void {
  const b = tid();
  const e = min(b * block + block, n);
  let acc = 0;
  for (let k = b * block; k < e; k++) acc += vals[k];
  sums[b] = acc;
}

/** Exclusive scan of vals[0..n) in place, by one thread. */
@kernel
export function scanTop(vals: Array<i32>, n: i32): void {
  if (tid() != 0) return;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    vals[k] = acc;
    acc += v;
  }
}

/** Exclusive scan of block b of vals in place, starting from offsets[b]. */
@kernel
export function scanDown(vals: Array<i32>, n: i32, block: i32, offsets: Array<i32>): void {
  const b = tid();
  const e = min(b * block + block, n);
  let acc = offsets[b];
  for (let k = b * block; k < e; k++) {
    const v = vals[k];
    vals[k] = acc;
    acc += v;
  }
}

/** The last level: cellStarts from the counts (block b from offsets[b]); zeroes the counts; the last block writes the total. */
@kernel
export function scanCells(counts: Array<i32>, n: i32, block: i32, offsets: Array<i32>, starts: Array<i32>): void {
  const b = tid();
  const e = min(b * block + block, n);
  let acc = offsets[b];
  for (let k = b * block; k < e; k++) {
    starts[k] = acc;
    acc += counts[k];
    counts[k] = 0;
  }
  if (e == n) starts[n] = acc;
}

@kernel
export function hgScatter(grid: HashGrid, keys: Array<i32>, ranks: Array<i32>): void {
  const i = tid();
  grid.pointIds[grid.cellStarts[keys[i]] + ranks[i]] = i;
}

@func
function siftDown(a: Array<i32>, base: i32, root: i32, n: i32): void {
  let r = root;
  const v = a[base + r];
  while (true) {
    let c = 2 * r + 1;
    if (c >= n) break;
    if (c + 1 < n && a[base + c + 1] > a[base + c]) c += 1;
    if (a[base + c] <= v) break;
    a[base + r] = a[base + c];
    r = c;
  }
  a[base + r] = v;
}

@func
function insertionSort(a: Array<i32>, s: i32, n: i32): void {
  for (let k = 1; k < n; k++) {
    const v = a[s + k];
    let j = k - 1;
    while (j >= 0 && a[s + j] > v) {
      a[s + j + 1] = a[s + j];
      j -= 1;
    }
    a[s + j + 1] = v;
  }
}

@func
function heapSort(a: Array<i32>, s: i32, n: i32): void {
  for (let r = (n >> 1) - 1; r >= 0; r--) siftDown(a, s, r, n);
  for (let e = n - 1; e > 0; e--) {
    const t = a[s];
    a[s] = a[s + e];
    a[s + e] = t;
    siftDown(a, s, 0, e);
  }
}

@kernel
export function hgSortCells(grid: HashGrid, keys: Array<i32>, ranks: Array<i32>): void {
  const i = tid();
  if (ranks[i] != 0) return;
  const c = keys[i];
  const s = grid.cellStarts[c];
  const n = grid.cellStarts[c + 1] - s;
  if (n <= 1) return;
  if (n <= 32) insertionSort(grid.pointIds, s, n);
  else heapSort(grid.pointIds, s, n);
}
`;
