// The CUDA side of the mesh/BVH library where no GPU runs it: every kernel module of the mesh and BVH
// tests, the GPU refit kernels, the example's and the benchmark's kernels are translated to CUDA C++
// and compiled by NVRTC to PTX (compute_90), in release and debug mode, and the differentiable ones'
// adjoint kernels too (the custom adjoints of the queries). On a GPU host (WEFT_TEST_CUDA=1) the
// query tests themselves also run on CUDA.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CudaBackend } from "../engine/backends/cuda/backend.js";
import { loadNativeCuda } from "../engine/backends/cuda/native.js";
import { compileSource } from "../engine/lang/index.js";
import { copyFunc, lowerModule } from "../engine/passes/pipeline.js";
import { flattenExits } from "../engine/passes/flatten-exits.js";
import { adjointKernel } from "../engine/passes/autodiff.js";
import { BVH_REFIT_SOURCE } from "../engine/geometry/bvh/kernels.js";
import { MESH_REFIT_SOURCE } from "../engine/geometry/mesh/kernels.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const native = (() => { try { return loadNativeCuda().native; } catch { return null; } })();
const nvrtc = !!native && native.status().nvrtcLoaded;

/** `const KERNELS = \`...\`` of a test or bench file. */
function kernelsOf(file: string): string {
  const m = /const KERNELS = `([\s\S]*?)`;/.exec(readFileSync(join(root, file), "utf8"));
  if (!m) throw new Error(`${file}: no KERNELS source`);
  return m[1];
}

const modules: { name: string; source: string; adjoint: boolean }[] = [
  { name: "mesh_queries", source: kernelsOf("test/mesh-queries.test.ts"), adjoint: false },
  { name: "mesh_api", source: kernelsOf("test/mesh-api.test.ts"), adjoint: false },
  { name: "mesh_grads", source: kernelsOf("test/mesh-gradients.test.ts"), adjoint: true },
  { name: "bvh_queries", source: kernelsOf("test/bvh-queries.test.ts"), adjoint: false },
  { name: "geometry_mesh_bench", source: kernelsOf("bench/geometry-mesh.js"), adjoint: false },
  { name: "mesh_raycast", source: readFileSync(join(root, "examples/mesh-raycast/kernels.ts"), "utf8"), adjoint: false },
  { name: "weft_mesh_refit", source: MESH_REFIT_SOURCE, adjoint: false },
  { name: "weft_bvh_refit", source: BVH_REFIT_SOURCE, adjoint: false },
];

describe("mesh and BVH kernels compile to PTX with NVRTC", () => {
  for (const s of modules) {
    for (const debug of [false, true]) {
      const title = `${s.name}${debug ? " (debug)" : ""}${s.adjoint ? " with adjoints" : ""}${nvrtc ? "" : " [skipped: NVRTC not available]"}`;
      const body = () => {
        const backend = new CudaBackend(native as any, { device: 0, arch: "compute_90", smCount: 1 });
        const lowered = lowerModule(compileSource(s.source, `${s.name}.ts`), { until: "lowered" });
        expect(backend.compile(lowered, { debug, moduleName: s.name }).bytes.length).toBeGreaterThan(0);
        if (s.adjoint) {
          const adj = lowered.map((f) => { const c = copyFunc(f); flattenExits(c); return adjointKernel(c); });
          expect(backend.compile(adj, { debug, moduleName: `${s.name}__adj` }).bytes.length).toBeGreaterThan(0);
        }
      };
      if (nvrtc) it(title, body, 120_000);
      else it.skip(title, body);
    }
  }
});
