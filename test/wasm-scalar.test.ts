// The scalar wasm backend on hand-built lowered IR, checked against plain TypeScript references.
import { describe, expect, test } from "vitest";
import { BOOL, F32, F64, I32, I64, ScalarKind, U32, U64, array, fixed, scalar } from "../engine/ir/types.js";
import { compileWasm, buildModule } from "../engine/backends/wasm/compile.js";
import { arr, devArray, kernel, load, sc } from "./wasm-util.js";

describe("wasm backend: scalar kernels", () => {
  test("saxpy matches the reference and the module validates", () => {
    const k = kernel("saxpy", [sc("a", "f32"), arr("x"), arr("y")], (b, [a, x, y]) => {
      const i = b.tid(0);
      b.astore(y, [i], b.call("add", b.call("mul", a, b.aload(x, [i], F32)), b.aload(y, [i], F32)));
    });
    const { module } = buildModule([k], { debug: false, moduleName: "t" });
    expect(module.validate()).toBeTruthy();
    module.dispose();
    const h = load([k]);
    const n = 1003;
    const xs = Array.from({ length: n }, (_, i) => (i % 97) * 0.5), ys = Array.from({ length: n }, (_, i) => i % 13);
    const x = devArray("f32", xs), y = devArray("f32", ys);
    h.launch("saxpy", [n], [1.5, x.arg, y.arg]);
    expect(Array.from(y.view)).toEqual(ys.map((v, i) => Math.fround(Math.fround(1.5 * Math.fround(xs[i])) + v)));
    x.free(); y.free(); h.dispose();
  });

  const kinds: ScalarKind[] = ["i32", "u32", "i64", "u64", "f32", "f64"];
  for (const s of kinds) {
    test(`arithmetic and comparisons on ${s}`, () => {
      // out[i*8 + k] = op_k(a[i], b[i]); cmp[i] = a < b
      const t = scalar(s);
      const k = kernel("ar", [arr("a", s), arr("b", s), arr("out", s), arr("cmp", "bool")], (bd, [a, bb, out, cmp]) => {
        const i = bd.tid(0);
        const x = bd.aload(a, [i], t), y = bd.aload(bb, [i], t);
        const ops = ["add", "sub", "mul", "div", "mod"].map((o) => bd.call(o, x, y));
        ops.push(s === "u32" || s === "u64" ? bd.call("sub", y, x) : bd.call("neg", x));
        ops.push(bd.select(bd.call("gt", x, y), x, y));
        ops.push(bd.convert(bd.convert(x, s === "f32" || s === "f64" ? I32 : F64), t));
        const base = bd.call("mul", i, bd.i32(8));
        ops.forEach((v, j) => bd.astore(out, [bd.call("add", base, bd.i32(j))], v));
        bd.astore(cmp, [i], bd.call("lt", x, y));
      });
      const h = load([k]);
      const n = 50;
      const is64 = s === "i64" || s === "u64";
      const isF = s === "f32" || s === "f64";
      const av: any[] = [], bv: any[] = [];
      for (let i = 0; i < n; i++) {
        let p = (i * 37) % 101 - (s.startsWith("u") ? 0 : 50), q = ((i * 13) % 17) + 1;
        if (isF) { p = p / 4; q = q / 8; }
        av.push(is64 ? BigInt(p) : p); bv.push(is64 ? BigInt(q) : q);
      }
      const A = devArray(s, av), B = devArray(s, bv), O = devArray(s, n * 8), C = devArray("bool", n);
      h.launch("ar", [n], [A.arg, B.arg, O.arg, C.arg]);
      const wrapK = (v: any): any => {
        switch (s) {
          case "i32": return Number(v) | 0;
          case "u32": return Number(v) >>> 0;
          case "i64": return BigInt.asIntN(64, v);
          case "u64": return BigInt.asUintN(64, v);
          case "f32": return Math.fround(v);
          default: return v;
        }
      };
      for (let i = 0; i < n; i++) {
        const x = A.view[i], y = B.view[i];
        let exp: any[];
        if (is64) exp = [x + y, x - y, x * y, x / y, x % y, s === "u64" ? y - x : -x, x > y ? x : y, x];
        else if (isF) exp = [x + y, x - y, x * y, x / y, x % y, -x, x > y ? x : y, Math.trunc(x) | 0];
        else exp = [x + y, x - y, Math.imul(x, y), Math.trunc(x / y), x % y, s === "u32" ? y - x : -x, x > y ? x : y, x];
        exp = exp.map(wrapK);
        expect(Array.from(O.view.subarray(i * 8, i * 8 + 8)), `${s} element ${i}`).toEqual(exp);
        expect(C.view[i]).toBe(x < y ? 1 : 0);
      }
      h.dispose();
    });
  }

  test("conversions follow C semantics (float -> int saturates like CUDA)", () => {
    const srcs = [-3.7, 2.5, 1e10, -1e10, NaN, 0, 255.9];
    const k = kernel("cv", [arr("x", "f64"), arr("i", "i32"), arr("u", "u32"), arr("l", "i64"), arr("f", "f32"), arr("b", "bool")], (bd, [x, i, u, l, f, bo]) => {
      const t = bd.tid(0), v = bd.aload(x, [t], F64);
      bd.astore(i, [t], bd.convert(v, I32));
      bd.astore(u, [t], bd.convert(bd.convert(v, I32), U32));
      bd.astore(l, [t], bd.convert(bd.convert(v, I32), I64));
      bd.astore(f, [t], bd.convert(bd.convert(bd.convert(v, I32), U64), F32));
      bd.astore(bo, [t], bd.convert(v, BOOL));
    });
    const h = load([k]);
    const X = devArray("f64", srcs), I = devArray("i32", srcs.length), U = devArray("u32", srcs.length), L = devArray("i64", srcs.length);
    const F = devArray("f32", srcs.length), Bo = devArray("bool", srcs.length);
    h.launch("cv", [srcs.length], [X.arg, I.arg, U.arg, L.arg, F.arg, Bo.arg]);
    const sat = (v: number) => (Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))));
    expect(Array.from(I.view)).toEqual(srcs.map(sat));
    expect(Array.from(U.view)).toEqual(srcs.map((v) => sat(v) >>> 0));
    expect(Array.from(L.view)).toEqual(srcs.map((v) => BigInt(sat(v))));
    expect(Array.from(F.view)).toEqual(srcs.map((v) => Math.fround(Number(BigInt.asUintN(64, BigInt(sat(v)))))));
    expect(Array.from(Bo.view)).toEqual(srcs.map((v) => (v !== 0 ? 1 : 0)));
    h.dispose();
  });

  test("loops with break and continue, variables, early return", () => {
    // Odd threads return early; even ones sum j in [0, i) skipping multiples of 3, stopping past 40.
    const k = kernel("loops", [arr("out", "i32")], (b, [out]) => {
      const i = b.tid(0);
      b.if(b.call("eq", b.call("mod", i, b.i32(2)), b.i32(1)), () => { b.return(); });
      const acc = b.newVar("acc", I32);
      b.set(acc, b.i32(0));
      b.forRange(b.i32(0), i, (j, label) => {
        b.if(b.call("eq", b.call("mod", j, b.i32(3)), b.i32(0)), () => { b.continue(label); });
        b.if(b.call("gt", j, b.i32(40)), () => { b.break(label); });
        b.set(acc, b.call("add", b.get(acc), j));
      });
      b.astore(out, [i], b.get(acc));
    });
    const h = load([k]);
    const n = 77, O = devArray("i32", Array.from({ length: n }, () => -1));
    h.launch("loops", [n], [O.arg]);
    const ref = Array.from({ length: n }, (_, i) => {
      if (i % 2 === 1) return -1;
      let acc = 0;
      for (let j = 0; j < i; j++) { if (j % 3 === 0) continue; if (j > 40) break; acc += j; }
      return acc;
    });
    expect(Array.from(O.view)).toEqual(ref);
    h.dispose();
  });

  test("labelled blocks, nested loops, array-valued variables and select", () => {
    const k = kernel("blk", [arr("a", "i32"), arr("b", "i32"), arr("out", "i32")], (bd, [a, b2, out]) => {
      const i = bd.tid(0);
      const which = bd.newVar("which", array(I32));
      bd.set(which, a);
      bd.if(bd.call("ge", i, bd.i32(5)), () => { bd.set(which, b2); });
      const r = bd.newVar("r", I32);
      bd.set(r, bd.i32(0));
      bd.blockRegion((label) => {
        bd.forRange(bd.i32(0), bd.i32(4), (j) => {
          bd.forRange(bd.i32(0), bd.i32(4), (q, inner) => {
            bd.if(bd.call("eq", bd.call("add", j, q), i), () => { bd.break(label); });
            bd.if(bd.call("gt", q, j), () => { bd.break(inner); });
            bd.set(r, bd.call("add", bd.get(r), bd.i32(1)));
          }, "q");
        }, "j");
        bd.set(r, bd.call("add", bd.get(r), bd.i32(100)));
      });
      const v = bd.aload(bd.get(which), [bd.call("mod", i, bd.i32(5))], I32);
      bd.astore(out, [i], bd.call("add", bd.get(r), bd.select(bd.call("lt", v, bd.i32(0)), bd.i32(1000), v)));
    });
    const h = load([k]);
    const A = devArray("i32", [1, 2, 3, 4, 5]), B = devArray("i32", [-1, 20, -30, 40, 50]), O = devArray("i32", 10);
    h.launch("blk", [10], [A.arg, B.arg, O.arg]);
    const ref = Array.from({ length: 10 }, (_, i) => {
      let r = 0;
      outer: {
        for (let j = 0; j < 4; j++) for (let q = 0; q < 4; q++) { if (j + q === i) break outer; if (q > j) break; r++; }
        r += 100;
      }
      const v = (i >= 5 ? [-1, 20, -30, 40, 50] : [1, 2, 3, 4, 5])[i % 5];
      return r + (v < 0 ? 1000 : v);
    });
    expect(Array.from(O.view)).toEqual(ref);
    h.dispose();
  });

  test("fixed-size local arrays are per thread and start at zero", () => {
    const k = kernel("fx", [arr("out", "f32")], (b, [out]) => {
      const i = b.tid(0);
      const st = b.newVar("st", fixed(F32, 8));
      b.forRange(b.i32(0), b.call("mod", i, b.i32(9)), (j) => { b.fset(st, j, b.convert(b.call("mul", j, i), F32)); });
      const acc = b.newVar("acc", F32);
      b.set(acc, b.f(0));
      b.forRange(b.i32(0), b.i32(8), (j) => { b.set(acc, b.call("add", b.call("mul", b.get(acc), b.f(2)), b.fget(st, b.call("sub", b.i32(7), j), F32))); });
      b.astore(out, [i], b.get(acc));
    });
    const h = load([k]);
    const n = 40, O = devArray("f32", n);
    h.launch("fx", [n], [O.arg]);
    const ref = Array.from({ length: n }, (_, i) => {
      const st = new Array(8).fill(0);
      for (let j = 0; j < i % 9 && j < 8; j++) st[j] = j * i;
      let acc = 0;
      for (let j = 0; j < 8; j++) acc = Math.fround(acc * 2 + st[7 - j]);
      return acc;
    });
    expect(Array.from(O.view)).toEqual(ref);
    h.dispose();
  });

  test("loads and stores at byte offsets inside elements (vec3 layout, stride 12)", () => {
    const k = kernel("v3", [arr("p"), arr("len2")], (b, [p, l]) => {
      const i = b.tid(0);
      const [x, y, z] = [0, 4, 8].map((off) => b.aload(p, [i], F32, off));
      b.astore(l, [i], b.call("add", b.call("add", b.call("mul", x, x), b.call("mul", y, y)), b.call("mul", z, z)));
      b.astore(p, [i], b.call("add", z, b.f(1)), 8);
    });
    const h = load([k]);
    const n = 9, vals = Array.from({ length: 3 * n }, (_, j) => j - 5);
    const P = devArray("f32", vals), L = devArray("f32", n);
    P.arg.shape = [n]; P.arg.strides = [12];
    h.launch("v3", [n], [P.arg, L.arg]);
    for (let i = 0; i < n; i++) {
      const [x, y, z] = vals.slice(3 * i, 3 * i + 3);
      expect(L.view[i]).toBe(x * x + y * y + z * z);
      expect(P.view[3 * i + 2]).toBe(z + 1);
      expect(P.view[3 * i]).toBe(x);
    }
    h.dispose();
  });

  test("multi-dimensional tid decomposes row-major, last dimension fastest", () => {
    for (const nd of [2, 3, 4] as const) {
      const k = kernel(`t${nd}`, [arr("out", "i32", nd)], (b, [out]) => {
        const ids = Array.from({ length: nd }, (_, d) => b.tid(d));
        let code = b.i32(0);
        for (let d = 0; d < nd; d++) code = b.call("add", b.call("mul", code, b.i32(10)), ids[d]);
        b.astore(out, ids, b.call("add", b.call("mul", code, b.i32(10)), b.dim(nd - 1)));
      }, nd);
      const h = load([k]);
      const shape = [3, 4, 5, 6].slice(4 - nd);
      const total = shape.reduce((a, b) => a * b, 1);
      const O = devArray("i32", total, shape);
      h.launch(`t${nd}`, shape, [O.arg]);
      const ref: number[] = [];
      for (let f = 0; f < total; f++) {
        let r = f; const id = new Array(nd);
        for (let d = nd - 1; d >= 0; d--) { id[d] = r % shape[d]; r = Math.floor(r / shape[d]); }
        ref.push(id.reduce((c, v) => c * 10 + v, 0) * 10 + shape[nd - 1]);
      }
      expect(Array.from(O.view), `ndim ${nd}`).toEqual(ref);
      h.dispose();
    }
  });

  test("a 1-D kernel launched over 2-D dims sees flat thread ids", () => {
    const k = kernel("flat", [arr("out", "i32")], (b, [out]) => { const i = b.tid(0); b.astore(out, [i], b.call("add", i, b.dim(0))); });
    const h = load([k]);
    const O = devArray("i32", 12);
    h.launch("flat", [3, 4], [O.arg]);
    expect(Array.from(O.view)).toEqual(Array.from({ length: 12 }, (_, i) => i + 12));
    h.dispose();
  });

  test("scalar parameters of every kind, bools, and 64-bit values round-trip", () => {
    const ps = [sc("b", "bool"), sc("i", "i32"), sc("u", "u32"), sc("l", "i64"), sc("ul", "u64"), sc("f", "f32"), sc("d", "f64")];
    const k = kernel("params", [...ps, arr("o64", "f64"), arr("ol", "i64")], (b, p) => {
      const [bo, i, u, l, ul, f, d, o64, ol] = p;
      b.astore(o64, [b.i32(0)], b.convert(bo, F64));
      b.astore(o64, [b.i32(1)], b.convert(i, F64));
      b.astore(o64, [b.i32(2)], b.convert(u, F64));
      b.astore(o64, [b.i32(3)], b.convert(f, F64));
      b.astore(o64, [b.i32(4)], d);
      b.astore(ol, [b.i32(0)], l);
      b.astore(ol, [b.i32(1)], b.convert(ul, I64));
    });
    const h = load([k]);
    const O = devArray("f64", 5), L = devArray("i64", 2);
    h.launch("params", [1], [true, -7, 4000000000, -(2n ** 62n), 2n ** 64n - 5n, 0.1, Math.PI, O.arg, L.arg]);
    expect(Array.from(O.view)).toEqual([1, -7, 4000000000, Math.fround(0.1), Math.PI]);
    expect(Array.from(L.view)).toEqual([-(2n ** 62n), -5n]);
    h.dispose();
  });

  test("float % calls the math library (fmod semantics), and library calls work in workers too", () => {
    const k = kernel("fm", [arr("x"), arr("out")], (b, [x, out]) => {
      const i = b.tid(0);
      b.astore(out, [i], b.call("mod", b.aload(x, [i], F32), b.f(0.75)));
    });
    const h = load([k]);
    const n = 100000, xs = Array.from({ length: n }, (_, i) => (i % 1000) * 0.37 - 100);
    const X = devArray("f32", xs), O = devArray("f32", n);
    h.launch("fm", [n], [X.arg, O.arg]);
    for (let i = 0; i < n; i += 997) expect(O.view[i]).toBe(Math.fround(Math.fround(xs[i]) % 0.75));
    h.dispose();
  });

  test("compiles a 10-kernel module to one valid binary with one entry per kernel", () => {
    const ks = Array.from({ length: 10 }, (_, j) => kernel(`k${j}`, [arr("x")], (b, [x]) => {
      const i = b.tid(0);
      b.astore(x, [i], b.call("add", b.aload(x, [i], F32), b.f(j)));
    }));
    const { bytes, meta } = compileWasm(ks, { debug: false, moduleName: "ten" });
    expect(WebAssembly.validate(bytes as BufferSource)).toBe(true);
    expect(meta.kernels.map((k) => k.name)).toEqual(ks.map((k) => k.name));
    expect(new Set(meta.kernels.map((k) => k.entry)).size).toBe(10);
  });
});
