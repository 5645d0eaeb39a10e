// The on-disk kernel cache. An entry is keyed by a hash of the kernel module's source and file name
// (the IR is a pure function of them), the compiler's build id (a hash over the compiler's own
// files, so any change to weft invalidates old entries) and the target with its options. A hit skips
// the frontend, the passes and the backend compiler: it reads two files.
//
// Directory: WEFT_CACHE_DIR, default ~/.cache/weft. Entries are written to a temporary name and
// renamed, so concurrent processes never read half an entry.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function cacheDir(): string {
  return process.env.WEFT_CACHE_DIR || join(homedir(), ".cache", "weft");
}

export function cacheEnabled(): boolean {
  return process.env.WEFT_CACHE !== "0";
}

let buildIdMemo: string | null = null;
/** Hash of the sizes and modification times of the compiler's own files. */
export function compilerBuildId(): string {
  if (buildIdMemo) return buildIdMemo;
  const engineDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === "runtime" || name === "geometry" || name === "tools") continue;
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(name)) h.update(`${p.slice(engineDir.length)}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  walk(engineDir);
  buildIdMemo = h.digest("hex").slice(0, 16);
  return buildIdMemo;
}

export function cacheKey(parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 32);
}

export interface CacheEntry { bytes: Uint8Array; meta: any }

export function cacheGet(key: string): CacheEntry | null {
  if (!cacheEnabled()) return null;
  const base = join(cacheDir(), key.slice(0, 2), key);
  try {
    const meta = JSON.parse(readFileSync(base + ".json", "utf8"));
    const bytes = readFileSync(base + ".bin");
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), meta };
  } catch {
    return null;
  }
}

export function cachePut(key: string, entry: CacheEntry): void {
  if (!cacheEnabled()) return;
  const dir = join(cacheDir(), key.slice(0, 2));
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `.${process.pid}.${Date.now()}`;
    writeFileSync(join(dir, key + ".bin" + tmp), entry.bytes);
    writeFileSync(join(dir, key + ".json" + tmp), JSON.stringify(entry.meta, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    renameSync(join(dir, key + ".bin" + tmp), join(dir, key + ".bin"));
    renameSync(join(dir, key + ".json" + tmp), join(dir, key + ".json"));
  } catch (e) {
    // A read-only or full disk must not break a launch; the kernel simply is not cached.
    if (process.env.WEFT_DEBUG) process.stderr.write(`weft: kernel cache write failed: ${(e as Error).message}\n`);
  }
}
