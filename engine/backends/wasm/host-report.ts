// Host side of a launch's reports: turns a trap (the error record a kernel left in its argument
// block, or the engine's own RuntimeError message) into a `KernelTrap` worded like the reference
// interpreter's, and prints the records kernels appended to the print buffer, in buffer order.

import type { ScalarKind } from "../../ir/types.js";
import { KernelTrap } from "../../runtime/backend.js";
import { HDR_ERR_SITE, HDR_ERR_VALS, HDR_PRINT_CAP, HDR_PRINT_CURSOR, HDR_PRINT_BUF, KernelMeta } from "./abi.js";
import type { CpuMemory } from "./memory.js";

/** Reads the value in an 8-byte slot written by `storeSlot8`. */
export function readSlot8(mem: CpuMemory, addr: number, s: ScalarKind): number | bigint | boolean {
  const i64 = mem.i64[addr >> 3];
  switch (s) {
    case "bool": return i64 !== 0n;
    case "i32": case "u32": return Number(i64);
    case "i64": return i64;
    case "u64": return BigInt.asUintN(64, i64);
    case "f32": case "f64": return mem.f64[addr >> 3];
  }
}

/** Builds the error of a trapped launch; `messages` are the engine messages of the participants. */
export function decodeTrap(meta: KernelMeta, mem: CpuMemory, args: number, messages: string[]): KernelTrap {
  const site = mem.i32[(args + HDR_ERR_SITE) >> 2];
  const k = meta.name;
  if (site > 0 && site <= meta.sites.length) {
    const s = meta.sites[site - 1];
    const val = (i: number, kind: ScalarKind) => readSlot8(mem, args + HDR_ERR_VALS + 8 * i, kind);
    const where = `in kernel '${k}'${s.at ? ` at ${s.at}` : ""}`;
    switch (s.kind) {
      case "bounds": {
        const i = val(0, "i32") as number, n = val(1, "i32") as number;
        const arg = s.what ? ` in argument '${s.what}'` : "";
        return new KernelTrap(`index ${i} out of bounds for axis ${s.axis} with size ${n}${arg} ${where}`, k, 2, [i, s.axis, n]);
      }
      case "fixed-bounds": {
        const i = val(0, "i32") as number;
        return new KernelTrap(`index ${i} out of bounds for local array '${s.what}' of size ${s.size} ${where}`, k, 2, [i]);
      }
      case "raw-bounds": {
        const off = val(0, "i32") as number, total = val(1, "u32") as number;
        return new KernelTrap(`raw read of ${s.bytes} bytes at offset ${off} is outside the ${total}-byte buffer ${where}`, k, 3, [off]);
      }
      case "trap": {
        const vals = s.kinds.map((kind, i) => val(i, kind));
        return new KernelTrap(`trap ${s.code} ${where}`, k, s.code, vals);
      }
    }
  }
  const msg = messages[0] ?? "unknown error";
  if (/divide by zero|division by zero/i.test(msg)) return new KernelTrap(`integer division by zero in kernel '${k}'`, k, 4);
  if (/integer overflow/i.test(msg)) return new KernelTrap(`integer overflow in division (INT_MIN / -1) in kernel '${k}'`, k, 4);
  if (/out of bounds/i.test(msg)) {
    return new KernelTrap(`memory access out of bounds in kernel '${k}' (an array index is out of range; compile with debug: true for checked indices)`, k, 6);
  }
  return new KernelTrap(`kernel '${k}' aborted: ${msg}`, k, 1);
}

/** printf-style formatting, as the reference interpreter does it. */
export function formatPrint(fmt: string, vals: unknown[]): string {
  let k = 0;
  return fmt.replace(/%[-+ 0-9.]*([dfiuxegs%])/g, (m, c) => {
    if (c === "%") return "%";
    const x = vals[k++];
    if (c === "f" || c === "e" || c === "g") {
      const p = /\.(\d+)/.exec(m);
      return c === "f" ? Number(x).toFixed(p ? +p[1] : 6) : c === "e" ? Number(x).toExponential(p ? +p[1] : 6) : String(x);
    }
    if (c === "x") return Number(x).toString(16);
    return String(x);
  });
}

/** Prints (and clears) the records in the launch's print buffer. */
export function flushPrints(meta: KernelMeta, mem: CpuMemory, args: number, sink: (text: string) => void): void {
  const i32 = mem.i32;
  const used = i32[(args + HDR_PRINT_CURSOR) >> 2] >>> 0;
  const cap = i32[(args + HDR_PRINT_CAP) >> 2], buf = i32[(args + HDR_PRINT_BUF) >> 2];
  if (!used || !buf) return;
  let pos = 0;
  while (pos + 8 <= Math.min(used, cap)) {
    const site = i32[(buf + pos) >> 2], n = i32[(buf + pos + 4) >> 2];
    const size = 8 + 8 * n;
    if (pos + size > cap) break;
    const p = meta.prints[site];
    if (!p) break;
    const vals = p.kinds.map((kind, i) => readSlot8(mem, buf + pos + 8 + 8 * i, kind));
    const text = formatPrint(p.fmt, vals);
    sink(text.endsWith("\n") ? text : text + "\n");
    pos += size;
  }
  if (used > cap) sink(`[weft] kernel '${meta.name}': print buffer full, ${used - cap} bytes of output dropped\n`);
  i32[(args + HDR_PRINT_CURSOR) >> 2] = 0;
}
