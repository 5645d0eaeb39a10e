// The adjoint artifact of a module (engine/runtime/module.ts): WEFT_AD_STACK is part of its cache
// key, and each kernel is differentiated on its own, so a kernel that cannot be differentiated
// fails only the Tape launches that backpropagate through it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { AutodiffError } from "../engine/passes/autodiff-analysis.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

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

// `bad` converts a differentiable value to an integer on the gradient path: not differentiable.
const MIXED = `
import { tid, Array, f32, i32 } from "weft/kernels";

@kernel export function good(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = x[i] * x[i];
}

@kernel export function bad(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = f32(i32(x[i] * 4.0));
}

@kernel export function histogram(x: Array<f32>, counts: Array<i32>): void {
  const i = tid();
  counts[i32(x[i])] += 1;
}
`;

describe.each(BACKEND_NAMES)("a module with a kernel that cannot be differentiated, on %s", (backend) => {
  const device = deviceFor(backend);

  it("the other kernels backpropagate; the bad kernel's launch raises its AutodiffError", async () => {
    const m = await wf.loadModule({ source: MIXED, name: `mixed_${backend}` }, { backend, device });
    const x = wf.array([1, 2, 3], { requiresGrad: true, device });
    const y = wf.zeros(3, { requiresGrad: true, device });
    const counts = wf.zeros(4, { dtype: wf.int32, device });
    const tape = new wf.Tape();
    tape.record(() => {
      wf.launch(m.kernels.histogram, 3, [x, counts], { backend });   // not differentiable, no float output
      wf.launch(m.kernels.good, 3, [x, y], { backend });
    });
    tape.backward(null, new Map([[y, new Float32Array([1, 1, 1])]]));
    expect(Array.from(x.grad!.toTypedArray())).toEqual([2, 4, 6]);

    const y2 = wf.zeros(3, { requiresGrad: true, device });
    const tape2 = new wf.Tape();
    tape2.record(() => wf.launch(m.kernels.bad, 3, [x, y2], { backend }));
    let err: unknown;
    try { tape2.backward(null, new Map([[y2, new Float32Array([1, 1, 1])]])); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AutodiffError);
    const line = MIXED.split("\n").findIndex((l) => l.includes("i32(x[i] * 4.0)")) + 1;
    expect((err as Error).message).toMatch(new RegExp(`^mixed_${backend}\\.ts:${line}:\\d+: error: converting a differentiable value to i32 cuts its gradient`));

    // The good kernel still works after the failure.
    x.grad!.zero();
    const tape3 = new wf.Tape();
    tape3.record(() => wf.launch(m.kernels.good, 3, [x, y], { backend }));
    tape3.backward(null, new Map([[y, new Float32Array([1, 0, 1])]]));
    expect(Array.from(x.grad!.toTypedArray())).toEqual([2, 0, 6]);
  });

  it.skipIf(backend !== "wasm")("the errors travel in the cached artifact: a cache hit raises the same error", async () => {
    const load = () => wf.loadModule({ source: MIXED, name: "mixed_cached" }, { backend, device });
    const backprop = (m: wf.Module, k: "good" | "bad") => {
      const x = wf.array([1, 2, 3], { requiresGrad: true, device }), y = wf.zeros(3, { requiresGrad: true, device });
      const tape = new wf.Tape();
      tape.record(() => wf.launch(m.kernels[k], 3, [x, y], { backend }));
      tape.backward(null, new Map([[y, new Float32Array([1, 1, 1])]]));
      return Array.from(x.grad!.toTypedArray());
    };
    const first = await load();
    expect(backprop(first, "good")).toEqual([2, 4, 6]);
    const second = await load();
    expect(backprop(second, "good")).toEqual([2, 4, 6]);
    expect(second.loads.filter((l) => l.variant === "adjoint").map((l) => l.cache)).toEqual(["hit"]);
    let err: unknown;
    try { backprop(second, "bad"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AutodiffError);
    expect((err as Error).message).toMatch(/^mixed_cached\.ts:\d+:\d+: error: converting a differentiable value to i32 cuts its gradient/);
  });

  it("a module whose only kernel cannot be differentiated loads its adjoints and fails at the launch", async () => {
    const m = await wf.loadModule({ source: MIXED.replace(/@kernel export function good[\s\S]*?\n}\n/, "").replace(/@kernel export function histogram[\s\S]*?\n}\n/, ""), name: `onlybad_${backend}` }, { backend, device });
    expect(Object.keys(m.kernels)).toEqual(["bad"]);
    const x = wf.array([1, 2], { requiresGrad: true, device }), y = wf.zeros(2, { requiresGrad: true, device });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.bad, 2, [x, y], { backend }));
    expect(() => tape.backward(null, new Map([[y, new Float32Array([1, 1])]]))).toThrow(AutodiffError);
  });
});
