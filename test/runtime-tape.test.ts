// The Tape through the public API: gradients through loops with state, several kernels, the
// overwrite check, custom output gradients, gradcheck and checkpointing against the full tape.
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

const SRC = `
import { tid, Array, f32, vec3, sin, dot, atomicAdd } from "weft/kernels";

@kernel
export function prod(x: Array<f32>, out: Array<f32>): void {
  let p: f32 = 1.0;
  for (let i = 0; i < x.length; i++) p *= x[i];
  out[0] = p * p;
}

@kernel
export function step(x: Array<vec3>, v: Array<vec3>, xOut: Array<vec3>, vOut: Array<vec3>, dt: f32): void {
  const i = tid();
  let vel = v[i] + vec3(0.0, -9.8, 0.0) * dt;
  let pos = x[i] + vel * dt;
  if (pos.y < 0.0) { pos.y = -pos.y; vel.y = -vel.y * 0.8; }
  xOut[i] = pos;
  vOut[i] = vel;
}

@kernel
export function loss(x: Array<vec3>, target: vec3, out: Array<f32>): void {
  const i = tid();
  const d = x[i] - target;
  atomicAdd(out, 0, dot(d, d));
}

@kernel
export function wave(x: Array<f32>, y: Array<f32>): void {
  const i = tid();
  y[i] = sin(x[i]) * x[i];
}

@kernel
export function inplace(x: Array<f32>): void {
  const i = tid();
  x[i] = x[i] * 2.0;
}
`;

beforeAll(async () => { await wf.init(); });

describe.each(BACKEND_NAMES)("Tape on %s", (backend) => {
  const device = deviceFor(backend);
  const load = () => wf.loadModule({ source: SRC, name: "tapetest" }, { backend, device });

  it("prod *= x[i] loop: d(p^2)/dx = 2p * p/x_i", async () => {
    const m = await load();
    const x = wf.array(new Float32Array([2, 4, 8]), { requiresGrad: true, device });
    const out = wf.zeros(1, { requiresGrad: true, device });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.prod, 1, [x, out], { backend }));
    tape.backward(out);
    expect(out.toTypedArray()[0]).toBe(64 * 64);
    expect(Array.from(x.grad!.toTypedArray())).toEqual([2, 4, 8].map((v) => 2 * 64 * (64 / v)));
    expect(tape.gradients.get(x)).toBe(x.grad);
    tape.zero();
    expect(Array.from(x.grad!.toTypedArray())).toEqual([0, 0, 0]);
  });

  it("a 3-kernel rollout matches finite differences of the loss", async () => {
    const m = await load();
    const n = 4, steps = 30, dt = 1 / 60;
    const x0 = [0, 1, 0, 1, 2, 0, -1, 0.5, 1, 0.2, 0.1, 0.3];
    const v0 = [1, 0, 0, 0, 1, 0, 0, -2, 0, 0.5, 0.5, 0.5];
    const target = [1, 0.5, 0];
    const run = (vInit: number[], record: wf.Tape | null) => {
      const xs = [wf.array(new Float32Array(x0), { dtype: wf.vec3, device, requiresGrad: true })];
      const vs = [wf.array(new Float32Array(vInit), { dtype: wf.vec3, device, requiresGrad: true })];
      const out = wf.zeros(1, { device, requiresGrad: true });
      const body = () => {
        for (let s = 0; s < steps; s++) {
          xs.push(wf.zeros(n, { dtype: wf.vec3, device, requiresGrad: true }));
          vs.push(wf.zeros(n, { dtype: wf.vec3, device, requiresGrad: true }));
          wf.launch(m.kernels.step, n, [xs[s], vs[s], xs[s + 1], vs[s + 1], dt], { backend });
        }
        wf.launch(m.kernels.loss, n, [xs[steps], wf.vec3(...target), out], { backend });
      };
      if (record) record.record(body); else body();
      return { out, v0: vs[0] };
    };
    const tape = new wf.Tape();
    const { out, v0: v0arr } = run(v0, tape);
    tape.backward(out);
    const g = Array.from(v0arr.grad!.toTypedArray() as Float32Array);
    const h = 1e-2;
    for (const j of [0, 4, 7, 11]) {
      const up = [...v0], dn = [...v0];
      up[j] += h; dn[j] -= h;
      const fd = (run(up, null).out.toTypedArray()[0] - run(dn, null).out.toTypedArray()[0]) / (2 * h);
      expect(g[j]).toBeCloseTo(fd, 1);
    }
  });

  it("backward from given output gradients", async () => {
    const m = await load();
    const xs = [0.1, 0.7, -1.3, 2.0];
    const x = wf.array(new Float32Array(xs), { requiresGrad: true, device });
    const y = wf.zeros(4, { requiresGrad: true, device });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.wave, 4, [x, y], { backend }));
    tape.backward(null, new Map([[y, new Float32Array([1, 2, 3, 4])]]));
    const g = Array.from(x.grad!.toTypedArray() as Float32Array);
    xs.forEach((v, k) => expect(g[k]).toBeCloseTo((Math.cos(v) * v + Math.sin(v)) * (k + 1), 5));
  });

  it("gradcheck agrees with finite differences", async () => {
    const m = await load();
    const x = wf.array(new Float32Array([0.1, 0.7, -1.3, 2.0]), { requiresGrad: true, device });
    const y = wf.zeros(4, { device });
    const r = wf.gradcheck(m.kernels.wave, 4, [x, y], { backend });
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(4);
  });

  it("debug mode reports an array overwritten in place before backward", async () => {
    const m = await load();
    const x = wf.array(new Float32Array([1, 2]), { requiresGrad: true, device });
    const tape = new wf.Tape({ debug: true });
    tape.record(() => wf.launch(m.kernels.inplace, 2, [x], { backend }));
    expect(() => tape.backward(null)).toThrow(/kernel 'inplace' reads and overwrites argument 'x' in place/);
  });
});
