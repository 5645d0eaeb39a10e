// Every user mistake is a located diagnostic: message, line:col, the source line and a caret under
// the construct. Each case names the text the caret must start at (its first occurrence on the line,
// or the `nth`).

import { describe, expect, test } from "vitest";
import { WeftCompileError, compileSource } from "../engine/lang/index.js";
import type { Diagnostic } from "../engine/lang/index.js";

function diagnose(src: string): { diags: Diagnostic[]; message: string } {
  try {
    compileSource(src, "bad.ts");
  } catch (e) {
    if (e instanceof WeftCompileError) return { diags: e.diagnostics, message: e.message };
    throw e;
  }
  throw new Error("expected a compile error");
}

interface Case { name: string; src: string; msg: string; line: number; at: string; nth?: number }

const K = (body: string, params = "a: Array<f32>, n: i32") => `@kernel export function k(${params}): void {\n${body}\n}`;

const cases: Case[] = [
  { name: "unknown name", src: K("  const i = tid();\n  const v = vel[i];"), msg: "unknown name 'vel'", line: 3, at: "vel" },
  { name: "mixed scalar types", src: K("  const x: f32 = 1;\n  const y: f64 = 2;\n  const z = x + y;"),
    msg: "operator '+' needs operands of one type, got (f32, f64); cast one with f64(x) or <f64>x", line: 4, at: "+" },
  { name: "int condition", src: K("  let x = 1;\n  if (x) { x = 2; }"), msg: "condition must be bool, got i32; compare with != 0", line: 3, at: "x" },
  { name: "break outside a loop", src: K("  break;"), msg: "'break' outside a loop", line: 2, at: "break" },
  { name: "continue in a switch without a loop", src: K("  switch (n) { case 1: continue; }"), msg: "'continue' outside a loop", line: 2, at: "continue" },
  { name: "var", src: K("  var x = 1;"), msg: "'var' is not supported in kernels; use let or const", line: 2, at: "var" },
  { name: "assignment to a const", src: K("  const x = 1;\n  x = 2;"), msg: "cannot assign to const 'x'; declare it with let", line: 3, at: "x" },
  { name: "assignment to a kernel parameter", src: K("  n = 2;"), msg: "kernel parameters are read-only; copy 'n' to a local", line: 2, at: "n" },
  { name: "arrow function", src: K("  const f = (x: f32): f32 => x;"), msg: "closures and function expressions are not supported", line: 2, at: "(x: f32)" },
  { name: "string", src: K("  const s = \"hello\";"), msg: "strings are not supported in kernels", line: 2, at: "\"hello\"" },
  { name: "heap class", src: "class Foo { x: f32; }\n" + K("  const f = 1;"), msg: "class 'Foo' needs @struct", line: 1, at: "Foo" },
  { name: "new Array", src: K("  const b = new Array<f32>(4);"), msg: "dynamic allocation ('new Array') is not supported", line: 2, at: "new" },
  { name: "array literal", src: K("  const b = [1, 2];"), msg: "array literals are not supported", line: 2, at: "[1, 2]" },
  { name: "direct recursion", src: "@func function f(x: i32): i32 {\n  if (x <= 0) return 0;\n  return f(x - 1) + 1;\n}",
    msg: "recursion is not supported: 'f' calls itself", line: 3, at: "f(x - 1)" },
  { name: "mutual recursion", src: "@func function f(x: i32): i32 { return g(x); }\n@func function g(x: i32): i32 {\n  return f(x);\n}",
    msg: "recursion is not supported: 'g' -> 'f' -> 'g'", line: 3, at: "f(x)" },
  { name: "kernel called from a kernel", src: "@kernel export function other(x: Array<f32>): void {}\n" + K("  other(a);"),
    msg: "cannot call kernel 'other'", line: 3, at: "other(a)" },
  { name: "any", src: K("  let x: any = 1;"), msg: "'any' is not supported in kernels", line: 2, at: "any" },
  { name: "try/catch", src: K("  try { n; } catch (e) { }"), msg: "'try/catch' is not supported", line: 2, at: "try" },
  { name: "throw", src: K("  throw 1;"), msg: "exceptions ('throw') are not supported", line: 2, at: "throw" },
  { name: "labels", src: K("  outer: for (let i = 0; i < n; i++) { }"), msg: "labels are not supported", line: 2, at: "outer" },
  { name: "optional chaining", src: K("  const v = vec3(1, 2, 3);\n  const x = v?.x;"), msg: "optional chaining ('?.') is not supported", line: 3, at: "v?.x" },
  { name: "spread", src: K("  const v = vec3(...a);"), msg: "spread ('...') is not supported", line: 2, at: "...a" },
  { name: "generator", src: "@func function* g(): i32 { return 1; }", msg: "generators are not supported", line: 1, at: "g" },
  { name: "async", src: "@func async function g(): i32 { return 1; }", msg: "async functions are not supported", line: 1, at: "g" },
  { name: "unknown", src: "@func function g(x: unknown): i32 { return 1; }", msg: "'unknown' is not supported", line: 1, at: "unknown" },
  { name: "method call", src: K("  const v = vec3(1, 2, 3);\n  const l = v.length();"), msg: "method calls are not supported in kernels; call a function instead, e.g. length(v)", line: 3, at: "v.length()" },
  { name: "console.log", src: K("  console.log(n);"), msg: "console.log is not available in kernels; use print", line: 2, at: "console" },
  { name: "this", src: K("  const t = this;"), msg: "'this' is not supported in kernels", line: 2, at: "this" },
  { name: "typeof", src: K("  const t = typeof n;"), msg: "'typeof' is not supported", line: 2, at: "typeof" },
  { name: "writing a component of a temporary", src: "@func function f(): vec3 { return vec3(); }\n" + K("  f().x = 1;"),
    msg: "cannot assign to this expression", line: 3, at: "f()" },
  { name: "writing a component of a const", src: K("  const v = vec3(1, 2, 3);\n  v.x = 4;"), msg: "cannot assign to a component of const 'v'", line: 3, at: "v.x" },
  { name: "unknown function", src: K("  const y = frobnicate(n);"), msg: "unknown function 'frobnicate'", line: 2, at: "frobnicate" },
  { name: "wrong argument count", src: "@func function f(x: f32, y: f32): f32 { return x + y; }\n" + K("  const y = f(1);"),
    msg: "'f' takes 2 arguments, got 1", line: 3, at: "f(1)" },
  { name: "wrong argument type", src: "@func function f(x: f32): f32 { return x; }\n" + K("  const y = f(n);"),
    msg: "argument 1 of 'f' must be f32, got i32", line: 3, at: "n", nth: 1 },
  { name: "no overload matches", src: "@func function f(x: f32): f32 { return x; }\n@func function f(v: vec3, s: f32): f32 { return s; }\n" + K("  const y = f(vec3(), n);"),
    msg: "no overload of 'f' matches (vec3, i32); candidates: f(x: f32), f(v: vec3, s: f32)", line: 4, at: "f(vec3(), n)" },
  { name: "return type mismatch", src: "@func function f(x: i32): f32 {\n  return x;\n}", msg: "return type mismatch in 'f': expected f32, got i32; cast with f32(x)", line: 2, at: "x" },
  { name: "missing return", src: "@func function f(x: i32): f32 {\n  if (x > 0) return 1;\n}", msg: "@func 'f' must return a f32 on every path", line: 1, at: "f(x" },
  { name: "void used as a value", src: "@func function g(x: i32): void { }\n" + K("  const y = g(1);"), msg: "has no value (it returns void)", line: 3, at: "g(1)" },
  { name: "use before declaration", src: K("  const y = x + 1;\n  const x = 2;"), msg: "'x' is used before its declaration", line: 2, at: "x" },
  { name: "duplicate declaration", src: K("  let x = 1;\n  let x = 2;"), msg: "'x' is already declared in this scope", line: 3, at: "x" },
  { name: "non-constant StaticArray size", src: K("  const s = new StaticArray<i32>(n);"), msg: "the StaticArray length must be a compile-time i32 constant", line: 2, at: "n)" },
  { name: "float array index", src: K("  const x: f32 = 1;\n  const y = a[x];"), msg: "index must be an integer (i32), got f32", line: 3, at: "x" },
  { name: "u32 array index", src: K("  const x: u32 = 1;\n  const y = a[x];"), msg: "index must be i32, got u32; cast with i32(x)", line: 3, at: "x" },
  { name: "bool used as a number", src: K("  const b = n > 0;\n  const y = n + b;"), msg: "operator '+' cannot mix bool with i32", line: 3, at: "+" },
  { name: "number used as bool", src: K("  const y = !n;"), msg: "operand of '!' must be bool, got i32", line: 2, at: "n", nth: 1 },
  { name: "kernel returning a value", src: "@kernel export function k(a: Array<f32>): f32 { return 1; }", msg: "a @kernel must return void, not f32", line: 1, at: "f32", nth: 1 },
  { name: "kernel without export", src: "@kernel function k(a: Array<f32>): void { }", msg: "kernel 'k' must be exported", line: 1, at: "k(a" },
  { name: "import from another module", src: "import { x } from \"lodash\";\n" + K(""), msg: "only \"weft/kernels\" can be imported", line: 1, at: "\"lodash\"" },
  { name: "@func without a return type", src: "@func function f(x: f32) { return x; }", msg: "@func 'f' needs a return type annotation", line: 1, at: "f(x" },
  { name: "parameter without a type", src: "@func function f(x): f32 { return 1; }", msg: "parameter 'x' needs a type annotation", line: 1, at: "x" },
  { name: "unknown type", src: K("  let v: vec5 = vec3();"), msg: "unknown type 'vec5'", line: 2, at: "vec5" },
  { name: "unknown struct field", src: "@struct class P { a: f32; }\n" + K("  const p = new P();\n  const q = p.b;"), msg: "struct P has no field 'b'", line: 4, at: "b" },
  { name: "unknown vector component", src: K("  const v = vec3();\n  const q = v.q;"), msg: "vec3 has no component 'q'", line: 3, at: "q", nth: 1 },
  { name: "tid in a @func", src: "@func function f(): i32 { return tid(); }", msg: "tid() can only be used in a @kernel", line: 1, at: "tid()" },
  { name: "atomic on a non-array", src: K("  atomicAdd(n, 0, 1);"), msg: "the first argument of atomicAdd must be an array, got i32", line: 2, at: "n" },
  { name: "print placeholders", src: K("  print(\"%d %f\", n);"), msg: "the format has 2 placeholders but 1 value was given", line: 2, at: "\"%d %f\"" },
  { name: "struct literal missing a field", src: "@struct class P { a: f32; b: vec3; }\n" + K("  const p: P = { a: 1 };"), msg: "missing field 'b' in P literal", line: 3, at: "{ a: 1 }" },
  { name: "literal out of range", src: K("  const x: u32 = -1;"), msg: "integer literal -1 does not fit in u32", line: 2, at: "-1" },
  { name: "number type", src: K("  let x: number = 1;"), msg: "'number' is not a kernel type; use f32, f64 or i32", line: 2, at: "number" },
  { name: "destructuring other than tid()", src: K("  const [x, y] = vec2(1, 2);"), msg: "destructuring is only supported for thread indices", line: 2, at: "[x, y]" },
  { name: "for..of", src: K("  for (const x of a) { }"), msg: "for..of / for..in loops are not supported", line: 2, at: "for" },
  { name: "wrong index count", src: K("  const y = a[1, 2];"), msg: "Array<f32> takes 1 index, got 2", line: 2, at: "1, 2" },
  { name: "builtin overload error from the registry", src: K("  const d = dot(vec3(), 1.0);"), msg: "dot", line: 2, at: "dot(vec3(), 1.0)" },
  { name: "in/out builtin argument must be a variable", src: K("  const r = randf(randInit(1, 2));", "a: Array<f32>"), msg: "argument 1 of 'randf' must be a local variable declared with let", line: 2, at: "randInit(1, 2)" },
  { name: "tid with mixed dimensionality", src: K("  const i = tid();\n  const [x, y] = tid();"), msg: "tid() gives 2 indices here but 1 at line 2", line: 3, at: "[x, y]" },
  { name: "assignment type mismatch", src: K("  let x: f32 = 0;\n  x = n;"), msg: "cannot assign to 'x': expected f32, got i32; cast with f32(x) or <f32>x", line: 3, at: "n" },
  { name: "syntax error", src: K("  const x = ;"), msg: "syntax error: Expression expected", line: 2, at: ";" },
  { name: "function without a decorator", src: "function helper(x: f32): f32 { return x; }", msg: "function 'helper' needs a decorator", line: 1, at: "helper" },
  { name: "module-level let", src: "let g: f32 = 1;", msg: "module-level variables must be const", line: 1, at: "let" },
  { name: "non-constant module const", src: "@func function f(): f32 { return 1; }\nconst C: f32 = f();", msg: "a @func call is not a constant expression", line: 2, at: "f()" },
  { name: "recursive struct", src: "@struct class A { b: B; }\n@struct class B { a: A; }", msg: "struct 'A' contains itself", line: 1, at: "A" },
  { name: "ternary branch types", src: K("  const x = n > 0 ? 1.5 : n;"), msg: "the branches of '?:' have different types (f32, i32)", line: 2, at: "n > 0" },
];

function caretLine(d: Diagnostic): string {
  return `${" ".repeat(String(d.line).length)} | ${d.sourceLine.slice(0, d.col - 1).replace(/[^\t]/g, " ")}^`;
}

describe("diagnostics", () => {
  test("has many cases", () => expect(cases.length).toBeGreaterThanOrEqual(30));
  for (const c of cases) {
    test(c.name, () => {
      const { diags, message } = diagnose(c.src);
      const d = diags.find((x) => x.message.includes(c.msg));
      expect(d, `got: ${diags.map((x) => `${x.line}:${x.col} ${x.message}`).join(" | ")}`).toBeDefined();
      const lineText = c.src.split("\n")[c.line - 1];
      let col = -1;
      for (let k = 0; k <= (c.nth ?? 0); k++) col = lineText.indexOf(c.at, col + 1);
      expect(col, `'${c.at}' not on line ${c.line}`).toBeGreaterThanOrEqual(0);
      expect([d!.line, d!.col]).toEqual([c.line, col + 1]);
      expect(d!.sourceLine).toBe(lineText);
      expect(message).toContain(`bad.ts:${c.line}:${col + 1}: error: `);
      expect(message).toContain(`  ${c.line} | ${lineText}\n`);
      expect(message).toContain(caretLine(d!));
    });
  }
});

describe("error recovery", () => {
  test("reports independent errors in every function and statement", () => {
    const src = [
      "@kernel export function k1(a: Array<f32>): void {",
      "  const x = vel;",
      "  let y: f32 = 1;",
      "  y = true;",
      "}",
      "@func function f(x: f32): f32 {",
      "  return x + f64(1);",
      "}",
      "@func function g(x: f32): f32 {",
      "  return foo(x);",
      "}",
    ].join("\n");
    const { diags } = diagnose(src);
    expect(diags.map((d) => d.line)).toEqual([2, 4, 7, 10]);
  });

  test("a failed declaration does not cascade into 'unknown name' errors", () => {
    const { diags } = diagnose(K("  const i = tid();\n  const v = vel[i];\n  const w = v * 2.0;\n  a[i] = w;"));
    expect(diags).toHaveLength(1);
    expect(diags[0].message).toBe("unknown name 'vel'");
  });

  test("diagnostics are sorted by position and the message lists them all", () => {
    const { diags, message } = diagnose(K("  const p = q;\n  const r = s;"));
    expect(diags.map((d) => d.message)).toEqual(["unknown name 'q'", "unknown name 's'"]);
    expect(message.split("\n")).toHaveLength(6);
    expect(message).not.toMatch(/TypeError|at Object\.|\.ts:\d+:\d+\)$/m);
  });
});
