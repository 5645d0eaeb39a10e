import { defineConfig } from "vitest/config";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Tests get their own kernel cache, so they never read entries of an older build from ~/.cache/weft.
const cacheDir = process.env.WEFT_CACHE_DIR ?? mkdtempSync(join(tmpdir(), "weft-test-cache-"));

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    env: { WEFT_CACHE_DIR: cacheDir },
  },
});
