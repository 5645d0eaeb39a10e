// The volume kernel library (kernels-as/lib/volume.ts) on every backend, against NanoVDB itself (the
// C++ oracle of test/oracles/nanovdb, built on the system NanoVDB headers) and against weft's host
// reference accessor (NanoGridAccessor), on the real files in shared/data/nanovdb, on grids made by
// NanoVDB's GridBuilder and by OpenVDB's vdb_tool + nanovdb_convert, and on grids made by our dense
// builder (wf.Volume.fromDense, saved with volume.save and read back by NanoVDB).
//
// Tolerances:
//   - lookups (every value type, by typed function and by byte offset), active states, tree levels,
//     nearest samples and the float maps (fma, as NanoVDB's indexToWorldF/worldToIndexF): exact on
//     every backend (integer traversal, exact rounding, explicit fma);
//   - trilinear samples and gradients: exact on the interpreter and wasm (IEEE operations in
//     NanoVDB's order, never contracted); on CUDA within 1e-5 x the grid's value scale, because NVRTC
//     contracts a + w * (b - a) into an FMA (one rounding fewer per lerp; docs/builtins.md);
//   - direction and gradient maps: exact against the same fma formula in TypeScript (fmaf), and within
//     float precision (2e-6 relative) of NanoVDB's double maps.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { Volume } from "../engine/geometry/volume/volume.js";
import { fmaf } from "../engine/geometry/nanovdb/fma.js";
import { generateCuda } from "../engine/backends/cuda/codegen.js";
import { compileSource } from "../engine/lang/index.js";
import { lowerModule } from "../engine/passes/pipeline.js";
import { BACKEND_NAMES, deviceFor } from "./helpers/backends.js";
import { SKIP_COMPILE, expectCompiles, findNvcc } from "./cuda-codegen.helpers.js";
import { SHARED_DATA, SKIP_TOOLS, madeGrids, oracleJson, scratchDir, testPoints, writePoints } from "./oracles/nanovdb/oracle.js";

const KERNELS = `
import { tid, Array, vec3, vec3d, vec3i, f32, f64, i32, u32 } from "weft/kernels";

@kernel
export function lookups(vol: Volume, ijk: Array<vec3i>, off: Array<i32>, state: Array<i32>, lf: Array<f32>, ld: Array<f64>,
                        li: Array<i32>, lu: Array<u32>, lv: Array<vec3>, lvd: Array<vec3d>): void {
  const t = tid();
  const c = ijk[t];
  const pr = volumeProbe(vol, c.x, c.y, c.z);
  off[t] = volumeLookupOffset(vol, c.x, c.y, c.z);
  state[t] = pr.level * 4 + (volumeIsActive(vol, c.x, c.y, c.z) ? 2 : 0) + (pr.active ? 1 : 0);
  lf[t] = volumeLookupF(vol, c.x, c.y, c.z);
  ld[t] = volumeLookupD(vol, c.x, c.y, c.z);
  li[t] = volumeLookupI(vol, c.x, c.y, c.z);
  lu[t] = volumeLookupU(vol, c.x, c.y, c.z);
  lv[t] = volumeLookupV(vol, c.x, c.y, c.z);
  lvd[t] = volumeLookupVd(vol, c.x, c.y, c.z);
}

@kernel
export function samplesF(vol: Volume, p: Array<vec3>, nearest: i32, linear: i32, nf: Array<f32>, tf: Array<f32>,
                         gv: Array<f32>, gf: Array<vec3>, gnv: Array<f32>, gn: Array<vec3>): void {
  const t = tid();
  nf[t] = volumeSampleF(vol, p[t], nearest);
  tf[t] = volumeSampleF(vol, p[t], linear);
  const r = volumeSampleGradF(vol, p[t], linear);
  gv[t] = r.value;
  gf[t] = r.grad;
  const q = volumeSampleGradF(vol, p[t], nearest);
  gnv[t] = q.value;
  gn[t] = q.grad;
}

@kernel
export function samplesOther(vol: Volume, p: Array<vec3>, pd: Array<vec3d>, nearest: i32, linear: i32, nd: Array<f64>, td: Array<f64>,
                             ni: Array<i32>, ti: Array<i32>, nv: Array<vec3>, tv: Array<vec3>): void {
  const t = tid();
  nd[t] = volumeSampleD(vol, pd[t], nearest);
  td[t] = volumeSampleD(vol, pd[t], linear);
  ni[t] = volumeSampleI(vol, p[t], nearest);
  ti[t] = volumeSampleI(vol, p[t], linear);
  nv[t] = volumeSampleV(vol, p[t], nearest);
  tv[t] = volumeSampleV(vol, p[t], linear);
}

@kernel
export function maps(vol: Volume, p: Array<vec3>, w: Array<vec3>, wi: Array<vec3>, wd: Array<vec3>, iwd: Array<vec3>, wg: Array<vec3>): void {
  const t = tid();
  const x = volumeIndexToWorld(vol, p[t]);
  w[t] = x;
  wi[t] = volumeWorldToIndex(vol, x);
  wd[t] = volumeIndexToWorldDir(vol, p[t]);
  iwd[t] = volumeWorldToIndexDir(vol, p[t]);
  wg[t] = volumeIndexToWorldGrad(vol, p[t]);
}
`;

const f32 = Math.fround;
const N_POINTS = 600;
const POINTS_ON: Record<string, number> = { interp: 40, wasm: 600, cuda: 600 };

// ------------------------------------------------------------------------------------ grids

interface GridFile { label: string; file: string }

/** Grids made in this run by wf.Volume.fromDense, saved as files for NanoVDB to read. */
function denseFiles(dir: string): GridFile[] {
  const out: GridFile[] = [];
  // a sphere level set (float, narrow band) with negative index coordinates crossing leaves/nodes
  const n = 40, h = 0.1, c = [-1.3, 0.4, 0.2], r = 1.2;
  const sdf = new Float32Array(n * n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    const x = (i - 20) * h, y = (j - 20) * h, z = (k - 20) * h;
    const d = Math.hypot(x - c[0], y - c[1], z - c[2]) - r;
    sdf[(i * n + j) * n + k] = Math.max(-0.3, Math.min(0.3, d));
  }
  const save = (label: string, v: Volume) => {
    const file = join(dir, `${label}.nvdb`);
    v.save(file, { codec: label.endsWith("zip") ? "ZIP" : "NONE" });
    v.dispose();
    out.push({ label: `fromDense ${label}`, file });
  };
  save("sdf-float", Volume.fromDense({ values: sdf, dims: [n, n, n], voxelSize: h, origin: [0.05, -0.1, 0], indexOrigin: [-20, -20, -20],
    background: 0.3, tolerance: 0.29, gridClass: "levelSet", name: "sphere" }));
  const m = 20, vel = new Float32Array(m * m * m * 3), dens = new Float64Array(m * m * m), lab = new Int32Array(m * m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) {
    const q = (i * m + j) * m + k;
    vel.set([Math.sin(0.3 * i), Math.cos(0.2 * j) * k * 0.1, (i - j) * 0.05], 3 * q);
    dens[q] = (i + j + k) % 5 === 0 ? 0 : Math.exp(-((i - 10) ** 2 + (j - 8) ** 2 + (k - 12) ** 2) / 40) + 1e-3 * i;
    lab[q] = (i * 7 + j * 3 + k) % 11 === 0 ? -1 : i * 400 + j * 20 + k;
  }
  save("vec3f-zip", Volume.fromDense({ values: vel, dims: [m, m, m], gridType: "vec3f", voxelSize: [0.5, 0.25, 1], origin: [3, 2, 1], indexOrigin: [4090, -8, 120], name: "vel" }));
  save("double", Volume.fromDense({ values: dens, dims: [m, m, m], voxelSize: 0.3, indexOrigin: [-130, 5, -7], name: "density" }));
  save("int32", Volume.fromDense({ values: lab, dims: [m, m, m], matrix: [0, -0.3, 0, 0.3, 0, 0, 0, 0, 0.3], origin: [5, 6, 7], background: -1, name: "labels" }));
  return out;
}

function gridFiles(): GridFile[] {
  const files: GridFile[] = [
    { label: "batch.nvdb", file: join(SHARED_DATA, "batch.nvdb") },
    { label: "smoke-blosc.nvdb", file: join(SHARED_DATA, "smoke-blosc.nvdb") },
  ];
  if (SKIP_TOOLS) return files;
  const made = madeGrids();
  for (const f of readdirSync(made).filter((x) => x.endsWith(".nvdb")).sort()) files.push({ label: `made ${f}`, file: join(made, f) });
  files.push(...denseFiles(scratchDir("volume-kernel-dense")));
  return files;
}

// ------------------------------------------------------------------------------------ oracle

interface OraclePoint { v: any; on: boolean; n?: any; t?: any; g?: number[]; wF: number[]; wiF: number[]; wd: number[]; gw: number[] }
interface Prepared { file: GridFile; points: Float32Array; oracle: { grids: { name: string; gridType: number; points: OraclePoint[] }[] } | null }

const prepared = new Map<string, Prepared>();

/** Test points (index space, rounded to f32) around the file's grids, and NanoVDB's answers for them. */
function prepare(gf: GridFile): Prepared {
  let p = prepared.get(gf.file);
  if (p) return p;
  const vols = Volume.loadAll(gf.file);
  const lo = [1e9, 1e9, 1e9], hi = [-1e9, -1e9, -1e9];
  for (const v of vols) {
    const b = v.indexBounds;
    for (let a = 0; a < 3; a++) { lo[a] = Math.min(lo[a], b[0][a]); hi[a] = Math.max(hi[a], b[1][a]); }
    v.dispose();
  }
  const pts = testPoints([lo, hi] as any, N_POINTS, 11).map((q) => q.map(f32));
  const points = new Float32Array(pts.flat());
  let oracle = null;
  if (!SKIP_TOOLS) {
    const dir = scratchDir("volume-kernel-pts");
    writePoints(join(dir, "p.txt"), pts);
    oracle = oracleJson(["sample", gf.file, join(dir, "p.txt")]);
  }
  p = { file: gf, points, oracle };
  prepared.set(gf.file, p);
  return p;
}

// ------------------------------------------------------------------------------------ references

type V3 = [number, number, number];
const fmaLinear = (m: ArrayLike<number>, p: V3, t: ArrayLike<number> | null, transpose = false): V3 => {
  const e = (r: number, c: number) => (transpose ? m[3 * c + r] : m[3 * r + c]);
  return [0, 1, 2].map((r) => fmaf(p[0], e(r, 0), fmaf(p[1], e(r, 1), t ? fmaf(p[2], e(r, 2), t[r]) : f32(p[2] * e(r, 2))))) as V3;
};

/** Equal as the kernel's output type holds them (oracle floats are printed with %.9g). */
function same(got: number, exp: number, single: boolean): boolean {
  return single ? got === f32(exp) : got === exp;
}

function bytesValue(buf: Uint8Array, at: number, kind: string, comps: number, elem: number): any {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const one = (o: number) => kind === "f32" ? dv.getFloat32(o, true) : kind === "f64" ? dv.getFloat64(o, true) : kind === "i32" ? dv.getInt32(o, true)
    : kind === "u32" ? dv.getUint32(o, true) : dv.getBigInt64(o, true);
  if (comps === 1) return one(at);
  return Array.from({ length: comps }, (_, c) => one(at + c * elem));
}

// ------------------------------------------------------------------------------------ tests

const files = gridFiles();

describe.each(BACKEND_NAMES)("volume kernel queries on %s", (be) => {
  const device = deviceFor(be);
  const opts = { backend: be, device } as const;
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: KERNELS, name: "volume_kernel_queries" }, { device, backend: be });
  }, 300_000);

  it("there are real files, NanoVDB-made grids and our own grids to check", () => {
    expect(files.filter((f) => existsSync(f.file)).length).toBe(files.length);
    if (!SKIP_TOOLS) expect(files.length).toBeGreaterThanOrEqual(2 + 11 + 4);
  });

  it.each(files.map((f) => [f.label, f] as const))("%s: lookups, samples, gradients and maps match NanoVDB and the accessor", (_label, gf) => {
    const { points, oracle } = prepare(gf);
    const n = POINTS_ON[be];
    const pts = points.subarray(0, 3 * n);
    const vols = Volume.loadAll(gf.file, { device });
    if (oracle) expect(oracle.grids.length).toBe(vols.length);
    const z = (dtype: any) => wf.zeros(n, { dtype, device });
    const P = wf.array(pts, { dtype: wf.vec3, device });
    const PD = wf.array(new Float64Array(pts), { dtype: wf.vec3d, device });
    const ijkHost = new Int32Array(3 * n).map((_, q) => Math.floor(pts[q] + 0.5));
    const IJK = wf.array(ijkHost, { dtype: wf.vec3i, device });
    try {
      vols.forEach((vol, gi) => {
        const tag = `${gf.label} grid ${gi} "${vol.name}" (${vol.gridType}) on ${be}`;
        const acc = vol.accessor();
        const g = vol.grid, l = g.layout!;
        const kind = l.value.kind, comps = l.value.components, single = kind === "f32";
        const og = oracle?.grids[gi];
        if (og) { expect(og.name, tag).toBe(vol.name); expect(og.gridType, tag).toBe(vol.gridTypeId); }
        // ---- lookups
        const L = { off: z(wf.int32), state: z(wf.int32), lf: z(wf.float32), ld: z(wf.float64), li: z(wf.int32), lu: z(wf.uint32), lv: z(wf.vec3), lvd: z(wf.vec3d) };
        wf.launch(m.kernels.lookups, n, [vol, IJK, L.off, L.state, L.lf, L.ld, L.li, L.lu, L.lv, L.lvd], opts);
        const lh = Object.fromEntries(Object.entries(L).map(([k, a]) => [k, a.toTypedArray()])) as Record<keyof typeof L, any>;
        // ---- samples
        const S = { nf: z(wf.float32), tf: z(wf.float32), gv: z(wf.float32), gf: z(wf.vec3), gnv: z(wf.float32), gn: z(wf.vec3) };
        wf.launch(m.kernels.samplesF, n, [vol, P, Volume.NEAREST, Volume.LINEAR, S.nf, S.tf, S.gv, S.gf, S.gnv, S.gn], opts);
        const sh = Object.fromEntries(Object.entries(S).map(([k, a]) => [k, a.toTypedArray()])) as Record<keyof typeof S, any>;
        const O = { nd: z(wf.float64), td: z(wf.float64), ni: z(wf.int32), ti: z(wf.int32), nv: z(wf.vec3), tv: z(wf.vec3) };
        wf.launch(m.kernels.samplesOther, n, [vol, P, PD, Volume.NEAREST, Volume.LINEAR, O.nd, O.td, O.ni, O.ti, O.nv, O.tv], opts);
        const oh = Object.fromEntries(Object.entries(O).map(([k, a]) => [k, a.toTypedArray()])) as Record<keyof typeof O, any>;
        const M = { w: z(wf.vec3), wi: z(wf.vec3), wd: z(wf.vec3), iwd: z(wf.vec3), wg: z(wf.vec3) };
        wf.launch(m.kernels.maps, n, [vol, P, M.w, M.wi, M.wd, M.iwd, M.wg], opts);
        const mh = Object.fromEntries(Object.entries(M).map(([k, a]) => [k, a.toTypedArray()])) as Record<keyof typeof M, any>;
        for (const a of [...Object.values(L), ...Object.values(S), ...Object.values(O), ...Object.values(M)]) a.dispose();

        // value scale for the CUDA trilinear tolerance
        let scale = 1;
        const typed: Record<string, string> = { float: "lf", double: "ld", int32: "li", uint32: "lu", vec3f: "lv", vec3d: "lvd" };
        const mine = typed[vol.gridType];
        for (let q = 0; q < n; q++) {
          const x = pts[3 * q], y = pts[3 * q + 1], zz = pts[3 * q + 2];
          const [i, j, k] = [ijkHost[3 * q], ijkHost[3 * q + 1], ijkHost[3 * q + 2]];
          const at = `${tag} point ${q} (${x}, ${y}, ${zz}) ijk (${i}, ${j}, ${k})`;
          const e = og?.points[q];
          // probe: offset, level, active
          const pr = acc.probe(i, j, k);
          expect(lh.off[q], `${at} offset`).toBe(pr.at);
          expect(lh.state[q], `${at} level/active`).toBe(pr.level * 4 + (pr.active ? 3 : 0));
          if (e) expect(pr.active, `${at} active vs NanoVDB`).toBe(e.on);
          // the value at the offset, for every value type, equals NanoVDB's getValue
          const val = bytesValue(g.buffer, lh.off[q], kind, comps, l.value.elemBytes);
          expect(val, `${at} value at offset`).toEqual(acc.getValue(i, j, k));
          if (e) {
            const ev = e.v;
            const ok = Array.isArray(ev) ? ev.every((c: number, d: number) => same(val[d], c, single)) : typeof val === "bigint" ? val === BigInt(ev) : same(val, ev, single);
            if (!ok) expect(val, `${at} value vs NanoVDB`).toEqual(ev);
          }
          // typed lookups: the grid's own type gives the value, every other type 0
          for (const [key, out] of Object.entries(lh)) {
            if (!["lf", "ld", "li", "lu", "lv", "lvd"].includes(key)) continue;
            const width = key === "lv" || key === "lvd" ? 3 : 1;
            const got = width === 3 ? Array.from(out.subarray(3 * q, 3 * q + 3)) : out[q];
            if (key === mine) expect(got, `${at} ${key}`).toEqual(val);
            else expect(got, `${at} ${key} on a ${vol.gridType} grid`).toEqual(width === 3 ? [0, 0, 0] : 0);
          }
          if (typeof val === "number") scale = Math.max(scale, Math.abs(val));
          else if (Array.isArray(val)) scale = Math.max(scale, ...val.map(Math.abs));
        }
        const tol = be === "cuda" ? 1e-5 * scale : 0;
        const near = (got: number, exp: number, what: string) => {
          if (tol === 0) expect(got, what).toBe(exp);
          else expect(Math.abs(got - exp), `${what}: ${got} vs ${exp}`).toBeLessThanOrEqual(tol);
        };
        for (let q = 0; q < n; q++) {
          const p: V3 = [pts[3 * q], pts[3 * q + 1], pts[3 * q + 2]];
          const at = `${tag} point ${q} (${p.join(", ")})`;
          const e = og?.points[q];
          const v3 = (a: any) => Array.from(a.subarray(3 * q, 3 * q + 3)) as number[];
          // ---- float samples and gradients
          if (vol.gridType === "float") {
            const en = acc.sampleNearest(...p) as number, et = acc.sampleTrilinear(...p) as number, eg = acc.gradient(...p);
            if (e) {
              expect(en, `${at} accessor nearest vs NanoVDB`).toBe(f32(e.n));
              expect(et, `${at} accessor trilinear vs NanoVDB`).toBe(f32(e.t));
              expect(eg, `${at} accessor gradient vs NanoVDB`).toEqual(e.g!.map(f32));
            }
            expect(sh.nf[q], `${at} nearest`).toBe(en);
            expect(sh.gnv[q], `${at} nearest (sampleGrad)`).toBe(en);
            expect(v3(sh.gn), `${at} nearest gradient`).toEqual([0, 0, 0]);
            near(sh.tf[q], et, `${at} trilinear`);
            near(sh.gv[q], et, `${at} trilinear (sampleGrad)`);
            v3(sh.gf).forEach((c, d) => near(c, eg[d], `${at} gradient[${d}]`));
          } else {
            expect([sh.nf[q], sh.tf[q], sh.gv[q], ...v3(sh.gf)], `${at} float samples of a ${vol.gridType} grid`).toEqual([0, 0, 0, 0, 0, 0]);
          }
          if (vol.gridType === "double") {
            const en = acc.sampleNearest(...p) as number, et = acc.sampleTrilinear(...p) as number;
            if (e) { expect(en, at).toBe(e.n); expect(et, at).toBe(e.t); }
            expect(oh.nd[q], `${at} nearest (double)`).toBe(en);
            near(oh.td[q], et, `${at} trilinear (double)`);
          } else expect([oh.nd[q], oh.td[q]], at).toEqual([0, 0]);
          if (vol.gridType === "int32") {
            const en = acc.sampleNearest(...p) as number, et = acc.sampleTrilinear(...p) as number;
            if (e) { expect(en, at).toBe(e.n); expect(et, at).toBe(e.t); }
            expect([oh.ni[q], oh.ti[q]], `${at} int32 nearest/trilinear`).toEqual([en, et]);
          } else expect([oh.ni[q], oh.ti[q]], at).toEqual([0, 0]);
          if (vol.gridType === "vec3f") {
            const en = acc.sampleNearest(...p) as number[], et = acc.sampleTrilinear(...p) as number[];
            if (e) { expect(en, at).toEqual(e.n.map(f32)); expect(et, at).toEqual(e.t.map(f32)); }
            expect(v3(oh.nv), `${at} vec3 nearest`).toEqual(en);
            v3(oh.tv).forEach((c, d) => near(c, et[d], `${at} vec3 trilinear[${d}]`));
          } else expect([...v3(oh.nv), ...v3(oh.tv)], at).toEqual([0, 0, 0, 0, 0, 0]);
          // ---- maps: exact against fma in TypeScript and against NanoVDB's float maps
          const mp = g.map;
          const w = fmaLinear(mp.matF, p, mp.vecF);
          expect(v3(mh.w), `${at} indexToWorld`).toEqual(w);
          const d: V3 = [f32(w[0] - mp.vecF[0]), f32(w[1] - mp.vecF[1]), f32(w[2] - mp.vecF[2])];
          expect(v3(mh.wi), `${at} worldToIndex`).toEqual(fmaLinear(mp.invMatF, d, null));
          expect(v3(mh.wd), `${at} indexToWorldDir`).toEqual(fmaLinear(mp.matF, p, null));
          expect(v3(mh.iwd), `${at} worldToIndexDir`).toEqual(fmaLinear(mp.invMatF, p, null));
          expect(v3(mh.wg), `${at} indexToWorldGrad`).toEqual(fmaLinear(mp.invMatF, p, null, true));
          if (e) {
            expect(v3(mh.w), `${at} indexToWorld vs NanoVDB`).toEqual(e.wF.map(f32));
            expect(v3(mh.wi), `${at} worldToIndex vs NanoVDB`).toEqual(e.wiF.map(f32));
            const rel = (a: number[], b: number[], what: string) => {
              const s = Math.max(1e-30, ...b.map(Math.abs));
              a.forEach((c, k) => expect(Math.abs(c - b[k]) / s, `${at} ${what}[${k}]: ${c} vs ${b[k]}`).toBeLessThanOrEqual(2e-6));
            };
            rel(v3(mh.wd), e.wd, "indexToWorldDir vs NanoVDB (double)");
            rel(v3(mh.wg), e.gw, "indexToWorldGrad vs NanoVDB (double)");
          }
        }
      });
    } finally {
      for (const v of vols) v.dispose();
      P.dispose(); PD.dispose(); IJK.dispose();
    }
  }, 300_000);
});

// Without a GPU the CUDA backend is still checked: the library compiled into these kernels must compile
// to PTX with nvcc and NVRTC, as every shipped kernel does (adjoints: test/volume-kernel-grad.test.ts).
const compileTest = SKIP_COMPILE && !findNvcc() ? it.skip : it;
describe("volume kernels compile to PTX", () => {
  compileTest("forward kernels, release and debug (bounds-checked raw reads)", () => {
    const fwd = lowerModule(compileSource(KERNELS, "volume_kernel_queries.ts"), { dump: false });
    expectCompiles(generateCuda(fwd, { debug: false, moduleName: "volume_q" }).source, "volume_q");
    expectCompiles(generateCuda(fwd, { debug: true, moduleName: "volume_q_debug" }).source, "volume_q_debug");
  }, 300_000);
});
