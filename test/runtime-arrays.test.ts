// Arrays: creation from every kind of input, read-back, views, fill, copies, and the errors users
// get for bad shapes, dtypes and data.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { cpuRawMemory } from "../engine/runtime/device.js";

beforeAll(async () => { await wf.init(); });

describe("arrays", () => {
  it("zeros, ones, full, empty with shapes and dtypes", () => {
    expect(Array.from(wf.zeros(3).toTypedArray())).toEqual([0, 0, 0]);
    expect(wf.zeros(3).dtype).toBe(wf.float32);
    expect(Array.from(wf.ones([2, 2], wf.int32).toTypedArray())).toEqual([1, 1, 1, 1]);
    expect(wf.full(2, [1, 2, 3], wf.vec3).toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
    const e = wf.empty([2, 3, 4], { dtype: wf.float64 });
    expect(e.shape).toEqual([2, 3, 4]);
    expect(e.strides).toEqual([96, 32, 8]);
    expect(wf.full(2, 7n, wf.int64).toArray()).toEqual([7n, 7n]);
    expect(wf.full(3, true, wf.bool).toArray()).toEqual([true, true, true]);
  });

  it("from TypedArray, number[] and nested arrays, with zero-copy CPU views", () => {
    const a = wf.array(new Float32Array([1, 2, 3]), { device: "cpu" });
    const view = a.toTypedArray();
    expect(view.buffer).toBe(cpuRawMemory().buffer);
    view[1] = 42;
    expect(a.toArray()).toEqual([1, 42, 3]);
    expect(wf.array([[1, 2], [3, 4]], { dtype: wf.int32 }).shape).toEqual([2, 2]);
    expect(wf.array([[1, 2, 3], [4, 5, 6]], { dtype: wf.vec3 }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(wf.array([1, 2, 3, 4, 5, 6], { dtype: wf.vec3 }).shape).toEqual([2]);
    expect(wf.array(new Float64Array([1.5])).dtype).toBe(wf.float64);
    const m = wf.array([[[1, 0], [0, 1]]], { dtype: wf.mat22 });
    expect(m.toArray()).toEqual([[1, 0, 0, 1]]);
  });

  it("slices and reshapes share storage; copies and fills", () => {
    const a = wf.array(new Float32Array([0, 1, 2, 3, 4, 5]));
    const s = a.slice(2, 5);
    expect(s.toArray()).toEqual([2, 3, 4]);
    s.fill(9);
    expect(a.toArray()).toEqual([0, 1, 9, 9, 9, 5]);
    const r = a.reshape([2, 3]);
    expect(r.toArray()).toEqual([[0, 1, 9], [9, 9, 5]]);
    const c = a.clone();
    c.fill(0);
    expect(a.toArray()[0]).toBe(0);
    expect(a.toArray()[2]).toBe(9);
    const b = wf.zeros(6);
    b.assign(a);
    expect(b.toArray()).toEqual(a.toArray());
    expect(a.to("cpu").toArray()).toEqual(a.toArray());
  });

  it("errors name what was expected", () => {
    expect(() => wf.zeros(-1)).toThrow(/shape must be 1 to 4 non-negative integers/);
    expect(() => wf.zeros([1, 2, 3, 4, 5])).toThrow(/shape must be 1 to 4/);
    expect(() => wf.zeros(3, "float16" as any)).toThrow(/unknown dtype 'float16'/);
    expect(() => wf.array([1, 2, 3, 4], { dtype: wf.vec3 })).toThrow(/expected .*vec3/);
    expect(() => wf.full(2, [1, 2], wf.vec3)).toThrow(/expected vec3 \(3 numbers\)/);
    expect(() => wf.zeros(2, { device: "cuda:7" })).toThrow(/unknown device 'cuda:7': available devices are cpu/);
    expect(() => wf.zeros(2, { device: "tpu" })).toThrow(/unknown device 'tpu'/);
    const a = wf.zeros(3);
    a.dispose();
    expect(() => a.toArray()).toThrow(/was disposed/);
    expect(() => a.slice(0, 9)).toThrow(/disposed/);
  });

  it("100k create/dispose cycles keep CPU memory flat", () => {
    const mem = cpuRawMemory();
    const before = mem.bytesInUse;
    for (let k = 0; k < 100_000; k++) {
      const a = wf.zeros(16 + (k % 64), wf.vec3);
      a.dispose();
    }
    expect(mem.bytesInUse).toBe(before);
  });
});
