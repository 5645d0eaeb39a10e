// The CPU device allocator: alignment, no overlap, reuse, coalescing, growth and the 4 GiB limit.
import { describe, expect, test } from "vitest";
import { CpuMemory, HEAP_BASE } from "../engine/backends/wasm/memory.js";

describe("CpuMemory", () => {
  test("blocks are 16-byte aligned, never at 0, and do not overlap", () => {
    const m = new CpuMemory(1 << 16);
    const blocks: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const size = 1 + ((i * 7919) % 5000);
      const p = m.alloc(size);
      expect(p % 16).toBe(0);
      expect(p).toBeGreaterThanOrEqual(HEAP_BASE);
      blocks.push([p, size]);
    }
    blocks.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i][0]).toBeGreaterThanOrEqual(blocks[i - 1][0] + blocks[i - 1][1]);
  });

  test("larger alignments are honoured", () => {
    const m = new CpuMemory(1 << 16);
    m.alloc(24);
    for (const a of [32, 64, 4096, 65536]) expect(m.alloc(100, a) % a).toBe(0);
  });

  test("memory is reused after free and bytesInUse stays flat over 100k cycles", () => {
    const m = new CpuMemory(1 << 16);
    const keep = [m.alloc(1000), m.alloc(50000)];
    const base = m.bytesInUse, top = m.heapTop;
    for (let i = 0; i < 100000; i++) {
      const a = m.alloc(16 + (i % 300)), b = m.alloc(3000 + (i % 7) * 1000);
      m.free(a); m.free(b);
    }
    expect(m.bytesInUse).toBe(base);
    expect(m.heapTop).toBeLessThanOrEqual(top + 64 * 1024);
    expect(m.stats().live).toBe(2);
    for (const p of keep) m.free(p);
    expect(m.bytesInUse).toBe(0);
  });

  test("freed neighbours coalesce so a larger block fits where they were", () => {
    const m = new CpuMemory(1 << 20);
    const a = m.alloc(10000), b = m.alloc(10000), c = m.alloc(10000), guard = m.alloc(100);
    m.free(a); m.free(c); m.free(b);
    expect(m.stats().freeRanges).toBe(1);
    expect(m.alloc(30000)).toBe(a);
    m.free(guard);
  });

  test("alloc zero-fills (unless asked not to), and growth keeps data and refreshes views", () => {
    const m = new CpuMemory(1 << 16);
    const p = m.alloc(64);
    m.u8.fill(7, p, p + 64);
    m.free(p);
    const q = m.alloc(64);
    expect(q).toBe(p);
    expect(Array.from(m.u8.subarray(q, q + 64)).every((x) => x === 0)).toBe(true);
    m.f32[q >> 2] = 1.25;
    const before = m.byteLength;
    const big = m.alloc(8 << 20, 16, false);
    expect(m.byteLength).toBeGreaterThan(before);
    expect(m.f32.length * 4).toBe(m.byteLength);
    expect(m.f32[q >> 2]).toBe(1.25);
    m.f32[(big >> 2) + (2 << 20) - 1] = 3;
    expect(m.view(Float32Array, big, 2 << 20)[(2 << 20) - 1]).toBe(3);
  });

  test("asking past 4 GiB is a clear RangeError", () => {
    const m = new CpuMemory(1 << 16);
    expect(() => m.alloc(2 ** 32)).toThrow(RangeError);
    expect(() => m.alloc(2 ** 32)).toThrow(/CPU device out of memory: asked for 4294967296 bytes, 0 in use, wasm32 limit 4 GiB/);
  });

  test("freeing an unknown address throws; freeing 0 is a no-op", () => {
    const m = new CpuMemory(1 << 16);
    m.free(0);
    expect(() => m.free(12345)).toThrow(/unknown address/);
  });
});
