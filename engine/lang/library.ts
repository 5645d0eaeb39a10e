// Kernel-language libraries: modules whose exported @struct classes, @func functions and constants
// every kernel module can use, as if they were builtins (`import { sdBox, Mesh } from "weft/kernels"`
// is for editors; the names resolve either way). The standard library is `kernels-as/lib/*.ts`.
//
// - A library is compiled once per process, the first time a module uses one of its names; its IR
//   is kept in memory. Only the library functions a module calls (and what they call) are copied
//   into that module's IR, with their source locations in the library file, so diagnostics, traps
//   and `#line` point there.
// - Names: a module's own declarations shadow library names; library names shadow nothing built in
//   (an exported library name that is a builtin is an error in the library). Two libraries may not
//   export the same name. A library uses other libraries' names the same way, by name; a cycle of
//   libraries using each other is an error.
// - IR names of library functions carry the library's name (`core__sdBox`), so they never collide
//   with a module's own functions.

import ts from "typescript";
import type { Func, IRModule } from "../ir/ops.js";
import { lookupBuiltin } from "../builtins/index.js";
import { Diagnostic, Diagnostics, WeftCompileError } from "./diagnostics.js";
import type { ModuleCtx } from "./context.js";
import { LibrarySource, librarySourcesHash, standardLibrarySources } from "./library-files.js";
import { builtinValueType } from "./types.js";
import { SPECIALS } from "./specials.js";

export type { LibrarySource } from "./library-files.js";

export interface CompiledLibrary { name: string; file: string; m: ModuleCtx; ir: IRModule }

export type LibKind = "func" | "struct" | "const";

export type Resolved =
  | { ok: { kind: LibKind; lib: CompiledLibrary } }
  | { cycle: string[]; lib: string }
  | { error: Diagnostic[]; lib: string };

interface Entry { src: LibrarySource; kind: LibKind }

/** Compiles one library module (module.ts supplies it; kept out of this file's imports). */
export type LibraryCompiler = (src: LibrarySource, libs: LibrarySet) => { ir: IRModule; m: ModuleCtx };
let compiler: LibraryCompiler | null = null;
export function setLibraryCompiler(c: LibraryCompiler): void { compiler = c; }

/** A set of library modules sharing one namespace of exported names. */
export class LibrarySet {
  private index: Map<string, Entry> | null = null;
  private clashes = new Map<string, Diagnostic>();
  private done = new Map<string, CompiledLibrary | WeftCompileError>();
  private active: string[] = [];
  /** Every compiled library function by IR name (for copying callees into modules). */
  readonly funcsByIrName = new Map<string, Func>();

  constructor(readonly sources: LibrarySource[]) {}

  /** A hash of the sources (names and texts): enters kernel cache keys. */
  hash(): string { return librarySourcesHash(this.sources); }

  /** The library that exports `name` and what it is, if any (no compilation). */
  owner(name: string): { lib: string; kind: LibKind } | undefined {
    const e = this.names().get(name);
    return e && { lib: e.src.name, kind: e.kind };
  }

  /** Resolves an exported name, compiling its library on first use; undefined if no library has it. */
  resolve(name: string): Resolved | undefined {
    const e = this.names().get(name);
    if (!e) return undefined;
    const lib = e.src.name;
    const clash = this.clashes.get(name);
    if (clash) return { error: [clash], lib };
    const at = this.active.indexOf(lib);
    if (at >= 0) return { cycle: [...this.active.slice(at), lib], lib };
    let c = this.done.get(lib);
    if (!c) {
      c = this.compile(e.src);
      this.done.set(lib, c);
    }
    if (c instanceof WeftCompileError) return { error: c.diagnostics, lib };
    return { ok: { kind: e.kind, lib: c } };
  }

  private compile(src: LibrarySource): CompiledLibrary | WeftCompileError {
    if (!compiler) throw new Error("internal: no library compiler registered");
    this.active.push(src.name);
    try {
      const { ir, m } = compiler(src, this);
      for (const f of ir.funcs) if (f.kind === "func") this.funcsByIrName.set(f.name, f);
      return { name: src.name, file: src.file, m, ir };
    } catch (e) {
      if (e instanceof WeftCompileError) return e;
      throw e;
    } finally {
      this.active.pop();
    }
  }

  /** Exported names of every library, from a parse of each file (no checking). */
  private names(): Map<string, Entry> {
    if (this.index) return this.index;
    const index = new Map<string, Entry>();
    for (const src of this.sources) {
      const sf = ts.createSourceFile(src.file, src.source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      const diags = new Diagnostics(sf, src.file);
      for (const [name, node, kind] of exportedNames(sf)) {
        // Builtin names stay builtins everywhere (the library's own compile reports the clash).
        if (lookupBuiltin(name) || builtinValueType(name) || SPECIALS[name]) continue;
        const have = index.get(name);
        if (have && have.src !== src) {
          if (!this.clashes.has(name)) {
            diags.report(node, `'${name}' is exported by the libraries '${have.src.name}' and '${src.name}'; library names must be unique`);
            this.clashes.set(name, diags.list[diags.list.length - 1]);
          }
          continue;
        }
        if (!have) index.set(name, { src, kind });
      }
    }
    this.index = index;
    return index;
  }
}

function isExported(n: ts.Node): boolean {
  return ((n as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function decorated(n: ts.Node, names: string[]): boolean {
  const mods = ((n as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers ?? []) as readonly ts.ModifierLike[];
  return mods.filter(ts.isDecorator).some((d) => {
    const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(e) && names.includes(e.text);
  });
}

/** Exported @struct classes, @func functions (also custom adjoints) and constants of a library file. */
function exportedNames(sf: ts.SourceFile): [string, ts.Node, LibKind][] {
  const out: [string, ts.Node, LibKind][] = [];
  for (const st of sf.statements) {
    if (!isExported(st)) continue;
    if (ts.isClassDeclaration(st) && st.name && decorated(st, ["struct"])) out.push([st.name.text, st.name, "struct"]);
    else if (ts.isFunctionDeclaration(st) && st.name && decorated(st, ["func", "adjointOf"])) out.push([st.name.text, st.name, "func"]);
    else if (ts.isVariableStatement(st) && st.declarationList.flags & ts.NodeFlags.Const) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) out.push([d.name.text, d.name, "const"]);
    }
  }
  // Overloads repeat a function's name within one file: keep the first.
  return out.filter(([n], k) => out.findIndex(([m]) => m === n) === k);
}

let standard: LibrarySet | null = null;
/** The standard library, `kernels-as/lib/*.ts` (one per process). */
export function standardLibraries(): LibrarySet {
  standard ??= new LibrarySet(standardLibrarySources());
  return standard;
}
