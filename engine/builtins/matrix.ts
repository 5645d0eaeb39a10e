// Matrix builtins: transpose, determinant, inverse, trace, diag, identity22/33/44 (and the f64
// identity22d/33d/44d), skew, matrixFromRows, matrixFromCols, ddot. Composites written in IR;
// `m * v` and `m * m` are the `mul` operator. Components of a matrix are row-major (index r*C + c).
//
// inverse uses the adjugate over the determinant; an exactly singular matrix (determinant == 0) gives
// the zero matrix (as Warp does), with a finite zero gradient. Nearly singular matrices are inverted
// as they are (no epsilon threshold), so check `determinant` when that matters.

import type { Builder } from "../ir/builder.js";
import type { Inst } from "../ir/ops.js";
import { ScalarKind, Type, isFloat, mat, scalar, typeEq } from "../ir/types.js";
import { defineBuiltin } from "./registry.js";
import { arity, comps, names } from "./common.js";

type MatT = Extract<Type, { k: "mat" }>;

function squareArg(args: Type[], name: string, float: boolean): MatT | string {
  const e = arity(args, 1, name);
  if (e) return e;
  const a = args[0];
  if (a.k !== "mat" || a.r !== a.c || a.s === "bool" || (float && !isFloat(a.s)))
    return `${name} expects a square ${float ? "f32/f64 " : ""}matrix (mat22, mat33 or mat44), got (${names(args)})`;
  return a;
}

/** Row-major components as rows[r][c]. */
function rows(b: Builder, m: Inst): Inst[][] {
  const t = m.type as MatT, cs = comps(b, m);
  return Array.from({ length: t.r }, (_, r) => cs.slice(r * t.c, r * t.c + t.c));
}

function ops(b: Builder) {
  const mul = (x: Inst, y: Inst) => b.call("mul", x, y);
  const sub = (x: Inst, y: Inst) => b.call("sub", x, y);
  const add = (x: Inst, y: Inst) => b.call("add", x, y);
  /** x*y - z*w */
  const d2 = (x: Inst, y: Inst, z: Inst, w: Inst) => sub(mul(x, y), mul(z, w));
  return { mul, sub, add, d2, neg: (x: Inst) => b.call("neg", x) };
}

defineBuiltin({
  name: "transpose",
  sigs: ["transpose(m: matRC): matCR"],
  resolve(args) {
    const e = arity(args, 1, "transpose");
    if (e) return e;
    const a = args[0];
    return a.k === "mat" ? mat(a.c, a.r, a.s) : `transpose expects a matrix, got (${names(args)})`;
  },
  expand(b, [m], result) {
    const rs = rows(b, m), t = m.type as MatT, out: Inst[] = [];
    for (let c = 0; c < t.c; c++) for (let r = 0; r < t.r; r++) out.push(rs[r][c]);
    return b.construct(result, out);
  },
});

/** Determinant and (unscaled) adjugate, row-major, of a 2x2, 3x3 or 4x4 matrix. */
function detAdj(b: Builder, m: Inst, wantAdj: boolean): { det: Inst; adj: Inst[] } {
  const a = rows(b, m), n = a.length;
  const { mul, sub, add, d2, neg } = ops(b);
  if (n === 2) {
    const det = d2(a[0][0], a[1][1], a[0][1], a[1][0]);
    return { det, adj: wantAdj ? [a[1][1], neg(a[0][1]), neg(a[1][0]), a[0][0]] : [] };
  }
  if (n === 3) {
    const c00 = d2(a[1][1], a[2][2], a[1][2], a[2][1]);
    const c01 = d2(a[1][2], a[2][0], a[1][0], a[2][2]);
    const c02 = d2(a[1][0], a[2][1], a[1][1], a[2][0]);
    const det = add(add(mul(a[0][0], c00), mul(a[0][1], c01)), mul(a[0][2], c02));
    if (!wantAdj) return { det, adj: [] };
    return { det, adj: [
      c00, d2(a[0][2], a[2][1], a[0][1], a[2][2]), d2(a[0][1], a[1][2], a[0][2], a[1][1]),
      c01, d2(a[0][0], a[2][2], a[0][2], a[2][0]), d2(a[0][2], a[1][0], a[0][0], a[1][2]),
      c02, d2(a[0][1], a[2][0], a[0][0], a[2][1]), d2(a[0][0], a[1][1], a[0][1], a[1][0]),
    ] };
  }
  // 4x4: Laplace expansion over the 2x2 minors of rows 0-1 (s) and rows 2-3 (c).
  const s0 = d2(a[0][0], a[1][1], a[1][0], a[0][1]), s1 = d2(a[0][0], a[1][2], a[1][0], a[0][2]);
  const s2 = d2(a[0][0], a[1][3], a[1][0], a[0][3]), s3 = d2(a[0][1], a[1][2], a[1][1], a[0][2]);
  const s4 = d2(a[0][1], a[1][3], a[1][1], a[0][3]), s5 = d2(a[0][2], a[1][3], a[1][2], a[0][3]);
  const c5 = d2(a[2][2], a[3][3], a[3][2], a[2][3]), c4 = d2(a[2][1], a[3][3], a[3][1], a[2][3]);
  const c3 = d2(a[2][1], a[3][2], a[3][1], a[2][2]), c2 = d2(a[2][0], a[3][3], a[3][0], a[2][3]);
  const c1 = d2(a[2][0], a[3][2], a[3][0], a[2][2]), c0 = d2(a[2][0], a[3][1], a[3][0], a[2][1]);
  const det = add(sub(add(add(sub(mul(s0, c5), mul(s1, c4)), mul(s2, c3)), mul(s3, c2)), mul(s4, c1)), mul(s5, c0));
  if (!wantAdj) return { det, adj: [] };
  // t(p, x, q, y, r, z) = p*x - q*y + r*z
  const t = (p: Inst, x: Inst, q: Inst, y: Inst, r: Inst, z: Inst) => add(sub(mul(p, x), mul(q, y)), mul(r, z));
  const nt = (p: Inst, x: Inst, q: Inst, y: Inst, r: Inst, z: Inst) => neg(t(p, x, q, y, r, z));
  return { det, adj: [
    t(a[1][1], c5, a[1][2], c4, a[1][3], c3), nt(a[0][1], c5, a[0][2], c4, a[0][3], c3),
    t(a[3][1], s5, a[3][2], s4, a[3][3], s3), nt(a[2][1], s5, a[2][2], s4, a[2][3], s3),
    nt(a[1][0], c5, a[1][2], c2, a[1][3], c1), t(a[0][0], c5, a[0][2], c2, a[0][3], c1),
    nt(a[3][0], s5, a[3][2], s2, a[3][3], s1), t(a[2][0], s5, a[2][2], s2, a[2][3], s1),
    t(a[1][0], c4, a[1][1], c2, a[1][3], c0), nt(a[0][0], c4, a[0][1], c2, a[0][3], c0),
    t(a[3][0], s4, a[3][1], s2, a[3][3], s0), nt(a[2][0], s4, a[2][1], s2, a[2][3], s0),
    nt(a[1][0], c3, a[1][1], c1, a[1][2], c0), t(a[0][0], c3, a[0][1], c1, a[0][2], c0),
    nt(a[3][0], s3, a[3][1], s1, a[3][2], s0), t(a[2][0], s3, a[2][1], s1, a[2][2], s0),
  ] };
}

defineBuiltin({
  name: "determinant",
  sigs: ["determinant(m: mat22|mat33|mat44): scalar"],
  resolve(args) {
    const t = squareArg(args, "determinant", false);
    return typeof t === "string" ? t : scalar(t.s);
  },
  expand: (b, [m]) => detAdj(b, m, false).det,
});

defineBuiltin({
  name: "inverse",
  sigs: ["inverse(m: f32/f64 mat22|mat33|mat44): same — adjugate / determinant; the zero matrix when determinant == 0"],
  resolve: (args) => squareArg(args, "inverse", true),
  expand(b, [m], result) {
    const { det, adj } = detAdj(b, m, true);
    const s = (result as MatT).s;
    const nz = b.call("ne", det, b.const(0, s));
    const inv = b.call("div", b.const(1, s), b.select(nz, det, b.const(1, s)));
    const zero = b.const(0, s);
    return b.construct(result, adj.map((c) => b.select(nz, b.call("mul", c, inv), zero)));
  },
});

defineBuiltin({
  name: "trace",
  sigs: ["trace(m: square matrix): scalar — sum of the diagonal"],
  resolve(args) {
    const t = squareArg(args, "trace", false);
    return typeof t === "string" ? t : scalar(t.s);
  },
  expand: (b, [m]) => rows(b, m).map((r, i) => r[i]).reduce((x, y) => b.call("add", x, y)),
});

defineBuiltin({
  name: "ddot",
  sigs: ["ddot(a: matRC, b: matRC): scalar — Σ a_ij b_ij (double contraction)"],
  resolve(args) {
    const e = arity(args, 2, "ddot");
    if (e) return e;
    const [a, c] = args;
    return a.k === "mat" && typeEq(a, c) && a.s !== "bool" ? scalar(a.s) : `ddot expects two matrices of one type, got (${names(args)})`;
  },
  expand(b, [x, y]) {
    const xs = comps(b, x), ys = comps(b, y);
    return xs.map((c, i) => b.call("mul", c, ys[i])).reduce((p, q) => b.call("add", p, q));
  },
});

defineBuiltin({
  name: "diag",
  sigs: ["diag(v: vecN): matNN — v on the diagonal, zeros elsewhere"],
  resolve(args) {
    const e = arity(args, 1, "diag");
    if (e) return e;
    const a = args[0];
    return a.k === "vec" && a.s !== "bool" ? mat(a.n, a.n, a.s) : `diag expects a numeric vector, got (${names(args)})`;
  },
  expand(b, [v], result) {
    const vs = comps(b, v), n = vs.length, zero = b.const(0, (result as MatT).s), out: Inst[] = [];
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out.push(r === c ? vs[r] : zero);
    return b.construct(result, out);
  },
});

for (const n of [2, 3, 4] as const) {
  for (const s of ["f32", "f64"] as ScalarKind[]) {
    const name = `identity${n}${n}${s === "f64" ? "d" : ""}`;
    defineBuiltin({
      name,
      sigs: [`${name}(): mat${n}${n}${s === "f64" ? "d" : ""} — the identity matrix`],
      resolve: (args) => (args.length === 0 ? mat(n, n, s) : `${name} takes no arguments, got (${names(args)})`),
      expand(b, _args, result) {
        const one = b.const(1, s), zero = b.const(0, s), out: Inst[] = [];
        for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out.push(r === c ? one : zero);
        return b.construct(result, out);
      },
    });
  }
}

defineBuiltin({
  name: "skew",
  sigs: ["skew(v: vec3): mat33 — the cross-product matrix: skew(a) * b == cross(a, b)"],
  resolve(args) {
    const e = arity(args, 1, "skew");
    if (e) return e;
    const a = args[0];
    return a.k === "vec" && a.n === 3 && a.s !== "bool" && a.s !== "u32" && a.s !== "u64"
      ? mat(3, 3, a.s) : `skew expects a signed vec3, got (${names(args)})`;
  },
  expand(b, [v], result) {
    const [x, y, z] = comps(b, v), zero = b.const(0, (result as MatT).s), neg = (q: Inst) => b.call("neg", q);
    return b.construct(result, [zero, neg(z), y, z, zero, neg(x), neg(y), x, zero]);
  },
});

for (const byRows of [true, false]) {
  const name = byRows ? "matrixFromRows" : "matrixFromCols";
  defineBuiltin({
    name,
    sigs: [`${name}(v0: vecN, ..., vK: vecN): mat — K+1 (2..4) vectors as the ${byRows ? "rows" : "columns"}`],
    resolve(args) {
      const a = args[0];
      if (args.length < 2 || args.length > 4 || !a || a.k !== "vec" || args.some((t) => !typeEq(t, a)))
        return `${name} expects 2 to 4 vectors of one type, got (${names(args)})`;
      return byRows ? mat(args.length as 2 | 3 | 4, a.n, a.s) : mat(a.n, args.length as 2 | 3 | 4, a.s);
    },
    expand(b, args, result) {
      const vs = args.map((v) => comps(b, v)), t = result as MatT, out: Inst[] = [];
      for (let r = 0; r < t.r; r++) for (let c = 0; c < t.c; c++) out.push(byRows ? vs[r][c] : vs[c][r]);
      return b.construct(result, out);
    },
  });
}
