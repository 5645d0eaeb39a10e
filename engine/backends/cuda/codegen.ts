// Lowered IR -> one CUDA C++ translation unit (docs/architecture.md, "Lowered IR").
//
// Shape of the output, per kernel (weft.cuh, inlined above, defines the weft_* helpers):
//
//   extern "C" __global__ void saxpy(const weft_dims dims, float a, weft_array x, weft_array y) {
//     for (int64_t flat = weft_flat_first(); flat < dims.total; flat += weft_flat_stride()) {
//       int64_t rest = flat;                              // row-major split, last extent fastest:
//       if (dims.inner != 1) rest /= dims.inner;          //   extents beyond the kernel's rank
//       const int32_t tid1 = weft_divmod(rest, dims.d[1]); //  (2-D and up)
//       const int32_t tid0 = (int32_t)rest;
//       {                                                 // one thread's code
//         <variables, zero-initialised>
//   #line 3 "saxpy.ts"
//         const float v5_xi = *(const float*)(weft_addr(x.data, x, tid0));
//         ...
//       }
//       weft_next: ;                                      // a kernel `return` jumps here
//     }
//   }
//
// SSA values become `const T vN[_name] = ...;` (constants, parameters, tid/dim and shapes are
// inlined; dead values and unread variables are dropped), variables become locals, `loop` becomes
// `for (;;) { { body } cont_L: ; { step } }`, `block` a braced region followed by `brk_L: ;` when
// something breaks out of it with a goto. `break` of the innermost loop is a plain C `break`; other
// breaks and every `continue` are gotos (a C `continue` would skip the step region). The braces
// around a loop body keep those gotos from jumping over initialisations, which C++ forbids.
// `#line` directives map every statement to its kernel source line (NVRTC errors, cuda-gdb, Nsight).
//
// Debug mode adds bounds checks before every array / fixed-array access and raw read, an integer
// division-by-zero check, and an early exit once any thread has recorded an error; failures go to
// the module's error record (weft.cuh) with a site index into `CudaModuleSource.sites`. `trap` ops
// record their operands in every mode. Gradient accesses of arrays without a gradient buffer are
// no error: they read 0 and write nothing in every mode.

import { Func, Inst, Loc, OPS, Var, walk } from "../../ir/ops.js";
import { ScalarKind, isInt, scalarBytes, typeName } from "../../ir/types.js";
import {
  CudaCodegenError, cType, callExpr, convertExpr, literal, printExpr, safeIdent, sanitize,
  scalarOf, valueName,
} from "./codegen-expr.js";
import { launchRank } from "./layout.js";
import { Out, weftHeader, weftVersion } from "./codegen-out.js";

export { weftHeader, weftVersion };

export interface CudaCodegenOptions {
  debug: boolean;
  moduleName: string;
  /** "inline" (default) pastes weft.cuh in (NVRTC needs no include path); "include" emits #include. */
  header?: "inline" | "include";
  /** Emit `#line` directives mapping statements back to kernel source (default true). */
  lineDirectives?: boolean;
  /**
   * Kernel source texts by file name (IRModule.file -> IRModule.source). When given, the first
   * `#line` of each source line carries that line as a comment, which makes `--emit cuda` readable.
   */
  sources?: Record<string, string>;
}

/** One place where generated code can record an error; its index is stored in the error record. */
export interface CudaErrorSite {
  kernel: string;
  code: number;
  /** ("no-grad" is no longer generated: gradient accesses without a gradient buffer are skipped.) */
  what: "bounds" | "fixed-bounds" | "div-zero" | "raw-bounds" | "no-grad" | "trap";
  loc?: Loc;
  /** bounds/raw-bounds/no-grad: the lowered parameter index of the array (-1: an array variable). */
  param?: number;
  paramName?: string;
  /** fixed-bounds: the variable's name. */
  varName?: string;
  /** Scalar kinds of the detail values, in order (how the host decodes them). */
  details: ScalarKind[];
}

export interface CudaModuleSource {
  /** The translation unit. */
  source: string;
  /** File name given to NVRTC and used by #line for generated code. */
  fileName: string;
  /** Kernel name -> C entry point name, and the launch rank its code splits thread indices into. */
  entries: { name: string; entry: string; rank: number }[];
  sites: CudaErrorSite[];
}

/**
 * Error codes of the generator's own checks: the reference interpreter's codes (engine/ir/interp.ts),
 * mirrored by the WEFT_ERR_* macros of weft.cuh. `trap` ops carry the IR's codes.
 * Details recorded per site kind (all as listed in `CudaErrorSite.details`):
 *   bounds:       index, axis, extent        fixed-bounds: index, length
 *   raw-bounds:   byte offset, read size, buffer bytes      div-zero, no-grad: none
 *   trap:         the trap's operands (at most 8)
 */
export const CUDA_ERR = { BOUNDS: 2, RAW_BOUNDS: 3, DIV_ZERO: 4, NO_GRAD: 5 } as const; // NO_GRAD: reserved, no longer emitted

// --- module ---------------------------------------------------------------------------------------

export function generateCuda(kernels: Func[], opts: CudaCodegenOptions): CudaModuleSource {
  const fileName = `${sanitize(opts.moduleName || "module", 64) || "module"}.cu`;
  const out = new Out(fileName, opts.lineDirectives ?? true, opts.sources);
  const names = kernels.map((k) => k.name).join(", ");
  out.line(`// weft ${weftVersion()}: CUDA C++ for module '${opts.moduleName}' (kernels: ${names})`);
  out.line(`// debug checks: ${opts.debug ? "on" : "off"}. Generated by engine/backends/cuda/codegen.ts; do not edit.`);
  if ((opts.header ?? "inline") === "inline") {
    out.line(`// ---- begin weft.cuh ----`);
    out.raw(weftHeader().replace(/^#pragma once\s*$/m, ""));
    out.line(`// ---- end weft.cuh ----`);
  } else {
    out.line(`#include "weft.cuh"`);
  }
  const sites: CudaErrorSite[] = [];
  const entries: CudaModuleSource["entries"] = [];
  const taken = new Set<string>();
  for (const fn of kernels) {
    if (fn.kind !== "kernel") throw new CudaCodegenError(`'${fn.name}' is a @func; lowered modules hold only kernels`);
    const entry = safeIdent(fn.name, "k", taken);
    entries.push({ name: fn.name, entry, rank: launchRank(fn) });
    out.line("");
    new KernelGen(fn, entry, out, sites, opts.debug).emit();
  }
  return { source: out.lines.join("\n") + "\n", fileName, entries, sites };
}

// --- liveness -------------------------------------------------------------------------------------

/**
 * Which values and variables the generated code needs. Upstream passes may leave dead values (the
 * adjoint pass does), and NVRTC warns about unused locals; the generator skips pure values nobody
 * uses and variables nobody reads (with their writes). Debug builds keep dead loads, raw reads and
 * integer divisions, since their checks can fail, as they do in the interpreter.
 */
function liveness(fn: Func, debug: boolean): { live: Set<Inst>; liveVars: Set<Var> } {
  const live = new Set<Inst>(), liveVars = new Set<Var>();
  const all: Inst[] = [];
  walk(fn.body, (i) => { all.push(i); });
  const checked = (i: Inst) => debug && (i.op === "aload" || i.op === "araw" || i.op === "fget" ||
    (i.op === "call" && (i.attrs.fn === "div" || i.attrs.fn === "mod") && i.type.k === "scalar" && isInt(i.type.s)));
  for (let changed = true; changed;) {
    changed = false;
    for (const i of all) {
      if (live.has(i)) continue;
      const isWrite = i.op === "set" || i.op === "fset";
      const root = isWrite ? liveVars.has(i.attrs.var) : OPS[i.op].effect || checked(i);
      if (!root) continue;
      live.add(i);
      changed = true;
    }
    for (const i of live) {
      for (const a of i.args) if (!live.has(a)) { live.add(a); changed = true; }
      if ((i.op === "get" || i.op === "fget") && !liveVars.has(i.attrs.var)) { liveVars.add(i.attrs.var); changed = true; }
    }
  }
  return { live, liveVars };
}

// --- one kernel -----------------------------------------------------------------------------------

interface LabelInfo { kind: "loop" | "block"; contUsed: boolean; brkGoto: boolean }

class KernelGen {
  private readonly vals = new Map<Inst, string>();
  private readonly varNames = new Map<Var, string>();
  private readonly paramNames: string[] = [];
  private readonly labels = new Map<number, LabelInfo>();
  /** Innermost enclosing IR loop label while emitting (blocks do not count: C `break` ignores braces). */
  private readonly loopStack: number[] = [];
  private returnUsed = false;
  private live!: Set<Inst>;
  private liveVars!: Set<Var>;

  constructor(private readonly fn: Func, private readonly entry: string, private readonly out: Out,
              private readonly sites: CudaErrorSite[], private readonly debug: boolean) {}

  emit(): void {
    const { fn, out } = this;
    const taken = new Set<string>();
    const params = fn.params.map((p, i) => {
      const n = safeIdent(p.name, `p${i}`, taken);
      this.paramNames.push(n);
      return `${cType(p.type)} ${n}`;
    });
    for (const v of fn.vars) this.varNames.set(v, `l${v.id}_${sanitize(v.name, 24)}`);
    walk(fn.body, (i) => {
      if (!OPS[i.op] || ["construct", "extract", "extractd", "insert", "callf"].includes(i.op)) {
        throw new CudaCodegenError(`op '${i.op}' is not part of lowered IR (kernel ${fn.name})`);
      }
      if (i.type.k !== "void" && i.type.k !== "scalar" && i.type.k !== "array") cType(i.type);
    });
    ({ live: this.live, liveVars: this.liveVars } = liveness(fn, this.debug));
    this.scanLabels(fn.body, []);

    out.line(`// kernel ${fn.name}${fn.loc ? ` (${fn.loc.file}:${fn.loc.line})` : ""}`);
    out.at(fn.loc);
    out.line(`extern "C" __global__ void ${this.entry}(${["const weft_dims dims", ...params].join(", ")}) {`);
    out.generated();
    out.indent++;
    out.line(`for (int64_t flat = weft_flat_first(); flat < dims.total; flat += weft_flat_stride()) {`);
    out.indent++;
    if (this.debug) out.line(`if (weft_error_pending()) return;`);
    this.emitTids();
    out.line(`{`);
    out.indent++;
    for (const v of fn.vars) if (this.liveVars.has(v)) this.declareVar(v);
    this.block(fn.body);
    out.generated();
    out.indent--;
    out.line(`}`);
    if (this.returnUsed) out.line(`weft_next: ;`);
    out.indent--;
    out.line(`}`);
    out.indent--;
    out.line(`}`);
  }

  /**
   * tid0..tid{n-1}: the row-major split of `flat` over the launch extents (last fastest). Only the
   * indices the kernel uses are declared (no unused-variable warnings from NVRTC).
   */
  private emitTids(): void {
    const n = launchRank(this.fn);
    const used = new Set<number>();
    walk(this.fn.body, (i) => { if (i.op === "tid" && this.live.has(i)) used.add(i.attrs.dim | 0); });
    if (used.size === 0) return;
    const lowest = Math.min(...used);
    this.out.line(`int64_t rest = flat;`);
    this.out.line(`if (dims.inner != 1) rest /= dims.inner;`);
    for (let d = n - 1; d >= Math.max(1, lowest); d--) {
      if (used.has(d)) this.out.line(`const int32_t tid${d} = weft_divmod(rest, dims.d[${d}]);`);
      else this.out.line(`rest /= dims.d[${d}];`);
    }
    if (used.has(0)) this.out.line(`const int32_t tid0 = (int32_t)rest;`);
  }

  private declareVar(v: Var): void {
    const name = this.varNames.get(v)!;
    if (v.type.k === "fixed") {
      if (v.type.elem.k !== "scalar") throw new CudaCodegenError(`fixed array ${v.name} of ${typeName(v.type.elem)} is not lowered`);
      this.out.line(`${cType(v.type.elem)} ${name}[${v.type.n}] = {};`);
    } else if (v.type.k === "array") {
      this.out.line(`weft_array ${name} = {};`);
    } else {
      this.out.line(`${cType(v.type)} ${name} = 0;`);
    }
  }

  /** Which labels need C labels: continues (always gotos) and breaks out of nested loops. */
  private scanLabels(body: Inst[], loops: number[]): void {
    for (const inst of body) {
      if (inst.op === "loop") {
        this.labels.set(inst.attrs.label, { kind: "loop", contUsed: false, brkGoto: false });
        this.scanLabels(inst.regions![0], [...loops, inst.attrs.label]);
        this.scanLabels(inst.regions![1], [...loops, inst.attrs.label]);
      } else if (inst.op === "block") {
        this.labels.set(inst.attrs.label, { kind: "block", contUsed: false, brkGoto: false });
        this.scanLabels(inst.regions![0], loops);
      } else if (inst.op === "break" || inst.op === "continue") {
        const info = this.labels.get(inst.attrs.label);
        if (!info) throw new CudaCodegenError(`${inst.op} to unknown label ${inst.attrs.label} in ${this.fn.name}`);
        if (inst.op === "continue") {
          if (info.kind !== "loop") throw new CudaCodegenError(`continue to block label ${inst.attrs.label}`);
          info.contUsed = true;
        } else if (info.kind === "block" || loops[loops.length - 1] !== inst.attrs.label) {
          info.brkGoto = true;
        }
      } else if (inst.regions) {
        for (const r of inst.regions) this.scanLabels(r, loops);
      }
    }
  }

  // --- statements -----------------------------------------------------------------------------------

  private block(body: Inst[]): void {
    for (const inst of body) this.stmt(inst);
  }

  private braced(body: Inst[]): void {
    this.out.line(`{`);
    this.out.indent++;
    this.block(body);
    this.out.indent--;
    this.out.line(`}`);
  }

  /** Defines an SSA value: `const T vN = expr;`. */
  private define(inst: Inst, expr: string): void {
    const name = valueName(inst);
    this.out.line(`const ${cType(inst.type)} ${name} = ${expr};`);
    this.vals.set(inst, name);
  }

  /** The C expression of an operand. */
  private v(inst: Inst): string {
    const s = this.vals.get(inst);
    if (s === undefined) throw new CudaCodegenError(`value %${inst.id} (${inst.op}) used before its definition in ${this.fn.name}`);
    return s;
  }

  private stmt(inst: Inst): void {
    const { out } = this;
    if (!this.live.has(inst) && inst.op !== "param" && inst.op !== "const") return;
    switch (inst.op) {
      // Inlined values: no statement.
      case "const": this.vals.set(inst, literal(inst.attrs.value, scalarOf(inst.type, "const"))); return;
      case "param": {
        const n = this.paramNames[inst.attrs.index];
        if (n === undefined) throw new CudaCodegenError(`param ${inst.attrs.index} out of range in ${this.fn.name}`);
        this.vals.set(inst, n);
        return;
      }
      case "tid": this.vals.set(inst, `tid${this.dimIndex(inst)}`); return;
      case "dim": this.vals.set(inst, `dims.d[${this.dimIndex(inst)}]`); return;
      case "ashape": this.vals.set(inst, `${this.v(inst.args[0])}.shape[${inst.attrs.dim | 0}]`); return;
      default: break;
    }
    out.at(inst.loc);
    switch (inst.op) {
      case "get": this.define(inst, this.varName(inst)); return;
      case "set": out.line(`${this.varName(inst)} = ${this.v(inst.args[0])};`); return;
      case "call": {
        const fn = inst.attrs.fn as string;
        if (this.debug && (fn === "div" || fn === "mod") && inst.type.k === "scalar" && isInt(inst.type.s)) {
          const site = this.site({ code: CUDA_ERR.DIV_ZERO, what: "div-zero", loc: inst.loc, details: [] });
          out.line(`if (${this.v(inst.args[1])} == 0) { weft_report(WEFT_ERR_DIV_ZERO, ${site}, 0); return; }`);
        }
        this.define(inst, callExpr(inst, inst.args.map((a) => this.v(a))));
        return;
      }
      case "convert": {
        const from = scalarOf(inst.args[0].type, "convert operand"), to = scalarOf(inst.type, "convert");
        this.define(inst, convertExpr(this.v(inst.args[0]), from, to));
        return;
      }
      case "select": {
        const [c, a, b] = inst.args.map((x) => this.v(x));
        this.define(inst, `(${c} ? ${a} : ${b})`);
        return;
      }
      case "aload": case "astore": case "aatomic": this.arrayAccess(inst); return;
      case "araw": this.rawLoad(inst); return;
      case "fget": case "fset": this.fixedAccess(inst); return;
      case "if": {
        out.line(`if (${this.v(inst.args[0])}) {`);
        out.indent++;
        this.block(inst.regions![0]);
        out.indent--;
        if (inst.regions![1].length) {
          out.line(`} else {`);
          out.indent++;
          this.block(inst.regions![1]);
          out.indent--;
        }
        out.line(`}`);
        return;
      }
      case "loop": {
        const label = inst.attrs.label as number;
        const info = this.labels.get(label)!;
        out.line(`for (;;) {`);
        out.indent++;
        this.loopStack.push(label);
        if (info.contUsed) {
          this.braced(inst.regions![0]);
          out.line(`cont_${label}: ;`);
        } else {
          this.block(inst.regions![0]);
        }
        if (inst.regions![1].length) this.braced(inst.regions![1]);
        this.loopStack.pop();
        out.indent--;
        out.line(`}`);
        if (info.brkGoto) out.line(`brk_${label}: ;`);
        return;
      }
      case "block": {
        const label = inst.attrs.label as number;
        this.braced(inst.regions![0]);
        if (this.labels.get(label)!.brkGoto) out.line(`brk_${label}: ;`);
        return;
      }
      case "break": {
        const label = inst.attrs.label as number;
        out.line(this.labels.get(label)!.brkGoto ? `goto brk_${label};` : `break;`);
        return;
      }
      case "continue": out.line(`goto cont_${inst.attrs.label};`); return;
      case "return":
        if (inst.args.length) throw new CudaCodegenError(`kernel ${this.fn.name} returns a value`);
        this.returnUsed = true;
        out.line(`goto weft_next;`);
        return;
      case "print": {
        const kinds = inst.args.map((a) => scalarOf(a.type, "print operand"));
        out.line(`${printExpr(String(inst.attrs.fmt ?? ""), inst.args.map((a) => this.v(a)), kinds)};`);
        return;
      }
      case "trap": {
        const code = inst.attrs.code | 0;
        if (code === 0) throw new CudaCodegenError(`trap code 0 is reserved (no error)`);
        const args = inst.args.slice(0, 8);
        const kinds = args.map((a) => scalarOf(a.type, "trap operand"));
        const site = this.site({ code, what: "trap", loc: inst.loc, details: kinds });
        const details = args.map((a) => `weft_detail(${this.v(a)})`);
        out.line(`{ weft_report(${[code, site, details.length, ...details].join(", ")}); return; }`);
        return;
      }
      default:
        throw new CudaCodegenError(`op '${inst.op}' is not part of lowered IR (kernel ${this.fn.name})`);
    }
  }

  private dimIndex(inst: Inst): number {
    const d = inst.attrs.dim | 0;
    if (d < 0 || d > 3) throw new CudaCodegenError(`${inst.op} dimension ${d} out of range`);
    return d;
  }

  private varName(inst: Inst): string {
    const v = inst.attrs.var as Var;
    const n = this.varNames.get(v);
    if (!n) throw new CudaCodegenError(`variable ${v?.name} is not declared in ${this.fn.name}`);
    return n;
  }

  private site(s: Omit<CudaErrorSite, "kernel">): number {
    this.sites.push({ kernel: this.fn.name, ...s });
    return this.sites.length - 1;
  }

  /** Parameter index and name of an array operand (a `param`), or -1 for an array variable. */
  private arrayOrigin(arr: Inst): { param: number; paramName: string } {
    if (arr.op === "param") return { param: arr.attrs.index, paramName: this.fn.params[arr.attrs.index].name };
    if (arr.op === "get") return { param: -1, paramName: (arr.attrs.var as Var).name };
    return { param: -1, paramName: "array" };
  }

  // --- arrays -----------------------------------------------------------------------------------

  /**
   * aload / astore / aatomic. Gradient accesses (`grad: true`) on an array whose grad pointer is null
   * are skipped in release and debug builds alike (loads and atomics give 0, stores do nothing; see
   * docs/architecture.md, "Gradient accesses"): one test of the pointer per access.
   */
  private arrayAccess(inst: Inst): void {
    const { out } = this;
    const arrInst = inst.args[0];
    const arr = this.v(arrInst);
    const nOperands = inst.op === "aload" ? 0 : inst.op === "astore" ? 1 : inst.attrs.kind === "cas" ? 2 : 1;
    const idxInsts = inst.args.slice(1, inst.args.length - nOperands);
    if (idxInsts.length < 1 || idxInsts.length > 4) throw new CudaCodegenError(`${inst.op} with ${idxInsts.length} indices`);
    const idx = idxInsts.map((i) => this.v(i));
    const grad = !!inst.attrs.grad;
    const base = `${arr}.${grad ? "grad" : "data"}`;
    if (this.debug) this.boundsChecks(arrInst, arr, idx, inst.loc);
    const off = inst.attrs.off | 0;
    const addr = `weft_addr(${[base, arr, ...idx].join(", ")})${off ? ` + ${off}` : ""}`;
    const s = inst.op === "astore" ? scalarOf(inst.args[inst.args.length - 1].type, "stored value") : scalarOf(inst.type, inst.op);
    const T = cType(inst.type.k === "scalar" ? inst.type : inst.args[inst.args.length - 1].type);
    if (inst.op === "aload") {
      const load = s === "bool" ? `weft_load_bool(${addr})` : `*(const ${T}*)(${addr})`;
      this.define(inst, grad ? `(${base} ? ${load} : ${literal(0, s)})` : load);
    } else if (inst.op === "astore") {
      const value = this.v(inst.args[inst.args.length - 1]);
      const store = s === "bool" ? `weft_store_bool(${addr}, ${value});` : `*(${T}*)(${addr}) = ${value};`;
      out.line(grad ? `if (${base}) ${store}` : store);
    } else {
      const kind = inst.attrs.kind as string;
      if (s === "bool") throw new CudaCodegenError(`atomic ${kind} on bool`);
      if (!["add", "sub", "min", "max", "xchg", "cas"].includes(kind)) throw new CudaCodegenError(`unknown atomic kind '${kind}'`);
      const n = inst.args.length;
      const ops = kind === "cas" ? [this.v(inst.args[n - 1]), this.v(inst.args[n - 2])] : [this.v(inst.args[n - 1])];
      const call = `weft_atomic_${kind}((${T}*)(${addr}), ${ops.join(", ")})`;
      this.define(inst, grad ? `(${base} ? ${call} : ${literal(0, s)})` : call);
    }
  }

  private boundsChecks(arrInst: Inst, arr: string, idx: string[], loc: Loc | undefined): void {
    const origin = this.arrayOrigin(arrInst);
    const site = this.site({ code: CUDA_ERR.BOUNDS, what: "bounds", loc, ...origin, details: ["i32", "i32", "i32"] });
    idx.forEach((i, axis) => {
      this.out.line(`if (!weft_in(${i}, ${arr}.shape[${axis}])) { weft_report(WEFT_ERR_BOUNDS, ${site}, 3, ${i}, ${axis}, ${arr}.shape[${axis}]); return; }`);
    });
  }

  /** araw: a scalar at a run-time byte offset of the array's data (unaligned-safe, weft.cuh). */
  private rawLoad(inst: Inst): void {
    const arr = this.v(inst.args[0]);
    const off = this.v(inst.args[1]);
    const s = scalarOf(inst.type, "araw");
    if (this.debug) {
      const origin = this.arrayOrigin(inst.args[0]);
      const site = this.site({ code: CUDA_ERR.RAW_BOUNDS, what: "raw-bounds", loc: inst.loc, ...origin, details: ["i32", "i32", "i64"] });
      const size = scalarBytes(s);
      // The buffer's bytes as the interpreter counts them: all extents times the innermost stride.
      const t = inst.args[0].type, nd = t.k === "array" ? t.ndim : 1;
      const bytes = `(${Array.from({ length: nd }, (_, k) => `(int64_t)${arr}.shape[${k}]`).join(" * ")} * ${arr}.strides[${nd - 1}])`;
      this.out.line(`if (${off} < 0 || (int64_t)${off} + ${size} > ${bytes}) { weft_report(WEFT_ERR_RAW_BOUNDS, ${site}, 3, ${off}, ${size}, ${bytes}); return; }`);
    }
    this.define(inst, `weft_load_raw<${cType(inst.type)}>(${arr}.data + ${off})`);
  }

  private fixedAccess(inst: Inst): void {
    const v = inst.attrs.var as Var;
    const name = this.varName(inst);
    const idx = this.v(inst.args[0]);
    if (v.type.k !== "fixed") throw new CudaCodegenError(`${inst.op} on non-fixed variable ${v.name}`);
    if (this.debug) {
      const site = this.site({ code: CUDA_ERR.BOUNDS, what: "fixed-bounds", loc: inst.loc, varName: v.name, details: ["i32", "i32"] });
      this.out.line(`if (!weft_in(${idx}, ${v.type.n})) { weft_report(WEFT_ERR_BOUNDS, ${site}, 2, ${idx}, ${v.type.n}); return; }`);
    }
    if (inst.op === "fget") this.define(inst, `${name}[${idx}]`);
    else this.out.line(`${name}[${idx}] = ${this.v(inst.args[1])};`);
  }
}
