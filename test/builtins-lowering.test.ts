// Every primitive builtin's WebAssembly lowering, compiled with binaryen and run, against its `eval`
// (bit for bit; NaNs compare as NaN). The wasm math library is stood in for by JavaScript's Math
// rounded to f32, the same functions `eval` uses, so library-backed builtins must agree exactly too.
import { describe, expect, it } from "vitest";
import binaryen from "binaryen";
import { allBuiltins, type Builtin } from "../engine/builtins/index.js";
import { Builder, newFunc } from "../engine/ir/builder.js";
import { ScalarKind, Type, scalar } from "../engine/ir/types.js";

const KINDS: ScalarKind[] = ["bool", "i32", "u32", "i64", "u64", "f32", "f64"];
const F32S = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999997, 3.7, -3.7, 1e30, -1e-30, 8388609, 1.4e-45, 0.3, -1, Infinity, -Infinity, NaN].map(Math.fround);
const F64S = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, 3.7, -3.7, 1e300, -1e-300, 4503599627370497, 5e-324, 0.3, -1, Infinity, -Infinity, NaN];
const SAMPLES: Record<ScalarKind, any[]> = {
  bool: [false, true],
  i32: [0, 1, -1, 7, -7, 3, 2147483647, -2147483648, 123456],
  u32: [0, 1, 7, 3, 4294967295, 2147483648, 123456],
  i64: [0n, 1n, -1n, 7n, -7n, 3n, 2n ** 63n - 1n, -(2n ** 63n)],
  u64: [0n, 1n, 7n, 3n, 2n ** 64n - 1n, 2n ** 63n],
  f32: F32S,
  f64: F64S,
};

export const LIB_NAMES = new Set(["sinf", "cosf", "tanf", "asinf", "acosf", "atanf", "atan2f", "sinhf", "coshf", "tanhf", "expf", "exp2f", "logf", "log2f", "log10f", "powf", "cbrtf", "fmodf"]
  .flatMap((n) => [n, n.slice(0, -1)]));

function libImpl(name: string): (...a: number[]) => number {
  const f32 = name.endsWith("f") && LIB_NAMES.has(name.slice(0, -1));
  const base = f32 ? name.slice(0, -1) : name;
  const f: Record<string, (...a: number[]) => number> = {
    exp2: (x) => 2 ** x, fmod: (a, b) => a % b,
    pow: (x, y) => (x === 1 || y === 0 ? 1 : x === -1 && !Number.isFinite(y) && !Number.isNaN(y) ? 1 : x ** y),
  };
  const g = f[base] ?? (Math as any)[base];
  return f32 ? (...a) => Math.fround(g(...a)) : g;
}

const btype = (s: ScalarKind) => (s === "i64" || s === "u64" ? binaryen.i64 : s === "f32" ? binaryen.f32 : s === "f64" ? binaryen.f64 : binaryen.i32);

/** Compiles `bi` on scalar kinds `ks` into a wasm function and returns a JS caller. */
function compile(bi: Builtin, ks: ScalarKind[], res: ScalarKind, libCalls: Set<string>): (...a: any[]) => any {
  const m = new binaryen.Module();
  const locals: number[] = [];
  const imports = new Map<string, { params: ScalarKind[]; result: ScalarKind }>();
  const ctx = {
    m, bn: binaryen,
    callLib(name: string, args: number[], result: ScalarKind) {
      libCalls.add(name);
      imports.set(name, { params: args.map(() => result), result });
      return m.call(name, args, btype(result));
    },
    tee(expr: number, s: ScalarKind) {
      const idx = ks.length + locals.length;
      locals.push(btype(s));
      let first = true;
      return () => (first ? ((first = false), m.local.tee(idx, expr, btype(s))) : m.local.get(idx, btype(s)));
    },
  };
  const args = ks.map((s, i) => m.local.get(i, btype(s)));
  const body = bi.wasm!(ctx, args, ks, res);
  for (const [name, sig] of imports) {
    m.addFunctionImport(name, "lib", name, binaryen.createType(sig.params.map(btype)), btype(sig.result));
  }
  m.addFunction("f", binaryen.createType(ks.map(btype)), btype(res), locals, body);
  m.addFunctionExport("f", "f");
  if (!m.validate()) throw new Error(`invalid wasm for ${bi.name}(${ks})`);
  const bin = m.emitBinary();
  m.dispose();
  const lib: Record<string, any> = {};
  for (const name of imports.keys()) lib[name] = libImpl(name);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), { lib });
  const f = inst.exports.f as (...a: any[]) => any;
  return (...a: any[]) => f(...a.map((v, i) => (ks[i] === "bool" ? (v ? 1 : 0) : v)));
}

function normalize(v: any, s: ScalarKind): any {
  if (s === "bool") return Boolean(v);
  if (s === "u32") return v >>> 0;
  if (s === "u64") return BigInt.asUintN(64, v);
  if (s === "i64") return BigInt.asIntN(64, v);
  return v;
}

function same(a: any, b: any, s: ScalarKind): boolean {
  if (s === "f32" || s === "f64") return (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);
  return a === b;
}

/** (arity, kinds) combinations on which `bi` is a primitive. */
function primitiveOverloads(bi: Builtin): { ks: ScalarKind[]; res: ScalarKind }[] {
  const out: { ks: ScalarKind[]; res: ScalarKind }[] = [];
  for (let n = 1; n <= 3; n++) {
    for (const s of KINDS) {
      const ts: Type[] = Array(n).fill(scalar(s));
      const r = bi.resolve(ts);
      if (typeof r === "string" || r.k !== "scalar") continue;
      if (bi.expand) {
        const fn = newFunc("probe", "func", ts.map((t, i) => ({ name: `a${i}`, type: t })));
        const b = new Builder(fn);
        if (bi.expand(b, ts.map((_, i) => b.param(i)), r)) continue;
      }
      out.push({ ks: ts.map(() => s), res: r.s });
    }
  }
  return out;
}

function* tuples(ks: ScalarKind[]): Generator<any[]> {
  const pools = ks.map((s) => SAMPLES[s]);
  if (ks.length === 1) { for (const a of pools[0]) yield [a]; return; }
  if (ks.length === 2) { for (const a of pools[0]) for (const b of pools[1]) yield [a, b]; return; }
  const p = pools[0];
  for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j += 2) for (let k = 0; k < p.length; k += 3) yield [p[i], p[j], p[k]];
}

const prims = allBuiltins().filter((b) => b.eval && b.wasm);
const libCalls = new Set<string>();

describe("wasm lowering of primitives agrees with eval", () => {
  for (const bi of prims) {
    const overloads = primitiveOverloads(bi);
    if (!overloads.length) continue;
    it(`${bi.name} (${overloads.map((o) => o.ks.join(",")).join(" | ")})`, () => {
      for (const { ks, res } of overloads) {
        const f = compile(bi, ks, res, libCalls);
        for (const t of tuples(ks)) {
          let want: any, got: any, threw = 0;
          try { want = normalize(bi.eval!(t, ks, res), res); } catch { threw++; }
          try { got = normalize(f(...t), res); } catch { threw++; }
          if (threw) {
            // Integer division by zero (and INT_MIN / -1 in wasm) trap; eval throws on division by zero.
            expect(["div", "mod"]).toContain(bi.name);
            continue;
          }
          expect(same(got, want, res), `${bi.name}(${t.map(String).join(", ")}) on ${ks}: wasm ${got} vs eval ${want}`).toBe(true);
        }
      }
    });
  }
  it("calls only functions the wasm math library provides", () => {
    expect([...libCalls].filter((n) => !LIB_NAMES.has(n))).toEqual([]);
  });
});

describe("cuda lowering", () => {
  for (const bi of prims) {
    const overloads = primitiveOverloads(bi);
    if (!overloads.length) continue;
    it(`${bi.name} has a CUDA expression for every primitive overload`, () => {
      for (const { ks, res } of overloads) {
        const e = bi.cuda!(ks.map((_, i) => `a${i}`), ks, res);
        expect(typeof e).toBe("string");
        ks.forEach((_, i) => expect(e).toContain(`a${i}`));
      }
    });
  }
});
