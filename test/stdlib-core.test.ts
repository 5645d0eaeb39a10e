// The kernel standard library's core module (kernels-as/lib/core.ts) used from user kernels through
// "weft/kernels", on the interpreter and wasm, against plain-TS references of the same formulas.

import { beforeAll, describe, expect, it, test } from "vitest";
import * as wf from "../engine/index.js";
import { compileSource } from "../engine/lang/index.js";
import { standardLibraryDir } from "../engine/lang/library-files.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";

const SRC = `
import { tid, Array, vec3, f32, sdBox, sdSphere, sdCapsule, smoothMin as smin } from "weft/kernels";

@kernel export function sdf(p: Array<vec3>, box: vec3, r: f32, out: Array<f32>): void {
  const i = tid();
  const a = sdBox(p[i], box);
  const b = sdSphere(p[i] - vec3(1.0, 0.0, 0.0), r);
  const c = sdCapsule(p[i], vec3(0.0, -1.0, 0.0), vec3(0.0, 1.0, 0.0), 0.25);
  out[4 * i] = a;
  out[4 * i + 1] = b;
  out[4 * i + 2] = c;
  out[4 * i + 3] = smin(a, b, 0.5);
}

@kernel export function grad(p: Array<vec3>, out: Array<f32>): void {
  const i = tid();
  out[i] = sdSphere(p[i], 0.5) * 2.0;
}
`;

type V = [number, number, number];
const len = (v: V) => Math.hypot(...v);
const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sdBoxRef = (p: V, b: V) => {
  const q = p.map((x, k) => Math.abs(x) - b[k]) as V;
  return len(q.map((x) => Math.max(x, 0)) as V) + Math.min(Math.max(...q), 0);
};
const sdSphereRef = (p: V, r: number) => len(p) - r;
const sdCapsuleRef = (p: V, a: V, b: V, r: number) => {
  const pa = sub(p, a), ba = sub(b, a);
  const h = Math.min(Math.max(dot(pa, ba) / dot(ba, ba), 0), 1);
  return len(sub(pa, ba.map((x) => x * h) as V)) - r;
};
const sminRef = (a: number, b: number, k: number) => { const h = Math.max(k - Math.abs(a - b), 0) / k; return Math.min(a, b) - h * h * k * 0.25; };

const PTS: V[] = [[0, 0, 0], [2, 0.5, -1], [0.3, -0.2, 0.1], [1.2, 0.1, 0], [-0.5, 2, 0.25], [0.9, 0.9, 0.9]];

test("the standard library is found from the package root", () => {
  expect(standardLibraryDir()).toMatch(/kernels-as[\\/]lib$/);
});

test("only the library functions a module calls enter its IR, located in the library file", () => {
  const ir = compileSource(SRC, "user.ts");
  const names = ir.funcs.map((f) => f.name).sort();
  expect(names).toEqual(["core__sdBox", "core__sdCapsule", "core__sdSphere", "core__smoothMin", "grad", "sdf"]);
  const box = ir.funcs.find((f) => f.name === "core__sdBox")!;
  expect(box.loc!.file).toMatch(/kernels-as[\\/]lib[\\/]core\.ts$/);
  expect(box.body.every((i) => i.loc?.file === box.loc!.file)).toBe(true);
  const only = compileSource(`@kernel export function k(o: Array<f32>): void { o[0] = sdSphere(vec3(1.0), 0.5); }`, "u.ts");
  expect(only.funcs.map((f) => f.name)).toEqual(["k", "core__sdSphere"]);
});

test("a module's own @func shadows the library function of that name", () => {
  const ir = compileSource(`@func function sdSphere(p: vec3, r: f32): f32 { return 7.0; }
@kernel export function k(o: Array<f32>): void { o[0] = sdSphere(vec3(1.0), 0.5); }`, "u.ts");
  expect(ir.funcs.map((f) => f.name)).toEqual(["sdSphere", "k"]);
});

describe.each(BACKEND_NAMES)("core library on %s", (backend) => {
  const device = deviceFor(backend);
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: SRC, name: "stdlibcore" }, { backend, device });
  });

  it("sdBox, sdSphere, sdCapsule, smoothMin match plain TS", () => {
    const p = wf.array(new Float32Array(PTS.flat()), { dtype: wf.vec3, device });
    const out = wf.zeros(4 * PTS.length, { device });
    const box: V = [0.5, 0.25, 1];
    wf.launch(m.kernels.sdf, PTS.length, [p, box, 0.75, out], { backend });
    const got = out.toTypedArray() as Float32Array;
    PTS.forEach((q, i) => {
      const a = sdBoxRef(q, box), b = sdSphereRef(sub(q, [1, 0, 0]), 0.75);
      expect(got[4 * i]).toBeCloseTo(a, 5);
      expect(got[4 * i + 1]).toBeCloseTo(b, 5);
      expect(got[4 * i + 2]).toBeCloseTo(sdCapsuleRef(q, [0, -1, 0], [0, 1, 0], 0.25), 5);
      expect(got[4 * i + 3]).toBeCloseTo(sminRef(got[4 * i], got[4 * i + 1], 0.5), 5);
    });
  });

  it("gradients flow through library functions", () => {
    const p = wf.array(new Float32Array(PTS.slice(1).flat()), { dtype: wf.vec3, requiresGrad: true, device });
    const out = wf.zeros(PTS.length - 1, { requiresGrad: true, device });
    const tape = new wf.Tape();
    tape.record(() => wf.launch(m.kernels.grad, PTS.length - 1, [p, out], { backend }));
    tape.backward(null, new Map([[out, new Float32Array(PTS.length - 1).fill(1)]]));
    const g = p.grad!.toTypedArray() as Float32Array;
    PTS.slice(1).forEach((q, i) => q.forEach((x, k) => expect(g[3 * i + k]).toBeCloseTo((2 * x) / len(q), 5)));
  });
});
