// Hand-built lowered-IR kernels for the CUDA code generator tests: together they use every lowered
// op, every scalar kind, every atomic kind and type, fixed arrays, 1-4-D launches, araw and the
// control-flow shapes that need gotos (continue, break out of nested loops, blocks, early return).

import { Builder, newFunc } from "../engine/ir/builder.js";
import type { Func, Inst } from "../engine/ir/ops.js";
import { validateFunc } from "../engine/ir/validator.js";
import {
  BOOL, F32, F64, I32, I64, ScalarKind, Type, U32, U64, array, fixed, isFloat, isInt, isSigned, scalar,
} from "../engine/ir/types.js";

export const KINDS: ScalarKind[] = ["bool", "i32", "u32", "i64", "u64", "f32", "f64"];
export const NUMERIC: ScalarKind[] = ["i32", "u32", "i64", "u64", "f32", "f64"];

type P = { name: string; type: Type };
const arr = (s: ScalarKind, nd: 1 | 2 | 3 | 4 = 1): Type => array(scalar(s), nd);

/** Builds a kernel; `body` gets the builder and the params as values; stamps locations line by line. */
export function kernel(name: string, params: P[], body: (b: Builder, p: Inst[]) => void, opts: { ndim?: number; file?: string } = {}): Func {
  const fn = newFunc(name, "kernel", params);
  fn.ndim = opts.ndim ?? 1;
  const b = new Builder(fn);
  const file = opts.file ?? `${name}.ts`;
  fn.loc = { file, line: 1, col: 1 };
  let line = 2;
  // Every instruction made through the builder gets the next line, so #line mapping is checkable.
  const origInst = b.inst.bind(b);
  b.inst = ((...a: Parameters<Builder["inst"]>) => { b.loc = { file, line: line++, col: 3 }; return origInst(...a); }) as Builder["inst"];
  const ps = params.map((_, i) => b.param(i));
  body(b, ps);
  validateFunc(fn, { lowered: true });
  return fn;
}

const one = (b: Builder, s: ScalarKind) => b.const(s === "bool" ? true : 1, s);

// --- saxpy -----------------------------------------------------------------------------------------
export function saxpy(): Func {
  return kernel("saxpy", [{ name: "a", type: F32 }, { name: "x", type: arr("f32") }, { name: "y", type: arr("f32") }], (b, [a, x, y]) => {
    const i = b.tid(0);
    i.name = "i";
    const r = b.call("add", b.call("mul", a, b.aload(x, [i], F32)), b.aload(y, [i], F32));
    r.name = "r";
    b.astore(y, [i], r);
  });
}

// --- arithmetic on every numeric kind --------------------------------------------------------------
/** Ops applied to (a, b) per kind; ints use b | 1 as divisor so nothing divides by zero. */
export function opsFor(s: ScalarKind): string[] {
  const ops = ["add", "sub", "mul", "div", "mod"];
  if (isSigned(s) || isFloat(s)) ops.push("neg");
  if (isInt(s)) ops.push("band", "bor", "bxor", "shl", "shr", "bnot");
  return ops;
}
export const CMPS = ["eq", "ne", "lt", "le", "gt", "ge"];

export function arith(s: ScalarKind): Func {
  const ops = opsFor(s);
  return kernel(`arith_${s}`, [{ name: "x", type: arr(s) }, { name: "out", type: arr(s) }, { name: "flags", type: arr("bool") }], (b, [x, out, flags]) => {
    const i = b.tid(0);
    const n = b.ashape(x, 0);
    const a = b.aload(x, [i], scalar(s));
    const j = b.call("mod", b.call("add", i, b.i32(1)), n);
    let c = b.aload(x, [j], scalar(s));
    if (isInt(s)) c = b.call("bor", c, one(b, s));
    ops.forEach((op, k) => {
      const r = op === "neg" || op === "bnot" ? b.call(op, a) : b.call(op, a, c);
      b.astore(out, [b.call("add", b.call("mul", i, b.i32(ops.length)), b.i32(k))], r);
    });
    CMPS.forEach((op, k) => b.astore(flags, [b.call("add", b.call("mul", i, b.i32(CMPS.length + 1)), b.i32(k))], b.call(op, a, c)));
    // select and bool logic
    const lt = b.call("lt", a, c), ge = b.call("ge", a, c);
    b.astore(flags, [b.call("add", b.call("mul", i, b.i32(CMPS.length + 1)), b.i32(CMPS.length))],
      b.call("or", b.call("and", lt, b.call("not", ge)), b.call("eq", b.select(lt, a, c), a)));
  });
}

// --- constants ---------------------------------------------------------------------------------------
export const SPECIAL: Record<ScalarKind, (number | bigint | boolean)[]> = {
  bool: [true, false],
  i32: [0, 1, -1, 2147483647, -2147483648, 123456789],
  u32: [0, 1, 4294967295, 2147483648, 3000000000],
  i64: [0n, -1n, 9223372036854775807n, -9223372036854775808n, 1n << 40n],
  u64: [0n, 18446744073709551615n, 1n << 63n, 12345678901234567n],
  f32: [0, -0, 1, -1.5, Math.fround(0.1), 3.4028234663852886e38, 1e-45, Infinity, -Infinity, NaN, Math.fround(1 / 3)],
  f64: [0, -0, 0.1, -2.5e-300, 5e-324, 1.7976931348623157e308, Infinity, -Infinity, NaN, 1 / 3],
};

export function constants(): Func {
  const params = KINDS.map((s) => ({ name: `o_${s}`, type: arr(s) }));
  return kernel("constants", params, (b, outs) => {
    KINDS.forEach((s, k) => SPECIAL[s].forEach((v, j) => b.astore(outs[k], [b.i32(j)], b.const(v, s))));
  });
}

// --- conversions between every pair of kinds ----------------------------------------------------
/** in_<from>[i] converted to every kind: out_<to>[i * 7 + fromIndex]. */
export function conversions(): Func {
  const params = [...KINDS.map((s) => ({ name: `in_${s}`, type: arr(s) })), ...KINDS.map((s) => ({ name: `out_${s}`, type: arr(s) }))];
  return kernel("conversions", params, (b, ps) => {
    const i = b.tid(0);
    KINDS.forEach((from, fi) => {
      const v = b.aload(ps[fi], [i], scalar(from));
      KINDS.forEach((to, ti) => {
        b.astore(ps[7 + ti], [b.call("add", b.call("mul", i, b.i32(7)), b.i32(fi))], b.convert(v, scalar(to)));
      });
    });
  });
}

// --- control flow --------------------------------------------------------------------------------
/**
 * Per thread i (n = out length):
 *   acc = 0
 *   outer: for (j = 0; ; j++) {                        // loop with a step region
 *     if (j >= 6) break outer
 *     k = 0
 *     inner: for (;; k++) {
 *       if (k == 3 && j == 2) continue outer         // continue of an outer loop (goto)
 *       if (j * k > 12 + i) break outer               // break of an outer loop (goto)
 *       if (k >= j) break inner                       // plain break
 *       acc = acc + j * k + i
 *       if ((acc & 1) == 0) continue inner           // continue of the innermost loop (goto)
 *       acc = acc + 1
 *     }
 *   }
 *   blk: { if (i % 3 == 0) break blk; acc += 100; { if (i % 2 == 0) break blk; acc += 1000 } }
 *   while (true) { if (i == 5) return; break }        // early return from inside a loop
 *   if (i == 7) { out[i] = -1; return }               // early return from an if
 *   out[i] = acc
 */
export function controlFlow(): Func {
  return kernel("control_flow", [{ name: "out", type: arr("i32") }], (b, [out]) => {
    const i = b.tid(0);
    const acc = b.newVar("acc", I32), j = b.newVar("j", I32), k = b.newVar("k", I32);
    b.set(acc, b.i32(0));
    b.set(j, b.i32(0));
    b.loop((outer) => {
      b.if(b.call("ge", b.get(j), b.i32(6)), () => { b.break(outer); });
      b.set(k, b.i32(0));
      b.loop((inner) => {
        b.if(b.call("and", b.call("eq", b.get(k), b.i32(3)), b.call("eq", b.get(j), b.i32(2))), () => { b.continue(outer); });
        b.if(b.call("gt", b.call("mul", b.get(j), b.get(k)), b.call("add", b.i32(12), i)), () => { b.break(outer); });
        b.if(b.call("ge", b.get(k), b.get(j)), () => { b.break(inner); });
        b.set(acc, b.call("add", b.get(acc), b.call("add", b.call("mul", b.get(j), b.get(k)), i)));
        b.if(b.call("eq", b.call("band", b.get(acc), b.i32(1)), b.i32(0)), () => { b.continue(inner); });
        b.set(acc, b.call("add", b.get(acc), b.i32(1)));
      }, () => { b.set(k, b.call("add", b.get(k), b.i32(1))); });
    }, () => { b.set(j, b.call("add", b.get(j), b.i32(1))); });
    b.blockRegion((blk) => {
      b.if(b.call("eq", b.call("mod", i, b.i32(3)), b.i32(0)), () => { b.break(blk); });
      b.set(acc, b.call("add", b.get(acc), b.i32(100)));
      b.blockRegion(() => {
        b.if(b.call("eq", b.call("mod", i, b.i32(2)), b.i32(0)), () => { b.break(blk); });
        b.set(acc, b.call("add", b.get(acc), b.i32(1000)));
      });
    });
    b.loop((l) => {
      b.if(b.call("eq", i, b.i32(5)), () => { b.return(); });
      b.break(l);
    });
    b.if(b.call("eq", i, b.i32(7)), () => { b.astore(out, [i], b.i32(-1)); b.return(); });
    b.astore(out, [i], b.get(acc));
  });
}

// --- atomics ---------------------------------------------------------------------------------------
export const ATOMIC_KINDS = ["add", "sub", "min", "max", "xchg", "cas"];

/** Every atomic kind on a type: target[i % 4] (and its grad buffer), old values to olds[i * 7 + k]. */
export function atomics(s: ScalarKind): Func {
  return kernel(`atomics_${s}`, [{ name: "target", type: arr(s) }, { name: "vals", type: arr(s) }, { name: "olds", type: arr(s) }], (b, [target, vals, olds]) => {
    const i = b.tid(0);
    const slot = b.call("mod", i, b.i32(4));
    const v = b.aload(vals, [i], scalar(s));
    ATOMIC_KINDS.forEach((kind, k) => {
      const cmp = kind === "cas" ? b.aload(target, [slot], scalar(s)) : undefined;
      const old = b.aatomic(kind, target, [slot], v, 0, cmp);
      b.astore(olds, [b.call("add", b.call("mul", i, b.i32(7)), b.i32(k))], old);
    });
    const g = b.aatomic("add", target, [slot], v, 0, undefined, true);
    b.astore(olds, [b.call("add", b.call("mul", i, b.i32(7)), b.i32(6))], g);
  });
}

// --- fixed local arrays ---------------------------------------------------------------------------
/** stack[16] of i32 and f64 acc[4]: fill, reverse-sum, running products. */
export function fixedArrays(): Func {
  return kernel("fixed_arrays", [{ name: "out", type: arr("i32") }, { name: "outf", type: arr("f64") }], (b, [out, outf]) => {
    const i = b.tid(0);
    const st = b.newVar("stack", fixed(I32, 16));
    const fa = b.newVar("acc", fixed(F64, 4));
    const sum = b.newVar("sum", I32);
    b.forRange(b.i32(0), b.i32(16), (k) => { b.fset(st, k, b.call("mul", k, b.call("add", i, b.i32(1)))); }, "k");
    b.forRange(b.i32(0), b.i32(16), (k) => {
      const r = b.call("sub", b.i32(15), k);
      b.set(sum, b.call("add", b.call("mul", b.get(sum), b.i32(3)), b.fget(st, r, I32)));
      const slot = b.call("band", k, b.i32(3));
      b.fset(fa, slot, b.call("add", b.fget(fa, slot, F64), b.convert(b.fget(st, k, I32), F64)));
    }, "m");
    b.astore(out, [i], b.get(sum));
    b.astore(outf, [i], b.call("div", b.fget(fa, b.i32(3), F64), b.const(7, "f64")));
  });
}

// --- multi-dimensional launches -----------------------------------------------------------------
export function multiDim(nd: 2 | 3 | 4): Func {
  return kernel(`grid${nd}d`, [{ name: "out", type: arr("i32", nd) }, { name: "stride", type: I32 }], (b, [out, stride]) => {
    const t = Array.from({ length: nd }, (_, d) => b.tid(d));
    let v: Inst = b.i32(0);
    t.forEach((x, d) => { v = b.call("add", b.call("mul", v, stride), b.call("add", x, b.dim(d))); });
    v = b.call("add", v, b.ashape(out, nd - 1));
    b.astore(out, t, v);
  }, { ndim: nd });
}

/** A 1-D kernel (tid(0) only) run over a 2-D launch: the flat index is divided by the inner extent. */
export function innerLaunch(): Func {
  return kernel("inner_launch", [{ name: "out", type: arr("i32") }], (b, [out]) => {
    const i = b.tid(0);
    b.aatomic("add", out, [i], b.i32(1));
  });
}

// --- araw, bool arrays, array variables, offsets ---------------------------------------------------
/** araw of every kind at byte offsets off[k] (some misaligned) of a u32 buffer. */
export function rawReads(): Func {
  const kinds: ScalarKind[] = ["bool", "i32", "u32", "i64", "u64", "f32", "f64"];
  const params = [{ name: "buf", type: arr("u32") }, { name: "offs", type: arr("i32") }, ...kinds.map((s) => ({ name: `r_${s}`, type: arr(s) }))];
  return kernel("raw_reads", params, (b, [buf, offs, ...outs]) => {
    const i = b.tid(0);
    const off = b.aload(offs, [i], I32);
    kinds.forEach((s, k) => b.astore(outs[k], [i], b.araw(buf, off, scalar(s))));
  });
}

/** Bool arrays, array-typed variables, element offsets (`off`) and grad loads/stores. */
export function arraysMisc(): Func {
  const vec3 = { name: "pts", type: arr("f32") };
  return kernel("arrays_misc", [{ name: "a", type: arr("bool") }, { name: "x", type: arr("f32") }, { name: "y", type: arr("f32") }, vec3, { name: "out", type: arr("f32") }], (b, [a, x, y, pts, out]) => {
    const i = b.tid(0);
    const flag = b.aload(a, [i], BOOL);
    b.astore(a, [i], b.call("not", flag));
    const src = b.newVar("src", arr("f32"));
    b.if(flag, () => { b.set(src, x); }, () => { b.set(src, y); });
    const s = b.get(src);
    const v = b.aload(s, [i], F32);
    // pts is an array of 12-byte elements viewed through f32 components at offsets 0, 4, 8
    const px = b.aload(pts, [i], F32, 0), py = b.aload(pts, [i], F32, 4), pz = b.aload(pts, [i], F32, 8);
    b.astore(pts, [i], b.call("add", px, py), 8);
    const gv = b.aload(x, [i], F32, 0, true);
    b.astore(y, [i], b.call("add", gv, pz), 0, true);
    b.astore(out, [i], b.call("add", b.call("add", v, pz), b.convert(b.ashape(s, 0), F32)));
  });
}

// --- exact arithmetic -----------------------------------------------------------------------------
/** out[i] = a[i] * b[i] + c[i], with `exact` on both ops or on neither. */
export function fma(s: "f32" | "f64", exact: boolean): Func {
  const T = scalar(s);
  return kernel(`muladd_${s}_${exact ? "exact" : "fused"}`, ["a", "b", "c", "out"].map((name) => ({ name, type: arr(s) })), (b, [pa, pb, pc, out]) => {
    const i = b.tid(0);
    const m = b.call("mul", b.aload(pa, [i], T), b.aload(pb, [i], T));
    const r = b.call("add", m, b.aload(pc, [i], T));
    if (exact) { m.attrs.exact = true; r.attrs.exact = true; }
    b.astore(out, [i], r);
  });
}

/** All four exact ops on both float kinds. */
export function exactOps(): Func {
  return kernel("exact_ops", [{ name: "x", type: arr("f32") }, { name: "y", type: arr("f64") }], (b, [x, y]) => {
    const i = b.tid(0);
    for (const [arrv, T] of [[x, F32], [y, F64]] as const) {
      const a = b.aload(arrv, [i], T);
      let r = a;
      for (const op of ["add", "sub", "mul", "div"]) { r = b.call(op, r, a); r.attrs.exact = true; }
      b.astore(arrv, [i], r);
    }
  });
}

// --- print and trap ------------------------------------------------------------------------------------
export function printTrap(): Func {
  return kernel("print_trap", [{ name: "x", type: arr("f32") }, { name: "n", type: I64 }, { name: "u", type: U64 }, { name: "flag", type: BOOL }, { name: "w", type: U32 }, { name: "d", type: F64 }], (b, [x, n, u, flag, w, d]) => {
    const i = b.tid(0);
    const v = b.aload(x, [i], F32);
    b.print("thread %d: x=%f n=%d u=%u flag=%d w=%x d=%.3e 100%% {}\n", [i, v, n, u, flag, w, d]);
    b.print("no newline %s", [i]);
    b.if(b.call("lt", v, b.f(0)), () => { b.trap(77, [i, v, n, flag, d]); });
    b.astore(x, [i], b.call("mul", v, b.f(2)));
  });
}

/** An integer division (checked in debug builds) and a fixed-array index from data. */
export function checked(): Func {
  return kernel("checked", [{ name: "x", type: arr("i32") }, { name: "y", type: arr("i32", 2) }, { name: "raw", type: arr("u32") }], (b, [x, y, raw]) => {
    const i = b.tid(0);
    const v = b.aload(x, [i], I32);
    const st = b.newVar("st", fixed(I32, 4));
    b.fset(st, b.call("band", i, b.i32(3)), v);
    const q = b.call("div", b.i32(1000), v);
    const r = b.araw(raw, b.call("mul", v, b.i32(4)), U32);
    b.astore(y, [i, v], b.call("add", b.call("add", q, b.fget(st, v, I32)), b.convert(r, I32)));
  });
}

export const F = { F32, F64, I64 };
