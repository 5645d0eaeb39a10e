// Kernel *sources* end to end: frontend -> pass pipeline (and autodiff) -> CUDA C++ -> PTX with nvcc
// (and NVRTC when the addon is built). Random streams from source are also run as host C++ and must
// be bit-identical to the interpreter's.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { compileSource } from "../engine/lang/index.js";
import type { Func } from "../engine/ir/ops.js";
import { adjointKernel } from "../engine/passes/autodiff.js";
import { flattenExits } from "../engine/passes/flatten-exits.js";
import { copyFunc, lowerModule } from "../engine/passes/pipeline.js";
import { SKIP_COMPILE, expectCompiles, findNvcc } from "./cuda-codegen.helpers.js";
import { differential, hostTest } from "./cuda-codegen.host.js";

const compileTest = SKIP_COMPILE && !findNvcc() ? test.skip : test;

function sourcesUnder(root: string): string[] {
  const out: string[] = [];
  if (!existsSync(root)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/kernels?\.ts$|\.kernel\.ts$/.test(e.name) || (d.endsWith("kernels") && e.name.endsWith(".ts"))) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Lowered forward kernels and, for the differentiable ones, their adjoints. */
function lowerWithAdjoints(src: string, file: string): { fwd: Func[]; adj: Func[]; nondiff: string[] } {
  const fwd = lowerModule(compileSource(src, file), { dump: false });
  const adj: Func[] = [], nondiff: string[] = [];
  for (const k of fwd) {
    try {
      const c = copyFunc(k);
      flattenExits(c);
      adj.push(adjointKernel(c));
    } catch (e) {
      nondiff.push(`${k.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return { fwd, adj, nondiff };
}

const INLINE: Record<string, string> = {
  "features.ts": `import { tid, Array, Array2D, vec3, f32, i32, u32, f64, StaticArray, atomicAdd, atomicMax, atomicCAS, sqrt, sin, floor, min, length } from "weft/kernels";
@struct class Hit { t: f32; index: i32; }
@func function closer(h: Hit, t: f32, i: i32): Hit {
  if (t < h.t) { h.t = t; h.index = i; }
  return h;
}
@kernel export function features(x: Array<vec3>, grid: Array2D<f32>, counts: Array<i32>, out: Array<f32>, big: Array<f64>, k: i32): void {
  const i = tid();
  const stack = new StaticArray<i32>(16);
  let top = 0;
  stack[top++] = i;
  let h = new Hit();
  h.t = 1e30;
  h.index = -1;
  while (top > 0) {
    const n = stack[--top];
    if (n > 4 * k) continue;
    h = closer(h, length(x[n % 4]) + f32(n), n);
    if (top < 14) { stack[top++] = 2 * n + 1; stack[top++] = 2 * n + 2; }
    if (h.index > 40) break;
  }
  atomicAdd(counts, i % 4, 1);
  atomicMax(counts, 4, h.index);
  atomicCAS(counts, 5, 0, i);
  const g = grid[i % 2, i % 3];
  out[i] = sqrt(h.t) + sin(g) + floor(g * 0.5) + min(g, 2.0);
  big[i] = f64(out[i]) * 2.0;
  if (i == 1000000) return;
  print("i=%d t=%f\\n", i, h.t);
}`,
  "random.ts": `import { tid, Array, f32, u32, i32, randInit, randf, randn, randi, randiRange, randfRange } from "weft/kernels";
@kernel export function noise(seed: u32, out: Array<f32>, ints: Array<u32>, ranged: Array<i32>): void {
  const i = tid();
  let rng = randInit(seed, i);
  out[3 * i] = randf(rng);
  out[3 * i + 1] = randn(rng);
  out[3 * i + 2] = randfRange(rng, -2.0, 5.0);
  ints[i] = randi(rng);
  ranged[i] = randiRange(rng, -10, 10);
}`,
};

const shipped = [...sourcesUnder("examples"), ...sourcesUnder("test/fixtures/lang/kernels")];

describe("kernel sources compile end to end to PTX", () => {
  test("there are shipped kernel sources", () => expect(shipped.length).toBeGreaterThan(0));

  const all: [string, () => string][] = [
    ...shipped.map((f) => [f, () => readFileSync(f, "utf8")] as [string, () => string]),
    ...Object.entries(INLINE).map(([f, s]) => [f, () => s] as [string, () => string]),
  ];
  for (const [file, read] of all) {
    compileTest(`${file}: forward kernels (release, debug) and adjoints`, () => {
      const { fwd, adj } = lowerWithAdjoints(read(), file);
      expect(fwd.length).toBeGreaterThan(0);
      const name = file.replace(/[^A-Za-z0-9]+/g, "_");
      expectCompiles(generateCuda(fwd, { debug: false, moduleName: name, sources: { [file]: read() } }).source, name);
      expectCompiles(generateCuda(fwd, { debug: true, moduleName: `${name}_debug` }).source, `${name}_debug`);
      if (adj.length) expectCompiles(generateCuda(adj, { debug: false, moduleName: `${name}_adj` }).source, `${name}_adj`);
    }, 120_000);
  }

  test("statements map back to their kernel source lines", () => {
    const src = INLINE["random.ts"];
    const [fn] = lowerModule(compileSource(src, "random.ts"), { dump: false });
    const out = generateCuda([fn], { debug: false, moduleName: "random" }).source.split("\n");
    // the store of ints[i] (source line 8) is preceded by a #line that names line 8 or below
    let file = "", line = 0;
    const at: { file: string; line: number; text: string }[] = [];
    for (const l of out) {
      const m = /^#line (\d+)(?: "([^"]+)")?$/.exec(l);
      if (m) { line = +m[1]; if (m[2]) file = m[2]; continue; }
      at.push({ file, line: line++, text: l.trim() });
    }
    const store = at.find((x) => /^\*\(uint32_t\*\)\(weft_addr\(ints\.data/.test(x.text))!;
    expect(store).toMatchObject({ file: "random.ts", line: 8 });
    const sig = at.find((x) => x.text.startsWith(`extern "C" __global__ void noise(`))!;
    expect(sig.file).toBe("random.ts");
    expect(sig.line).toBe(2);
  });

  test("with the source text, the first directive of each source line quotes it", () => {
    const src = INLINE["random.ts"].replace("ints[i] = randi(rng);", "ints[i] = randi(rng); // \u00e9t\u00e9 \\");
    const [fn] = lowerModule(compileSource(src, "random.ts"), { dump: false });
    const out = generateCuda([fn], { debug: false, moduleName: "random", sources: { "random.ts": src } }).source;
    expect(out).toContain(`#line 8  // ints[i] = randi(rng); // ?t? `);
    expect(out.split("\n").filter((l) => l.startsWith("#line")).some((l) => l.endsWith("\\"))).toBe(false);
    expect(out).toContain(`#line 2 "random.ts"  // @kernel export function noise(`);
    expect(out.match(/^#line 8\b.*$/gm)!.filter((l) => l.includes("//")).length).toBe(1);
  });
});

describe("random streams from source are bit-identical to the interpreter (host C++)", () => {
  hostTest("randf, randn, randfRange, randi, randiRange", () => {
    const [fn] = lowerModule(compileSource(INLINE["random.ts"], "random.ts"), { dump: false });
    const n = 64;
    const { ref } = differential(fn, [n], (m) => [12345, m.alloc("f32", new Array(3 * n).fill(0)), m.alloc("u32", new Array(n).fill(0)), m.alloc("i32", new Array(n).fill(0))]);
    const dv = new DataView(ref.mem.buffer);
    const firsts = Array.from({ length: n }, (_, k) => dv.getFloat32(256 + 12 * k, true));
    expect(new Set(firsts).size).toBeGreaterThan(n - 2); // a real stream, not zeros
    expect(firsts.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
