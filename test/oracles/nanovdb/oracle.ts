// Test helper: NanoVDB's own tools and a small C++ oracle (sample.cpp) built against the system
// NanoVDB headers. CI installs them with
//   apt-get install -y libnanovdb-dev libnanovdb-tools libopenvdb-tools zlib1g-dev g++
// A test that needs them fails with that line when they are missing, unless WEFT_SKIP_NANOVDB_TOOLS=1.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const APT_LINE = "apt-get install -y libnanovdb-dev libnanovdb-tools libopenvdb-tools zlib1g-dev g++";
export const SKIP_TOOLS = process.env.WEFT_SKIP_NANOVDB_TOOLS === "1";
export const SHARED_DATA = join(dirname(fileURLToPath(import.meta.url)), "../../../../shared/data/nanovdb");
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "sample.cpp");
const CXXFLAGS = ["-std=c++17", "-O1"];
const LIBS = ["-lblosc", "-lz", "-lpthread"];

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** What is missing among the NanoVDB/OpenVDB tools, headers and compiler the tests use. */
export function missingTools(): string[] {
  const missing: string[] = [];
  for (const t of ["nanovdb_print", "nanovdb_validate", "nanovdb_convert", "vdb_tool", "g++"]) if (!which(t)) missing.push(t);
  for (const h of ["/usr/include/nanovdb/NanoVDB.h", "/usr/include/blosc.h", "/usr/include/zlib.h"]) if (!existsSync(h)) missing.push(h);
  return missing;
}

/** Throws a readable error naming what is missing and the apt line that installs it. */
export function assertTools(): void {
  const m = missingTools();
  if (m.length) {
    throw new Error(
      `NanoVDB tools missing: ${m.join(", ")}. Install them with\n  ${APT_LINE}\n` +
        `or set WEFT_SKIP_NANOVDB_TOOLS=1 to skip the tests that compare against NanoVDB.`,
    );
  }
}

let binary: string | undefined;

/** Builds (once, cached under the OS temp dir keyed by the source hash) and returns the oracle path. */
export function oracleBinary(): string {
  if (binary) return binary;
  assertTools();
  const src = readFileSync(SOURCE);
  const key = createHash("sha256").update(src).update(CXXFLAGS.join(" ") + LIBS.join(" ")).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `weft-nanovdb-oracle-${key}`);
  const exe = join(dir, "sample");
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${exe}.${process.pid}.tmp`;
    const r = spawnSync("g++", [...CXXFLAGS, "-o", tmp, SOURCE, ...LIBS], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`building the NanoVDB oracle failed:\n${r.stderr}`);
    renameSync(tmp, exe);
  }
  binary = exe;
  return exe;
}

/** Runs the oracle and returns its stdout (JSON commands are parsed by the caller). */
export function runOracle(args: string[]): string {
  return execFileSync(oracleBinary(), args, { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
}

export function oracleJson<T = any>(args: string[]): T {
  return JSON.parse(runOracle(args)) as T;
}

/** Runs a tool, returning status and output; never throws for a non-zero exit. */
export function runTool(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** A scratch directory under the OS temp dir. */
export function scratchDir(name: string): string {
  const dir = join(tmpdir(), `weft-nanovdb-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

let made: string | undefined;

/**
 * Test grids made by NanoVDB and OpenVDB themselves: the oracle's GridBuilder grids (double, int32,
 * vec3f+vec3d, int64/uint32/vec4f/vec4d, level-set and fog spheres; NONE, ZIP and BLOSC codecs) and
 * vdb_tool level-set/fog spheres (with active tiles) and a gradient (vec3f) grid converted by
 * nanovdb_convert, with and without compression.
 */
export function madeGrids(): string {
  if (made) return made;
  const dir = scratchDir("made");
  runOracle(["make", dir]);
  const vdb = (args: string[]) => {
    const r = runTool("vdb_tool", args);
    if (r.status !== 0) throw new Error(`vdb_tool ${args.join(" ")} failed:\n${r.out}`);
  };
  const conv = (args: string[]) => {
    const r = runTool("nanovdb_convert", ["-f", ...args]);
    if (r.status !== 0) throw new Error(`nanovdb_convert ${args.join(" ")} failed:\n${r.out}`);
  };
  vdb(["-quiet", "-sphere", "r=3.0", "c=1,2,3", "v=0.1", "w=3", "-write", join(dir, "ls.vdb")]);
  vdb(["-quiet", "-sphere", "r=12.0", "c=-3,2,-5", "v=0.25", "w=3", "-ls2fog", "-write", join(dir, "fog.vdb")]);
  vdb(["-quiet", "-sphere", "r=2.0", "c=0,0,0", "v=0.2", "w=3", "-grad", "-write", join(dir, "grad.vdb")]);
  vdb(["-quiet", "-sphere", "r=2.5", "c=0.5,-1,2", "v=0.1", "w=3", "-transform", "rotate=0.5,0.7,1.1", "translate=1,2,3", "vdb=0",
    "-write", join(dir, "rot.vdb")]);
  conv([join(dir, "ls.vdb"), join(dir, "vdb-ls.nvdb")]);
  conv(["-z", join(dir, "ls.vdb"), join(dir, "vdb-ls-zip.nvdb")]);
  conv(["-b", "-c", "full", join(dir, "fog.vdb"), join(dir, "vdb-fog-blosc.nvdb")]);
  conv([join(dir, "grad.vdb"), join(dir, "vdb-grad.nvdb")]);
  conv(["-c", "full", join(dir, "rot.vdb"), join(dir, "vdb-rot.nvdb")]);
  made = dir;
  return dir;
}

/** Deterministic points (index space) around a bounding box: lattice points, halves and random. */
export function testPoints(bbox: [[number, number, number], [number, number, number]], n: number, seed = 1): number[][] {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pts: number[][] = [];
  const lo = bbox[0].map((v) => v - 3), hi = bbox[1].map((v) => v + 3);
  for (let i = 0; i < n; i++) {
    const p = [0, 1, 2].map((a) => lo[a] + rnd() * (hi[a] - lo[a]));
    const kind = i % 4;
    if (kind === 0) pts.push(p.map(Math.round)); // lattice points
    else if (kind === 1) pts.push(p.map((v) => Math.floor(v) + 0.5)); // exact halves (rounding ties)
    else pts.push(p);
  }
  return pts;
}

export function writePoints(path: string, pts: number[][]): void {
  writeFileSync(path, pts.map((p) => p.map((v) => v.toPrecision(17)).join(" ")).join("\n") + "\n");
}
