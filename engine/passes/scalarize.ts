// Splits every vector, matrix, quaternion, transform and struct value into its leaves (in memory
// order, see `scalarLeaves`), so backends see scalars and arrays only: composite variables become
// one variable per leaf, composite loads and stores one access per leaf at its byte offset, and
// composite kernel parameters one flat parameter per leaf. A struct may hold arrays (a mesh's points
// and indices): its array fields are leaves too, so they become array values, variables and
// parameters. `fn.abi` records how the user-visible parameters map onto the flat ones, for the
// runtime's argument packing.

import { Builder } from "../ir/builder.js";
import { Func, Inst, Var, walk } from "../ir/ops.js";
import {
  I32, Type, componentCount, fieldOffsets, scalar, scalarLeaves, typeName,
} from "../ir/types.js";
import { substitute } from "./clone.js";
import { newMark } from "./inline.js";
import { parsePrintf } from "../runtime/printf.js";

export interface AbiEntry {
  /** Which source parameter. */
  src: number;
  /** Byte offset of a scalar leaf inside the source value (its encoding, `encodeValue`). */
  off: number;
  /**
   * For an array leaf of a struct parameter: the field names leading to it from the parameter
   * (`["points"]`, `["bvh", "nodes"]`). The runtime passes that field's array.
   */
  path?: string[];
}

export interface KernelAbi {
  /** The parameters as the kernel author declared them. */
  source: { name: string; type: Type }[];
  /** For each flat parameter: which source parameter, and where the leaf is inside it. */
  flat: AbiEntry[];
}

declare module "../ir/ops.js" {
  interface Func { abi?: KernelAbi }
}

const isComposite = (t: Type) => t.k === "vec" || t.k === "mat" || t.k === "quat" || t.k === "transform" || t.k === "struct";

/** One leaf of a value: a scalar (at its byte offset) or an array field (by its field path). */
export interface ValueLeaf { type: Type; off: number; path: string[] }

/**
 * The leaves of a value type in field order: scalars with their byte offsets (as `scalarLeaves`),
 * and the arrays that structs hold. Memory layouts (`layoutOf`, `scalarLeaves`) are unchanged:
 * a struct with arrays has no memory layout, only these leaves.
 */
export function valueLeaves(t: Type, base = 0, path: string[] = [], out: ValueLeaf[] = []): ValueLeaf[] {
  if (t.k === "array") out.push({ type: t, off: base, path });
  else if (t.k === "struct") {
    const offs = fieldOffsets(t);
    t.fields.forEach((f, i) => valueLeaves(f.type, base + offs[i], [...path, f.name], out));
  } else for (const [off, s] of scalarLeaves(t)) out.push({ type: scalar(s), off: base + off, path });
  return out;
}

function leafTypes(t: Type): Type[] {
  return valueLeaves(t).map((l) => l.type);
}

/** Leaf index range of field/component `index` of an aggregate, for a part of type `part`. */
function leafRange(agg: Type, index: number, part: Type): [number, number] {
  const n = leafCountOf(part);
  if (agg.k === "struct") {
    let start = 0;
    for (let k = 0; k < index; k++) start += leafCountOf(agg.fields[k].type);
    return [start, start + n];
  }
  return [index, index + n];
}
const leafCountOf = (t: Type) => (isComposite(t) ? valueLeaves(t).length : 1);

export function scalarize(fn: Func): void {
  const leaves = new Map<Inst, Inst[]>();
  const subst = new Map<Inst, Inst>();
  const leafVars = new Map<Var, Var[]>();
  const b = new Builder(fn, []);

  // Flat parameters.
  const source = fn.params;
  const flatParams: { name: string; type: Type }[] = [];
  const flat: KernelAbi["flat"] = [];
  const firstFlat: number[] = [];
  source.forEach((p, k) => {
    firstFlat.push(flatParams.length);
    if (isComposite(p.type)) {
      valueLeaves(p.type).forEach((l, j) => {
        if (l.type.k === "array") {
          flatParams.push({ name: [p.name, ...l.path].join("_"), type: l.type });
          flat.push({ src: k, off: 0, path: l.path });
        } else {
          flatParams.push({ name: `${p.name}_${j}`, type: l.type });
          flat.push({ src: k, off: l.off });
        }
      });
    } else {
      flatParams.push(p);
      flat.push({ src: k, off: 0 });
    }
  });
  fn.params = flatParams;
  if (fn.kind === "kernel") fn.abi = { source, flat };

  // Variables.
  const oldVars = fn.vars;
  fn.vars = [];
  for (const v of oldVars) {
    const t = v.type;
    if (isComposite(t)) {
      leafVars.set(v, leafTypes(t).map((lt, j) => ({ id: fn.nextId++, name: `${v.name}_${j}`, type: lt })));
      fn.vars.push(...leafVars.get(v)!);
    } else if (t.k === "fixed" && isComposite(t.elem)) {
      const n = t.n;
      leafVars.set(v, leafTypes(t.elem).map((lt, j) => ({ id: fn.nextId++, name: `${v.name}_${j}`, type: { k: "fixed", n, elem: lt } as Type })));
      fn.vars.push(...leafVars.get(v)!);
    } else fn.vars.push(v);
  }

  const L = (a: Inst): Inst[] => {
    const r = leaves.get(a);
    if (!r) throw new Error(`scalarize: no leaves for %${a.id} ${a.op} : ${typeName(a.type)}`);
    return r;
  };
  const S = (a: Inst): Inst => { let r = a; while (subst.has(r)) r = subst.get(r)!; return r; };

  const visit = (body: Inst[]): Inst[] => {
    const out: Inst[] = [];
    return b.into(out, () => {
      for (const i of body) {
        i.args = i.args.map(S);
        b.loc = i.loc;
        const composite = isComposite(i.type);
        const keep = () => { if (i.regions) i.regions = i.regions.map(visit); out.push(i); };
        switch (i.op) {
          case "param": {
            const p = source[i.attrs.index];
            if (isComposite(p.type)) {
              leaves.set(i, valueLeaves(p.type).map((_, j) => b.inst("param", [], flatParams[firstFlat[i.attrs.index] + j].type, { index: firstFlat[i.attrs.index] + j })));
            } else { i.attrs.index = firstFlat[i.attrs.index]; out.push(i); }
            break;
          }
          case "construct": leaves.set(i, i.args.flatMap((a) => (isComposite(a.type) ? L(a) : [a]))); break;
          case "extract": {
            const src = L(i.args[0]);
            const [lo, hi] = leafRange(i.args[0].type, i.attrs.index, i.type);
            if (composite) leaves.set(i, src.slice(lo, hi)); else subst.set(i, src[lo]);
            break;
          }
          case "insert": {
            const src = [...L(i.args[0])];
            const part = i.args[1];
            const [lo, hi] = leafRange(i.args[0].type, i.attrs.index, part.type);
            const parts = isComposite(part.type) ? L(part) : [part];
            for (let k = lo; k < hi; k++) src[k] = parts[k - lo];
            leaves.set(i, src);
            break;
          }
          case "extractd": {
            const aggT = i.args[0].type, src = L(i.args[0]), k = i.args[1];
            const rowLen = aggT.k === "mat" ? aggT.c : 1;
            const rows = aggT.k === "mat" ? aggT.r : componentCount(aggT);
            const pick = (c: number) => {
              let acc = src[(rows - 1) * rowLen + c];
              for (let r = rows - 2; r >= 0; r--) acc = b.select(b.call("eq", k, b.i32(r)), src[r * rowLen + c], acc);
              return acc;
            };
            if (composite) leaves.set(i, Array.from({ length: rowLen }, (_, c) => pick(c)));
            else subst.set(i, pick(0));
            break;
          }
          case "convert":
            if (composite) {
              const to = leafTypes(i.type);
              leaves.set(i, L(i.args[0]).map((x, j) => (x.type.k === "scalar" && to[j].k === "scalar" && x.type.s === to[j].s ? x : b.convert(x, to[j]))));
            } else out.push(i);
            break;
          case "select":
            if (composite) { const [c, x, y] = i.args; leaves.set(i, L(x).map((xl, j) => b.select(c, xl, L(y)[j]))); } else out.push(i);
            break;
          case "get": {
            const lv = leafVars.get(i.attrs.var);
            if (lv) leaves.set(i, lv.map((v, j) => markLeaf(i, b.get(v), j))); else out.push(i);
            break;
          }
          case "set": {
            const lv = leafVars.get(i.attrs.var);
            if (lv) { const parts = L(i.args[0]); lv.forEach((v, j) => markLeaf(i, b.set(v, parts[j]), j)); } else out.push(i);
            break;
          }
          case "fget": {
            const lv = leafVars.get(i.attrs.var);
            if (lv) leaves.set(i, lv.map((v) => b.fget(v, i.args[0], (v.type as any).elem))); else out.push(i);
            break;
          }
          case "fset": {
            const lv = leafVars.get(i.attrs.var);
            if (lv) { const parts = isComposite(i.args[1].type) ? L(i.args[1]) : [i.args[1]]; lv.forEach((v, j) => b.fset(v, i.args[0], parts[j])); } else out.push(i);
            break;
          }
          case "aload": {
            if (!composite) { out.push(i); break; }
            const [arr, ...idx] = i.args;
            leaves.set(i, scalarLeaves(i.type).map(([off, s]) => b.aload(arr, idx, scalar(s), i.attrs.off + off, i.attrs.grad)));
            break;
          }
          case "araw": {
            if (!composite) { out.push(i); break; }
            // One raw read per leaf, at the byte offset plus the leaf's offset inside the value.
            const [arr, off] = i.args;
            leaves.set(i, scalarLeaves(i.type).map(([lo, s]) => b.araw(arr, lo ? b.call("add", off, b.i32(lo)) : off, scalar(s))));
            break;
          }
          case "astore": {
            const val = i.args[i.args.length - 1];
            if (!isComposite(val.type)) { out.push(i); break; }
            const arr = i.args[0], idx = i.args.slice(1, -1), parts = L(val);
            scalarLeaves(val.type).forEach(([off], j) => b.astore(arr, idx, parts[j], i.attrs.off + off, i.attrs.grad));
            break;
          }
          case "print": {
            // A composite value prints as "(x, y, z)", each leaf with the placeholder's spec. The
            // format is rebuilt from its parts (engine/runtime/printf.ts), so every conversion C
            // knows keeps its value.
            let k = 0, fmt = "";
            const args: Inst[] = [];
            for (const p of parsePrintf(String(i.attrs.fmt))) {
              if (typeof p === "string") { fmt += p.replace(/%/g, "%%"); continue; }
              const a = i.args[k++];
              if (!a || !isComposite(a.type)) { if (a) args.push(a); fmt += p.text; continue; }
              const ls = L(a);
              args.push(...ls);
              fmt += "(" + ls.map(() => p.text).join(", ") + ")";
            }
            i.args = args;
            i.attrs = { ...i.attrs, fmt };
            out.push(i);
            break;
          }
          default:
            if (composite) throw new Error(`scalarize: unexpected composite ${i.op} : ${typeName(i.type)}`);
            keep();
        }
      }
      return out;
    });
  };
  fn.body = visit(fn.body);
  substitute(fn.body, subst);
  forwardArrayVars(fn);
}

/** Custom-gradient markers (passes/inline.ts) go onto each leaf access, with the leaf's index. */
function markLeaf(from: Inst, leaf: Inst, j: number): Inst {
  if (from.attrs.customGrad) leaf.attrs.customGrad = newMark({ ...from.attrs.customGrad, leaf: j });
  return leaf;
}

/**
 * Array variables that only ever hold one parameter (a struct parameter copied to a local, an
 * assigned @func parameter, `let a = arr`) are replaced by that parameter: backends get fewer
 * locals, and autodiff never has to save an array value when it replays a loop.
 */
function forwardArrayVars(fn: Func): void {
  const top = new Set(fn.body);
  for (let changed = true; changed;) {
    changed = false;
    const stored = new Map<Var, Set<Inst>>();
    walk(fn.body, (i) => {
      if (i.op === "set" && i.attrs.var.type.k === "array") {
        const s = stored.get(i.attrs.var) ?? new Set<Inst>();
        // Storing the variable's own value back (a struct updated field by field) changes nothing.
        if (!(i.args[0].op === "get" && i.args[0].attrs.var === i.attrs.var)) s.add(i.args[0]);
        stored.set(i.attrs.var, s);
      }
    });
    const fwd = new Map<Var, Inst>();
    for (const [v, vals] of stored) {
      const [only] = vals;
      // A parameter is defined at the top of the body, before any use of the variable.
      if (vals.size === 1 && only.op === "param" && top.has(only)) fwd.set(v, only);
    }
    if (!fwd.size) return;
    const subst = new Map<Inst, Inst>();
    const strip = (body: Inst[]): Inst[] => body.filter((i) => {
      if (i.regions) i.regions = i.regions.map(strip);
      if ((i.op === "set" || i.op === "get") && fwd.has(i.attrs.var)) {
        if (i.op === "get") subst.set(i, fwd.get(i.attrs.var)!);
        return false;
      }
      return true;
    });
    fn.body = strip(fn.body);
    substitute(fn.body, subst);
    fn.vars = fn.vars.filter((v) => !fwd.has(v));
    changed = true;
  }
}

export { I32, fieldOffsets };
