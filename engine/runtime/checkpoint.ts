// Checkpointed rollouts: gradients of a long simulation with O(T/k + k) stored states instead of
// O(T). The forward pass keeps one state every k steps and records nothing; the backward pass
// walks the segments from last to first, re-runs each segment from its checkpoint under a Tape,
// and carries the gradient of the segment's start state into the segment before it. The first
// segment starts from the caller's own `initial` arrays, so their gradients accumulate in place as
// under a full Tape. The gradients equal those of a full Tape over the whole rollout: the same
// adjoint launches run in the same order, and each segment is seeded with the exact gradient of its
// end state. The cost is running the forward pass about twice.
//
// New states are zero-filled (like wf.zeros), so a step may accumulate into its output.

import { WeftArray, zeros } from "./array.js";
import { Tape } from "./tape.js";
import { launchObservers } from "./launch.js";
import { describe } from "./dtype.js";

export interface CheckpointedSpec {
  /** Number of steps T. */
  steps: number;
  /** Keep one state every `every` steps (k). */
  every: number;
  /** The state at t = 0: arrays whose gradients are wanted get them in their `.grad`. */
  initial: WeftArray[];
  /** Advances one step: reads `input` (and any parameters), writes `output`; only launches. */
  step: (input: WeftArray[], output: WeftArray[], t: number) => void;
  /** Computes the loss from the final state by launches; returns a one-element float array. */
  loss: (final: WeftArray[]) => WeftArray;
}

export interface CheckpointedResult {
  loss: number;
  /** Largest number of state sets held at once: the initial state, the checkpoints, one segment. */
  peakStates: number;
  /** States held by a full tape over the same rollout, for comparison (T + 1). */
  fullTapeStates: number;
}

function like(a: WeftArray, requiresGrad: boolean): WeftArray {
  return zeros(a.shape, { dtype: a.dtype, device: a.device, requiresGrad });
}

export function checkpointed(spec: CheckpointedSpec): CheckpointedResult {
  if (!spec || typeof spec !== "object") throw new TypeError(`checkpointed: expected a spec { steps, every, initial, step, loss }, got ${describe(spec)}`);
  const { steps: T, every: k, initial } = spec;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`checkpointed: steps must be a positive integer, got ${T}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`checkpointed: every must be a positive integer, got ${k}`);
  if (!Array.isArray(initial) || !initial.length || !initial.every((a) => a instanceof WeftArray))
    throw new TypeError("checkpointed: initial must be a non-empty list of weft arrays");
  if (typeof spec.step !== "function") throw new TypeError(`checkpointed: step must be a function (input, output, t) => void, got ${describe(spec.step)}`);
  if (typeof spec.loss !== "function") throw new TypeError(`checkpointed: loss must be a function (final) => WeftArray, got ${describe(spec.loss)}`);

  // Every state set this call allocates, so that an exception frees them.
  const owned = new Set<WeftArray[]>();
  const alloc = (like_: WeftArray[], requiresGrad: boolean) => { const s = like_.map((a) => like(a, requiresGrad)); owned.add(s); hold(1); return s; };
  const free = (s: WeftArray[]) => { if (owned.delete(s)) { s.forEach((a) => a.dispose()); live--; } };
  let live = 1, peak = 1; // the initial state
  const hold = (n: number) => { live += n; peak = Math.max(peak, live); };
  let launches = 0;
  const count = () => { launches++; };
  const runStep = (input: WeftArray[], output: WeftArray[], t: number) => {
    const before = launches;
    spec.step(input, output, t);
    if (launches === before) throw new Error(`checkpointed: step(t = ${t}) made no launch; it must write 'output' with launches (gradients flow only through launches)`);
  };

  let carry: WeftArray[] | null = null;
  try {
    // Forward: keep the state at t = 0, k, 2k, ...
    const checkpoints: WeftArray[][] = [initial];
    let cur = initial;
    launchObservers.push(count);
    try {
      for (let t = 0; t < T; t++) {
        const out = alloc(cur, false);
        runStep(cur, out, t);
        if (!checkpoints.includes(cur)) free(cur);
        cur = out;
        if ((t + 1) % k === 0 && t + 1 < T) checkpoints.push(cur);
      }
    } finally {
      launchObservers.splice(launchObservers.indexOf(count), 1);
    }
    if (!checkpoints.includes(cur)) free(cur);

    // Backward, segment by segment. `carry` is the gradient of the next segment's start state.
    let lossValue = NaN;
    for (let s = checkpoints.length - 1; s >= 0; s--) {
      const a = s * k, b = Math.min(a + k, T);
      // The first segment starts from the caller's arrays: the tape accumulates into their .grad.
      const start = s === 0 ? initial : alloc(checkpoints[s], true);
      if (s > 0) start.forEach((x, j) => x.assign(checkpoints[s][j]));
      const states: WeftArray[][] = [start];
      const tape = new Tape();
      let lossArr: unknown = null;
      tape.record(() => {
        for (let t = a; t < b; t++) {
          const out = alloc(states[states.length - 1], true);
          spec.step(states[states.length - 1], out, t);
          states.push(out);
        }
        if (b === T) lossArr = spec.loss(states[states.length - 1]);
      });
      if (b === T) {
        const L = lossArr;
        if (!(L instanceof WeftArray) || L.size !== 1 || !(L.type.k === "scalar" && (L.type.s === "f32" || L.type.s === "f64")))
          throw new TypeError(`checkpointed: loss must return a one-element float weft array, got ${L instanceof WeftArray ? String(L) : describe(L)}`);
        tape.backward(L);
        lossValue = Number(L.toTypedArray()[0]);
      } else {
        const end = states[states.length - 1];
        tape.backward(null, new Map(end.map((x, j) => [x, carry![j]] as [WeftArray, WeftArray])));
      }
      carry?.forEach((g) => g.dispose());
      // Keep the start state's gradient buffers for the segment before; free the rest.
      carry = s > 0 ? start.map((x) => { const g = x.grad!; x.grad = null; return g; }) : null;
      for (const st of states) free(st);
      if (s > 0) free(checkpoints[s]);
    }
    return { loss: lossValue, peakStates: peak, fullTapeStates: T + 1 };
  } finally {
    for (const s of [...owned]) free(s);
    carry?.forEach((g) => g.dispose());
  }
}
