// Hash-grid neighbour queries in the weft kernel language, part of the standard library (kernel
// modules use these names as they use builtins; import { HashGrid, hashGridQuery } from
// "weft/kernels" for editors). Written once and compiled with each user module to every backend
// (interp, wasm, CUDA), so CPU and GPU queries come from this one source. The grid is built by
// wf.HashGrid (engine/geometry/hashgrid), whose build kernels use hashGridCell from here, so points
// are binned and looked up with the same hash.
//
// Cells are cubes of width `cellWidth`; the cell of a point p is floor(p / cellWidth) per axis,
// wrapped into the grid's dimX x dimY x dimZ cells with a floored modulo (right for negative
// coordinates, and for points outside the dims: far cells alias onto near ones, which costs time,
// never answers). A wf.HashGrid arrives in a kernel as the struct `HashGrid`:
//   cellStarts: Array<i32>   numCells + 1 offsets into pointIds: cell c holds the sorted slots
//                            cellStarts[c] .. cellStarts[c + 1] (CSR; empty cells start = end)
//   pointIds: Array<i32>     point indices in cell order, ascending within a cell (at least numPoints)
//   dimX, dimY, dimZ         the grid dimensions;  cellWidth, invCellWidth;  numPoints
//
// A query is an iterator whose whole state is a @struct value, as the BVH queries of bvh.ts:
//
//   let q = hashGridQuery(grid, p, radius);
//   while (q.index >= 0) {
//     const j = q.index;               // a candidate: a point of a cell the sphere (p, radius) touches
//     if (length(x[j] - p) <= radius) { /* a neighbour */ }
//     q = hashGridQueryNext(q);
//   }
//
// Candidates are, as in Warp, every point of every cell that the box [p - radius, p + radius]
// overlaps (each point once, even when the box is wider than the grid), so filter by distance. The
// cell range is widened by a few ulps of the cell coordinate, so no point within `radius` is missed
// through the rounding of p - radius, p * invCellWidth or the distance test (a border cell layer is
// then sometimes visited in addition). Unlike Warp, a query walks rows of cells, not cells: the
// points of the cells of one x row are contiguous in pointIds, so a row is one range of slots (two
// where it wraps), and the wrapped coordinates are computed once per query, not per cell (integer
// division is slow on every target). Candidates come row by row (x fastest, then y, then z from the
// low corner), each cell's points by ascending index: the order depends only on the grid, so it is
// the same on every backend.
//
// (Library-internal calls go to the non-exported helpers, never to an exported name of this file.)

import { Array, vec3, f32, i32, abs, clamp, floor, max, min } from "weft/kernels";

/** A wf.HashGrid in a kernel (see the list above). */
@struct
export class HashGrid {
  cellStarts: Array<i32>; pointIds: Array<i32>;
  dimX: i32; dimY: i32; dimZ: i32; cellWidth: f32; invCellWidth: f32; numPoints: i32;
}

/**
 * State of a neighbour query: `index` is the current candidate point (-1 when done). The cell range
 * is nx x ny x nz cells from the wrapped cell (cx0, cy0, cz0). Cells of one x row are neighbours in
 * memory, and so are their points: a row is one range of slots (two where it wraps around dimX).
 * (cy, j) and (cz, k) are the wrapped coordinate and the count of the next row; `slot`..`end` the
 * slots not yet returned, `wrapEnd` the end of the wrapped part of the current row (0: none).
 */
@struct
export class HashGridQuery {
  grid: HashGrid;
  cx0: i32; cy0: i32; nx: i32; ny: i32; nz: i32;
  cy: i32; j: i32; cz: i32; k: i32; rowBase: i32; wrapEnd: i32; slot: i32; end: i32; index: i32;
}

// Cell coordinates are clamped to +-2^28 before conversion: far (or non-finite) points land in the
// outermost cells instead of overflowing i32; the range arithmetic below stays in i32.
const LIMIT: f32 = 268435456.0;

@func
function coord(v: f32): i32 {
  return i32(floor(clamp(v, -LIMIT, LIMIT)));
}

@func
function wrap(c: i32, d: i32): i32 {
  const r = c % d;
  return r < 0 ? r + d : r;
}

@func
function cellIndex(g: HashGrid, x: i32, y: i32, z: i32): i32 {
  return (wrap(z, g.dimZ) * g.dimY + wrap(y, g.dimY)) * g.dimX + wrap(x, g.dimX);
}

@func
function cellOf(g: HashGrid, p: vec3): i32 {
  const c = p * g.invCellWidth;
  return cellIndex(g, coord(c.x), coord(c.y), coord(c.z));
}

// A few ulps of a cell coordinate v (in cells), plus those of the radius `span` (in cells): the
// widening of the query range that covers rounding (2^-18: 32 ulps of f32 at v's magnitude).
@func
function slack(v: f32, span: f32): f32 {
  return (abs(v) + span + 1.0) * 0.000003814697265625;
}

@func
function advance(q: HashGridQuery): HashGridQuery {
  let s = q;
  s.index = -1;
  while (true) {
    if (s.slot < s.end) {
      s.index = s.grid.pointIds[s.slot];
      s.slot += 1;
      break;
    }
    if (s.wrapEnd > 0) {
      // The part of the row past dimX: cells 0 .. wrapEnd - 1.
      s.slot = s.grid.cellStarts[s.rowBase];
      s.end = s.grid.cellStarts[s.rowBase + s.wrapEnd];
      s.wrapEnd = 0;
      continue;
    }
    if (s.k >= s.nz) break;
    const dx = s.grid.dimX;
    s.rowBase = (s.cz * s.grid.dimY + s.cy) * dx;
    const e = s.cx0 + s.nx;
    s.slot = s.grid.cellStarts[s.rowBase + s.cx0];
    s.end = s.grid.cellStarts[s.rowBase + min(e, dx)];
    s.wrapEnd = max(e - dx, 0);
    // The next row: y fastest, then z (wrapped coordinates and counts).
    s.j += 1;
    s.cy += 1;
    if (s.cy == s.grid.dimY) s.cy = 0;
    if (s.j == s.ny) {
      s.j = 0;
      s.cy = s.cy0;
      s.k += 1;
      s.cz += 1;
      if (s.cz == s.grid.dimZ) s.cz = 0;
    }
  }
  return s;
}

/**
 * Starts a query for the points near `p`: the returned state's `index` is the first candidate (or
 * -1). Candidates are the points of the cells the box [p - radius, p + radius] overlaps (see the
 * file comment); a negative or NaN radius gives none.
 */
@func
export function hashGridQuery(grid: HashGrid, p: vec3, radius: f32): HashGridQuery {
  const inv = grid.invCellWidth;
  const span = radius * inv;
  const lo = (p - vec3(radius)) * inv;
  const hi = (p + vec3(radius)) * inv;
  const x0 = coord(lo.x - slack(lo.x, span));
  const y0 = coord(lo.y - slack(lo.y, span));
  const z0 = coord(lo.z - slack(lo.z, span));
  // At most dim cells per axis: a box wider than the grid visits every cell once.
  const nx = min(coord(hi.x + slack(hi.x, span)) - x0 + 1, grid.dimX);
  const ny = min(coord(hi.y + slack(hi.y, span)) - y0 + 1, grid.dimY);
  let nz = min(coord(hi.z + slack(hi.z, span)) - z0 + 1, grid.dimZ);
  // An empty range (negative or NaN radius): no row to visit.
  if (!(radius >= 0) || nx <= 0 || ny <= 0) nz = 0;
  const cy0 = wrap(y0, grid.dimY);
  const q: HashGridQuery = {
    grid: grid, cx0: wrap(x0, grid.dimX), cy0: cy0, nx: nx, ny: ny, nz: nz,
    cy: cy0, j: 0, cz: wrap(z0, grid.dimZ), k: 0, rowBase: 0, wrapEnd: 0, slot: 0, end: 0, index: -1,
  };
  return advance(q);
}

/** The next candidate (`index` -1 when there is none). */
@func
export function hashGridQueryNext(q: HashGridQuery): HashGridQuery {
  return advance(q);
}

/**
 * The point at slot `i` of the cell-sorted order (0 <= i < numPoints), -1 outside: launching over
 * the points and working on hashGridPointId(grid, tid()) visits them cell by cell, which keeps
 * neighbouring threads on neighbouring data.
 */
@func
export function hashGridPointId(grid: HashGrid, i: i32): i32 {
  if (i < 0 || i >= grid.numPoints) return -1;
  return grid.pointIds[i];
}

/** The (wrapped) cell index of position `p`, 0 <= cell < dimX * dimY * dimZ: x fastest, then y, then z. */
@func
export function hashGridCell(grid: HashGrid, p: vec3): i32 {
  return cellOf(grid, p);
}
