// The CPU device's memory: ONE shared `WebAssembly.Memory` that holds every CPU array, so a
// TypedArray over an array's bytes is a zero-copy view, and every worker's instance of every kernel
// module addresses the same bytes. Allocation metadata lives in JavaScript (never in the shared
// bytes, where a kernel's stray store could corrupt it).
//
// Layout: [0, HEAP_BASE) is reserved (address 0 is never handed out, so a zero `grad` means "no
// gradient"); the heap grows upwards from HEAP_BASE. Small blocks are recycled through exact size
// classes; larger blocks come from a best-fit free list kept sorted by address, coalesced on free.

export const PAGE = 65536;
/** wasm32: 65536 pages of 64 KiB = 4 GiB. */
export const MAX_PAGES = 65536;
export const HEAP_BASE = 1024;
const MIN_ALIGN = 16;
/** Blocks up to this size are recycled through per-size free lists. */
const SMALL_MAX = 2048;

interface Range { start: number; size: number }

export class CpuMemory {
  readonly memory: WebAssembly.Memory;
  private top = HEAP_BASE;
  /** Live blocks: address -> reserved size (what free() gives back). */
  private live = new Map<number, number>();
  /** Free ranges above HEAP_BASE and below `top`, sorted by start, never adjacent. */
  private freeRanges: Range[] = [];
  /** Small-block caches: class size -> addresses. */
  private smallFree = new Map<number, number[]>();
  private inUse = 0;
  private views: { buf: SharedArrayBuffer; u8: Uint8Array; i32: Int32Array; u32: Uint32Array; f32: Float32Array; f64: Float64Array; i64: BigInt64Array; u64: BigUint64Array } | null = null;
  /** Called after the memory grew (the pool does not need it; views held elsewhere might). */
  onGrow: ((bytes: number) => void) | null = null;

  constructor(initialBytes = 16 << 20) {
    const initial = Math.max(1, Math.ceil(initialBytes / PAGE));
    this.memory = new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor);
  }

  /** The current buffer (a SharedArrayBuffer; after growth, a new, longer one). */
  get buffer(): SharedArrayBuffer { return this.memory.buffer as unknown as SharedArrayBuffer; }
  get byteLength(): number { return this.memory.buffer.byteLength; }
  /** Bytes held by live allocations (rounded to their reserved sizes). */
  get bytesInUse(): number { return this.inUse; }
  /** Highest address ever handed out (the heap's extent). */
  get heapTop(): number { return this.top; }

  private v() {
    const buf = this.buffer;
    if (!this.views || this.views.buf !== buf || this.views.u8.length !== buf.byteLength) {
      this.views = {
        buf, u8: new Uint8Array(buf), i32: new Int32Array(buf), u32: new Uint32Array(buf),
        f32: new Float32Array(buf), f64: new Float64Array(buf), i64: new BigInt64Array(buf), u64: new BigUint64Array(buf),
      };
    }
    return this.views;
  }
  /** Whole-memory views, re-created after growth. Do not keep them across allocations. */
  get u8(): Uint8Array { return this.v().u8; }
  get i32(): Int32Array { return this.v().i32; }
  get u32(): Uint32Array { return this.v().u32; }
  get f32(): Float32Array { return this.v().f32; }
  get f64(): Float64Array { return this.v().f64; }
  get i64(): BigInt64Array { return this.v().i64; }
  get u64(): BigUint64Array { return this.v().u64; }

  /** A zero-copy view of `length` elements at byte address `ptr`. */
  view<T extends ArrayBufferView>(ctor: { new (buf: SharedArrayBuffer, off: number, len: number): T }, ptr: number, length: number): T {
    return new ctor(this.buffer, ptr, length);
  }

  /** Reserved size of a live block (0 if `ptr` is not live). */
  sizeOf(ptr: number): number { return this.live.get(ptr) ?? 0; }

  /** Allocates `bytes` aligned to `align` (a power of two; at least 16), zero-filled unless `zero`
   * is false. Never returns 0. */
  alloc(bytes: number, align = MIN_ALIGN, zero = true): number {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`CPU device: invalid allocation size ${bytes}`);
    align = Math.max(MIN_ALIGN, align);
    if ((align & (align - 1)) !== 0) throw new RangeError(`CPU device: alignment ${align} is not a power of two`);
    const size = roundSize(Math.max(bytes, 1));
    let ptr = -1;
    if (size <= SMALL_MAX && align === MIN_ALIGN) {
      const list = this.smallFree.get(size);
      if (list && list.length) ptr = list.pop()!;
    }
    if (ptr < 0) ptr = this.fromFreeRanges(size, align);
    if (ptr < 0) ptr = this.fromTop(bytes, size, align);
    this.live.set(ptr, size);
    this.inUse += size;
    if (zero) this.u8.fill(0, ptr, ptr + size);
    return ptr;
  }

  /** Returns a block to the allocator. Freeing 0 is a no-op; freeing anything else unknown throws. */
  free(ptr: number): void {
    if (ptr === 0) return;
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`CPU device: free of unknown address ${ptr}`);
    this.live.delete(ptr);
    this.inUse -= size;
    if (size <= SMALL_MAX) {
      let list = this.smallFree.get(size);
      if (!list) this.smallFree.set(size, (list = []));
      list.push(ptr);
      return;
    }
    this.releaseRange(ptr, size);
  }

  /** Best fit among the free ranges; splits the remainder (and any alignment gap) back off. */
  private fromFreeRanges(size: number, align: number): number {
    let best = -1, bestWaste = Infinity;
    const fr = this.freeRanges;
    for (let i = 0; i < fr.length; i++) {
      const r = fr[i];
      const a = alignUp(r.start, align);
      const waste = r.size - size - (a - r.start);
      if (waste >= 0 && waste < bestWaste) { best = i; bestWaste = waste; if (waste === 0) break; }
    }
    if (best < 0) return -1;
    const r = fr[best];
    const a = alignUp(r.start, align);
    const before = a - r.start, after = r.start + r.size - (a + size);
    fr.splice(best, 1);
    if (before > 0) this.releaseRange(r.start, before);
    if (after > 0) this.releaseRange(a + size, after);
    return a;
  }

  private fromTop(bytes: number, size: number, align: number): number {
    const a = alignUp(this.top, align);
    const end = a + size;
    if (end > MAX_PAGES * PAGE) {
      throw new RangeError(`CPU device out of memory: asked for ${bytes} bytes, ${this.inUse} in use, wasm32 limit 4 GiB`);
    }
    this.ensure(end);
    if (a > this.top) this.releaseRange(this.top, a - this.top);
    this.top = end;
    return a;
  }

  /** Makes the memory at least `end` bytes long (geometric growth, capped at 4 GiB). */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const needPages = Math.ceil((end - have) / PAGE);
    const havePages = have / PAGE;
    const want = Math.min(MAX_PAGES - havePages, Math.max(needPages, Math.ceil(havePages / 4)));
    try {
      this.memory.grow(want);
    } catch {
      try { this.memory.grow(needPages); } catch {
        throw new RangeError(`CPU device out of memory: asked for ${end - this.top} bytes, ${this.inUse} in use, wasm32 limit 4 GiB (the host refused to grow the memory)`);
      }
    }
    this.views = null;
    this.onGrow?.(this.memory.buffer.byteLength);
  }

  /** Inserts a free range, coalescing with neighbours and with the top of the heap. */
  private releaseRange(start: number, size: number): void {
    const fr = this.freeRanges;
    let lo = 0, hi = fr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (fr[mid].start < start) lo = mid + 1; else hi = mid; }
    let r: Range = { start, size };
    const prev = fr[lo - 1], next = fr[lo];
    if (prev && prev.start + prev.size === start) { prev.size += size; r = prev; lo--; } else fr.splice(lo, 0, r);
    if (next && r.start + r.size === next.start) { r.size += next.size; fr.splice(lo + 1, 1); }
    if (r.start + r.size === this.top) { this.top = r.start; fr.splice(lo, 1); }
  }

  /** Allocator statistics (for tests and diagnostics). */
  stats(): { live: number; bytesInUse: number; freeRanges: number; heapTop: number; byteLength: number } {
    return { live: this.live.size, bytesInUse: this.inUse, freeRanges: this.freeRanges.length, heapTop: this.top, byteLength: this.byteLength };
  }
}

/** Sizes are multiples of 16 up to 256, then rounded to 1/8 steps of their power of two. */
function roundSize(n: number): number {
  if (n <= 256) return alignUp(n, 16);
  const p = 2 ** Math.floor(Math.log2(n));
  return alignUp(n, Math.max(16, p / 8));
}

function alignUp(x: number, a: number): number { return Math.ceil(x / a) * a; }

let cpuMemory: CpuMemory | null = null;
/** The one memory of the process's "cpu" device. */
export function getCpuMemory(): CpuMemory {
  if (!cpuMemory) cpuMemory = new CpuMemory();
  return cpuMemory;
}
