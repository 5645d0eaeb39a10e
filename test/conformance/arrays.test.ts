// Conformance: arrays of 1-4 dimensions (a[i, j] and a[i][j] indexing, .shape[d], .length),
// 1-4-D thread ids, arrays of vectors/bools, array views (slices and reshapes share storage),
// arrays passed to @funcs, fixed local arrays (StaticArray of scalars, vec3 and structs, used as a
// traversal stack), and raw reads `load<T>` / `loadAt<T>` from a u32 byte buffer.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, bitsF32, expectExact, f32Bits, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, Array2D, Array3D, Array4D, StaticArray, f32, f64, i32, u32, u64, vec2, vec3, bool } from "weft/kernels";

@struct class Pair { a: i32; b: f32; }

@kernel
export function dims1(a: Array<f32>, out: Array<f32>, meta: Array<i32>): void {
  const i = tid();
  out[i] = a[i] * 2.0 + a[a.length - 1 - i];
  if (i == 0) { meta[0] = a.length; meta[1] = a.shape[0]; meta[2] = out.length; }
}

@func function rowSum(g: Array2D<f32>, r: i32): f32 {
  let s: f32 = 0.0;
  for (let k = 0; k < g.shape[1]; k++) s += g[r, k];
  return s;
}

@kernel
export function dims2(g: Array2D<f32>, out: Array2D<f32>, sums: Array<f32>): void {
  const [i, j] = tid();
  out[i, j] = g[i][j] * 2.0 + f32(g.shape[0] * 100 + g.shape[1]);
  if (j == 0) sums[i] = rowSum(g, i);
}

@kernel
export function dims3(g: Array3D<i32>): void {
  const [i, j, k] = tid();
  g[i, j, k] = i * 10000 + j * 100 + k + g.shape[2] * 1000000;
  g[i][j][k] += 1;
}

@kernel
export function dims4(g: Array4D<vec2>, out: Array4D<vec2>): void {
  const [i, j, k, l] = tid();
  const v = g[i, j, k, l];
  out[i][j][k][l] = vec2(v.x + f32(i * 1000 + j * 100 + k * 10 + l), f32(g.shape[0] + g.shape[1] * 10 + g.shape[2] * 100 + g.shape[3] * 1000));
}

@kernel
export function flat2(out: Array<i32>, bools: Array<bool>, u: Array<u32>): void {
  const [i, j] = tid();
  const n = i * 7 + j;                    // a 2-D launch writing a 1-D array
  out[n] = u32(u[i32(u32(n) % 3)]) > 5 ? n : -n;
  bools[n] = (n % 3 == 0) || bools[n];
}

@kernel
export function stacks(out: Array<i32>, outV: Array<vec3>, outP: Array<f32>): void {
  const i = tid();
  const st = new StaticArray<i32>(32);
  let top = 0, visited = 0, sum = 0;
  st[top++] = i;
  while (top > 0) {                       // depth-first walk of the subtree of node i (31 nodes)
    const n = st[--top];
    visited++; sum += n;
    if (2 * n + 2 < 31) { st[top++] = 2 * n + 2; st[top++] = 2 * n + 1; }
  }
  const vs = new StaticArray<vec3>(4);
  for (let k = 0; k < vs.length; k++) vs[k] = vec3(f32(k), f32(i), 0);
  vs[2].z = 5; vs[1] += vec3(1); vs[i % 4].y *= 3.0;
  const ps = new StaticArray<Pair>(3);
  ps[1].a = i; ps[2] = { a: 7, b: 0.5 }; ps[0].b = ps[2].b + f32(ps[1].a);
  const zs = new StaticArray<f64>(5);
  out[4 * i] = visited; out[4 * i + 1] = sum; out[4 * i + 2] = st.length + i32(zs[4]); out[4 * i + 3] = ps[1].a + ps[2].a;
  for (let k = 0; k < 4; k++) outV[4 * i + k] = vs[k];
  outP[i] = ps[0].b;
}

@kernel
export function raw(buf: Array<u32>, off: i32, outF: Array<f32>, outI: Array<i32>, outU: Array<u64>): void {
  const i = tid();
  outF[i] = loadAt<f32>(buf, off, i);
  outI[i] = load<i32>(buf, off + 16 + 4 * i);
  if (i == 0) {
    outU[0] = load<u64>(buf, 48);
    outF[4] = load<f32>(buf, 4);
  }
}
`;

// load<vec3> / loadAt<vec3>: a composite raw read is one scalar raw read per component.
const RAW_VEC = `
@kernel
export function rawVec(buf: Array<u32>, off: i32, outV: Array<vec3>): void {
  outV[tid()] = load<vec3>(buf, off) + loadAt<vec3>(buf, off, 1);
}
`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(BACKEND_NAMES)("arrays on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_arrays")); });

  it("1-D: .length, .shape[0]; views from slice() and reshape() share storage", () => {
    const xs = range(10).map((k) => fr(k * 1.5 - 2));
    const a = c.array(xs), out = c.zeros(10), meta = c.zeros(3, wf.int32);
    c.launch("dims1", 10, [a, out, meta]);
    expectExact(values(out), xs.map((x, i) => fr(fr(x * 2) + xs[9 - i])));
    expectExact(values(meta), [10, 10, 10]);
    const view = a.slice(3, 7), vout = out.slice(2, 6);
    c.launch("dims1", 4, [view, vout, meta]);
    const vx = xs.slice(3, 7);
    expectExact(values(out).slice(2, 6), vx.map((x, i) => fr(fr(x * 2) + vx[3 - i])));
    expectExact(values(meta), [4, 4, 4]);
    const g = c.array(range(12).map((k) => k), wf.float32).reshape([3, 4]);
    expect(g.shape).toEqual([3, 4]);
  });

  it("2-D: g[i, j] and g[i][j], .shape[d], 2-D tid, Array2D passed to a @func", () => {
    const R = 5, C = 7;
    const src = range(R).map((i) => range(C).map((j) => fr(i * 0.5 - j * 0.25)));
    const g = c.array(src, wf.float32), out = c.zeros([R, C]), sums = c.zeros(R);
    c.launch("dims2", [R, C], [g, out, sums]);
    expectExact(values(out), src.flat().map((x) => fr(fr(x * 2) + 507)));
    expectExact(values(sums), src.map((row) => row.reduce((s, x) => fr(s + x), 0)));
  });

  it("3-D: row-major layout, compound assignment through g[i][j][k]", () => {
    const g = c.zeros([3, 4, 5], wf.int32);
    c.launch("dims3", [3, 4, 5], [g]);
    const want: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) want.push(i * 10000 + j * 100 + k + 5000000 + 1);
    expectExact(values(g), want);
  });

  it("4-D arrays of vec2 and 4-D tid", () => {
    const S = [2, 3, 2, 4], n = S.reduce((a, b) => a * b);
    const src = range(n * 2).map((k) => fr(k * 0.125));
    const g = c.array(src, wf.vec2, S), out = c.zeros(S, wf.vec2);
    c.launch("dims4", S, [g, out]);
    const want: number[] = [];
    let e = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) for (let l = 0; l < 4; l++, e++)
      want.push(fr(src[2 * e] + (i * 1000 + j * 100 + k * 10 + l)), 2 + 30 + 200 + 4000);
    expectExact(values(out), want);
  });

  it("a 2-D launch over 1-D arrays; bool arrays; u32 values as indices (cast to i32)", () => {
    const out = c.zeros(28, wf.int32), bools = c.array(range(28).map((k) => k === 4), wf.bool), u = c.array([9, 2, 6], wf.uint32);
    c.launch("flat2", [4, 7], [out, bools, u]);
    expectExact(values(out), range(28).map((n) => ([9, 2, 6][n % 3] > 5 ? n : -n)));
    expectExact(values(bools), range(28).map((n) => +(n % 3 === 0 || n === 4)));
  });

  it("StaticArray: a traversal stack, .length, vec3 and struct elements (zero-initialized, component writes)", () => {
    const N = 31;
    const out = c.zeros(4 * N, wf.int32), outV = c.zeros(4 * N, wf.vec3), outP = c.zeros(N);
    c.launch("stacks", N, [out, outV, outP]);
    const walk = (n: number): [number, number] => {
      if (2 * n + 2 >= 31) return [1, n];
      const [a, s] = walk(2 * n + 1), [b, t] = walk(2 * n + 2);
      return [1 + a + b, n + s + t];
    };
    expectExact(values(out), range(N).flatMap((i) => [...walk(i), 32, i + 7]));
    expectExact(values(outV), range(N).flatMap((i) => {
      const vs = range(4).map((k) => [k, i, 0]);
      vs[2][2] = 5; vs[1] = vs[1].map((x) => x + 1); vs[i % 4][1] *= 3;
      return vs.flat();
    }));
    expectExact(values(outP), range(N).map((i) => fr(0.5 + i)));
  });

  it("load<T> and loadAt<T> read numbers and vectors at run-time byte offsets of a u32 buffer", () => {
    const words = new Uint32Array(16);
    const fs = [1.5, -2.25, 1e-3, 7].map(fr);
    fs.forEach((f, k) => { words[2 + k] = f32Bits(f); });            // f32 at bytes 8..23
    [11, -12, 13, -14].forEach((v, k) => { words[6 + k] = v >>> 0; }); // i32 at bytes 24..39 (overlaps the vec3 below)
    words[1] = f32Bits(fr(0.1));
    const big = 0x0123456789abcdefn;
    words[12] = Number(big & 0xffffffffn); words[13] = Number(big >> 32n);
    const buf = c.array(words, wf.uint32);
    const outF = c.zeros(5), outI = c.zeros(4, wf.int32), outU = c.zeros(1, wf.uint64);
    c.launch("raw", 4, [buf, 8, outF, outI, outU]);
    expectExact(values(outF), [...fs, fr(0.1)]);
    expectExact(values(outI), [11, -12, 13, -14]);
    expectExact(values(outU), [big]);
  });

  it("load<vec3> and loadAt<vec3> read vectors from a u32 buffer", async () => {
    const m = await loadFor(backend, RAW_VEC, "conf_arrays_rawvec");
    const words = Uint32Array.from(range(8).map((k) => f32Bits(fr(k * 1.25 - 3))));
    const outV = wf.zeros(1, { dtype: wf.vec3, device: c.device });
    wf.launch(m.kernels.rawVec, 1, [c.array(words, wf.uint32), 4, outV], { backend });
    const f = (k: number) => bitsF32(words[k]);
    expectExact(values(outV), [fr(f(1) + f(4)), fr(f(2) + f(5)), fr(f(3) + f(6))]);
  });
});
