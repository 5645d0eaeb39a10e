// The mesh refit on a GPU, in the kernel language: one launch per BVH level, deepest first; a leaf
// takes the boxes of its triangles and the dipole data of the fast winding number from the current
// points, an inner node combines its two children (same rules as the host code in topology.ts).

export const MESH_REFIT_SOURCE = `
import { tid, Array, vec3, f32, i32, min, max, cross, length } from "weft/kernels";

@kernel
export function meshRefitLevel(mesh: Mesh, order: Array<i32>, start: i32): void {
  const n = order[start + tid()];
  const c = mesh.nodes[n].child;
  if (c < 0) {
    const first = ~c >> 3;
    const end = first + (~c & 7) + 1;
    let lo = meshEvalVertex(mesh, mesh.primIds[first], 0);
    let hi = lo;
    let area: f32 = 0;
    let cen = vec3(0, 0, 0);
    let mean = vec3(0, 0, 0);
    let nrm = vec3(0, 0, 0);
    for (let s = first; s < end; s++) {
      const f = mesh.primIds[s];
      const a = meshEvalVertex(mesh, f, 0);
      const b = meshEvalVertex(mesh, f, 1);
      const d = meshEvalVertex(mesh, f, 2);
      lo = min(min(min(lo, a), b), d);
      hi = max(max(max(hi, a), b), d);
      const t = cross(b - a, d - a) * 0.5;
      const ar = length(t);
      const g = (a + b + d) * (f32(1) / 3);
      area += ar;
      cen = cen + g * ar;
      mean = mean + g;
      nrm = nrm + t;
    }
    if (area > 0) cen = cen * (f32(1) / area);
    else cen = mean * (f32(1) / f32(end - first));
    let r: f32 = 0;
    for (let s = first; s < end; s++) {
      const f = mesh.primIds[s];
      for (let k = 0; k < 3; k++) r = max(r, length(meshEvalVertex(mesh, f, k) - cen));
    }
    mesh.nodes[n].lower = lo;
    mesh.nodes[n].upper = hi;
    mesh.winding[n].center = cen;
    mesh.winding[n].radius = r * 1.000001;
    mesh.winding[n].areaNormal = nrm;
    mesh.winding[n].area = area;
  } else {
    const l = n + 1;
    mesh.nodes[n].lower = min(mesh.nodes[l].lower, mesh.nodes[c].lower);
    mesh.nodes[n].upper = max(mesh.nodes[l].upper, mesh.nodes[c].upper);
    const al = mesh.winding[l].area;
    const ac = mesh.winding[c].area;
    const area = al + ac;
    let cen = (mesh.winding[l].center + mesh.winding[c].center) * 0.5;
    if (area > 0) cen = (mesh.winding[l].center * al + mesh.winding[c].center * ac) * (f32(1) / area);
    const rl = length(mesh.winding[l].center - cen) + mesh.winding[l].radius;
    const rc = length(mesh.winding[c].center - cen) + mesh.winding[c].radius;
    mesh.winding[n].center = cen;
    mesh.winding[n].radius = max(rl, rc) * 1.000001;
    mesh.winding[n].areaNormal = mesh.winding[l].areaNormal + mesh.winding[c].areaNormal;
    mesh.winding[n].area = area;
  }
}
`;
