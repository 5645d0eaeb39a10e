// Checkpointed rollouts: gradients of a long simulation with O(T/k + k) stored states instead of
// O(T). The forward pass keeps one state every k steps and records nothing; the backward pass
// walks the segments from last to first, re-runs each segment from its checkpoint under a Tape,
// and carries the gradient of the segment's start state into the segment before it. The gradients
// equal those of a full Tape over the whole rollout (same kernels, same order of accumulation per
// segment), at the cost of running the forward pass about twice.

import { WeftArray, empty } from "./array.js";
import { Tape } from "./tape.js";

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
  /** Largest number of state sets held at once (checkpoints plus one segment). */
  peakStates: number;
  /** States held by a full tape over the same rollout, for comparison (T + 1). */
  fullTapeStates: number;
}

function like(a: WeftArray, requiresGrad: boolean): WeftArray {
  return empty(a.shape, { dtype: a.dtype, device: a.device, requiresGrad });
}

export function checkpointed(spec: CheckpointedSpec): CheckpointedResult {
  const { steps: T, every: k, initial } = spec;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`checkpointed: steps must be a positive integer, got ${T}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`checkpointed: every must be a positive integer, got ${k}`);
  if (!initial.length || !initial.every((a) => a instanceof WeftArray)) throw new TypeError("checkpointed: initial must be a non-empty list of weft arrays");
  let live = 0, peak = 0;
  const hold = (n: number) => { live += n; peak = Math.max(peak, live); };

  // Forward: keep the state at t = 0, k, 2k, ...
  const checkpoints: WeftArray[][] = [initial];
  let cur = initial;
  for (let t = 0; t < T; t++) {
    const out = cur.map((a) => like(a, false));
    hold(1);
    spec.step(cur, out, t);
    const keep = cur === initial || checkpoints.includes(cur);
    if (!keep) { cur.forEach((a) => a.dispose()); live--; }
    cur = out;
    if ((t + 1) % k === 0 && t + 1 < T) checkpoints.push(cur);
  }
  if (!checkpoints.includes(cur)) { cur.forEach((a) => a.dispose()); live--; }

  // Backward, segment by segment.
  let carry: WeftArray[] | null = null;
  let lossValue = NaN;
  for (let s = checkpoints.length - 1; s >= 0; s--) {
    const a = s * k, b = Math.min(a + k, T);
    const start = checkpoints[s].map((x) => { const c = like(x, true); c.assign(x); return c; });
    hold(1);
    const states: WeftArray[][] = [start];
    const tape = new Tape();
    let lossArr: WeftArray | null = null;
    tape.record(() => {
      for (let t = a; t < b; t++) {
        const out = states[states.length - 1].map((x) => like(x, true));
        hold(1);
        spec.step(states[states.length - 1], out, t);
        states.push(out);
      }
      if (b === T) lossArr = spec.loss(states[states.length - 1]);
    });
    if (lossArr) {
      tape.backward(lossArr);
      lossValue = Number((lossArr as WeftArray).toTypedArray()[0]);
    } else {
      tape.backward(null, new Map(states[states.length - 1].map((x, j) => [x, carry![j]] as [WeftArray, WeftArray])));
    }
    carry?.forEach((g) => g.dispose());
    carry = start.map((x) => x.grad!.clone());
    for (const st of states) { st.forEach((x) => x.dispose()); live--; }
    if (s > 0) { checkpoints[s].forEach((x) => x.dispose()); live--; }
  }
  // The gradient of the initial state lands in the user's arrays.
  initial.forEach((x, j) => {
    if (!x.grad) return;
    const sum = (x.grad.toTypedArray() as Float32Array).map((v: number, q: number) => v + Number((carry![j].toTypedArray() as Float32Array)[q]));
    x.grad.assign(sum);
  });
  carry?.forEach((g) => g.dispose());
  return { loss: lossValue, peakStates: peak, fullTapeStates: T + 1 };
}
