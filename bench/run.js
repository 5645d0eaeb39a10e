// `npm run bench`: every benchmark on every device present, one table, and JSON in
// bench/results/latest.json. Ratios are measured in the same run.
//
//   node bench/run.js [--quick] [--only core,cuda,autodiff,geometry] [--json PATH]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import * as wf from "weft";
import { benchDir, printTable } from "./lib.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args[args.indexOf("--only") + 1];
const only = args.includes("--only") ? onlyArg.split(",") : null;
const jsonPath = args.includes("--json") ? args[args.indexOf("--json") + 1] : join(benchDir, "results", "latest.json");

await wf.init();
// Suites name the GPU when they mean it; everything else is the CPU path, also on a GPU host.
wf.setDevice("cpu");
const machine = {
  cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version, devices: wf.devices().map((d) => `${d.name}: ${d.info.description}`),
};
console.log(`weft bench on ${machine.cpu} (${machine.cores} cores), ${machine.devices.join("; ")}`);

const suites = [
  ["core", () => import("./core.js").then((m) => m.coreBench({ quick }))],
  ["cuda", () => import("./cuda.js").then((m) => m.cudaBench({ quick }))],
  ["autodiff", () => import("./autodiff.js").then((m) => m.autodiffBench({ quick }))],
  ["geometry", () => import("./geometry-mesh.js").then((m) => m.meshBench({ quick }))],
  ["volume", () => import("./geometry-volume.js").then((m) => m.volumeBench({ quick }))],
  ["hashgrid", () => import("./geometry-hashgrid.js").then((m) => m.hashgridBench({ quick }))],
];
const rows = [];
for (const [name, run] of suites) {
  if (only && !only.includes(name)) continue;
  try {
    const r = await run();
    if (r) rows.push(...r);
  } catch (e) {
    if (e?.code === "ERR_MODULE_NOT_FOUND") continue;
    rows.push({ bench: name, measure: "failed", value: NaN, unit: String(e?.message ?? e).slice(0, 80) });
    console.error(`bench ${name} failed:`, e);
    process.exitCode = 1;
  }
}
printTable(rows);
mkdirSync(join(jsonPath, ".."), { recursive: true });
writeFileSync(jsonPath, JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2));
console.log(`\nwrote ${jsonPath}`);
process.exit();
