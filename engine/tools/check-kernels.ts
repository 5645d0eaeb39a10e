// Type-checks kernel modules without running them:
//   node dist/engine/tools/check-kernels.js [--asc] [--quiet] [FILE|DIR ...]
// (`npm run typecheck:kernels -- ...`). With no paths it checks examples/**/kernels*.ts and the kernel
// modules of kernels-as/ (every .ts there except the declarations, kernels-as/index.ts).
//
// Checks, each reported as `file:line:col: error: message` (exit status 1 when any error is found):
//   1. the weft frontend (engine/lang) — the authority on the kernel language: types, operators,
//      builtin overloads, kernel rules, all with the source line and a caret;
//   2. imports: every name imported from "weft/kernels" must be declared in kernels-as/index.ts (or
//      be an AssemblyScript builtin such as f32 or StaticArray), so editor imports stay valid;
//   3. with --asc, AssemblyScript's compiler over the file and the declarations in kernels-as/index.ts.
//      asc accepts weft's decorators (it ignores decorators it does not know) and, through the
//      declarations' operator overloads and generics, most kernel code; what AssemblyScript cannot
//      express (one overload per operator, no tuples for 2-D tid(), no function overloading) is
//      listed at the top of kernels-as/index.ts. So --asc is a stricter, opt-in second opinion, while
//      the frontend check is always on.

import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { standardLibrarySources } from "../lang/library-files.js";
import { compileSource, WeftCompileError, formatDiagnostic } from "../lang/index.js";

export interface KernelDiagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  /** Which check found it. */
  by: "weft" | "imports" | "asc";
  /** Formatted with the source line and a caret, when available. */
  text?: string;
}

export interface CheckOptions { asc?: boolean; cwd?: string }

/** The repository root: the nearest directory above this file holding kernels-as/index.ts. */
export function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, "kernels-as", "index.ts"))) return d;
    d = dirname(d);
  }
  throw new Error("check-kernels: kernels-as/index.ts not found above " + fileURLToPath(import.meta.url));
}

/** Default inputs: examples/**\/kernels*.ts and kernels-as/**\/*.ts minus the declarations. */
export function defaultKernelFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, take: (path: string, name: string) => boolean) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (name === "node_modules" || name.startsWith(".")) continue;
      if (statSync(p).isDirectory()) walk(p, take);
      else if (take(p, name)) out.push(p);
    }
  };
  walk(join(root, "examples"), (_p, n) => n.startsWith("kernels") && n.endsWith(".ts") && !n.endsWith(".d.ts"));
  const decl = join(root, "kernels-as", "index.ts");
  walk(join(root, "kernels-as"), (p, n) => n.endsWith(".ts") && !n.endsWith(".d.ts") && p !== decl);
  return out;
}

function expandPaths(paths: string[], cwd: string): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        const f = join(abs, name);
        if (statSync(f).isDirectory()) out.push(...expandPaths([f], cwd));
        else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(f);
      }
    } else out.push(abs);
  }
  return out;
}

// --- the declarations ------------------------------------------------------------------------------

/** Names exported by kernels-as/index.ts. */
export function declaredNames(root = packageRoot()): Set<string> {
  const file = join(root, "kernels-as", "index.ts");
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  for (const st of sf.statements) {
    const exported = (ts.getCombinedModifierFlags(st as unknown as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
    if (!exported) continue;
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) names.add(st.name.text);
  }
  return names;
}

/**
 * Names the kernel standard library (kernels-as/lib) exports: "weft/kernels" provides them to the
 * weft frontend, though kernels-as/index.ts (what asc sees) does not declare them.
 */
export function libraryNames(): Set<string> {
  const names = new Set<string>();
  for (const lib of standardLibrarySources()) {
    const lf = ts.createSourceFile(lib.file, lib.source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const st of lf.statements) {
      if ((ts.getCombinedModifierFlags(st as unknown as ts.Declaration) & ts.ModifierFlags.Export) === 0) continue;
      if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.add(st.name.text);
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    }
  }
  return names;
}

/** AssemblyScript globals a kernel may import from "weft/kernels" for its editor (they resolve anyway). */
const AS_GLOBALS = new Set(["bool", "i32", "u32", "i64", "u64", "f32", "f64", "StaticArray", "Math", "Mathf", "isize", "usize"]);

function isKernelsImport(spec: string): boolean {
  return spec === "weft/kernels" || (spec.startsWith(".") && /(^|\/)kernels-as(\/index(\.(ts|js))?)?$/.test(spec));
}

function checkImports(file: string, sf: ts.SourceFile, names: Set<string>): KernelDiagnostic[] {
  const out: KernelDiagnostic[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !isKernelsImport(st.moduleSpecifier.text)) continue;
    const nb = st.importClause?.namedBindings;
    if (!nb || !ts.isNamedImports(nb)) continue;
    for (const el of nb.elements) {
      const name = (el.propertyName ?? el.name).text;
      if (names.has(name) || AS_GLOBALS.has(name)) continue;
      const lc = sf.getLineAndCharacterOfPosition(el.getStart(sf));
      out.push({ file, line: lc.line + 1, col: lc.character + 1, by: "imports",
        message: `'${name}' is not declared by "weft/kernels" (kernels-as/index.ts); check the spelling (builtins are listed in docs/builtins.md)` });
    }
  }
  return out;
}

// --- asc --------------------------------------------------------------------------------------------

/** asc diagnostics that do not apply to weft kernels: TS2564, a @struct field without an initializer. */
const IGNORED_ASC = new Set([2564]);

interface Edit { pos: number; end: number; text: string }

/**
 * The kernel source as asc sees it: imports of "weft/kernels" blanked (positions kept), every
 * declared name imported explicitly from kernels-as/index.ts at the end, `const [i, j] = tid()`
 * rewritten to one declaration per index, and non-exported @kernel/@func functions exported (asc
 * checks only what is reachable from exports).
 */
function ascSource(src: string, sf: ts.SourceFile, file: string, root: string, names: Set<string>): { text: string; edits: Edit[] } {
  const edits: Edit[] = [];
  const local = new Set<string>();
  const funcCount = new Map<string, number>();
  const toExport: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && isKernelsImport(st.moduleSpecifier.text)) {
      const pos = st.getStart(sf), end = st.getEnd();
      edits.push({ pos, end, text: src.slice(pos, end).replace(/[^\n]/g, " ") });
      continue;
    }
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      local.add(st.name.text);
      if (ts.isFunctionDeclaration(st)) {
        funcCount.set(st.name.text, (funcCount.get(st.name.text) ?? 0) + 1);
        const exported = (ts.getCombinedModifierFlags(st) & ts.ModifierFlags.Export) !== 0;
        if (!exported && st.body) toExport.push(st.name.text);
      }
    }
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) local.add(d.name.text);
  }
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && n.declarations.length === 1) {
      const d = n.declarations[0];
      if (ts.isArrayBindingPattern(d.name) && d.initializer && ts.isCallExpression(d.initializer) && d.initializer.getText(sf) === "tid()") {
        const ids = d.name.elements.map((e) => (ts.isBindingElement(e) && ts.isIdentifier(e.name) ? e.name.text : "_"));
        edits.push({ pos: d.getStart(sf), end: d.getEnd(), text: ids.map((id) => `${id}: i32 = tid()`).join(", ") });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  edits.sort((a, b) => a.pos - b.pos);
  let text = "", at = 0;
  for (const e of edits) { text += src.slice(at, e.pos) + e.text; at = e.end; }
  text += src.slice(at);
  const declPath = relative(dirname(file), join(root, "kernels-as", "index")).split(sep).join("/");
  const imported = [...names].filter((n) => !local.has(n));
  text += `\nimport { ${imported.join(", ")} } from "${declPath.startsWith(".") ? declPath : "./" + declPath}";\n`;
  const once = toExport.filter((n, i) => toExport.indexOf(n) === i && funcCount.get(n) === 1);
  if (once.length) text += `export { ${once.map((n) => `${n} as __weft_check_${n}`).join(", ")} };\n`;
  return { text, edits };
}

/** Maps an offset in the asc source back to the original source. */
function originalOffset(off: number, edits: Edit[]): number {
  let delta = 0;
  for (const e of edits) {
    const newEnd = e.pos + delta + e.text.length;
    if (off < e.pos + delta) break;
    if (off < newEnd) return e.pos;
    delta += e.text.length - (e.end - e.pos);
  }
  return off - delta;
}

async function runAsc(file: string, src: string, sf: ts.SourceFile, root: string, names: Set<string>, cwd: string): Promise<KernelDiagnostic[]> {
  const asc: any = await import("assemblyscript/asc");
  const { text, edits } = ascSource(src, sf, file, root, names);
  const rel = relative(cwd, file).split(sep).join("/");
  const out: KernelDiagnostic[] = [];
  const lineStarts = (s: string) => { const ls = [0]; for (let i = 0; i < s.length; i++) if (s[i] === "\n") ls.push(i + 1); return ls; };
  const origStarts = lineStarts(src);
  const toLC = (starts: number[], off: number) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= off) lo = mid; else hi = mid - 1; }
    return { line: lo + 1, col: off - starts[lo] + 1 };
  };
  const result = await asc.main([rel, "--noEmit", "--baseDir", cwd, "--noColors"], {
    readFile: (name: string, baseDir: string) => {
      const p = resolve(baseDir, name);
      if (p === file) return text;
      try { return readFileSync(p, "utf8"); } catch { return null; }
    },
    writeFile: () => true,
    listFiles: () => [],
    stdout: { write() { return true; } },
    stderr: { write() { return true; } },
    reportDiagnostic: (d: any) => {
      if (d.category !== 3 || IGNORED_ASC.has(d.code)) return;
      const srcPath: string = d.range?.source?.normalizedPath ?? "";
      const p = srcPath ? resolve(cwd, srcPath.replace(/^~lib\//, "node_modules/assemblyscript/std/assembly/")) : file;
      if (p === file && d.range) {
        const { line, col } = toLC(origStarts, Math.min(originalOffset(d.range.start, edits), src.length));
        if (line > origStarts.length) return;
        out.push({ file: rel, line, col, by: "asc", message: `${d.message} [asc TS${d.code}]` });
      } else if (d.range) {
        const other = readFileSync(p, "utf8");
        const { line, col } = toLC(lineStarts(other), d.range.start);
        out.push({ file: relative(cwd, p).split(sep).join("/"), line, col, by: "asc", message: `${d.message} [asc TS${d.code}]` });
      } else {
        out.push({ file: rel, line: 1, col: 1, by: "asc", message: `${d.message} [asc TS${d.code}]` });
      }
    },
  });
  if (result.error && !out.length) out.push({ file: rel, line: 1, col: 1, by: "asc", message: `asc failed: ${result.error.message}` });
  return out;
}

// --- driver -------------------------------------------------------------------------------------------

/** Checks kernel files; returns every diagnostic (empty: all good). */
export async function checkKernelFiles(files: string[], opts: CheckOptions = {}): Promise<KernelDiagnostic[]> {
  const cwd = opts.cwd ?? process.cwd();
  const root = packageRoot();
  const names = declaredNames(root);
  const out: KernelDiagnostic[] = [];
  for (const f of files) {
    const file = resolve(cwd, f);
    const rel = relative(cwd, file).split(sep).join("/");
    let src: string;
    try { src = readFileSync(file, "utf8"); } catch (e) {
      out.push({ file: rel, line: 1, col: 1, by: "weft", message: `cannot read the file: ${(e as Error).message}` });
      continue;
    }
    try {
      compileSource(src, rel);
    } catch (e) {
      if (!(e instanceof WeftCompileError)) throw e;
      for (const d of e.diagnostics) out.push({ file: d.file, line: d.line, col: d.col, message: d.message, by: "weft", text: formatDiagnostic(d) });
    }
    const sf = ts.createSourceFile(rel, src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    out.push(...checkImports(rel, sf, new Set([...names, ...libraryNames()])));
    if (opts.asc) out.push(...await runAsc(file, src, sf, root, names, cwd));
  }
  return out;
}

export function formatKernelDiagnostic(d: KernelDiagnostic): string {
  return d.text ?? `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
}

/** The command line; returns the exit status. */
export async function runCli(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s),
}, cwd = process.cwd()): Promise<number> {
  const flags = argv.filter((a) => a.startsWith("--"));
  const paths = argv.filter((a) => !a.startsWith("--"));
  if (flags.includes("--help")) {
    io.out("usage: check-kernels [--asc] [--quiet] [FILE|DIR ...]\n" +
      "  checks kernel modules with the weft frontend (and, with --asc, AssemblyScript's compiler against kernels-as/index.ts)\n" +
      "  default: examples/**/kernels*.ts and kernels-as/**/*.ts (minus kernels-as/index.ts)\n");
    return 0;
  }
  const unknown = flags.filter((f) => !["--asc", "--quiet"].includes(f));
  if (unknown.length) { io.err(`check-kernels: unknown option ${unknown.join(", ")} (see --help)\n`); return 2; }
  const files = paths.length ? expandPaths(paths, cwd) : defaultKernelFiles(packageRoot());
  const diags = await checkKernelFiles(files, { asc: flags.includes("--asc"), cwd });
  for (const d of diags) io.err(formatKernelDiagnostic(d) + "\n");
  if (!flags.includes("--quiet") || diags.length)
    io.out(`check-kernels: ${files.length} file${files.length === 1 ? "" : "s"}, ${diags.length} error${diags.length === 1 ? "" : "s"}\n`);
  return diags.length ? 1 : 0;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`check-kernels: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  });
}
