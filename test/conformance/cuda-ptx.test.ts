// The CUDA side of the conformance suite where no GPU runs it (DESIGN.md §9): every conformance
// kernel module is lowered, translated to CUDA C++ and compiled by NVRTC (to PTX for compute_90,
// no device needed), in release mode and, for the modules the suite loads with debug: true, in
// debug mode too. The kernel sources are the top-level `const NAME = \`...\`` templates of the
// conformance test files that declare a @kernel. On a GPU host (WEFT_TEST_CUDA=1) the same
// kernels also run, in every other file of this folder.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CudaBackend } from "../../engine/backends/cuda/backend.js";
import { loadNativeCuda } from "../../engine/backends/cuda/native.js";
import { compileSource } from "../../engine/lang/index.js";
import { lowerModule } from "../../engine/passes/pipeline.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Known bugs: the module does not compile for CUDA (the test is kept, expected to fail). */
const KNOWN: Record<string, string> = {};

function kernelSources(): { file: string; name: string; source: string; debug: boolean }[] {
  const out: { file: string; name: string; source: string; debug: boolean }[] = [];
  for (const file of readdirSync(here).filter((f) => f.endsWith(".test.ts")).sort()) {
    const text = readFileSync(join(here, file), "utf8");
    for (const m of text.matchAll(/^const (\w+) = `([\s\S]*?)`;$/gm)) {
      if (!m[2].includes("@kernel")) continue;
      if (m[2].includes("${")) throw new Error(`${file}: kernel source ${m[1]} interpolates values; write it literally so this test can read it`);
      // Template-literal escapes as JavaScript reads them (the sources use only \\ for a backslash).
      out.push({ file, name: m[1], source: m[2].replace(/\\\\/g, "\\"), debug: /debug: true/.test(text) });
    }
  }
  return out;
}

const native = (() => { try { return loadNativeCuda().native; } catch { return null; } })();
const nvrtc = !!native && native.status().nvrtcLoaded;
const sources = kernelSources();

describe("conformance kernels compile to PTX with NVRTC", () => {
  it("the conformance files provide kernel sources", () => {
    expect(sources.length).toBeGreaterThanOrEqual(15);
  });

  // SKIP where the addon or NVRTC cannot be loaded (the reason is in the test name's condition);
  // test/global-setup.ts fetches NVRTC when the machine keeps its wheel.
  for (const s of sources) {
    const id = `${s.file} ${s.name}`;
    for (const debug of s.debug ? [false, true] : [false]) {
      const title = `${id}${debug ? " (debug)" : ""}${nvrtc ? "" : " [skipped: NVRTC not available]"}`;
      const body = () => {
        const backend = new CudaBackend(native as any, { device: 0, arch: "compute_90", smCount: 1 });
        const lowered = lowerModule(compileSource(s.source, `${s.name}.ts`), { until: "lowered" });
        const art = backend.compile(lowered, { debug, moduleName: `conf_${s.file.replace(/\W/g, "_")}_${s.name}` });
        expect(art.bytes.length).toBeGreaterThan(0);
      };
      if (!nvrtc) it.skip(title, body);
      else if (KNOWN[id]) it.fails(`${title} — BUG: ${KNOWN[id]}`, body);
      else it(title, body);
    }
  }
});
