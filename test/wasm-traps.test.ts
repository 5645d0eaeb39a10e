// Traps on the wasm backend: debug bounds checks, integer division by zero, `trap` ops, print, and
// a pool that stays usable afterwards (inline and multi-worker launches).
import { afterAll, describe, expect, test } from "vitest";
import { F32, I32, fixed } from "../engine/ir/types.js";
import { KernelTrap } from "../engine/runtime/backend.js";
import { getCpuPool } from "../engine/backends/wasm/device.js";
import { arr, backend, devArray, kernel, load, sc } from "./wasm-util.js";

const pool = getCpuPool();
const saved = pool.numThreads;
afterAll(() => pool.setNumThreads(saved));

function trapOf(f: () => void): KernelTrap {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(KernelTrap); return e as KernelTrap; }
  throw new Error("expected a trap");
}

describe("wasm backend: traps and debug checks", () => {
  const readPast = kernel("k", [arr("x"), arr("y")], (b, [x, y]) => {
    const i = b.tid(0);
    b.astore(y, [i], b.aload(x, [b.call("add", i, b.i32(1))], F32));
  });

  for (const threads of [1, 2]) {
    test(`debug bounds check names index, axis, size, argument and kernel (${threads} thread(s))`, () => {
      pool.setNumThreads(threads);
      const h = load([readPast], { debug: true });
      const n = threads === 1 ? 10 : 200000;
      const X = devArray("f32", n), Y = devArray("f32", n);
      const e = trapOf(() => h.launch("k", [n], [X.arg, Y.arg]));
      expect(e.message).toBe(`index ${n} out of bounds for axis 0 with size ${n} in argument 'x' in kernel 'k'`);
      expect(e.code).toBe(2);
      expect(e.detail).toEqual([n, 0, n]);
      // The module and the pool stay usable after the trap.
      h.launch("k", [n - 1], [X.arg, Y.arg]);
      h.dispose();
    });
  }

  test("bounds checks cover every axis of 2-D arrays and fixed local arrays", () => {
    const k2 = kernel("k2", [arr("m", "f32", 2)], (b, [m]) => {
      const i = b.tid(0), j = b.tid(1);
      b.astore(m, [i, b.call("mul", j, b.i32(2))], b.f(1));
    }, 2);
    const kf = kernel("kf", [sc("n", "i32")], (b, [n]) => {
      const st = b.newVar("stack", fixed(I32, 4));
      b.fset(st, n, b.i32(1));
    });
    const h = load([k2, kf], { debug: true });
    const M = devArray("f32", 12, [3, 4]);
    expect(trapOf(() => h.launch("k2", [3, 4], [M.arg])).message).toBe("index 4 out of bounds for axis 1 with size 4 in argument 'm' in kernel 'k2'");
    expect(trapOf(() => h.launch("kf", [1], [7])).message).toBe("index 7 out of bounds for local array 'stack' of size 4 in kernel 'kf'");
    h.launch("kf", [1], [3]);
    h.dispose();
  });

  test("integer division by zero is reported, inline and in workers", () => {
    const k = kernel("div", [arr("x", "i32"), arr("y", "i32")], (b, [x, y]) => {
      const i = b.tid(0);
      b.astore(y, [i], b.call("div", b.i32(100), b.aload(x, [i], I32)));
    });
    const h = load([k]);
    for (const threads of [1, 2]) {
      pool.setNumThreads(threads);
      const n = 100000;
      const X = devArray("i32", Array.from({ length: n }, (_, i) => (i === n - 7 ? 0 : 1 + (i % 9))));
      const Y = devArray("i32", n);
      const e = trapOf(() => h.launch("div", [n], [X.arg, Y.arg]));
      expect(e.message).toBe("integer division by zero in kernel 'div'");
      X.view[n - 7] = 3;
      h.launch("div", [n], [X.arg, Y.arg]);
      expect(Y.view[n - 7]).toBe(33);
    }
    h.dispose();
  });

  test("trap ops report their code and operand values; prints come out in order", () => {
    const k = kernel("t", [sc("bad", "i32"), arr("x")], (b, [bad, x]) => {
      const i = b.tid(0);
      b.print("thread %d has %f", [i, b.aload(x, [i], F32)]);
      b.if(b.call("eq", i, bad), () => { b.trap(42, [i, b.f(2.5), b.const(7n, "i64")]); });
    });
    const h = load([k], { debug: true });
    const out: string[] = [];
    const prev = backend.printSink;
    backend.printSink = (t) => out.push(t);
    try {
      const X = devArray("f32", [0.5, 1.5, 2.5]);
      const e = trapOf(() => h.launch("t", [3], [1, X.arg]));
      expect(e.code).toBe(42);
      expect(e.message).toBe("trap 42 in kernel 't'");
      expect(e.detail).toEqual([1, 2.5, 7n]);
      expect(out).toEqual(["thread 0 has 0.500000\n", "thread 1 has 1.500000\n"]);
      out.length = 0;
      h.launch("t", [3], [-1, X.arg]);
      expect(out.length).toBe(3);
    } finally {
      backend.printSink = prev;
    }
    h.dispose();
  });

  test("launch argument errors are clear", () => {
    const h = load([readPast]);
    expect(() => h.launch("k", [4], [])).toThrow(/expected 2 arguments \(x, y\), got 0/);
    expect(() => h.launch("nope", [4], [])).toThrow(/has no kernel 'nope'/);
    const X = devArray("f32", 4);
    expect(() => h.launch("k", [4], [X.arg, 3])).toThrow(/argument 'y' must be an array/);
    h.dispose();
  });
});
