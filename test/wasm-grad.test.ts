// Gradient accesses of arrays without a gradient buffer (docs/architecture.md, "Gradient
// accesses"): a grad read gives 0, a grad store or atomic does nothing, in release and debug builds,
// on the scalar and the SIMD entry, on every thread count; memory near address 0 (where such an
// access used to land) stays untouched. The same accesses on arrays that have a gradient buffer
// work as before. Also: a Tape backward through a kernel whose float input has no requiresGrad.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as wf from "../engine/index.js";
import type { Func } from "../engine/ir/ops.js";
import { F32, I32 } from "../engine/ir/types.js";
import { getCpuPool } from "../engine/backends/wasm/device.js";
import { HEAP_BASE } from "../engine/backends/wasm/memory.js";
import { arr, devArray, kernel, load, mem } from "./wasm-util.js";

const pool = getCpuPool();
const saved = pool.numThreads;
afterAll(() => pool.setNumThreads(saved));

/**
 * Per thread i (j = perm[i]): contiguous and gathered grad loads of x, a contiguous grad store to y
 * under a varying condition, a scattered grad store to z, a grad atomic add on w (returning the old
 * value); the loaded and returned values go to out.
 */
function gradKernel(): Func {
  return kernel("gradk", [arr("x"), arr("y"), arr("z"), arr("w"), arr("perm", "i32"), arr("out")], (b, [x, y, z, w, perm, out]) => {
    const i = b.tid(0);
    const j = b.aload(perm, [i], I32);
    const g = b.aload(x, [i], F32, 0, true);
    const g2 = b.aload(x, [j], F32, 0, true);
    b.if(b.call("eq", b.call("band", i, b.i32(1)), b.i32(0)), () => {
      b.astore(y, [i], b.call("add", g, b.f(1)), 0, true);
    });
    b.astore(z, [j], b.call("add", g2, b.f(2)), 0, true);
    const old = b.aload(w, [j], F32, 0, false);
    const oldG = b.aatomic("add", w, [j], b.f(1), 0, undefined, true);
    const o = b.call("mul", i, b.i32(4));
    b.astore(out, [o], g);
    b.astore(out, [b.call("add", o, b.i32(1))], g2);
    b.astore(out, [b.call("add", o, b.i32(2))], oldG);
    b.astore(out, [b.call("add", o, b.i32(3))], old);
  });
}

const snapshot = (from: number, to: number) => mem.u8.slice(from, to);

describe("wasm backend: gradient accesses", () => {
  const permOf = (n: number) => Array.from({ length: n }, (_, i) => (i * 389) % n);
  const n = 1003, perm = permOf(n);

  for (const debug of [false, true]) {
    for (const simd of [false, "force"] as const) {
      if (debug && simd) continue; // debug builds have no SIMD entry
      test(`without a gradient buffer: reads give 0, writes do nothing (${debug ? "debug" : "release"}, ${simd ? "SIMD" : "scalar"})`, () => {
        const h = load([gradKernel()], { debug, simd });
        expect(h.meta.kernels[0].simd).toBe(simd === "force");
        // A canary low in the heap, and enough threads that grad accesses through address 0 would
        // cover [0, 4n), which holds the canary (and all of [0, HEAP_BASE)).
        const canary = devArray("f32", Array.from({ length: 64 }, (_, k) => 1000 + k));
        const n = Math.max(1003, Math.ceil((canary.ptr + 256) / 4) + 13);
        const perm = permOf(n);
        for (const threads of [1, Math.max(2, saved)]) {
          pool.setNumThreads(threads);
          const xs = devArray("f32", n), ys = devArray("f32", n), zs = devArray("f32", n);
          const ws = devArray("f32", Array.from({ length: n }, (_, k) => k * 0.5));
          const ps = devArray("i32", perm), out = devArray("f32", 4 * n);
          const mine = [xs, ys, zs, ws, ps, out].map((a) => [a.ptr, a.ptr + a.view.byteLength]);
          const args = [xs.arg, ys.arg, zs.arg, ws.arg, ps.arg, out.arg];
          const low = snapshot(0, HEAP_BASE);
          h.launch("gradk", [n], args);
          expect(Array.from(canary.view)).toEqual(Array.from({ length: 64 }, (_, k) => 1000 + k));
          expect(Array.from(snapshot(0, HEAP_BASE))).toEqual(Array.from(low));
          const o = Array.from(out.view as Float32Array);
          for (let i = 0; i < n; i++) {
            if (o[4 * i] !== 0 || o[4 * i + 1] !== 0 || o[4 * i + 2] !== 0 || o[4 * i + 3] !== perm[i] * 0.5) {
              expect(o.slice(4 * i, 4 * i + 4), `thread ${i}`).toEqual([0, 0, 0, perm[i] * 0.5]);
            }
          }
          expect(Array.from(ws.view)).toEqual(Array.from({ length: n }, (_, k) => k * 0.5));
          expect([...xs.view, ...ys.view, ...zs.view].every((v) => v === 0)).toBe(true);
          // A second launch (its argument block now holds the same values) changes no byte of
          // [0, 4n) outside this test's arrays.
          const region = snapshot(0, 4 * n + 64);
          h.launch("gradk", [n], args);
          const after = snapshot(0, region.length);
          const changed = [...after.keys()].filter((k) => after[k] !== region[k] && !mine.some(([s, e]) => k >= s && k < e));
          expect(changed).toEqual([]);
          for (const a of [xs, ys, zs, ws, ps, out]) a.free();
        }
        canary.free();
        h.dispose();
      });
    }
  }

  test("with gradient buffers the same accesses read and write them (scalar and SIMD agree)", () => {
    const results: number[][] = [];
    for (const simd of [false, "force"] as const) {
      const h = load([gradKernel()], { simd });
      const mk = (init: number[] | number) => devArray("f32", init);
      const x = mk(n), gx = mk(Array.from({ length: n }, (_, k) => k * 0.25));
      const y = mk(n), gy = mk(n), z = mk(n), gz = mk(n);
      const w = mk(n), gw = mk(Array.from({ length: n }, (_, k) => k));
      const ps = devArray("i32", perm), out = mk(4 * n);
      const withGrad = (a: ReturnType<typeof mk>, g: ReturnType<typeof mk>) => ({ ...a.arg, grad: g.ptr });
      h.launch("gradk", [n], [withGrad(x, gx), withGrad(y, gy), withGrad(z, gz), withGrad(w, gw), ps.arg, out.arg]);
      for (let i = 0; i < n; i++) {
        const j = perm[i];
        expect(Array.from(out.view.slice(4 * i, 4 * i + 4))).toEqual([i * 0.25, j * 0.25, j, 0]);
        expect(gy.view[i]).toBe(i % 2 === 0 ? i * 0.25 + 1 : 0);
        expect(gz.view[j]).toBe(j * 0.25 + 2);
        expect(gw.view[j]).toBe(j + 1);
      }
      results.push(Array.from(out.view as Float32Array).concat(Array.from(gy.view), Array.from(gz.view), Array.from(gw.view)));
      for (const a of [x, gx, y, gy, z, gz, w, gw, ps, out]) a.free();
      h.dispose();
    }
    expect(results[1]).toEqual(results[0]);
  });
});

// --- through the Tape --------------------------------------------------------------------------------

const SRC = `
import { tid, Array, f32, atomicAdd } from "weft/kernels";

@kernel
export function weigh(x: Array<f32>, w: Array<f32>, loss: Array<f32>): void {
  const i = tid();
  atomicAdd(loss, 0, x[i] * w[i] * w[i]);
}
`;

beforeAll(async () => { await wf.init(); });

describe("Tape backward through a float input without requiresGrad", () => {
  for (const [backend, debug] of [["interp", false], ["wasm", false], ["wasm", true]] as const) {
    test(`${backend}${debug ? " (debug)" : ""}: gradients of the other inputs, memory untouched`, async () => {
      const m = await wf.loadModule({ source: SRC, name: "tape_nograd" }, { backend, debug });
      // Allocated first, so it lies low in the heap; n is chosen so that gradient writes of x through
      // address 0 would reach it (4 n bytes).
      const canary = wf.array(Float32Array.from({ length: 16 }, (_, k) => 100 + k));
      const n = Math.max(1500, Math.ceil((Number(canary.ptr) + 64) / 4) + 7);
      const x = wf.array(Float32Array.from({ length: n }, (_, k) => (k % 13) - 6));
      const w = wf.array(Float32Array.from({ length: n }, (_, k) => (k % 5) * 0.5), { requiresGrad: true });
      const loss = wf.zeros(1, { requiresGrad: true });
      const low = snapshot(0, HEAP_BASE);
      const tape = new wf.Tape();
      tape.record(() => wf.launch(m.kernels.weigh, n, [x, w, loss], { backend }));
      tape.backward(loss);
      expect(x.grad).toBeNull();
      const xs = x.toArray(), ws = w.toArray();
      expect(w.grad!.toArray()).toEqual(ws.map((v, k) => Math.fround(2 * xs[k] * v) + 0));
      expect(Array.from(canary.toArray())).toEqual(Array.from({ length: 16 }, (_, k) => 100 + k));
      expect(Array.from(snapshot(0, HEAP_BASE))).toEqual(Array.from(low));
      for (const a of [canary, x, w, loss]) a.dispose();
    });
  }
});
