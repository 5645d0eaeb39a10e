// Coverage of the conformance suite, so that it cannot silently rot: every builtin of the registry
// (and of docs/builtins.md's generated tables) is called in some conformance kernel, every operator
// builtin's operator is used, and every construct and type of docs/language.md appears. A plain
// text scan of test/conformance/*.ts.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allBuiltins } from "../../engine/builtins/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const sources = readdirSync(here).filter((f) => f.endsWith(".ts") && f !== "coverage.test.ts")
  .map((f) => readFileSync(join(here, f), "utf8")).join("\n");

/** Builtins written as operators in kernels, and the operator that stands for each. */
const OPERATORS: Record<string, string> = {
  add: " + ", sub: " - ", mul: " * ", div: " / ", mod: " % ", neg: "-x", eq: " == ", ne: " != ", lt: " < ", le: " <= ", gt: " > ", ge: " >= ",
  and: " && ", or: " || ", not: "!(", band: " & ", bor: " | ", bxor: " ^ ", shl: " << ", shr: " >> ", bnot: "~x",
};

function documentedBuiltins(): string[] {
  const md = readFileSync(join(root, "docs", "builtins.md"), "utf8");
  const tables = md.slice(md.indexOf("<!-- BEGIN GENERATED BUILTIN TABLES -->"), md.indexOf("<!-- END GENERATED BUILTIN TABLES -->"));
  return [...tables.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
}

describe("conformance coverage", () => {
  const registry = allBuiltins().filter((b) => !b.internal).map((b) => b.name);

  it("the registry and docs/builtins.md list the same builtins", () => {
    expect(new Set(documentedBuiltins())).toEqual(new Set(registry));
  });

  it("every builtin is called (name followed by '(') in some conformance kernel", () => {
    const missing = registry.filter((n) => !(n in OPERATORS) && !new RegExp(`\\b${n}\\s*\\(`).test(sources));
    expect(missing, `builtins without a conformance test: ${missing.join(", ")}`).toEqual([]);
  });

  it("every operator builtin's operator is used", () => {
    const missing = registry.filter((n) => n in OPERATORS && !sources.includes(OPERATORS[n]));
    expect(missing).toEqual([]);
    expect(registry.filter((n) => n in OPERATORS).length).toBe(Object.keys(OPERATORS).length);
  });

  it("every construct and type of docs/language.md appears", () => {
    const constructs = [
      // types
      ...["bool", "i32", "u32", "i64", "u64", "f32", "f64", "vec2", "vec3", "vec4", "vec3d", "vec3i", "vec3u", "vec4i", "vec3f", "mat22", "mat33", "mat44",
        "mat22d", "mat33d", "mat44d", "quat", "quatd", "transform", "transformd", "Array<", "Array2D<", "Array3D<", "Array4D<", "StaticArray<"].map((t) => `${t}`),
      // declarations and functions
      "@kernel", "@func", "@struct", "@constant", "@inline", "export function", "const N: i32 =", "const HALF = 0.5", "as root", "new Particle()",
      // variables, literals, operators, casts
      "let z: f32;", "0x", "1_000_000", " ** ", " === ", " >>> ", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", ">>>=", "++", "--",
      " ? ", "as u32", "<i32>", "f32(", "bool(", "vec3d(v)", "<vec3d>v", "i32.MAX_VALUE", "f32.EPSILON", "Mathf.PI", "Math.PI", "Math.sqrt(",
      // components and arrays
      ".xy", ".zyx", "v[j]", "m[1][2]", "a[1]", "t.p", "t.q", "g[i, j]", "g[i][j]", ".shape[", ".length", "parts[i].v", "arr[i].tail.id",
      // control flow and threads
      "if (", "else", "for (", "while (", "do {", "break;", "continue;", "return;", "switch (", "default:", "const i = tid()",
      "const [i, j] = tid()", "const [i, j, k] = tid()", "const [i, j, k, l] = tid()",
      // atomics, random, printing, raw reads
      "atomicAdd(", "atomicSub(", "atomicMin(", "atomicMax(", "atomicExch(", "atomicCAS(", "randInit(", "print(", "printf(", "load<", "loadAt<",
      // debug mode
      "debug: true",
    ];
    const missing = constructs.filter((s) => !sources.includes(s));
    expect(missing, `constructs without a conformance test: ${missing.join(" | ")}`).toEqual([]);
  });
});
