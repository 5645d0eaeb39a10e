// Primary rays from a pinhole camera against a wf.Mesh: one thread per pixel (a 2-D launch), each
// writing the hit distance (or -1) and the unit normal of the face it hits.
import { tid, Array2D, vec3, f32, Mesh, meshQueryRay, normalize } from "weft/kernels";

@kernel
export function render(mesh: Mesh, eye: vec3, forward: vec3, right: vec3, up: vec3, tanHalf: f32,
                       depth: Array2D<f32>, normal: Array2D<vec3>): void {
  const [y, x] = tid();
  const h = depth.shape[0];
  const w = depth.shape[1];
  const aspect = f32(w) / f32(h);
  const sx = (2.0 * (f32(x) + 0.5) / f32(w) - 1.0) * tanHalf * aspect;
  const sy = (1.0 - 2.0 * (f32(y) + 0.5) / f32(h)) * tanHalf;
  const dir = normalize(forward + right * sx + up * sy);
  const q = meshQueryRay(mesh, eye, dir, 1.0e6);
  if (q.hit) {
    depth[y, x] = q.t;
    normal[y, x] = q.normal;
  } else {
    depth[y, x] = -1.0;
    normal[y, x] = vec3(0.0);
  }
}
