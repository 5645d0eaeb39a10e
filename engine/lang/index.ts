// The kernel-language frontend: AssemblyScript-syntax kernel source -> checked -> high-level IR.
// Parsing uses the TypeScript parser only; all checking is ours (see docs/language.md).

import type { IRModule } from "../ir/ops.js";
import { compileModule } from "./module.js";

export { WeftCompileError, formatDiagnostic } from "./diagnostics.js";
export type { Diagnostic } from "./diagnostics.js";

/**
 * Compiles one kernel module to high-level IR: one `Func` per @kernel and @func (overloads get
 * mangled names), struct types in `structs`. Throws `WeftCompileError` with every diagnostic.
 */
export function compileSource(source: string, file: string): IRModule {
  return compileModule(source, file);
}
