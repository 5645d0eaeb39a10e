// The wasm backend behind the public API: wf.loadModule / wf.launch on the cpu device, arrays
// allocated in the CpuMemory and read back zero-copy, traps surfacing as KernelTrap, and a second
// load of the same module (the disk-cache path: artifact metadata alone must suffice).
import { beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as wf from "../engine/index.js";

const f = Math.fround;

beforeAll(async () => { await wf.init(); });

describe("wasm backend through the public API", () => {
  const source = `
@kernel export function step(x: Array<vec3>, v: Array<vec3>, g: vec3, dt: f32): void {
  const i = tid();
  v[i] = v[i] + g * dt;
  x[i] = x[i] + v[i] * dt;
}
@kernel export function bounds(x: Array<f32>, n: i32): void {
  const i = tid();
  x[i + n] = 1.0;
}
@kernel export function sum(x: Array<f32>, out: Array<f32>): void {
  atomicAdd(out, 0, x[tid()]);
}`;

  test("launches on cpu with the wasm backend, results readable zero-copy", async () => {
    const m = await wf.loadModule({ source, name: "wasm_api" }, { device: "cpu", backend: "wasm" });
    const n = 1000;
    const x = wf.zeros(n, { dtype: wf.vec3, device: "cpu" }), v = wf.zeros(n, { dtype: wf.vec3, device: "cpu" });
    for (let s = 0; s < 3; s++) wf.launch(m.kernels.step, n, [x, v, [0, -10, 0], 0.5], { backend: "wasm" });
    const xs = x.toTypedArray() as Float32Array;
    // v after k steps: -5k; x accumulates v: -2.5 - 5 - 7.5 = -15.
    let vy = 0, xy = 0;
    for (let s = 0; s < 3; s++) { vy = f(vy + f(-10 * 0.5)); xy = f(xy + f(vy * 0.5)); }
    expect(xs[1]).toBe(xy);
    expect(xs[3 * (n - 1) + 1]).toBe(xy);
    expect(xs[0]).toBe(0);

    const big = 1 << 18;
    const a = wf.array(Float32Array.from({ length: big }, (_, i) => i % 8), { dtype: wf.float32, device: "cpu" });
    const out = wf.zeros(1, { dtype: wf.float32, device: "cpu" });
    wf.launch(m.kernels.sum, big, [a, out], { backend: "wasm" });
    expect((out.toTypedArray() as Float32Array)[0]).toBe((big / 8) * 28);
  });

  test("a debug module reports out-of-bounds writes as KernelTrap; a second load reuses the artifact", async () => {
    const m = await wf.loadModule({ source, name: "wasm_api_dbg" }, { device: "cpu", backend: "wasm", debug: true });
    const x = wf.zeros(8, { dtype: wf.float32, device: "cpu" });
    expect(() => wf.launch(m.kernels.bounds, 8, [x, 1], { backend: "wasm" })).toThrow(wf.KernelTrap);
    expect(() => wf.launch(m.kernels.bounds, 8, [x, 1], { backend: "wasm" })).toThrow(/index 8 out of bounds for axis 0 with size 8 in argument 'x' in kernel 'bounds'/);
    // Threads before the faulting one ran (as on a GPU, a trapped launch leaves partial results).
    expect((x.toTypedArray() as Float32Array)[7]).toBe(1);
    const z = wf.zeros(8, { dtype: wf.float32, device: "cpu" });
    wf.launch(m.kernels.bounds, 4, [z, 4], { backend: "wasm" });
    expect(Array.from(z.toTypedArray() as Float32Array)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    const again = await wf.loadModule({ source, name: "wasm_api_dbg" }, { device: "cpu", backend: "wasm", debug: true });
    const y = wf.zeros(8, { dtype: wf.float32, device: "cpu" });
    wf.launch(again.kernels.bounds, 2, [y, 6], { backend: "wasm" });
    expect(Array.from(y.toTypedArray() as Float32Array)).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
  });
});

describe("loading cached modules (built package, fresh processes)", () => {
  test("a cache hit does not load the compiler (binaryen); a miss loads it on demand", () => {
    const dist = join(process.cwd(), "dist", "engine");
    if (!existsSync(join(dist, "index.js"))) throw new Error("dist/ is missing: run `npm run build`");
    const dir = mkdtempSync(join(tmpdir(), "weft-lazy-compiler-"));
    const file = join(dir, "k.ts");
    writeFileSync(file, `@kernel export function addk(x: Array<f32>): void { const i = tid(); x[i] = x[i] + 3.0; }`);
    const script = `
      import * as wf from ${JSON.stringify(join(dist, "index.js"))};
      import { loadedCompiler } from ${JSON.stringify(join(dist, "backends", "wasm", "compiler-slot.js"))};
      const t0 = performance.now();
      const m = await wf.loadModule(${JSON.stringify(file)});
      const ms = performance.now() - t0;
      const x = wf.zeros(4); wf.launch(m.kernels.addk, 4, [x]);
      console.log(JSON.stringify({ cache: m.loads[0].cache, compiler: loadedCompiler() !== null, ms, x: x.toArray() }));
      process.exit(0);`;
    const run = () => {
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, WEFT_CACHE_DIR: join(dir, "cache") }, encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").pop()!);
    };
    const miss = run(), hit = run();
    expect(miss).toMatchObject({ cache: "miss", compiler: true, x: [3, 3, 3, 3] });
    expect(hit).toMatchObject({ cache: "hit", compiler: false, x: [3, 3, 3, 3] });
    // Importing binaryen alone takes about 0.5 s; a hit takes ~15-40 ms (loaded machine).
    expect(hit.ms).toBeLessThan(300);
  });
});
