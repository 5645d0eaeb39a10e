// Operators: arithmetic (+ - * / % and unary -), comparisons, logic and bit operations. On scalars
// they are primitives; on vectors, matrices and quaternions they expand componentwise (and `mul`
// expands to matrix and quaternion products), so backends only ever see scalar arithmetic.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import {
  BOOL, ScalarKind, Type, componentScalar, isFloat, isInt, isSigned, mat, scalar, typeEq, vec,
} from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import {
  CUDA_SCALAR, build, comps, componentwise, is64Int, isVectorLike, names, wasmNs, wrap,
} from "./common.js";

const numeric = (s: ScalarKind) => s !== "bool";

function divTrap(kind: ScalarKind, b: any): void {
  if (isInt(kind) && (b === 0 || b === 0n)) throw new RangeError("integer division by zero");
}

/** Scalar JS semantics of a binary arithmetic operator. */
function arith(op: string, s: ScalarKind, a: any, b: any): any {
  if (is64Int(s)) {
    switch (op) {
      case "add": return wrap(s, a + b);
      case "sub": return wrap(s, a - b);
      case "mul": return wrap(s, a * b);
      case "div": divTrap(s, b); return wrap(s, a / b);
      case "mod": divTrap(s, b); return wrap(s, a % b);
    }
  }
  switch (op) {
    case "add": return wrap(s, a + b);
    case "sub": return wrap(s, a - b);
    case "mul": return s === "i32" || s === "u32" ? wrap(s, Math.imul(a, b)) : wrap(s, a * b);
    case "div": divTrap(s, b); return isInt(s) ? wrap(s, Math.trunc(a / b)) : wrap(s, a / b);
    case "mod": divTrap(s, b); return wrap(s, a % b);
  }
  throw new Error(op);
}

function wasmArith(op: string, ctx: any, a: number, b: number, s: ScalarKind): number {
  const ns = wasmNs(ctx, s);
  const signed = isSigned(s);
  switch (op) {
    case "add": return ns.add(a, b);
    case "sub": return ns.sub(a, b);
    case "mul": return ns.mul(a, b);
    case "div": return isFloat(s) ? ns.div(a, b) : signed ? ns.div_s(a, b) : ns.div_u(a, b);
    case "mod":
      if (isFloat(s)) return ctx.callLib(s === "f32" ? "fmodf" : "fmod", [a, b], s);
      return signed ? ns.rem_s(a, b) : ns.rem_u(a, b);
  }
  throw new Error(op);
}

const CUDA_OP: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/", mod: "%" };

/** Type rule shared by + - / %: same type on both sides, or a vector-like scaled by a scalar. */
function resolveArith(name: string, args: Type[], allowScale: "both" | "right" | "none"): Type | string {
  if (args.length !== 2) return `${name} takes 2 operands, got ${args.length}`;
  const [a, b] = args;
  if (typeEq(a, b)) {
    const s = componentScalar(a);
    if (s && numeric(s) && (a.k === "scalar" || isVectorLike(a))) {
      if (name === "mod" && a.k !== "scalar" && a.k !== "vec") return `% is not defined on ${names([a])}`;
      return a;
    }
    return `operator '${OPSYM[name]}' is not defined on (${names(args)})`;
  }
  if (allowScale !== "none" && isVectorLike(a) && b.k === "scalar" && componentScalar(a) === b.s) return a;
  if (allowScale === "both" && isVectorLike(b) && a.k === "scalar" && componentScalar(b) === a.s) return b;
  return `operator '${OPSYM[name]}' needs operands of one type, got (${names(args)})`;
}

const OPSYM: Record<string, string> = {
  add: "+", sub: "-", mul: "*", div: "/", mod: "%", eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=",
  and: "&&", or: "||", band: "&", bor: "|", bxor: "^", shl: "<<", shr: ">>",
};

function defineArith(name: string, scale: "both" | "right" | "none", adjoint: (b: Builder, x: Inst, y: Inst, r: Inst, adj: Inst) => (Inst | null)[]) {
  defineBuiltin({
    name,
    sigs: [`${name}(a: T, b: T): T for numeric scalars and vectors`, ...(scale !== "none" ? [`${name}(v: vecN, s): vecN`] : [])],
    resolve: (args) => resolveArith(name, args, scale),
    expand: (b, args, result) => (result.k === "scalar" ? null : componentwise(b, name, args, result)),
    eval: ([a, b], [s]) => arith(name, s, a, b),
    wasm: (ctx, [a, b], [s]) => wasmArith(name, ctx, a, b, s),
    cuda: ([a, b], [s]) => (name === "mod" && isFloat(s) ? `${s === "f32" ? "fmodf" : "fmod"}(${a}, ${b})` : `(${a} ${CUDA_OP[name]} ${b})`),
    adjoint: (b, [x, y], r, adj) => adjoint(b, x, y, r, adj),
  });
}

defineArith("add", "none", (_b, _x, _y, _r, adj) => [adj, adj]);
defineArith("sub", "none", (b, _x, _y, _r, adj) => [adj, b.call("neg", adj)]);
defineArith("div", "right", (b, _x, y, r, adj) => {
  const gx = b.call("div", adj, y);
  return [gx, b.call("neg", b.call("mul", gx, r))];
});
defineArith("mod", "none", (b, x, y, _r, adj) => {
  // x % y = x - trunc(x / y) * y, piecewise linear: d/dx = 1, d/dy = -trunc(x / y).
  return [adj, b.call("neg", b.call("mul", adj, b.call("trunc", b.call("div", x, y))))];
});

// `mul` also carries the linear-algebra products, so `m * v`, `m * m` and `q * q` read naturally.
defineBuiltin({
  name: "mul",
  sigs: ["mul(a: T, b: T): T (componentwise for vectors)", "mul(s, v) / mul(v, s): scale",
    "mul(m: matRC, v: vecC): vecR", "mul(v: vecR, m: matRC): vecC", "mul(a: matRK, b: matKC): matRC", "mul(q: quat, r: quat): quat (Hamilton product)"],
  resolve(args) {
    if (args.length !== 2) return `mul takes 2 operands, got ${args.length}`;
    const [a, b] = args;
    if (a.k === "mat" && b.k === "vec" && a.s === b.s) return a.c === b.n ? vec(a.r, a.s) : `matrix-vector product needs ${a.c} components, got (${names(args)})`;
    if (a.k === "vec" && b.k === "mat" && a.s === b.s) return a.n === b.r ? vec(b.c, a.s) : `vector-matrix product needs ${b.r} components, got (${names(args)})`;
    if (a.k === "mat" && b.k === "mat" && a.s === b.s) return a.c === b.r ? mat(a.r, b.c, a.s) : `matrix product needs matching inner sizes, got (${names(args)})`;
    if (a.k === "transform" && b.k === "transform") return `use transformMultiply(a, b) to compose transforms`;
    return resolveArith("mul", args, "both");
  },
  expand(b, [x, y], result) {
    if (x.type.k === "mat" && y.type.k === "vec") return matVec(b, x, y, result);
    if (x.type.k === "vec" && y.type.k === "mat") return vecMat(b, x, y, result);
    if (x.type.k === "mat" && y.type.k === "mat") return matMat(b, x, y, result);
    if (x.type.k === "quat" && y.type.k === "quat") return quatMul(b, x, y);
    return result.k === "scalar" ? null : componentwise(b, "mul", [x, y], result);
  },
  eval: ([a, b], [s]) => arith("mul", s, a, b),
  wasm: (ctx, [a, b], [s]) => wasmArith("mul", ctx, a, b, s),
  cuda: ([a, b]) => `(${a} * ${b})`,
  adjoint: (b, [x, y], _r, adj) => [b.call("mul", adj, y), b.call("mul", adj, x)],
});

function dotRow(b: Builder, xs: Inst[], ys: Inst[]): Inst {
  let acc = b.call("mul", xs[0], ys[0]);
  for (let i = 1; i < xs.length; i++) acc = b.call("add", acc, b.call("mul", xs[i], ys[i]));
  return acc;
}
function matVec(b: Builder, m: Inst, v: Inst, result: Type): Inst {
  const t = m.type as Extract<Type, { k: "mat" }>;
  const mc = comps(b, m), vc = comps(b, v), out: Inst[] = [];
  for (let r = 0; r < t.r; r++) out.push(dotRow(b, mc.slice(r * t.c, r * t.c + t.c), vc));
  return build(b, result, out);
}
function vecMat(b: Builder, v: Inst, m: Inst, result: Type): Inst {
  const t = m.type as Extract<Type, { k: "mat" }>;
  const mc = comps(b, m), vc = comps(b, v), out: Inst[] = [];
  for (let c = 0; c < t.c; c++) out.push(dotRow(b, vc, Array.from({ length: t.r }, (_, r) => mc[r * t.c + c])));
  return build(b, result, out);
}
function matMat(b: Builder, x: Inst, y: Inst, result: Type): Inst {
  const tx = x.type as Extract<Type, { k: "mat" }>, ty = y.type as Extract<Type, { k: "mat" }>;
  const xc = comps(b, x), yc = comps(b, y), out: Inst[] = [];
  for (let r = 0; r < tx.r; r++) {
    for (let c = 0; c < ty.c; c++) {
      out.push(dotRow(b, xc.slice(r * tx.c, r * tx.c + tx.c), Array.from({ length: ty.r }, (_, k) => yc[k * ty.c + c])));
    }
  }
  return build(b, result, out);
}
/** Hamilton product with components (x, y, z, w), w the real part, as in Warp. */
function quatMul(b: Builder, p: Inst, q: Inst): Inst {
  const [x1, y1, z1, w1] = comps(b, p), [x2, y2, z2, w2] = comps(b, q);
  const m = (a: Inst, c: Inst) => b.call("mul", a, c);
  const add = (...xs: Inst[]) => xs.reduce((s, v) => b.call("add", s, v));
  const sub = (a: Inst, c: Inst) => b.call("sub", a, c);
  return b.construct(p.type, [
    sub(add(m(w1, x2), m(x1, w2), m(y1, z2)), m(z1, y2)),
    sub(add(m(w1, y2), m(y1, w2), m(z1, x2)), m(x1, z2)),
    sub(add(m(w1, z2), m(z1, w2), m(x1, y2)), m(y1, x2)),
    sub(sub(sub(m(w1, w2), m(x1, x2)), m(y1, y2)), m(z1, z2)),
  ]);
}

defineBuiltin({
  name: "neg",
  sigs: ["neg(a: T): T (unary minus) for signed/float scalars and vectors"],
  resolve(args) {
    if (args.length !== 1) return `unary '-' takes 1 operand`;
    const s = componentScalar(args[0]);
    if (!s || s === "bool" || s === "u32" || s === "u64" || !(args[0].k === "scalar" || isVectorLike(args[0])))
      return `unary '-' is not defined on ${names(args)}`;
    return args[0];
  },
  expand: (b, args, result) => (result.k === "scalar" ? null : componentwise(b, "neg", args, result)),
  eval: ([a], [s]) => (is64Int(s) ? wrap(s, -a) : wrap(s, -a)),
  wasm: (ctx, [a], [s]) => (isFloat(s) ? wasmNs(ctx, s).neg(a) : wasmNs(ctx, s).sub(s === "i64" ? ctx.m.i64.const(0n) : ctx.m.i32.const(0), a)),
  cuda: ([a]) => `(-${a})`,
  adjoint: (b, _args, _r, adj) => [b.call("neg", adj)],
});

// --- comparisons: scalars only, result bool ---------------------------------------------------------
const CMP_JS: Record<string, (a: any, b: any) => boolean> = {
  eq: (a, b) => a === b, ne: (a, b) => a !== b, lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b,
};
for (const name of Object.keys(CMP_JS)) {
  defineBuiltin({
    name,
    sigs: [`${name}(a: T, b: T): bool for scalars`],
    resolve(args) {
      if (args.length !== 2) return `comparison takes 2 operands`;
      const [a, b] = args;
      if (a.k !== "scalar" || !typeEq(a, b)) return `operator '${OPSYM[name]}' needs two scalars of one type, got (${names(args)})`;
      if (a.s === "bool" && name !== "eq" && name !== "ne") return `operator '${OPSYM[name]}' is not defined on bool`;
      return BOOL;
    },
    eval: ([a, b]) => CMP_JS[name](a, b),
    wasm(ctx, [a, b], [s]) {
      const ns = wasmNs(ctx, s);
      if (name === "eq" || name === "ne" || isFloat(s)) return ns[name](a, b);
      return ns[`${name}_${isSigned(s) ? "s" : "u"}`](a, b);
    },
    cuda: ([a, b]) => `(${a} ${OPSYM[name]} ${b})`,
    adjoint: () => [null, null],
  });
}

// --- logic on bool -----------------------------------------------------------------------------------
// `&&` and `||` short-circuit in the frontend (it lowers them to `if`); these are the eager forms.
for (const name of ["and", "or"] as const) {
  defineBuiltin({
    name,
    sigs: [`${name}(a: bool, b: bool): bool`],
    resolve: (args) => (args.length === 2 && args.every((t) => t.k === "scalar" && t.s === "bool") ? BOOL : `operator '${OPSYM[name]}' needs bool operands, got (${names(args)})`),
    eval: ([a, b]) => (name === "and" ? a && b : a || b),
    wasm: (ctx, [a, b]) => (name === "and" ? ctx.m.i32.and(a, b) : ctx.m.i32.or(a, b)),
    cuda: ([a, b]) => `(${a} ${OPSYM[name]} ${b})`,
    adjoint: () => [null, null],
  });
}
defineBuiltin({
  name: "not",
  sigs: ["not(a: bool): bool"],
  resolve: (args) => (args.length === 1 && args[0].k === "scalar" && args[0].s === "bool" ? BOOL : `operator '!' needs a bool operand, got (${names(args)})`),
  eval: ([a]) => !a,
  wasm: (ctx, [a]) => ctx.m.i32.eqz(a),
  cuda: ([a]) => `(!${a})`,
  adjoint: () => [null],
});

// --- bit operations on integers -----------------------------------------------------------------------
const BIT_JS: Record<string, (a: any, b: any, s: ScalarKind) => any> = {
  band: (a, b) => a & b, bor: (a, b) => a | b, bxor: (a, b) => a ^ b,
  shl: (a, b, s) => (is64Int(s) ? a << (b & 63n) : a << (b & 31)),
  shr: (a, b, s) => (is64Int(s) ? a >> (b & 63n) : isSigned(s) ? a >> (b & 31) : a >>> (b & 31)),
};
for (const name of Object.keys(BIT_JS)) {
  defineBuiltin({
    name,
    sigs: [`${name}(a: T, b: T): T for integer scalars`],
    resolve(args) {
      if (args.length !== 2) return `operator '${OPSYM[name]}' takes 2 operands`;
      const [a, b] = args;
      if (a.k !== "scalar" || !typeEq(a, b) || !(isInt(a.s) || (a.s === "bool" && name.startsWith("b") && name !== "bnot")))
        return `operator '${OPSYM[name]}' needs two integers of one type, got (${names(args)})`;
      return a;
    },
    eval: ([a, b], [s]) => wrap(s, BIT_JS[name](s === "bool" ? +a : a, s === "bool" ? +b : b, s)),
    wasm(ctx, [a, b], [s]) {
      const ns = wasmNs(ctx, s);
      switch (name) {
        case "band": return ns.and(a, b);
        case "bor": return ns.or(a, b);
        case "bxor": return ns.xor(a, b);
        case "shl": return ns.shl(a, b);
        default: return isSigned(s) ? ns.shr_s(a, b) : ns.shr_u(a, b);
      }
    },
    // Shift counts are masked like wasm does, so both backends agree on out-of-range shifts.
    cuda: ([a, b], [s]) => {
      const mask = is64Int(s) ? 63 : 31;
      return name === "shl" || name === "shr" ? `(${a} ${OPSYM[name]} (${b} & ${mask}))` : `(${a} ${OPSYM[name]} ${b})`;
    },
    adjoint: () => [null, null],
  });
}
defineBuiltin({
  name: "bnot",
  sigs: ["bnot(a: T): T for integer scalars (~a)"],
  resolve: (args) => (args.length === 1 && args[0].k === "scalar" && isInt(args[0].s) ? args[0] : `operator '~' needs an integer, got (${names(args)})`),
  eval: ([a], [s]) => wrap(s, is64Int(s) ? ~a : ~a),
  wasm: (ctx, [a], [s]) => (is64Int(s) ? ctx.m.i64.xor(a, ctx.m.i64.const(-1n)) : ctx.m.i32.xor(a, ctx.m.i32.const(-1))),
  cuda: ([a], [s]) => `((${CUDA_SCALAR[s]})~${a})`,
  adjoint: () => [null],
});

export { scalar };
