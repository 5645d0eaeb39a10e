// Launch checks (clear errors for every argument mistake), multi-dimensional launches, struct and
// vector arguments, and multi-worker results equal to one-thread results and to a reference.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { setNumThreads, getNumThreads } from "../engine/backends/wasm/index.js";

const SRC = `
import { tid, Array, Array2D, f32, i32, vec3 } from "weft/kernels";

@struct
class Body { pos: vec3; mass: f32; id: i32; }

@kernel
export function scaleAdd(x: Array<f32>, s: f32, y: Array<f32>): void {
  const i = tid();
  y[i] = x[i] * s + y[i];
}

@kernel
export function grid(out: Array2D<f32>): void {
  const [i, j] = tid();
  out[i, j] = f32(i * 100 + j);
}

@kernel
export function moveBodies(bodies: Array<Body>, shift: vec3, b: Body): void {
  const i = tid();
  let q = bodies[i];
  q.pos = q.pos + shift * b.mass;
  q.id = q.id + b.id;
  bodies[i] = q;
}

@kernel
export function heavy(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  let acc: f32 = 0.0;
  for (let k = 0; k < 64; k++) acc += x[(i + k) % x.length] * f32(k);
  y[i] = acc;
}
`;

let m: wf.Module;
beforeAll(async () => {
  await wf.init();
  m = await wf.loadModule({ source: SRC, name: "launchtest" });
});

describe("launch", () => {
  it("checks argument count, types, dtypes, dims and disposed arrays", () => {
    const x = wf.zeros(4), y = wf.zeros(4);
    expect(() => wf.launch(m.kernels.scaleAdd, 4, [x, 2])).toThrow(/expected 3 arguments \(x: Array<f32>, s: f32, y: Array<f32>\), got 2/);
    expect(() => wf.launch(m.kernels.scaleAdd, 4, [x, "2", y])).toThrow(/argument 1 's'.*expected f32, got string 2/);
    expect(() => wf.launch(m.kernels.scaleAdd, 4, [wf.zeros(4, wf.int32), 2, y])).toThrow(/argument 0 'x' expects Array<f32>, got an array of i32/);
    expect(() => wf.launch(m.kernels.scaleAdd, 4, [new Float32Array(4), 2, y])).toThrow(/argument 0 'x' expects Array<f32>, got a Float32Array/);
    expect(() => wf.launch(m.kernels.scaleAdd, [2, 2], [x, 2, y])).toThrow(/uses 1-D thread ids .* got \[2,2\]/);
    expect(() => wf.launch(m.kernels.scaleAdd, -1, [x, 2, y])).toThrow(/dims must be 1 to 4 non-negative integers/);
    expect(() => wf.launch({} as any, 4, [])).toThrow(/first argument must be a kernel/);
    const d = wf.zeros(4);
    d.dispose();
    expect(() => wf.launch(m.kernels.scaleAdd, 4, [d, 2, y])).toThrow(/argument 0 'x': the array was disposed/);
  });

  it("debug mode reports out-of-bounds accesses with kernel, argument and index", async () => {
    const dbg = await wf.loadModule({ source: SRC, name: "launchtest" }, { debug: true });
    const x = wf.zeros(4), y = wf.zeros(4);
    expect(() => wf.launch(dbg.kernels.scaleAdd, 8, [x, 2, y])).toThrow(/index 4 out of bounds for axis 0 with size 4.*'x'.*'scaleAdd'|'scaleAdd'.*index 4.*'x'/s);
    // The pool is usable afterwards.
    wf.launch(dbg.kernels.scaleAdd, 4, [x, 2, y]);
  });

  it("2-D launches index row-major", () => {
    const out = wf.zeros([3, 5]);
    wf.launch(m.kernels.grid, [3, 5], [out]);
    expect(out.toArray()).toEqual([0, 1, 2].map((i) => [0, 1, 2, 3, 4].map((j) => i * 100 + j)));
  });

  it("struct arrays and struct/vector arguments", () => {
    const Body = m.structs.Body;
    const bodies = wf.array([{ pos: [1, 2, 3], mass: 2, id: 1 }, { pos: [0, 0, 0], mass: 1, id: 5 }], { dtype: Body });
    wf.launch(m.kernels.moveBodies, 2, [bodies, wf.vec3(1, 0, -1), Body({ pos: [0, 0, 0], mass: 0.5, id: 10 })]);
    expect(bodies.toArray()).toEqual([{ pos: [1.5, 2, 2.5], mass: 2, id: 11 }, { pos: [0.5, 0, -0.5], mass: 1, id: 15 }]);
    expect(() => wf.launch(m.kernels.moveBodies, 2, [bodies, wf.vec3(1, 0, -1), { pos: [0, 0, 0], mass: 1 }])).toThrow(/lacks field 'id'/);
  });

  it("all worker threads give the one-thread result and the reference", () => {
    const n = 200_003;
    const xs = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 100);
    const x = wf.array(xs);
    const ref = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < 64; k++) acc = Math.fround(acc + Math.fround(xs[(i + k) % n] * k));
      ref[i] = acc;
    }
    const all = getNumThreads();
    const results: Float32Array[] = [];
    for (const t of [1, all]) {
      setNumThreads(t);
      const y = wf.zeros(n);
      wf.launch(m.kernels.heavy, n, [x, y]);
      results.push(y.toTypedArray().slice());
    }
    setNumThreads(all);
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toEqual(ref);
  });
});
