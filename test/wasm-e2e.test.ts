// End to end on the wasm backend: kernel source -> frontend -> pass pipeline -> wasm (scalar and
// SIMD entries) -> launch on 1 and all threads, checked against plain TypeScript references.
import { afterAll, describe, expect, test } from "vitest";
import { compileSource } from "../engine/lang/index.js";
import { lowerModule } from "../engine/passes/pipeline.js";
import type { Func } from "../engine/ir/ops.js";
import type { ArgValue } from "../engine/runtime/backend.js";
import { getCpuPool } from "../engine/backends/wasm/device.js";
import { backend, devArray } from "./wasm-util.js";

const pool = getCpuPool();
const saved = pool.numThreads;
afterAll(() => pool.setNumThreads(saved));
const f = Math.fround;

/** Compiles `src` for wasm; runs kernel `name` with SIMD on and off, on 1 and all threads. */
function runAll(src: string, name: string, dims: number[], setup: () => { args: ArgValue[]; read: () => unknown }): { out: unknown; simd: boolean } {
  const kernels: Func[] = lowerModule(compileSource(src, "e2e.ts"), { dump: false });
  const outs: unknown[] = [];
  let simd = false;
  for (const useSimd of [false, true]) {
    const art = backend.compile(kernels, { debug: false, moduleName: "e2e", simd: useSimd });
    const h = backend.load(art, kernels);
    if (useSimd) simd = h.meta.kernels.find((k) => k.name === name)!.simd;
    for (const threads of [1, Math.max(2, saved)]) {
      pool.setNumThreads(threads);
      const { args, read } = setup();
      if (useSimd && simd) expect(h.usesSimd(name, dims, args), `${name} runs its SIMD entry`).toBe(true);
      h.launch(name, dims, args);
      outs.push(read());
    }
    h.dispose();
  }
  for (const o of outs.slice(1)) expect(o).toEqual(outs[0]);
  return { out: outs[0], simd };
}

describe("wasm backend: kernels from source", () => {
  test("integrate particles (vec3 arrays, a vec3 parameter flattened to scalars)", () => {
    const src = `@kernel
export function integrate(x: Array<vec3>, v: Array<vec3>, f: Array<vec3>, invMass: Array<f32>, gravity: vec3, dt: f32): void {
  const i = tid();
  const vNew = v[i] + (f[i] * invMass[i] + gravity) * dt;
  x[i] = x[i] + vNew * dt;
  v[i] = vNew;
}`;
    const n = 10001;
    const X = Array.from({ length: 3 * n }, (_, k) => (k % 17) * 0.5), V = Array.from({ length: 3 * n }, (_, k) => 1 - (k % 13) * 0.25);
    const F = Array.from({ length: 3 * n }, (_, k) => (k % 3) - 1), W = Array.from({ length: n }, (_, i) => 1 / (1 + (i % 4)));
    const g = [0, -9.8, 0], dt = 0.01;
    const vec3Array = (vals: number[]) => { const a = devArray("f32", vals); a.arg.shape = [n]; a.arg.strides = [12]; return a; };
    const { out, simd } = runAll(src, "integrate", [n], () => {
      const xa = vec3Array(X), va = vec3Array(V), fa = vec3Array(F), wa = devArray("f32", W);
      return {
        args: [xa.arg, va.arg, fa.arg, wa.arg, ...g, dt],
        read: () => { const r = [Array.from(xa.view), Array.from(va.view)]; for (const a of [xa, va, fa, wa]) a.free(); return r; },
      };
    });
    expect(simd).toBe(true);
    const xr: number[] = [], vr: number[] = [];
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) {
      const k = 3 * i + c;
      const vn = f(f(V[k]) + f(f(f(f(F[k]) * f(W[i])) + f(g[c])) * f(dt)));
      vr.push(vn);
      xr.push(f(f(X[k]) + f(vn * f(dt))));
    }
    expect(out).toEqual([xr, vr]);
  });

  test("loops, early return, ternaries and atomics", () => {
    const src = `@kernel export function k(out: Array<i32>, hist: Array<i32>, n: i32): void {
  const i = tid();
  if (i >= n) return;
  let acc = 0;
  for (let j = 0; j < i % 23; j++) {
    if (j % 3 == 1) continue;
    if (j * i > 2000) break;
    acc += j;
  }
  let w = 0;
  while (w * w < i) w++;
  out[i] = acc > 30 ? acc * 100 + w : -acc;
  atomicAdd(hist, acc % 8, 1);
}`;
    const n = 4099;
    const { out } = runAll(src, "k", [n + 5], () => {
      const O = devArray("i32", n), H = devArray("i32", 8);
      return { args: [O.arg, H.arg, n], read: () => { const r = [Array.from(O.view), Array.from(H.view)]; O.free(); H.free(); return r; } };
    });
    const ref: number[] = [], hist = new Array(8).fill(0);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < i % 23; j++) { if (j % 3 === 1) continue; if (j * i > 2000) break; acc += j; }
      let w = 0;
      while (w * w < i) w++;
      ref.push(acc > 30 ? acc * 100 + w : 0 - acc);
      hist[acc % 8]++;
    }
    expect(out).toEqual([ref, hist]);
  });

  test("transcendental math stays within 2 ulp (f32) of the correctly rounded result", () => {
    const src = `@kernel export function m(x: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const v = x[i];
  out[6 * i] = sin(v);
  out[6 * i + 1] = cos(v);
  out[6 * i + 2] = exp(v * 0.25);
  out[6 * i + 3] = log(abs(v) + 0.5);
  out[6 * i + 4] = pow(abs(v) + 0.1, 1.7);
  out[6 * i + 5] = atan2(v, 1.5 - v);
}`;
    const n = 20000;
    const xs = Array.from({ length: n }, (_, i) => f(Math.sin(i * 12.9898) * 60));
    const { out } = runAll(src, "m", [n], () => {
      const X = devArray("f32", xs), O = devArray("f32", 6 * n);
      return { args: [X.arg, O.arg], read: () => { const r = Array.from(O.view); X.free(); O.free(); return r; } };
    });
    const o = out as number[];
    const ulp = (a: number, b: number) => {
      const buf = new Float32Array([a, b]), u = new Int32Array(buf.buffer);
      return Math.abs(u[0] - u[1]);
    };
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const v = xs[i];
      const ref = [Math.sin(v), Math.cos(v), Math.exp(f(v * 0.25)), Math.log(f(Math.abs(v) + 0.5)), Math.pow(f(Math.abs(v) + f(0.1)), f(1.7)), Math.atan2(v, f(1.5 - v))].map(f);
      for (let k = 0; k < 6; k++) worst = Math.max(worst, ulp(o[6 * i + k], ref[k]));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });
});
