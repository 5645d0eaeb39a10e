// Every differentiable primitive builtin's adjoint rule (written in IR) against central finite
// differences of its own `eval` in f64.
import { describe, expect, it } from "vitest";
import { allBuiltins, lookupBuiltin } from "../engine/builtins/index.js";
import { evalIR, applyBuiltin } from "../engine/builtins/evaluate.js";
import { F64, F32, Type } from "../engine/ir/types.js";

/** Sample points (one tuple per row) inside each builtin's smooth domain. */
const POINTS: Record<string, number[][]> = {
  sqrt: [[0.3], [2.5], [17]], cbrt: [[0.4], [-3.1], [8]],
  sin: [[0.3], [-2], [5]], cos: [[0.3], [-2], [5]], tan: [[0.3], [-1.2], [4]],
  asin: [[0.3], [-0.7]], acos: [[0.3], [-0.7]], atan: [[0.3], [-3], [20]],
  sinh: [[0.3], [-2]], cosh: [[0.3], [-2]], tanh: [[0.3], [-2], [1.5]],
  exp: [[0.3], [-2], [3]], exp2: [[0.3], [-2], [3]],
  log: [[0.3], [2], [40]], log2: [[0.3], [2], [40]], log10: [[0.3], [2], [40]],
  pow: [[1.7, 2.3], [0.5, -1.5], [3, 0.5]], atan2: [[0.3, 0.8], [-1, -2], [2, -0.5]],
  floor: [[0.3], [-2.7]], ceil: [[0.3], [-2.7]], trunc: [[0.3], [-2.7]], round: [[0.3], [-2.7]],
  abs: [[0.3], [-2.7]], sign: [[0.3], [-2.7]],
  min: [[0.3, 0.8], [2, -1]], max: [[0.3, 0.8], [2, -1]],
  copysign: [[0.3, -0.8], [-2, 1], [1.5, 3]], fma: [[0.3, 0.8, -0.2], [2, -1, 5]],
  mod: [[5.3, 2], [-7.5, 2.25]], add: [[0.3, 0.8]], sub: [[0.3, 0.8]], mul: [[0.3, -0.8]], div: [[0.3, 0.8], [-2, 3]],
  neg: [[0.3]],
};

const differentiable = allBuiltins().filter((b) => b.adjoint && !b.nondiff && b.eval && !b.internal);

function fd(name: string, xs: number[], i: number, type: Type): number {
  const h = (type === F32 ? 1e-2 : 1e-6) * Math.max(1, Math.abs(xs[i]));
  const f = (d: number) => {
    const ys = xs.slice(); ys[i] += d;
    return applyBuiltin(name, ys, ys.map(() => type), type) as number;
  };
  return (f(h) - f(-h)) / (2 * h);
}

describe("adjoint rules vs finite differences (f64)", () => {
  const names = differentiable.map((b) => b.name).filter((n) => !["eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "band", "bor", "bxor", "shl", "shr", "bnot"].includes(n));
  it("covers every float-differentiable primitive", () => {
    const missing = names.filter((n) => !POINTS[n]);
    expect(missing).toEqual([]);
  });
  for (const name of names) {
    it(name, () => {
      const pts = POINTS[name] ?? [];
      // fma is defined on f32 only: check it there with a looser tolerance.
      const type = name === "fma" ? F32 : F64;
      for (const xs of pts) {
        const adjs = evalIR(xs.map(() => type), xs, (b, ps) => {
          const r = b.call(name, ...ps);
          const g = lookupBuiltin(name)!.adjoint!(b, ps, r, b.constLike(1, type));
          return g.map((x) => x ?? b.constLike(0, type));
        }) as number[];
        xs.forEach((_, i) => {
          const want = fd(name, xs, i, type);
          const tol = type === F32 ? 1e-2 * Math.max(1, Math.abs(want)) : 1e-5 * Math.max(1, Math.abs(want));
          expect(Math.abs(adjs[i] - want), `${name}(${xs}) d/dx${i}: adjoint ${adjs[i]} vs fd ${want}`).toBeLessThan(tol);
        });
      }
    });
  }
});

describe("adjoint edge cases", () => {
  const g = (name: string, xs: number[]) => evalIR(xs.map(() => F64), xs, (b, ps) => {
    const r = b.call(name, ...ps);
    return lookupBuiltin(name)!.adjoint!(b, ps, r, b.constLike(1, F64)).map((x) => x ?? b.constLike(0, F64));
  }) as number[];
  it("piecewise-constant builtins give constant 0, not null", () => {
    for (const n of ["floor", "ceil", "round", "trunc", "sign"]) {
      const fn = lookupBuiltin(n)!;
      evalIR([F64], [1.5], (b, [x]) => {
        const gs = fn.adjoint!(b, [x], b.call(n, x), b.constLike(1, F64));
        expect(gs[0]).not.toBeNull();
        return gs as any;
      });
      expect(g(n, [1.5])).toEqual([0]);
    }
  });
  it("abs has derivative 0 at 0, min/max route the gradient to the chosen operand", () => {
    expect(g("abs", [0])).toEqual([0]);
    expect(g("min", [1, 2])).toEqual([1, 0]);
    expect(g("min", [NaN, 2])).toEqual([0, 1]);
    expect(g("max", [1, 2])).toEqual([0, 1]);
    expect(g("max", [2, 2])).toEqual([1, 0]);
  });
  it("pow's y-derivative is 0 (not NaN) where x <= 0", () => {
    expect(g("pow", [0, 2])).toEqual([0, 0]);
    const [gx, gy] = g("pow", [-2, 3]);
    expect(gx).toBeCloseTo(12, 10);
    expect(gy).toBe(-0);
  });
});
