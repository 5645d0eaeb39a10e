// `wf.gradcheck`: compares a kernel's reverse-mode gradients with central finite differences of
// its forward launch, for the arrays that require gradients. The scalar being differentiated is a
// random weighting of every output the kernel writes, L = Σ w·out, so one backward pass checks all
// outputs at once. Outputs are restored before each evaluation, so kernels that accumulate with
// atomics are checked correctly too.

import { WeftArray } from "./array.js";
import { Kernel } from "./module.js";
import { launch, LaunchOptions } from "./launch.js";
import { Tape } from "./tape.js";
import { componentScalar } from "../ir/types.js";

export interface GradcheckOptions extends LaunchOptions {
  /** Finite-difference step (default 1e-3 for f32 inputs, 1e-6 for f64). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many scalars per input array (spread evenly); default 64. */
  maxScalars?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  checked: number;
  maxAbsError: number;
  failures: { param: string; scalar: number; analytic: number; numeric: number }[];
}

export function gradcheck(kernel: Kernel, dim: number | number[], inputs: any[], opts: GradcheckOptions = {}): GradcheckResult {
  const { params, reads, writes } = kernel.info;
  const outputs = writes.map((k) => inputs[k]).filter((a): a is WeftArray => a instanceof WeftArray);
  const checkIdx = reads.filter((k) => inputs[k] instanceof WeftArray && inputs[k].requiresGrad && isFloatArray(inputs[k]));
  if (!outputs.length) throw new Error(`gradcheck: ${kernel} writes no array, so there is nothing to differentiate`);
  if (!checkIdx.length) throw new Error(`gradcheck: no float input array of ${kernel} has requiresGrad: true`);
  for (const k of checkIdx) if (outputs.includes(inputs[k])) throw new Error(`gradcheck: '${params[k].name}' is both read and written; use separate input and output arrays`);

  const saved = outputs.map((o) => o.toTypedArray().slice());
  const restore = () => outputs.forEach((o, j) => o.assign(saved[j]));
  let seed = opts.seed ?? 12345;
  const rnd = () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32 * 2 - 1; };
  const weights = outputs.map((o) => Array.from({ length: o.toTypedArray().length }, rnd));
  const lossOf = () => outputs.reduce((acc, o, j) => acc + Array.from(o.toTypedArray() as ArrayLike<number>).reduce((s, v, q) => s + Number(v) * weights[j][q], 0), 0);
  const launchOpts: LaunchOptions = { backend: opts.backend, device: opts.device };

  // Analytic: seed out.grad = w and run the adjoint.
  restore();
  for (const k of checkIdx) inputs[k].grad.zero();
  const tape = new Tape();
  tape.record(() => launch(kernel, dim, inputs, launchOpts));
  const gradMap = new Map<WeftArray, ArrayLike<number>>();
  const tmpGrads: WeftArray[] = [];
  outputs.forEach((o, j) => {
    if (!o.grad) { o.grad = o.clone(); tmpGrads.push(o); }
    gradMap.set(o, Float64ArrayOrF32(o, weights[j]));
  });
  tape.backward(null, gradMap);
  const analytic = checkIdx.map((k) => Array.from(inputs[k].grad.toTypedArray() as ArrayLike<number>, Number));
  for (const o of tmpGrads) { o.grad!.dispose(); o.grad = null; }

  // Numeric: central differences on a spread of scalars of each input.
  const res: GradcheckResult = { ok: true, checked: 0, maxAbsError: 0, failures: [] };
  checkIdx.forEach((k, n) => {
    const arr = inputs[k] as WeftArray;
    const isF32 = componentScalar(arr.type) === "f32";
    const eps = opts.eps ?? (isF32 ? 1e-3 : 1e-6);
    const atol = opts.atol ?? (isF32 ? 2e-2 : 1e-5), rtol = opts.rtol ?? (isF32 ? 2e-2 : 1e-5);
    const values = arr.toTypedArray().slice();
    const total = values.length, count = Math.min(total, opts.maxScalars ?? 64);
    for (let c = 0; c < count; c++) {
      const q = Math.floor((c * total) / count);
      const orig = values[q];
      const evalAt = (x: number) => { values[q] = x; arr.assign(values); restore(); launch(kernel, dim, inputs, launchOpts); return lossOf(); };
      const numeric = (evalAt(orig + eps) - evalAt(orig - eps)) / (2 * eps);
      values[q] = orig; arr.assign(values);
      const a = analytic[n][q], err = Math.abs(a - numeric);
      res.checked++;
      res.maxAbsError = Math.max(res.maxAbsError, err);
      if (!(err <= atol + rtol * Math.abs(numeric))) { res.ok = false; res.failures.push({ param: params[k].name, scalar: q, analytic: a, numeric }); }
    }
  });
  restore();
  return res;
}

function isFloatArray(a: WeftArray): boolean {
  const s = componentScalar(a.type);
  return s === "f32" || s === "f64";
}

function Float64ArrayOrF32(o: WeftArray, w: number[]): ArrayLike<number> {
  return componentScalar(o.type) === "f64" ? Float64Array.from(w) : Float32Array.from(w);
}
