// Conformance: @struct classes — zero construction, object literals (any field order), nested
// structs, fields of every value type with C alignment (i32 then f64, bool, i64, vectors,
// matrices, quaternions, transforms), arrays of structs (whole elements and single fields),
// struct kernel arguments, @func parameters and results, and value semantics (assignment copies).
import { beforeAll, describe, it } from "vitest";
import * as wf from "../../engine/index.js";
import { BACKEND_NAMES } from "../helpers/backends.js";
import { Ctx, expectExact, fr, loadFor, values } from "../helpers/conformance-harness.js";

const SRC = `
import { tid, Array, f32, f64, i32, i64, u32, vec3, mat22, quat, transform } from "weft/kernels";

@struct class Particle { x: vec3; v: vec3; mass: f32; }
@struct class Mixed { a: i32; b: f64; flag: bool; c: i64; d: vec3; e: u32; m: mat22; q: quat; }
@struct class Inner { id: i32; w: f32; }
@struct class Outer { head: Inner; pos: vec3; tail: Inner; t: transform; }

@func function kick(p: Particle, dv: vec3): Particle {
  p.v = p.v + dv;     // changes only this copy
  p.mass *= 2.0;
  return p;
}
@func function energy(p: Particle): f32 { return 0.5 * p.mass * dot(p.v, p.v); }
@func function makeInner(id: i32, w: f32): Inner { return { w: w, id: id }; }

@kernel
export function particles(parts: Array<Particle>, out: Array<f32>, base: Particle): void {
  const i = tid();
  const q = parts[i];
  let r = q;
  r.v.y = 2; r.mass += 1;             // value semantics: q is unchanged
  const k = kick(q, vec3(1, 0, 0));
  const z = new Particle();
  const lit: Particle = { mass: 3, v: vec3(0, 1, 0), x: vec3(f32(i)) };
  const o = i * 12;
  out[o] = q.v.y; out[o + 1] = q.mass; out[o + 2] = r.v.y; out[o + 3] = r.mass;
  out[o + 4] = k.v.x; out[o + 5] = k.mass; out[o + 6] = q.v.x; out[o + 7] = energy(q);
  out[o + 8] = z.x.z + z.mass; out[o + 9] = lit.x.y + lit.mass * 10.0; out[o + 10] = base.mass + base.x.z;
  out[o + 11] = parts[i].mass;
  parts[i].v = vec3();                // a whole field of an array element
  parts[i].x.z += 100.0;              // one component of a field
  parts[i].mass = energy(lit);
}

@kernel
export function mixed(src: Array<Mixed>, dst: Array<Mixed>, m: Mixed): void {
  const i = tid();
  let s = src[i];
  s.a += m.a; s.b = s.b * 2.0 + m.b; s.flag = !s.flag; s.c = s.c * 3 - m.c; s.d.y -= 1.0; s.e = s.e ^ m.e;
  s.m[0][1] = s.m[1][0] + m.m[1][1]; s.q = s.q * m.q;
  dst[i] = s;
}

@kernel
export function nested(arr: Array<Outer>, out: Array<Outer>, ids: Array<i32>): void {
  const i = tid();
  let o = arr[i];
  const h = o.head;
  o.head = o.tail; o.tail = h;                 // swap nested structs by value
  o.pos.x = f32(o.head.id);
  o.tail.w += 0.5;
  o.t.p.z = -2.0; o.t.q = quatIdentity();
  out[i] = o;
  arr[i].head = makeInner(i + 100, 0.25);      // a nested struct field of an array element
  arr[i].tail.id = -7;                         // a field of a nested field
  ids[i] = arr[i].head.id + out[i].tail.id;
}
`;

type P = { x: number[]; v: number[]; mass: number };
const dot = (a: number[], b: number[]) => fr(fr(fr(a[0] * b[0]) + fr(a[1] * b[1])) + fr(a[2] * b[2]));
const energy = (p: P) => fr(fr(0.5 * p.mass) * dot(p.v, p.v));

describe.each(BACKEND_NAMES)("structs on %s", (backend) => {
  let c: Ctx;
  beforeAll(async () => { c = new Ctx(backend, await loadFor(backend, SRC, "conf_structs")); });

  it("zero construction, object literals, value semantics, @func struct parameters and results, array element fields", () => {
    const Particle = c.m.structs.Particle;
    const ps: P[] = [{ x: [1, 2, 3], v: [0.5, -1, 2], mass: 2 }, { x: [0, 0, 0], v: [0, 0, 0], mass: 0.25 }, { x: [-1, 4, 9], v: [3, 3, 3], mass: 1.5 }];
    const parts = c.array(ps, Particle), out = c.zeros(12 * ps.length);
    c.launch("particles", ps.length, [parts, out, Particle({ x: [0, 0, 7], v: [0, 0, 0], mass: 0.5 })]);
    expectExact(values(out), ps.flatMap((p, i) => [p.v[1], p.mass, 2, fr(p.mass + 1), fr(p.v[0] + 1), fr(p.mass * 2), p.v[0], energy(p),
      0, fr(i + 30), 7.5, p.mass]));
    const lit = { x: [0, 0, 0], v: [0, 1, 0], mass: 3 };
    const got = parts.toArray() as P[];
    expectExact(got.flatMap((p) => [...p.x, ...p.v, p.mass]), ps.flatMap((p) => [p.x[0], p.x[1], fr(p.x[2] + 100), 0, 0, 0, energy(lit)]));
  });

  it("fields of every value type keep C layout on the way in and out (i32, f64, bool, i64, vec3, u32, mat22, quat)", () => {
    const Mixed = c.m.structs.Mixed;
    const src = [
      { a: 1, b: 0.1, flag: true, c: 5000000000n, d: [1, 2, 3], e: 0xf0f0f0f0, m: [[1, 2], [3, 4]], q: [0, 0, 0, 1] },
      { a: -7, b: -1e300, flag: false, c: -(1n << 62n), d: [0.5, -0.5, 0], e: 1, m: [[0, 0], [0, 0]], q: [0.5, 0.5, 0.5, 0.5] },
    ];
    const arg = { a: 10, b: 0.25, flag: false, c: 3n, d: [0, 0, 0], e: 0xffff, m: [[0, 0], [0, 9]], q: [0, 0, 1, 0] };
    const dst = c.zeros(2, Mixed);
    c.launch("mixed", 2, [c.array(src, Mixed), dst, Mixed(arg)]);
    const qmul = (a: number[], b: number[]) => [a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1], a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
      a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3], a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]];
    const want = src.map((s) => ({
      a: s.a + 10, b: s.b * 2 + 0.25, flag: !s.flag, c: BigInt.asIntN(64, s.c * 3n - 3n), d: [s.d[0], fr(s.d[1] - 1), s.d[2]], e: (s.e ^ 0xffff) >>> 0,
      m: [s.m[0][0], fr(s.m[1][0] + 9), s.m[1][0], s.m[1][1]], q: qmul(s.q, arg.q),
    }));
    const got = dst.toArray();
    expectExact(got.flatMap((g: any) => [g.a, g.b, g.flag, g.c, ...g.d, g.e, ...g.m.flat(), ...g.q]),
      want.flatMap((w) => [w.a, w.b, w.flag, w.c, ...w.d, w.e, ...w.m, ...w.q]));
  });

  it("nested structs: swapped by value, fields of nested fields, nested fields of array elements, transforms inside structs", () => {
    const Outer = c.m.structs.Outer;
    const mk = (k: number) => ({ head: { id: k, w: k / 2 }, pos: [k, k + 1, k + 2], tail: { id: 10 * k, w: 1.5 }, t: [1, 2, 3, 0, 0, 1, 0] }); // a transform is 7 numbers on the host
    const src = [mk(1), mk(2), mk(3)];
    const arr = c.array(src, Outer), out = c.zeros(3, Outer), ids = c.zeros(3, wf.int32);
    c.launch("nested", 3, [arr, out, ids]);
    const flatO = (o: any) => [o.head.id, o.head.w, ...o.pos, o.tail.id, o.tail.w, ...o.t];
    expectExact((out.toArray() as any[]).flatMap(flatO), src.flatMap((s) => flatO({
      head: s.tail, pos: [s.tail.id, s.pos[1], s.pos[2]], tail: { id: s.head.id, w: fr(s.head.w + 0.5) }, t: [1, 2, -2, 0, 0, 0, 1],
    })));
    expectExact((arr.toArray() as any[]).flatMap(flatO), src.flatMap((s, i) => flatO({ ...s, head: { id: i + 100, w: 0.25 }, tail: { id: -7, w: s.tail.w } })));
    expectExact(values(ids), src.map((s, i) => i + 100 + s.head.id));
  });
});
