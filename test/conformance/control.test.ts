// Conformance: control flow (if/else chains, for, while, do-while, break, continue, early return,
// switch with fallthrough, nested loops) with per-thread trip counts, so that SIMD lanes disagree,
// and @func device functions (overloads, functions calling functions, by-value parameters, arrays
// by reference, early returns from loops). Each kernel is mirrored by a plain-TS reference.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectComposite, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, i32, f32, vec3, dot } from "weft/kernels";

@kernel
export function branches(out: Array<i32>): void {
  const i = tid();
  let r = 0;
  if (i % 3 == 0) r = 1;
  else if (i % 3 == 1) { r = 2; }
  else r = 3;
  if (i > 10 && i < 20) r += 10;
  if (i < 5 || i > 60) { r += 100; } else { r -= 1; }
  if (!(i == 7)) r += 1000;
  if (i % 2 == 0) { if (i % 4 == 0) { r *= 2; } else { r *= 3; } }
  out[i] = r;
}

@kernel
export function loops(out: Array<i32>): void {
  const i = tid();
  let acc = 0;
  for (let j = 0; j < i; j++) {
    if (j % 4 == 3) continue;
    if (j * j > 3 * i) break;
    acc += j;
  }
  let w = i, steps = 0;
  while (w != 1 && w > 0) { w = w % 2 == 0 ? w / 2 : 3 * w + 1; steps++; }
  let d = 0;
  do { d += 3; } while (d < i);
  let once = 0;
  do { once++; } while (false);
  let cnt = 0;
  for (let a = 0; a < 8; a++) {
    for (let b = 0; b < 8; b++) {
      if (b > a) break;
      if ((a + b + i) % 3 == 0) continue;
      cnt += a * b;
    }
    if (cnt > i * 10) break;
  }
  let k = 0, t = 0;
  while (true) { k++; if (k % 2 == 1) continue; t += k; if (k >= i) break; }
  let down = 0;
  for (let j = i; j > 0; j -= 3) down++;
  out[6 * i] = acc; out[6 * i + 1] = steps; out[6 * i + 2] = d + once * 1000;
  out[6 * i + 3] = cnt; out[6 * i + 4] = t; out[6 * i + 5] = down;
}

@kernel
export function early(out: Array<i32>, found: Array<i32>): void {
  const i = tid();
  out[i] = -1;
  if (i % 5 == 0) return;
  out[i] = i;
  if (i % 2 == 0) return;
  out[i] = -i;
  for (let j = 0; j < 100; j++) {
    if (j * j >= i) { found[i] = j; return; }
  }
  found[i] = 999;
}

@kernel
export function switches(out: Array<i32>): void {
  const i = tid();
  let r = 0;
  switch (i % 7) {
    case 0: r = 10; break;
    case 1: r = 20;
    case 2: r += 5; break;
    case 3:
    case 4: r = 40; break;
    default: r = -1;
  }
  let acc = 0;
  for (let j = 0; j < i % 9; j++) {
    switch (j % 3) {
      case 0: acc += 1; break;
      case 1: continue;
      default: acc += 100;
    }
    acc += 1000;
  }
  let s = 0;
  switch (i) { case 5: s = 5; default: s += 1; }
  out[3 * i] = r; out[3 * i + 1] = acc; out[3 * i + 2] = s;
}

@func function sq(x: f32): f32 { return x * x; }
@func function sq(x: i32): i32 { return x * x; }
@func function sq(v: vec3): f32 { return dot(v, v); }
@func function sumSq(a: f32, b: f32): f32 { return sq(a) + sq(b); }
@func function hyp(a: f32, b: f32, c: f32): f32 { return sumSq(a, b) + sq(vec3(c, 0, 0)); }
@func function bump(x: i32): i32 { x += 100; x *= 2; return x; }
@func function fill(a: Array<i32>, at: i32, v: i32): void { a[at] = v; }
@func function firstAbove(a: Array<i32>, limit: i32): i32 {
  for (let k = 0; k < a.length; k++) {
    if (a[k] > limit) return k;
  }
  return -1;
}
@func function classify(x: i32): i32 {
  if (x < 0) return -1;
  else if (x == 0) return 0;
  while (x > 10) { x -= 10; if (x == 13) return 13; }
  return x;
}

@kernel
export function funcs(data: Array<i32>, outI: Array<i32>, outF: Array<f32>): void {
  const i = tid();
  const x = f32(i) * 0.5;
  outF[2 * i] = hyp(x, 2.0, f32(i));
  outF[2 * i + 1] = sq(x) + sq(vec3(x, 1, 2));
  const v = i - 3;
  const b = bump(v);
  outI[5 * i] = sq(v);
  outI[5 * i + 1] = b + v;
  outI[5 * i + 2] = firstAbove(data, i);
  outI[5 * i + 3] = classify(i * 7 - 20);
  fill(outI, 5 * i + 4, sq(i) + 1);
}

// A division guarded by a branch must not run for threads that do not take the branch.
// (The float arithmetic makes the kernel worth vectorizing on wasm, where lanes run 4 threads.)
@kernel
export function guardedDiv(a: Array<i32>, b: Array<i32>, out: Array<i32>, f: Array<f32>): void {
  const i = tid();
  const x = a[i], y = b[i];
  if (y != 0) { out[i] = x / y; }
  let s = f[i];
  s = s * s + 0.5; s = s * 0.25 + s * s; s = s * s - 1.0; s = s * 3.0 + s; s = s * s + s;
  f[i] = s;
}
`;

const N = 64;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(BACKEND_NAMES)("control flow on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_control")); });

  it("if / else if / else, && || ! conditions, nested ifs", () => {
    expectExact(c.run("branches", N, wf.int32, [], N), range(N).map((i) => {
      let r = i % 3 === 0 ? 1 : i % 3 === 1 ? 2 : 3;
      if (i > 10 && i < 20) r += 10;
      if (i < 5 || i > 60) r += 100; else r -= 1;
      if (i !== 7) r += 1000;
      if (i % 2 === 0) r *= i % 4 === 0 ? 2 : 3;
      return r;
    }));
  });

  it("for / while / do-while with break and continue, nested loops, while(true), per-thread trip counts", () => {
    expectExact(c.run("loops", 6 * N, wf.int32, [], N), range(N).flatMap((i) => {
      let acc = 0;
      for (let j = 0; j < i; j++) { if (j % 4 === 3) continue; if (j * j > 3 * i) break; acc += j; }
      let w = i, steps = 0;
      while (w !== 1 && w > 0) { w = w % 2 === 0 ? w / 2 : 3 * w + 1; steps++; }
      let d = 0; do { d += 3; } while (d < i);
      let cnt = 0;
      for (let a = 0; a < 8; a++) {
        for (let b = 0; b < 8; b++) { if (b > a) break; if ((a + b + i) % 3 === 0) continue; cnt += a * b; }
        if (cnt > i * 10) break;
      }
      let k = 0, t = 0;
      while (true) { k++; if (k % 2 === 1) continue; t += k; if (k >= i) break; }
      let down = 0; for (let j = i; j > 0; j -= 3) down++;
      return [acc, steps, d + 1000, cnt, t, down];
    }));
  });

  it("early return from a kernel, also from inside a loop", () => {
    const out = c.zeros(N, wf.int32), found = c.zeros(N, wf.int32);
    c.launch("early", N, [out, found]);
    expectExact(values(out), range(N).map((i) => (i % 5 === 0 ? -1 : i % 2 === 0 ? i : -i)));
    expectExact(values(found), range(N).map((i) => (i % 5 === 0 || i % 2 === 0 ? 0 : Math.ceil(Math.sqrt(i)))));
  });

  it("switch: fallthrough, grouped cases, default, break vs continue inside loops", () => {
    expectExact(c.run("switches", 3 * N, wf.int32, [], N), range(N).flatMap((i) => {
      let r = 0;
      switch (i % 7) { case 0: r = 10; break; case 1: r = 20; case 2: r += 5; break; case 3: case 4: r = 40; break; default: r = -1; }
      let acc = 0;
      for (let j = 0; j < i % 9; j++) {
        switch (j % 3) { case 0: acc += 1; break; case 1: continue; default: acc += 100; }
        acc += 1000;
      }
      let s = 0;
      switch (i) { case 5: s = 5; default: s += 1; }
      return [r, acc, s];
    }));
  });

  it("@func: overloads by parameter type, functions calling functions, by-value parameters, arrays by reference, early returns", () => {
    const data = [3, 9, 1, 17, 40, 2, 63, 5];
    const outI = c.zeros(5 * N, wf.int32), outF = c.zeros(2 * N);
    c.launch("funcs", N, [c.array(data, wf.int32), outI, outF]);
    const classify = (x: number) => {
      if (x < 0) return -1; else if (x === 0) return 0;
      while (x > 10) { x -= 10; if (x === 13) return 13; }
      return x;
    };
    expectExact(values(outI), range(N).flatMap((i) => {
      const v = i - 3;
      return [v * v, (v + 100) * 2 + v, data.findIndex((d) => d > i), classify(i * 7 - 20), i * i + 1];
    }));
    expectExact(values(outF), range(N).flatMap((i) => {
      const x = fr(i * 0.5), sq = (a: number) => fr(a * a);
      const dot3 = (a: number, b: number, cc: number) => fr(fr(fr(a * a) + fr(b * b)) + fr(cc * cc));
      return [fr(fr(sq(x) + sq(2)) + dot3(i, 0, 0)), fr(sq(x) + dot3(x, 1, 2))];
    }));
  });

  // Regression (wasm SIMD): integer division inside a branch must not trap for lanes of a 4-thread
  // group whose guard is false (the SIMD entry is picked here: the float work makes it).
  it("a division guarded by `if (y != 0)` never runs for threads that skip the branch", () => {
    const a = range(16).map((i) => i + 2), b = range(16).map((i) => i % 2), xs = range(16).map((i) => fr(i * 0.125));
    const out = c.zeros(16, wf.int32), f = c.array(xs);
    c.launch("guardedDiv", 16, [c.array(a, wf.int32), c.array(b, wf.int32), out, f]);
    expectExact(values(out), a.map((x, i) => (b[i] ? Math.trunc(x / b[i]) : 0)));
    // (CUDA may contract the float arithmetic into FMAs: within 1e-5 there.)
    expectComposite(backend, values(f), xs.map((x) => {
      let s = fr(fr(x * x) + 0.5); s = fr(fr(s * 0.25) + fr(s * s)); s = fr(fr(s * s) - 1); s = fr(fr(s * 3) + s); return fr(fr(s * s) + s);
    }));
  });
});

describe("the frontend rejects recursion at the call site", () => {
  it("direct and mutual recursion are compile errors naming the function", async () => {
    const src = `
@func function f(x: i32): i32 { return x > 0 ? g(x - 1) : 0; }
@func function g(x: i32): i32 { return f(x); }
@kernel export function k(out: Array<i32>): void { out[tid()] = f(3); }`;
    await expect(loadFor("interp", src, "conf_recursion")).rejects.toThrow(/recurs/i);
  });
});
