// The pool worker, as a self-contained JavaScript string (`new Worker(code, { eval: true })`), so it
// runs the same from TypeScript sources under vitest and from dist/. A worker instantiates every
// loaded module over the shared memory, then loops: wait for the generation counter to move, run
// the command, report (every worker acknowledges every command, so the main thread only writes a
// command while all workers are idle). Launch work is handed out in chunks through an atomic counter that the main
// thread also draws from. Traps are caught and reported in the control block; the worker lives on.

import { LIB_JS_SOURCE } from "./mathlib-js.js";

/** Control block layout (Int32Array indices). */
export const CTL = {
  GEN: 0, CMD: 1, MOD: 2, ENTRY: 3, TOTAL: 4, ARGS: 5, NEXT: 6, CHUNK: 7, DONE: 8, ERRS: 9,
  /** Per-participant stack pointers start here (participant 0 is the main thread). */
  STACKS: 16,
  /** Per-participant error kinds start here: 0 none, 1 trapped. */
  ERRKIND: 16 + 256,
  SIZE: 16 + 512,
} as const;
export const CMD_RUN = 1, CMD_SYNC = 2, CMD_EXIT = 3;
/** Bytes of error text per participant in the message buffer. */
export const ERR_TEXT = 512;

export const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { memory, ctlSab, textSab, port, index, gen } = workerData;
const ctl = new Int32Array(ctlSab);
const text = new Uint8Array(textSab);
const C = ${JSON.stringify(CTL)};
const LIB = ${LIB_JS_SOURCE};
const instances = new Map();
const enc = new TextEncoder();

function drain() {
  for (;;) {
    const r = receiveMessageOnPort(port);
    if (!r) return;
    const msg = r.message;
    if (msg.type === "load") {
      const env = { memory };
      for (const n of msg.lib) env[n] = LIB[n];
      const inst = new WebAssembly.Instance(msg.module, { env });
      instances.set(msg.id, msg.entries.map((e) => inst.exports[e]));
    } else if (msg.type === "unload") {
      instances.delete(msg.id);
    }
  }
}

function fail(e) {
  const s = enc.encode(String(e && e.message || e)).subarray(0, ${ERR_TEXT} - 1);
  const base = index * ${ERR_TEXT};
  text.fill(0, base, base + ${ERR_TEXT});
  text.set(s, base);
  ctl[C.ERRKIND + index] = 1;
  Atomics.add(ctl, C.ERRS, 1);
}

function run() {
  const entries = instances.get(ctl[C.MOD]);
  const total = ctl[C.TOTAL], chunk = ctl[C.CHUNK], args = ctl[C.ARGS], stack = ctl[C.STACKS + index];
  try {
    if (!entries) throw new Error("module " + ctl[C.MOD] + " is not loaded in worker " + index);
    const f = entries[ctl[C.ENTRY]];
    for (;;) {
      const s = Atomics.add(ctl, C.NEXT, chunk);
      if (s >= total) break;
      f(s, Math.min(s + chunk, total), args, stack);
    }
  } catch (e) {
    Atomics.store(ctl, C.NEXT, total);
    fail(e);
  }
}

let seen = gen;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, C.GEN) === seen && spins < 2000) spins++;
  if (Atomics.load(ctl, C.GEN) === seen) Atomics.wait(ctl, C.GEN, seen);
  const g = Atomics.load(ctl, C.GEN);
  if (g === seen) continue;
  seen = g;
  const cmd = ctl[C.CMD];
  if (cmd === ${CMD_EXIT}) break;
  if (cmd === ${CMD_SYNC}) {
    try { drain(); } catch (e) { fail(e); }
  } else if (cmd === ${CMD_RUN}) {
    run();
  }
  Atomics.add(ctl, C.DONE, 1);
  Atomics.notify(ctl, C.DONE);
}
`;
