// Builtins in kernels, end to end: kernel source -> frontend -> pass pipeline -> the reference
// interpreter and the wasm backend (and CUDA where a device is present). Exact builtins must agree
// bit for bit across backends; library-backed transcendentals within 2 ulp. The random stream is
// also checked against a plain-TS transcription of docs/builtins.md.
//
// GPU hosts without Node: WEFT_GPU_BUNDLE=DIR npx vitest run test/builtins-backends writes DIR/prog.cu,
// a standalone CUDA program (the kernels as the CUDA backend generates them, the same inputs, the
// interpreter's outputs) that runs every kernel on the GPU and reports, per output slot, whether the
// results are bit-identical (exact builtins) or within the stated tolerance (library functions and
// FMA-contracted arithmetic): `nvcc -O3 -arch=native -std=c++17 prog.cu -o prog && ./prog`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { compileSource } from "../engine/lang/index.js";
import { lowerModule } from "../engine/passes/pipeline.js";

const SRC = `import { tid, Array, f32, f64, i32, u32, vec3, quat } from "weft/kernels";

@kernel
export function exactF32(x: Array<f32>, y: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const a = x[i], b = y[i];
  const o = 16 * i;
  out[o] = round(a); out[o + 1] = floor(a); out[o + 2] = ceil(b); out[o + 3] = trunc(b);
  out[o + 4] = min(a, b); out[o + 5] = max(a, b); out[o + 6] = clamp(a, -1.5, b);
  out[o + 7] = sign(a) + abs(b); out[o + 8] = copysign(a, b); out[o + 9] = fma(a, b, a - b);
  out[o + 10] = sqrt(abs(a)); out[o + 11] = rsqrt(abs(b) + 1);
  out[o + 12] = lerp(a, b, 0.25); out[o + 13] = smoothstep(-2, 3, a); out[o + 14] = step(b, a);
  out[o + 15] = isnan(a) || isinf(b) ? 1 : (isfinite(a) ? 2 : 3);
}

@kernel
export function exactF64(x: Array<f64>, out: Array<f64>): void {
  const i = tid();
  const a = x[i];
  out[4 * i] = round(a); out[4 * i + 1] = min(a, 0.5); out[4 * i + 2] = sqrt(abs(a)); out[4 * i + 3] = sign(a);
}

@kernel
export function ints(a: Array<i32>, b: Array<u32>, out: Array<i32>): void {
  const i = tid();
  const p = a[i], q = b[i];
  const o = 10 * i;
  out[o] = abs(p); out[o + 1] = sign(p); out[o + 2] = min(p, 7); out[o + 3] = max(p, -3);
  out[o + 4] = clamp(p, -100, 100); out[o + 5] = i32(clz(q)); out[o + 6] = i32(ctz(q)); out[o + 7] = i32(popcount(q));
  out[o + 8] = i32(f32AsU32(f32(p) * 0.5) >> 3); out[o + 9] = i32(max(q, 5 as u32) % 1000);
}

@kernel
export function geometry(v: Array<vec3>, w: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  const a = v[i], b = w[i];
  const q = normalize(quat(a.x, a.y, a.z, 1.0));
  const m = quatToMatrix(q);
  const r = quatRotate(q, b) - m * b;
  const t = transform(a, q);
  const back = transformPoint(transformInverse(t), transformPoint(t, b)) - b;
  const inv = inverse(m + diag(vec3(1, 2, 3)));
  const o = 12 * i;
  out[o] = dot(a, b); out[o + 1] = length(cross(a, b)); out[o + 2] = length(normalize(a));
  out[o + 3] = length(r); out[o + 4] = length(back); out[o + 5] = determinant(inv * (m + diag(vec3(1, 2, 3))) );
  out[o + 6] = maxComp(a); out[o + 7] = f32(argmin(b)); out[o + 8] = trace(outer(a, b));
  out[o + 9] = distance(a, b); out[o + 10] = length(quatRotateInv(q, quatRotate(q, b)) - b);
  out[o + 11] = dot(quatSlerp(q, quatIdentity(), 0.3), q);
}

@kernel
export function transcendental(x: Array<f32>, out: Array<f32>): void {
  const i = tid();
  const a = x[i];
  const o = 8 * i;
  out[o] = cbrt(a); out[o + 1] = tan(a * 0.1); out[o + 2] = asin(clamp(a * 0.05, -1, 1)); out[o + 3] = tanh(a * 0.2);
  out[o + 4] = exp2(a * 0.1); out[o + 5] = log10(abs(a) + 1); out[o + 6] = sinh(a * 0.05); out[o + 7] = atan(a);
}

@kernel
export function rng(seed: i32, f: Array<f32>, u: Array<u32>, r: Array<i32>): void {
  const i = tid();
  let rng = randInit(seed, i);
  f[4 * i] = randf(rng);
  f[4 * i + 1] = randn(rng);
  f[4 * i + 2] = randfRange(rng, -2.0, 3.0);
  f[4 * i + 3] = randn(rng);
  u[i] = randi(rng);
  r[i] = randiRange(rng, -5, 10);
}
`;

let m: wf.Module;
const backends: string[] = ["interp", "wasm"];
beforeAll(async () => {
  await wf.init();
  m = await wf.loadModule({ source: SRC, name: "builtins_e2e" });
  if (wf.devices().some((d) => d.isCuda)) backends.push("cuda");
});

const f32 = Math.fround;
type Kind = "f32" | "f64" | "i32" | "u32" | "vec3";
type Arg = { kind: Kind; data: number[]; out?: boolean } | { scalar: number; kind: "i32" | "f32" };
/**
 * One kernel launch: its arguments, and for the CUDA check the tolerance of each output slot
 * (output element k is slot k % per): 0 ulp = bit-identical; `abs` an absolute tolerance.
 */
interface Case { kernel: string; n: number; args: Arg[]; per: number; ulp?: Record<number, number>; abs?: Record<number, number> }

function lcg(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const outArr = (kind: Kind, n: number): Arg => ({ kind, data: new Array(n).fill(0), out: true });

function cases(): Record<string, Case> {
  const r = lcg(99);
  const n1 = 2000;
  const X = Array.from({ length: n1 }, (_, i) => f32(i < 8 ? [0.5, -0.5, 2.5, -2.5, 0.49999997, NaN, Infinity, -0][i] : (r() - 0.5) * 20));
  const Y = Array.from({ length: n1 }, (_, i) => f32(i % 7 === 0 ? X[i] : (r() - 0.5) * 8));
  const n2 = 500;
  const X64 = Array.from({ length: n2 }, (_, i) => (i < 3 ? [2.5, -0.5, 0.49999999999999994][i] : (r() - 0.5) * 1e3));
  const A = Array.from({ length: n2 }, (_, i) => (i < 3 ? [-2147483648, 0, -7][i] : Math.floor((r() - 0.5) * 2 ** 32)));
  const B = Array.from({ length: n2 }, (_, i) => (i < 2 ? [0, 0xffffffff][i] : Math.floor(r() * 2 ** 32)));
  const n3 = 300;
  const V = Array.from({ length: 3 * n3 }, () => f32((r() - 0.5) * 4)), W = Array.from({ length: 3 * n3 }, () => f32((r() - 0.5) * 4));
  const T = Array.from({ length: n1 }, () => f32((r() - 0.5) * 30));
  return {
    // lerp and smoothstep (slots 12, 13) are plain arithmetic, which CUDA contracts into FMAs
    // (lerp's a*(1-t) + b*t cancels near 0, so the tolerance is absolute).
    exactF32: { kernel: "exactF32", n: n1, per: 16, abs: { 12: 1e-5, 13: 1e-5 },
      args: [{ kind: "f32", data: X }, { kind: "f32", data: Y }, outArr("f32", 16 * n1)] },
    exactF64: { kernel: "exactF64", n: n2, per: 4, args: [{ kind: "f64", data: X64 }, outArr("f64", 4 * n2)] },
    ints: { kernel: "ints", n: n2, per: 10, args: [{ kind: "i32", data: A }, { kind: "u32", data: B }, outArr("i32", 10 * n2)] },
    // Vector algebra is FMA-contracted on CUDA: compared with absolute tolerances there.
    geometry: { kernel: "geometry", n: n3, per: 12, abs: Object.fromEntries(Array.from({ length: 12 }, (_, k) => [k, 2e-5])) as Record<number, number>,
      args: [{ kind: "vec3", data: V }, { kind: "vec3", data: W }, outArr("f32", 12 * n3)] },
    // CUDA's math library against the correctly rounded f32 result: 1-3 ulp, except tanf, which
    // was seen 20 ulp off on an H100 (CUDA 13.0).
    transcendental: { kernel: "transcendental", n: n1, per: 8, ulp: { 0: 2, 1: 32, 2: 4, 3: 4, 4: 4, 5: 4, 6: 4, 7: 4 },
      args: [{ kind: "f32", data: T }, outArr("f32", 8 * n1)] },
    random: { kernel: "rng", n: 1000, per: 4,
      args: [{ scalar: 1234, kind: "i32" }, outArr("f32", 4000), outArr("u32", 1000), outArr("i32", 1000)] },
  };
}

function dtypeOf(k: Kind): wf.DType {
  return ({ f32: wf.float32, f64: wf.float64, i32: wf.int32, u32: wf.uint32, vec3: wf.vec3 } as Record<Kind, wf.DType>)[k];
}

/** Runs a case on every backend; returns its output arrays (flat scalars) per backend. */
function runEverywhere(c: Case): Map<string, number[][]> {
  const res = new Map<string, number[][]>();
  for (const be of backends) {
    const device = be === "cuda" ? wf.devices().find((d) => d.isCuda)!.name : "cpu";
    const args = c.args.map((a) => ("scalar" in a ? a.scalar : wf.array(a.data, dtypeOf(a.kind)).to(device)));
    wf.launch(m.kernels[c.kernel], c.n, args, { backend: be as any, device });
    wf.synchronize();
    res.set(be, c.args.flatMap((a, k) => ("scalar" in a || !a.out ? [] : [Array.from((args[k] as wf.WeftArray).to("cpu").toTypedArray() as ArrayLike<number>)])));
  }
  return res;
}

const bits = (x: number) => { const b = new Float32Array([x]); return new Uint32Array(b.buffer)[0]; };
/** null when a and b agree bit for bit (NaNs as NaN); else the first difference, described. */
function firstDiff(a: number[], b: number[], per = 1): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if ((Number.isNaN(a[i]) && Number.isNaN(b[i])) || Object.is(a[i], b[i])) continue;
    const diffs = a.filter((x, k) => !((Number.isNaN(x) && Number.isNaN(b[k])) || Object.is(x, b[k]))).length;
    return `element ${i} (thread ${Math.floor(i / per)}, slot ${i % per}): ${a[i]} vs ${b[i]}; ${diffs} differ`;
  }
  return null;
}

const C = cases();
describe("builtins on every backend", () => {
  it("exact f32 builtins are bit-identical", () => {
    const res = runEverywhere(C.exactF32);
    const ref = res.get("interp")![0];
    expect(ref[0]).toBe(1); // round(0.5)
    expect(ref[1]).toBe(0); // floor(0.5)
    expect(ref[16]).toBe(-1); // round(-0.5)
    expect(ref[16 * 2]).toBe(3); // round(2.5)
    expect(ref[16 * 3]).toBe(-3); // round(-2.5)
    expect(ref[16 * 4]).toBe(0); // round(0.49999997)
    for (const [be, outs] of res) {
      // CUDA contracts lerp and smoothstep (slots 12, 13) into FMAs: those within C.exactF32.abs.
      const tol = be === "cuda" ? C.exactF32.abs! : {};
      const strip = (xs: number[]) => xs.map((v, k) => ((k % 16) in tol ? 0 : v));
      expect(firstDiff(strip(outs[0]), strip(ref), 16), `${be} vs interp`).toBeNull();
      outs[0].forEach((v, k) => {
        if (!((k % 16) in tol) || (Number.isNaN(v) && Number.isNaN(ref[k]))) return;
        expect(Math.abs(v - ref[k]), `${be} slot ${k % 16}`).toBeLessThan(tol[k % 16]);
      });
    }
  });

  it("exact f64 and integer builtins are bit-identical", () => {
    const r64 = runEverywhere(C.exactF64), ri = runEverywhere(C.ints);
    expect(r64.get("interp")![0].slice(0, 1)).toEqual([3]);
    expect(ri.get("interp")![0].slice(0, 2)).toEqual([-2147483648, -1]);
    expect(ri.get("interp")![0][5]).toBe(32); // clz(0)
    expect(ri.get("interp")![0][6]).toBe(32); // ctz(0)
    expect(ri.get("interp")![0][17]).toBe(32); // popcount(0xffffffff)
    for (const be of backends) {
      expect(firstDiff(r64.get(be)![0], r64.get("interp")![0], 4), be).toBeNull();
      expect(ri.get(be)![0]).toEqual(ri.get("interp")![0]);
    }
  });

  it("vector, matrix, quaternion and transform builtins agree (and are right)", () => {
    const c = C.geometry, V = (c.args[0] as { data: number[] }).data, W = (c.args[1] as { data: number[] }).data;
    const res = runEverywhere(c);
    const ref = res.get("interp")![0];
    for (let i = 0; i < c.n; i++) {
      const a = V.slice(3 * i, 3 * i + 3), b = W.slice(3 * i, 3 * i + 3), o = 12 * i;
      expect(ref[o]).toBeCloseTo(a[0] * b[0] + a[1] * b[1] + a[2] * b[2], 4);
      expect(ref[o + 2]).toBeCloseTo(1, 5);
      expect(Math.abs(ref[o + 3])).toBeLessThan(1e-5);
      expect(Math.abs(ref[o + 4])).toBeLessThan(1e-4);
      expect(ref[o + 5]).toBeCloseTo(1, 3);
      expect(ref[o + 6]).toBe(Math.max(...a));
      expect(ref[o + 7]).toBe(b.indexOf(Math.min(...b)));
      expect(ref[o + 8]).toBeCloseTo(a[0] * b[0] + a[1] * b[1] + a[2] * b[2], 4);
      expect(Math.abs(ref[o + 10])).toBeLessThan(1e-5);
    }
    // No library functions here except the slerp's acos/sin: the rest is exact arithmetic, which
    // wasm never contracts (CUDA does: see the GPU bundle's tolerances).
    for (const [be, outs] of res) {
      const o = outs[0];
      for (let k = 0; k < o.length; k++) {
        if (k % 12 === 11 || be === "cuda") expect(Math.abs(o[k] - ref[k])).toBeLessThan(2e-5);
        else expect(Object.is(o[k], ref[k]) || bits(o[k]) === bits(ref[k]), `${be}[${k}] ${o[k]} vs ${ref[k]}`).toBe(true);
      }
    }
  });

  it("library transcendentals stay within 2 ulp of the interpreter", () => {
    const res = runEverywhere(C.transcendental);
    const ref = res.get("interp")![0];
    for (const [be, outs] of res) {
      const worst = new Array(8).fill(0);
      outs[0].forEach((v, k) => { worst[k % 8] = Math.max(worst[k % 8], Math.abs(bits(v) - bits(ref[k]))); });
      expect(worst.map((w, k) => (w > (be === "cuda" ? C.transcendental.ulp![k] : 2) ? `slot ${k}: ${w} ulp` : "")).filter(Boolean), be).toEqual([]);
    }
  });

  it("random streams are bit-identical and follow the documented generator", () => {
    const res = runEverywhere(C.random);
    const n = C.random.n;
    const [F, U, R] = res.get("interp")!;
    const pcg = (x: number) => {
      const s = (Math.imul(x, 747796405) + 2891336453) >>> 0;
      const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
      return ((w >>> 22) ^ w) >>> 0;
    };
    for (let i = 0; i < n; i++) {
      let s = pcg((1234 ^ pcg(i)) >>> 0);
      s = pcg(s);
      expect(F[4 * i]).toBe(f32((s >>> 8) * 2 ** -24));
      s = pcg(pcg(s)); // randn: two draws
      s = pcg(s);
      expect(F[4 * i + 2]).toBe(f32(-2 + f32(5 * f32((s >>> 8) * 2 ** -24))));
      s = pcg(pcg(s));
      s = pcg(s);
      expect(U[i]).toBe(s);
      s = pcg(s);
      expect(R[i]).toBe(-5 + (s % 15));
    }
    for (const [be, outs] of res) {
      expect(firstDiff(outs[0], F, 4), `${be} floats`).toBeNull();
      expect(outs[1]).toEqual(U);
      expect(outs[2]).toEqual(R);
    }
  });
});

// --- the standalone GPU check ---------------------------------------------------------------------

const CTYPE: Record<Kind, string> = { f32: "float", f64: "double", i32: "int32_t", u32: "uint32_t", vec3: "float" };
const BYTES: Record<Kind, number> = { f32: 4, f64: 8, i32: 4, u32: 4, vec3: 12 };
const lit = (k: Kind, v: number) => {
  const num = (x: number) => (Object.is(x, -0) ? "-0.0" : /^-?\d+$/.test(String(x)) ? `${x}.0` : String(x));
  if (k === "f32" || k === "vec3") return Number.isNaN(v) ? "hf(0x7fc00000u)" : !Number.isFinite(v) ? (v > 0 ? "hf(0x7f800000u)" : "hf(0xff800000u)") : `${num(v)}f`;
  if (k === "f64") return Number.isNaN(v) ? "hd(0x7ff8000000000000ull)" : !Number.isFinite(v) ? (v > 0 ? "hd(0x7ff0000000000000ull)" : "hd(0xfff0000000000000ull)") : num(v);
  return k === "u32" ? `${v >>> 0}u` : `(int32_t)${v | 0}`;
};

function bundleSource(): string {
  const kernels = lowerModule(compileSource(SRC, "builtins_e2e.ts"), { dump: false });
  const gen = generateCuda(kernels as any, {} as any) as { source: string };
  const out: string[] = [gen.source, "", "// ---- standalone check (test/builtins-backends.test.ts) ----",
    "#include <cstdio>", "#include <cstring>", "#include <cstdlib>", "#include <cmath>",
    "static int64_t ulps(float a, float b) { int32_t x, y; memcpy(&x, &a, 4); memcpy(&y, &b, 4); if (x < 0) x = INT32_MIN - x; if (y < 0) y = INT32_MIN - y; return llabs((int64_t)x - y); }",
    "static int64_t ulps(double a, double b) { int64_t x, y; memcpy(&x, &a, 8); memcpy(&y, &b, 8); if (x < 0) x = INT64_MIN - x; if (y < 0) y = INT64_MIN - y; int64_t d = x - y; return d < 0 ? -d : d; }",
    "static int64_t ulps(int32_t a, int32_t b) { return a == b ? 0 : 1 << 30; }",
    "static int64_t ulps(uint32_t a, uint32_t b) { return a == b ? 0 : 1 << 30; }",
    "template <class T> static bool isnanv(T v) { return v != v; }",
    "static float hf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }",
    "static double hd(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }",
    "static int failures = 0;",
    "template <class T> static void check(const char* what, const T* got, const T* want, int count, int per, const int* ulpTol, const double* absTol) {",
    "  int bad = 0; int64_t worst[16] = {0};",
    "  for (int i = 0; i < count; ++i) {",
    "    int s = i % per; if (isnanv(got[i]) && isnanv(want[i])) continue;",
    "    int64_t u = ulps(got[i], want[i]); if (u > worst[s]) worst[s] = u;",
    "    if (u <= ulpTol[s]) continue;",
    "    if (absTol[s] > 0 && fabs((double)got[i] - (double)want[i]) <= absTol[s]) continue;",
    '    if (bad++ < 3) printf("  MISMATCH %s[%d] (thread %d, slot %d): gpu %.9g vs interpreter %.9g (%lld ulp)\\n", what, i, i / per, s, (double)got[i], (double)want[i], (long long)u);',
    "  }",
    '  printf("%-22s %s  %d/%d elements outside tolerance; worst ulp per slot:", what, bad ? "FAIL" : "ok  ", bad, count);',
    '  for (int s = 0; s < per; ++s) printf(" %lld", (long long)worst[s]); printf("\\n"); failures += bad;',
    "}",
    '#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("CUDA error %s at %s:%d\\n", cudaGetErrorString(e), __FILE__, __LINE__); exit(2); } } while (0)',
  ];
  const main: string[] = ["int main() {"];
  for (const [name, c] of Object.entries(C)) {
    const res = runEverywhere({ ...c });
    const expected = res.get("interp")!;
    const per = c.per;
    const ulpTol = Array.from({ length: per }, (_, k) => c.ulp?.[k] ?? 0), absTol = Array.from({ length: per }, (_, k) => c.abs?.[k] ?? 0);
    out.push(`static const int tolU_${name}[] = {${ulpTol.join(", ")}};`, `static const double tolA_${name}[] = {${absTol.join(", ")}};`);
    const callArgs: string[] = [];
    main.push(`  { // ${name}`, `    weft_dims dims = {{${c.n}, 1, 1, 1}, ${c.n}, 1};`);
    let outK = 0;
    c.args.forEach((a, k) => {
      if ("scalar" in a) { callArgs.push(lit(a.kind, a.scalar)); return; }
      const ct = CTYPE[a.kind], count = a.data.length, elems = a.kind === "vec3" ? count / 3 : count;
      main.push(`    ${ct}* d${k}; CK(cudaMalloc(&d${k}, ${count} * sizeof(${ct})));`);
      if (a.out) main.push(`    CK(cudaMemset(d${k}, 0, ${count} * sizeof(${ct})));`);
      else {
        out.push(`static const ${ct} in_${name}_${k}[] = {${a.data.map((v) => lit(a.kind, v)).join(", ")}};`);
        main.push(`    CK(cudaMemcpy(d${k}, in_${name}_${k}, sizeof(in_${name}_${k}), cudaMemcpyHostToDevice));`);
      }
      main.push(`    weft_array a${k} = {(char*)d${k}, nullptr, {${elems}, 1, 1, 1}, {${BYTES[a.kind]}, 0, 0, 0}};`);
      callArgs.push(`a${k}`);
      if (a.out) {
        const want = expected[outK++];
        out.push(`static const ${ct} want_${name}_${k}[] = {${want.map((v) => lit(a.kind, v)).join(", ")}};`);
      }
    });
    main.push(`    ${c.kernel}<<<${Math.ceil(c.n / 128)}, 128>>>(dims, ${callArgs.join(", ")});`, "    CK(cudaGetLastError()); CK(cudaDeviceSynchronize());");
    c.args.forEach((a, k) => {
      if ("scalar" in a || !a.out) return;
      const ct = CTYPE[a.kind], count = a.data.length;
      const perK = count === c.n ? 1 : per;
      main.push(`    { static ${ct} got[${count}]; CK(cudaMemcpy(got, d${k}, sizeof(got), cudaMemcpyDeviceToHost));`,
        `      check("${name}.${k}", got, want_${name}_${k}, ${count}, ${perK}, tolU_${name}, tolA_${name}); }`);
    });
    main.push("  }");
  }
  main.push('  printf(failures ? "GPU CHECK FAILED\\n" : "GPU CHECK PASSED\\n");', "  return failures ? 1 : 0;", "}");
  return [...out, ...main].join("\n") + "\n";
}

const bundleDir = process.env.WEFT_GPU_BUNDLE;
describe.runIf(!!bundleDir)("GPU bundle", () => {
  it("writes the standalone CUDA check", () => {
    mkdirSync(bundleDir!, { recursive: true });
    writeFileSync(join(bundleDir!, "prog.cu"), bundleSource());
  });
});
