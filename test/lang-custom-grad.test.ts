// Custom gradients: `@adjointOf(f)` marks a @func as the adjoint of f. Autodiff replays f's body
// forward but uses the adjoint instead of differentiating it, so a body that is not differentiable
// (a float -> int conversion, a clamp's kinks) gets the user's gradient, and a deliberately "wrong"
// custom rule shows that it is the one used. Checked through wf.Tape on the interpreter and wasm
// against plain-TS references.

import { beforeAll, describe, expect, it, test } from "vitest";
import * as wf from "../engine/index.js";
import { WeftCompileError, compileSource } from "../engine/lang/index.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

const SRC = `
import { tid, Array, vec3, f32, i32, dot } from "weft/kernels";

// Straight-through quantizer: f32 -> i32 -> f32 has no derivative; the custom one is the identity.
@func function quantize(x: f32): f32 { return f32(i32(x * 4.0)) / 4.0; }
@adjointOf(quantize) @func function quantizeAdj(x: f32, adj: f32): f32 { return adj; }

@kernel export function quant(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = quantize(x[i]) * x[i];
}

// A clamp with early returns (kinks), whose custom gradient leaks half everywhere.
@func function clamp01(x: f32): f32 {
  if (x < 0.0) return 0.0;
  if (x > 1.0) return 1.0;
  return x;
}
@adjointOf(clamp01) function clamp01Adj(x: f32, adj: f32): f32 { return adj * 0.5; }
@func function twiceClamped(x: f32): f32 { return clamp01(x) * 2.0; }

@kernel export function clampK(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  let v: f32 = 0.0;
  if (x[i] > -10.0) v = twiceClamped(x[i]);    // through another @func, inside a branch
  y[i] = v;
}

// Several inputs (one not differentiable), a struct of adjoints, a rule that is not the true one
// (true: 2x and 2nv), called in a loop with loop-carried state.
@struct class SqGrad { x: f32; v: vec3; }
@func function sq(x: f32, v: vec3, n: i32): f32 { return x * x + dot(v, v) * f32(n); }
@adjointOf(sq) @func function sqAdj(x: f32, v: vec3, n: i32, adj: f32): SqGrad {
  const g: SqGrad = { x: 3.0 * x * adj, v: v * adj };
  return g;
}

// Implicit-function gradient: the body iterates (Newton), the adjoint uses the answer:
// y^3 = x  =>  dy/dx = 1 / (3 y^2). The adjoint calls the function itself (inlined plainly there).
@func function cubeRoot(x: f32): f32 {
  let y: f32 = x > 1.0 ? x : 1.0;
  for (let k = 0; k < 30; k++) y = y - (y * y * y - x) / (3.0 * y * y);
  return y;
}
@adjointOf(cubeRoot) function cubeRootAdj(x: f32, adj: f32): f32 {
  const y = cubeRoot(x);
  return adj / (3.0 * y * y);
}

@kernel export function roots(x: Array<f32>, out: Array<f32>): void {
  const i = tid();
  let s: f32 = 0.0;
  for (let k = 1; k <= 2; k++) s += cubeRoot(x[i] * f32(k)) * s + cubeRoot(x[i]);
  out[i] = s;
}

@kernel export function sqLoop(x: Array<f32>, v: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  let acc: f32 = 0.0;
  for (let k = 0; k < 3; k++) acc = acc * 0.5 + sq(x[i] + f32(k), v[i], 2);
  out[i] = acc;
}
`;

const f = Math.fround;

test("the IR carries the custom gradient; the forward kernel never runs the adjoint", () => {
  const ir = compileSource(SRC, "cg.ts");
  expect(ir.funcs.find((g) => g.name === "sq")!.customGrad).toEqual({ adjoint: "sqAdj", mode: "struct", diff: [0, 1] });
  expect(ir.funcs.find((g) => g.name === "quantize")!.customGrad).toEqual({ adjoint: "quantizeAdj", mode: "direct", diff: [0] });
});

describe.each(BACKEND_NAMES)("custom gradients through the Tape on %s", (backend) => {
  const device = deviceFor(backend);
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: SRC, name: "customgrad" }, { backend, device });
  });
  const grads = (kernel: string, n: number, ins: wf.WeftArray[], out: wf.WeftArray, seed?: number[]) => {
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels[kernel], n, [...ins, out], { backend }));
    tape.backward(null, new Map([[out, new Float32Array(seed ?? new Array(out.size).fill(1))]]));
    return ins.map((a) => Array.from(a.grad!.toTypedArray() as Float32Array));
  };

  it("a float -> int body gets the straight-through gradient", () => {
    const X = [0.3, 1.1, -0.6, 2.45];
    const x = wf.array(new Float32Array(X), { requiresGrad: true, device });
    const y = wf.zeros(4, { requiresGrad: true, device });
    const [gx] = grads("quant", 4, [x], y, [1, 2, 3, 4]);
    const q = (v: number) => f(Math.trunc(f(v * 4)) / 4);
    expect(Array.from(y.toTypedArray() as Float32Array)).toEqual(X.map((v) => f(q(v) * f(v))));
    // d/dx [q(x) x] with q' := 1 is x + q(x).
    X.forEach((v, i) => expect(gx[i]).toBeCloseTo((i + 1) * (f(v) + q(v)), 5));
  });

  it("a clamp with early returns, inside a branch and another @func, uses the custom rule", () => {
    const X = [-0.5, 0.25, 0.75, 3];
    const x = wf.array(new Float32Array(X), { requiresGrad: true, device });
    const y = wf.zeros(4, { requiresGrad: true, device });
    const [gx] = grads("clampK", 4, [x], y);
    expect(Array.from(y.toTypedArray() as Float32Array)).toEqual(X.map((v) => 2 * Math.min(Math.max(v, 0), 1)));
    expect(gx).toEqual([1, 1, 1, 1]); // 2 * 0.5, also where the true derivative is 0
  });

  it("a body with a loop, inside a kernel loop with state: the implicit-function gradient", () => {
    const X = [8, 2, 27];
    const x = wf.array(new Float32Array(X), { requiresGrad: true, device });
    const out = wf.zeros(3, { requiresGrad: true, device });
    const [gx] = grads("roots", 3, [x], out);
    // s1 = c(x), s2 = s1 + c(2x) s1 + c(x) = 2c(x) + c(2x) c(x); c' = 1 / (3 c^2), d c(2x)/dx = 2 c'(2x).
    X.forEach((v, i) => {
      const c = Math.cbrt(v), c2 = Math.cbrt(2 * v), d = 1 / (3 * c * c), d2 = 2 / (3 * c2 * c2);
      expect(out.toTypedArray()[i]).toBeCloseTo(2 * c + c2 * c, 4);
      expect(gx[i]).toBeCloseTo(2 * d + d2 * c + c2 * d, 4);
    });
  });

  it("several inputs, a struct of adjoints, a non-float input, in a loop: the custom rule is used", () => {
    const X = [0.5, -1], V = [1, 2, 3, -1, 0.5, 0];
    const x = wf.array(new Float32Array(X), { requiresGrad: true, device });
    const v = wf.array(new Float32Array(V), { dtype: wf.vec3, requiresGrad: true, device });
    const out = wf.zeros(2, { requiresGrad: true, device });
    const [gx, gv] = grads("sqLoop", 2, [x, v], out);
    // acc_3 = sq_0 / 4 + sq_1 / 2 + sq_2, so weights w_k = 1/4, 1/2, 1.
    const w = [0.25, 0.5, 1];
    X.forEach((xi, i) => {
      const vv = V.slice(3 * i, 3 * i + 3), dvv = vv.reduce((s, c) => s + c * c, 0);
      const fwd = w.reduce((s, wk, k) => s + wk * ((xi + k) ** 2 + 2 * dvv), 0);
      expect(out.toTypedArray()[i]).toBeCloseTo(fwd, 4);
      expect(gx[i]).toBeCloseTo(w.reduce((s, wk, k) => s + wk * 3 * (xi + k), 0), 4);   // custom: 3x (true: 2x)
      vv.forEach((c, k) => expect(gv[3 * i + k]).toBeCloseTo(1.75 * c, 5));            // custom: v (true: 2nv)
    });
  });
});

describe("custom gradient diagnostics", () => {
  const diag = (src: string) => {
    try { compileSource(src, "bad.ts", { libraries: null }); } catch (e) {
      if (e instanceof WeftCompileError) return e.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
      throw e;
    }
    throw new Error("expected a compile error");
  };
  const F = "@func function f(x: f32, v: vec3, n: i32): f32 { return x; }\n";
  test("wrong parameters", () => {
    expect(diag(F + "@adjointOf(f) function g(x: f32, adj: f32): f32 { return adj; }")).toEqual([
      "2:24: the adjoint of 'f' takes the parameters of 'f' followed by the adjoint of its result: (x: f32, v: vec3, n: i32, adj: f32)"]);
  });
  test("wrong result", () => {
    expect(diag(F + "@adjointOf(f) function g(x: f32, v: vec3, n: i32, adj: f32): f32 { return adj; }")).toEqual([
      "2:62: the adjoint of 'f' must return a @struct with fields of types (f32, vec3): the adjoints of 'x', 'v', in order, not f32"]);
    expect(diag("@func function h(x: f32, n: i32): f32 { return x; }\n@adjointOf(h) function g(x: f32, n: i32, adj: f32): vec3 { return vec3(adj); }")).toEqual([
      "2:53: the adjoint of 'h' must return f32 (the adjoint of 'x') or a @struct with one field of that type, not vec3"]);
  });
  test("unknown, void, non-float and malformed targets", () => {
    expect(diag("@adjointOf(nope) function g(x: f32, adj: f32): f32 { return adj; }")).toEqual(["1:12: unknown function 'nope' in @adjointOf"]);
    expect(diag("@func function h(x: f32): void {}\n@adjointOf(h) function g(x: f32, adj: f32): f32 { return adj; }")).toEqual(["2:12: 'h' returns void, so it has no gradient to customise"]);
    expect(diag("@func function h(n: i32): f32 { return 1.0; }\n@adjointOf(h) function g(n: i32, adj: f32): f32 { return adj; }")).toEqual(["2:12: 'h' has no float parameters, so it has no gradient to customise"]);
    expect(diag("@func function h(x: f32): f32 { return x; }\n@adjointOf(1) function g(x: f32, adj: f32): f32 { return adj; }")).toEqual(["2:1: write @adjointOf(f) with the name of the function whose adjoint this is"]);
  });
  test("a library function cannot get an adjoint elsewhere; two adjoints", () => {
    expect(compileErr("@adjointOf(sdSphere) function g(p: vec3, r: f32, adj: f32): f32 { return adj; }")).toEqual([
      "1:12: 'sdSphere' is a library function; a custom adjoint must be declared in the module of its function"]);
    expect(diag("@func function h(x: f32): f32 { return x; }\n@adjointOf(h) function g(x: f32, adj: f32): f32 { return adj; }\n@adjointOf(h) function g2(x: f32, adj: f32): f32 { return adj; }"))
      .toEqual(["3:12: 'h' already has a custom adjoint"]);
  });
});

function compileErr(src: string): string[] {
  try { compileSource(src, "bad.ts"); } catch (e) {
    if (e instanceof WeftCompileError) return e.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
  throw new Error("expected a compile error");
}
