// Atomic read-modify-write on one scalar in the shared memory. Integer add/sub/xchg/cas map to
// wasm atomic RMW instructions; integer min/max and every float operation are compare-and-swap
// loops on the bit pattern, which stay right under contention (a failed CAS retries with the value
// it observed). All of them return the value found in memory before the update.

import binaryen from "binaryen";
import type { ScalarKind } from "../../ir/types.js";
import type { FnCtx } from "./fn-ctx.js";

export type AtomicKind = "add" | "sub" | "min" | "max" | "xchg" | "cas";

/**
 * `addr` is an i32 address expression evaluated once; `off` the constant byte offset; `value` the
 * operand; `cmp` the expected old value for "cas". Returns an expression of kind `s`.
 */
export function atomicRmw(c: FnCtx, kind: AtomicKind, s: ScalarKind, addr: number, off: number, value: number, cmp?: number): number {
  const m = c.m;
  const is64 = s === "i64" || s === "u64" || s === "f64";
  const bitsT = is64 ? binaryen.i64 : binaryen.i32;
  const ns: any = is64 ? m.i64 : m.i32;
  const a = c.addLocal(binaryen.i32);
  const setA = m.local.set(a, addr);
  const A = () => m.local.get(a, binaryen.i32);
  if (s === "bool") throw new Error("wasm backend: atomics on bool are not supported");
  const isF = s === "f32" || s === "f64";

  // Native RMW for integers.
  if (!isF && kind !== "min" && kind !== "max") {
    let e: number;
    switch (kind) {
      case "add": e = ns.atomic.rmw.add(off, A(), value); break;
      case "sub": e = ns.atomic.rmw.sub(off, A(), value); break;
      case "xchg": e = ns.atomic.rmw.xchg(off, A(), value); break;
      case "cas":
        if (cmp === undefined) throw new Error("wasm backend: atomic cas needs a compare operand");
        e = ns.atomic.rmw.cmpxchg(off, A(), cmp, value); break;
    }
    return m.block(null, [setA, e], bitsT);
  }
  const fT = s === "f32" ? binaryen.f32 : binaryen.f64;
  const fns: any = s === "f32" ? m.f32 : m.f64;
  const toBits = (e: number) => (isF ? ns.reinterpret(e) : e);
  const fromBits = (e: number) => (isF ? fns.reinterpret(e) : e);
  const valT = isF ? fT : bitsT;

  // Float xchg / cas: on the bit pattern.
  if (kind === "xchg") return m.block(null, [setA, fromBits(ns.atomic.rmw.xchg(off, A(), toBits(value)))], valT);
  if (kind === "cas") {
    if (cmp === undefined) throw new Error("wasm backend: atomic cas needs a compare operand");
    return m.block(null, [setA, fromBits(ns.atomic.rmw.cmpxchg(off, A(), toBits(cmp), toBits(value)))], valT);
  }

  // CAS loop: old = load; repeat { new = f(old, v); prev = cas(old -> new); if prev == old done; old = prev }.
  const v = c.addLocal(valT), old = c.addLocal(bitsT), nw = c.addLocal(bitsT), prev = c.addLocal(bitsT);
  const V = () => m.local.get(v, valT), OLD = () => m.local.get(old, bitsT), NEW = () => m.local.get(nw, bitsT);
  const oldVal = () => fromBits(OLD());
  let combined: number;
  switch (kind) {
    case "add": combined = fns.add(oldVal(), V()); break;
    case "sub": combined = fns.sub(oldVal(), V()); break;
    case "min": case "max": {
      const lt = isF ? fns.lt : s === "i32" || s === "i64" ? ns.lt_s : ns.lt_u;
      const takeV = kind === "min" ? lt(V(), oldVal()) : lt(oldVal(), V());
      combined = m.select(takeV, V(), oldVal());
      break;
    }
    default: throw new Error(`wasm backend: unknown atomic kind '${kind}'`);
  }
  const retry = c.label("cas"), done = c.label("casdone");
  const loop = m.loop(retry, m.block(null, [
    m.local.set(nw, toBits(combined)),
    // min/max that would not change memory: the load was the linearization point.
    ...(kind === "min" || kind === "max" ? [m.br(done, ns.eq(NEW(), OLD()))] : []),
    m.local.set(prev, ns.atomic.rmw.cmpxchg(off, A(), OLD(), NEW())),
    m.br(done, ns.eq(m.local.get(prev, bitsT), OLD())),
    m.local.set(old, m.local.get(prev, bitsT)),
    m.br(retry),
  ]));
  return m.block(null, [
    setA,
    m.local.set(v, value),
    m.local.set(old, ns.atomic.load(off, A())),
    m.block(done, [loop]),
    oldVal(),
  ], valT);
}
