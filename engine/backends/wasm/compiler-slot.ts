// Where the wasm compiler (compile.ts) is found at run time. compile.ts loads binaryen, which takes
// about half a second to import, so the loader path (runtime-backend.ts -> device.ts -> pool,
// memory, abi, host-report, mathlib-js) never imports it: compile.ts registers itself here when
// something imports it (wf.init(), Module.prepare on a cache miss, the CLI, tests), and a process
// that finds every kernel in the cache never loads binaryen.

import type { compileWasm } from "./compile.js";

export type CompileFn = typeof compileWasm;

let compileFn: CompileFn | null = null;

/** Called by compile.ts when it is evaluated. */
export function registerCompiler(f: CompileFn): void { compileFn = f; }

/** The compiler if loaded, else null. */
export function loadedCompiler(): CompileFn | null { return compileFn; }

/** Loads the compiler (and binaryen) once. */
export async function loadCompiler(): Promise<CompileFn> {
  if (!compileFn) await import("./compile.js");
  if (!compileFn) throw new Error("wasm backend: compile.ts did not register the compiler");
  return compileFn;
}
