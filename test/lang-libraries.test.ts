// Kernel-language libraries (engine/lang/library.ts): exported names of library modules are visible
// in every module, libraries use each other by name, cycles and clashes are located diagnostics, and
// errors inside library code point at the library file. Each case builds its own LibrarySet.

import { describe, expect, test } from "vitest";
import { LibrarySet, WeftCompileError, compileSource } from "../engine/lang/index.js";
import { librarySourcesHash } from "../engine/lang/library-files.js";
import { Mem, run } from "./fixtures/lang/run.js";
import { lowerKernel } from "../engine/passes/pipeline.js";
import { runKernel } from "../engine/ir/interp.js";
import { F32, vec } from "../engine/ir/types.js";

const lib = (name: string, source: string) => ({ name, file: `/lib/${name}.ts`, source });

function diagnose(src: string, libs: LibrarySet): string[] {
  try { compileSource(src, "user.ts", { libraries: libs }); } catch (e) {
    if (e instanceof WeftCompileError) return e.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
  throw new Error("expected a compile error");
}

const GEOM = lib("geom", `import { vec3, f32, Array, dot } from "weft/kernels";
@struct export class Ray { origin: vec3; dir: vec3; }
export const UP: vec3 = vec3(0.0, 1.0, 0.0);
export const EPS: f32 = 0.001;
const HIDDEN: f32 = 5.0;
@func function helper(x: f32): f32 { return x * HIDDEN; }
@func export function along(r: Ray, t: f32): vec3 { return r.origin + r.dir * helper(t) / HIDDEN; }
@func export function height(p: vec3): f32 { return dot(p, UP); }
`);
const SCENE = lib("scene", `
@struct export class Hit { t: f32; ray: Ray; }
@func export function shoot(r: Ray, t: f32): Hit { const h: Hit = { t: t + EPS, ray: r }; return h; }
@func export function hitHeight(h: Hit): f32 { return height(along(h.ray, h.t)); }
`);

describe("library linking", () => {
  test("structs, funcs and constants across two libraries, run in the interpreter", () => {
    const libs = new LibrarySet([GEOM, SCENE]);
    const src = `import { Ray, shoot, hitHeight, UP, EPS } from "weft/kernels";
@kernel export function k(o: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  const r: Ray = { origin: o[i], dir: UP };
  out[i] = hitHeight(shoot(r, f32(i))) + EPS;
}`;
    const mod = compileSource(src, "user.ts", { libraries: libs });
    expect(mod.funcs.map((f) => f.name)).toEqual(["k", "scene__shoot", "scene__hitHeight", "geom__along", "geom__helper", "geom__height"]);
    expect([...mod.structs.keys()].sort()).toEqual(["Hit", "Ray"]);
    const m = new Mem();
    const o = m.array(vec(3), [3], [0, 1, 0, 0, 2, 0, 0, -1, 0]), out = m.array(F32, [3]);
    runKernel(lowerKernel(mod, "k", { until: "builtins", dump: false }), [3], [o, out], m);
    lowerKernel(mod, "k", { dump: false });
    const f = Math.fround;
    expect(m.read(out)).toEqual([1, 2, -1].map((y, i) => f(f(y + f(f(f(f(i) + f(0.001)) * 5) / 5)) + f(0.001))));
  });

  test("non-exported library names stay private", () => {
    const libs = new LibrarySet([GEOM]);
    expect(diagnose(`@kernel export function k(o: Array<f32>): void { o[0] = helper(1.0) + HIDDEN; }`, libs))
      .toEqual(["user.ts:1:57: unknown function 'helper'"]);
  });

  test("a cycle of libraries is a located diagnostic", () => {
    const a = lib("a", `@func export function fa(x: f32): f32 { return fb(x) + 1.0; }`);
    const b = lib("b", `@func export function fb(x: f32): f32 { return x; }\n@func export function fb2(x: f32): f32 { return fa(x); }`);
    const libs = new LibrarySet([a, b]);
    expect(diagnose(`@kernel export function k(o: Array<f32>): void { o[0] = fa(1.0); }`, libs)).toEqual([
      "/lib/a.ts:1:48: 'fb' comes from the library 'b', which has errors",
      "/lib/b.ts:2:49: libraries use each other in a cycle: 'a' -> 'b' -> 'a' ('fa' is declared in 'a')",
      "user.ts:1:57: 'fa' comes from the library 'a', which has errors",
    ]);
  });

  test("an error inside a library points at the library file", () => {
    const bad = lib("bad", `import { f32 } from "weft/kernels";\n@func export function broken(x: f32): f32 {\n  return x + undefinedThing;\n}`);
    const libs = new LibrarySet([bad]);
    const msgs = diagnose(`@kernel export function k(o: Array<f32>): void { o[0] = broken(1.0); }`, libs);
    expect(msgs).toEqual([
      "/lib/bad.ts:3:14: unknown name 'undefinedThing'",
      "user.ts:1:57: 'broken' comes from the library 'bad', which has errors",
    ]);
    // A module that does not use the broken library compiles.
    expect(() => compileSource(`@kernel export function k(o: Array<f32>): void { o[0] = 1.0; }`, "ok.ts", { libraries: libs })).not.toThrow();
  });

  test("two libraries exporting one name, and a library exporting a builtin's name", () => {
    const x = lib("x", `@func export function twice(v: f32): f32 { return v * 2.0; }`);
    const y = lib("y", `@func export function twice(v: f32): f32 { return v + v; }\n@func export function sqrt(v: f32): f32 { return v; }`);
    const libs = new LibrarySet([x, y]);
    expect(diagnose(`@kernel export function k(o: Array<f32>): void { o[0] = twice(1.0); }`, libs)).toEqual([
      "/lib/y.ts:1:23: 'twice' is exported by the libraries 'x' and 'y'; library names must be unique",
      "user.ts:1:57: 'twice' comes from the library 'x', which has errors",
    ]);
    // The builtin stays the builtin for users; the library itself is rejected when it compiles.
    const y2 = new LibrarySet([lib("y", `@func export function sqrt(v: f32): f32 { return v; }\n@func export function one(): f32 { return 1.0; }`)]);
    expect(() => compileSource(`@kernel export function k(o: Array<f32>): void { o[0] = sqrt(4.0); }`, "u.ts", { libraries: y2 })).not.toThrow();
    expect(diagnose(`@kernel export function k(o: Array<f32>): void { o[0] = one(); }`, y2)).toEqual([
      "/lib/y.ts:1:23: the library 'y' exports 'sqrt', the name of a builtin; library names must not hide builtins",
      "user.ts:1:57: 'one' comes from the library 'y', which has errors",
    ]);
  });

  test("a module's struct that shadows a library struct cannot reach library functions using it", () => {
    const libs = new LibrarySet([GEOM]);
    expect(diagnose(`@struct class Ray { origin: vec3; }
@kernel export function k(o: Array<vec3>): void { const r: Ray = { origin: o[0] }; o[0] = along(r, 1.0); }`, libs)).toEqual([
      "user.ts:2:91: 'along' is a library function that uses the library struct 'Ray', which this module's own struct 'Ray' shadows; rename your struct",
    ]);
  });

  test("a library function's custom adjoint comes along with it", () => {
    const libs = new LibrarySet([lib("ste", `@func export function snap(x: f32): f32 { return f32(i32(x)); }
@adjointOf(snap) function snapAdj(x: f32, adj: f32): f32 { return adj; }`)]);
    const mod = compileSource(`@kernel export function k(o: Array<f32>): void { o[0] = snap(o[0]); }`, "user.ts", { libraries: libs });
    expect(mod.funcs.map((f) => f.name)).toEqual(["k", "ste__snap", "ste__snapAdj"]);
    expect(mod.funcs[1].customGrad).toEqual({ adjoint: "ste__snapAdj", mode: "direct", diff: [0] });
  });

  test("library sources enter a hash that changes with them", () => {
    const h1 = librarySourcesHash([GEOM, SCENE]);
    expect(librarySourcesHash([GEOM, SCENE])).toBe(h1);
    expect(librarySourcesHash([GEOM, { ...SCENE, source: SCENE.source + " " }])).not.toBe(h1);
    expect(new LibrarySet([GEOM, SCENE]).hash()).toBe(h1);
  });
});

void run;
