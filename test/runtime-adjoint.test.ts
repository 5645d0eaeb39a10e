// The adjoint artifact of a module (engine/runtime/module.ts): WEFT_AD_STACK is part of its cache
// key.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";

beforeAll(async () => { await wf.init(); });

const PROD = `
import { Array, f32 } from "weft/kernels";
@kernel export function prod(x: Array<f32>, out: Array<f32>): void {
  let p: f32 = 1.0;
  for (let i = 0; i < x.length; i++) p *= x[i];
  out[0] = p;
}`;

describe("WEFT_AD_STACK is part of the adjoint's cache key", () => {
  const saved = { stack: process.env.WEFT_AD_STACK, dir: process.env.WEFT_CACHE_DIR, cache: process.env.WEFT_CACHE };
  let dir = "";
  afterEach(() => {
    for (const [k, v] of [["WEFT_AD_STACK", saved.stack], ["WEFT_CACHE_DIR", saved.dir], ["WEFT_CACHE", saved.cache]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("raising it recompiles the adjoint with a warm cache (wasm)", async () => {
    dir = mkdtempSync(join(tmpdir(), "weft-adstack-"));
    process.env.WEFT_CACHE_DIR = dir;
    delete process.env.WEFT_CACHE;
    const backprop = async () => {
      const m = await wf.loadModule({ source: PROD, name: "adstack" }, { backend: "wasm", device: "cpu" });
      const x = wf.full(40, 1.5, { dtype: wf.float32, requiresGrad: true });
      const out = wf.zeros(1, { requiresGrad: true });
      const tape = new wf.Tape();
      tape.record(() => wf.launch(m.kernels.prod, 1, [x, out], { backend: "wasm" }));
      try {
        tape.backward(out);
        return { m, ok: true, grad0: (x.grad!.toTypedArray() as Float32Array)[0] };
      } catch (e) {
        return { m, ok: false, error: String(e) };
      }
    };
    const adjointLoad = (m: wf.Module) => m.loads.filter((l) => l.variant === "adjoint").map((l) => l.cache);

    process.env.WEFT_AD_STACK = "16";
    const small = await backprop();
    expect(small.ok).toBe(false);
    expect(small.error).toMatch(/overflowed its per-thread autodiff stack/);
    expect(adjointLoad(small.m)).toEqual(["miss"]);

    // The same module with a larger stack: a new adjoint, not the cached one of 16 entries.
    process.env.WEFT_AD_STACK = "64";
    const large = await backprop();
    expect(large.ok).toBe(true);
    expect(large.grad0).toBe(Math.fround(1.5 ** 39));
    expect(adjointLoad(large.m)).toEqual(["miss"]);

    // Both sizes are cached now.
    const again = await backprop();
    expect(again.ok).toBe(true);
    expect(adjointLoad(again.m)).toEqual(["hit"]);
    process.env.WEFT_AD_STACK = "16";
    expect((await backprop()).ok).toBe(false);
  });
});
