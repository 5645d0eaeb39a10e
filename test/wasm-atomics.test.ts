// Atomics under contention on the wasm backend, on all cores: exact sums and extrema.
import { afterAll, describe, expect, test } from "vitest";
import { F32, I32, ScalarKind, scalar } from "../engine/ir/types.js";
import { getCpuPool } from "../engine/backends/wasm/device.js";
import { arr, devArray, kernel, load } from "./wasm-util.js";

const pool = getCpuPool();
const saved = pool.numThreads;
afterAll(() => pool.setNumThreads(saved));

describe("wasm backend: atomics", () => {
  for (const s of ["i32", "u32", "i64", "u64", "f32", "f64"] as ScalarKind[]) {
    test(`1M threads atomically add into 7 slots (${s}), exact`, () => {
      pool.setNumThreads(Math.max(2, saved));
      const t = scalar(s);
      const is64 = s === "i64" || s === "u64";
      // slot = i % 7, value = i % 5 (+1 sub for signed kinds); sums stay below 2^24 for f32 exactness.
      const k = kernel("acc", [arr("acc", s), arr("old", s)], (b, [acc, old]) => {
        const i = b.tid(0);
        const slot = b.call("mod", i, b.i32(7));
        const v = b.convert(b.call("mod", i, b.i32(5)), t);
        const o = b.aatomic("add", acc, [slot], v);
        b.if(b.call("eq", i, b.i32(0)), () => { b.astore(old, [b.i32(0)], o); });
      });
      const h = load([k]);
      const n = 1 << 20;
      const A = devArray(s, 7), O = devArray(s, 1);
      h.launch("acc", [n], [A.arg, O.arg]);
      const ref = new Array(7).fill(0);
      for (let i = 0; i < n; i++) ref[i % 7] += i % 5;
      expect(Array.from(A.view)).toEqual(is64 ? ref.map(BigInt) : ref);
      h.dispose();
    });
  }

  test("f32 and i32 add / sub / min / max / xchg / cas agree with a sequential reference", () => {
    pool.setNumThreads(Math.max(2, saved));
    const n = 200000;
    const k = kernel("mix", [arr("f"), arr("i", "i32"), arr("cnt", "i32")], (b, [f, iarr, cnt]) => {
      const i = b.tid(0);
      const v = b.call("sub", b.call("mod", b.call("mul", i, b.i32(7919)), b.i32(10007)), b.i32(5000));
      const fv = b.convert(v, F32);
      b.aatomic("add", f, [b.i32(0)], b.f(1));
      b.aatomic("sub", f, [b.i32(1)], b.f(2));
      b.aatomic("min", f, [b.i32(2)], fv);
      b.aatomic("max", f, [b.i32(3)], fv);
      b.aatomic("sub", iarr, [b.i32(0)], b.i32(3));
      b.aatomic("min", iarr, [b.i32(1)], v);
      b.aatomic("max", iarr, [b.i32(2)], v);
      // A CAS-loop increment of slot 3: each thread retries until its own CAS wins.
      const done = b.newVar("done", I32);
      b.set(done, b.i32(0));
      b.loop((L) => {
        const cur = b.aload(iarr, [b.i32(3)], I32);
        const prev = b.aatomic("cas", iarr, [b.i32(3)], b.call("add", cur, b.i32(1)), 0, cur);
        b.if(b.call("eq", prev, cur), () => { b.break(L); });
        b.set(done, b.call("add", b.get(done), b.i32(1)));
      });
      // xchg: every thread swaps its id in; the values taken out plus the last one left are all ids.
      const got = b.aatomic("xchg", iarr, [b.i32(4)], i);
      b.aatomic("add", cnt, [got], b.i32(1));
    });
    const h = load([k]);
    const F = devArray("f32", [0, 0, 1e9, -1e9]), Iv = devArray("i32", [0, 1 << 30, -(1 << 30), 0, n]);
    const C = devArray("i32", n + 1);
    h.launch("mix", [n], [F.arg, Iv.arg, C.arg]);
    let mn = Infinity, mx = -Infinity;
    for (let i = 0; i < n; i++) { const v = ((i * 7919) % 10007) - 5000; mn = Math.min(mn, v); mx = Math.max(mx, v); }
    expect(Array.from(F.view)).toEqual([n, -2 * n, mn, mx]);
    expect(Array.from(Iv.view.subarray(0, 4))).toEqual([-3 * n, mn, mx, n]);
    // Every value (the initial n and all ids) is taken out exactly once, except the one left in slot 4.
    const left = Iv.view[4];
    const counts = Array.from(C.view);
    expect(counts[left]).toBe(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(counts.every((c, j) => c === (j === left ? 0 : 1))).toBe(true);
    h.dispose();
  });

  test("multi-worker atomics equal the single-thread result", () => {
    const k = kernel("hist", [arr("x", "i32"), arr("h", "f32")], (b, [x, hh]) => {
      const i = b.tid(0);
      const bin = b.call("mod", b.aload(x, [i], I32), b.i32(16));
      b.aatomic("add", hh, [bin], b.f(0.5));
    });
    const h = load([k]);
    const n = 300000;
    const X = devArray("i32", Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 8));
    const run = (threads: number) => {
      pool.setNumThreads(threads);
      const H = devArray("f32", 16);
      h.launch("hist", [n], [X.arg, H.arg]);
      const out = Array.from(H.view);
      H.free();
      return out;
    };
    const one = run(1), all = run(Math.max(2, saved));
    const ref = new Array(16).fill(0);
    for (let i = 0; i < n; i++) ref[X.view[i] % 16] += 0.5;
    expect(one).toEqual(ref);
    expect(all).toEqual(ref);
    h.dispose();
  });
});
