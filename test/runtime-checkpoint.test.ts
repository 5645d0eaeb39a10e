// wf.checkpointed against a full Tape over the same rollout: a few particles bouncing on the ground
// (vec3 state x and v, one step kernel reading state t and writing state t + 1, a drag parameter
// shared by every step, a loss kernel). The checkpointed gradients replay exactly the adjoint
// launches of the full tape, in the same order, so they are bit-identical, and the rollout holds
// a small fraction of the states. Also: the API's errors.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";

const SRC = `
import { tid, Array, f32, vec3, dot, atomicAdd } from "weft/kernels";

@kernel
export function step(x: Array<vec3>, v: Array<vec3>, drag: Array<f32>, xOut: Array<vec3>, vOut: Array<vec3>, dt: f32): void {
  const i = tid();
  let vel = v[i] * (1.0 - drag[0] * dt) + vec3(0.0, -9.8, 0.0) * dt;
  let pos = x[i] + vel * dt;
  if (pos.y < 0.0) { pos.y = -pos.y * 0.9; vel.y = -vel.y * 0.9; }
  xOut[i] = pos;
  vOut[i] = vel;
}

@kernel
export function loss(x: Array<vec3>, v: Array<vec3>, target: vec3, out: Array<f32>): void {
  const i = tid();
  const d = x[i] - target;
  atomicAdd(out, 0, dot(d, d) + 0.1 * dot(v[i], v[i]));
}

// A step that accumulates into its output (as force accumulation does): right only when every new
// state starts at zero, as wf.zeros gives it.
@kernel
export function accumulate(s: Array<f32>, sOut: Array<f32>): void {
  const i = tid();
  atomicAdd(sOut, i, s[i] * 1.01);
}

@kernel
export function sum(s: Array<f32>, out: Array<f32>): void {
  atomicAdd(out, 0, s[tid()]);
}
`;

const N = 5;
const X0 = [0, 1, 0, 1, 2, 0, -1, 0.5, 1, 0.2, 0.1, 0.3, 0.5, 3, -0.5];
const V0 = [1, 0, 0, 0, 1, 0, 0, -2, 0, 0.5, 0.5, 0.5, -1, 4, 0.2];
const TARGET = wf.vec3(1, 0.5, 0);
const DT = 1 / 120;

beforeAll(async () => { await wf.init(); });

type Backend = "interp" | "wasm";
const load = (backend: Backend) => wf.loadModule({ source: SRC, name: "checkpointtest" }, { backend, device: "cpu" });

function inputs() {
  const x0 = wf.array(new Float32Array(X0), { dtype: wf.vec3, requiresGrad: true });
  const v0 = wf.array(new Float32Array(V0), { dtype: wf.vec3, requiresGrad: true });
  const drag = wf.array(new Float32Array([0.3]), { requiresGrad: true });
  return { x0, v0, drag };
}
const grads = (...arrs: wf.WeftArray[]) => arrs.map((a) => Array.from(a.grad!.toTypedArray() as Float32Array));

async function fullTape(backend: Backend, steps: number) {
  const m = await load(backend);
  const { x0, v0, drag } = inputs();
  const xs = [x0], vs = [v0];
  const out = wf.zeros(1, { requiresGrad: true });
  const tape = new wf.Tape();
  tape.record(() => {
    for (let t = 0; t < steps; t++) {
      xs.push(wf.zeros(N, { dtype: wf.vec3, requiresGrad: true }));
      vs.push(wf.zeros(N, { dtype: wf.vec3, requiresGrad: true }));
      wf.launch(m.kernels.step, N, [xs[t], vs[t], drag, xs[t + 1], vs[t + 1], DT], { backend });
    }
    wf.launch(m.kernels.loss, N, [xs[steps], vs[steps], TARGET, out], { backend });
  });
  tape.backward(out);
  const states = new Set(tape.launches.flatMap((l) => l.inputs.filter((a) => a instanceof wf.WeftArray && a !== drag && a !== out))).size / 2;
  const r = { loss: out.toTypedArray()[0] as number, grads: grads(x0, v0, drag), states };
  for (const a of [...xs, ...vs, out, drag]) a.dispose();
  return r;
}

async function checkpointedRun(backend: Backend, steps: number, every: number) {
  const m = await load(backend);
  const { x0, v0, drag } = inputs();
  const res = wf.checkpointed({
    steps, every, initial: [x0, v0],
    step: ([x, v], [xOut, vOut]) => wf.launch(m.kernels.step, N, [x, v, drag, xOut, vOut, DT], { backend }),
    loss: ([x, v]) => {
      const out = wf.zeros(1, { requiresGrad: true });
      wf.launch(m.kernels.loss, N, [x, v, TARGET, out], { backend });
      return out;
    },
  });
  const r = { ...res, grads: grads(x0, v0, drag) };
  for (const a of [x0, v0, drag]) a.dispose();
  return r;
}

describe("checkpointed rollout vs the full tape", () => {
  it.each(["interp", "wasm"] as const)("%s, 1000 steps every 32: bit-identical gradients, a tenth of the stored states at most", async (backend) => {
    const full = await fullTape(backend, 1000);
    const ck = await checkpointedRun(backend, 1000, 32);
    expect(full.states).toBe(1001);
    expect(ck.fullTapeStates).toBe(1001);
    expect(ck.loss).toBe(full.loss);
    // The same adjoint launches in the same order, each segment seeded with the exact gradient of
    // its end state: equal to the bit, not merely to a tolerance.
    expect(ck.grads).toEqual(full.grads);
    expect(full.grads[1].every(Number.isFinite) && full.grads[1].some((g) => g !== 0)).toBe(true);
    expect(full.grads[2][0]).not.toBe(0);
    // 31 checkpoints besides the initial state, and one segment of 32 steps with its start.
    expect(ck.peakStates).toBe(1 + 30 + 1 + 32);
    expect(ck.peakStates).toBeLessThanOrEqual(0.1 * full.states);
  });

  it("interp and wasm agree on the gradients of a 100-step rollout (every 8)", async () => {
    const i = await checkpointedRun("interp", 100, 8);
    const w = await checkpointedRun("wasm", 100, 8);
    expect(w.loss).toBeCloseTo(i.loss, 4);
    w.grads.flat().forEach((g, k) => expect(g).toBeCloseTo(i.grads.flat()[k], 3));
  });

  it("any segment length gives the same gradients (every = 1, 7, steps, > steps)", async () => {
    const full = await fullTape("wasm", 50);
    for (const every of [1, 7, 50, 64]) {
      const ck = await checkpointedRun("wasm", 50, every);
      expect(ck.grads, `every ${every}`).toEqual(full.grads);
      expect(ck.loss).toBe(full.loss);
    }
  });

  it("gradients accumulate into .grad like a Tape's (two runs give twice the gradient)", async () => {
    const m = await load("wasm");
    const { x0, v0, drag } = inputs();
    const spec = {
      steps: 40, every: 6, initial: [x0, v0],
      step: ([x, v]: wf.WeftArray[], [xo, vo]: wf.WeftArray[]) => wf.launch(m.kernels.step, N, [x, v, drag, xo, vo, DT]),
      loss: ([x, v]: wf.WeftArray[]) => { const o = wf.zeros(1, { requiresGrad: true }); wf.launch(m.kernels.loss, N, [x, v, TARGET, o]); return o; },
    };
    wf.checkpointed(spec);
    const once = grads(x0, v0, drag);
    wf.checkpointed(spec);
    grads(x0, v0, drag).forEach((g, j) => g.forEach((x, q) => expect(x).toBeCloseTo(2 * once[j][q], 4)));
  });

  it("new states start at zero, so a step may accumulate into its output", async () => {
    const m = await load("wasm");
    // Leave freed memory with non-zero contents where the states will be allocated.
    for (let k = 0; k < 20; k++) wf.full(8, 123.5, wf.float32).dispose();
    const s0 = wf.array(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), { requiresGrad: true });
    const r = wf.checkpointed({
      steps: 10, every: 3, initial: [s0],
      step: ([s], [out]) => wf.launch(m.kernels.accumulate, 8, [s, out]),
      loss: ([s]) => { const o = wf.zeros(1, { requiresGrad: true }); wf.launch(m.kernels.sum, 8, [s, o]); return o; },
    });
    expect(r.loss).toBeCloseTo(36 * 1.01 ** 10, 3);
    for (const g of s0.grad!.toTypedArray() as Float32Array) expect(g).toBeCloseTo(1.01 ** 10, 5);
  });
});

describe("arrays without requiresGrad are constants", () => {
  it("checkpointed: an initial array without a gradient gets none, the others theirs", async () => {
    const m = await load("wasm");
    const { x0, v0, drag } = inputs();
    const xc = wf.array(new Float32Array(X0), { dtype: wf.vec3 });
    const run = (xInit: wf.WeftArray) => wf.checkpointed({
      steps: 60, every: 8, initial: [xInit, v0],
      step: ([x, v], [xo, vo]) => wf.launch(m.kernels.step, N, [x, v, drag, xo, vo, DT]),
      loss: ([x, v]) => { const o = wf.zeros(1, { requiresGrad: true }); wf.launch(m.kernels.loss, N, [x, v, TARGET, o]); return o; },
    });
    run(x0);
    const want = grads(v0, drag);
    v0.grad!.zero(); drag.grad!.zero();
    run(xc);
    expect(xc.grad).toBe(null);
    expect(grads(v0, drag)).toEqual(want);
  });

  it("Tape.backward lends them scratch gradients: nothing else in memory changes", async () => {
    const m = await wf.loadModule({ name: "constants", source: `
      import { tid, Array, f32 } from "weft/kernels";
      @kernel export function scale(c: Array<f32>, x: Array<f32>, y: Array<f32>): void {
        const i = tid();
        y[i] = c[i] * x[i] * x[i];
      }` }, { backend: "wasm", device: "cpu" });
    const n = 4096;
    const bystander = wf.full(n, 7, wf.float32);
    const c = wf.full(n, 3, wf.float32);                       // a constant
    const x = wf.full(n, 2, { dtype: wf.float32, requiresGrad: true });
    const y = wf.zeros(n, { requiresGrad: true });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.scale, n, [c, x, y]));
    tape.backward(null, new Map([[y, wf.full(n, 1, wf.float32)]]));
    expect(c.grad).toBe(null);
    expect((x.grad!.toTypedArray() as Float32Array).every((g) => g === 12)).toBe(true);
    expect((bystander.toTypedArray() as Float32Array).every((v) => v === 7)).toBe(true);
    // The reserved bytes below the heap (address 0 up) stay zero.
    expect(new Uint8Array(bystander.toTypedArray().buffer, 0, 1024).every((b) => b === 0)).toBe(true);
  });
});

describe("Tape.backward: autodiff stack overflow", () => {
  it.each(["interp", "wasm"] as const)("%s: says which launch overflowed and what to raise", async (backend) => {
    const m = await wf.loadModule({ name: "overflow", source: `
      import { Array, f32 } from "weft/kernels";
      @kernel export function prod(x: Array<f32>, out: Array<f32>): void {
        let p: f32 = 1.0;
        for (let i = 0; i < x.length; i++) p *= x[i];
        out[0] = p;
      }` }, { backend, device: "cpu" });
    const stack = Number(process.env.WEFT_AD_STACK ?? 1024);
    const x = wf.full(stack + 10, 1, { dtype: wf.float32, requiresGrad: true });
    const out = wf.zeros(1, { requiresGrad: true });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.prod, 1, [x, out], { backend }));
    expect(() => tape.backward(out)).toThrow(/adjoint of launch #0 of kernel overflow\.prod overflowed its per-thread autodiff stack \(trap 7 in kernel 'prod__adj' at overflow\.ts:5:9\).*Raise WEFT_AD_STACK/s);
  });
});

describe("checkpointed: errors", () => {
  const okStep = () => {};
  const okLoss = () => wf.zeros(1, { requiresGrad: true });
  const x = () => wf.zeros(2, { requiresGrad: true });

  it("rejects bad steps, every, initial, step and loss", () => {
    expect(() => wf.checkpointed({ steps: 0, every: 2, initial: [x()], step: okStep, loss: okLoss })).toThrow(/steps must be a positive integer, got 0/);
    expect(() => wf.checkpointed({ steps: 2.5, every: 2, initial: [x()], step: okStep, loss: okLoss })).toThrow(/steps must be a positive integer, got 2.5/);
    expect(() => wf.checkpointed({ steps: 10, every: 0, initial: [x()], step: okStep, loss: okLoss })).toThrow(/every must be a positive integer, got 0/);
    expect(() => wf.checkpointed({ steps: 10, every: 2, initial: [], step: okStep, loss: okLoss })).toThrow(/initial must be a non-empty list of weft arrays/);
    expect(() => wf.checkpointed({ steps: 10, every: 2, initial: [new Float32Array(2)] as any, step: okStep, loss: okLoss })).toThrow(/initial must be a non-empty list of weft arrays/);
    expect(() => wf.checkpointed({ steps: 10, every: 2, initial: x() as any, step: okStep, loss: okLoss })).toThrow(/initial must be a non-empty list of weft arrays/);
    expect(() => wf.checkpointed({ steps: 10, every: 2, initial: [x()], step: undefined as any, loss: okLoss })).toThrow(/step must be a function/);
    expect(() => wf.checkpointed({ steps: 10, every: 2, initial: [x()], step: okStep, loss: 3 as any })).toThrow(/loss must be a function/);
    expect(() => wf.checkpointed(undefined as any)).toThrow(/checkpointed: expected a spec/);
  });

  it("rejects a loss that is not a one-element float array with a gradient", async () => {
    const m = await load("wasm");
    const step = ([s]: wf.WeftArray[], [o]: wf.WeftArray[]) => wf.launch(m.kernels.accumulate, 2, [s, o]);
    const base = { steps: 4, every: 2, initial: [x()], step };
    expect(() => wf.checkpointed({ ...base, loss: () => 1.5 as any })).toThrow(/checkpointed: loss must return a one-element float weft array, got number 1.5/);
    expect(() => wf.checkpointed({ ...base, loss: () => wf.zeros(2, { requiresGrad: true }) })).toThrow(/checkpointed: loss must return a one-element float weft array, got .*\[2\]/);
    expect(() => wf.checkpointed({ ...base, loss: () => wf.zeros(1) })).toThrow(/was not created with requiresGrad: true/);
  });

  it("rejects a step that launches nothing (the gradient could not flow through it)", () => {
    expect(() => wf.checkpointed({ steps: 4, every: 2, initial: [x()], step: okStep, loss: okLoss }))
      .toThrow(/checkpointed: step\(t = 0\) made no launch/);
  });

  it("passes on an exception from step or loss and frees the states it allocated", async () => {
    const m = await load("wasm");
    const made: wf.WeftArray[] = [];
    let calls = 0;
    const step = (fail: number) => ([s]: wf.WeftArray[], [o]: wf.WeftArray[], t: number) => {
      made.push(o);
      if (t === fail) throw new Error(`boom at ${t}`);
      calls++;
      wf.launch(m.kernels.accumulate, 2, [s, o]);
    };
    expect(() => wf.checkpointed({ steps: 10, every: 3, initial: [x()], step: step(5), loss: okLoss })).toThrow(/boom at 5/);
    expect(calls).toBe(5);
    expect(made.every((a) => a.disposed)).toBe(true);
    made.length = 0;
    expect(() => wf.checkpointed({ steps: 10, every: 3, initial: [x()], step: step(-1), loss: () => { throw new Error("no loss"); } })).toThrow(/no loss/);
    expect(made.length).toBe(10 + 1);
    expect(made.every((a) => a.disposed)).toBe(true);
  });
});
