// Type annotations of the kernel language -> IR types. Scalars, the vector/matrix/quaternion/
// transform families, user @struct classes, `Array<T>`..`Array4D<T>` and `StaticArray<T>`.

import ts from "typescript";
import {
  ScalarKind, Type, VOID, array, mat, quat, scalar, transform, typeName, vec,
} from "../ir/types.js";
import type { Diagnostics } from "./diagnostics.js";

export type StructType = Extract<Type, { k: "struct" }>;

const SCALARS: ScalarKind[] = ["bool", "i32", "u32", "i64", "u64", "f32", "f64"];
const SUFFIX: Record<string, ScalarKind> = { "": "f32", f: "f32", d: "f64", i: "i32", u: "u32" };

const NAMED = new Map<string, Type>();
for (const s of SCALARS) NAMED.set(s, scalar(s));
for (const [suf, s] of Object.entries(SUFFIX)) {
  for (const n of [2, 3, 4] as const) NAMED.set(`vec${n}${suf}`, vec(n, s));
  if (s === "f32" || s === "f64") {
    for (const n of [2, 3, 4] as const) NAMED.set(`mat${n}${n}${suf}`, mat(n, n, s));
    NAMED.set(`quat${suf}`, quat(s));
    NAMED.set(`transform${suf}`, transform(s));
  }
}

/** A built-in value type by the name a kernel author writes (f32, vec3, mat33d, quat, ...). */
export function builtinValueType(name: string): Type | undefined { return NAMED.get(name); }

export function isScalarName(name: string): name is ScalarKind { return (SCALARS as string[]).includes(name); }

const ARRAY_NDIM: Record<string, 1 | 2 | 3 | 4> = { Array: 1, Array2D: 2, Array3D: 3, Array4D: 4 };
export function arrayNdim(name: string): 1 | 2 | 3 | 4 | undefined { return ARRAY_NDIM[name]; }

const UNSUPPORTED_SCALARS: Record<string, string> = {
  number: "'number' is not a kernel type; use f32, f64 or i32",
  boolean: "'boolean' is not a kernel type; use bool",
  string: "strings are not supported in kernels",
  any: "'any' is not supported in kernels; give a concrete type",
  unknown: "'unknown' is not supported in kernels; give a concrete type",
  object: "'object' is not a kernel type",
  i8: "i8 is not supported as a kernel value type; use i32", u8: "u8 is not supported (the IR has no 8-bit type); pass byte buffers as Array<u32> and read them with load<T>(buf, byteOffset)",
  i16: "i16 is not supported as a kernel value type; use i32", u16: "u16 is not supported as a kernel value type; use u32",
  isize: "isize is not supported; use i32 or i64", usize: "usize is not supported; use u32 or u64",
};

/** Resolves type annotations against the module's structs. */
export class TypeResolver {
  /** `lookup` finds structs the module does not declare (library structs). */
  constructor(readonly diags: Diagnostics, readonly structs: Map<string, StructType>,
    readonly lookup: (name: string, at: ts.Node) => StructType | undefined = () => undefined) {}

  /** Resolves an annotation; `allowVoid` for return types. Reports and throws Bail on error. */
  resolve(node: ts.TypeNode, allowVoid = false): Type {
    switch (node.kind) {
      case ts.SyntaxKind.VoidKeyword:
        if (allowVoid) return VOID;
        return this.diags.fail(node, "'void' is only allowed as a return type");
      case ts.SyntaxKind.NumberKeyword: return this.diags.fail(node, UNSUPPORTED_SCALARS.number);
      case ts.SyntaxKind.BooleanKeyword: return this.diags.fail(node, UNSUPPORTED_SCALARS.boolean);
      case ts.SyntaxKind.StringKeyword: return this.diags.fail(node, UNSUPPORTED_SCALARS.string);
      case ts.SyntaxKind.AnyKeyword: return this.diags.fail(node, UNSUPPORTED_SCALARS.any);
      case ts.SyntaxKind.UnknownKeyword: return this.diags.fail(node, UNSUPPORTED_SCALARS.unknown);
      case ts.SyntaxKind.ObjectKeyword: return this.diags.fail(node, UNSUPPORTED_SCALARS.object);
      case ts.SyntaxKind.ParenthesizedType: return this.resolve((node as ts.ParenthesizedTypeNode).type, allowVoid);
      case ts.SyntaxKind.TypeReference: return this.resolveRef(node as ts.TypeReferenceNode);
      case ts.SyntaxKind.ArrayType:
        return this.diags.fail(node, "'T[]' arrays are not supported in kernels; use Array<T> parameters or StaticArray<T>");
      case ts.SyntaxKind.UnionType:
        return this.diags.fail(node, "union types are not supported in kernels");
      case ts.SyntaxKind.FunctionType:
        return this.diags.fail(node, "function types are not supported in kernels (no closures or function values)");
      default:
        return this.diags.fail(node, `unsupported type '${node.getText()}'`);
    }
  }

  private resolveRef(node: ts.TypeReferenceNode): Type {
    if (!ts.isIdentifier(node.typeName)) return this.diags.fail(node, `unsupported type '${node.getText()}'`);
    const name = node.typeName.text;
    const targs = node.typeArguments ?? [];
    const nd = arrayNdim(name);
    if (nd) {
      if (targs.length !== 1) return this.diags.fail(node, `${name} takes one element type, e.g. ${name}<f32>`);
      return array(this.elementType(targs[0]), nd);
    }
    if (name === "StaticArray") {
      // The size is given by the initializer (new StaticArray<T>(N)); n = 0 marks "any size".
      if (targs.length !== 1) return this.diags.fail(node, "StaticArray takes one element type, e.g. StaticArray<i32>");
      return { k: "fixed", n: 0, elem: this.elementType(targs[0]) };
    }
    if (targs.length) return this.diags.fail(node, `type '${name}' takes no type arguments`);
    const t = builtinValueType(name) ?? this.structs.get(name) ?? this.lookup(name, node.typeName);
    if (t) return t;
    if (UNSUPPORTED_SCALARS[name]) return this.diags.fail(node, UNSUPPORTED_SCALARS[name]);
    return this.diags.fail(node.typeName, `unknown type '${name}'`);
  }

  /** Element types of arrays and fixed arrays: value types whose byte layout is defined. */
  elementType(node: ts.TypeNode): Type {
    const t = this.resolve(node);
    if (t.k === "array" || t.k === "fixed")
      return this.diags.fail(node, `${typeName(t)} cannot be an element type; only value types can`);
    if (containsArray(t)) return this.diags.fail(node, arrayFieldElementMessage(t));
    return t;
  }

  /** Struct field types: value types, and arrays (a struct may hold arrays, as in Warp). */
  fieldType(node: ts.TypeNode): Type {
    const t = this.resolve(node);
    if (t.k === "fixed") return this.diags.fail(node, `${typeName(t)} cannot be a struct field; only value types and arrays can`);
    return t;
  }
}

/** Whether a value holds arrays (a struct with array fields, directly or in nested structs). */
export function containsArray(t: Type, seen = new Set<string>()): boolean {
  if (t.k === "array") return true;
  if (t.k !== "struct" || seen.has(t.name)) return false;
  seen.add(t.name);
  return t.fields.some((f) => containsArray(f.type, seen));
}

/** Why a struct with array fields cannot be stored in memory (array elements, StaticArrays). */
export function arrayFieldElementMessage(t: Type): string {
  return `struct ${typeName(t)} has array fields, so it cannot be an array element (its byte layout is undefined); pass it as a parameter or keep it in a local`;
}

/** A value type (storable in a variable, passed by value). */
export function isValueType(t: Type): boolean {
  return t.k === "scalar" || t.k === "vec" || t.k === "mat" || t.k === "quat" || t.k === "transform" || t.k === "struct";
}

/** Unique, identifier-safe spelling of a type for mangled @func names (vec3, Array2D_f32, ...). */
export function mangleType(t: Type): string {
  return typeName(t).replace(/[^A-Za-z0-9]+/g, "_").replace(/_+$/, "");
}
