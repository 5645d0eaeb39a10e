// What the adjoint saves on its per-thread stack (passes/autodiff.ts, `planRegion`): only the
// variables an if or a loop iteration reads before writing, without flatten-exits' flags and
// without what is still in place when the construct is reversed. The gradients must not change:
// random kernels with loops, branches, break/continue/return, fixed arrays and integer state are
// differentiated both ways (`saveAll`: every variable read, as before) and compared to the bit.
import { describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { compileSource } from "../engine/lang/index.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import { flattenExits } from "../engine/passes/flatten-exits.js";
import { AdjointOptions, adjointKernel, stackSize } from "../engine/passes/autodiff.js";
import { validateFunc } from "../engine/ir/validator.js";
import { runKernel } from "../engine/ir/interp.js";
import { Func } from "../engine/ir/ops.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

function adjointOf(src: string, opts: AdjointOptions = {}): Func {
  const fn = lowerKernel(compileSource(src, "fuzz.ts"), "k", { dump: false });
  flattenExits(fn);
  const adj = adjointKernel(fn, opts);
  validateFunc(adj, { lowered: true, stage: "autodiff" });
  return adj;
}

const NX = 8, NOUT = 4;

/** Runs an adjoint kernel `k(x: Array<f64>, out: Array<f64>, s: f64)` and returns its memory. */
function runAdjoint(adj: Func, xs: number[], seed: number[], threads: number): Float64Array {
  const buffer = new ArrayBuffer(4096);
  const f = new Float64Array(buffer);
  // x at 64 (grad at 256), out at 512 (grad at 768): byte addresses.
  f.set(xs, 64 / 8);
  f.set(seed, 768 / 8);
  const x = { data: 64, grad: 256, shape: [NX], strides: [8] };
  const out = { data: 512, grad: 768, shape: [NOUT], strides: [8] };
  runKernel(adj, [threads], [x, out, 0.75], { buffer });
  return f;
}

/** A small seeded generator of kernel bodies. */
function program(seed: number): string {
  let s = seed >>> 0;
  const rnd = (n: number) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 8) % n; };
  const fvars = ["a", "b", "c"];
  let loops = 0, depthLoops = 0;
  const fexpr = (): string => {
    const v = () => fvars[rnd(3)];
    switch (rnd(7)) {
      case 0: return `${v()} * x[(i + ${rnd(NX)}) % ${NX}]`;
      case 1: return `sin(${v()}) + ${v()} * 0.5`;
      case 2: return `${v()} * ${v()} * 0.25 + s`;
      case 3: return `${v()} - x[${rnd(NX)}] * f64(n)`;
      case 4: return `st[${rnd(4)}] * 0.5 + ${v()}`;
      case 5: return `tanh(${v()} + ${v()})`;
      default: return `${v()} + 0.125`;
    }
  };
  const cond = (): string => {
    switch (rnd(4)) {
      case 0: return `${fvars[rnd(3)]} < ${fvars[rnd(3)]}`;
      case 1: return `n % 2 == ${rnd(2)}`;
      case 2: return `x[${rnd(NX)}] > ${(rnd(5) - 2) * 0.5}`;
      default: return `${fvars[rnd(3)]} > 0.5`;
    }
  };
  const stmts = (depth: number, inLoop: string | null): string => {
    const n = 1 + rnd(3);
    let out = "";
    for (let k = 0; k < n; k++) out += stmt(depth, inLoop);
    return out;
  };
  const stmt = (depth: number, inLoop: string | null): string => {
    const pad = "  ".repeat(depth + 1);
    const r = rnd(depth >= 3 ? 4 : 13);
    switch (r) {
      case 0: case 1: return `${pad}${fvars[rnd(3)]} = ${fexpr()};\n`;
      case 2: return `${pad}${fvars[rnd(3)]} += ${fexpr()};\n`;
      case 3: return [`${pad}n = n + ${1 + rnd(2)};\n`, `${pad}st[${rnd(4)}] = ${fexpr()};\n`, `${pad}${fvars[rnd(3)]} = ${rnd(4) * 0.5};\n`][rnd(3)];
      case 4: case 5: return `${pad}if (${cond()}) {\n${stmts(depth + 1, inLoop)}${pad}}${rnd(2) ? ` else {\n${stmts(depth + 1, inLoop)}${pad}}` : ""}\n`;
      case 6: case 7: {
        if (depthLoops >= 2) return `${pad}c = ${fexpr()};\n`;
        const iv = `i${loops++}`;
        depthLoops++;
        const bound = rnd(2) ? `${1 + rnd(4)}` : "m";
        const body = stmts(depth + 1, iv);
        depthLoops--;
        return `${pad}for (let ${iv} = 0; ${iv} < ${bound}; ${iv}++) {\n${body}${pad}}\n`;
      }
      case 8: {
        if (depthLoops >= 2) return `${pad}b = ${fexpr()};\n`;
        const tv = `t${loops++}`;
        depthLoops++;
        const body = stmts(depth + 1, tv);
        depthLoops--;
        // The counter moves first: a continue in the body must not skip it.
        return `${pad}let ${tv} = 0;\n${pad}while (true) {\n${pad}  ${tv}++;\n${pad}  if (${tv} > ${1 + rnd(3)}) break;\n${body}${pad}}\n`;
      }
      case 9: return inLoop ? `${pad}if (${cond()}) break;\n` : `${pad}a = ${fexpr()};\n`;
      case 10: return inLoop ? `${pad}if (${cond()}) continue;\n` : `${pad}b = ${fexpr()};\n`;
      case 11: return rnd(3) === 0 ? `${pad}if (${cond()}) { out[3] = ${fexpr()}; return; }\n` : `${pad}atomicAdd(out, 2, ${fexpr()});\n`;
      default: return `${pad}out[1] = ${fexpr()};\n`;
    }
  };
  const body = stmts(0, null);
  const after = rnd(2) ? `  a = a * b + f64(n);\n  if (a > b) { c = c * a; }\n` : "";
  return `
@kernel export function k(x: Array<f64>, out: Array<f64>, s: f64): void {
  const i = tid();
  let a: f64 = x[i]; let b: f64 = x[i + 1] * 0.5; let c: f64 = 1.0;
  let n: i32 = 0;
  const m: i32 = 3;
  const st = new StaticArray<f64>(4);
  st[0] = a;
${body}${after}  out[0] = a + b * 2.0 + c;
}
`;
}

describe("autodiff saves only live-in state", () => {
  it("random kernels: the gradients equal those of saving every variable read, to the bit", () => {
    const xs = [0.3, -0.7, 1.1, 0.45, -0.2, 0.9, 0.05, -1.3];
    const seed = [1, 0.5, -0.25, 2];
    let checked = 0;
    for (let p = 1; p <= Number(process.env.AUTODIFF_FUZZ ?? 150); p++) {
      const src = program(p * 7919);
      const full = runAdjoint(adjointOf(src, { saveAll: true }), xs, seed, 2);
      const live = runAdjoint(adjointOf(src), xs, seed, 2);
      const bad = [...full].findIndex((v, k) => !Object.is(v, live[k]));
      expect(bad, `program ${p}: memory differs at f64 #${bad} (${full[bad]} vs ${live[bad]})\n${src}`).toBe(-1);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("prod *= x[i] saves p and i per iteration, not the loop's break flag", () => {
    const src = `@kernel export function k(x: Array<f64>, out: Array<f64>, s: f64): void {
      let p: f64 = 1.0;
      for (let i = 0; i < x.length; i++) p *= x[i];
      out[0] = p * s;
    }`;
    // The smallest WEFT_AD_STACK that differentiates NX iterations, found by running the adjoint.
    const smallest = (opts: AdjointOptions) => {
      const was = process.env.WEFT_AD_STACK;
      try {
        for (let size = 1; size < 4 * NX; size++) {
          process.env.WEFT_AD_STACK = String(size);
          try { runAdjoint(adjointOf(src, opts), new Array(NX).fill(1.5), [1, 0, 0, 0], 1); return size; } catch { /* overflow */ }
        }
        return -1;
      } finally {
        if (was === undefined) delete process.env.WEFT_AD_STACK; else process.env.WEFT_AD_STACK = was;
      }
    };
    // i32: the counter i per iteration (NX + 1 of them: the last one only tests i < x.length) and
    // the iteration count; f64: p per iteration.
    expect(smallest({})).toBe(NX + 2);
    // Saving every variable read also saved the break flag: 2 i32 per iteration.
    expect(smallest({ saveAll: true })).toBe(2 * (NX + 1) + 1);
  });
});

describe.each(BACKEND_NAMES)("a 1000-iteration product loop on %s", (backend) => {
  it("differentiates with the default autodiff stack", async () => {
    expect(stackSize()).toBe(1024);
    const device = deviceFor(backend);
    const m = await wf.loadModule({ name: "prod1000", source: `
      import { Array, f32 } from "weft/kernels";
      @kernel export function prod(x: Array<f32>, out: Array<f32>): void {
        let p: f32 = 1.0;
        for (let i = 0; i < x.length; i++) p *= x[i];
        out[0] = p;
      }` }, { backend, device });
    const n = 1000;
    // Factors near 1 keep the product in range; exact reference in f32 order.
    const xs = Float32Array.from({ length: n }, (_, k) => 1 + ((k % 7) - 3) / 1024);
    const x = wf.array(xs, { requiresGrad: true, device });
    const out = wf.zeros(1, { requiresGrad: true, device });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.prod, 1, [x, out], { backend }));
    tape.backward(out);
    // d p / d x_j = prod_{k != j} x_k, computed as the adjoint does: the prefix product times the
    // suffix adjoint, in f32.
    const fr = Math.fround;
    const prefix = [1];
    for (let k = 0; k < n; k++) prefix.push(fr(prefix[k] * xs[k]));
    const want: number[] = new Array(n);
    let adj = 1;
    for (let k = n - 1; k >= 0; k--) { want[k] = fr(adj * prefix[k]); adj = fr(adj * xs[k]); }
    const got = Array.from(x.grad!.toTypedArray() as Float32Array);
    expect(out.toTypedArray()[0]).toBe(prefix[n]);
    const worst = Math.max(...got.map((g, k) => Math.abs(g - want[k]) / Math.abs(want[k])));
    expect(worst).toBeLessThan(1e-6);
  });
});
