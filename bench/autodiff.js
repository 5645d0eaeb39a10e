// The autodiff benchmark, on the cpu (wasm, all cores) and on the first cuda device when present:
//  - backward / forward time of a 3-kernel simulation step (integrate, collide, loss accumulation)
//    on 100k particles: the Tape's adjoint launches against the forward launches (target <= 3x);
//  - a 1000-step rollout differentiated with a full Tape and with wf.checkpointed (every 32 steps):
//    stored states, peak bytes held by the device and time (targets: <= 10% of the states, <= 2.5x
//    the time), checking that both give the same gradients.
import * as wf from "weft";
import { join } from "node:path";
import { benchDir } from "./lib.js";

export async function autodiffBench({ quick = false } = {}) {
  await wf.init();
  const rows = [];
  const cuda = wf.devices().find((d) => d.isCuda);
  for (const device of ["cpu", ...(cuda ? [cuda.name] : [])]) {
    const label = device === "cpu" ? `wasm ${wf.getCpuThreads()} threads` : device;
    const m = await wf.loadModule(join(benchDir, "kernels", "autodiff.ts"), { device });
    rows.push(...stepRatio(m, device, label, quick));
    rows.push(...rollout(m, device, label, quick));
  }
  return rows;
}

const sync = (device) => wf.synchronize(device);

/** Best time in seconds of each function, running them in turn `reps` times after `warmup` rounds. */
function interleaved(fns, reps, warmup) {
  const bestOf = fns.map(() => Infinity);
  for (let r = 0; r < warmup + reps; r++) {
    fns.forEach((fn, k) => {
      const t0 = performance.now();
      fn();
      if (r >= warmup) bestOf[k] = Math.min(bestOf[k], (performance.now() - t0) / 1000);
    });
  }
  return bestOf;
}

/** Particles in a slab just above the ground, many of them hitting it during the step. */
function particles(n, device, seed = 1) {
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) >>> 8) / 16777216;
  const x = new Float32Array(n * 3), v = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    x.set([rnd() * 10 - 5, rnd() * 0.05, rnd() * 10 - 5], i * 3);
    v.set([rnd() - 0.5, -rnd() * 4, rnd() - 0.5], i * 3);
  }
  const opts = { dtype: wf.vec3, device, requiresGrad: true };
  return { x: wf.array(x, opts), v: wf.array(v, opts) };
}

function stepRatio(m, device, label, quick) {
  const n = 100_000;
  const { x: x0, v: v0 } = particles(n, device);
  const st = () => wf.zeros(n, { dtype: wf.vec3, device, requiresGrad: true });
  const [x1, v1, x2, v2] = [st(), st(), st(), st()];
  const out = wf.zeros(1, { device, requiresGrad: true });
  const gravity = wf.vec3(0, -9.81, 0), target = wf.vec3(0, 0.5, 0), dt = 1 / 60;
  const launches = () => {
    out.zero();
    wf.launch(m.kernels.integrate, n, [x0, v0, x1, v1, gravity, 0.1, dt]);
    wf.launch(m.kernels.collide, n, [x1, v1, x2, v2, 0.7, 0.2]);
    wf.launch(m.kernels.loss, n, [x2, target, out]);
  };
  const tape = new wf.Tape();
  tape.record(launches);
  // Forward and backward alternate, so that both see the same machine; the best of each counts.
  const [fwd, bwd] = interleaved([() => { launches(); sync(device); }, () => { tape.backward(out); sync(device); }], quick ? 10 : 40, 2);
  for (const a of [x0, v0, x1, v1, x2, v2, out]) a.dispose();
  const bench = `3-kernel step ${n / 1000}k`;
  return [
    { bench, measure: `forward ${label}`, value: fwd * 1e3, unit: "ms" },
    { bench, measure: `backward ${label}`, value: bwd * 1e3, unit: "ms", vs: "forward", ratio: bwd / fwd, target: "<= 3" },
  ];
}

function rollout(m, device, label, quick) {
  const T = 1000, every = 32, n = quick ? 2000 : 10_000;
  const gravity = wf.vec3(0, -9.81, 0), target = wf.vec3(1, 0.5, 0), dt = 1 / 120;
  const mem = wf.getDevice(device).memory;
  const stateBytes = 2 * n * 12; // x and v, without gradients
  const step = ([x, v], [xo, vo]) => wf.launch(m.kernels.step, n, [x, v, xo, vo, gravity, dt]);
  const lossOf = ([x]) => {
    const out = wf.zeros(1, { device, requiresGrad: true });
    wf.launch(m.kernels.loss, n, [x, target, out]);
    return out;
  };

  // Full tape: one new state (with gradients) per step, all held until backward.
  let fullPeak = 0, fullGrad = null;
  const full = () => {
    const { x, v } = particles(n, device, 7);
    const base = mem.bytesInUse();
    const xs = [x], vs = [v];
    const tape = new wf.Tape();
    let out;
    tape.record(() => {
      for (let t = 0; t < T; t++) {
        xs.push(wf.zeros(n, { dtype: wf.vec3, device, requiresGrad: true }));
        vs.push(wf.zeros(n, { dtype: wf.vec3, device, requiresGrad: true }));
        step([xs[t], vs[t]], [xs[t + 1], vs[t + 1]]);
      }
      out = lossOf([xs[T], vs[T]]);
    });
    fullPeak = Math.max(fullPeak, mem.bytesInUse() - base);
    tape.backward(out);
    sync(device);
    fullGrad = Float32Array.from(v.grad.toTypedArray());
    for (const a of [...xs, ...vs, out]) a.dispose();
  };

  // Checkpointed: the peak is sampled after every launch of the step and of the loss.
  let ckPeak = 0, ckGrad = null, ckStates = 0;
  const checkpointed = () => {
    const { x, v } = particles(n, device, 7);
    const base = mem.bytesInUse();
    const sample = () => { ckPeak = Math.max(ckPeak, mem.bytesInUse() - base); };
    const r = wf.checkpointed({
      steps: T, every, initial: [x, v],
      step: (input, output) => { step(input, output); sample(); },
      loss: (final) => { const out = lossOf(final); sample(); return out; },
    });
    sync(device);
    ckStates = r.peakStates;
    ckGrad = Float32Array.from(v.grad.toTypedArray());
    x.dispose(); v.dispose();
  };

  const [tFull, tCk] = interleaved([full, checkpointed], quick ? 1 : 3, 1);
  let maxDiff = 0;
  for (let k = 0; k < fullGrad.length; k++) maxDiff = Math.max(maxDiff, Math.abs(fullGrad[k] - ckGrad[k]));
  const bench = `rollout ${T} steps, ${n / 1000}k particles`;
  const MB = 2 ** 20;
  return [
    { bench, measure: `full tape ${label}`, value: tFull, unit: "s" },
    { bench, measure: `checkpointed every ${every} ${label}`, value: tCk, unit: "s", vs: "full tape", ratio: tCk / tFull, target: "<= 2.5" },
    { bench, measure: `stored states (${label})`, value: ckStates * stateBytes / MB, unit: `MB (${ckStates} states)`, vs: `full ${((T + 1) * stateBytes / MB).toFixed(0)} MB (${T + 1})`, ratio: ckStates / (T + 1), target: "<= 0.1" },
    { bench, measure: `peak bytes held (${label})`, value: ckPeak / MB, unit: "MB", vs: `full ${(fullPeak / MB).toFixed(0)} MB`, ratio: ckPeak / fullPeak, target: "<= 0.1" },
    { bench, measure: `max abs grad diff (${label})`, value: maxDiff, unit: "", vs: "full tape", target: "0" },
  ];
}
