// The IR's type system. One set of types serves the frontend (checking), the IR, the interpreter and
// both backends, so byte layouts are decided here once: CPU (wasm32) and GPU (CUDA) agree on every
// array element layout, which is what lets a structure built on one path be read on the other.

export type ScalarKind = "bool" | "i32" | "u32" | "i64" | "u64" | "f32" | "f64";

export type Type =
  | { k: "void" }
  | { k: "scalar"; s: ScalarKind }
  | { k: "vec"; n: 2 | 3 | 4; s: ScalarKind }
  | { k: "mat"; r: 2 | 3 | 4; c: 2 | 3 | 4; s: ScalarKind }
  | { k: "quat"; s: ScalarKind }
  | { k: "transform"; s: ScalarKind }
  | { k: "struct"; name: string; fields: StructField[] }
  | { k: "array"; ndim: 1 | 2 | 3 | 4; elem: Type }
  | { k: "fixed"; n: number; elem: Type }
  // A raw device address: the lowered form of an array's data pointer. wasm uses 32 bits, CUDA 64.
  | { k: "ptr" };

export interface StructField { name: string; type: Type }

const scalarCache = new Map<ScalarKind, Type>();
export function scalar(s: ScalarKind): Type {
  let t = scalarCache.get(s);
  if (!t) { t = { k: "scalar", s }; scalarCache.set(s, t); }
  return t;
}
export const VOID: Type = { k: "void" };
export const BOOL = scalar("bool"), I32 = scalar("i32"), U32 = scalar("u32"), I64 = scalar("i64");
export const U64 = scalar("u64"), F32 = scalar("f32"), F64 = scalar("f64");
export const PTR: Type = { k: "ptr" };

export function vec(n: 2 | 3 | 4, s: ScalarKind = "f32"): Type { return { k: "vec", n, s }; }
export function mat(r: 2 | 3 | 4, c: 2 | 3 | 4, s: ScalarKind = "f32"): Type { return { k: "mat", r, c, s }; }
export function quat(s: ScalarKind = "f32"): Type { return { k: "quat", s }; }
export function transform(s: ScalarKind = "f32"): Type { return { k: "transform", s }; }
export function array(elem: Type, ndim: 1 | 2 | 3 | 4 = 1): Type { return { k: "array", ndim, elem }; }
export function fixed(elem: Type, n: number): Type { return { k: "fixed", n, elem }; }

export const isFloat = (s: ScalarKind) => s === "f32" || s === "f64";
export const isSigned = (s: ScalarKind) => s === "i32" || s === "i64";
export const isInt = (s: ScalarKind) => s === "i32" || s === "u32" || s === "i64" || s === "u64";
export const is64 = (s: ScalarKind) => s === "i64" || s === "u64" || s === "f64";
export function scalarBytes(s: ScalarKind): number {
  return s === "bool" ? 1 : is64(s) ? 8 : 4;
}

export function isScalar(t: Type, s?: ScalarKind): boolean { return t.k === "scalar" && (!s || t.s === s); }
export function isNumeric(t: Type): boolean { return t.k === "scalar" && t.s !== "bool"; }
export function isFloatScalar(t: Type): boolean { return t.k === "scalar" && isFloat(t.s); }

/** The scalar that every component of a value type is made of (vec3 -> f32); null if mixed. */
export function componentScalar(t: Type): ScalarKind | null {
  switch (t.k) {
    case "scalar": return t.s;
    case "vec": case "mat": case "quat": case "transform": return t.s;
    default: return null;
  }
}

/** Number of scalar components of a vector-like value (vec3 -> 3, mat33 -> 9, transform -> 7). */
export function componentCount(t: Type): number {
  switch (t.k) {
    case "scalar": return 1;
    case "vec": return t.n;
    case "mat": return t.r * t.c;
    case "quat": return 4;
    case "transform": return 7;
    default: throw new Error(`componentCount of ${typeName(t)}`);
  }
}

export function typeEq(a: Type, b: Type): boolean {
  if (a === b) return true;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case "void": case "ptr": return true;
    case "scalar": return a.s === (b as typeof a).s;
    case "vec": { const o = b as typeof a; return a.n === o.n && a.s === o.s; }
    case "mat": { const o = b as typeof a; return a.r === o.r && a.c === o.c && a.s === o.s; }
    case "quat": case "transform": return a.s === (b as typeof a).s;
    case "struct": return a.name === (b as typeof a).name;
    case "array": { const o = b as typeof a; return a.ndim === o.ndim && typeEq(a.elem, o.elem); }
    case "fixed": { const o = b as typeof a; return a.n === o.n && typeEq(a.elem, o.elem); }
  }
}

const VEC_SUFFIX: Partial<Record<ScalarKind, string>> = { f32: "", f64: "d", i32: "i", u32: "u" };
/** The name a kernel author writes for this type (vec3, vec3d, mat33, Array2D<f32>, ...). */
export function typeName(t: Type): string {
  switch (t.k) {
    case "void": return "void";
    case "ptr": return "ptr";
    case "scalar": return t.s;
    case "vec": return `vec${t.n}${VEC_SUFFIX[t.s] ?? "_" + t.s}`;
    case "mat": return `mat${t.r}${t.c}${VEC_SUFFIX[t.s] ?? "_" + t.s}`;
    case "quat": return `quat${VEC_SUFFIX[t.s] ?? "_" + t.s}`;
    case "transform": return `transform${VEC_SUFFIX[t.s] ?? "_" + t.s}`;
    case "struct": return t.name;
    case "array": return `${t.ndim === 1 ? "Array" : `Array${t.ndim}D`}<${typeName(t.elem)}>`;
    case "fixed": return `StaticArray<${typeName(t.elem)}>(${t.n})`;
  }
}

export interface Layout { size: number; align: number }

/** C-compatible layout, identical in wasm32 and CUDA (vec3 is 12 bytes, align 4, as in Warp). */
export function layoutOf(t: Type): Layout {
  switch (t.k) {
    case "scalar": { const b = scalarBytes(t.s); return { size: b, align: b }; }
    case "vec": case "mat": case "quat": case "transform": {
      const b = scalarBytes(t.s);
      return { size: b * componentCount(t), align: b };
    }
    case "struct": {
      let off = 0, align = 1;
      for (const f of t.fields) {
        const l = layoutOf(f.type);
        off = alignUp(off, l.align);
        off += l.size;
        align = Math.max(align, l.align);
      }
      return { size: alignUp(off, align), align };
    }
    case "fixed": { const l = layoutOf(t.elem); return { size: l.size * t.n, align: l.align }; }
    // Arrays inside structs travel as 64-bit handles to their descriptor; on the stack they are values.
    case "array": return { size: 8, align: 8 };
    case "ptr": return { size: 8, align: 8 };
    case "void": return { size: 0, align: 1 };
  }
}

export function fieldOffsets(t: Extract<Type, { k: "struct" }>): number[] {
  const out: number[] = [];
  let off = 0;
  for (const f of t.fields) {
    const l = layoutOf(f.type);
    off = alignUp(off, l.align);
    out.push(off);
    off += l.size;
  }
  return out;
}

export function alignUp(x: number, a: number): number { return Math.ceil(x / a) * a; }

/** Flattens a value type into its scalar leaves in memory order: [byteOffset, scalar kind][]. */
export function scalarLeaves(t: Type, base = 0, out: [number, ScalarKind][] = []): [number, ScalarKind][] {
  switch (t.k) {
    case "scalar": out.push([base, t.s]); break;
    case "vec": case "mat": case "quat": case "transform": {
      const b = scalarBytes(t.s);
      for (let i = 0; i < componentCount(t); i++) out.push([base + i * b, t.s]);
      break;
    }
    case "struct": {
      const offs = fieldOffsets(t);
      t.fields.forEach((f, i) => scalarLeaves(f.type, base + offs[i], out));
      break;
    }
    case "fixed": {
      const sz = layoutOf(t.elem).size;
      for (let i = 0; i < t.n; i++) scalarLeaves(t.elem, base + i * sz, out);
      break;
    }
    default: throw new Error(`scalarLeaves: ${typeName(t)} has no scalar layout`);
  }
  return out;
}
