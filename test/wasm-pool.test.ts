// The worker pool: multi-worker launches equal single-thread launches and the reference, modules
// loaded before and after the workers start, thread-count changes, and WEFT_NUM_THREADS.
import { afterAll, describe, expect, test } from "vitest";
import { F32, I32 } from "../engine/ir/types.js";
import { getCpuPool } from "../engine/backends/wasm/device.js";
import { defaultThreads } from "../engine/backends/wasm/pool.js";
import { arr, devArray, kernel, load } from "./wasm-util.js";

const pool = getCpuPool();
const saved = pool.numThreads;
const many = Math.max(3, saved);
afterAll(() => pool.setNumThreads(saved));

/** A 2-D kernel with a data-dependent loop: out[i, j] = Σ_{k < (i*j) % 13} x[(i + j + k) % n]. */
const k2 = kernel("k2", [arr("x"), arr("out", "f32", 2)], (b, [x, out]) => {
  const i = b.tid(0), j = b.tid(1);
  const n = b.ashape(x, 0);
  const acc = b.newVar("acc", F32);
  b.set(acc, b.f(0));
  b.forRange(b.i32(0), b.call("mod", b.call("mul", i, j), b.i32(13)), (k) => {
    b.set(acc, b.call("add", b.get(acc), b.aload(x, [b.call("mod", b.call("add", b.call("add", i, j), k), n)], F32)));
  });
  b.astore(out, [i, j], b.get(acc));
}, 2);

function reference(xs: number[], R: number, C: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) {
    let acc = 0;
    for (let k = 0; k < (i * j) % 13; k++) acc = Math.fround(acc + Math.fround(xs[(i + j + k) % xs.length]));
    out.push(acc);
  }
  return out;
}

describe("wasm backend: worker pool", () => {
  test("a 2-D launch split across workers (chunks crossing rows) equals 1 thread and the reference", () => {
    const h = load([k2]);
    const R = 517, C = 389;
    const xs = Array.from({ length: 1000 }, (_, i) => ((i * 31) % 17) * 0.25);
    const X = devArray("f32", xs);
    const run = (threads: number) => {
      pool.setNumThreads(threads);
      const O = devArray("f32", R * C, [R, C]);
      h.launch("k2", [R, C], [X.arg, O.arg]);
      const r = Array.from(O.view);
      O.free();
      return r;
    };
    const ref = reference(xs, R, C);
    const one = run(1);
    const all = run(many);
    expect(pool.started).toBe(true);
    expect(one).toEqual(ref);
    expect(all).toEqual(ref);
    h.dispose();
  });

  test("modules loaded after the workers started, and disposed modules, behave", () => {
    pool.setNumThreads(many);
    const mk = (c: number) => kernel("fill", [arr("o", "i32")], (b, [o]) => { const i = b.tid(0); b.astore(o, [i], b.call("add", i, b.i32(c))); });
    const h1 = load([mk(1)]);
    const n = 1 << 18;
    const O = devArray("i32", n);
    h1.launch("fill", [n], [O.arg]);
    expect(pool.started).toBe(true);
    const h2 = load([mk(2)]);
    h2.launch("fill", [n], [O.arg]);
    expect(O.view[n - 1]).toBe(n + 1);
    h1.dispose();
    expect(() => h1.launch("fill", [n], [O.arg])).toThrow(/disposed/);
    h2.launch("fill", [n], [O.arg]);
    expect(O.view[12345]).toBe(12347);
    h2.dispose();
    O.free();
  });

  test("thread-count changes keep results identical; many launches in a row stay consistent", () => {
    const k = kernel("inc", [arr("o", "i32")], (b, [o]) => { const i = b.tid(0); b.astore(o, [i], b.call("add", b.aload(o, [i], I32), b.i32(1))); });
    const h = load([k]);
    const n = 100003;
    const O = devArray("i32", n);
    let expected = 0;
    for (const t of [many, 1, 2, many]) {
      pool.setNumThreads(t);
      for (let r = 0; r < 25; r++) h.launch("inc", [n], [O.arg]);
      expected += 25;
      expect(O.view[0]).toBe(expected);
      expect(O.view[n - 1]).toBe(expected);
      expect(O.view.every((v: number) => v === expected)).toBe(true);
    }
    h.dispose();
  });

  test("WEFT_NUM_THREADS overrides the default thread count", () => {
    const prev = process.env.WEFT_NUM_THREADS;
    try {
      process.env.WEFT_NUM_THREADS = "3";
      expect(defaultThreads()).toBe(3);
      process.env.WEFT_NUM_THREADS = "junk";
      expect(defaultThreads()).toBeGreaterThanOrEqual(1);
    } finally {
      if (prev === undefined) delete process.env.WEFT_NUM_THREADS; else process.env.WEFT_NUM_THREADS = prev;
    }
    expect(() => pool.setNumThreads(0)).toThrow(RangeError);
  });

  test("empty launches do nothing", () => {
    const k = kernel("e", [arr("o", "i32")], (b, [o]) => { b.astore(o, [b.tid(0)], b.i32(9)); });
    const h = load([k]);
    const O = devArray("i32", 4);
    h.launch("e", [0], [O.arg]);
    h.launch("e", [4, 0], [O.arg]);
    expect(Array.from(O.view)).toEqual([0, 0, 0, 0]);
    h.dispose();
  });
});
