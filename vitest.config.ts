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
    // Tests that mean a GPU name their device; everything else runs on the cpu even on a GPU host.
    env: { WEFT_CACHE_DIR: cacheDir, WEFT_DEVICE: process.env.WEFT_DEVICE ?? "cpu" },
  },
});
