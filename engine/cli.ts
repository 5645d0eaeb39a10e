#!/usr/bin/env node
// The `weft` command: shows each stage of the pipeline for a kernel file, and the devices.
//
//   weft compile FILE [--emit ir|lowered|adjoint|wat|cuda] [--kernel NAME] [--debug]
//   weft devices
//   weft --version

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `usage:
  weft compile FILE [--emit ir|lowered|adjoint|wat|cuda] [--kernel NAME] [--debug]
      ir       the IR the frontend builds (WEFT_DUMP_IR=1 also prints it after every pass)
      lowered  the IR backends receive (after inline, lower-builtins, scalarize, fold, dce)
      adjoint  the reverse-mode adjoint kernels autodiff writes
      wat      the WebAssembly module, as text
      cuda     the CUDA C++ translation unit (with #line directives back to FILE)
  weft devices
  weft --version`;

function arg(args: string[], name: string): string | undefined {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "-h" || cmd === "--help") { console.log(USAGE); return cmd ? 0 : 2; }
  if (cmd === "--version") {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"), "utf8"));
    console.log(pkg.version);
    return 0;
  }
  if (cmd === "devices") {
    const wf = await import("./index.js");
    await wf.init();
    for (const d of wf.devices()) console.log(`${d.name.padEnd(8)} ${d.info.description}`);
    const st = wf.cudaStatus();
    if (!st.available) console.log(`(no CUDA devices: ${st.reason})`);
    return 0;
  }
  if (cmd !== "compile" || !rest[0] || rest[0].startsWith("--")) { console.error(USAGE); return 2; }
  const file = rest[0];
  const emit = arg(rest, "--emit") ?? "ir";
  const only = arg(rest, "--kernel");
  const debug = rest.includes("--debug");
  let source: string;
  try { source = readFileSync(file, "utf8"); } catch (e) {
    console.error(`weft: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const { compileSource } = await import("./lang/index.js");
  const ir = compileSource(source, file);
  const { printModule, printFunc } = await import("./ir/printer.js");
  if (emit === "ir") { console.log(printModule(ir)); return 0; }
  const { lowerModule } = await import("./passes/pipeline.js");
  let kernels = lowerModule(ir);
  if (only) {
    kernels = kernels.filter((k) => k.name === only);
    if (!kernels.length) { console.error(`weft: '${file}' has no kernel '${only}'`); return 1; }
  }
  if (emit === "adjoint") {
    const { flattenExits } = await import("./passes/flatten-exits.js");
    const { adjointKernel } = await import("./passes/autodiff.js");
    const { AutodiffError } = await import("./passes/autodiff-analysis.js");
    // Every kernel is differentiated on its own; each one that cannot be is reported.
    const errors: string[] = [];
    kernels = kernels.flatMap((k) => {
      try { flattenExits(k); return [adjointKernel(k)]; } catch (e) {
        if (!(e instanceof AutodiffError)) throw e;
        errors.push(e.message);
        return [];
      }
    });
    if (errors.length) { console.error(errors.join("\n")); return 1; }
  }
  if (emit === "lowered" || emit === "adjoint") { console.log(kernels.map(printFunc).join("\n")); return 0; }
  if (emit === "wat") {
    const { emitText } = await import("./backends/wasm/compile.js");
    console.log(emitText(kernels, { debug, moduleName: ir.name }));
    return 0;
  }
  if (emit === "cuda") {
    const { generateCuda } = await import("./backends/cuda/codegen.js");
    console.log(generateCuda(kernels, { debug, moduleName: ir.name }).source);
    return 0;
  }
  console.error(`weft: unknown --emit '${emit}'\n${USAGE}`);
  return 2;
}

/** Errors in the user's kernel source (located diagnostics), as opposed to bugs of weft. */
async function isUserError(e: unknown): Promise<boolean> {
  const { WeftCompileError } = await import("./lang/index.js");
  const { AutodiffError } = await import("./passes/autodiff-analysis.js");
  return e instanceof WeftCompileError || e instanceof AutodiffError;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, async (e) => {
  if (await isUserError(e)) {
    console.error((e as Error).message);
    process.exitCode = 1;
    return;
  }
  console.error(`weft: internal error: ${(e as Error).stack ?? e}`);
  process.exitCode = 70;
});
