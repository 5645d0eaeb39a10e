// Transcendental math on floats: sqrt, cbrt, trigonometric, hyperbolic, exponential and logarithmic
// functions, pow and atan2. Each is a primitive on f32/f64 scalars (wasm: a native instruction or a
// call into the wasm math library; CUDA: the CUDA math function) and expands componentwise on float
// vectors. Every one has its adjoint written in IR here, so both backends inherit the gradients.
//
// Exactness: sqrt is correctly rounded on both backends; the library functions (sin, exp, ...) are
// faithful but not bit-identical between the wasm library, CUDA and the interpreter (which rounds the
// f64 result of JavaScript's Math to f32).

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, componentScalar } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { componentwise, floatLike, wasmNs, wrap } from "./common.js";

type Adj1 = (b: Builder, x: Inst, r: Inst, adj: Inst) => Inst;

/** A constant of the scalar kind of `like`, rounded to that kind (so every backend sees one value). */
export const kc = (b: Builder, v: number, like: Inst) => b.constLike(wrap(componentScalar(like.type)!, v), like.type);

/** Name of the f32 or f64 flavour of a C math function (`sin` -> `sinf` for f32). */
export const cName = (base: string, s: ScalarKind) => (s === "f32" ? base + "f" : base);

interface UnaryMath {
  name: string;
  /** f64 semantics in JavaScript; f32 results are rounded with Math.fround. */
  js: (x: number) => number;
  /** Native wasm instruction of f32/f64 (sqrt); otherwise the math library is called. */
  native?: "sqrt";
  adjoint: Adj1;
  what: string;
}

function defineUnaryMath(d: UnaryMath): void {
  defineBuiltin({
    name: d.name,
    sigs: [`${d.name}(x: f32|f64): same — ${d.what}`, `${d.name}(v: vecN of f32|f64): componentwise`],
    resolve: (args) => floatLike(args, d.name, 1),
    expand: (b, args, result) => (result.k === "scalar" ? null : componentwise(b, d.name, args, result)),
    eval: ([x], _t, s) => wrap(s, d.js(x)),
    wasm: (ctx, [a], _t, s) => (d.native ? wasmNs(ctx, s)[d.native](a) : ctx.callLib(cName(d.name, s), [a], s)),
    cuda: ([a], _t, s) => `${cName(d.name, s)}(${a})`,
    adjoint: (b, [x], r, adj) => [d.adjoint(b, x, r, adj)],
  });
}

const mul = (b: Builder, ...xs: Inst[]) => xs.reduce((p, v) => b.call("mul", p, v));
const div = (b: Builder, x: Inst, y: Inst) => b.call("div", x, y);
const sq = (b: Builder, x: Inst) => b.call("mul", x, x);
/** 1 - x*x */
const oneMinusSq = (b: Builder, x: Inst) => b.call("sub", kc(b, 1, x), sq(b, x));

defineUnaryMath({ name: "sqrt", js: Math.sqrt, native: "sqrt", what: "square root (correctly rounded; NaN for x < 0)",
  adjoint: (b, _x, r, adj) => div(b, adj, mul(b, kc(b, 2, r), r)) });
defineUnaryMath({ name: "cbrt", js: Math.cbrt, what: "cube root (defined for negative x)",
  adjoint: (b, _x, r, adj) => div(b, adj, mul(b, kc(b, 3, r), r, r)) });
defineUnaryMath({ name: "sin", js: Math.sin, what: "sine (radians)",
  adjoint: (b, x, _r, adj) => mul(b, adj, b.call("cos", x)) });
defineUnaryMath({ name: "cos", js: Math.cos, what: "cosine (radians)",
  adjoint: (b, x, _r, adj) => b.call("neg", mul(b, adj, b.call("sin", x))) });
defineUnaryMath({ name: "tan", js: Math.tan, what: "tangent (radians)",
  adjoint: (b, _x, r, adj) => mul(b, adj, b.call("add", kc(b, 1, r), sq(b, r))) });
defineUnaryMath({ name: "asin", js: Math.asin, what: "arc sine in [-pi/2, pi/2]; NaN outside [-1, 1]",
  adjoint: (b, x, _r, adj) => div(b, adj, b.call("sqrt", oneMinusSq(b, x))) });
defineUnaryMath({ name: "acos", js: Math.acos, what: "arc cosine in [0, pi]; NaN outside [-1, 1]",
  adjoint: (b, x, _r, adj) => b.call("neg", div(b, adj, b.call("sqrt", oneMinusSq(b, x)))) });
defineUnaryMath({ name: "atan", js: Math.atan, what: "arc tangent in [-pi/2, pi/2]",
  adjoint: (b, x, _r, adj) => div(b, adj, b.call("add", kc(b, 1, x), sq(b, x))) });
defineUnaryMath({ name: "sinh", js: Math.sinh, what: "hyperbolic sine",
  adjoint: (b, x, _r, adj) => mul(b, adj, b.call("cosh", x)) });
defineUnaryMath({ name: "cosh", js: Math.cosh, what: "hyperbolic cosine",
  adjoint: (b, x, _r, adj) => mul(b, adj, b.call("sinh", x)) });
defineUnaryMath({ name: "tanh", js: Math.tanh, what: "hyperbolic tangent",
  adjoint: (b, _x, r, adj) => mul(b, adj, oneMinusSq(b, r)) });
defineUnaryMath({ name: "exp", js: Math.exp, what: "e^x",
  adjoint: (_b, _x, r, adj) => _b.call("mul", adj, r) });
defineUnaryMath({ name: "exp2", js: (x) => 2 ** x, what: "2^x",
  adjoint: (b, _x, r, adj) => mul(b, adj, r, kc(b, Math.LN2, r)) });
defineUnaryMath({ name: "log", js: Math.log, what: "natural logarithm; -inf at 0, NaN for x < 0",
  adjoint: (b, x, _r, adj) => div(b, adj, x) });
defineUnaryMath({ name: "log2", js: Math.log2, what: "base-2 logarithm; -inf at 0, NaN for x < 0",
  adjoint: (b, x, _r, adj) => div(b, adj, mul(b, x, kc(b, Math.LN2, x))) });
defineUnaryMath({ name: "log10", js: Math.log10, what: "base-10 logarithm; -inf at 0, NaN for x < 0",
  adjoint: (b, x, _r, adj) => div(b, adj, mul(b, x, kc(b, Math.LN10, x))) });

// --- binary: pow, atan2 --------------------------------------------------------------------------

defineBuiltin({
  name: "pow",
  sigs: ["pow(x: f32|f64, y: same): same — x^y as C powf/pow", "pow(v: vecN, w: vecN): componentwise"],
  resolve: (args) => floatLike(args, "pow", 2),
  expand: (b, args, result) => (result.k === "scalar" ? null : componentwise(b, "pow", args, result)),
  eval: ([x, y], _t, s) => wrap(s, cpow(x, y)),
  wasm: (ctx, args, _t, s) => ctx.callLib(cName("pow", s), args, s),
  cuda: ([x, y], _t, s) => `${cName("pow", s)}(${x}, ${y})`,
  adjoint(b, [x, y], r, adj) {
    // d/dx = y x^(y-1); d/dy = x^y ln x, taken as 0 where x <= 0 (where ln x is not real).
    const gx = mul(b, adj, y, b.call("pow", x, b.call("sub", y, kc(b, 1, y))));
    const safeX = b.select(b.call("gt", x, kc(b, 0, x)), x, kc(b, 1, x));
    const gy = mul(b, adj, r, b.call("log", safeX));
    return [gx, gy];
  },
});

/** C pow semantics (JS `**` differs at pow(1, NaN) and pow(-1, ±inf), where C gives 1). */
export function cpow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

defineBuiltin({
  name: "atan2",
  sigs: ["atan2(y: f32|f64, x: same): same — angle of (x, y) in [-pi, pi]", "atan2(vy: vecN, vx: vecN): componentwise"],
  resolve: (args) => floatLike(args, "atan2", 2),
  expand: (b, args, result) => (result.k === "scalar" ? null : componentwise(b, "atan2", args, result)),
  eval: ([y, x], _t, s) => wrap(s, Math.atan2(y, x)),
  wasm: (ctx, args, _t, s) => ctx.callLib(cName("atan2", s), args, s),
  cuda: ([y, x], _t, s) => `${cName("atan2", s)}(${y}, ${x})`,
  adjoint(b, [y, x], _r, adj) {
    const inv = div(b, adj, b.call("add", sq(b, x), sq(b, y)));
    return [b.call("mul", inv, x), b.call("neg", b.call("mul", inv, y))];
  },
});
