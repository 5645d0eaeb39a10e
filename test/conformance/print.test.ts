// Conformance: print / printf in debug mode. On the interpreter and wasm the formatted text goes to
// process.stdout.write (wasm kernels append records to a print buffer that the host formats after
// the launch), so it is observed by spying on that. On CUDA the device's printf writes to the C
// stdout of the process, which JavaScript cannot intercept: that backend is skipped here (see the
// skip below), and its printing is covered by the CUDA code generator's own tests.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, fr, loadFor } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, i32, u32, i64, print, printf } from "weft/kernels";

@kernel
export function show(x: Array<f32>, d: f64, big: i64): void {
  const i = tid();
  const u: u32 = 0xdeadbeef;
  print("i=%d x=%.3f d=%f hex=%x u=%u big=%d 100%%\\n", i, x[i], d, i * 255, u, big);
  if (i == 1) printf("only thread %d, x=%.2f", i, x[i]);
}

@kernel
export function cFormats(e: f32, g: f32, neg: i32, w: i32, p: f32): void {
  print("%e|%g|%x|%5d|%-5d|%05.1f\\n", e, g, neg, w, w, p);
}
`;

describe.each(BACKEND_NAMES)("print on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { if (backend !== "cuda") c = new Ctx(backend, await loadFor(backend, SRC, "conf_print", { debug: true })); });
  afterEach(() => { vi.restoreAllMocks(); });

  // SKIP on cuda: device printf is not observable from JavaScript (written by the driver to fd 1).
  it.skipIf(backend === "cuda")("formats %d %.3f %f %x %u %% per thread; printf is print; a line ends every record", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(((s: string | Uint8Array) => { lines.push(String(s)); return true; }) as any);
    const xs = [1.5, -0.125, 2 / 3].map(fr);
    c.launch("show", 3, [c.array(xs), 0.1, -(2n ** 40n)]);
    spy.mockRestore();
    const text = lines.join("");
    const got = text.split("\n").filter((l) => l.length).sort();
    const want = [
      ...xs.map((x, i) => `i=${i} x=${x.toFixed(3)} d=0.100000 hex=${(i * 255).toString(16)} u=3735928559 big=-1099511627776 100%`),
      `only thread 1, x=${xs[1].toFixed(2)}`,
    ].sort();
    expect(got).toEqual(want);
    expect(text.endsWith("\n")).toBe(true);
  });

  // BUG (interp, wasm): the formatting is JavaScript's, not printf's: %e prints "-1.250000e-1"
  // (C: "-1.250000e-01"), %g prints every digit of the double ("0.6666666865348816", C:
  // "0.666667"), %x of a negative i32 prints "-1" (C: "ffffffff"), and widths, '-' and '0' flags
  // are ignored ("42", C: "   42"). CUDA's device printf is C's, so the backends disagree.
  (backend === "cuda" ? it.skip : it.fails)("%e, %g, %x of negatives, widths and flags follow C printf", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(((s: string | Uint8Array) => { lines.push(String(s)); return true; }) as any);
    c.launch("cFormats", 1, [-0.125, 2 / 3, -1, 42, 3.14159]);
    spy.mockRestore();
    expect(lines.join("")).toBe("-1.250000e-01|0.666667|ffffffff|   42|42   |003.1\n");
  });
});
