// Text output of the CUDA code generator: the weft.cuh header and version it stamps, and the line
// buffer that tracks generated line numbers so `#line` directives map statements to kernel source.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Loc } from "../../ir/ops.js";
import { cString } from "./codegen-expr.js";

// --- header and version ------------------------------------------------------------------------------

function findUp(rel: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

let headerCache: string | undefined;
/** The text of native-cuda/include/weft.cuh. */
export function weftHeader(): string {
  if (headerCache === undefined) {
    const p = findUp("native-cuda/include/weft.cuh");
    if (!p) throw new Error("weft: native-cuda/include/weft.cuh not found next to the engine (broken installation)");
    headerCache = readFileSync(p, "utf8");
  }
  return headerCache;
}

let versionCache: string | undefined;
export function weftVersion(): string {
  if (versionCache === undefined) {
    const p = findUp("package.json");
    try { versionCache = p ? String(JSON.parse(readFileSync(p, "utf8")).version ?? "0.0.0") : "0.0.0"; }
    catch { versionCache = "0.0.0"; }
  }
  return versionCache;
}

// --- output with line tracking --------------------------------------------------------------------

export class Out {
  readonly lines: string[] = [];
  indent = 0;
  private curFile: string | undefined;
  /** Source line of the line after the last #line directive, and that directive's index. */
  private curLine = -1;
  private dirAt = -1;
  private readonly sourceLines = new Map<string, string[]>();
  constructor(readonly fileName: string, readonly lineDirectives: boolean, sources: Record<string, string> = {}) {
    for (const [f, text] of Object.entries(sources)) this.sourceLines.set(f, text.split(/\r?\n/));
  }

  /** ` // <source line>` for a directive, made safe for a line comment (no line splice, ASCII). */
  private echo(loc: Loc): string {
    const text = this.sourceLines.get(loc.file)?.[loc.line - 1]?.trim();
    if (!text) return "";
    const safe = text.replace(/[^\x20-\x7e]/g, "?").replace(/\\+$/, "").slice(0, 120);
    return `  // ${safe}`;
  }

  line(s: string): void { this.lines.push(s === "" ? "" : "  ".repeat(this.indent) + s); }
  raw(s: string): void { for (const l of s.replace(/\n$/, "").split("\n")) this.lines.push(l); }

  /**
   * Points the next line at a kernel source location. A directive is written only where the line
   * the preprocessor would assign (the last directive's line plus the lines since) differs, so a
   * source line that becomes several C lines gets one directive per C statement, all naming it.
   */
  at(loc: Loc | undefined): void {
    if (!this.lineDirectives || !loc || loc.line <= 0) return;
    if (loc.file === this.curFile && loc.line === this.curLine + (this.lines.length - this.dirAt - 1)) return;
    const again = loc.file === this.curFile && loc.line === this.curLine;
    this.lines.push((loc.file === this.curFile ? `#line ${loc.line}` : `#line ${loc.line} ${cString(loc.file)}`) + (again ? "" : this.echo(loc)));
    this.curFile = loc.file;
    this.curLine = loc.line;
    this.dirAt = this.lines.length - 1;
  }
  /** Points what follows back at this generated file. */
  generated(): void {
    if (!this.lineDirectives || this.curFile === undefined) return;
    this.lines.push(`#line ${this.lines.length + 2} ${cString(this.fileName)}`);
    this.curFile = undefined;
    this.curLine = -1;
  }
}

