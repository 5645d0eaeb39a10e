// Passes and interpreter on hand-built IR, checked against plain-TypeScript references.
import { describe, expect, it } from "vitest";
import { Builder, newFunc } from "../engine/ir/builder.js";
import { IRModule } from "../engine/ir/ops.js";
import { F32, I32, array, vec } from "../engine/ir/types.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import { runKernel } from "../engine/ir/interp.js";
import { printFunc } from "../engine/ir/printer.js";
import { ArrayArg } from "../engine/runtime/backend.js";

const V3 = vec(3);

function moduleOf(...funcs: ReturnType<typeof newFunc>[]): IRModule {
  return { name: "t", file: "t.ts", source: "", funcs, structs: new Map() };
}

/** A scratch "device memory" and helpers to place arrays in it. */
function scratch() {
  const buffer = new ArrayBuffer(1 << 16);
  let top = 16;
  return {
    mem: { buffer },
    f32(values: number[], comps = 1): ArrayArg {
      const data = top; top += values.length * 4 + 16;
      new Float32Array(buffer, data, values.length).set(values);
      return { data, grad: 0, shape: [values.length / comps], strides: [4 * comps] };
    },
    read(a: ArrayArg, n: number) { return Array.from(new Float32Array(buffer, Number(a.data), n)); },
  };
}

// y[i] = a * x[i] + y[i] with x, y: Array<vec3>, through a @func `axpy(a, x, y)`.
function buildVecSaxpy() {
  const axpy = newFunc("axpy", "func", [{ name: "a", type: F32 }, { name: "x", type: V3 }, { name: "y", type: V3 }], V3);
  { const b = new Builder(axpy); b.return(b.call("add", b.call("mul", b.param(1), b.param(0)), b.param(2))); }
  const k = newFunc("saxpy3", "kernel", [{ name: "a", type: F32 }, { name: "x", type: array(V3) }, { name: "y", type: array(V3) }]);
  const b = new Builder(k);
  const i = b.tid(0);
  const r = b.callf("axpy", [b.param(0), b.aload(b.param(1), [i], V3), b.aload(b.param(2), [i], V3)], V3);
  b.astore(b.param(2), [i], r);
  return moduleOf(axpy, k);
}

describe("pass pipeline + interpreter", () => {
  it("vector saxpy through a @func gives a*x+y at both stages", () => {
    const mod = buildVecSaxpy();
    for (const until of ["builtins", "lowered"] as const) {
      const fn = lowerKernel(mod, "saxpy3", { until, dump: false });
      const s = scratch();
      const xs = [1, 2, 3, 4, 5, 6], ys = [10, 20, 30, 40, 50, 60];
      const x = s.f32(xs, 3), y = s.f32(ys, 3);
      const flatArgs = until === "lowered" ? [2, x, y] : [2, x, y];
      runKernel(fn, [2], flatArgs, s.mem);
      expect(s.read(y, 6)).toEqual(xs.map((v, j) => 2 * v + ys[j]));
    }
  });

  it("scalarize flattens a vec3 parameter and records the ABI", () => {
    const k = newFunc("shift", "kernel", [{ name: "d", type: V3 }, { name: "x", type: array(V3) }]);
    const b = new Builder(k);
    const i = b.tid(0);
    b.astore(b.param(1), [i], b.call("add", b.aload(b.param(1), [i], V3), b.param(0)));
    const fn = lowerKernel(moduleOf(k), "shift", { dump: false });
    expect(fn.params.map((p) => p.name)).toEqual(["d_0", "d_1", "d_2", "x"]);
    expect(fn.abi!.flat).toEqual([{ src: 0, off: 0 }, { src: 0, off: 4 }, { src: 0, off: 8 }, { src: 1, off: 0 }]);
    expect(printFunc(fn)).not.toMatch(/construct|extract/);
    const s = scratch();
    const x = s.f32([1, 1, 1, 2, 2, 2], 3);
    runKernel(fn, [2], [0.5, -1, 4, x], s.mem);
    expect(s.read(x, 6)).toEqual([1.5, 0, 5, 2.5, 1, 6]);
  });

  it("loops with break/continue and early return in an inlined func", () => {
    // func firstOver(x: Array<f32>, t: f32): i32 { for (i = 0; i < n; i++) { if (x[i] > t) return i; } return -1 }
    const f = newFunc("firstOver", "func", [{ name: "x", type: array(F32) }, { name: "t", type: F32 }], I32);
    {
      const b = new Builder(f);
      const x = b.param(0), t = b.param(1);
      b.forRange(b.i32(0), b.ashape(x, 0), (i) => {
        b.if(b.call("gt", b.aload(x, [i], F32), t), () => { b.return(i); });
      });
      b.return(b.i32(-1));
    }
    const k = newFunc("k", "kernel", [{ name: "x", type: array(F32) }, { name: "out", type: array(F32) }]);
    {
      const b = new Builder(k);
      const i = b.tid(0);
      const r = b.callf("firstOver", [b.param(0), b.convert(i, F32)], I32);
      b.astore(b.param(1), [i], b.convert(r, F32));
    }
    const fn = lowerKernel(moduleOf(f, k), "k", { dump: false });
    const s = scratch();
    const xs = [0, 3, 1, 7, 2];
    const x = s.f32(xs), out = s.f32([0, 0, 0, 0, 0, 0, 0, 0]);
    runKernel(fn, [8], [x, out], s.mem);
    const ref = Array.from({ length: 8 }, (_, t) => xs.findIndex((v) => v > t));
    expect(s.read(out, 8)).toEqual(ref);
  });

  it("out-of-bounds reads trap with index, axis and argument name", () => {
    const k = newFunc("oob", "kernel", [{ name: "x", type: array(F32) }]);
    const b = new Builder(k);
    b.astore(b.param(0), [b.i32(0)], b.aload(b.param(0), [b.call("add", b.tid(0), b.i32(1))], F32));
    const fn = lowerKernel(moduleOf(k), "oob", { dump: false });
    const s = scratch();
    expect(() => runKernel(fn, [3], [s.f32([1, 2, 3])], s.mem)).toThrow(/index 3 out of bounds for axis 0 with size 3 in argument 'x' of kernel|index 3 out of bounds for axis 0 with size 3 in argument 'x'/);
  });
});
