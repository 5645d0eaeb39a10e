// wf.Volume on the host: loading (path, bytes, one grid by name or position, every grid), building
// from dense arrays, metadata getters, saving files that NanoVDB's own nanovdb_print and
// nanovdb_validate accept (and that read back byte for byte), passing the volume to kernels, and the
// errors: malformed files and unsupported grid types (NanoVDBError, naming the file and byte
// offset), unknown grids, wrong devices, and every use of a disposed volume.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as wf from "../engine/index.js";
import { Volume } from "../engine/geometry/volume/volume.js";
import { NanoVDBError } from "../engine/geometry/nanovdb/index.js";
import { SHARED_DATA, SKIP_TOOLS, runTool, scratchDir } from "./oracles/nanovdb/oracle.js";

const BATCH = join(SHARED_DATA, "batch.nvdb");
const SMOKE = join(SHARED_DATA, "smoke-blosc.nvdb");

const KERNEL = `
import { tid, Array, vec3i, f32 } from "weft/kernels";
@kernel
export function lookup(vol: Volume, ijk: Array<vec3i>, out: Array<f32>): void {
  const t = tid();
  out[t] = volumeLookupF(vol, ijk[t].x, ijk[t].y, ijk[t].z);
}
`;

function expectNanoError(fn: () => unknown, re: RegExp): NanoVDBError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(NanoVDBError);
    expect((e as Error).message).toMatch(re);
    return e as NanoVDBError;
  }
  throw new Error(`expected a NanoVDBError matching ${re}`);
}

/** The SDF of a sphere of radius r at the centre of an n^3 grid of spacing h, clamped to 3 voxels. */
function sphereValues(n: number, h: number, r: number): Float32Array {
  const v = new Float32Array(n * n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    v[(i * n + j) * n + k] = Math.max(-3 * h, Math.min(3 * h, Math.hypot((i - n / 2) * h, (j - n / 2) * h, (k - n / 2) * h) - r));
  }
  return v;
}

describe("wf.Volume: loading and metadata", () => {
  beforeAll(() => wf.init());

  it("loads one grid of a file by position or name, from a path, a Uint8Array or an ArrayBuffer", () => {
    const bytes = readFileSync(BATCH);
    const a = Volume.load(BATCH);
    const b = Volume.load(new Uint8Array(bytes), { grid: 2 });
    const c = Volume.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), { grid: 3 });
    expect([a.gridIndex, b.gridIndex, c.gridIndex]).toEqual([0, 2, 3]);
    const byName = Volume.load(BATCH, { grid: b.name });
    // batch.nvdb's four grids share the name "z": a name picks the first of them
    expect(byName.gridIndex).toBe(0);
    expect(a.grid.source).toBe(BATCH);
    expect(b.grid.source).toBe("<buffer>");
    for (const v of [a, b, c, byName]) v.dispose();
  });

  it("loadAll returns every grid of batch.nvdb (4 chained float level sets) with its metadata", () => {
    const all = Volume.loadAll(BATCH);
    expect(all.length).toBe(4);
    for (const [i, v] of all.entries()) {
      const g = v.grid;
      expect(v.gridIndex).toBe(i);
      expect(v.name).toBe(g.name);
      expect(v.gridType).toBe("float");
      expect(v.gridTypeId).toBe(1);
      expect(v.gridClass).toBe("levelSet");
      expect(v.indexBounds).toEqual(g.indexBBox);
      expect(v.worldBounds).toEqual(g.worldBBox);
      expect(v.voxelSize).toEqual(g.voxelSize);
      expect(v.activeVoxelCount).toBe(g.tree.activeVoxelCount);
      expect(v.sizeInBytes).toBe(g.gridSize);
      expect(v.buffer.length * 4).toBeGreaterThanOrEqual(g.gridSize);
      expect(v.device.name).toBe("cpu");
      expect(typeof v.background).toBe("number");
      // the transform maps index to world as the grid's map does
      const t = v.transform, p: [number, number, number] = [1.5, -2, 3.25];
      const w = [0, 1, 2].map((r) => t.matrix[3 * r] * p[0] + t.matrix[3 * r + 1] * p[1] + t.matrix[3 * r + 2] * p[2] + t.translation[r]);
      v.indexToWorld(p).forEach((x, r) => expect(x).toBeCloseTo(w[r], 12));
      const back = [0, 1, 2].map((r) => t.inverse[3 * r] * (w[0] - t.translation[0]) + t.inverse[3 * r + 1] * (w[1] - t.translation[1]) + t.inverse[3 * r + 2] * (w[2] - t.translation[2]));
      back.forEach((x, r) => expect(x).toBeCloseTo(p[r], 12));
      expect(String(v)).toMatch(new RegExp(`^wf\\.Volume \\d+ "${g.name}" \\(float levelSet, ${g.tree.activeVoxelCount} active voxels\\) on cpu$`));
      expect(Volume.fromId(v.id)).toBe(v);
    }
    for (const v of all) v.dispose();
  });

  it("unknown grids: names and positions that are not in the file say what the file holds", () => {
    expect(() => Volume.load(BATCH, { grid: "density" })).toThrow(/no grid named "density" in .*batch\.nvdb; it holds 0: "z" \(float\), 1: "z"/);
    expect(() => Volume.load(BATCH, { grid: 4 })).toThrow(/grid 4 is out of range; .*batch\.nvdb holds 4 grids/);
    expect(() => Volume.load(BATCH, { grid: -1 })).toThrow(RangeError);
    expect(() => Volume.load(42 as any)).toThrow(/expected a file path, a Uint8Array or an ArrayBuffer/);
  });

  it("fromDense: values as a TypedArray (dims given) or a 3-D weft array (dims from its shape)", () => {
    const n = 24, h = 0.1, vals = sphereValues(n, h, 0.6);
    const a = Volume.fromDense({ values: vals, dims: [n, n, n], voxelSize: h, origin: [-1.2, -1.2, -1.2], background: 3 * h, tolerance: 2.9 * h, gridClass: "levelSet", name: "ball" });
    const arr = wf.array(vals, { dtype: wf.float32, shape: [n, n, n] });
    const b = Volume.fromDense({ values: arr, voxelSize: h, origin: [-1.2, -1.2, -1.2], background: 3 * h, tolerance: 2.9 * h, gridClass: "levelSet", name: "ball" });
    expect(Array.from(a.grid.buffer)).toEqual(Array.from(b.grid.buffer));
    expect(a.name).toBe("ball");
    expect(a.gridClass).toBe("levelSet");
    expect(a.voxelSize.map((x) => +x.toFixed(12))).toEqual([h, h, h]);
    expect(a.transform.translation).toEqual([-1.2, -1.2, -1.2]);
    expect(a.background).toBe(Math.fround(3 * h));
    for (let i = 0; i < n; i += 3) for (let j = 0; j < n; j += 5) for (let k = 0; k < n; k++) {
      const v = vals[(i * n + j) * n + k];
      // leaves holding an active voxel keep every dense value; elsewhere the background
      expect(a.getValue(i, j, k)).toBe(a.accessor().probe(i, j, k).level === 0 ? v : a.background);
    }
    expect(a.activeVoxelCount).toBeGreaterThan(0);
    expect(() => Volume.fromDense({ values: arr.reshape([n * n * n]) } as any)).toThrow(/'dims' is required unless 'values' is a 3-D array/);
    expect(() => Volume.fromDense({ values: vals, dims: [n, n, n + 1] })).toThrow(NanoVDBError);
    arr.dispose(); a.dispose(); b.dispose();
  });
});

describe("wf.Volume: kernels, devices and dispose", () => {
  let m: wf.Module;
  beforeAll(async () => {
    await wf.init();
    m = await wf.loadModule({ source: KERNEL, name: "volume_api" }, { device: "cpu", backend: "wasm" });
  }, 120_000);

  it("a launch takes the volume itself or its asKernelArg() struct", () => {
    const v = Volume.load(BATCH, { grid: 1 });
    const ijk = wf.array(new Int32Array([0, 0, 0, 1, -3, 2, 100, 100, 100]), { dtype: wf.vec3i });
    const a = wf.zeros(3), b = wf.zeros(3);
    wf.launch(m.kernels.lookup, 3, [v, ijk, a]);
    wf.launch(m.kernels.lookup, 3, [v.asKernelArg(v.device), ijk, b]);
    const exp = [[0, 0, 0], [1, -3, 2], [100, 100, 100]].map(([i, j, k]) => v.getValue(i, j, k));
    expect(Array.from(a.toTypedArray())).toEqual(exp);
    expect(Array.from(b.toTypedArray())).toEqual(exp);
    expect(exp[2]).toBe(v.background);
    v.dispose();
  });

  it("a volume of another device is a clear error", () => {
    const v = Volume.load(BATCH);
    const other = { name: "cuda:7", isCpu: false, isCuda: true } as unknown as wf.Device;
    expect(() => v.asKernelArg(other)).toThrow(/wf\.Volume \d+ \("z"\) lives on cpu, not cuda:7; load it with \{ device: "cuda:7" \}/);
    v.dispose();
  });

  it("every use of a disposed volume says it was disposed", () => {
    const v = Volume.load(BATCH);
    const ijk = wf.array(new Int32Array(3), { dtype: wf.vec3i });
    const out = wf.zeros(1);
    const buf = v.buffer;
    v.dispose();
    expect(v.disposed).toBe(true);
    expect(buf.disposed).toBe(true);
    expect(Volume.fromId(v.id)).toBeUndefined();
    const dead = new RegExp(`wf\\.Volume ${v.id} was disposed; .* needs a live volume`);
    expect(() => wf.launch(m.kernels.lookup, 1, [v, ijk, out])).toThrow(dead);
    expect(() => v.asKernelArg()).toThrow(/a launch needs a live volume/);
    for (const get of [() => v.name, () => v.gridType, () => v.indexBounds, () => v.worldBounds, () => v.voxelSize, () => v.transform,
      () => v.background, () => v.buffer, () => v.grid, () => v.activeVoxelCount, () => v.getValue(0, 0, 0), () => v.sample(0, 0, 0)]) {
      expect(get).toThrow(dead);
    }
    expect(() => v.save(join(scratchDir("volume-api-dead"), "x.nvdb"))).toThrow(/save\(\) needs a live volume/);
    expect(() => v.encode()).toThrow(dead);
    v.dispose(); // twice is fine
    expect(String(v)).toBe(`wf.Volume ${v.id} (disposed)`);
  });
});

describe("wf.Volume: files", () => {
  beforeAll(() => wf.init());

  it("malformed files raise NanoVDBError with the file and the byte offset", () => {
    const dir = scratchDir("volume-api-bad");
    const bytes = readFileSync(BATCH);
    const cut = join(dir, "cut.nvdb");
    writeFileSync(cut, bytes.subarray(0, 5000));
    const e = expectNanoError(() => Volume.load(cut), /NanoVDB: .*cut\.nvdb @ byte \d+: /);
    expect(e.source).toBe(cut);
    expectNanoError(() => Volume.loadAll(cut), /cut\.nvdb/);
    const junk = join(dir, "junk.nvdb");
    writeFileSync(junk, new Uint8Array(300).fill(7));
    expectNanoError(() => Volume.load(junk), /junk\.nvdb @ byte 0: /);
    expectNanoError(() => Volume.load(join(dir, "missing.nvdb")), /missing\.nvdb: cannot read the file/);
    expectNanoError(() => Volume.load(new Uint8Array(3)), /<buffer>/);
  });

  it.skipIf(SKIP_TOOLS)("unsupported grid types (fp16 made by nanovdb_convert) are a NanoVDBError naming the type", () => {
    const dir = scratchDir("volume-api-fp16");
    const vdb = runTool("vdb_tool", ["-quiet", "-sphere", "r=3.0", "c=1,2,3", "v=0.25", "w=3", "-write", join(dir, "ls.vdb")]);
    expect(vdb.status, vdb.out).toBe(0);
    const f = join(dir, "ls-fp16.nvdb");
    const conv = runTool("nanovdb_convert", ["-f", "--fp16", join(dir, "ls.vdb"), f]);
    expect(conv.status, conv.out).toBe(0);
    const e = expectNanoError(() => Volume.load(f), /unsupported grid type fp16 for wf\.Volume \(grid 0 "sphere"\)/);
    expect(e.source).toBe(f);
    expect(e.message).toMatch(/expected float, double, int32, int64, vec3f, vec3d, uint32, vec4f, vec4d/);
    expectNanoError(() => Volume.loadAll(f), /unsupported grid type fp16/);
  });

  it.skipIf(SKIP_TOOLS)("save: NONE and ZIP files that nanovdb_print and nanovdb_validate accept, read back byte for byte", () => {
    const dir = scratchDir("volume-api-save");
    const n = 24, h = 0.1;
    const made = Volume.fromDense({ values: sphereValues(n, h, 0.6), dims: [n, n, n], voxelSize: h, origin: [-1.2, -1.2, -1.2], indexOrigin: [-12, -12, -12],
      background: 3 * h, tolerance: 2.9 * h, gridClass: "levelSet", name: "ball" });
    const smoke = Volume.load(SMOKE);
    for (const [label, v] of [["ball", made], ["smoke", smoke]] as const) {
      for (const codec of ["NONE", "ZIP"] as const) {
        const f = join(dir, `${label}-${codec}.nvdb`);
        v.save(f, { codec });
        const print = runTool("nanovdb_print", ["-l", f]);
        expect(print.status, print.out).toBe(0);
        expect(print.out).toContain(codec);
        expect(print.out).toMatch(new RegExp(`\\b${v.name}\\b`));
        const val = runTool("nanovdb_validate", ["-v", f]);
        expect(val.status, val.out).toBe(0);
        expect(val.out).toMatch(/passed/);
        expect(val.out).not.toMatch(/failed/i);
        const back = Volume.load(f);
        expect(back.name).toBe(v.name);
        expect(Buffer.from(back.grid.buffer).equals(Buffer.from(v.grid.buffer))).toBe(true);
        expect(Buffer.from(v.encode({ codec })).equals(readFileSync(f))).toBe(true);
        back.dispose();
      }
    }
    expectNanoError(() => made.save(join(dir, "x.nvdb"), { codec: "BLOSC" }), /cannot write codec BLOSC/);
    expect(() => made.save("" as any)).toThrow(/expected a file path/);
    made.dispose(); smoke.dispose();
  });
});
