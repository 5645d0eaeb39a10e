// The pass pipeline, read top to bottom. Each kernel of a module is copied (the module's IR stays
// untouched, so several targets can lower it), then:
//
//   inline          @func calls pasted into the kernel
//   lower-builtins  composite builtins expanded into primitive ones     <- the interpreter runs here
//   scalarize       vectors, matrices, structs split into scalars
//   fold            constants folded with the interpreter's semantics
//   dce             unused pure values and variables removed            <- backends receive this
//
// `WEFT_DUMP_IR=1` prints the IR after every pass; the validator runs after every pass.

import { Func, IRModule } from "../ir/ops.js";
import { printFunc } from "../ir/printer.js";
import { validateFunc } from "../ir/validator.js";
import { cloneBody, newMaps } from "./clone.js";
import { inlineCalls } from "./inline.js";
import { lowerBuiltins } from "./lower-builtins.js";
import { scalarize } from "./scalarize.js";
import { foldConstants } from "./fold.js";
import { eliminateDeadCode } from "./dce.js";

export type Stage = "builtins" | "lowered";

export interface PipelineOptions {
  /** Stop after lower-builtins ("builtins", what the interpreter runs) or run all passes. */
  until?: Stage;
  /** Print the IR after each pass (default: the WEFT_DUMP_IR environment variable). */
  dump?: boolean | ((text: string) => void);
}

interface Pass { name: string; run(fn: Func, mod: IRModule): void; lowered?: boolean }

const PASSES: Pass[] = [
  { name: "inline", run: inlineCalls },
  { name: "lower-builtins", run: lowerBuiltins },
  { name: "scalarize", run: scalarize, lowered: true },
  { name: "fold", run: foldConstants, lowered: true },
  { name: "dce", run: eliminateDeadCode, lowered: true },
];

export function copyFunc(f: Func): Func {
  const c: Func = { ...f, params: [...f.params], vars: [], body: [], nextId: f.nextId };
  const maps = newMaps();
  c.body = cloneBody(f.body, c, maps);
  return c;
}

export function lowerKernel(mod: IRModule, name: string, opts: PipelineOptions = {}): Func {
  const src = mod.funcs.find((f) => f.name === name && f.kind === "kernel");
  if (!src) throw new Error(`module '${mod.name}' has no kernel '${name}'`);
  const fn = copyFunc(src);
  const dump = opts.dump ?? (process.env.WEFT_DUMP_IR === "1" || process.env.WEFT_DUMP_IR === "true");
  const out = typeof dump === "function" ? dump : (s: string) => process.stderr.write(s);
  for (const pass of PASSES) {
    if (pass.lowered && opts.until === "builtins") break;
    pass.run(fn, mod);
    validateFunc(fn, { stage: pass.name, lowered: pass.name === "dce" });
    if (dump) out(`;; ---- ${fn.name} after ${pass.name}\n${printFunc(fn)}`);
  }
  return fn;
}

export function lowerModule(mod: IRModule, opts: PipelineOptions = {}): Func[] {
  return mod.funcs.filter((f) => f.kind === "kernel").map((f) => lowerKernel(mod, f.name, opts));
}
