// The adjoint pass on hand-built IR, run by the interpreter, against analytic gradients and central
// finite differences of the forward kernel.
import { describe, expect, it } from "vitest";
import { Builder, newFunc } from "../engine/ir/builder.js";
import { Func } from "../engine/ir/ops.js";
import { F32, F64, I32, array } from "../engine/ir/types.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import { flattenExits } from "../engine/passes/flatten-exits.js";
import { adjointKernel } from "../engine/passes/autodiff.js";
import { AutodiffError } from "../engine/passes/autodiff-analysis.js";
import { validateFunc } from "../engine/ir/validator.js";
import { runKernel } from "../engine/ir/interp.js";

function lower(k: Func) {
  const fn = lowerKernel({ name: "m", file: "m.ts", source: "", funcs: [k], structs: new Map() }, k.name, { dump: false });
  flattenExits(fn);
  const adj = adjointKernel(fn);
  validateFunc(adj, { lowered: true, stage: "autodiff" });
  return { fn, adj };
}

/** f64 arrays with gradient buffers in a scratch memory. */
function mem() {
  const buffer = new ArrayBuffer(1 << 16);
  let top = 64;
  const f64 = (vals: number[], withGrad = true) => {
    const data = top; top += vals.length * 8 + 64;
    const grad = withGrad ? top : 0; if (withGrad) top += vals.length * 8 + 64;
    new Float64Array(buffer, data, vals.length).set(vals);
    return { data, grad, shape: [vals.length], strides: [8] };
  };
  const read = (addr: number, n: number) => Array.from(new Float64Array(buffer, addr, n));
  const write = (addr: number, vals: number[]) => new Float64Array(buffer, addr, vals.length).set(vals);
  return { m: { buffer }, f64, read, write };
}

// out[0] = (prod_i x[i]) ^ 2 computed with a loop-carried product, then squared after the loop.
function prodKernel(square: boolean) {
  const k = newFunc("prod", "kernel", [{ name: "x", type: array(F64) }, { name: "out", type: array(F64) }]);
  const b = new Builder(k);
  const p = b.newVar("p", F64);
  b.set(p, b.f(1, "f64"));
  b.forRange(b.i32(0), b.ashape(b.param(0), 0), (i) => {
    b.set(p, b.call("mul", b.get(p), b.aload(b.param(0), [i], F64)));
  });
  const r = square ? b.call("mul", b.get(p), b.get(p)) : b.get(p);
  b.astore(b.param(1), [b.i32(0)], r);
  return k;
}

function gradOf(k: Func, xs: number[], outs = 1) {
  const { adj } = lower(k);
  const s = mem();
  const x = s.f64(xs), out = s.f64(new Array(outs).fill(0));
  s.write(out.grad, new Array(outs).fill(1));
  runKernel(adj, [1], [x, out], s.m);
  return s.read(x.grad, xs.length);
}

function forward(k: Func, xs: number[], outs = 1) {
  const { fn } = lower(k);
  const s = mem();
  const x = s.f64(xs), out = s.f64(new Array(outs).fill(0));
  runKernel(fn, [1], [x, out], s.m);
  return s.read(out.data, outs).reduce((a, b) => a + b, 0);
}

function finiteDiff(k: Func, xs: number[], h = 1e-6) {
  return xs.map((_, j) => {
    const up = [...xs], dn = [...xs];
    up[j] += h; dn[j] -= h;
    return (forward(k, up) - forward(k, dn)) / (2 * h);
  });
}

describe("autodiff through loops with state", () => {
  it("prod *= x[i] over [2, 4, 8] gives [32, 16, 8]", () => {
    expect(gradOf(prodKernel(false), [2, 4, 8])).toEqual([32, 16, 8]);
  });
  it("a value computed after the loop from its state (p*p) is right", () => {
    const xs = [2, 4, 8], p = 64;
    expect(gradOf(prodKernel(true), xs)).toEqual(xs.map((x) => 2 * p * (p / x)));
  });
  it("break, continue and early exit match finite differences", () => {
    // acc = 0; for i < n: if (x[i] < 0) continue; acc = acc * 0.5 + sin(x[i]) * x[i]; if (acc > 3) break;  out = acc*acc
    const k = newFunc("ctl", "kernel", [{ name: "x", type: array(F64) }, { name: "out", type: array(F64) }]);
    const b = new Builder(k);
    const acc = b.newVar("acc", F64);
    b.set(acc, b.f(0, "f64"));
    b.forRange(b.i32(0), b.ashape(b.param(0), 0), (i, label) => {
      const xi = b.aload(b.param(0), [i], F64);
      b.if(b.call("lt", xi, b.f(0, "f64")), () => { b.continue(label); });
      b.set(acc, b.call("add", b.call("mul", b.get(acc), b.f(0.5, "f64")), b.call("mul", b.call("sin", xi), xi)));
      b.if(b.call("gt", b.get(acc), b.f(3, "f64")), () => { b.break(label); });
    });
    b.astore(b.param(1), [b.i32(0)], b.call("mul", b.get(acc), b.get(acc)));
    for (const xs of [[0.3, -1, 1.2, 2.0, 0.7], [1.5, 2.5, 2.2, -0.5, 1.9, 0.1]]) {
      const g = gradOf(k, xs), fd = finiteDiff(k, xs);
      g.forEach((v, j) => expect(v).toBeCloseTo(fd[j], 5));
    }
  });
  it("nested loops with a run-time inner bound", () => {
    // s = 0; for i < n: for j < i+1: s = s * 0.9 + x[i] * x[j];  out = s
    const k = newFunc("nested", "kernel", [{ name: "x", type: array(F64) }, { name: "out", type: array(F64) }]);
    const b = new Builder(k);
    const s = b.newVar("s", F64);
    b.set(s, b.f(0, "f64"));
    b.forRange(b.i32(0), b.ashape(b.param(0), 0), (i) => {
      b.forRange(b.i32(0), b.call("add", i, b.i32(1)), (j) => {
        b.set(s, b.call("add", b.call("mul", b.get(s), b.f(0.9, "f64")), b.call("mul", b.aload(b.param(0), [i], F64), b.aload(b.param(0), [j], F64))));
      }, "j");
    });
    b.astore(b.param(1), [b.i32(0)], b.get(s));
    const xs = [0.5, -1.5, 2.0, 0.25];
    const g = gradOf(k, xs), fd = finiteDiff(k, xs);
    g.forEach((v, j) => expect(v).toBeCloseTo(fd[j], 6));
  });
  it("float-to-int conversion on the gradient path is a compile-time error with a position", () => {
    const k = newFunc("cut", "kernel", [{ name: "x", type: array(F32) }, { name: "out", type: array(F32) }]);
    const b = new Builder(k);
    b.loc = { file: "cut.ts", line: 4, col: 13 };
    const n = b.convert(b.call("mul", b.aload(b.param(0), [b.i32(0)], F32), b.f(10)), I32);
    b.loc = { file: "cut.ts", line: 5, col: 3 };
    b.astore(b.param(1), [b.i32(0)], b.convert(n, F32));
    expect(() => lower(k)).toThrow(AutodiffError);
    expect(() => lower(k)).toThrow(/cut\.ts:4:13: error: converting a differentiable value to i32/);
  });
});
