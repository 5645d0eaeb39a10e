// Where the kernel standard library lives and what its sources are: `kernels-as/lib/*.ts`, found
// relative to the package root (from the TypeScript sources and from dist/ alike). This file reads
// files only and never loads the TypeScript parser, so the runtime can hash the library sources into
// its kernel cache keys on a cache hit without starting the frontend.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One library module: `name` is its file name without extension (the prefix of its IR names). */
export interface LibrarySource { name: string; file: string; source: string }

/** `kernels-as/lib` of this package, or null when the package ships without it. */
export function standardLibraryDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    const lib = join(dir, "kernels-as", "lib");
    if (existsSync(lib) && statSync(lib).isDirectory()) return lib;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

let memo: LibrarySource[] | null = null;

/** The standard library sources, read once per process (sorted by file name). */
export function standardLibrarySources(): LibrarySource[] {
  if (memo) return memo;
  const dir = standardLibraryDir();
  const names = dir ? readdirSync(dir).filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts")).sort() : [];
  memo = names.map((n) => ({ name: n.slice(0, -3), file: join(dir!, n), source: readFileSync(join(dir!, n), "utf8") }));
  return memo;
}

/** A hash of library sources (names and texts): part of every kernel cache key. */
export function librarySourcesHash(sources: LibrarySource[]): string {
  const h = createHash("sha256");
  for (const s of sources) h.update(s.name).update("\0").update(s.source).update("\0");
  return h.digest("hex").slice(0, 16);
}

let hashMemo: string | null = null;
export function standardLibraryHash(): string {
  hashMemo ??= librarySourcesHash(standardLibrarySources());
  return hashMemo;
}
