// Generates the signature tables of docs/builtins.md from the builtin registry, so the reference
// cannot drift from the definitions. The tables live between the markers
//   <!-- BEGIN GENERATED BUILTIN TABLES -->  ...  <!-- END GENERATED BUILTIN TABLES -->
// Usage (after `npm run build`):
//   node dist/engine/tools/gen-builtin-docs.js          rewrite the tables in docs/builtins.md
//   node dist/engine/tools/gen-builtin-docs.js --check  exit 1 when the file is out of date

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { allBuiltins, type Builtin } from "../builtins/index.js";
import { scalar } from "../ir/types.js";

export const BEGIN = "<!-- BEGIN GENERATED BUILTIN TABLES -->";
export const END = "<!-- END GENERATED BUILTIN TABLES -->";

/** Families in documentation order; a builtin belongs to the first family whose test accepts it. */
const FAMILIES: [string, (name: string) => boolean][] = [
  ["Operators (written as operators in kernels)", (n) => ["add", "sub", "mul", "div", "mod", "neg", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "band", "bor", "bxor", "shl", "shr", "bnot"].includes(n)],
  ["Random numbers", (n) => n === "pcg" || n.startsWith("rand")],
  ["Bits", (n) => /As[UIF](32|64)$/.test(n) || ["clz", "ctz", "popcount"].includes(n)],
  ["Transforms", (n) => n.startsWith("transform")],
  ["Quaternions", (n) => n.startsWith("quat")],
  ["Matrices", (n) => ["transpose", "determinant", "inverse", "trace", "ddot", "diag", "skew", "matrixFromRows", "matrixFromCols"].includes(n) || n.startsWith("identity")],
  ["Vectors", (n) => ["dot", "cross", "length", "lengthSq", "normalize", "distance", "outer", "cwiseMul", "cwiseDiv", "minComp", "maxComp", "argmin", "argmax"].includes(n)],
  ["Math", () => true],
];

/** Whether some float scalar overload of a primitive has a float result. */
function floatValued(b: Builtin): boolean {
  for (let n = 1; n <= 3; n++) for (const s of ["f32", "f64"] as const) {
    const r = b.resolve(Array(n).fill(scalar(s)));
    if (typeof r !== "string" && r.k === "scalar" && (r.s === "f32" || r.s === "f64")) return true;
  }
  return false;
}

function differentiability(b: Builtin): string {
  if (b.nondiff) return `no — ${b.nondiff}`;
  if (b.adjoint) return floatValued(b) ? "adjoint rule" : "no — not a float operation";
  if (b.expand && !b.eval) return "through its expansion";
  return "—";
}

const esc = (s: string) => s.replace(/\|/g, "\\|");

/** The markdown of all signature tables. */
export function renderBuiltinTables(): string {
  const groups = new Map<string, Builtin[]>(FAMILIES.map(([t]) => [t, []]));
  for (const b of allBuiltins()) {
    if (b.internal) continue;
    const fam = FAMILIES.find(([, test]) => test(b.name))![0];
    groups.get(fam)!.push(b);
  }
  const out: string[] = [BEGIN, "", "_Generated from the registry by `engine/tools/gen-builtin-docs.ts`; do not edit by hand._", ""];
  for (const [title, list] of groups) {
    if (!list.length) continue;
    out.push(`### ${title}`, "", "| builtin | signatures | differentiable |", "|---|---|---|");
    for (const b of list) {
      const kind = b.eval ? "primitive" : "composite";
      const extra = b.inout ? ` (updates operand ${b.inout.map((i) => i + 1).join(", ")} via \`${b.update}\`)` : "";
      out.push(`| \`${b.name}\` | ${b.sigs.map((s) => `\`${esc(s)}\``).join("<br>")}${extra} | ${esc(differentiability(b))} (${kind}) |`);
    }
    out.push("");
  }
  out.push(END);
  return out.join("\n");
}

/** `doc` with its generated region replaced by the current tables. */
export function updateDoc(doc: string): string {
  const a = doc.indexOf(BEGIN), z = doc.indexOf(END);
  if (a < 0 || z < a) throw new Error(`docs/builtins.md lacks the markers ${BEGIN} ... ${END}`);
  return doc.slice(0, a) + renderBuiltinTables() + doc.slice(z + END.length);
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  // Run from dist/engine/tools or, through a TS loader, from engine/tools.
  const candidates = [join(here, "..", "..", "..", "docs", "builtins.md"), join(here, "..", "..", "docs", "builtins.md")];
  const file = candidates.find((f) => { try { readFileSync(f); return true; } catch { return false; } });
  if (!file) { process.stderr.write("gen-builtin-docs: docs/builtins.md not found\n"); process.exit(2); }
  const doc = readFileSync(file, "utf8");
  const next = updateDoc(doc);
  if (process.argv.includes("--check")) {
    if (next !== doc) { process.stderr.write(`${file} is out of date: run node dist/engine/tools/gen-builtin-docs.js\n`); process.exit(1); }
    return;
  }
  if (next !== doc) writeFileSync(file, next);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
