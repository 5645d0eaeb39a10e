// The SIMD entry `(start, end, args, stack)`: runs threads [start, end) in groups of 4 consecutive
// thread ids, one per v128 lane (ISPC style), and hands the remainder (and launches whose arrays
// are not laid out as the contiguous accesses assume) to the scalar entry. Returns null when the
// kernel is not suitable (see analyze.ts) or when most of its varying work would run lane by lane.

import binaryen from "binaryen";
import type { Func } from "../../../ir/ops.js";
import type { ParamSlot, TrapSite } from "../abi.js";
import { P_ARGS, P_END, P_STACK, P_START } from "../fn-ctx.js";
import type { MathLib } from "../mathlib.js";
import { analyzeSimd, findLeaks } from "./analyze.js";
import { GROUP_LABEL, lowerRegionSimd } from "./control.js";
import { allOnes, SimdCtx, V128, zeros } from "./ctx.js";
import { zeroVars } from "../lower-control.js";

export interface SimdEntry { name: string; strides: { param: number; axis: number; bytes: number }[] }

/**
 * The static cost model, per 4 threads in scalar-op units: the scalar entry runs every op 4 times;
 * the SIMD entry runs uniform and vector ops once, lane-by-lane ops at about 8 (4 scalar ops plus
 * extracts and inserts), plus its mask bookkeeping. SIMD must save 30%.
 */
function pays(c: SimdCtx): boolean {
  const scalar = 4 * (c.uniformOps + c.vecOps + c.laneOps);
  const simd = c.uniformOps + c.vecOps + 8 * c.laneOps + c.maskCost;
  const ok = c.vecOps > 0 && simd < 0.7 * scalar;
  explain(c.fn.name, `${ok ? "SIMD" : "scalar"}: cost ${simd} vs ${scalar} scalar (uniform ${c.uniformOps}, vector ${c.vecOps}, lane-by-lane ${c.laneOps}, masks ${c.maskCost})`);
  return ok;
}

/** WEFT_DEBUG_SIMD=1 explains each kernel's choice of entry on stderr. */
function explain(kernel: string, text: string): void {
  if (process.env.WEFT_DEBUG_SIMD === "1") process.stderr.write(`[weft wasm] kernel '${kernel}': ${text}\n`);
}

export function buildSimdEntry(m: binaryen.Module, fn: Func, slots: ParamSlot[], lib: MathLib, scalarName: string, frameBytes: number, sites: TrapSite[], force = false): SimdEntry | null {
  const info = analyzeSimd(fn);
  if (info.reason) { explain(fn.name, `scalar: ${info.reason}`); return null; }
  findLeaks(fn.body, info);
  const nSites = sites.length;
  const c = new SimdCtx(m, fn, slots, lib, info, sites, []);
  const i32 = binaryen.i32, g = (l: number) => m.local.get(l, i32);
  c.tidVec = c.addLocal(V128);
  if (info.anyVarying) c.alive = c.addLocal(V128);
  const body = lowerRegionSimd(c, fn.body, info.anyVarying ? c.alive : null, []);
  if (!force && !pays(c)) { sites.length = nSites; return null; }

  const t = c.tidLocals, nd = t.length, last = nd - 1;
  const scalarCall = (from: number) => m.call(scalarName, [from, g(P_END), g(P_ARGS), g(P_STACK)], binaryen.none);
  // Contiguous accesses assume 4-byte strides on their axis; multi-dimensional groups must not
  // straddle rows (last extent and start multiples of 4). Otherwise the scalar entry runs.
  const checks: number[] = [];
  for (const [p, list] of c.contiguous) {
    const a = c.param(p);
    if (typeof a === "number") continue;
    for (const { axis, bytes } of list) checks.push(m.i32.ne(g(a.strides[axis]), m.i32.const(bytes)));
  }
  const dims = Array.from({ length: nd }, (_, d) => c.dim(d));
  if (nd > 1) checks.push(m.i32.and(m.i32.or(g(dims[last]), g(P_START)), m.i32.const(3)));
  const fallback = checks.length ? checks.reduce((x, y) => m.i32.or(x, y)) : null;
  const flat = c.addLocal(i32);
  // Decompose the start id once (row-major, last fastest); groups then advance t[last] by 4 with carry.
  const decompose: number[] = [];
  if (nd > 1) {
    const q = c.addLocal(i32);
    decompose.push(m.local.set(q, g(P_START)));
    for (let d = last; d > 0; d--) {
      decompose.push(m.local.set(t[d], m.i32.rem_u(g(q), g(dims[d]))), m.local.set(q, m.i32.div_u(g(q), g(dims[d]))));
    }
    decompose.push(m.local.set(t[0], g(q)));
  }
  let carry: number = m.nop();
  for (let k = 1; k < nd; k++) {
    carry = m.if(m.i32.ge_u(g(t[k]), g(dims[k])), m.block(null, [
      m.local.set(t[k], m.i32.const(0)), m.local.set(t[k - 1], m.i32.add(g(t[k - 1]), m.i32.const(1))), carry,
    ]));
  }
  const perGroup: number[] = [
    m.local.set(c.tidVec, m.i32x4.add(m.i32x4.splat(g(t[last])), m.v128.const([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]))),
    ...(frameBytes ? [m.memory.fill(g(P_STACK), m.i32.const(0), m.i32.const(4 * frameBytes))] : []),
    ...(c.alive >= 0 ? [m.local.set(c.alive, allOnes(m))] : []),
    ...zeroVars(c),
    ...[...c.vvars.values()].map((l) => m.local.set(l, zeros(m))),
  ];
  const entry = m.block(null, [
    ...c.prologue,
    ...(fallback !== null ? [m.if(fallback, m.block(null, [scalarCall(g(P_START)), m.return()]))] : []),
    m.local.set(flat, g(P_START)),
    ...(nd === 1 ? [m.local.set(t[0], g(P_START))] : decompose),
    m.block("done", [m.loop("groups", m.block(null, [
      m.br("done", m.i32.gt_s(g(flat), m.i32.sub(g(P_END), m.i32.const(4)))),
      ...perGroup,
      m.block(GROUP_LABEL, body),
      m.local.set(flat, m.i32.add(g(flat), m.i32.const(4))),
      m.local.set(t[last], m.i32.add(g(t[last]), m.i32.const(4))),
      ...(nd > 1 ? [carry] : []),
      m.br("groups"),
    ]))]),
    m.if(m.i32.lt_s(g(flat), g(P_END)), scalarCall(g(flat))),
  ]);
  const name = `${scalarName.replace(/_scalar$/, "")}_simd`;
  m.addFunction(name, binaryen.createType([i32, i32, i32, i32]), binaryen.none, c.localTypes, entry);
  const strides = [...c.contiguous].flatMap(([param, list]) => list.map(({ axis, bytes }) => ({ param, axis, bytes })));
  return { name, strides };
}
