// The reference interpreter: executes IR in plain TypeScript, one thread after another. It is slow
// and exact, and it is the oracle for the conformance suite and differential tests. It runs IR after
// `lower-builtins` (composite builtins expanded, vector values still present) and lowered IR alike:
// vector-like values are JS arrays of components, structs arrays of field values.

import { Func, Inst } from "./ops.js";
import {
  ScalarKind, Type, componentCount, componentScalar, fieldOffsets, layoutOf, scalarBytes, typeName,
} from "./types.js";
import { lookupBuiltin } from "../builtins/index.js";
import { wrap } from "../builtins/common.js";
import { ArgValue, ArrayArg, KernelTrap } from "../runtime/backend.js";
import { formatOne, parsePrintf } from "../runtime/printf.js";

/** Where array addresses point: the CPU device's memory. */
export interface InterpMemory { readonly buffer: ArrayBufferLike }

type Signal = undefined | { k: "break" | "continue"; label: number } | { k: "return" };
const RETURN: Signal = { k: "return" };

export interface InterpOptions {
  /** Called with the formatted text of each `print`. */
  print?: (text: string) => void;
}

export function runKernel(fn: Func, dims: number[], args: ArgValue[], memory: InterpMemory, opts: InterpOptions = {}): void {
  if (fn.kind !== "kernel") throw new Error(`${fn.name} is not a kernel`);
  const it = new Interp(fn, memory, opts);
  const total = dims.reduce((a, b) => a * b, 1);
  const tid = new Array(dims.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let r = flat;
    for (let d = dims.length - 1; d >= 0; d--) { tid[d] = r % dims[d]; r = Math.floor(r / dims[d]); }
    it.runThread(args, tid, dims);
  }
}

class Interp {
  private vals: any[] = [];
  private vars: any[] = [];
  private view!: DataView;
  private args: ArgValue[] = [];
  private tid: number[] = [];
  private dims: number[] = [];

  constructor(private fn: Func, private memory: InterpMemory, private opts: InterpOptions) {}

  runThread(args: ArgValue[], tid: number[], dims: number[]): void {
    if (!this.view || this.view.buffer !== this.memory.buffer) this.view = new DataView(this.memory.buffer as ArrayBuffer);
    this.args = args; this.tid = tid; this.dims = dims;
    this.vals = new Array(this.fn.nextId);
    this.vars = new Array(this.fn.nextId);
    for (const v of this.fn.vars) this.vars[v.id] = zeroOf(v.type);
    this.block(this.fn.body);
  }

  private block(body: Inst[]): Signal {
    for (const i of body) {
      const s = this.exec(i);
      if (s) return s;
    }
    return undefined;
  }

  private trap(i: Inst, msg: string, code = 1, detail: unknown[] = []): never {
    const at = i.loc ? ` at ${i.loc.file}:${i.loc.line}:${i.loc.col}` : "";
    throw new KernelTrap(`${msg} in kernel '${this.fn.name}'${at}`, this.fn.name, code, detail);
  }

  private exec(i: Inst): Signal {
    const v = this.vals;
    const a = (k: number) => v[i.args[k].id];
    switch (i.op) {
      case "const": v[i.id] = i.attrs.value; return;
      case "param": v[i.id] = this.args[i.attrs.index]; return;
      case "tid": v[i.id] = this.tid[i.attrs.dim] ?? 0; return;
      case "dim": v[i.id] = this.dims[i.attrs.dim] ?? 1; return;
      case "get": v[i.id] = this.vars[i.attrs.var.id]; return;
      case "set": this.vars[i.attrs.var.id] = a(0); return;
      case "call": v[i.id] = this.call(i); return;
      case "construct": v[i.id] = i.args.map((x) => v[x.id]); return;
      case "extract": v[i.id] = a(0)[i.attrs.index]; return;
      case "extractd": v[i.id] = this.extractd(i, a(0), a(1)); return;
      case "insert": { const c = [...a(0)]; c[i.attrs.index] = a(1); v[i.id] = c; return; }
      case "convert": v[i.id] = convertValue(a(0), i.args[0].type, i.type); return;
      case "select": v[i.id] = a(0) ? a(1) : a(2); return;
      case "aload": {
        const addr = this.address(i, i.args.length - 1);
        v[i.id] = addr < 0 ? zeroOf(i.type) : this.readAt(addr, i.type);
        return;
      }
      case "astore": {
        const addr = this.address(i, i.args.length - 2);
        if (addr >= 0) this.writeAt(addr, i.args[i.args.length - 1].type, a(i.args.length - 1));
        return;
      }
      case "aatomic": v[i.id] = this.atomic(i); return;
      case "ashape": v[i.id] = (a(0) as ArrayArg).shape[i.attrs.dim] ?? 1; return;
      case "araw": {
        const arr = a(0) as ArrayArg, off = a(1) as number, size = layoutOf(i.type).size;
        const bytes = arr.shape.reduce((x, y) => x * y, 1) * (arr.strides[arr.strides.length - 1] || 1);
        if (off < 0 || off + size > bytes) this.trap(i, `raw read of ${size} bytes at offset ${off} is outside the ${bytes}-byte buffer`, 3, [off]);
        v[i.id] = this.readAt(Number(arr.data) + off, i.type);
        return;
      }
      case "fget": {
        const arr = this.vars[i.attrs.var.id] as any[], k = a(0);
        if (k < 0 || k >= arr.length) this.trap(i, `index ${k} out of bounds for local array '${i.attrs.var.name}' of size ${arr.length}`, 2, [k]);
        v[i.id] = arr[k];
        return;
      }
      case "fset": {
        const arr = this.vars[i.attrs.var.id] as any[], k = a(0);
        if (k < 0 || k >= arr.length) this.trap(i, `index ${k} out of bounds for local array '${i.attrs.var.name}' of size ${arr.length}`, 2, [k]);
        arr[k] = a(1);
        return;
      }
      case "if": return this.block(i.regions![a(0) ? 0 : 1]);
      case "loop": {
        const label = i.attrs.label;
        for (;;) {
          const s = this.block(i.regions![0]);
          if (s) {
            if (s.k === "return") return s;
            if (s.label !== label) return s;
            if (s.k === "break") return;
          }
          const t = this.block(i.regions![1]);
          if (t) {
            if (t.k === "break" && t.label === label) return;
            return t;
          }
        }
      }
      case "block": {
        const s = this.block(i.regions![0]);
        if (s && s.k === "break" && s.label === i.attrs.label) return;
        return s;
      }
      case "break": return { k: "break", label: i.attrs.label };
      case "continue": return { k: "continue", label: i.attrs.label };
      case "return": return RETURN;
      case "print": this.print(i); return;
      case "trap": this.trap(i, `trap ${i.attrs.code}`, i.attrs.code, i.args.map((x) => v[x.id]));
      case "callf": throw new Error(`interpreter: callf ${i.attrs.fn} must be inlined first`);
    }
  }

  private call(i: Inst): any {
    const b = lookupBuiltin(i.attrs.fn);
    if (!b?.eval) throw new Error(`interpreter: builtin '${i.attrs.fn}' has no primitive semantics (run lower-builtins first)`);
    const argTypes = i.args.map((x) => componentScalar(x.type)! as ScalarKind);
    const rk = componentScalar(i.type)! as ScalarKind;
    try {
      return wrap(rk, b.eval(i.args.map((x) => this.vals[x.id]), argTypes, rk));
    } catch (e) {
      if (e instanceof RangeError) this.trap(i, e.message, 4);
      throw e;
    }
  }

  private extractd(i: Inst, agg: any[], k: number): any {
    const t = i.args[0].type;
    if (t.k === "mat") {
      if (k < 0 || k >= t.r) this.trap(i, `row index ${k} out of range for ${typeName(t)}`, 2, [k]);
      return agg.slice(k * t.c, k * t.c + t.c);
    }
    if (k < 0 || k >= agg.length) this.trap(i, `component index ${k} out of range for ${typeName(t)}`, 2, [k]);
    return agg[k];
  }

  /** Byte address of the element named by operands 1..nIdx of an array op, bounds-checked; -1 for a gradient access of an array without gradient. */
  private address(i: Inst, nIdx: number): number {
    const arr = this.vals[i.args[0].id] as ArrayArg;
    if (nIdx !== arr.shape.length) this.trap(i, `array of ${arr.shape.length} dimensions indexed with ${nIdx} indices`, 2);
    let addr = Number(i.attrs.grad ? arr.grad : arr.data);
    for (let d = 0; d < nIdx; d++) {
      const k = this.vals[i.args[1 + d].id] as number;
      if (k < 0 || k >= arr.shape[d]) {
        const name = i.args[0].op === "param" ? ` in argument '${this.fn.params[i.args[0].attrs.index].name}'` : "";
        this.trap(i, `index ${k} out of bounds for axis ${d} with size ${arr.shape[d]}${name}`, 2, [k, d, arr.shape[d]]);
      }
      addr += k * arr.strides[d];
    }
    // Gradient accesses of an array without a gradient buffer read 0 and write nothing (-1).
    if (i.attrs.grad && !Number(arr.grad)) return -1;
    return addr + (i.attrs.off ?? 0);
  }

  private readAt(addr: number, t: Type): any {
    const dv = this.view;
    switch (t.k) {
      case "scalar": return readScalar(dv, addr, t.s);
      case "vec": case "mat": case "quat": case "transform": {
        const s = t.s, n = componentCount(t), sz = scalarBytes(s), out = new Array(n);
        for (let k = 0; k < n; k++) out[k] = readScalar(dv, addr + k * sz, s);
        return out;
      }
      case "struct": { const offs = fieldOffsets(t); return t.fields.map((f, k) => this.readAt(addr + offs[k], f.type)); }
      default: throw new Error(`interpreter: cannot load ${typeName(t)}`);
    }
  }

  private writeAt(addr: number, t: Type, val: any): void {
    const dv = this.view;
    switch (t.k) {
      case "scalar": writeScalar(dv, addr, t.s, val); return;
      case "vec": case "mat": case "quat": case "transform": {
        const sz = scalarBytes(t.s);
        for (let k = 0; k < val.length; k++) writeScalar(dv, addr + k * sz, t.s, val[k]);
        return;
      }
      case "struct": { const offs = fieldOffsets(t); t.fields.forEach((f, k) => this.writeAt(addr + offs[k], f.type, val[k])); return; }
      default: throw new Error(`interpreter: cannot store ${typeName(t)}`);
    }
  }

  private atomic(i: Inst): any {
    const kind = i.attrs.kind as string;
    const hasCmp = kind === "cas";
    const valueIdx = i.args.length - (hasCmp ? 2 : 1);
    const addr = this.address(i, valueIdx - 1);
    const t = i.args[valueIdx].type;
    if (addr < 0) return zeroOf(t);
    if (t.k !== "scalar") throw new Error("interpreter: atomic on a non-scalar (lower first)");
    const s = t.s, val = this.vals[i.args[valueIdx].id];
    const old = readScalar(this.view, addr, s);
    let nv: any;
    switch (kind) {
      case "add": nv = wrap(s, old + val); break;
      case "sub": nv = wrap(s, old - val); break;
      case "min": nv = val < old ? val : old; break;
      case "max": nv = val > old ? val : old; break;
      case "xchg": nv = val; break;
      case "cas": nv = old === this.vals[i.args[valueIdx + 1].id] ? val : old; break;
      default: throw new Error(`interpreter: atomic kind ${kind}`);
    }
    writeScalar(this.view, addr, s, nv);
    return old;
  }

  private print(i: Inst): void {
    // C printf formatting (engine/runtime/printf.ts), as CUDA's device printf; a vector-like value
    // (before scalarize) prints as "(x, y, z)", each component with the placeholder's spec.
    let k = 0, text = "";
    for (const p of parsePrintf(String(i.attrs.fmt))) {
      if (typeof p === "string") { text += p; continue; }
      const arg = i.args[k++];
      if (!arg) { text += p.text; continue; }
      const x = this.vals[arg.id], kind = componentScalar(arg.type) as ScalarKind;
      text += Array.isArray(x) ? `(${x.map((c) => formatOne(p, c, kind)).join(", ")})` : formatOne(p, x, kind);
    }
    (this.opts.print ?? ((s: string) => process.stdout.write(s.endsWith("\n") ? s : s + "\n")))(text);
  }
}

export function readScalar(dv: DataView, addr: number, s: ScalarKind): any {
  switch (s) {
    case "bool": return dv.getUint8(addr) !== 0;
    case "i32": return dv.getInt32(addr, true);
    case "u32": return dv.getUint32(addr, true);
    case "i64": return dv.getBigInt64(addr, true);
    case "u64": return dv.getBigUint64(addr, true);
    case "f32": return dv.getFloat32(addr, true);
    case "f64": return dv.getFloat64(addr, true);
  }
}

export function writeScalar(dv: DataView, addr: number, s: ScalarKind, v: any): void {
  switch (s) {
    case "bool": dv.setUint8(addr, v ? 1 : 0); return;
    case "i32": dv.setInt32(addr, v, true); return;
    case "u32": dv.setUint32(addr, v, true); return;
    case "i64": dv.setBigInt64(addr, BigInt(v), true); return;
    case "u64": dv.setBigUint64(addr, BigInt(v), true); return;
    case "f32": dv.setFloat32(addr, v, true); return;
    case "f64": dv.setFloat64(addr, v, true); return;
  }
}

export function zeroOf(t: Type): any {
  switch (t.k) {
    case "scalar": return wrap(t.s, 0);
    case "vec": case "mat": case "quat": case "transform": return new Array(componentCount(t)).fill(wrap(t.s, 0));
    case "struct": return t.fields.map((f) => zeroOf(f.type));
    case "fixed": return Array.from({ length: t.n }, () => zeroOf(t.elem));
    default: return undefined;
  }
}

/**
 * Numeric conversion with the semantics both backends implement: float -> int truncates toward
 * zero and saturates, NaN gives 0 (wasm's trunc_sat); int -> float rounds to nearest.
 */
export function convertScalar(v: any, from: ScalarKind, to: ScalarKind): any {
  if (from === to) return v;
  if (to === "bool") return typeof v === "bigint" ? v !== 0n : v !== 0;
  const num = typeof v === "boolean" ? (v ? 1 : 0) : v;
  if (to === "f32" && typeof num === "bigint") return bigintToF32(num);
  if (to === "f32" || to === "f64") return wrap(to, Number(num));
  if (from === "f32" || from === "f64") {
    if (Number.isNaN(num)) return wrap(to, 0);
    const t = Math.trunc(num);
    const [lo, hi] = INT_RANGE[to];
    if (to === "i64" || to === "u64") {
      if (t <= Number(lo)) return lo;
      if (t >= Number(hi)) return hi;
      return BigInt(t);
    }
    return Math.min(Math.max(t, lo as number), hi as number);
  }
  return wrap(to, typeof num === "bigint" ? (to === "i64" || to === "u64" ? num : Number(BigInt.asIntN(64, num) & 0xffffffffn)) : num);
}

/**
 * i64/u64 -> f32 rounded once, as C and wasm do: Number(v) would round to f64 first, and that
 * double rounding can land on an f32 tie. Keep 26 significant bits with a sticky bit, then round.
 */
function bigintToF32(v: bigint): number {
  const neg = v < 0n;
  let a = neg ? -v : v;
  const bits = a.toString(2).length;
  let scale = 1;
  if (bits > 26) {
    const s = BigInt(bits - 26);
    const rest = a & ((1n << s) - 1n);
    a = (a >> s) | (rest ? 1n : 0n);
    scale = 2 ** (bits - 26);
  }
  const r = Math.fround(Number(a) * scale);
  return neg ? -r : r;
}

const INT_RANGE: Record<string, [number | bigint, number | bigint]> = {
  i32: [-2147483648, 2147483647], u32: [0, 4294967295],
  i64: [-(2n ** 63n), 2n ** 63n - 1n], u64: [0n, 2n ** 64n - 1n],
};

function convertValue(v: any, from: Type, to: Type): any {
  const fs = componentScalar(from)!, ts = componentScalar(to)!;
  if (Array.isArray(v)) return v.map((x) => convertScalar(x, fs, ts));
  return convertScalar(v, fs, ts);
}
