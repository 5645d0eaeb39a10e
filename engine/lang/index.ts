// The kernel-language frontend: AssemblyScript-syntax kernel source -> checked -> high-level IR.
// Parsing uses the TypeScript parser only; all checking is ours (see docs/language.md).

import type { IRModule } from "../ir/ops.js";
import { compileModule } from "./module.js";
import { LibrarySet, standardLibraries } from "./library.js";

export { WeftCompileError, formatDiagnostic } from "./diagnostics.js";
export type { Diagnostic } from "./diagnostics.js";
export { LibrarySet, standardLibraries } from "./library.js";
export type { LibrarySource } from "./library.js";

export interface CompileSourceOptions {
  /**
   * Libraries whose exported @structs, @funcs and constants the module sees (default: the standard
   * library, `kernels-as/lib/*.ts`; null: none). See engine/lang/library.ts.
   */
  libraries?: LibrarySet | null;
}

/**
 * Compiles one kernel module to high-level IR: one `Func` per @kernel and @func (overloads get
 * mangled names), plus the library @funcs it calls; struct types in `structs`. Throws
 * `WeftCompileError` with every diagnostic.
 */
export function compileSource(source: string, file: string, opts: CompileSourceOptions = {}): IRModule {
  return compileModule(source, file, { libraries: opts.libraries === undefined ? standardLibraries() : opts.libraries });
}
