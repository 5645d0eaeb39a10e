// Declarations of the weft kernel language for AssemblyScript (`asc`) and editors: kernel modules
// import from "weft/kernels", which is this file (package.json "exports": "./kernels").
//
// It declares the vector, matrix, quaternion and transform types with their operators (generic
// classes Vec3<T>, Mat33<T>, Quat<T>, Transform<T> behind the names vec3, vec3d, mat33, quat, ...),
// the arrays, tid(), atomics, print, raw loads and every builtin of engine/builtins (see
// docs/builtins.md; test/builtins-kernels-as.test.ts checks that none is missing).
//
// The weft frontend (engine/lang) is the authority on the language. These declarations let asc
// type-check the AssemblyScript-expressible part of a kernel: `npm run typecheck:kernels -- --asc FILE`
// (engine/tools/check-kernels.ts) compiles the file against them; asc accepts weft's decorators
// (@kernel, @func, @struct, @constant, @inline), since it ignores decorators it does not know.
// AssemblyScript cannot express everything weft accepts, so asc rejects some valid weft code:
//   - one overload per operator and class: `v * s`, `v / s` scale (write `cwiseMul(a, b)` for the
//     componentwise product and `s * v` as `v * s`); `m * v` is the matrix-vector product (write
//     `mul(a, b)` for matrix-matrix, vector-matrix and matrix-scalar products); `q * r` is the
//     Hamilton product;
//   - no tuples: `const [i, j] = tid()` (check-kernels rewrites it for asc);
//   - no function overloading (weft @func overloads) and no variadic functions (print takes up to 8
//     values); constructors take scalars (`matrixFromRows(r0, r1, r2)` for rows, no `vec3d(v)`);
//   - Array2D..4D are indexed `g[i, j]` (a comma expression for asc), not `g[i][j]`;
//   - generic builtins are typed loosely where AssemblyScript cannot infer through a class type
//     (valueof<V> names a vector's component type);
//   - @struct fields have no initializers (weft zero-initializes them): check-kernels ignores
//     asc's TS2564 for them.
//
// Bodies are placeholders: weft compiles kernels itself, nothing here is ever executed.

/* eslint-disable */
// @ts-nocheck  (AssemblyScript: decorators on members, valueof<T>, unreachable())

@final @unmanaged export class Vec2<T> {
  x: T; y: T;
  @operator("+") add(b: Vec2<T>): Vec2<T> { return this; }
  @operator("-") sub(b: Vec2<T>): Vec2<T> { return this; }
  @operator("*") scale(s: T): Vec2<T> { return this; }
  @operator("/") divide(s: T): Vec2<T> { return this; }
  @operator.prefix("-") neg(): Vec2<T> { return this; }
  @operator.prefix("+") pos(): Vec2<T> { return this; }
  @operator("[]") get(i: i32): T { return this.x; }
  @operator("[]=") set(i: i32, v: T): void {}
  get yx(): Vec2<T> { return unreachable(); }
}
@final @unmanaged export class Vec3<T> {
  x: T; y: T; z: T;
  @operator("+") add(b: Vec3<T>): Vec3<T> { return this; }
  @operator("-") sub(b: Vec3<T>): Vec3<T> { return this; }
  @operator("*") scale(s: T): Vec3<T> { return this; }
  @operator("/") divide(s: T): Vec3<T> { return this; }
  @operator.prefix("-") neg(): Vec3<T> { return this; }
  @operator.prefix("+") pos(): Vec3<T> { return this; }
  @operator("[]") get(i: i32): T { return this.x; }
  @operator("[]=") set(i: i32, v: T): void {}
  get xy(): Vec2<T> { return unreachable(); } get xz(): Vec2<T> { return unreachable(); } get yx(): Vec2<T> { return unreachable(); }
  get yz(): Vec2<T> { return unreachable(); } get zx(): Vec2<T> { return unreachable(); } get zy(): Vec2<T> { return unreachable(); }
  get xzy(): Vec3<T> { return unreachable(); } get yxz(): Vec3<T> { return unreachable(); } get yzx(): Vec3<T> { return unreachable(); }
  get zxy(): Vec3<T> { return unreachable(); } get zyx(): Vec3<T> { return unreachable(); }
}
@final @unmanaged export class Vec4<T> {
  x: T; y: T; z: T; w: T;
  @operator("+") add(b: Vec4<T>): Vec4<T> { return this; }
  @operator("-") sub(b: Vec4<T>): Vec4<T> { return this; }
  @operator("*") scale(s: T): Vec4<T> { return this; }
  @operator("/") divide(s: T): Vec4<T> { return this; }
  @operator.prefix("-") neg(): Vec4<T> { return this; }
  @operator.prefix("+") pos(): Vec4<T> { return this; }
  @operator("[]") get(i: i32): T { return this.x; }
  @operator("[]=") set(i: i32, v: T): void {}
  get xy(): Vec2<T> { return unreachable(); } get xz(): Vec2<T> { return unreachable(); } get xw(): Vec2<T> { return unreachable(); }
  get yx(): Vec2<T> { return unreachable(); } get yz(): Vec2<T> { return unreachable(); } get yw(): Vec2<T> { return unreachable(); }
  get zx(): Vec2<T> { return unreachable(); } get zy(): Vec2<T> { return unreachable(); } get zw(): Vec2<T> { return unreachable(); }
  get wx(): Vec2<T> { return unreachable(); } get wy(): Vec2<T> { return unreachable(); } get wz(): Vec2<T> { return unreachable(); }
  get xyz(): Vec3<T> { return unreachable(); } get xyw(): Vec3<T> { return unreachable(); } get xzy(): Vec3<T> { return unreachable(); }
  get xzw(): Vec3<T> { return unreachable(); } get xwy(): Vec3<T> { return unreachable(); } get xwz(): Vec3<T> { return unreachable(); }
  get yxz(): Vec3<T> { return unreachable(); } get yxw(): Vec3<T> { return unreachable(); } get yzx(): Vec3<T> { return unreachable(); }
  get yzw(): Vec3<T> { return unreachable(); } get ywx(): Vec3<T> { return unreachable(); } get ywz(): Vec3<T> { return unreachable(); }
  get zxy(): Vec3<T> { return unreachable(); } get zxw(): Vec3<T> { return unreachable(); } get zyx(): Vec3<T> { return unreachable(); }
  get zyw(): Vec3<T> { return unreachable(); } get zwx(): Vec3<T> { return unreachable(); } get zwy(): Vec3<T> { return unreachable(); }
  get wxy(): Vec3<T> { return unreachable(); } get wxz(): Vec3<T> { return unreachable(); } get wyx(): Vec3<T> { return unreachable(); }
  get wyz(): Vec3<T> { return unreachable(); } get wzx(): Vec3<T> { return unreachable(); } get wzy(): Vec3<T> { return unreachable(); }
}

@final @unmanaged export class Mat22<T> {
  @operator("+") add(b: Mat22<T>): Mat22<T> { return this; }
  @operator("-") sub(b: Mat22<T>): Mat22<T> { return this; }
  /** The matrix-vector product (use mul(a, b) for matrix-matrix, vector-matrix and scaling). */
  @operator("*") apply(v: Vec2<T>): Vec2<T> { return v; }
  @operator.prefix("-") neg(): Mat22<T> { return this; }
  /** Row i (m[i][j] is row i, column j). */
  @operator("[]") get(i: i32): Vec2<T> { return unreachable(); }
  @operator("[]=") set(i: i32, row: Vec2<T>): void {}
}
@final @unmanaged export class Mat33<T> {
  @operator("+") add(b: Mat33<T>): Mat33<T> { return this; }
  @operator("-") sub(b: Mat33<T>): Mat33<T> { return this; }
  /** The matrix-vector product (use mul(a, b) for matrix-matrix, vector-matrix and scaling). */
  @operator("*") apply(v: Vec3<T>): Vec3<T> { return v; }
  @operator.prefix("-") neg(): Mat33<T> { return this; }
  /** Row i (m[i][j] is row i, column j). */
  @operator("[]") get(i: i32): Vec3<T> { return unreachable(); }
  @operator("[]=") set(i: i32, row: Vec3<T>): void {}
}
@final @unmanaged export class Mat44<T> {
  @operator("+") add(b: Mat44<T>): Mat44<T> { return this; }
  @operator("-") sub(b: Mat44<T>): Mat44<T> { return this; }
  /** The matrix-vector product (use mul(a, b) for matrix-matrix, vector-matrix and scaling). */
  @operator("*") apply(v: Vec4<T>): Vec4<T> { return v; }
  @operator.prefix("-") neg(): Mat44<T> { return this; }
  /** Row i (m[i][j] is row i, column j). */
  @operator("[]") get(i: i32): Vec4<T> { return unreachable(); }
  @operator("[]=") set(i: i32, row: Vec4<T>): void {}
}

@final @unmanaged export class Quat<T> {
  x: T; y: T; z: T; w: T;
  @operator("+") add(b: Quat<T>): Quat<T> { return this; }
  @operator("-") sub(b: Quat<T>): Quat<T> { return this; }
  /** The Hamilton product. */
  @operator("*") mul(b: Quat<T>): Quat<T> { return this; }
  @operator.prefix("-") neg(): Quat<T> { return this; }
  @operator("[]") get(i: i32): T { return this.x; }
  @operator("[]=") set(i: i32, v: T): void {}
}

@final @unmanaged export class Transform<T> {
  p: Vec3<T>;
  q: Quat<T>;
  constructor() { this.p = unreachable(); this.q = unreachable(); }
  /** (asc only: lets valueof<transform> name the scalar type) */
  @operator("[]") get(i: i32): T { return unreachable(); }
}

// --- type names and constructors ----------------------------------------------------------------
// vecN(), vecN(s) (broadcast), vecN(x, y, ...); matNN() (zeros), matNN(a00, a01, ...) (row-major).
export type vec2 = Vec2<f32>;
export function vec2(x: f32 = 0, y: f32 = x): Vec2<f32> { return unreachable(); }
export type vec3 = Vec3<f32>;
export function vec3(x: f32 = 0, y: f32 = x, z: f32 = x): Vec3<f32> { return unreachable(); }
export type vec4 = Vec4<f32>;
export function vec4(x: f32 = 0, y: f32 = x, z: f32 = x, w: f32 = x): Vec4<f32> { return unreachable(); }
export type vec2f = Vec2<f32>;
export function vec2f(x: f32 = 0, y: f32 = x): Vec2<f32> { return unreachable(); }
export type vec3f = Vec3<f32>;
export function vec3f(x: f32 = 0, y: f32 = x, z: f32 = x): Vec3<f32> { return unreachable(); }
export type vec4f = Vec4<f32>;
export function vec4f(x: f32 = 0, y: f32 = x, z: f32 = x, w: f32 = x): Vec4<f32> { return unreachable(); }
export type vec2d = Vec2<f64>;
export function vec2d(x: f64 = 0, y: f64 = x): Vec2<f64> { return unreachable(); }
export type vec3d = Vec3<f64>;
export function vec3d(x: f64 = 0, y: f64 = x, z: f64 = x): Vec3<f64> { return unreachable(); }
export type vec4d = Vec4<f64>;
export function vec4d(x: f64 = 0, y: f64 = x, z: f64 = x, w: f64 = x): Vec4<f64> { return unreachable(); }
export type vec2i = Vec2<i32>;
export function vec2i(x: i32 = 0, y: i32 = x): Vec2<i32> { return unreachable(); }
export type vec3i = Vec3<i32>;
export function vec3i(x: i32 = 0, y: i32 = x, z: i32 = x): Vec3<i32> { return unreachable(); }
export type vec4i = Vec4<i32>;
export function vec4i(x: i32 = 0, y: i32 = x, z: i32 = x, w: i32 = x): Vec4<i32> { return unreachable(); }
export type vec2u = Vec2<u32>;
export function vec2u(x: u32 = 0, y: u32 = x): Vec2<u32> { return unreachable(); }
export type vec3u = Vec3<u32>;
export function vec3u(x: u32 = 0, y: u32 = x, z: u32 = x): Vec3<u32> { return unreachable(); }
export type vec4u = Vec4<u32>;
export function vec4u(x: u32 = 0, y: u32 = x, z: u32 = x, w: u32 = x): Vec4<u32> { return unreachable(); }
export type mat22 = Mat22<f32>;
export function mat22(a00: f32 = 0, a01: f32 = 0, a10: f32 = 0, a11: f32 = 0): Mat22<f32> { return unreachable(); }
export type mat33 = Mat33<f32>;
export function mat33(a00: f32 = 0, a01: f32 = 0, a02: f32 = 0, a10: f32 = 0, a11: f32 = 0, a12: f32 = 0, a20: f32 = 0, a21: f32 = 0, a22: f32 = 0): Mat33<f32> { return unreachable(); }
export type mat44 = Mat44<f32>;
export function mat44(a00: f32 = 0, a01: f32 = 0, a02: f32 = 0, a03: f32 = 0, a10: f32 = 0, a11: f32 = 0, a12: f32 = 0, a13: f32 = 0, a20: f32 = 0, a21: f32 = 0, a22: f32 = 0, a23: f32 = 0, a30: f32 = 0, a31: f32 = 0, a32: f32 = 0, a33: f32 = 0): Mat44<f32> { return unreachable(); }
export type quat = Quat<f32>;
export function quat(x: f32 = 0, y: f32 = 0, z: f32 = 0, w: f32 = 0): Quat<f32> { return unreachable(); }
export type transform = Transform<f32>;
export function transform(p: Vec3<f32> = unreachable(), q: Quat<f32> = unreachable()): Transform<f32> { return unreachable(); }
export type mat22f = Mat22<f32>;
export function mat22f(a00: f32 = 0, a01: f32 = 0, a10: f32 = 0, a11: f32 = 0): Mat22<f32> { return unreachable(); }
export type mat33f = Mat33<f32>;
export function mat33f(a00: f32 = 0, a01: f32 = 0, a02: f32 = 0, a10: f32 = 0, a11: f32 = 0, a12: f32 = 0, a20: f32 = 0, a21: f32 = 0, a22: f32 = 0): Mat33<f32> { return unreachable(); }
export type mat44f = Mat44<f32>;
export function mat44f(a00: f32 = 0, a01: f32 = 0, a02: f32 = 0, a03: f32 = 0, a10: f32 = 0, a11: f32 = 0, a12: f32 = 0, a13: f32 = 0, a20: f32 = 0, a21: f32 = 0, a22: f32 = 0, a23: f32 = 0, a30: f32 = 0, a31: f32 = 0, a32: f32 = 0, a33: f32 = 0): Mat44<f32> { return unreachable(); }
export type quatf = Quat<f32>;
export function quatf(x: f32 = 0, y: f32 = 0, z: f32 = 0, w: f32 = 0): Quat<f32> { return unreachable(); }
export type transformf = Transform<f32>;
export function transformf(p: Vec3<f32> = unreachable(), q: Quat<f32> = unreachable()): Transform<f32> { return unreachable(); }
export type mat22d = Mat22<f64>;
export function mat22d(a00: f64 = 0, a01: f64 = 0, a10: f64 = 0, a11: f64 = 0): Mat22<f64> { return unreachable(); }
export type mat33d = Mat33<f64>;
export function mat33d(a00: f64 = 0, a01: f64 = 0, a02: f64 = 0, a10: f64 = 0, a11: f64 = 0, a12: f64 = 0, a20: f64 = 0, a21: f64 = 0, a22: f64 = 0): Mat33<f64> { return unreachable(); }
export type mat44d = Mat44<f64>;
export function mat44d(a00: f64 = 0, a01: f64 = 0, a02: f64 = 0, a03: f64 = 0, a10: f64 = 0, a11: f64 = 0, a12: f64 = 0, a13: f64 = 0, a20: f64 = 0, a21: f64 = 0, a22: f64 = 0, a23: f64 = 0, a30: f64 = 0, a31: f64 = 0, a32: f64 = 0, a33: f64 = 0): Mat44<f64> { return unreachable(); }
export type quatd = Quat<f64>;
export function quatd(x: f64 = 0, y: f64 = 0, z: f64 = 0, w: f64 = 0): Quat<f64> { return unreachable(); }
export type transformd = Transform<f64>;
export function transformd(p: Vec3<f64> = unreachable(), q: Quat<f64> = unreachable()): Transform<f64> { return unreachable(); }

// --- arrays ------------------------------------------------------------------------------------------
// Kernel parameters. `a[i]`; `g[i, j]` for Array2D..4D; `a.length` (1-D), `a.shape[d]`.

@final @unmanaged export class Shape {
  @operator("[]") get(d: i32): i32 { return 0; }
}
@final @unmanaged export class Array<T> {
  readonly length: i32;
  readonly shape: Shape;
  constructor() { this.length = 0; this.shape = unreachable(); }
  @operator("[]") get(i: i32): T { return unreachable(); }
  @operator("[]=") set(i: i32, v: T): void {}
}
@final @unmanaged export class Array2D<T> {
  readonly shape: Shape;
  constructor() { this.shape = unreachable(); }
  /** `g[i, j]`: the comma expression's last index stands for all of them in asc. */
  @operator("[]") get(ij: i32): T { return unreachable(); }
  @operator("[]=") set(ij: i32, v: T): void {}
}
@final @unmanaged export class Array3D<T> {
  readonly shape: Shape;
  constructor() { this.shape = unreachable(); }
  @operator("[]") get(ijk: i32): T { return unreachable(); }
  @operator("[]=") set(ijk: i32, v: T): void {}
}
@final @unmanaged export class Array4D<T> {
  readonly shape: Shape;
  constructor() { this.shape = unreachable(); }
  @operator("[]") get(ijkl: i32): T { return unreachable(); }
  @operator("[]=") set(ijkl: i32, v: T): void {}
}

// --- special forms -------------------------------------------------------------------------------------

/** The thread index of a 1-D launch (`const [i, j] = tid()` for 2-D launches is weft-only). */
export function tid(): i32 { return 0; }

/** Atomic read-modify-write of an array element; returns the old value. `atomicAdd(a, i, v)`, `atomicAdd(g, i, j, v)`. */
export function atomicAdd<A, X, Y = i32, Z = i32, W = i32>(arr: A, i: i32, x: X, y: Y = <Y>0, z: Z = <Z>0, w: W = <W>0): valueof<A> { return unreachable(); }
export function atomicSub<A, X, Y = i32, Z = i32, W = i32>(arr: A, i: i32, x: X, y: Y = <Y>0, z: Z = <Z>0, w: W = <W>0): valueof<A> { return unreachable(); }
export function atomicMin<A, X, Y = i32, Z = i32, W = i32>(arr: A, i: i32, x: X, y: Y = <Y>0, z: Z = <Z>0, w: W = <W>0): valueof<A> { return unreachable(); }
export function atomicMax<A, X, Y = i32, Z = i32, W = i32>(arr: A, i: i32, x: X, y: Y = <Y>0, z: Z = <Z>0, w: W = <W>0): valueof<A> { return unreachable(); }
export function atomicExch<A, X, Y = i32, Z = i32, W = i32>(arr: A, i: i32, x: X, y: Y = <Y>0, z: Z = <Z>0, w: W = <W>0): valueof<A> { return unreachable(); }
/** `atomicCAS(arr, i..., expected, desired)`. */
export function atomicCAS<A, X, Y = i32, Z = i32, W = i32>(arr: A, i: i32, x: X, y: Y = <Y>0, z: Z = <Z>0, w: W = <W>0): valueof<A> { return unreachable(); }

/** printf-style debug print of up to 8 scalars. */
export function print<A = i32, B = i32, C = i32, D = i32, E = i32, F = i32, G = i32, H = i32>(fmt: string, a: A = <A>0, b: B = <B>0, c: C = <C>0, d: D = <D>0, e: E = <E>0, f: F = <F>0, g: G = <G>0, h: H = <H>0): void {}
export function printf<A = i32, B = i32, C = i32, D = i32, E = i32, F = i32, G = i32, H = i32>(fmt: string, a: A = <A>0, b: B = <B>0, c: C = <C>0, d: D = <D>0, e: E = <E>0, f: F = <F>0, g: G = <G>0, h: H = <H>0): void {}

/** Reads a T at a byte offset into an array's storage (NanoVDB buffers). */
export function load<T, A = Array<u32>>(buf: A, byteOffset: i32): T { return unreachable(); }
/** Reads the i-th T of a packed array that starts at baseByteOffset. */
export function loadAt<T, A = Array<u32>>(buf: A, baseByteOffset: i32, i: i32): T { return unreachable(); }

// --- builtins (docs/builtins.md) ---------------------------------------------------------------------
// Generic where the builtin is: T is a scalar or vector type, V a vector (or quaternion) type,
// valueof<V> its component type.

// operators by name
export function add<T>(a: T, b: T): T { return a; }
export function sub<T>(a: T, b: T): T { return a; }
/** All products: scale, componentwise, matrix-vector, vector-matrix, matrix-matrix, quaternion. */
export function mul<A, B, R = A>(a: A, b: B): R { return unreachable(); }
export function div<A, B>(a: A, b: B): A { return a; }
export function mod<T>(a: T, b: T): T { return a; }
export function neg<T>(a: T): T { return a; }
export function eq<T>(a: T, b: T): bool { return true; }
export function ne<T>(a: T, b: T): bool { return true; }
export function lt<T>(a: T, b: T): bool { return true; }
export function le<T>(a: T, b: T): bool { return true; }
export function gt<T>(a: T, b: T): bool { return true; }
export function ge<T>(a: T, b: T): bool { return true; }
export function and(a: bool, b: bool): bool { return a; }
export function or(a: bool, b: bool): bool { return a; }
export function not(a: bool): bool { return a; }
export function band<T>(a: T, b: T): T { return a; }
export function bor<T>(a: T, b: T): T { return a; }
export function bxor<T>(a: T, b: T): T { return a; }
export function shl<T>(a: T, b: T): T { return a; }
export function shr<T>(a: T, b: T): T { return a; }
export function bnot<T>(a: T): T { return a; }

// math: f32/f64 scalars, componentwise on vectors
export function sqrt<T>(x: T): T { return x; }
export function cbrt<T>(x: T): T { return x; }
export function sin<T>(x: T): T { return x; }
export function cos<T>(x: T): T { return x; }
export function tan<T>(x: T): T { return x; }
export function asin<T>(x: T): T { return x; }
export function acos<T>(x: T): T { return x; }
export function atan<T>(x: T): T { return x; }
export function atan2<T>(y: T, x: T): T { return y; }
export function sinh<T>(x: T): T { return x; }
export function cosh<T>(x: T): T { return x; }
export function tanh<T>(x: T): T { return x; }
export function exp<T>(x: T): T { return x; }
export function exp2<T>(x: T): T { return x; }
export function log<T>(x: T): T { return x; }
export function log2<T>(x: T): T { return x; }
export function log10<T>(x: T): T { return x; }
export function pow<T>(x: T, y: T): T { return x; }
export function floor<T>(x: T): T { return x; }
export function ceil<T>(x: T): T { return x; }
export function trunc<T>(x: T): T { return x; }
/** Halfway cases away from zero (C roundf). */
export function round<T>(x: T): T { return x; }
export function abs<T>(x: T): T { return x; }
export function sign<T>(x: T): T { return x; }
/** NaN operands are ignored unless both are NaN; equal operands give the first. */
export function min<T>(a: T, b: T): T { return a; }
export function max<T>(a: T, b: T): T { return a; }
export function copysign<T>(x: T, y: T): T { return x; }
/** f32 only: a*b + c rounded once. */
export function fma<T>(a: T, b: T, c: T): T { return a; }
export function isnan<T>(x: T): bool { return false; }
export function isinf<T>(x: T): bool { return false; }
export function isfinite<T>(x: T): bool { return true; }
export function clamp<T, B = T>(x: T, lo: B, hi: B): T { return x; }
export function lerp<T, S>(a: T, b: T, t: S): T { return a; }
export function smoothstep<T>(e0: T, e1: T, x: T): T { return x; }
/** GLSL order: 0 where x < edge, else 1. */
export function step<T>(edge: T, x: T): T { return x; }
export function degrees<T>(x: T): T { return x; }
export function radians<T>(x: T): T { return x; }
export function rsqrt<T>(x: T): T { return x; }

// vectors
export function dot<V>(a: V, b: V): valueof<V> { return unreachable(); }
export function cross<V>(a: V, b: V): V { return a; }
export function lengthSq<V>(v: V): valueof<V> { return unreachable(); }
export function length<V>(v: V): valueof<V> { return unreachable(); }
/** The zero vector gives the zero vector. */
export function normalize<V>(v: V): V { return v; }
export function distance<V>(a: V, b: V): valueof<V> { return unreachable(); }
/** a bᵀ (declared for vec3; other sizes give matMN). */
export function outer<V>(a: V, b: V): Mat33<valueof<V>> { return unreachable(); }
export function cwiseMul<V>(a: V, b: V): V { return a; }
export function cwiseDiv<V>(a: V, b: V): V { return a; }
export function minComp<V>(v: V): valueof<V> { return unreachable(); }
export function maxComp<V>(v: V): valueof<V> { return unreachable(); }
export function argmin<V>(v: V): i32 { return 0; }
export function argmax<V>(v: V): i32 { return 0; }

// matrices (M a matrix type; valueof<valueof<M>> its scalar)
export function transpose<M>(m: M): M { return m; }
export function determinant<M>(m: M): valueof<valueof<M>> { return unreachable(); }
/** The zero matrix when the determinant is 0. */
export function inverse<M>(m: M): M { return m; }
export function trace<M>(m: M): valueof<valueof<M>> { return unreachable(); }
export function ddot<M>(a: M, b: M): valueof<valueof<M>> { return unreachable(); }
/** Declared for vec3 -> mat33; vec2/vec4 give mat22/mat44. */
export function diag<V>(v: V): Mat33<valueof<V>> { return unreachable(); }
export function identity22(): Mat22<f32> { return unreachable(); }
export function identity33(): Mat33<f32> { return unreachable(); }
export function identity44(): Mat44<f32> { return unreachable(); }
export function identity22d(): Mat22<f64> { return unreachable(); }
export function identity33d(): Mat33<f64> { return unreachable(); }
export function identity44d(): Mat44<f64> { return unreachable(); }
export function skew<V>(v: V): Mat33<valueof<V>> { return unreachable(); }
/** Declared for three vec3 rows/columns; 2 to 4 vectors of one type are accepted. */
export function matrixFromRows<V>(r0: V, r1: V, r2: V): Mat33<valueof<V>> { return unreachable(); }
export function matrixFromCols<V>(c0: V, c1: V, c2: V): Mat33<valueof<V>> { return unreachable(); }

// quaternions (x, y, z, w), w real
export function quatIdentity(): Quat<f32> { return unreachable(); }
export function quatIdentityd(): Quat<f64> { return unreachable(); }
export function quatFromAxisAngle<V, S>(axis: V, angle: S): Quat<valueof<V>> { return unreachable(); }
export function quatRotate<Q, V>(q: Q, v: V): V { return v; }
export function quatRotateInv<Q, V>(q: Q, v: V): V { return v; }
export function quatInverse<Q>(q: Q): Q { return q; }
export function quatToMatrix<Q>(q: Q): Mat33<valueof<Q>> { return unreachable(); }
export function quatFromMatrix<M>(m: M): Quat<valueof<valueof<M>>> { return unreachable(); }
export function quatSlerp<Q, S>(a: Q, b: Q, t: S): Q { return a; }
export function quatRpy<T>(roll: T, pitch: T, yaw: T): Quat<T> { return unreachable(); }
export function quatToAxis<Q>(q: Q): Vec3<valueof<Q>> { return unreachable(); }
export function quatToAngle<Q>(q: Q): valueof<Q> { return unreachable(); }

// transforms (p: vec3, q: quat)
export function transformIdentity(): Transform<f32> { return unreachable(); }
export function transformIdentityd(): Transform<f64> { return unreachable(); }
export function transformMultiply<TF>(a: TF, b: TF): TF { return a; }
export function transformInverse<TF>(t: TF): TF { return t; }
export function transformPoint<TF, V>(t: TF, x: V): V { return x; }
export function transformVector<TF, V>(t: TF, v: V): V { return v; }
export function transformGetTranslation<TF>(t: TF): Vec3<valueof<TF>> { return unreachable(); }
export function transformGetRotation<TF>(t: TF): Quat<valueof<TF>> { return unreachable(); }
export function transformToMatrix<TF>(t: TF): Mat44<valueof<TF>> { return unreachable(); }
export function transformFromMatrix<M>(m: M): Transform<valueof<valueof<M>>> { return unreachable(); }

// bits
export function f32AsU32(x: f32): u32 { return 0; }
export function f32AsI32(x: f32): i32 { return 0; }
export function u32AsF32(x: u32): f32 { return 0; }
export function i32AsF32(x: i32): f32 { return 0; }
export function f64AsU64(x: f64): u64 { return 0; }
export function f64AsI64(x: f64): i64 { return 0; }
export function u64AsF64(x: u64): f64 { return 0; }
export function i64AsF64(x: i64): f64 { return 0; }
export function clz<T>(x: T): T { return x; }
export function ctz<T>(x: T): T { return x; }
export function popcount<T>(x: T): T { return x; }

// random numbers: the state is a u32 `let` variable; the drawing functions advance it in place
export function pcg(x: u32): u32 { return x; }
export function randInit<S, O = i32>(seed: S, offset: O = <O>0): u32 { return 0; }
export function randi(rng: u32): u32 { return rng; }
export function randiRange(rng: u32, lo: i32, hi: i32): i32 { return lo; }
export function randf(rng: u32): f32 { return 0; }
export function randfRange(rng: u32, lo: f32, hi: f32): f32 { return lo; }
export function randn(rng: u32): f32 { return 0; }
