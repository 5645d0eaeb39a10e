// The random generator of docs/builtins.md ("Random numbers"), transcribed from the documentation
// alone into plain TypeScript: u32 arithmetic wraps, every f32 operation is rounded once.
import { bitsF32, f32Bits, fr } from "./conformance-harness.js";

export function pcg(x: number): number {
  const s = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

export const randInit = (seed: number, offset = 0) => pcg(((seed >>> 0) ^ pcg(offset >>> 0)) >>> 0);

/** A stream: each draw replaces the state by pcg(state) and derives its value from the new state. */
export class Stream {
  constructor(public state: number) {}
  private next(): number { this.state = pcg(this.state); return this.state; }
  randi(): number { return this.next(); }
  randf(): number { return unit(this.next()); }
  randfRange(lo: number, hi: number): number { return fr(lo + fr(fr(hi - lo) * this.randf())); }
  randiRange(lo: number, hi: number): number {
    const s = this.next();
    if (hi <= lo) return lo;
    return (lo + ((s % ((hi - lo) >>> 0)) | 0)) | 0;
  }
  randn(): number {
    const s1 = this.next(), s2 = this.next();
    const u1 = fr((2 ** 24 - (s1 >>> 8)) * 2 ** -24);
    const r = fr(Math.sqrt(fr(logW(u1) * -2)));
    return fr(r * cosW(s2 >>> 8));
  }
}

const unit = (s: number) => fr((s >>> 8) * 2 ** -24);

export function logW(x: number): number {
  const bits = f32Bits(x);
  let e = (bits >>> 23) - 127;
  let m = bitsF32((bits & 0x7fffff) | 0x3f800000);
  if (m > fr(Math.SQRT2)) { m = fr(m * 0.5); e += 1; }
  const f = fr(m - 1), s = fr(f / fr(2 + f)), z = fr(s * s);
  let p = fr(1 / 9);
  for (const c of [1 / 7, 1 / 5, 1 / 3, 1]) p = fr(fr(p * z) + fr(c));
  const fe = fr(e);
  return fr(fr(fe * 0.693359375) + fr(fr(fr(s + s) * p) + fr(fe * fr(-2.12194440e-4))));
}

export function cosW(k: number): number {
  const q = k >>> 22;
  const x = fr((k & 0x3fffff) * 2 ** -22);
  const y = x <= 0.5 ? x : fr(1 - x);
  const a = fr(y * fr(Math.PI / 2)), a2 = fr(a * a);
  const C = fr(fr(fr(fr(fr(fr(fr(fr(fr(1 / 40320) * a2) + fr(-1 / 720)) * a2) + fr(1 / 24)) * a2) + fr(-1 / 2)) * a2) + 1);
  const S = fr(a * fr(fr(fr(fr(fr(fr(fr(fr(fr(1 / 362880) * a2) + fr(-1 / 5040)) * a2) + fr(1 / 120)) * a2) + fr(-1 / 6)) * a2) + 1));
  const [c, s] = x <= 0.5 ? [C, S] : [S, C];
  return [c, -s, -c, s][q];
}
