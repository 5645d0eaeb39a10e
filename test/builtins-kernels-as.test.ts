// kernels-as/index.ts (the declarations kernels import as "weft/kernels") and the kernel checker
// engine/tools/check-kernels.ts, on a good and on bad kernel files.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkKernelFiles, declaredNames, defaultKernelFiles, packageRoot, runCli } from "../engine/tools/check-kernels.js";
import { allBuiltins } from "../engine/builtins/index.js";

const root = packageRoot();
const dir = mkdtempSync(join(tmpdir(), "weft-kernels-as-"));
const put = (name: string, src: string) => { const p = join(dir, name); writeFileSync(p, src); return p; };

const GOOD = `import { tid, Array, Array2D, vec3, f32, quatFromAxisAngle, quatRotate, normalize, randInit, randf, randn } from "weft/kernels";

@struct class Particle { x: vec3; v: vec3; mass: f32; }

@func function speed(p: Particle): f32 { return length(p.v); }

@kernel
export function step(parts: Array<Particle>, grid: Array2D<f32>, out: Array<f32>, dt: f32, seed: i32): void {
  const i = tid();
  let rng = randInit(seed, i);
  const kick = vec3(randf(rng), randn(rng), 0) * 0.01;
  const q = quatFromAxisAngle(vec3(0, 0, 1), 0.5);
  let p = parts[i];
  p.v = quatRotate(q, normalize(p.v + kick));
  p.x = p.x + p.v * dt;
  parts[i] = p;
  out[i] = speed(p) + grid[i, 0] * clamp(dt, 0, 1);
}
`;

describe("kernels-as/index.ts", () => {
  it("declares every public builtin of the registry", () => {
    const names = declaredNames(root);
    const missing = allBuiltins().filter((b) => !b.internal && !names.has(b.name)).map((b) => b.name);
    expect(missing).toEqual([]);
  });
  it("declares the type names and special forms of the language", () => {
    const names = declaredNames(root);
    for (const n of ["vec2", "vec3", "vec4", "vec3d", "vec3i", "vec3u", "vec3f", "mat22", "mat33", "mat44", "mat33d", "quat", "quatd",
      "transform", "transformd", "Array", "Array2D", "Array3D", "Array4D", "tid", "atomicAdd", "atomicCAS", "print", "load", "loadAt"]) {
      expect(names.has(n), n).toBe(true);
    }
  });
});

describe("check-kernels", () => {
  it("accepts a good kernel file (frontend and imports)", async () => {
    expect(await checkKernelFiles([put("good.ts", GOOD)], { cwd: root })).toEqual([]);
  });

  it("accepts the good kernel under asc with the declarations", async () => {
    expect(await checkKernelFiles([put("good-asc.ts", GOOD)], { cwd: root, asc: true })).toEqual([]);
  }, 60_000);

  it("reports frontend errors with file:line:col", async () => {
    const bad = put("bad.ts", GOOD.replace("out[i] = speed(p)", "out[i] = p.v"));
    const ds = await checkKernelFiles([bad], { cwd: root });
    expect(ds.length).toBeGreaterThan(0);
    expect(ds[0].by).toBe("weft");
    expect(ds[0].line).toBe(17);
    expect(ds[0].text).toMatch(/bad\.ts:17:\d+: error: .*vec3/);
    expect(ds[0].text).toContain("^");
  });

  it("reports imports that weft/kernels does not declare", async () => {
    const bad = put("imp.ts", GOOD.replace("randn }", "randn, quatRotation }"));
    const ds = await checkKernelFiles([bad], { cwd: root });
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ by: "imports", line: 1 });
    expect(ds[0].message).toMatch(/'quatRotation' is not declared by "weft\/kernels"/);
  });

  it("maps asc errors back to the source position (after blanked imports and a 2-D tid)", async () => {
    const src = `import { tid, Array2D, f32 } from "weft/kernels";
@kernel
export function k(g: Array2D<f32>, s: f32): void {
  const [i, j] = tid();
  const v: vec3 = vec3(s);
  g[i, j] = v;
}
`;
    const ds = await checkKernelFiles([put("asc-bad.ts", src)], { cwd: root, asc: true });
    // The frontend and asc both reject storing a vec3 into an f32 element.
    const asc = ds.filter((d) => d.by === "asc");
    expect(asc.length).toBeGreaterThan(0);
    expect(asc[0]).toMatchObject({ line: 6 });
    expect(asc[0].message).toMatch(/not assignable/);
    expect(ds.some((d) => d.by === "weft" && d.line === 6)).toBe(true);
  }, 60_000);

  it("runs as a command: exit status and output", async () => {
    let out = "", err = "";
    const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
    expect(await runCli([join(dir, "good.ts")], io, root)).toBe(0);
    expect(out).toMatch(/1 file, 0 errors/);
    out = ""; err = "";
    expect(await runCli([join(dir, "bad.ts"), join(dir, "good.ts")], io, root)).toBe(1);
    expect(err).toMatch(/bad\.ts:17:\d+: error:/);
    expect(out).toMatch(/2 files, \d+ errors?/);
    expect(await runCli(["--bogus"], io, root)).toBe(2);
  });

  it("finds the default kernel files without the declarations", () => {
    const files = defaultKernelFiles(root);
    expect(files.some((f) => f.endsWith(join("kernels-as", "index.ts")))).toBe(false);
    for (const f of files) expect(readFileSync(f, "utf8").length).toBeGreaterThan(0);
  });
});
