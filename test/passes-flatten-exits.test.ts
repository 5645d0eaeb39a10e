// flatten-exits keeps semantics: kernels with break, continue, outer breaks and early returns give
// the same results before and after, compared with a plain-TypeScript reference.
import { describe, expect, it } from "vitest";
import { Builder, newFunc } from "../engine/ir/builder.js";
import { F32, I32, array } from "../engine/ir/types.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import { flattenExits } from "../engine/passes/flatten-exits.js";
import { validateFunc } from "../engine/ir/validator.js";
import { runKernel } from "../engine/ir/interp.js";
import { walk } from "../engine/ir/ops.js";

// out[t] = sum over i < 10, j < 10 of (i*10+j), skipping j == t (continue), stopping the inner loop
// when j > i + t (break), stopping both loops when i*j > 20 + t (break outer), and returning early
// (out[t] = -1) for t == 3.
function reference(t: number): number {
  if (t === 3) return -1;
  let acc = 0;
  outer: for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      if (j === t) continue;
      if (j > i + t) break;
      if (i * j > 20 + t) break outer;
      acc += i * 10 + j;
    }
  }
  return acc;
}


function buildNest() {
  const k = newFunc("nest", "kernel", [{ name: "out", type: array(F32) }]);
  const b = new Builder(k);
  const t = b.tid(0);
  const acc = b.newVar("acc", I32), iv = b.newVar("i", I32), jv = b.newVar("j", I32);
  b.set(acc, b.i32(0));
  b.if(b.call("eq", t, b.i32(3)), () => { b.astore(b.param(0), [t], b.f(-1)); b.return(); });
  b.set(iv, b.i32(0));
  b.loop((outer) => {
    b.if(b.call("ge", b.get(iv), b.i32(10)), () => { b.break(outer); });
    b.set(jv, b.i32(0));
    b.loop((inner) => {
      const j = b.get(jv), i = b.get(iv);
      b.if(b.call("ge", j, b.i32(10)), () => { b.break(inner); });
      b.if(b.call("eq", j, t), () => { b.continue(inner); });
      b.if(b.call("gt", j, b.call("add", i, t)), () => { b.break(inner); });
      b.if(b.call("gt", b.call("mul", i, j), b.call("add", b.i32(20), t)), () => { b.break(outer); });
      b.set(acc, b.call("add", b.get(acc), b.call("add", b.call("mul", i, b.i32(10)), j)));
    }, () => { b.set(jv, b.call("add", b.get(jv), b.i32(1))); });
  }, () => { b.set(iv, b.call("add", b.get(iv), b.i32(1))); });
  b.astore(b.param(0), [t], b.convert(b.get(acc), F32));
  return k;
}

describe("flatten-exits", () => {
  it("preserves break, continue, outer break and early return", () => {
    const mod = { name: "m", file: "m.ts", source: "", funcs: [buildNest()], structs: new Map() };
    const fn = lowerKernel(mod, "nest", { dump: false });
    flattenExits(fn);
    validateFunc(fn, { lowered: true, stage: "flatten-exits" });
    // Only loop-final exits remain.
    walk(fn.body, (i) => { expect(i.op).not.toBe("continue"); expect(i.op).not.toBe("return"); });
    const buffer = new ArrayBuffer(256);
    const out = { data: 16, grad: 0, shape: [8], strides: [4] };
    runKernel(fn, [8], [out], { buffer });
    expect(Array.from(new Float32Array(buffer, 16, 8))).toEqual(Array.from({ length: 8 }, (_, t) => reference(t)));
  });
});
