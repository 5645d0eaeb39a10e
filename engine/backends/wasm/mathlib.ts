// The math library of a wasm module: functions WebAssembly has no instruction for, referenced by
// builtin lowerings through `ctx.callLib(name, args, kind)`. Hot functions are implemented inside
// the module (mathlib-impl*.ts, added only when used); the others are imported from the host
// (mathlib-js.ts), which every worker provides identically.

import binaryen from "binaryen";
import type { ScalarKind } from "../../ir/types.js";
import { IN_MODULE } from "./mathlib-impl.js";
import { VEC_IMPLS } from "./mathlib-simd.js";

const UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "exp2", "log", "log2", "log10", "cbrt"];
const BINARY = ["atan2", "pow", "fmod"];

/** name -> arity, for both the f64 names and the f32 names (suffix f). */
export const LIB_SIGS: Record<string, { arity: number; s: "f32" | "f64" }> = {};
for (const n of UNARY) { LIB_SIGS[n] = { arity: 1, s: "f64" }; LIB_SIGS[n + "f"] = { arity: 1, s: "f32" }; }
for (const n of BINARY) { LIB_SIGS[n] = { arity: 2, s: "f64" }; LIB_SIGS[n + "f"] = { arity: 2, s: "f32" }; }

export class MathLib {
  private imported = new Set<string>();
  private defined = new Set<string>();
  private vdefined = new Set<string>();

  constructor(private m: binaryen.Module, private useInModule = true) {}

  /** A call of library function `name` (declaring it on first use). */
  call(name: string, args: number[], result: ScalarKind): number {
    const sig = LIB_SIGS[name];
    if (!sig) throw new Error(`wasm backend: unknown math library function '${name}'`);
    if (args.length !== sig.arity) throw new Error(`wasm backend: ${name} takes ${sig.arity} arguments, got ${args.length}`);
    const t = sig.s === "f32" ? binaryen.f32 : binaryen.f64;
    if (result !== sig.s) throw new Error(`wasm backend: ${name} returns ${sig.s}, asked for ${result}`);
    const impl = this.useInModule ? IN_MODULE[name] : undefined;
    if (impl) {
      this.define(name);
      return this.m.call(`lib_${name}`, args, t);
    }
    if (!this.imported.has(name)) {
      this.imported.add(name);
      this.m.addFunctionImport(`lib_${name}`, "env", name, binaryen.createType(new Array(sig.arity).fill(t)), t);
    }
    return this.m.call(`lib_${name}`, args, t);
  }

  private define(name: string): void {
    if (this.defined.has(name)) return;
    this.defined.add(name);
    IN_MODULE[name](this.m, `lib_${name}`, (dep, a, r) => this.call(dep, a, r));
  }

  /** Whether `name` has a 4-lane (f32x4) implementation. */
  hasVector(name: string): boolean { return this.useInModule && !!VEC_IMPLS[name] && !!IN_MODULE[name]; }

  /** A call of the 4-lane version of `name` on v128 operands (declaring it on first use). */
  vcall(name: string, args: number[]): number {
    if (!this.hasVector(name)) throw new Error(`wasm backend: no 4-lane version of '${name}'`);
    this.define(name);
    const v = `vlib_${name}`;
    if (!this.vdefined.has(name)) { this.vdefined.add(name); VEC_IMPLS[name](this.m, v, `lib_${name}`); }
    return this.m.call(v, args, binaryen.v128);
  }

  /** Names the host must provide. */
  imports(): string[] { return [...this.imported].sort(); }
}
