// Conformance: print / printf (debug and release builds). On the interpreter and wasm the formatted text goes to
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

@kernel
export function allConversions(i: i32, u: u32, big: i64, f: f32, d: f64, b: bool): void {
  print("%+d|%i|%u|%X|%#o|%c|%s|%lld|%llx|%.2E|%10.4f|%-8g|%G|%#x|%.3d|%s|%d", i, i, i, u, u, 65, u, big, big, f, d, f, d, u, 7, b, f);
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
    // No exact decimal ties at these precisions (C rounds a tie to even, toFixed away from zero).
    const xs = [1.5, -0.375, 2 / 3].map(fr);
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

  // BUG (wasm): the host formats wasm's print records with its own JavaScript formatter
  // (engine/backends/wasm/host-report.ts `formatPrint`), not C's: %e prints "-1.250000e-1"
  // (C: "-1.250000e-01"), %g prints every digit of the double, %x of a negative i32 prints "-1",
  // widths and flags are ignored. The fix is for it to call `formatPrintf(fmt, vals, kinds)` of
  // engine/runtime/printf.ts, which the interpreter uses. CUDA's device printf is C's.
  const cFormats = backend === "cuda" ? it.skip : backend === "wasm" ? it.fails : it;
  cFormats("%e, %g, %x of negatives, widths and flags follow C printf", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(((s: string | Uint8Array) => { lines.push(String(s)); return true; }) as any);
    c.launch("cFormats", 1, [-0.125, 2 / 3, -1, 42, 3.14159]);
    spy.mockRestore();
    expect(lines.join("")).toBe("-1.250000e-01|0.666667|ffffffff|   42|42   |003.1\n");
  });

  cFormats("every C conversion with flags, widths and precisions; 64-bit values; bools as true/false", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(((s: string | Uint8Array) => { lines.push(String(s)); return true; }) as any);
    c.launch("allConversions", 1, [-42, 3735928559, -(2n ** 40n), 1.5, Math.PI, true]);
    spy.mockRestore();
    // What glibc's printf prints for the same values (the i64 with %lld/%llx, %s of a u32 as %u,
    // %d of an f32 as %g, a bool as %s of "true"), as CUDA's code generator emits them.
    expect(lines.join("")).toBe("-42|-42|4294967254|DEADBEEF|033653337357|A|3735928559|-1099511627776|ffffff0000000000|1.50E+00|    3.1416|1.5     |3.14159|0xdeadbeef|007|true|1.5\n");
  });

  // print prints in every build, not only in debug mode (docs/language.md, Printing).
  it.skipIf(backend === "cuda")("print prints in release builds too", async () => {
    const r = new Ctx(backend, await loadFor(backend, SRC, "conf_print_release", { debug: false }));
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(((s: string | Uint8Array) => { lines.push(String(s)); return true; }) as any);
    r.launch("show", 2, [r.array([1, 2]), 0.5, 3n]);
    spy.mockRestore();
    expect(lines.join("").split("\n").filter((l) => l).sort()).toEqual([
      "i=0 x=1.000 d=0.500000 hex=0 u=3735928559 big=3 100%", "i=1 x=2.000 d=0.500000 hex=ff u=3735928559 big=3 100%", "only thread 1, x=2.00",
    ]);
  });
});
