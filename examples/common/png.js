// A small PNG writer for the examples (RGBA, 8 bits per channel, no dependencies beyond node:zlib)
// and a raster canvas with the few things a plot needs: lines, points, rectangles, a 3x5 pixel font
// and axes with tick labels.
//
//   const c = new Canvas(640, 480);
//   const ax = c.axes({ x: 50, y: 20, w: 560, h: 420 }, { x: [0, 10], y: [1e-6, 1], logY: true, title: "LOSS" });
//   c.polyline(points.map(([x, y]) => ax.map(x, y)), [200, 30, 30, 255], 2);
//   writeFileSync("plot.png", c.toPNG());
import { deflateSync } from "node:zlib";

// --- the encoder ----------------------------------------------------------------------------------
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309, as PNG uses it) of a byte array. */
export function crc32(bytes, crc = 0) {
  let c = ~crc >>> 0;
  for (let k = 0; k < bytes.length; k++) c = CRC_TABLE[(c ^ bytes[k]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data.buffer, data.byteOffset, data.length).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG file bytes of `width` x `height` RGBA pixels (row-major, 4 bytes each, top row first). */
export function encodePNG(width, height, rgba) {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`encodePNG: bad size ${width}x${height}`);
  if (rgba.length !== width * height * 4) throw new RangeError(`encodePNG: expected ${width * height * 4} bytes, got ${rgba.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, adaptive filters, no interlace
  // Every scanline starts with its filter type; 0 (None) keeps this short and deflate does the rest.
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

// --- a 3x5 pixel font: each glyph is 5 rows of 3 bits, top row first ---------------------------------
const GLYPHS = {
  0: "111101101101111", 1: "010110010010111", 2: "111001111100111", 3: "111001111001111", 4: "101101111001001",
  5: "111100111001111", 6: "111100111101111", 7: "111001001010010", 8: "111101111101111", 9: "111101111001111",
  A: "010101111101101", B: "110101110101110", C: "011100100100011", D: "110101101101110", E: "111100110100111",
  F: "111100110100100", G: "011100101101011", H: "101101111101101", I: "111010010010111", J: "001001001101010",
  K: "101101110101101", L: "100100100100111", M: "101111111101101", N: "110101101101101", O: "010101101101010",
  P: "110101110100100", Q: "010101101110011", R: "110101110101101", S: "011100010001110", T: "111010010010010",
  U: "101101101101111", V: "101101101101010", W: "101101111111101", X: "101101010101101", Y: "101101010010010",
  Z: "111001010100111", ".": "000000000000010", "-": "000000111000000", "+": "000010111010000", ":": "000010000010000",
  "=": "000111000111000", "/": "001001010100100", "(": "010100100100010", ")": "010001001001010", ",": "000000000010100",
  " ": "000000000000000",
};

/** Round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi], about `count` steps. */
export function niceTicks(lo, hi, count = 5) {
  const raw = (hi - lo) / count, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).reduce((a, b) => (Math.abs(b - raw) < Math.abs(a - raw) ? b : a));
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

export class Canvas {
  constructor(width, height, background = [255, 255, 255, 255]) {
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 4);
    for (let k = 0; k < width * height; k++) this.pixels.set(background, k * 4);
  }

  /** Blends one pixel (alpha compositing over what is there); outside the canvas is ignored. */
  set(x, y, [r, g, b, a = 255]) {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const p = (y * this.width + x) * 4, t = a / 255, px = this.pixels;
    px[p] = px[p] * (1 - t) + r * t; px[p + 1] = px[p + 1] * (1 - t) + g * t; px[p + 2] = px[p + 2] * (1 - t) + b * t;
    px[p + 3] = Math.max(px[p + 3], a);
  }

  rect(x, y, w, h, color) {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, color);
  }

  /** A filled disc of radius r (one pixel for r < 1). */
  point(x, y, r, color) {
    x = Math.round(x); y = Math.round(y);
    const R = Math.floor(r);
    for (let j = -R; j <= R; j++) for (let i = -R; i <= R; i++) if (i * i + j * j <= r * r) this.set(x + i, y + j, color);
  }

  /** A line of the given width (pixels), drawn as discs along a DDA walk. */
  line(x0, y0, x1, y1, color, width = 1) {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let k = 0; k <= n; k++) {
      const x = x0 + ((x1 - x0) * k) / n, y = y0 + ((y1 - y0) * k) / n;
      if (width <= 1) this.set(x, y, color); else this.point(x, y, width / 2, color);
    }
  }

  polyline(points, color, width = 1) {
    for (let k = 1; k < points.length; k++) this.line(points[k - 1][0], points[k - 1][1], points[k][0], points[k][1], color, width);
  }

  /** Text in the 3x5 font (upper case; unknown characters print as blanks), `scale` pixels per dot. */
  text(x, y, str, color, scale = 2) {
    for (const ch of String(str).toUpperCase()) {
      const g = GLYPHS[ch] ?? GLYPHS[" "];
      for (let k = 0; k < 15; k++) if (g[k] === "1") this.rect(x + (k % 3) * scale, y + Math.floor(k / 3) * scale, scale, scale, color);
      x += 4 * scale;
    }
  }
  static textWidth(str, scale = 2) { return String(str).length * 4 * scale - scale; }

  /**
   * A framed plot area with ticks and labels. `x`/`y` are [min, max] data ranges; with `logY` the y
   * range is in data units and ticks fall on powers of ten. Returns `map(x, y)` -> pixel [px, py].
   */
  axes(box, { x: [x0, x1], y: [y0, y1], logY = false, title = "", xlabel = "", ylabel = "", ticks = 5 }) {
    const ink = [40, 40, 40, 255], grid = [225, 225, 225, 255];
    const ty = (v) => (logY ? Math.log10(v) : v);
    const [a0, a1] = [ty(y0), ty(y1)];
    const map = (x, y) => [box.x + ((x - x0) / (x1 - x0)) * box.w, box.y + box.h - ((ty(y) - a0) / (a1 - a0)) * box.h];
    const fmt = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(0) : String(+v.toPrecision(3)));
    for (const xv of niceTicks(x0, x1, ticks)) {
      const [px] = map(xv, y0);
      this.line(px, box.y, px, box.y + box.h, grid);
      this.line(px, box.y + box.h, px, box.y + box.h + 4, ink);
      const s = fmt(xv);
      this.text(px - Canvas.textWidth(s) / 2, box.y + box.h + 8, s, ink);
    }
    const yTicks = logY
      ? Array.from({ length: Math.floor(a1) - Math.ceil(a0) + 1 }, (_, k) => 10 ** (Math.ceil(a0) + k))
      : niceTicks(y0, y1, ticks);
    for (const yv of yTicks) {
      const [, py] = map(x0, yv);
      this.line(box.x, py, box.x + box.w, py, grid);
      this.line(box.x - 4, py, box.x, py, ink);
      const s = logY ? `1E${Math.round(Math.log10(yv))}` : fmt(yv);
      this.text(box.x - 8 - Canvas.textWidth(s), py - 5, s, ink);
    }
    this.line(box.x, box.y, box.x + box.w, box.y, ink); this.line(box.x, box.y + box.h, box.x + box.w, box.y + box.h, ink);
    this.line(box.x, box.y, box.x, box.y + box.h, ink); this.line(box.x + box.w, box.y, box.x + box.w, box.y + box.h, ink);
    if (title) this.text(box.x + (box.w - Canvas.textWidth(title, 3)) / 2, box.y - 22, title, ink, 3);
    if (xlabel) this.text(box.x + (box.w - Canvas.textWidth(xlabel)) / 2, box.y + box.h + 24, xlabel, ink);
    if (ylabel) this.text(box.x - 8 - Canvas.textWidth(ylabel), box.y - 24, ylabel, ink);
    return { map, box };
  }

  toPNG() { return encodePNG(this.width, this.height, this.pixels); }
}
