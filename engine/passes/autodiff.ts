// Reverse-mode autodiff as an IR pass: from a lowered kernel (after flatten-exits) it writes the
// adjoint kernel, which both backends compile like any other. The adjoint of a thread replays the
// thread's forward code (without its stores) and then sweeps it in reverse:
//
//   - array reads scatter their adjoint into `.grad` with atomic adds; a store's adjoint reads the
//     output's gradient; builtins use the adjoint rules of their registry entries;
//   - loops and branches: before each if and each loop iteration the forward replay pushes the
//     state the construct needs onto a per-thread stack (the variables it reads before writing and
//     that the reverse cannot find in place, see `planRegion`), and the iteration count after a
//     loop. The reverse sweep pops them to re-run each iteration's forward code from its own
//     starting state, then reverses it ("store loop-carried state, recompute the rest"). So
//     `prod *= x[i]` gets right gradients, as does anything computed after the loop. Ifs and loops
//     with nothing differentiable inside save nothing and are not reversed.
//
// Memory: one stack per scalar kind actually pushed, `WEFT_AD_STACK` entries each (default 1024),
// in the thread's local memory; overflow traps with code TAPE_OVERFLOW rather than giving wrong
// gradients. A loop of n iterations with k loop-carried variables costs about (n + 1)*k + 1 entries
// (a for loop's last iteration only tests its condition).
//
// Custom gradients (`@adjointOf`): the inliner brackets each such call with markers
// (passes/inline.ts, `inlineCustom`). The analysis sees the call as "outputs depend on inputs"
// (`customGradView`); the forward replay runs its body plainly; the reverse sweep runs the user's
// adjoint code instead of differentiating the body (`reverseCustom`).

import { Builder } from "../ir/builder.js";
import { Func, Inst, Var, walk } from "../ir/ops.js";
import { I32, ScalarKind, Type, fixed, scalar } from "../ir/types.js";
import { lookupBuiltin } from "../builtins/index.js";
import { cloneBody, newMaps, CloneMaps } from "./clone.js";
import { Activity, AutodiffError, activity, checkDifferentiable, isFloatType, needed } from "./autodiff-analysis.js";
import { customGradMark, customGradRanges, customGradView } from "./inline.js";

export const TAPE_OVERFLOW = 7;

export function stackSize(): number {
  const n = Number(process.env.WEFT_AD_STACK ?? 1024);
  return Number.isInteger(n) && n > 0 ? n : 1024;
}

export interface AdjointOptions {
  /**
   * Save every variable a construct reads, at every if and every loop iteration (the scheme before
   * the live-in analysis; for differential tests: the gradients must be identical to the bit).
   */
  saveAll?: boolean;
}

/** Builds the adjoint of lowered kernel `fwd` (run flattenExits on it first). */
export function adjointKernel(fwd: Func, opts: AdjointOptions = {}): Func {
  // Custom-gradient calls are opaque to the analysis (their bodies need not be differentiable).
  const view = customGradView(fwd);
  const act = activity(view);
  checkDifferentiable(view, act, needed(view, act));
  const adj: Func = {
    name: `${fwd.name}__adj`, kind: "kernel", params: fwd.params, ret: fwd.ret, vars: [], body: [],
    ndim: fwd.ndim, nextId: fwd.nextId, loc: fwd.loc,
  };
  if (fwd.abi) adj.abi = fwd.abi;
  new AdjointWriter(fwd, adj, act, opts).run();
  return adj;
}

class AdjointWriter {
  private b: Builder;
  private maps: CloneMaps = newMaps();
  /** Adjoint variable of each active SSA value and each active forward variable. */
  private adjOfValue = new Map<Inst, Var>();
  private adjOfVar = new Map<Var, Var>();
  private stacks = new Map<ScalarKind, { arr: Var; sp: Var }>();
  private plans = new Map<Inst, SavePlan>();
  private N = stackSize();

  constructor(private fwd: Func, private adj: Func, private act: Activity, private opts: AdjointOptions) {
    this.b = new Builder(adj, adj.body);
    for (const v of fwd.vars) {
      const c: Var = { id: adj.nextId++, name: v.name, type: v.type };
      adj.vars.push(c);
      this.maps.vars.set(v, c);
    }
    for (const v of act.vars) this.adjOfVar.set(v, this.b.newVar(`adj_${v.name}`, v.type));
  }

  run(): void {
    this.emitRev(this.fwd.body);
  }

  // --- per-thread stack -------------------------------------------------------------------------
  private stack(s: ScalarKind) {
    const k: ScalarKind = s === "bool" ? "i32" : s;
    let st = this.stacks.get(k);
    if (!st) {
      st = { arr: this.b.newVar(`tape_${k}`, fixed(scalar(k), this.N)), sp: this.b.newVar(`tape_${k}_sp`, I32) };
      this.stacks.set(k, st);
    }
    return { st, k };
  }
  private push(value: Inst): void {
    const b = this.b;
    const s = (value.type as { s: ScalarKind }).s;
    const { st, k } = this.stack(s);
    const sp = b.get(st.sp);
    b.if(b.call("ge", sp, b.i32(this.N)), () => { b.trap(TAPE_OVERFLOW, [sp]); });
    b.fset(st.arr, sp, s === "bool" ? b.convert(value, I32) : value);
    b.set(st.sp, b.call("add", sp, b.i32(1)));
    void k;
  }
  private pop(t: Type): Inst {
    const b = this.b;
    const s = (t as { s: ScalarKind }).s;
    const { st } = this.stack(s);
    const sp = b.call("sub", b.get(st.sp), b.i32(1));
    b.set(st.sp, sp);
    const v = b.fget(st.arr, sp, scalar(s === "bool" ? "i32" : s));
    return s === "bool" ? b.convert(v, scalar("bool")) : v;
  }

  // --- what an if or a loop saves --------------------------------------------------------------
  /**
   * Plans what each if and loop of `body` saves (once per construct: a region is replayed many
   * times). A construct's reverse re-runs its forward code from the state it started in, so it needs
   * the variables it reads before writing them ("live-in": some path reads the value from before
   * the construct). Of those, it saves only what the reverse sweep cannot find in place:
   *
   *   - flatten-exits' flags are false whenever a construct starts: they are reset, not saved;
   *   - a variable that neither the construct nor anything after it in `body` writes still holds its
   *     value from the construct's start when the construct is reversed: nothing to save;
   *   - a loop saves, per iteration, the live-in variables it writes; the live-in variables it does
   *     not write but later code does, once, after the loop (their value at its start).
   */
  private planRegion(body: Inst[]): void {
    if (!body.some((i) => (i.op === "if" || i.op === "loop") && !this.plans.has(i))) return;
    const after = new Set<Var>();
    for (let k = body.length - 1; k >= 0; k--) {
      const i = body[k];
      const inside = writesIn(i);
      if ((i.op === "if" || i.op === "loop") && !this.plans.has(i)) this.plans.set(i, this.makePlan(i, inside, after));
      for (const v of inside) after.add(v);
    }
  }

  private makePlan(i: Inst, inside: Set<Var>, after: Set<Var>): SavePlan {
    let plan: SavePlan;
    if (!this.opts.saveAll && !this.hasReverse(i)) {
      // Nothing differentiable inside (integer bookkeeping, a search loop): its reverse is empty,
      // so it saves nothing and is not replayed. Code before it saves what it writes.
      return { each: [], once: [], flags: [], skip: true };
    }
    if (this.opts.saveAll) {
      const s = new Set<Var>();
      walk(i.regions!.flat(), (x) => { if (x.op === "get" || x.op === "fget") s.add(x.attrs.var); });
      plan = { each: [...s], once: [], flags: [] };
    } else {
      const live = liveIn(i);
      const flags = live.filter((v) => this.fwd.exitFlags?.has(v));
      const rest = live.filter((v) => !this.fwd.exitFlags?.has(v));
      plan = i.op === "if"
        ? { each: rest.filter((v) => inside.has(v) || after.has(v)), once: [], flags }
        : { each: rest.filter((v) => inside.has(v)), once: rest.filter((v) => !inside.has(v) && after.has(v)), flags };
    }
    // Array variables cannot be saved; scalarize leaves only those that hold different arrays.
    const arr = [...plan.each, ...plan.once].find((v) => v.type.k === "array");
    if (arr) throw new AutodiffError(`the array variable '${arr.name}' holds different arrays and is read in a loop or branch; autodiff cannot replay that (pass the arrays separately)`, i.loc);
    return plan;
  }

  /** Whether the reverse sweep of construct `i` does anything (see `sweep`, `reverseSet`). */
  private hasReverse(i: Inst): boolean {
    let found = false;
    walk(i.regions!.flat(), (x) => {
      if (found) return;
      if (this.act.values.has(x)) found = true;
      else if ((x.op === "set" || x.op === "fset") && this.adjOfVar.has(x.attrs.var)) found = true;
      else if ((x.op === "astore" || x.op === "aatomic") && x.args.some((a) => this.act.values.has(a))) found = true;
      else if (customGradMark(x)) found = true;
    });
    return found;
  }

  private plan(i: Inst): SavePlan {
    const p = this.plans.get(i);
    if (!p) throw new Error(`autodiff: no save plan for %${i.id} ${i.op}`);
    return p;
  }

  /** Exit flags read by a construct are false at its start. */
  private resetFlags(flags: Var[]): void {
    for (const v of flags) this.b.set(this.maps.vars.get(v)!, this.b.bool(false));
  }

  private saveVars(vars: Var[]): void {
    const b = this.b;
    for (const v of vars) {
      const c = this.maps.vars.get(v)!;
      if (v.type.k === "fixed") {
        const elem = v.type.elem;
        b.forRange(b.i32(0), b.i32(v.type.n), (k) => this.push(b.fget(c, k, elem)), "save");
      } else this.push(b.get(c));
    }
  }
  private restoreVars(vars: Var[]): void {
    const b = this.b;
    for (let j = vars.length - 1; j >= 0; j--) {
      const v = vars[j], c = this.maps.vars.get(v)!;
      if (v.type.k === "fixed") {
        const elem = v.type.elem, n = v.type.n;
        // Pushed in ascending index order, so pop descending.
        b.forRange(b.i32(0), b.i32(n), (k) => {
          b.fset(c, b.call("sub", b.i32(n - 1), k), this.pop(elem));
        }, "restore");
      } else b.set(c, this.pop(v.type));
    }
  }

  // --- forward replay ---------------------------------------------------------------------------
  /** A copy of forward code without its side effects on memory (they already happened). */
  private plain(body: Inst[]): void {
    const copies = cloneBody(body, this.adj, this.maps, (i) => {
      if (i.op === "astore" || i.op === "print" || (i.op === "aatomic" && !i.attrs.grad)) return [];
      return null;
    });
    this.b.block.push(...copies);
  }

  /** Forward replay of a region that records what the reverse sweep of its direct children needs. */
  private fwdRecord(body: Inst[]): void {
    const b = this.b;
    this.planRegion(body);
    const custom = customGradRanges(body);
    for (let k = 0; k < body.length; k++) {
      const i = body[k];
      b.loc = i.loc;
      const end = custom.get(k);
      if (end !== undefined) {
        // A custom-gradient call: its body replays as is (nothing recorded); its adjoint region is skipped.
        this.plain(body.slice(k, end));
        k = end;
        continue;
      }
      if ((i.op === "if" || i.op === "loop") && this.plan(i).skip) {
        this.plain([i]);
      } else if (i.op === "if") {
        this.saveVars(this.plan(i).each);
        this.plain([i]);
      } else if (i.op === "loop") {
        const plan = this.plan(i);
        const cnt = b.newVar(`iters${i.attrs.label}`, I32);
        b.set(cnt, b.i32(0));
        const label = b.fresh();
        this.maps.labels.set(i.attrs.label, label);
        const loop: Inst = { op: "loop", args: [], type: i.type, attrs: { label }, regions: [[], []], id: b.fresh(), loc: i.loc };
        b.block.push(loop);
        b.into(loop.regions![0], () => {
          this.saveVars(plan.each);
          b.set(cnt, b.call("add", b.get(cnt), b.i32(1)));
          this.plain(i.regions![0]);
        });
        b.into(loop.regions![1], () => this.plain(i.regions![1]));
        // Variables the loop reads and never writes have their value from its start: saved once,
        // on top of the iterations' entries, so the reverse restores them before the iterations.
        this.saveVars(plan.once);
        this.push(b.get(cnt));
      } else this.plain([i]);
    }
  }

  // --- reverse sweep ----------------------------------------------------------------------------
  /** Reverse of a region entered with the forward variables at their state on entry. */
  private emitRev(body: Inst[], between?: () => void): void {
    this.fwdRecord(body);
    between?.();
    this.sweep(body);
  }

  private adjVar(i: Inst): Var {
    let v = this.adjOfValue.get(i);
    if (!v) { v = this.b.newVar(`adj${i.id}${i.name ? "_" + i.name : ""}`, i.type); this.adjOfValue.set(i, v); }
    return v;
  }
  private accumulate(target: Inst, contribution: Inst | null): void {
    if (!contribution || !this.act.values.has(target)) return;
    const b = this.b, v = this.adjVar(target);
    const c = contribution.type.k === "scalar" && target.type.k === "scalar" && contribution.type.s !== target.type.s ? b.convert(contribution, target.type) : contribution;
    b.set(v, b.call("add", b.get(v), c));
  }
  private fv(i: Inst): Inst { return this.maps.values.get(i) ?? i; }

  private sweep(body: Inst[]): void {
    const b = this.b;
    this.planRegion(body);
    // This execution of the region starts with no pending adjoints for its own values.
    for (const i of body) if (this.act.values.has(i)) b.set(this.adjVar(i), b.constLike(0, i.type));
    const customStart = new Map([...customGradRanges(body)].map(([start, end]) => [end, start]));
    for (let k = body.length - 1; k >= 0; k--) {
      const i = body[k];
      b.loc = i.loc;
      const start = customStart.get(k);
      if (start !== undefined) {
        this.reverseCustom(body.slice(start, k + 1));
        k = start;
        continue;
      }
      if ((i.op === "if" || i.op === "loop") && this.plan(i).skip) continue;
      switch (i.op) {
        case "if": {
          const plan = this.plan(i);
          this.restoreVars(plan.each);
          this.resetFlags(plan.flags);
          const [t, e] = i.regions!;
          b.if(this.fv(i.args[0]), () => this.emitRev(t), e.length ? () => this.emitRev(e) : undefined);
          break;
        }
        case "loop": this.reverseLoop(i); break;
        case "set": case "fset": this.reverseSet(i); break;
        case "astore": {
          const x = i.args[i.args.length - 1];
          if (this.act.values.has(x)) {
            const [arr, ...idx] = i.args.slice(0, -1).map((a) => this.fv(a));
            this.accumulate(x, b.aload(arr, idx, x.type, i.attrs.off, true));
          }
          break;
        }
        case "aatomic": {
          const x = i.args[i.args.length - 1];
          if (this.act.values.has(x) && (i.attrs.kind === "add" || i.attrs.kind === "sub")) {
            const [arr, ...idx] = i.args.slice(0, -1).map((a) => this.fv(a));
            const g = b.aload(arr, idx, x.type, i.attrs.off, true);
            this.accumulate(x, i.attrs.kind === "add" ? g : b.call("neg", g));
          }
          break;
        }
        default:
          if (this.act.values.has(i)) this.reverseValue(i);
      }
    }
  }

  private reverseValue(i: Inst): void {
    const b = this.b;
    const a = b.get(this.adjVar(i));
    switch (i.op) {
      case "aload": {
        const [arr, ...idx] = i.args.map((x) => this.fv(x));
        b.aatomic("add", arr, idx, a, i.attrs.off, undefined, true);
        return;
      }
      case "get": { const v = this.adjOfVar.get(i.attrs.var)!; b.set(v, b.call("add", b.get(v), a)); return; }
      case "fget": {
        const v = this.adjOfVar.get(i.attrs.var)!, idx = this.fv(i.args[0]);
        b.fset(v, idx, b.call("add", b.fget(v, idx, i.type), a));
        return;
      }
      case "convert": this.accumulate(i.args[0], a); return;
      case "select": {
        const c = this.fv(i.args[0]), zero = b.constLike(0, i.type);
        this.accumulate(i.args[1], b.select(c, a, zero));
        this.accumulate(i.args[2], b.select(c, zero, a));
        return;
      }
      case "call": {
        const def = lookupBuiltin(i.attrs.fn)!;
        if (!def.adjoint) throw new Error(`autodiff: builtin '${i.attrs.fn}' has no adjoint rule`);
        const contribs = def.adjoint(b, i.args.map((x) => this.fv(x)), this.fv(i), a);
        i.args.forEach((x, j) => { if (isFloatType(x.type)) this.accumulate(x, contribs[j] ?? null); });
        return;
      }
      default: throw new Error(`autodiff: no reverse rule for '${i.op}'`);
    }
  }

  private reverseSet(i: Inst): void {
    const b = this.b;
    const v = i.attrs.var as Var;
    const av = this.adjOfVar.get(v);
    if (!av) return;
    const x = i.args[i.args.length - 1];
    if (i.op === "set") {
      this.accumulate(x, b.get(av));
      b.set(av, b.constLike(0, v.type));
    } else {
      const idx = this.fv(i.args[0]), elem = (v.type as { elem: Type }).elem;
      this.accumulate(x, b.fget(av, idx, elem));
      b.fset(av, idx, b.constLike(0, elem));
    }
  }

  /**
   * Reverse of an inlined custom-gradient call (`range`: its markers, body and `if (false)` adjoint
   * region; see passes/inline.ts): the adjoint of the result goes into the region's `adjres`
   * variables, the region's code (the user's adjoint function) runs, and its `grad` results are added
   * to the adjoints of the call's arguments. The body itself is not differentiated.
   */
  private reverseCustom(range: Inst[]): void {
    const b = this.b;
    const region = range[range.length - 1].regions![0];
    const leaf = (x: Inst) => customGradMark(x)!.leaf ?? 0;
    const adjres = new Map<number, Var>();
    walk(region, (x) => { if (x.op === "get" && customGradMark(x)?.role === "adjres") adjres.set(leaf(x), x.attrs.var); });
    for (const s of range) {
      if (customGradMark(s)?.role !== "out") continue;
      const av = this.adjOfVar.get(s.attrs.var), target = adjres.get(leaf(s));
      if (target) b.set(this.maps.vars.get(target)!, av ? b.get(av) : b.constLike(0, target.type));
      if (av) b.set(av, b.constLike(0, av.type));
    }
    this.plain(region);
    const inputs = range.filter((s) => customGradMark(s)?.role === "in");
    walk(region, (x) => {
      const m = customGradMark(x);
      if (x.op !== "set" || m?.role !== "grad") return;
      const input = inputs.find((s) => customGradMark(s)!.arg === m.arg && leaf(s) === leaf(x));
      if (input) this.accumulate(input.args[0], b.get(this.maps.vars.get(x.attrs.var)!));
    });
  }

  /** Iterations in reverse: restore each one's starting state, replay it, sweep it. */
  private reverseLoop(i: Inst): void {
    const b = this.b;
    const [body, step] = i.regions!;
    const exitIf = body[body.length - 1];
    if (!exitIf || exitIf.op !== "if" || exitIf.regions![0][0]?.op !== "break")
      throw new Error("autodiff: loop not in flatten-exits form (run flatten-exits first)");
    const inner = body.slice(0, -1);
    const plan = this.plan(i);
    const k = b.newVar(`rev${i.attrs.label}`, I32);
    b.set(k, this.pop(I32));
    this.restoreVars(plan.once);
    b.loop((label) => {
      b.if(b.call("le", b.get(k), b.i32(0)), () => { b.break(label); });
      b.set(k, b.call("sub", b.get(k), b.i32(1)));
      this.restoreVars(plan.each);
      this.resetFlags(plan.flags);
      this.emitRev(inner, () => {
        b.if(b.call("not", this.fv(exitIf.args[0])), () => this.emitRev(step));
      });
    });
  }
}

/** What an if or a loop saves for its reverse (see `planRegion`). */
interface SavePlan {
  /** Saved at the if's start, or at the start of each loop iteration. */
  each: Var[];
  /** Loops: saved once, after the loop. */
  once: Var[];
  /** Exit flags: reset to false instead of saved. */
  flags: Var[];
  /** Nothing to reverse inside: neither saved nor replayed by the reverse sweep. */
  skip?: boolean;
}

/** Variables written (set, fset) by `i` or anywhere inside it. */
function writesIn(i: Inst): Set<Var> {
  const s = new Set<Var>();
  walk([i], (x) => { if (x.op === "set" || x.op === "fset") s.add(x.attrs.var); });
  return s;
}

/**
 * The variables an if or a loop iteration reads before writing them on some path, in first-read
 * order. A fixed array counts as read whenever an element is (element writes never cover it).
 * Needs flatten-exits form: every region runs from its first instruction to its last, and a loop
 * body at least once.
 */
function liveIn(c: Inst): Var[] {
  const live = new Set<Var>();
  const scan = (body: Inst[], written: Set<Var>): Set<Var> => {
    let w = written;
    for (const i of body) {
      switch (i.op) {
        case "get": if (!w.has(i.attrs.var)) live.add(i.attrs.var); break;
        case "fget": live.add(i.attrs.var); break;
        case "set": if (!w.has(i.attrs.var)) { w = new Set(w); w.add(i.attrs.var); } break;
        case "if": {
          const t = scan(i.regions![0], w), e = scan(i.regions![1], w);
          w = new Set([...t].filter((v) => e.has(v)));
          break;
        }
        case "loop": w = scan(i.regions![1], scan(i.regions![0], w)); break;
        default: if (i.regions) for (const r of i.regions) w = scan(r, w);
      }
    }
    return w;
  };
  if (c.op === "if") { scan(c.regions![0], new Set()); scan(c.regions![1], new Set()); }
  else scan(c.regions![1], scan(c.regions![0], new Set()));
  return [...live];
}
