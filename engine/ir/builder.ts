// Builds IR into a function: keeps the stack of open regions and the source location to stamp on
// every instruction, and gives one small method per operation. Passes use it too, so every
// instruction anywhere is made the same way.

import { Func, Inst, Loc, OpName, Var } from "./ops.js";
import { BOOL, I32, Type, VOID, ScalarKind, scalar, componentScalar } from "./types.js";
import { resultTypeOf } from "../builtins/index.js";

export class Builder {
  private stack: Inst[][];
  loc: Loc | undefined;

  constructor(readonly fn: Func, into?: Inst[]) {
    this.stack = [into ?? fn.body];
  }

  get block(): Inst[] { return this.stack[this.stack.length - 1]; }

  fresh(): number { return this.fn.nextId++; }

  inst(op: OpName, args: Inst[], type: Type, attrs: Record<string, any> = {}, regions?: Inst[][]): Inst {
    const i: Inst = { op, args, type, attrs, id: this.fresh() };
    if (regions) i.regions = regions;
    if (this.loc) i.loc = this.loc;
    this.block.push(i);
    return i;
  }

  /** Runs `fill` with `region` as the insertion point. */
  into<T>(region: Inst[], fill: () => T): T {
    this.stack.push(region);
    try { return fill(); } finally { this.stack.pop(); }
  }

  newVar(name: string, type: Type): Var {
    const v: Var = { id: this.fresh(), name, type };
    this.fn.vars.push(v);
    return v;
  }

  // --- values -----------------------------------------------------------------------------------
  const(value: number | bigint | boolean, s: ScalarKind): Inst {
    if ((s === "i64" || s === "u64") && typeof value !== "bigint") value = BigInt(value as number);
    if (s === "bool") value = Boolean(value);
    // An f32 constant holds the f32 value, as wasm's f32.const and CUDA's 0.1f do.
    if (s === "f32") value = Math.fround(Number(value));
    return this.inst("const", [], scalar(s), { value });
  }
  i32(v: number): Inst { return this.const(v | 0, "i32"); }
  f(v: number, s: ScalarKind = "f32"): Inst { return this.const(v, s); }
  bool(v: boolean): Inst { return this.const(v, "bool"); }
  /** A constant of the same scalar kind as `like` (or of its components). */
  constLike(v: number, like: Type): Inst {
    const s = componentScalar(like);
    if (!s) throw new Error("constLike of a non-numeric type");
    return this.const(v, s);
  }
  param(index: number): Inst { return this.inst("param", [], this.fn.params[index].type, { index }); }
  tid(dim: number): Inst { return this.inst("tid", [], I32, { dim }); }
  dim(dim: number): Inst { return this.inst("dim", [], I32, { dim }); }
  get(v: Var): Inst { return this.inst("get", [], v.type, { var: v }); }
  set(v: Var, value: Inst): Inst { return this.inst("set", [value], VOID, { var: v }); }

  /** Applies builtin `fn`; the result type comes from the registry's overload resolution. */
  call(fn: string, ...args: Inst[]): Inst {
    const t = resultTypeOf(fn, args.map((a) => a.type));
    if (typeof t === "string") throw new Error(`IR builder: ${fn}: ${t}`);
    return this.inst("call", args, t, { fn });
  }
  callf(fn: string, args: Inst[], ret: Type): Inst { return this.inst("callf", args, ret, { fn }); }
  construct(type: Type, parts: Inst[]): Inst { return this.inst("construct", parts, type); }
  extract(v: Inst, index: number, type: Type): Inst { return this.inst("extract", [v], type, { index }); }
  extractd(v: Inst, index: Inst, type: Type): Inst { return this.inst("extractd", [v, index], type); }
  insert(v: Inst, index: number, part: Inst): Inst { return this.inst("insert", [v, part], v.type, { index }); }
  convert(v: Inst, to: Type): Inst { return this.inst("convert", [v], to); }
  select(c: Inst, a: Inst, b: Inst): Inst { return this.inst("select", [c, a, b], a.type); }

  // --- arrays -----------------------------------------------------------------------------------
  aload(arr: Inst, idx: Inst[], type: Type, off = 0, grad = false): Inst {
    return this.inst("aload", [arr, ...idx], type, grad ? { off, grad } : { off });
  }
  astore(arr: Inst, idx: Inst[], value: Inst, off = 0, grad = false): Inst {
    return this.inst("astore", [arr, ...idx, value], VOID, grad ? { off, grad } : { off });
  }
  aatomic(kind: string, arr: Inst, idx: Inst[], value: Inst, off = 0, cmp?: Inst, grad = false): Inst {
    const args = [arr, ...idx, value];
    if (cmp) args.push(cmp);
    return this.inst("aatomic", args, value.type, grad ? { kind, off, grad } : { kind, off });
  }
  ashape(arr: Inst, dim: number): Inst { return this.inst("ashape", [arr], I32, { dim }); }
  araw(arr: Inst, byteOffset: Inst, type: Type): Inst { return this.inst("araw", [arr, byteOffset], type); }
  fget(v: Var, idx: Inst, type: Type): Inst { return this.inst("fget", [idx], type, { var: v }); }
  fset(v: Var, idx: Inst, value: Inst): Inst { return this.inst("fset", [idx, value], VOID, { var: v }); }

  // --- control flow -----------------------------------------------------------------------------
  if(cond: Inst, then: () => void, otherwise?: () => void): Inst {
    const i = this.inst("if", [cond], VOID, {}, [[], []]);
    this.into(i.regions![0], then);
    if (otherwise) this.into(i.regions![1], otherwise);
    return i;
  }
  /** An endless loop; `body` gets the loop's label for break/continue. */
  loop(body: (label: number) => void, step?: () => void): Inst {
    const label = this.fresh();
    const i = this.inst("loop", [], VOID, { label }, [[], []]);
    this.into(i.regions![0], () => body(label));
    if (step) this.into(i.regions![1], step);
    return i;
  }
  blockRegion(body: (label: number) => void): Inst {
    const label = this.fresh();
    const i = this.inst("block", [], VOID, { label }, [[]]);
    this.into(i.regions![0], () => body(label));
    return i;
  }
  break(label: number): Inst { return this.inst("break", [], VOID, { label }); }
  continue(label: number): Inst { return this.inst("continue", [], VOID, { label }); }
  return(value?: Inst): Inst { return this.inst("return", value ? [value] : [], VOID); }
  print(fmt: string, args: Inst[]): Inst { return this.inst("print", args, VOID, { fmt }); }
  trap(code: number, args: Inst[] = []): Inst { return this.inst("trap", args, VOID, { code }); }

  /** `for (i = start; i < end; i += 1) body(i)` with an i32 counter. */
  forRange(start: Inst, end: Inst, body: (i: Inst, label: number) => void, name = "i"): Inst {
    const v = this.newVar(name, I32);
    this.set(v, start);
    return this.loop((label) => {
      const i = this.get(v);
      const c = this.call("lt", i, end);
      this.if(this.call("not", c), () => { this.break(label); });
      body(this.get(v), label);
    }, () => { this.set(v, this.call("add", this.get(v), this.i32(1))); });
  }
}

export function newFunc(name: string, kind: "kernel" | "func", params: { name: string; type: Type }[], ret: Type = VOID): Func {
  return { name, kind, params, ret, vars: [], body: [], ndim: 1, nextId: 0 };
}

export { BOOL };
