// Diagnostics of the kernel frontend: every user mistake becomes a `Diagnostic` with a 1-based
// line:col, the source line and a caret under the construct. Checking code records a diagnostic
// and throws `Bail` to abandon the current statement; the statement loop catches it and goes on, so
// independent errors are all reported. `WeftCompileError` carries them all to the caller.

import ts from "typescript";

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
  /** The text of the source line (without its newline). */
  sourceLine: string;
  /** Caret length (characters under the construct on that line); at least 1. */
  length?: number;
}

export class WeftCompileError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "WeftCompileError";
    this.diagnostics = diagnostics;
  }
}

/** Thrown after a diagnostic was recorded (or for a poisoned name): abandons the statement. */
export class Bail extends Error {
  constructor() { super("bail"); }
}

/** `file:line:col: error: message`, the source line and a caret line. */
export function formatDiagnostic(d: Diagnostic): string {
  const ln = String(d.line);
  const pad = " ".repeat(ln.length);
  // Keep tabs in the caret line so the caret lines up however the terminal renders them.
  const lead = d.sourceLine.slice(0, d.col - 1).replace(/[^\t]/g, " ");
  const carets = "^".repeat(Math.max(1, d.length ?? 1));
  return `${d.file}:${d.line}:${d.col}: error: ${d.message}\n  ${ln} | ${d.sourceLine}\n  ${pad} | ${lead}${carets}`;
}

/** Collects diagnostics for one source file. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private lines: string[];
  constructor(readonly sf: ts.SourceFile, readonly file: string) {
    this.lines = sf.text.split(/\r?\n/);
  }

  /** Records an error at `node` (or at a [pos, end) text range). */
  report(at: ts.Node | { pos: number; end: number }, message: string): void {
    let start: number, end: number;
    if ("kind" in at) { start = at.getStart(this.sf); end = at.getEnd(); } else { start = at.pos; end = at.end; }
    const lc = this.sf.getLineAndCharacterOfPosition(start);
    const sourceLine = this.lines[lc.line] ?? "";
    const lineEnd = this.sf.getLineAndCharacterOfPosition(end);
    const length = lineEnd.line === lc.line ? Math.max(1, lineEnd.character - lc.character)
      : Math.max(1, sourceLine.length - lc.character);
    const d: Diagnostic = { file: this.file, line: lc.line + 1, col: lc.character + 1, message, sourceLine, length };
    if (this.list.some((o) => o.line === d.line && o.col === d.col && o.message === d.message)) return;
    this.list.push(d);
  }

  /** Records an error and abandons the current statement. */
  fail(at: ts.Node | { pos: number; end: number }, message: string): never {
    this.report(at, message);
    throw new Bail();
  }

  get count(): number { return this.list.length; }

  /** Throws a WeftCompileError if anything was reported. */
  check(): void {
    if (this.list.length === 0) return;
    // Diagnostics of library files this module uses come first (they are the cause), by file.
    const rank = (d: Diagnostic) => (d.file === this.file ? "\uffff" : d.file);
    const sorted = [...this.list].sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : a.line - b.line || a.col - b.col));
    throw new WeftCompileError(sorted);
  }

  loc(node: ts.Node): { file: string; line: number; col: number } {
    const lc = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    return { file: this.file, line: lc.line + 1, col: lc.character + 1 };
  }
}
