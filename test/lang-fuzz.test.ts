// Mutated kernel sources never crash the frontend: each either compiles or fails with located
// diagnostics (no JavaScript exception, no "internal compiler error").

import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { WeftCompileError, compileSource } from "../engine/lang/index.js";
import { validateFunc } from "../engine/ir/validator.js";
import { lowerModule } from "../engine/passes/pipeline.js";

const dir = new URL("./fixtures/lang/kernels/", import.meta.url);
const sources = readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => [f, readFileSync(new URL(f, dir), "utf8")] as const);

const REPLACEMENTS = ["x", "1", "1.5", "true", "vec3()", "a[0]", "tid()", "(", ")", "{", "}", ";", ",", ".", "+", "=", "==", "&&",
  "let", "const", "return", "break", "new Foo()", "\"s\"", "f64(1)", "u32", "i32", "[1]", "?", ":", "!", "null", "this", "=>"];

function* mutants(src: string, count: number, seed: number): Generator<string> {
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) >>> 0) % n);
  const tokens = src.split(/(\b|\s+)/);
  for (let k = 0; k < count; k++) {
    const t = [...tokens];
    const words = t.map((w, i) => (/^\w+$/.test(w) ? i : -1)).filter((i) => i >= 0);
    for (let e = 0; e < 1 + rnd(3); e++) {
      // Half the mutants swap one word for another (mostly still parses: exercises the checker).
      if (k % 2 === 0) { t[words[rnd(words.length)]] = t[words[rnd(words.length)]]; continue; }
      const i = rnd(t.length);
      const kind = rnd(3);
      if (kind === 0) t[i] = "";
      else if (kind === 1) t[i] = REPLACEMENTS[rnd(REPLACEMENTS.length)];
      else t[i] = t[rnd(t.length)];
    }
    yield t.join("");
  }
}

describe("mutation fuzz", () => {
  for (const [name, src] of sources) {
    test(name, () => {
      let compiled = 0, rejected = 0, syntax = 0;
      for (const m of mutants(src, Number(process.env.LANG_FUZZ ?? 150), name.length * 7919)) {
        try {
          const mod = compileSource(m, name);
          // Whatever the frontend accepts is valid IR that the pipeline can lower.
          for (const f of mod.funcs) validateFunc(f, { stage: "frontend" });
          lowerModule(mod, { dump: false });
          compiled++;
        } catch (e) {
          if (!(e instanceof WeftCompileError)) throw new Error(`crash on mutant:\n${m}\n${(e as Error).stack}`);
          for (const d of e.diagnostics) {
            if (d.message.startsWith("internal compiler error")) throw new Error(`${d.message} at ${d.line}:${d.col}\n${m}`);
            expect(d.line).toBeGreaterThan(0);
            expect(d.col).toBeGreaterThan(0);
          }
          rejected++;
          if (e.diagnostics.some((d) => d.message.startsWith("syntax error"))) syntax++;
        }
      }
      if (process.env.LANG_FUZZ) console.log(`${name}: ${compiled} compiled, ${rejected} rejected (${syntax} syntax)`);
      expect(compiled + rejected).toBeGreaterThan(0);
    });
  }
});
