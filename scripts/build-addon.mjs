#!/usr/bin/env node
// Builds the native CUDA addon (build/Release/weft_cuda.node) with cmake-js. Run by `npm install`.
//
// The addon is optional: without it weft runs on the CPU (WebAssembly) backend. So this script
// never fails the install. If cmake, a compiler or cmake-js is missing, or the build fails, it
// prints one warning line (full log in build/weft-addon-build.log) and exits 0.
// Set WEFT_SKIP_ADDON=1 to skip the build entirely.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const addon = path.join(root, "build", "Release", "weft_cuda.node");
const logFile = path.join(root, "build", "weft-addon-build.log");

function skip(reason) {
  console.warn(`weft: the CUDA addon could not be built (${reason}); weft will run on cpu only`);
  process.exit(0);
}

// The most telling line of a failed build: a compiler error, else CMake's first error message
// (with the indented lines that explain it), else anything that says what was not found.
function firstError(output) {
  const lines = output.split("\n");
  const compiler = lines.find((l) => /^\S+:\d+:(\d+:)? (fatal )?error: /.test(l));
  if (compiler) return compiler;
  const i = lines.findIndex((l) => l.startsWith("CMake Error"));
  if (i >= 0) {
    const detail = [];
    for (let j = i + 1; j < lines.length && !/^\S/.test(lines[j]); j++) {
      if (lines[j].trim()) detail.push(lines[j].trim());
    }
    return detail.length ? detail.join(" ") : lines[i];
  }
  return lines.find((l) => /not found|could not|error/i.test(l));
}

function main() {
  if (process.env.WEFT_SKIP_ADDON === "1") {
    console.log("weft: skipping the CUDA addon build (WEFT_SKIP_ADDON=1)");
    return;
  }
  // The loader uses dlopen and the Linux driver's library names.
  if (process.platform !== "linux") skip(`${process.platform} is not supported yet, only linux`);

  const cmake = spawnSync("cmake", ["--version"], { encoding: "utf8" });
  if (cmake.error || cmake.status !== 0) skip("cmake was not found on PATH");

  let cmakeJs;
  try {
    // Resolved like any dependency, so it works both in this repo and when weft is installed
    // under someone else's node_modules (where cmake-js may be hoisted).
    const require = createRequire(path.join(root, "package.json"));
    cmakeJs = require.resolve("cmake-js/bin/cmake-js");
    require.resolve("node-addon-api");
    require.resolve("node-api-headers");
  } catch {
    skip("cmake-js, node-addon-api or node-api-headers is not installed");
  }

  const args = [cmakeJs, "compile", "--directory", root, "--out", path.join(root, "build"),
    "--config", "Release", "--parallel", String(Math.max(1, os.availableParallelism?.() ?? 2)),
    "--log-level", "error"];
  const res = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env },
  });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, `$ node ${args.join(" ")}\n${output}`);

  if (res.error || res.status !== 0 || !existsSync(addon)) {
    const why = (res.error?.message ?? firstError(output) ?? `cmake-js exited with ${res.status}`).trim();
    skip(`${why.slice(0, 160)}; see ${path.relative(process.cwd(), logFile) || logFile}`);
  }
  console.log(`weft: built the CUDA addon (${path.relative(root, addon)})`);
}

main();
