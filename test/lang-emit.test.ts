// What the frontend emits: the high-level IR of representative sources (op names, types, attributes,
// control-flow shape, names and source locations).

import { describe, expect, test } from "vitest";
import { Func, IRModule, Inst, walk } from "../engine/ir/ops.js";
import { typeName } from "../engine/ir/types.js";
import { printFunc } from "../engine/ir/printer.js";
import { compile } from "./fixtures/lang/run.js";

function fn(mod: IRModule, name: string): Func {
  const f = mod.funcs.find((x) => x.name === name);
  if (!f) throw new Error(`no func ${name} in ${mod.funcs.map((x) => x.name)}`);
  return f;
}
function all(f: Func): Inst[] {
  const out: Inst[] = [];
  walk(f.body, (i) => out.push(i));
  return out;
}
const ofOp = (f: Func, op: string) => all(f).filter((i) => i.op === op);
const calls = (f: Func, name: string) => all(f).filter((i) => i.op === "call" && i.attrs.fn === name);
const kernel = (body: string, params = "a: Array<f32>, n: i32") => compile(`@kernel export function k(${params}): void {\n${body}\n}`);

describe("module structure", () => {
  test("kernels and funcs, params, ndim, structs, locations", () => {
    const mod = compile(`import { tid, Array, vec3 } from "weft/kernels";
@struct class Particle { x: vec3; v: vec3; m: f32; }
@func function energy(p: Particle): f32 { return 0.5 * p.m * dot(p.v, p.v); }
@kernel export function k(ps: Array<Particle>, e: Array2D<f32>, g: vec3): void {
  const [i, j] = tid();
  e[i, j] = energy(ps[i]);
}`, "sim.ts");
    expect(mod.name).toBe("sim");
    expect(mod.funcs.map((f) => [f.name, f.kind])).toEqual([["energy", "func"], ["k", "kernel"]]);
    const k = fn(mod, "k");
    expect(k.params.map((p) => `${p.name}: ${typeName(p.type)}`)).toEqual(["ps: Array<Particle>", "e: Array2D<f32>", "g: vec3"]);
    expect(k.ndim).toBe(2);
    expect(k.loc).toEqual({ file: "sim.ts", line: 4, col: 25 });
    expect(fn(mod, "energy").ret).toEqual({ k: "scalar", s: "f32" });
    const P = mod.structs.get("Particle")!;
    expect(P.fields.map((f) => `${f.name}: ${typeName(f.type)}`)).toEqual(["x: vec3", "v: vec3", "m: f32"]);
    expect(ofOp(k, "tid").map((i) => i.attrs.dim)).toEqual([0, 1]);
    expect(ofOp(k, "callf")[0].attrs.fn).toBe("energy");
    // Every instruction carries a source location.
    for (const f of mod.funcs) for (const i of all(f)) expect(i.loc?.file, printFunc(f)).toBe("sim.ts");
    const store = ofOp(k, "astore")[0];
    expect(store.loc).toEqual({ file: "sim.ts", line: 6, col: 3 });
  });

  test("overloaded @funcs get mangled names and calls pick by argument types", () => {
    const mod = compile(`
@func function f(x: f32): f32 { return x; }
@func function f(v: vec3, s: f32): f32 { return v.x * s; }
@func function f(x: i32): i32 { return x; }
@kernel export function k(a: Array<f32>): void {
  a[0] = f(1.5) + f(vec3(), 2) + f32(f(3));
}`);
    expect(mod.funcs.map((f) => f.name)).toEqual(["f__f32", "f__vec3_f32", "f__i32", "k"]);
    expect(ofOp(fn(mod, "k"), "callf").map((c) => c.attrs.fn)).toEqual(["f__f32", "f__vec3_f32", "f__i32"]);
  });

  test("module constants fold; unannotated literal constants adapt", () => {
    const mod = compile(`
const N: i32 = 4 * 8;
const HALF = 0.5;
const G: vec3 = vec3(0, -9.8, 0);
const MASK: u32 = (1 << 4) - 1;
@constant const EPS: f64 = 1e-9;
@kernel export function k(a: Array<f64>, b: Array<vec3>, c: Array<u32>): void {
  const s = new StaticArray<f32>(N);
  a[0] = f64(N) * HALF + EPS;
  b[0] = G * HALF;
  c[0] = MASK;
}`);
    const k = fn(mod, "k");
    expect(k.vars.find((v) => v.name === "s")!.type).toEqual({ k: "fixed", n: 32, elem: { k: "scalar", s: "f32" } });
    const consts = ofOp(k, "const").map((c) => `${c.attrs.value}:${typeName(c.type)}`);
    expect(consts).toContain("0.5:f64");
    expect(consts).toContain("0.5:f32");
    expect(consts).toContain("1e-9:f64");
    expect(consts).toContain("15:u32");
    expect(consts).toContain(`${Math.fround(-9.8)}:f32`); // f32 constants hold their f32 value
  });
});

describe("literals and operators", () => {
  test("literals adapt to the other operand; defaults are i32 and f32", () => {
    const k = fn(kernel(`
  const x: f64 = 1;
  const y = x * 2;
  const v = vec3d(1, 2, 3) * 0.1;
  const i = 7;
  const f = 2.5;
  const u: u32 = 3;
  const w = u + 1;
  const big: i64 = 1 << 40;
  const z = 1 / 3;`), "k");
    const c = ofOp(k, "const").map((i) => `${i.attrs.value}:${typeName(i.type)}`);
    expect(c).toEqual(["1:f64", "2:f64", "1:f64", "2:f64", "3:f64", "0.1:f64", "7:i32", "2.5:f32", "3:u32", "1:u32",
      "1:i64", "40:i64", "1:i32", "3:i32"]);
    expect(calls(k, "mul").map((i) => typeName(i.type))).toEqual(["f64", "vec3d"]);
    expect(calls(k, "shl")[0].type).toEqual({ k: "scalar", s: "i64" });
  });

  test("operators map to builtins; >>> is a logical shift of the unsigned bits", () => {
    const k = fn(kernel(`
  let x = n + 1 - 2 * 3 / 4 % 5;
  const b = x == 1 || x != 2 || x < 3 || x <= 4 || x > 5 || x >= 6;
  const c = (x & 1) | (x ^ 2) | (~x << 1) | (x >> 2) | (x >>> 3);
  const d = -x;
  const e = !b;`), "k");
    for (const op of ["add", "sub", "mul", "div", "mod", "eq", "ne", "lt", "le", "gt", "ge", "band", "bor", "bxor", "bnot", "shl", "shr", "neg", "not", "or"])
      expect(calls(k, op).length, op).toBeGreaterThan(0);
    const shr = calls(k, "shr");
    expect(shr.map((s) => typeName(s.type))).toEqual(["i32", "u32"]);
    expect(ofOp(k, "convert").map((c) => typeName(c.type))).toEqual(["u32", "u32", "i32"]);
  });

  test("&& and || short-circuit through an if when the right side may fault or has effects", () => {
    const k = fn(kernel(`
  const i = tid();
  const ok = i < n && a[i] > 0.0;
  const ok2 = i < n || a[0] > 1.0;`), "k");
    const ifs = ofOp(k, "if");
    expect(ifs).toHaveLength(2);
    expect(ifs[0].regions![0].map((x) => x.op)).toEqual(["aload", "const", "call", "set"]);
    expect(ifs[1].args[0].attrs.fn).toBe("not");
    expect(k.vars.map((v) => v.name)).toEqual(["and", "or"]);
    // Cheap, safe right sides are evaluated eagerly.
    const k2 = fn(kernel(`  const ok = n > 0 && n < 10;`), "k");
    expect(ofOp(k2, "if")).toHaveLength(0);
    expect(calls(k2, "and")).toHaveLength(1);
  });

  test("?: is a select when both sides are cheap, an if otherwise", () => {
    const k = fn(kernel(`
  const i = tid();
  const s = i > 0 ? 1.0 : 2.0;
  const t = i > 0 ? a[i - 1] : 0.0;`), "k");
    expect(ofOp(k, "select")).toHaveLength(1);
    expect(typeName(ofOp(k, "select")[0].type)).toBe("f32");
    const ifs = ofOp(k, "if");
    expect(ifs).toHaveLength(1);
    expect(ifs[0].regions![0].some((x) => x.op === "aload")).toBe(true);
    expect(ifs[0].regions![1].map((x) => x.op)).toEqual(["const", "set"]);
  });

  test("casts become convert; bool casts compare or select", () => {
    const k = fn(kernel(`
  const x = f32(n);
  const y = <f64>x;
  const z = x as i32;
  const w = u32(2.7);
  const v = vec3d(vec3(1, 2, 3));
  const b = bool(n);
  const i = i32(b);`), "k");
    expect(ofOp(k, "convert").map((c) => `${typeName(c.args[0].type)}->${typeName(c.type)}`))
      .toEqual(["i32->f32", "f32->f64", "f32->i32", "f64->u32", "vec3->vec3d"]);
    expect(calls(k, "ne")).toHaveLength(1);
    expect(ofOp(k, "select")).toHaveLength(1);
  });

  test("integer literals cast to integer types wrap, as in AssemblyScript", () => {
    const k = fn(kernel(`
  const a1 = u32(-1);
  const b1 = i32(0xffffffff);
  const c1 = i64(1 << 40);
  const d1 = u64(-2);
  const e1 = f64(1 << 3);`), "k");
    expect(ofOp(k, "const").map((i) => `${i.attrs.value}:${typeName(i.type)}`))
      .toEqual(["4294967295:u32", "-1:i32", "1099511627776:i64", "18446744073709551614:u64", "8:f64"]);
  });
});

describe("values", () => {
  test("vector and matrix constructors lower to construct with scalars in order", () => {
    const k = fn(kernel(`
  const a3 = vec3(1, 2, 3);
  const b3 = vec3(2);
  const c3 = vec3();
  const d4 = vec4(a3, 1);
  const m = mat22(1, 2, 3, 4);
  const r = mat22(vec2(1, 2), vec2(3, 4));
  const q = quat(0, 0, 0, 1);
  const t = transform(a3, q);
  const iv = vec2i(1, 2);`), "k");
    const cons = ofOp(k, "construct").map((c) => `${typeName(c.type)}/${c.args.length}`);
    expect(cons).toEqual(["vec3/3", "vec3/3", "vec3/3", "vec4/4", "mat22/4", "vec2/2", "vec2/2", "mat22/4", "quat/4", "transform/7", "vec2i/2"]);
    const b3 = ofOp(k, "construct")[1];
    expect(new Set(b3.args).size).toBe(1);
  });

  test("components: v.x, swizzles, m[i][j], m[i], v[i] at run time, t.p / t.q", () => {
    const k = fn(kernel(`
  const i = tid();
  const v = vec3(1, 2, 3);
  const m = mat33();
  const t = transform(v, quat());
  const s = v.y + m[1][2] + v[i] + m[i][0];
  const row = m[2];
  const xy = v.zx;
  const p = t.p;
  const q = t.q;`), "k");
    const ex = ofOp(k, "extract").map((e) => `${typeName(e.args[0].type)}[${e.attrs.index}]`);
    expect(ex).toContain("vec3[1]");
    expect(ex).toContain("mat33[5]");
    expect(ofOp(k, "extractd").map((e) => `${typeName(e.args[0].type)}->${typeName(e.type)}`)).toEqual(["vec3->f32", "mat33->vec3"]);
    expect(ex).toContain("mat33[6]");
    expect(ex).toContain("transform[6]");
    const cons = ofOp(k, "construct").map((c) => typeName(c.type));
    expect(cons.slice(-4)).toEqual(["vec3", "vec2", "vec3", "quat"]);
  });

  test("component and field writes rebuild the variable with insert", () => {
    const mod = compile(`
@struct class Body { x: vec3; m: f32; }
@kernel export function k(n: i32): void {
  let v = vec3();
  v.x = 1;
  v[n] = 2;
  let m = mat22();
  m[1][0] = 3;
  let b = new Body();
  b.x.z += 4;
  b.m++;
}`);
    const k = fn(mod, "k");
    const ins = ofOp(k, "insert").map((i) => `${typeName(i.type)}[${i.attrs.index}]`);
    expect(ins).toEqual(["vec3[0]", "mat22[2]", "vec3[2]", "Body[0]", "Body[1]"]);
    // v[n] = 2 selects per component.
    expect(ofOp(k, "select")).toHaveLength(3);
    expect(ofOp(k, "set").map((s) => s.attrs.var.name)).toEqual(["v", "v", "v", "m", "m", "b", "b", "b"]);
  });

  test("array elements: whole-element load/store, fields stored at byte offsets, ++ on elements", () => {
    const mod = compile(`
@struct class Cell { a: f32; p: vec3; n: i32; }
@kernel export function k(cells: Array<Cell>, v: Array<vec3>, c: Array<i32>, g: Array3D<f32>): void {
  const i = tid();
  const cell = cells[i];
  cells[i].p.y = cell.a;
  cells[i].n = 3;
  cells[i] = cell;
  v[i].z = 1;
  c[i]++;
  c[0] += c.length;
  g[1, 2, 3] = f32(g.shape[2]);
  g[0][0][i] = 1;
}`);
    const k = fn(mod, "k");
    const st = ofOp(k, "astore").map((s) => `${typeName(s.args[s.args.length - 1].type)}@${s.attrs.off}/${s.args.length - 2}`);
    expect(st).toEqual(["f32@8/1", "i32@16/1", "Cell@0/1", "f32@8/1", "i32@0/1", "i32@0/1", "f32@0/3", "f32@0/3"]);
    expect(ofOp(k, "ashape").map((s) => s.attrs.dim)).toEqual([0, 2]);
  });

  test("struct literals and new Struct()", () => {
    const mod = compile(`
@struct class In { a: i32; }
@struct class Out { x: f32; inner: In; v: vec2; }
@kernel export function k(o: Array<Out>): void {
  const p: Out = { v: vec2(1, 2), x: 3, inner: { a: 4 } };
  o[0] = p;
  o[1] = new Out();
}`);
    const cons = ofOp(fn(mod, "k"), "construct").map((c) => `${typeName(c.type)}(${c.args.map((a) => typeName(a.type)).join(",")})`);
    expect(cons).toEqual(["vec2(f32,f32)", "In(i32)", "Out(f32,In,vec2)", "In(i32)", "vec2(f32,f32)", "Out(f32,In,vec2)"]);
  });

  test("fixed local arrays: zeroed, fget/fset, vectors inside", () => {
    const k = fn(kernel(`
  const st = new StaticArray<i32>(32);
  let top = 0;
  st[top++] = 5;
  const pts = new StaticArray<vec3>(4);
  pts[1].y = f32(st[0]);
  const len = st.length;`), "k");
    expect(k.vars.filter((v) => v.type.k === "fixed").map((v) => `${v.name}: ${typeName(v.type)}`))
      .toEqual(["st: StaticArray<i32>(32)", "pts: StaticArray<vec3>(4)"]);
    const fs = ofOp(k, "fset").map((x) => typeName(x.args[1].type));
    expect(fs).toEqual(["i32", "i32", "vec3", "vec3"]);
    // pts[1].y = f32(st[0]): the target is resolved, the value computed, then the element rebuilt.
    expect(ofOp(k, "fget").map((x) => typeName(x.type))).toEqual(["i32", "vec3"]);
  });
});

describe("control flow", () => {
  test("for: init before the loop, the test at the top of the body, the step in the step region", () => {
    const k = fn(kernel(`
  for (let i = 0; i < n; i++) {
    if (i == 3) continue;
    if (i == 5) break;
  }`), "k");
    const loop = ofOp(k, "loop")[0];
    const [body, step] = loop.regions!;
    expect(body.map((i) => i.op).slice(0, 4)).toEqual(["get", "call", "call", "if"]);
    const test = body.find((i) => i.op === "if")!;
    expect(test.args[0].attrs.fn).toBe("not");
    expect(test.regions![0][0]).toMatchObject({ op: "break", attrs: { label: loop.attrs.label } });
    expect(step.map((i) => i.op)).toEqual(["get", "const", "call", "set"]);
    expect(ofOp(k, "continue")[0].attrs.label).toBe(loop.attrs.label);
  });

  test("do..while tests in the step region; while tests at the top", () => {
    const k = fn(kernel(`
  let x = 0;
  do { x++; } while (x < n);
  while (x > 0) { x -= 2; }`), "k");
    const [dw, wl] = ofOp(k, "loop");
    expect(dw.regions![1].some((i) => i.op === "if")).toBe(true);
    expect(wl.regions![0][wl.regions![0].length - 1].op).not.toBe("if");
    expect(wl.regions![1]).toEqual([]);
  });

  test("early return; unreachable code is dropped; funcs return values", () => {
    const mod = compile(`
@func function clampPos(x: f32): f32 {
  if (x < 0.0) { return 0; }
  return x;
  return 3;
}
@kernel export function k(a: Array<f32>): void {
  const i = tid();
  if (i >= a.length) return;
  a[i] = clampPos(a[i]);
}`);
    const f = fn(mod, "clampPos");
    expect(ofOp(f, "return").map((r) => typeName(r.args[0].type))).toEqual(["f32", "f32"]);
    expect(ofOp(f, "const").map((c) => c.attrs.value)).toEqual([0, 0]);
    expect(ofOp(fn(mod, "k"), "return")).toHaveLength(1);
  });

  test("switch lowers to a block with a match flag", () => {
    const k = fn(kernel(`
  let s = 0;
  switch (n) { case 1: s = 1; break; case 2: case 3: s = 2; break; default: s = 3; }`), "k");
    const blk = ofOp(k, "block");
    expect(blk).toHaveLength(1);
    expect(ofOp(k, "break").every((b) => b.attrs.label === blk[0].attrs.label)).toBe(true);
    expect(k.vars.map((v) => v.name)).toContain("matched");
  });
});

describe("special forms and builtins", () => {
  test("atomics: scalar, per-component for vectors, CAS operand order", () => {
    const k = fn(kernel(`
  const old = atomicAdd(a, 0, 1.0);
  atomicSub(c, 1, 2);
  atomicMin(c, 1, 2);
  atomicMax(c, 1, 2);
  atomicExch(c, 1, 2);
  const prev = atomicCAS(c, 0, 5, 6);
  atomicAdd(v, 2, vec3(1, 2, 3));
  atomicAdd(g, 1, 2, 3);`, "a: Array<f32>, c: Array<i32>, v: Array<vec3>, g: Array2D<u32>"), "k");
    const at = ofOp(k, "aatomic");
    expect(at.map((x) => `${x.attrs.kind}@${x.attrs.off}:${typeName(x.type)}`)).toEqual([
      "add@0:f32", "sub@0:i32", "min@0:i32", "max@0:i32", "xchg@0:i32", "cas@0:i32", "add@0:f32", "add@4:f32", "add@8:f32", "add@0:u32"]);
    const cas = at[5];
    expect(cas.args.slice(2).map((a) => a.attrs.value)).toEqual([6, 5]);
    expect(at[9].args).toHaveLength(4);
  });

  test("builtins resolve against the registry with literal adaptation", () => {
    const k = fn(kernel(`
  const x: f64 = 2;
  const y = max(x, 0);
  const v = vec3(1, 2, 3);
  const l = length(v) + clamp(v.x, 0, 1) + Math.sqrt(2.0) + Mathf.PI * Math.PI;
  const d = sqrt(2.0);`), "k");
    expect(typeName(calls(k, "max")[0].type)).toBe("f64");
    expect(calls(k, "max")[0].args.map((a) => typeName(a.type))).toEqual(["f64", "f64"]);
    expect(calls(k, "clamp")[0].args.map((a) => typeName(a.type))).toEqual(["f32", "f32", "f32"]);
    expect(calls(k, "length")).toHaveLength(1);
    expect(calls(k, "sqrt").map((c) => typeName(c.type))).toEqual(["f32", "f32"]);
  });

  test("random builtins write the state back: result first, then the update", () => {
    const k = fn(kernel(`
  let rng = randInit(42, tid());
  const r = randf(rng);
  a[0] = r;`, "a: Array<f32>"), "k");
    const seq = all(k).filter((i) => i.op === "call" || i.op === "set").map((i) => i.op === "set" ? `set ${i.attrs.var.name}` : i.attrs.fn);
    expect(seq).toEqual(["randInit", "set rng", "randf", "randNext", "set rng"]);
    const [draw, upd] = [calls(k, "randf")[0], calls(k, "randNext")[0]];
    expect(upd.args).toEqual(draw.args);
  });

  test("print, raw loads, shapes", () => {
    const k = fn(kernel(`
  const i = tid();
  print("i=%d x=%f", i, a[i]);
  const f = load<f32>(buf, i * 4);
  const q = loadAt<vec3>(buf, 8, i);
  const w = buf.length + m.shape[1];`, "a: Array<f32>, buf: Array<u32>, m: Array2D<f32>"), "k");
    expect(ofOp(k, "print")[0].attrs.fmt).toBe("i=%d x=%f");
    expect(ofOp(k, "print")[0].args).toHaveLength(2);
    expect(ofOp(k, "araw").map((r) => typeName(r.type))).toEqual(["f32", "vec3"]);
    const mulConst = calls(k, "mul").find((c) => c.args[1].op === "const" && c.args[1].attrs.value === 12);
    expect(mulConst).toBeDefined();
  });

  test("@func parameters that are assigned become variables", () => {
    const mod = compile(`
@func function halve(x: f32, a: Array<f32>): f32 { x = x * 0.5; a[0] = x; return x; }
@kernel export function k(a: Array<f32>): void { a[1] = halve(a[0], a); }`);
    const f = fn(mod, "halve");
    expect(f.vars.map((v) => v.name)).toEqual(["x"]);
  });
});
