// Mesh queries on the Stanford bunny (npm `bunny`, 3674 triangles): primary-ray casts and
// closest-point queries with the kernel library's BVH (kernels-as/lib/mesh.ts) on wasm with one
// thread and with every core, beside three-mesh-bvh (MeshBVH with the SAH strategy: raycastFirst, the
// path `firstHitOnly` takes, and closestPointToPoint) on the same rays and points in the same run;
// CUDA rays per second at 1920x1080 when a GPU is present; BVH build times (weft's host binned SAH
// inside `new wf.Mesh`, and three-mesh-bvh's).
import * as wf from "weft";
import { createRequire } from "node:module";
import { best } from "./lib.js";

const KERNELS = `
import { tid, Array, Array2D, vec3, f32, Mesh, meshQueryRay, meshQueryPointNoSign, normalize } from "weft/kernels";

@kernel
export function primary(mesh: Mesh, eye: vec3, forward: vec3, right: vec3, up: vec3, tanHalf: f32, depth: Array2D<f32>): void {
  const [y, x] = tid();
  const h = depth.shape[0];
  const w = depth.shape[1];
  const sx = (2.0 * (f32(x) + 0.5) / f32(w) - 1.0) * tanHalf * (f32(w) / f32(h));
  const sy = (1.0 - 2.0 * (f32(y) + 0.5) / f32(h)) * tanHalf;
  const q = meshQueryRay(mesh, eye, normalize(forward + right * sx + up * sy), 1.0e6);
  depth[y, x] = q.hit ? q.t : -1.0;
}

@kernel
export function closest(mesh: Mesh, ps: Array<vec3>, dist: Array<f32>): void {
  const i = tid();
  dist[i] = meshQueryPointNoSign(mesh, ps[i], 1.0e6).distance;
}
`;

function bunnyMesh() {
  const require = createRequire(import.meta.url);
  const b = require("bunny");
  const lo = [0, 1, 2].map((a) => Math.min(...b.positions.map((p) => p[a])));
  const hi = [0, 1, 2].map((a) => Math.max(...b.positions.map((p) => p[a])));
  const c = lo.map((l, a) => 0.5 * (l + hi[a])), s = 2 / Math.max(...hi.map((h, a) => h - lo[a]));
  return { points: Float32Array.from(b.positions.flatMap((p) => p.map((x, a) => (x - c[a]) * s))), indices: Int32Array.from(b.cells.flat()) };
}

function camera() {
  const eye = [2.0, 0.6, 3.4];
  const sub = (a, b) => a.map((x, k) => x - b[k]);
  const norm = (a) => { const l = Math.hypot(...a); return a.map((x) => x / l); };
  const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const forward = norm(sub([0, 0, 0], eye)), right = norm(cross(forward, [0, 1, 0])), up = cross(right, forward);
  return { eye, forward, right, up, tanHalf: Math.tan((40 * Math.PI) / 360) };
}

/** The camera's ray directions (f32, normalized like the kernel does) for a w x h image. */
function rayDirs(cam, w, h) {
  const f = Math.fround, out = new Float32Array(3 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sx = (2 * (x + 0.5) / w - 1) * cam.tanHalf * (w / h), sy = (1 - 2 * (y + 0.5) / h) * cam.tanHalf;
    const d = [0, 1, 2].map((k) => cam.forward[k] + cam.right[k] * sx + cam.up[k] * sy), l = Math.hypot(...d);
    out.set(d.map((v) => f(v / l)), 3 * (y * w + x));
  }
  return out;
}

export async function meshBench({ quick = false } = {}) {
  await wf.init();
  const rows = [];
  const { points, indices } = bunnyMesh();
  const nf = indices.length / 3;
  const cam = camera();
  const all = wf.getCpuThreads();
  const m = await wf.loadModule({ source: KERNELS, name: "geometry_mesh_bench" }, { device: "cpu" });

  // --- BVH build ----------------------------------------------------------------------------------
  const tBuild = best(() => new wf.Mesh({ points, indices, device: "cpu" }).dispose(), { reps: quick ? 3 : 10 });
  rows.push({ bench: `bunny BVH (${nf} tris)`, measure: "weft host build (SAH, 16 bins)", value: tBuild * 1e3, unit: "ms" });
  const mesh = new wf.Mesh({ points, indices, device: "cpu" });

  // three-mesh-bvh, in this process.
  let peer = null;
  try {
    const THREE = await import("three");
    const { MeshBVH, SAH } = await import("three-mesh-bvh");
    const geom = new THREE.BufferGeometry();
    geom.setAttribute("position", new THREE.BufferAttribute(points, 3));
    geom.setIndex(new THREE.BufferAttribute(Uint32Array.from(indices), 1));
    const tPeer = best(() => new MeshBVH(geom.clone(), { strategy: SAH }), { reps: quick ? 3 : 10 });
    rows.push({ bench: `bunny BVH (${nf} tris)`, measure: "three-mesh-bvh build (SAH)", value: tPeer * 1e3, unit: "ms", vs: "weft", ratio: tPeer / tBuild });
    peer = { THREE, bvh: new MeshBVH(geom, { strategy: SAH }) };
  } catch (e) {
    rows.push({ bench: "three-mesh-bvh", measure: "unavailable", value: NaN, unit: String(e?.message ?? e).slice(0, 60) });
  }

  // --- primary rays --------------------------------------------------------------------------------
  const [w, h] = quick ? [640, 360] : [1920, 1080];
  const depth = wf.zeros([h, w], { dtype: wf.float32 });
  const cast = (threads) => {
    wf.setCpuThreads(threads);
    return best(() => wf.launch(m.kernels.primary, [h, w], [mesh, cam.eye, cam.forward, cam.right, cam.up, cam.tanHalf, depth]), { reps: quick ? 2 : 5 });
  };
  const r1 = (w * h) / cast(1), rAll = (w * h) / cast(all);
  const hits = Array.from(depth.toTypedArray()).filter((d) => d >= 0).length;
  let peerRays = NaN;
  if (peer) {
    // The peer casts a 640x360 image (the same camera), first hit only, both sides as weft does.
    const pw = 640, ph = 360, dirs = rayDirs(cam, pw, ph);
    const { THREE, bvh } = peer;
    const ray = new THREE.Ray(new THREE.Vector3(...cam.eye), new THREE.Vector3());
    let peerHits = 0;
    const t = best(() => {
      peerHits = 0;
      for (let k = 0; k < pw * ph; k++) {
        ray.direction.set(dirs[3 * k], dirs[3 * k + 1], dirs[3 * k + 2]);
        if (bvh.raycastFirst(ray, THREE.DoubleSide)) peerHits++;
      }
    }, { reps: quick ? 2 : 3 });
    peerRays = (pw * ph) / t;
    rows.push({ bench: "bunny primary rays", measure: "three-mesh-bvh raycastFirst", value: peerRays / 1e6, unit: "M rays/s", note: `${peerHits} hits` });
  }
  rows.push({ bench: "bunny primary rays", measure: `wasm 1 thread (${w}x${h})`, value: r1 / 1e6, unit: "M rays/s", vs: "three-mesh-bvh", ratio: r1 / peerRays, target: ">= 2" });
  rows.push({ bench: "bunny primary rays", measure: `wasm ${all} threads`, value: rAll / 1e6, unit: "M rays/s", vs: "three-mesh-bvh", ratio: rAll / peerRays, note: `${hits} hits` });
  depth.dispose();

  // --- closest points --------------------------------------------------------------------------------
  const n = quick ? 20000 : 200000;
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) / 16777216;
  const ps = Float32Array.from({ length: 3 * n }, () => (rnd() - 0.5) * 2.6);
  const p = wf.array(ps, { dtype: wf.vec3 }), dist = wf.zeros(n);
  const query = (threads) => {
    wf.setCpuThreads(threads);
    return best(() => wf.launch(m.kernels.closest, n, [mesh, p, dist]), { reps: quick ? 2 : 5 });
  };
  const q1 = n / query(1), qAll = n / query(all);
  let peerQ = NaN;
  if (peer) {
    const { THREE, bvh } = peer;
    const np = Math.min(n, 20000), pt = new THREE.Vector3(), target = {};
    let maxDiff = 0;
    const weft = dist.toTypedArray();
    const t = best(() => {
      for (let k = 0; k < np; k++) { pt.set(ps[3 * k], ps[3 * k + 1], ps[3 * k + 2]); bvh.closestPointToPoint(pt, target); }
    }, { reps: quick ? 2 : 3 });
    for (let k = 0; k < np; k += 97) { pt.set(ps[3 * k], ps[3 * k + 1], ps[3 * k + 2]); bvh.closestPointToPoint(pt, target); maxDiff = Math.max(maxDiff, Math.abs(target.distance - weft[k])); }
    peerQ = np / t;
    rows.push({ bench: "bunny closest point", measure: "three-mesh-bvh closestPointToPoint", value: peerQ / 1e6, unit: "M queries/s", note: `max |distance difference| ${maxDiff.toExponential(1)}` });
  }
  rows.push({ bench: "bunny closest point", measure: "wasm 1 thread", value: q1 / 1e6, unit: "M queries/s", vs: "three-mesh-bvh", ratio: q1 / peerQ, target: ">= 2" });
  rows.push({ bench: "bunny closest point", measure: `wasm ${all} threads`, value: qAll / 1e6, unit: "M queries/s", vs: "three-mesh-bvh", ratio: qAll / peerQ });
  wf.setCpuThreads(all);
  p.dispose(); dist.dispose(); mesh.dispose();

  // --- CUDA -------------------------------------------------------------------------------------------
  const gpu = wf.devices().find((d) => d.isCuda);
  if (gpu) {
    const mg = await wf.loadModule({ source: KERNELS, name: "geometry_mesh_bench" }, { device: gpu });
    const gm = new wf.Mesh({ points, indices, device: gpu });
    const [gw, gh] = [1920, 1080];
    const gd = wf.zeros([gh, gw], { dtype: wf.float32, device: gpu });
    const launch = () => wf.launch(mg.kernels.primary, [gh, gw], [gm, cam.eye, cam.forward, cam.right, cam.up, cam.tanHalf, gd]);
    launch(); wf.synchronize(gpu);
    const reps = quick ? 10 : 50;
    const t = best(() => { for (let k = 0; k < reps; k++) launch(); wf.synchronize(gpu); }, { reps: 3 }) / reps;
    rows.push({ bench: "bunny primary rays", measure: `cuda ${gpu.name} (${gw}x${gh})`, value: (gw * gh) / t / 1e9, unit: "G rays/s", vs: "wasm all cores", ratio: (gw * gh) / t / rAll, target: ">= 1 G rays/s" });
    const tr = best(() => { gm.refit(); wf.synchronize(gpu); }, { reps: quick ? 3 : 10 });
    rows.push({ bench: `bunny BVH (${nf} tris)`, measure: `cuda refit (${gm.depth + 1} level launches)`, value: tr * 1e3, unit: "ms" });
    gd.dispose(); gm.dispose();
  }
  return rows;
}
