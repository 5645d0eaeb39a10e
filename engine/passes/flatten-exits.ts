// Replaces early exits (break, continue, return, and breaks out of inlined-function blocks) with
// flag variables and guards, so that every region runs from its first instruction to its last and
// each loop has exactly one exit: a final `if (exit) break` in its body (its step moves into the
// body, guarded). Autodiff needs this shape:
// the reverse of a region is then simply its instructions in reverse order.
//
//   loop L { A; if (c) break L; B }        cont_L = false; A; if (c) brk_L = true;
//                                   ==>     if (!brk_L) { B }; if (brk_L) break L

import { Builder } from "../ir/builder.js";
import { Func, Inst, Var } from "../ir/ops.js";
import { BOOL } from "../ir/types.js";

declare module "../ir/ops.js" {
  interface Func {
    /**
     * The flags this pass introduced (`returned`, each `brk`/`cont`). Whenever an `if` or a loop
     * iteration starts, every flag it reads before writing is false (a raised flag skips the rest
     * of its construct, and a loop's `cont` is reset at the top of its body): autodiff resets them
     * instead of saving them.
     */
    exitFlags?: Set<Var>;
  }
}

interface Frame { label: number; brk: Var; cont: Var | null }

type Exit = { kind: "break" | "continue" | "return"; label: number };

function exitsOf(i: Inst, acc: Exit[] = []): Exit[] {
  if (i.op === "break" || i.op === "continue") acc.push({ kind: i.op, label: i.attrs.label });
  else if (i.op === "return") acc.push({ kind: "return", label: -1 });
  if (i.regions) for (const r of i.regions) for (const x of r) exitsOf(x, acc);
  return acc;
}

export function flattenExits(fn: Func): void {
  const before = new Set(fn.vars);
  const b = new Builder(fn, []);
  const ret = b.newVar("returned", BOOL);
  const frames: Frame[] = [];
  /** The flag an exit raises, if it targets the function or an enclosing (open) construct. */
  const flagOf = (e: Exit): Var | null => {
    if (e.kind === "return") return ret;
    const f = frames.find((x) => x.label === e.label);
    if (!f) return null;
    return e.kind === "continue" ? f.cont : f.brk;
  };
  const flagsOf = (i: Inst, except?: Var): Var[] =>
    [...new Set(exitsOf(i).map(flagOf).filter((v): v is Var => !!v && v !== except))];
  const anyOf = (flags: Var[]): Inst => flags.map((f) => b.get(f)).reduce((x, y) => b.call("or", x, y));

  /** Rewrites `body` into b's current block; what follows an instruction that may exit is guarded. */
  const rewrite = (body: Inst[]): void => {
    for (let k = 0; k < body.length; k++) {
      const i = body[k];
      b.loc = i.loc;
      if (i.op === "break" || i.op === "continue" || i.op === "return") {
        b.set(flagOf(exitsOf(i)[0])!, b.bool(true));
        return; // the rest of this block is unreachable
      }
      if (i.op === "loop") rewriteLoop(i);
      else if (i.op === "block") rewriteBlock(i);
      else if (i.op === "if") {
        const [t, e] = i.regions!;
        b.if(i.args[0], () => rewrite(t), e.length ? () => rewrite(e) : undefined);
      } else b.block.push(i);
      const pending = flagsOf(i);
      if (pending.length && k + 1 < body.length) {
        const rest = body.slice(k + 1);
        b.if(b.call("not", anyOf(pending)), () => rewrite(rest));
        return;
      }
    }
  };

  const rewriteLoop = (i: Inst): void => {
    const label = i.attrs.label as number;
    const frame: Frame = { label, brk: b.newVar(`brk${label}`, BOOL), cont: b.newVar(`cont${label}`, BOOL) };
    b.set(frame.brk, b.bool(false));
    frames.push(frame);
    const body: Inst[] = [], step: Inst[] = [];
    const leave = [frame.brk, ...flagsOf(i, frame.cont!).filter((v) => v !== frame.brk)];
    b.into(body, () => {
      b.set(frame.cont!, b.bool(false));
      rewrite(i.regions![0]);
      // The step runs after the body (also after a continue) unless the loop is being left; it
      // moves into the body so that a break inside it (do..while tests) is a flag like any other.
      if (i.regions![1].length) b.if(b.call("not", anyOf(leave)), () => rewrite(i.regions![1]));
      // Leave when this loop broke or when an exit to an enclosing construct was taken.
      b.if(anyOf(leave), () => { b.break(label); });
    });
    frames.pop();
    const loop: Inst = { op: "loop", args: [], type: i.type, attrs: { label }, regions: [body, step], id: b.fresh() };
    if (i.loc) loop.loc = i.loc;
    b.block.push(loop);
  };

  const rewriteBlock = (i: Inst): void => {
    const frame: Frame = { label: i.attrs.label as number, brk: b.newVar(`brk${i.attrs.label}`, BOOL), cont: null };
    b.set(frame.brk, b.bool(false));
    frames.push(frame);
    rewrite(i.regions![0]);
    frames.pop();
  };

  const out: Inst[] = [];
  b.into(out, () => {
    b.set(ret, b.bool(false));
    rewrite(fn.body);
  });
  fn.body = out;
  fn.exitFlags = new Set(fn.vars.filter((v) => !before.has(v)));
}
