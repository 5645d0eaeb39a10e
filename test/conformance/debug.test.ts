// Conformance: debug mode (`loadModule(..., { debug: true })`) — out-of-bounds reads, writes and
// atomics on 1-D and 2-D arrays, local-array and raw-read overruns raise a KernelTrap that names the
// kernel, the argument (or local array) and the index, on every backend; guarded accesses
// (`i < n ? a[i] : 0`, `i < a.length && a[i] > 0`) never fault; the backend stays usable.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectExact, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, Array2D, StaticArray, f32, i32, u32, vec3, atomicAdd } from "weft/kernels";

@kernel
export function readPast(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = x[i == 3 ? 7 : i];
}

@kernel
export function writeBefore(y: Array<f32>): void {
  const i = tid();
  y[i - 1] = 1.0;
}

@kernel
export function grid(g: Array2D<i32>): void {
  const [i, j] = tid();
  g[i, j + i] = 1;
}

@kernel
export function atomicPast(counts: Array<i32>): void {
  const i = tid();
  atomicAdd(counts, i * 2, 1);
}

@kernel
export function localPast(out: Array<i32>, k: i32): void {
  const st = new StaticArray<i32>(8);
  st[k] = 5;
  out[0] = st[0];
}

@kernel
export function rawPast(buf: Array<u32>, out: Array<f32>, off: i32): void {
  out[0] = load<f32>(buf, off);
}

@kernel
export function guarded(a: Array<f32>, out: Array<f32>, n: i32): void {
  const i = tid();
  const v = i < n ? a[i] : -1.0;
  const pos = i < a.length && a[i] > 0.0;
  out[i] = v + (pos ? 10.0 : 0.0);
}
`;

describe.each(BACKEND_NAMES)("debug mode on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_debug", { debug: true })); });
  const trap = (kernel: string, dims: number | number[], args: any[]): Error => {
    try { c.launch(kernel, dims, args); } catch (e) {
      wf.synchronize();
      expect(e).toBeInstanceOf(wf.KernelTrap);
      return e as Error;
    }
    throw new Error(`launch of ${kernel} did not raise`);
  };

  it("an out-of-bounds read names the kernel, the argument, the index, the axis and its size", () => {
    const e = trap("readPast", 4, [c.zeros(4), c.zeros(4)]);
    expect(e.message).toMatch(/index 7 out of bounds for axis 0 with size 4/);
    expect(e.message).toMatch(/'x'/);
    expect(e.message).toMatch(/'readPast'/);
  });

  it("an out-of-bounds write with a negative index", () => {
    const e = trap("writeBefore", 3, [c.zeros(3)]);
    expect(e.message).toMatch(/index -1 out of bounds for axis 0 with size 3.*'y'|'y'.*index -1/s);
    expect(e.message).toMatch(/'writeBefore'/);
  });

  it("2-D arrays: the failing axis is named", () => {
    const e = trap("grid", [3, 3], [c.zeros([3, 3], wf.int32)]);
    expect(e.message).toMatch(/index [345] out of bounds for axis 1 with size 3/);
    expect(e.message).toMatch(/'g'/);
    expect(e.message).toMatch(/'grid'/);
  });

  it("atomics are bounds-checked", () => {
    const e = trap("atomicPast", 4, [c.zeros(4, wf.int32)]);
    expect(e.message).toMatch(/index [46] out of bounds for axis 0 with size 4/);
    expect(e.message).toMatch(/'counts'/);
    expect(e.message).toMatch(/'atomicPast'/);
  });

  it("local (StaticArray) overruns name the local array", () => {
    const e = trap("localPast", 1, [c.zeros(1, wf.int32), 8]);
    expect(e.message).toMatch(/index 8 out of bounds for local array 'st' of size 8/);
    expect(e.message).toMatch(/'localPast'/);
    const e2 = trap("localPast", 1, [c.zeros(1, wf.int32), -1]);
    expect(e2.message).toMatch(/index -1 out of bounds for local array 'st'/);
  });

  it("raw reads past the buffer are reported with the offset", () => {
    const e = trap("rawPast", 1, [c.zeros(4, wf.uint32), c.zeros(1), 14]);
    expect(e.message).toMatch(/raw read of 4 bytes at offset 14 is outside the 16-byte buffer/);
    expect(e.message).toMatch(/'rawPast'/);
  });

  it("guarded accesses never fault, and the backend works after a trap", () => {
    trap("readPast", 4, [c.zeros(4), c.zeros(4)]);
    const a = c.array([1, -2, 3]), out = c.zeros(6);
    c.launch("guarded", 6, [a, out, 3]);
    expectExact(values(out), [11, -2, 13, -1, -1, -1]);
  });
});
