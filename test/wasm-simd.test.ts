// The SIMD entry (4 threads per v128 lane group): for each kernel, the SIMD build must be chosen
// where expected and give exactly the scalar build's results, which must equal the reference; on
// 1 thread and on all threads, with n not a multiple of 4.
import { afterAll, describe, expect, test } from "vitest";
import type { Func } from "../engine/ir/ops.js";
import { BOOL, F32, I32, U32, array, fixed, vec } from "../engine/ir/types.js";
import type { ArgValue } from "../engine/runtime/backend.js";
import { getCpuPool } from "../engine/backends/wasm/device.js";
import { arr, devArray, kernel, load, sc } from "./wasm-util.js";

const pool = getCpuPool();
const saved = pool.numThreads;
afterAll(() => pool.setNumThreads(saved));

interface Expect {
  /** Whether the cost model picks the SIMD entry (not checked when absent). */
  chosen?: boolean;
  /** Whether the forced SIMD build runs its vector code for these arguments (default true). */
  runs?: boolean;
}

/**
 * Runs `fn` built without SIMD and with a forced SIMD entry (so masked paths are exercised even
 * where the cost model would not pick SIMD), on 1 and several threads; `setup` makes fresh arguments
 * and returns them with a reader of the outputs. Returns the outputs (all equal).
 */
function compare(fn: Func, n: number, setup: () => { args: ArgValue[]; read: () => unknown }, exp: Expect = {}): unknown {
  if (exp.chosen !== undefined) {
    const chosen = load([fn], { simd: true });
    expect(chosen.meta.kernels[0].simd, `cost model's choice of SIMD for '${fn.name}'`).toBe(exp.chosen);
    chosen.dispose();
  }
  const results: unknown[] = [];
  for (const simd of [false, "force"] as const) {
    const h = load([fn], { simd });
    expect(h.meta.kernels[0].simd, `SIMD entry for '${fn.name}'`).toBe(simd === "force");
    for (const threads of [1, Math.max(2, saved)]) {
      pool.setNumThreads(threads);
      const { args, read } = setup();
      // The SIMD build really runs its vector code (array strides as its vector accesses assume).
      expect(h.usesSimd(fn.name, [n], args), `'${fn.name}' runs on the SIMD entry`).toBe(simd === "force" && (exp.runs ?? true));
      h.launch(fn.name, [n], args);
      results.push(read());
    }
    h.dispose();
  }
  for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  return results[0];
}

const f = Math.fround;

describe("wasm backend: SIMD entry", () => {
  test("saxpy (contiguous v128 loads and stores), n % 4 != 0", () => {
    const k = kernel("saxpy", [sc("a", "f32"), arr("x"), arr("y")], (b, [a, x, y]) => {
      const i = b.tid(0);
      b.astore(y, [i], b.call("add", b.call("mul", a, b.aload(x, [i], F32)), b.aload(y, [i], F32)));
    });
    const n = 100003;
    const xs = Array.from({ length: n }, (_, i) => (i % 101) * 0.25), ys = Array.from({ length: n }, (_, i) => i % 7);
    const out = compare(k, n, () => {
      const X = devArray("f32", xs), Y = devArray("f32", ys);
      return { args: [0.5, X.arg, Y.arg], read: () => { const r = Array.from(Y.view); X.free(); Y.free(); return r; } };
    }, { chosen: true });
    expect(out).toEqual(ys.map((y, i) => f(f(0.5 * f(xs[i])) + y)));
  });

  test("strided arrays fall back to the scalar entry at run time and stay right", () => {
    const k = kernel("scale", [arr("x")], (b, [x]) => { const i = b.tid(0); b.astore(x, [i], b.call("mul", b.aload(x, [i], F32), b.f(2))); });
    const n = 21;
    const out = compare(k, n, () => {
      const X = devArray("f32", Array.from({ length: 2 * n }, (_, i) => i));
      X.arg.shape = [n]; X.arg.strides = [8];
      return { args: [X.arg], read: () => { const r = Array.from(X.view); X.free(); return r; } };
    }, { runs: false });
    expect(out).toEqual(Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 2 * i : i)));
  });

  test("uniform loop with gathered loads (convolution), guard-and-return, varying if/else with variables", () => {
    const k = kernel("conv", [sc("n", "i32"), arr("x"), arr("w"), arr("out")], (b, [n, x, w, out]) => {
      const i = b.tid(0);
      b.if(b.call("ge", i, n), () => { b.return(); });
      const acc = b.newVar("acc", F32);
      b.set(acc, b.f(0));
      b.forRange(b.i32(0), b.ashape(w, 0), (k2) => {
        const xv = b.aload(x, [b.call("mod", b.call("add", i, k2), n)], F32);
        b.set(acc, b.call("add", b.get(acc), b.call("mul", xv, b.aload(w, [k2], F32))));
      });
      b.if(b.call("gt", b.get(acc), b.f(10)), () => { b.set(acc, b.call("sqrt", b.get(acc))); },
        () => { b.set(acc, b.call("neg", b.call("min", b.get(acc), b.f(3)))); });
      b.astore(out, [i], b.get(acc));
    });
    const n = 1027, ws = [0.5, 1, 2, 1, 0.5, 0.25];
    const xs = Array.from({ length: n }, (_, i) => ((i * 37) % 23) * 0.25);
    const out = compare(k, n + 6, () => {
      const X = devArray("f32", xs), W = devArray("f32", ws), O = devArray("f32", n);
      return { args: [n, X.arg, W.arg, O.arg], read: () => { const r = Array.from(O.view); X.free(); W.free(); O.free(); return r; } };
    }, { chosen: true });
    expect(out).toEqual(Array.from({ length: n }, (_, i) => {
      let acc = 0;
      for (let j = 0; j < ws.length; j++) acc = f(acc + f(f(xs[(i + j) % n]) * ws[j]));
      return acc > 10 ? f(Math.sqrt(acc)) : -Math.min(acc, 3);
    }));
  });

  test("varying trip counts with break and continue, labelled block left early, fixed arrays", () => {
    const k = kernel("vary", [arr("out", "i32"), arr("flag", "bool")], (b, [out, flag]) => {
      const i = b.tid(0);
      const st = b.newVar("st", fixed(I32, 8));
      const acc = b.newVar("acc", I32);
      b.set(acc, b.i32(0));
      b.forRange(b.i32(0), b.call("mod", i, b.i32(11)), (j, L) => {
        b.if(b.call("eq", b.call("band", j, b.i32(1)), b.i32(1)), () => { b.continue(L); });
        b.if(b.call("gt", b.call("mul", j, i), b.i32(300)), () => { b.break(L); });
        b.set(acc, b.call("add", b.get(acc), j));
        b.fset(st, b.call("band", j, b.i32(7)), b.get(acc));
      });
      b.blockRegion((B) => {
        b.if(b.call("eq", b.call("mod", i, b.i32(3)), b.i32(0)), () => { b.break(B); });
        b.set(acc, b.call("add", b.get(acc), b.fget(st, b.i32(2), I32)));
      });
      b.fset(st, b.i32(5), b.i32(1000));
      b.astore(out, [i], b.call("add", b.get(acc), b.fget(st, b.call("mod", i, b.i32(8)), I32)));
      b.astore(flag, [i], b.call("lt", b.get(acc), b.i32(20)));
    });
    const n = 203;
    const out = compare(k, n, () => {
      const O = devArray("i32", n), F = devArray("bool", n);
      return { args: [O.arg, F.arg], read: () => { const r = [Array.from(O.view), Array.from(F.view)]; O.free(); F.free(); return r; } };
    }, { chosen: false });
    const ref: number[] = [], flags: number[] = [];
    for (let i = 0; i < n; i++) {
      const st = new Array(8).fill(0);
      let acc = 0;
      for (let j = 0; j < i % 11; j++) { if ((j & 1) === 1) continue; if (j * i > 300) break; acc += j; st[j & 7] = acc; }
      if (i % 3 !== 0) acc += st[2];
      st[5] = 1000;
      ref.push(acc + st[i % 8]);
      flags.push(acc < 20 ? 1 : 0);
    }
    expect(out).toEqual([ref, flags]);
  });

  test("loops with a varying early return inside, and atomics from lanes", () => {
    const k = kernel("find", [arr("x", "i32"), arr("pos", "i32"), arr("count", "u32")], (b, [x, pos, count]) => {
      const i = b.tid(0);
      b.astore(pos, [i], b.i32(-1));
      b.forRange(b.i32(0), b.i32(64), (j) => {
        b.if(b.call("eq", b.aload(x, [b.call("band", b.call("add", i, j), b.i32(255))], I32), b.i32(0)), () => {
          b.astore(pos, [i], j);
          b.aatomic("add", count, [b.call("band", j, b.i32(3))], b.const(1, "u32"));
          b.return();
        });
      });
      b.aatomic("add", count, [b.i32(4)], b.const(1, "u32"));
    });
    const n = 1001, xs = Array.from({ length: 256 }, (_, i) => ((i * 7) % 29 === 0 ? 0 : 1));
    const out = compare(k, n, () => {
      const X = devArray("i32", xs), P = devArray("i32", n), C = devArray("u32", 5);
      return { args: [X.arg, P.arg, C.arg], read: () => { const r = [Array.from(P.view), Array.from(C.view)]; X.free(); P.free(); C.free(); return r; } };
    }, { chosen: false });
    const pos: number[] = [], count = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      let p = -1;
      for (let j = 0; j < 64; j++) if (xs[(i + j) & 255] === 0) { p = j; break; }
      pos.push(p);
      count[p < 0 ? 4 : p & 3]++;
    }
    expect(out).toEqual([pos, count]);
  });

  test("math: vector ops, lane-wise library calls, conversions and selects", () => {
    const k = kernel("mathk", [arr("x"), arr("o"), arr("u", "u32")], (b, [x, o, u]) => {
      const i = b.tid(0);
      const v = b.aload(x, [i], F32);
      const a = b.call("max", b.call("abs", v), b.f(0.25));
      const s = b.call("add", b.call("sin", v), b.call("floor", b.call("mul", a, b.f(3))));
      const c = b.convert(b.call("mul", b.convert(i, F32), b.f(0.5)), I32);
      b.astore(o, [i], b.select(b.call("lt", v, b.f(0)), s, b.convert(c, F32)));
      b.astore(u, [i], b.call("shr", b.convert(b.call("mul", v, b.f(16)), U32), b.const(2, "u32")));
    });
    const n = 517, xs = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 4);
    const out = compare(k, n, () => {
      const X = devArray("f32", xs), O = devArray("f32", n), U = devArray("u32", n);
      return { args: [X.arg, O.arg, U.arg], read: () => { const r = [Array.from(O.view), Array.from(U.view)]; X.free(); O.free(); U.free(); return r; } };
    }, { chosen: true }) as number[][];
    for (let i = 0; i < n; i++) {
      const v = f(xs[i]);
      const a = Math.max(Math.abs(v), 0.25);
      const s = f(f(Math.sin(v)) + Math.floor(f(a * 3)));
      expect(out[0][i]).toBe(v < 0 ? s : Math.trunc(i * 0.5));
      expect(out[1][i]).toBe(v * 16 <= 0 ? 0 : (Math.trunc(f(v * 16)) >>> 2));
    }
  });

  test("n-body step (vec3 AoS gathers, uniform inner loop) is SIMD and matches", () => {
    const k = kernel("nbody", [sc("n", "i32"), { name: "p", type: array(vec(3)) }, { name: "acc", type: array(vec(3)) }], (b, [n, p, acc]) => {
      const i = b.tid(0);
      const [xi, yi, zi] = [0, 4, 8].map((o) => b.aload(p, [i], F32, o));
      const ax = b.newVar("ax", F32), ay = b.newVar("ay", F32), az = b.newVar("az", F32);
      for (const v of [ax, ay, az]) b.set(v, b.f(0));
      b.forRange(b.i32(0), n, (j) => {
        const dx = b.call("sub", b.aload(p, [j], F32, 0), xi), dy = b.call("sub", b.aload(p, [j], F32, 4), yi), dz = b.call("sub", b.aload(p, [j], F32, 8), zi);
        const r2 = b.call("add", b.call("add", b.call("add", b.call("mul", dx, dx), b.call("mul", dy, dy)), b.call("mul", dz, dz)), b.f(0.01));
        const inv = b.call("div", b.f(1), b.call("mul", r2, b.call("sqrt", r2)));
        b.set(ax, b.call("add", b.get(ax), b.call("mul", dx, inv)));
        b.set(ay, b.call("add", b.get(ay), b.call("mul", dy, inv)));
        b.set(az, b.call("add", b.get(az), b.call("mul", dz, inv)));
      });
      b.astore(acc, [i], b.get(ax), 0); b.astore(acc, [i], b.get(ay), 4); b.astore(acc, [i], b.get(az), 8);
    });
    const n = 203, ps = Array.from({ length: 3 * n }, (_, i) => f(Math.cos(i * 1.7) * 10));
    const mk = (vals: number[] | number) => { const a = devArray("f32", vals); a.arg.shape = [n]; a.arg.strides = [12]; return a; };
    const out = compare(k, n, () => {
      const P = mk(ps), A = mk(3 * n);
      return { args: [n, P.arg, A.arg], read: () => { const r = Array.from(A.view); P.free(); A.free(); return r; } };
    }, { chosen: true }) as number[];
    for (let i = 0; i < n; i++) {
      let ax = 0, ay = 0, az = 0;
      for (let j = 0; j < n; j++) {
        const dx = f(ps[3 * j] - ps[3 * i]), dy = f(ps[3 * j + 1] - ps[3 * i + 1]), dz = f(ps[3 * j + 2] - ps[3 * i + 2]);
        const r2 = f(f(f(f(dx * dx) + f(dy * dy)) + f(dz * dz)) + f(0.01));
        const inv = f(1 / f(r2 * f(Math.sqrt(r2))));
        ax = f(ax + f(dx * inv)); ay = f(ay + f(dy * inv)); az = f(az + f(dz * inv));
      }
      expect(out.slice(3 * i, 3 * i + 3)).toEqual([ax, ay, az]);
    }
  });

  for (const cols of [64, 30]) {
    test(`2-D stencil with lanes along rows (${cols} columns${cols % 4 ? ": scalar fallback" : ""})`, () => {
      const k = kernel("stencil", [arr("x", "f32", 2), arr("o", "f32", 2)], (b, [x, o]) => {
        const i = b.tid(0), j = b.tid(1);
        const last = b.call("sub", b.ashape(x, 1), b.i32(1));
        const jl = b.call("max", b.call("sub", j, b.i32(1)), b.i32(0)), jr = b.call("min", b.call("add", j, b.i32(1)), last);
        const s = b.call("add", b.call("add", b.aload(x, [i, jl], F32), b.aload(x, [i, j], F32)), b.aload(x, [i, jr], F32));
        b.astore(o, [i, j], b.call("add", s, b.convert(i, F32)));
      }, 2);
      const rows = 37, xs = Array.from({ length: rows * cols }, (_, q) => (q * 7) % 19);
      const run = (simd: boolean) => {
        const h = load([k], { simd });
        expect(h.meta.kernels[0].simd).toBe(simd);
        const out: number[][] = [];
        for (const threads of [1, Math.max(2, saved)]) {
          pool.setNumThreads(threads);
          const X = devArray("f32", xs, [rows, cols]), O = devArray("f32", rows * cols, [rows, cols]);
          expect(h.usesSimd("stencil", [rows, cols], [X.arg, O.arg])).toBe(simd && cols % 4 === 0);
          h.launch("stencil", [rows, cols], [X.arg, O.arg]);
          out.push(Array.from(O.view));
          X.free(); O.free();
        }
        h.dispose();
        return out;
      };
      const ref: number[] = [];
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
        const at = (c: number) => xs[i * cols + Math.min(Math.max(c, 0), cols - 1)];
        ref.push(at(j - 1) + at(j) + at(j + 1) + i);
      }
      for (const r of [...run(false), ...run(true)]) expect(r).toEqual(ref);
    });
  }

  for (const n of [2, 3, 4] as const) {
    test(`vec${n} arrays: consecutive elements loaded as vectors and shuffled (AoS -> SoA), masked tail`, () => {
      const k = kernel("aos", [sc("limit", "i32"), { name: "v", type: array(vec(n)) }, arr("o")], (b, [limit, v, o]) => {
        const i = b.tid(0);
        b.if(b.call("ge", i, limit), () => { b.return(); });
        let acc = b.f(0);
        for (let c = 0; c < n; c++) acc = b.call("add", b.call("mul", acc, b.f(10)), b.aload(v, [i], F32, 4 * c));
        b.astore(o, [i], acc);
        b.astore(v, [i], b.call("neg", acc), 4 * (n - 1));
      });
      const len = 203, limit = 198, vals = Array.from({ length: n * len }, (_, q) => q % 9);
      const out = compare(k, len, () => {
        const V = devArray("f32", vals), O = devArray("f32", len);
        V.arg.shape = [len]; V.arg.strides = [4 * n];
        return { args: [limit, V.arg, O.arg], read: () => { const r = [Array.from(O.view), Array.from(V.view)]; V.free(); O.free(); return r; } };
      });
      const o: number[] = [], vv = [...vals];
      for (let i = 0; i < len; i++) {
        if (i >= limit) { o.push(0); continue; }
        let acc = 0;
        for (let c = 0; c < n; c++) acc = acc * 10 + vals[n * i + c];
        o.push(acc);
        vv[n * i + n - 1] = -acc;
      }
      expect(out).toEqual([o, vv]);
    });
  }

  test("a trap under a varying condition reports the trapping lane's values", () => {
    const k = kernel("chk", [sc("bad", "i32"), arr("x"), arr("o")], (b, [bad, x, o]) => {
      const i = b.tid(0);
      const v = b.aload(x, [i], F32);
      b.if(b.call("eq", i, bad), () => { b.trap(7, [i, v]); });
      b.astore(o, [i], b.call("mul", v, b.f(2)));
    });
    const h = load([k], { simd: "force" });
    expect(h.meta.kernels[0].simd).toBe(true);
    pool.setNumThreads(1);
    const X = devArray("f32", Array.from({ length: 64 }, (_, i) => i + 0.5)), O = devArray("f32", 64);
    for (const bad of [0, 6, 41]) {
      let err: any = null;
      try { h.launch("chk", [64], [bad, X.arg, O.arg]); } catch (e) { err = e; }
      expect(err?.code).toBe(7);
      expect(err?.detail).toEqual([bad, bad + 0.5]);
    }
    h.launch("chk", [64], [-1, X.arg, O.arg]);
    expect(O.view[63]).toBe(127);
    h.dispose();
  });

  test("kernels that would run mostly lane by lane keep the scalar entry", () => {
    const k = kernel("idiv", [arr("x", "i32")], (b, [x]) => {
      const i = b.tid(0);
      b.astore(x, [b.call("div", b.i32(1000), b.call("add", i, b.i32(1)))], i);
    });
    compare(k, 64, () => {
      const X = devArray("i32", 1001);
      return { args: [X.arg], read: () => { const r = Array.from(X.view); X.free(); return r; } };
    }, { chosen: false });
  });

  test("bool varying values store as 0/1 and select by mask", () => {
    const k = kernel("bools", [arr("x"), arr("b", "bool"), arr("o", "i32")], (b, [x, bo, o]) => {
      const i = b.tid(0);
      const v = b.aload(x, [i], F32);
      const p = b.call("and", b.call("gt", v, b.f(0)), b.call("not", b.call("eq", b.call("band", i, b.i32(3)), b.i32(1))));
      b.astore(bo, [i], p);
      b.astore(o, [i], b.call("add", b.convert(p, I32), b.convert(b.aload(bo, [i], BOOL), I32)));
    });
    const n = 99, xs = Array.from({ length: n }, (_, i) => Math.cos(i));
    const out = compare(k, n, () => {
      const X = devArray("f32", xs), B = devArray("bool", n), O = devArray("i32", n);
      return { args: [X.arg, B.arg, O.arg], read: () => { const r = [Array.from(B.view), Array.from(O.view)]; X.free(); B.free(); O.free(); return r; } };
    }, { chosen: true });
    const bools = xs.map((v, i) => (f(v) > 0 && (i & 3) !== 1 ? 1 : 0));
    expect(out).toEqual([bools, bools.map((x) => 2 * x)]);
  });
});
