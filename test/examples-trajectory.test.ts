// examples/optimize-trajectory: gradient descent through a bouncing rollout on the cpu, a few
// iterations: the loss falls, the example fails when it does not converge, and the PNG it writes is
// valid (signature, IHDR, CRCs, inflated image size). Also the PNG encoder on its own.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { inflateSync } from "node:zlib";
// @ts-expect-error plain JS module without declarations
import { Canvas, crc32, encodePNG } from "../examples/common/png.js";

const run = promisify(execFile);
const root = process.cwd();
const main = join(root, "examples", "optimize-trajectory", "main.js");

/** Checks a PNG file's structure; returns its size and the inflated scanlines. */
function readPNG(bytes: Buffer) {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let p = 8; p < bytes.length;) {
    const len = bytes.readUInt32BE(p), type = bytes.toString("latin1", p + 4, p + 8);
    const data = bytes.subarray(p + 8, p + 8 + len);
    expect(bytes.readUInt32BE(p + 8 + len), `CRC of ${type}`).toBe(crc32(bytes.subarray(p + 4, p + 8 + len)));
    chunks.push({ type, data });
    p += 12 + len;
  }
  expect(chunks[0].type).toBe("IHDR");
  expect(chunks.at(-1)!.type).toBe("IEND");
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4);
  expect([...ihdr.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)));
  expect(raw.length).toBe((width * 4 + 1) * height);
  return { width, height, raw };
}

describe("examples/common/png.js", () => {
  it("crc32 and a 2x2 image round trip", () => {
    expect(crc32(Buffer.from("IEND"))).toBe(0xae426082);
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    const px = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 1, 2, 3, 4]);
    const { width, height, raw } = readPNG(encodePNG(2, 2, px));
    expect([width, height]).toEqual([2, 2]);
    expect([...raw]).toEqual([0, ...px.subarray(0, 8), 0, ...px.subarray(8)]);
    expect(() => encodePNG(2, 2, new Uint8Array(15))).toThrow(/expected 16 bytes/);
  });

  it("Canvas draws lines, points and text", () => {
    const c = new Canvas(40, 20);
    c.line(0, 0, 39, 19, [0, 0, 0, 255]);
    c.point(30, 5, 2, [255, 0, 0, 255]);
    c.text(2, 12, "A1", [0, 0, 255, 255], 1);
    const at = (x: number, y: number) => [...c.pixels.subarray((y * 40 + x) * 4, (y * 40 + x) * 4 + 4)];
    expect(at(0, 0)).toEqual([0, 0, 0, 255]);
    expect(at(39, 19)).toEqual([0, 0, 0, 255]);
    expect(at(30, 5)).toEqual([255, 0, 0, 255]);
    expect(at(3, 12)).toEqual([0, 0, 255, 255]); // the top of the A
    expect(at(2, 12)).toEqual([255, 255, 255, 255]);
  });
});

describe("examples/optimize-trajectory", () => {
  it("the loss falls over 8 iterations on the cpu, and a valid PNG is written", async () => {
    if (!existsSync(join(root, "dist", "engine", "index.js"))) throw new Error("dist/ is missing: run `npm run build`");
    const out = join(mkdtempSync(join(tmpdir(), "weft-trajectory-")), "plot.png");
    const { stdout } = await run(process.execPath, [main, "--device", "cpu", "--iters", "8", "--tol", "0.05", "--out", out], { cwd: root, timeout: 120_000 });
    const losses = [...stdout.matchAll(/^iter +\d+ +loss (\S+)/gm)].map((m) => Number(m[1]));
    expect(losses.length).toBe(8);
    expect(losses.every(Number.isFinite)).toBe(true);
    const final = Number(/^final loss (\S+):/m.exec(stdout)![1]);
    expect(final).toBeLessThan(losses[0] / 100);
    expect(Math.min(...losses.slice(1))).toBeLessThan(losses[0]);
    expect(stdout).toContain(`wrote ${out}`);
    const { width, height } = readPNG(readFileSync(out));
    expect([width, height]).toEqual([1040, 440]);
  });

  it("exits non-zero when it does not converge", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "weft-trajectory-")), "plot.png");
    const r = await run(process.execPath, [main, "--device", "cpu", "--iters", "1", "--tol", "1e-9", "--out", out], { cwd: root, timeout: 120_000 }).then(() => null, (e) => e);
    expect(r?.code).toBe(1);
    expect(r.stderr).toMatch(/did not converge: final loss/);
    expect(existsSync(out)).toBe(true);
  });
});
