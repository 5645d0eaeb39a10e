// Host (JavaScript) implementations of the math functions WebAssembly lacks, imported as
// `env.<name>`. The table is JavaScript *source* so that the pool's workers, which are created from
// a self-contained code string, build exactly the same imports as the main thread. f32 versions
// compute in double and round once on return, which is within 1 ulp of the true result.

export const LIB_JS_SOURCE = `{
  sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  atan2: Math.atan2, sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, exp: Math.exp,
  exp2: (x) => Math.pow(2, x), log: Math.log, log2: Math.log2, log10: Math.log10,
  pow: (x, y) => (x === 1 || y === 0 ? 1 : (x === -1 && (y === Infinity || y === -Infinity)) ? 1 : Math.pow(x, y)),
  cbrt: Math.cbrt, fmod: (a, b) => a % b,
  sinf: Math.sin, cosf: Math.cos, tanf: Math.tan, asinf: Math.asin, acosf: Math.acos, atanf: Math.atan,
  atan2f: Math.atan2, sinhf: Math.sinh, coshf: Math.cosh, tanhf: Math.tanh, expf: Math.exp,
  exp2f: (x) => Math.pow(2, x), logf: Math.log, log2f: Math.log2, log10f: Math.log10,
  powf: (x, y) => (x === 1 || y === 0 ? 1 : (x === -1 && (y === Infinity || y === -Infinity)) ? 1 : Math.pow(x, y)),
  cbrtf: Math.cbrt, fmodf: (a, b) => a % b,
}`;

let table: Record<string, (...a: number[]) => number> | null = null;

/** The main thread's copy of the table (same source as the workers'). */
export function hostLibTable(): Record<string, (...a: number[]) => number> {
  if (!table) table = new Function(`return ${LIB_JS_SOURCE};`)() as Record<string, (...a: number[]) => number>;
  return table;
}

/** Builds the `env` import object entries for the library names a module imports. */
export function libImports(names: string[]): Record<string, (...a: number[]) => number> {
  const t = hostLibTable(), out: Record<string, (...a: number[]) => number> = {};
  for (const n of names) {
    if (!t[n]) throw new Error(`wasm backend: no host implementation of math function '${n}'`);
    out[n] = t[n];
  }
  return out;
}
