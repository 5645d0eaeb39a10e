// The CPU worker pool: `threads - 1` workers (the main thread is the remaining participant), made
// lazily on the first launch large enough to need them. Each worker instantiates every loaded module
// over the device's one shared memory. A launch writes its parameters into a shared control block,
// bumps a generation counter (Atomics.notify), draws chunks from the same atomic counter as the
// workers, then waits for every worker's acknowledgement. Traps in any participant are collected
// and returned; the pool stays usable.

import { createRequire } from "node:module";
import os from "node:os";
import type { MessagePort, Worker } from "node:worker_threads";
import type { CpuMemory } from "./memory.js";
import { CMD_EXIT, CMD_RUN, CMD_SYNC, CTL, ERR_TEXT, WORKER_SOURCE } from "./worker-source.js";

export interface PoolModule {
  id: number;
  module: WebAssembly.Module;
  /** Math functions the module imports from the host. */
  lib: string[];
  /** Export names of the kernel entries, indexed by entry number. */
  entries: string[];
}

export interface LaunchError { participant: number; message: string }

type Entry = (start: number, end: number, args: number, stack: number) => void;

/** WEFT_NUM_THREADS, else the machine's available parallelism. */
export function defaultThreads(): number {
  const env = Number(process.env.WEFT_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 255);
  return Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 255));
}

const MIN_STACK = 64 * 1024;

// node:worker_threads is loaded when the first workers start, not when a module is loaded (a
// process that only loads cached modules and runs small launches never needs it).
let workerThreads: typeof import("node:worker_threads") | null = null;
const threadsModule = () => (workerThreads ??= createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads"));

export class WorkerPool {
  private workers: { w: Worker; port: MessagePort }[] = [];
  private readonly ctlSab = new SharedArrayBuffer(CTL.SIZE * 4);
  private readonly ctl = new Int32Array(this.ctlSab);
  private readonly textSab = new SharedArrayBuffer(256 * ERR_TEXT);
  private modules = new Map<number, PoolModule>();
  private needSync = false;
  private threads = defaultThreads();
  private stacks: number[] = [];
  private stackBytes = 0;

  constructor(private readonly mem: CpuMemory) {}

  /** Participants in a launch (workers + the main thread). */
  get numThreads(): number { return this.threads; }
  get started(): boolean { return this.workers.length > 0; }

  /** Changes the thread count (1 = main thread only). Existing workers are shut down. */
  setNumThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
    if (n === this.threads) return;
    this.shutdown();
    this.threads = Math.min(n, 255);
  }

  addModule(pm: PoolModule): void {
    this.modules.set(pm.id, pm);
    if (this.workers.length) { for (const { port } of this.workers) port.postMessage(loadMsg(pm)); this.needSync = true; }
  }

  removeModule(id: number): void {
    if (!this.modules.delete(id)) return;
    if (this.workers.length) { for (const { port } of this.workers) port.postMessage({ type: "unload", id }); this.needSync = true; }
  }

  /** A scratch stack of at least `bytes` for participant `p` (0: the main thread). */
  stack(p: number, bytes: number): number {
    if (bytes > this.stackBytes || this.stacks.length < this.threads) this.growStacks(bytes);
    return this.stacks[p];
  }

  private growStacks(bytes: number): void {
    const size = Math.max(MIN_STACK, this.stackBytes, Math.ceil(bytes / 4096) * 4096);
    if (size !== this.stackBytes) {
      for (const p of this.stacks) this.mem.free(p);
      this.stacks = [];
      this.stackBytes = size;
    }
    while (this.stacks.length < this.threads) this.stacks.push(this.mem.alloc(size, 16, false));
    for (let p = 0; p < this.stacks.length && CTL.STACKS + p < CTL.ERRKIND; p++) this.ctl[CTL.STACKS + p] = this.stacks[p];
  }

  private start(): void {
    const n = this.threads - 1;
    const gen = Atomics.load(this.ctl, CTL.GEN);
    for (let i = 1; i <= n; i++) {
      const { MessageChannel, Worker } = threadsModule();
      const { port1, port2 } = new MessageChannel();
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory: this.mem.memory, ctlSab: this.ctlSab, textSab: this.textSab, port: port2, index: i, gen },
        transferList: [port2],
      });
      w.unref();
      port1.unref();
      w.on("error", () => { /* reported through the control block; a dead worker is replaced on shutdown */ });
      for (const pm of this.modules.values()) port1.postMessage(loadMsg(pm));
      this.workers.push({ w, port: port1 });
    }
    this.needSync = true;
  }

  /** Posts a command to every worker and waits until all acknowledge it. */
  private command(cmd: number): void {
    const ctl = this.ctl;
    ctl[CTL.CMD] = cmd;
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.add(ctl, CTL.GEN, 1);
    Atomics.notify(ctl, CTL.GEN);
  }

  private waitAll(): void {
    const ctl = this.ctl, target = this.workers.length;
    let spins = 0;
    for (;;) {
      const d = Atomics.load(ctl, CTL.DONE);
      if (d >= target) return;
      if (spins++ < 4000) continue;
      Atomics.wait(ctl, CTL.DONE, d, 50);
    }
  }

  private sync(): LaunchError[] {
    this.needSync = false;
    Atomics.store(this.ctl, CTL.ERRS, 0);
    this.command(CMD_SYNC);
    this.waitAll();
    return this.collectErrors();
  }

  /**
   * Runs `total` threads of entry `entry` of module `moduleId` on all participants; `main` is the
   * main thread's instance of the same entry. Returns the traps raised (empty when none).
   */
  run(moduleId: number, entry: number, main: Entry, total: number, args: number, frameBytes: number): LaunchError[] {
    if (this.threads > 1 && !this.workers.length) this.start();
    this.stack(0, frameBytes);
    if (this.needSync) {
      const errs = this.sync();
      if (errs.length) return errs;
    }
    const ctl = this.ctl, P = this.workers.length + 1;
    let chunk = Math.ceil(total / (P * 8));
    chunk = Math.max(64, Math.ceil(chunk / 16) * 16);
    ctl[CTL.MOD] = moduleId;
    ctl[CTL.ENTRY] = entry;
    ctl[CTL.TOTAL] = total;
    ctl[CTL.ARGS] = args;
    ctl[CTL.CHUNK] = chunk;
    Atomics.store(ctl, CTL.NEXT, 0);
    Atomics.store(ctl, CTL.ERRS, 0);
    this.command(CMD_RUN);
    const stack = this.stacks[0];
    try {
      for (;;) {
        const s = Atomics.add(ctl, CTL.NEXT, chunk);
        if (s >= total) break;
        main(s, Math.min(s + chunk, total), args, stack);
      }
    } catch (e) {
      Atomics.store(ctl, CTL.NEXT, total);
      this.waitAll();
      return [{ participant: 0, message: String((e as Error)?.message ?? e) }, ...this.collectErrors()];
    }
    this.waitAll();
    return Atomics.load(ctl, CTL.ERRS) ? this.collectErrors() : [];
  }

  private collectErrors(): LaunchError[] {
    const out: LaunchError[] = [];
    if (!Atomics.load(this.ctl, CTL.ERRS)) return out;
    const text = new Uint8Array(this.textSab);
    for (let p = 1; p <= this.workers.length; p++) {
      if (!this.ctl[CTL.ERRKIND + p]) continue;
      this.ctl[CTL.ERRKIND + p] = 0;
      const bytes = text.slice(p * ERR_TEXT, (p + 1) * ERR_TEXT);
      const end = bytes.indexOf(0);
      out.push({ participant: p, message: new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end)) });
    }
    Atomics.store(this.ctl, CTL.ERRS, 0);
    return out;
  }

  /** Stops the workers (they are re-created on the next launch that needs them). */
  shutdown(): void {
    if (!this.workers.length) return;
    this.command(CMD_EXIT);
    for (const { w, port } of this.workers) { port.close(); void w.terminate(); }
    this.workers = [];
  }
}

function loadMsg(pm: PoolModule) {
  return { type: "load", id: pm.id, module: pm.module, lib: pm.lib, entries: pm.entries };
}
