// Shared pieces of the benchmarks: timing, the C reference programs (built with the machine's gcc in
// the same run), child processes for cold-start timings, and the result table.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const rootDir = dirname(benchDir);

/** Best (minimum) time in seconds of `reps` runs of `fn`, after `warmup` runs. */
export function best(fn, { reps = 5, warmup = 1 } = {}) {
  for (let k = 0; k < warmup; k++) fn();
  let b = Infinity;
  for (let k = 0; k < reps; k++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, (performance.now() - t0) / 1000);
  }
  return b;
}

/** Builds bench/ref/NAME.c with gcc -O3 -march=native (and -fopenmp when `openmp`), once per source. */
export function buildRef(name, openmp) {
  const src = join(benchDir, "ref", `${name}.c`);
  const hash = createHash("sha256").update(readFileSync(src)).update(openmp ? "omp" : "st").digest("hex").slice(0, 12);
  const dir = join(tmpdir(), "weft-bench-ref");
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `${name}-${openmp ? "omp" : "st"}-${hash}`);
  if (!existsSync(exe)) {
    const args = ["-O3", "-march=native", ...(openmp ? ["-fopenmp"] : []), "-o", exe, src, "-lm"];
    execFileSync("gcc", args, { stdio: "pipe" });
  }
  return exe;
}

/** Runs a reference program; returns its JSON output. */
export function runRef(name, openmp, args) {
  const exe = buildRef(name, openmp);
  const env = { ...process.env, OMP_NUM_THREADS: String(openmp ? cpus().length : 1) };
  const r = spawnSync(exe, args.map(String), { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function gccAvailable() {
  return spawnSync("gcc", ["--version"]).status === 0;
}

/** Runs an ES module snippet in a fresh Node process; returns its last stdout line as JSON. */
export function runFresh(code, env = {}) {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { env: { ...process.env, ...env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr || r.stdout);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return "-";
  if (typeof x === "string") return x;
  const a = Math.abs(x);
  if (a !== 0 && (a < 0.01 || a >= 1e5)) return x.toExponential(2);
  return x.toFixed(digits);
}

/** Prints rows [{ bench, metric, value, unit, reference, ratio, target, note }] as one table. */
export function printTable(rows) {
  const cols = ["bench", "measure", "value", "unit", "vs", "ratio", "target"];
  const cells = rows.map((r) => [r.bench, r.measure, fmt(r.value), r.unit ?? "", r.vs ?? "", r.ratio === undefined ? "" : fmt(r.ratio, 2), r.target ?? ""]);
  const w = cols.map((c, k) => Math.max(c.length, ...cells.map((row) => String(row[k]).length)));
  const line = (row) => "| " + row.map((c, k) => String(c).padEnd(w[k])).join(" | ") + " |";
  console.log(line(cols));
  console.log("|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|");
  for (const c of cells) console.log(line(c));
}
