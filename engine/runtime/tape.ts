// The Tape: records launches, then replays their adjoint kernels in reverse, so gradients flow from
// a loss back to every input array that has `requiresGrad`. Each adjoint launch gets the same
// arguments as its forward launch; arrays carry their `.grad` buffers to it.
//
// Debug mode (WEFT_DEBUG=1 or `new Tape({ debug: true })`) checks the one thing that silently breaks
// reverse mode: an array that a recorded launch read being overwritten (by a later recorded launch,
// or by the launch itself) before `backward`. The adjoint would replay with the new values.

import { WeftArray } from "./array.js";
import { LaunchRecord, launchObservers, launchVariant } from "./launch.js";
import { KernelTrap } from "./backend.js";
import { TAPE_OVERFLOW, stackSize } from "../passes/autodiff.js";
import { typeName } from "../ir/types.js";

export interface TapeOptions { debug?: boolean }

interface Recorded extends LaunchRecord { index: number }

export class Tape {
  readonly launches: Recorded[] = [];
  private debug: boolean;
  private problems: string[] = [];
  /** Arrays read by recorded launches: array -> the first launch that read it. */
  private readBy = new Map<WeftArray, Recorded>();

  constructor(opts: TapeOptions = {}) {
    this.debug = opts.debug ?? process.env.WEFT_DEBUG === "1";
  }

  /** Records every launch made while `fn` runs (also launches made by awaited code if `fn` is async). */
  record<T>(fn: () => T): T {
    const obs = (r: LaunchRecord) => this.add(r);
    launchObservers.push(obs);
    const done = () => { const k = launchObservers.indexOf(obs); if (k >= 0) launchObservers.splice(k, 1); };
    let out: T;
    try { out = fn(); } catch (e) { done(); throw e; }
    if (out instanceof Promise) return out.finally(done) as T;
    done();
    return out;
  }

  private add(r: LaunchRecord): void {
    const rec: Recorded = { ...r, inputs: [...r.inputs], index: this.launches.length };
    this.launches.push(rec);
    if (!this.debug) return;
    const { params, reads, writes } = r.kernel.info;
    for (const k of writes) {
      const a = r.inputs[k];
      if (!(a instanceof WeftArray)) continue;
      for (const [read, by] of this.readBy) {
        if (overlaps(read, a)) this.problems.push(`launch #${rec.index} of kernel '${r.kernel.name}' overwrites argument '${params[k].name}', which launch #${by.index} of kernel '${by.kernel.name}' read before; gradients would be wrong (use a new array per step)`);
      }
    }
    for (const k of reads) {
      const a = r.inputs[k];
      if (a instanceof WeftArray && !this.readBy.has(a)) this.readBy.set(a, rec);
      if (a instanceof WeftArray && writes.includes(k)) {
        this.problems.push(`launch #${rec.index} of kernel '${r.kernel.name}' reads and overwrites argument '${params[k].name}' in place; its adjoint would replay with the new values (write to another array)`);
      }
    }
  }

  /**
   * Propagates gradients backwards through the recorded launches. With `loss` (a one-element float
   * array), seeds d loss / d loss = 1; with `grads`, seeds the given output gradients instead.
   */
  backward(loss?: WeftArray | null, grads?: Map<WeftArray, ArrayLike<number> | WeftArray>): void {
    if (this.problems.length) {
      throw new Error(`Tape.backward: the recorded launches cannot be differentiated:\n  ${[...new Set(this.problems)].join("\n  ")}`);
    }
    if (loss) {
      if (!(loss instanceof WeftArray)) throw new TypeError("Tape.backward(loss): loss must be a weft array");
      if (!loss.grad) throw new Error(`Tape.backward: the loss array (${loss}) was not created with requiresGrad: true`);
      const t = loss.type;
      if (t.k !== "scalar" || (t.s !== "f32" && t.s !== "f64")) throw new TypeError(`Tape.backward: the loss must hold f32 or f64, got ${typeName(t)}`);
      loss.grad.fill(1);
    }
    for (const [arr, g] of grads ?? []) {
      if (!arr.grad) throw new Error(`Tape.backward: output ${arr} has no gradient buffer (requiresGrad: true)`);
      arr.grad.assign(g as any);
    }
    // An array without a gradient buffer is a constant: the adjoint kernels read 0 from its absent
    // gradient and drop what they would accumulate into it (docs/architecture.md, "Gradient accesses").
    for (let k = this.launches.length - 1; k >= 0; k--) {
      const r = this.launches[k];
      try {
        launchVariant(r.kernel, r.dims, r.inputs, { ...r.opts, device: r.device }, "adjoint");
      } catch (e) {
        if (e instanceof KernelTrap && e.code === TAPE_OVERFLOW && e.kernel === `${r.kernel.name}__adj`) {
          throw new Error(`Tape.backward: the adjoint of launch #${k} of ${r.kernel} overflowed its per-thread autodiff stack (${e.message}). `
            + `Loops with state push (variables the loop reads) entries per iteration; the stack holds WEFT_AD_STACK = ${stackSize()} entries per scalar kind. `
            + `Raise WEFT_AD_STACK, and recompile: the size is compiled into the adjoint, so clear the kernel cache or set WEFT_CACHE=0`, { cause: e });
        }
        throw e;
      }
    }
  }

  /** The gradient buffer of every array with requiresGrad that a recorded launch used. */
  get gradients(): Map<WeftArray, WeftArray> {
    const m = new Map<WeftArray, WeftArray>();
    for (const r of this.launches) for (const a of r.inputs) if (a instanceof WeftArray && a.grad) m.set(a, a.grad);
    return m;
  }

  /** Zeroes every gradient buffer the tape knows of (keeps the recorded launches). */
  zero(): void {
    for (const g of this.gradients.values()) g.zero();
  }

  /** Forgets the recorded launches (and zeroes gradients). */
  reset(): void {
    this.zero();
    this.launches.length = 0;
    this.readBy.clear();
    this.problems = [];
  }
}

function overlaps(a: WeftArray, b: WeftArray): boolean {
  if (a.device !== b.device) return false;
  const a0 = BigInt(a.ptr), b0 = BigInt(b.ptr);
  const a1 = a0 + BigInt(a.size * a.itemSize), b1 = b0 + BigInt(b.size * b.itemSize);
  return a0 < b1 && b0 < a1;
}
