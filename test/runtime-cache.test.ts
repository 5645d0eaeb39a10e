// The on-disk kernel cache: a miss compiles and stores, a new Module of the same source hits (in
// this process and in a fresh process), an edit misses, and a corrupt entry is ignored safely.
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import * as wf from "../engine/index.js";

const src = (k: number) => `
import { tid, Array, f32 } from "weft/kernels";
@kernel
export function addk(x: Array<f32>): void { const i = tid(); x[i] = x[i] + ${k}.0; }
`;

beforeAll(async () => { await wf.init(); });

describe("kernel cache", () => {
  it("misses, then hits for the same source; misses after an edit", async () => {
    const tag = `cachetest${Date.now()}`;
    const a = await wf.loadModule({ source: src(1), name: tag });
    expect(a.loads[0].cache).toBe("miss");
    const b = await wf.loadModule({ source: src(1), name: tag });
    expect(b.loads[0].cache).toBe("hit");
    const x = wf.zeros(3);
    wf.launch(b.kernels.addk, 3, [x]);
    expect(x.toArray()).toEqual([1, 1, 1]);
    const c = await wf.loadModule({ source: src(2), name: tag });
    expect(c.loads[0].cache).toBe("miss");
    wf.launch(c.kernels.addk, 3, [x]);
    expect(x.toArray()).toEqual([3, 3, 3]);
  });

  it("hits after a process restart (built package)", () => {
    const dist = join(process.cwd(), "dist", "engine", "index.js");
    if (!existsSync(dist)) throw new Error("dist/ is missing: run `npm run build` (npm install does it)");
    const dir = mkdtempSync(join(tmpdir(), "weft-cache-restart-"));
    const file = join(dir, "k.ts");
    writeFileSync(file, src(5));
    const script = `
      import * as wf from ${JSON.stringify(dist)};
      const t0 = performance.now();
      const m = await wf.loadModule(${JSON.stringify(file)});
      const ms = performance.now() - t0;
      const x = wf.zeros(2); wf.launch(m.kernels.addk, 2, [x]);
      console.log(JSON.stringify({ cache: m.loads[0].cache, ms, x: x.toArray() }));
      process.exit(0);`;
    const env = { ...process.env, WEFT_CACHE_DIR: join(dir, "cache") };
    const run = () => {
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").pop()!);
    };
    const first = run(), second = run();
    expect(first.cache).toBe("miss");
    expect(second.cache).toBe("hit");
    expect(second.x).toEqual([5, 5]);
    expect(readdirSync(join(dir, "cache")).length).toBeGreaterThan(0);
  });
});
