// A decompressor for Blosc 1.x frames, in plain TypeScript (no native dependency).
//
// NanoVDB's BLOSC codec writes each grid as chunks of at most 1 GiB, each chunk one Blosc frame made by
// blosc_compress_ctx(clevel 9, byte shuffle, typesize 4, LZ4, blocksize 256 KiB). This module reads
// any Blosc 1.x frame whose inner compressor is BloscLZ, LZ4, LZ4HC (same LZ4 block format) or zlib,
// with no shuffle, byte shuffle or bit shuffle. Snappy and Zstd frames raise a NanoVDBError naming the
// compressor.
//
// Frame layout (little endian):
//   0  u8  version format (2 or 3 in Blosc 1.x)
//   1  u8  compressor format version
//   2  u8  flags: 0x01 byte shuffle, 0x02 stored uncompressed (memcpyed), 0x04 bit shuffle,
//               0x10 blocks not split into typesize streams, bits 5-7 compressor code
//               (0 BloscLZ, 1 LZ4/LZ4HC, 2 Snappy, 3 zlib, 4 Zstd)
//   3  u8  typesize
//   4  u32 nbytes (uncompressed)
//   8  u32 blocksize
//  12  u32 cbytes (the whole frame, header included)
//  16  i32 bstarts[nblocks] (absent when memcpyed): frame offset of each block
// Each block is nsplits streams, each an i32 compressed size then its bytes; a stream whose size equals
// its uncompressed size is stored raw.
import { inflateSync } from "node:zlib";
import { NanoVDBError } from "./errors.js";

const HEADER = 16;
const MIN_BUFFERSIZE = 128;
const MAX_SPLITS = 16;
const MAX_DISTANCE = 8191;
const COMPRESSORS = ["blosclz", "lz4", "snappy", "zlib", "zstd", "code 5", "code 6", "code 7"];

export interface BloscFrameInfo {
  version: number;
  versionLz: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  cbytes: number;
  compressor: string;
  shuffle: "none" | "byte" | "bit";
  memcpyed: boolean;
}

/** Reads and checks the 16-byte header of the frame at `src[at..]`. */
export function bloscFrameInfo(src: Uint8Array, at: number, source: string, limit = src.length): BloscFrameInfo {
  if (at + HEADER > limit) throw new NanoVDBError("truncated BLOSC frame header", source, at, "16 header bytes");
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const version = src[at], versionLz = src[at + 1], flags = src[at + 2], typesize = src[at + 3];
  const nbytes = dv.getUint32(at + 4, true), blocksize = dv.getUint32(at + 8, true), cbytes = dv.getUint32(at + 12, true);
  if (version < 1 || version > 4) {
    throw new NanoVDBError(`unsupported BLOSC frame version ${version}`, source, at, "a Blosc 1.x frame (version 1-3)");
  }
  if (typesize === 0) throw new NanoVDBError("BLOSC frame with typesize 0", source, at + 3, "typesize >= 1");
  if (cbytes < HEADER || at + cbytes > limit) {
    throw new NanoVDBError(`BLOSC frame claims ${cbytes} compressed bytes but ${limit - at} remain`, source, at + 12, "a frame inside the file");
  }
  const memcpyed = (flags & 0x02) !== 0;
  if (!memcpyed && nbytes > 0 && blocksize === 0) throw new NanoVDBError("BLOSC frame with blocksize 0", source, at + 8, "blocksize > 0");
  const shuffle = flags & 0x01 ? "byte" : flags & 0x04 ? "bit" : "none";
  return { version, versionLz, flags, typesize, nbytes, blocksize, cbytes, compressor: COMPRESSORS[flags >> 5], shuffle, memcpyed };
}

/**
 * Decompresses one Blosc frame starting at `src[at]` into `dst[dstAt..dstAt+nbytes)`. Returns the
 * frame info (cbytes tells how many source bytes were used).
 */
export function bloscDecompressInto(
  src: Uint8Array, at: number, dst: Uint8Array, dstAt: number, source = "<buffer>", limit = src.length,
): BloscFrameInfo {
  const info = bloscFrameInfo(src, at, source, limit);
  const { nbytes, typesize, cbytes } = info;
  if (dstAt + nbytes > dst.length) {
    throw new NanoVDBError(`BLOSC frame holds ${nbytes} bytes, more than the ${dst.length - dstAt} expected`, source, at + 4, "the grid size");
  }
  const end = at + cbytes;
  if (info.memcpyed) {
    if (HEADER + nbytes > cbytes) throw new NanoVDBError("truncated uncompressed BLOSC frame", source, at, `${HEADER + nbytes} bytes`);
    dst.set(src.subarray(at + HEADER, at + HEADER + nbytes), dstAt);
    return info;
  }
  const blocksize = Math.min(info.blocksize, nbytes);
  const nblocks = nbytes === 0 ? 0 : Math.ceil(nbytes / blocksize);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (at + HEADER + 4 * nblocks > end) throw new NanoVDBError("truncated BLOSC block table", source, at + HEADER, `${nblocks} block offsets`);
  const dontSplit = (info.flags & 0x10) !== 0;
  const tmp = info.shuffle === "none" ? null : new Uint8Array(blocksize);
  for (let b = 0; b < nblocks; b++) {
    const leftover = b === nblocks - 1 && nbytes % blocksize !== 0;
    const bsize = leftover ? nbytes - b * blocksize : blocksize;
    let sp = at + dv.getInt32(at + HEADER + 4 * b, true);
    if (sp < at + HEADER + 4 * nblocks || sp >= end) {
      throw new NanoVDBError(`BLOSC block ${b} starts outside its frame`, source, at + HEADER + 4 * b, "an offset inside the frame");
    }
    const nsplits = !dontSplit && typesize <= MAX_SPLITS && bsize / typesize >= MIN_BUFFERSIZE && !leftover ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    const out = tmp ?? dst;
    let op = tmp ? 0 : dstAt + b * blocksize;
    for (let s = 0; s < nsplits; s++) {
      if (sp + 4 > end) throw new NanoVDBError("truncated BLOSC stream header", source, sp, "a 4-byte stream size");
      const cs = dv.getInt32(sp, true);
      sp += 4;
      if (cs < 0 || sp + cs > end) throw new NanoVDBError(`BLOSC stream of ${cs} bytes overruns its frame`, source, sp - 4, "a stream inside the frame");
      if (cs === neblock) {
        out.set(src.subarray(sp, sp + cs), op);
      } else {
        const n = decompressStream(info, src, sp, sp + cs, out, op, op + neblock, source);
        if (n !== neblock) {
          throw new NanoVDBError(`BLOSC ${info.compressor} stream decoded to ${n} bytes`, source, sp, `${neblock} bytes`);
        }
      }
      sp += cs;
      op += neblock;
    }
    if (tmp) {
      const d = dstAt + b * blocksize;
      if (info.shuffle === "byte") unshuffle(typesize, bsize, tmp, dst, d);
      else bitunshuffle(typesize, bsize, tmp, dst, d, info.version);
    }
  }
  return info;
}

/** Decompresses a whole frame into a new array. */
export function bloscDecompress(src: Uint8Array, source = "<buffer>"): Uint8Array {
  const info = bloscFrameInfo(src, 0, source);
  const out = new Uint8Array(info.nbytes);
  bloscDecompressInto(src, 0, out, 0, source);
  return out;
}

function decompressStream(
  info: BloscFrameInfo, src: Uint8Array, s: number, sEnd: number, dst: Uint8Array, d: number, dEnd: number, source: string,
): number {
  switch (info.flags >> 5) {
    case 0: return blosclzDecompress(src, s, sEnd, dst, d, dEnd, source);
    case 1: return lz4DecompressBlock(src, s, sEnd, dst, d, dEnd, source);
    case 3: {
      let out: Uint8Array;
      try {
        out = inflateSync(src.subarray(s, sEnd), { maxOutputLength: Math.max(1, dEnd - d) });
      } catch (e) {
        throw new NanoVDBError(`zlib stream inside BLOSC frame is corrupt (${(e as Error).message})`, source, s, "a zlib stream");
      }
      dst.set(out, d);
      return out.length;
    }
    default:
      throw new NanoVDBError(
        `BLOSC frame uses the ${info.compressor} compressor, which weft does not decode`, source, s,
        "a BLOSC frame compressed with blosclz, lz4, lz4hc or zlib",
      );
  }
}

/** Decodes one LZ4 block (the raw block format, no frame) with full bounds checks. */
export function lz4DecompressBlock(
  src: Uint8Array, s: number, sEnd: number, dst: Uint8Array, d: number, dEnd: number, source = "<buffer>",
): number {
  const d0 = d;
  const bad = (what: string, at: number): never => {
    throw new NanoVDBError(`corrupt LZ4 block: ${what}`, source, at, "a valid LZ4 sequence");
  };
  if (s >= sEnd) bad("empty block", s);
  for (;;) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b;
      do {
        if (s >= sEnd) bad("literal length runs past the block", s);
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (s + lit > sEnd) bad("literals run past the block", s);
    if (d + lit > dEnd) bad("literals overflow the output", s);
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s === sEnd) break; // the last sequence holds literals only
    if (s + 2 > sEnd) bad("truncated match offset", s);
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d - d0) bad(`match offset ${offset} points before the output`, s - 2);
    let len = token & 15;
    if (len === 15) {
      let b;
      do {
        if (s >= sEnd) bad("match length runs past the block", s);
        b = src[s++];
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (d + len > dEnd) bad("match overflows the output", s);
    let r = d - offset;
    if (offset >= len) {
      dst.copyWithin(d, r, r + len);
      d += len;
    } else {
      for (const e = d + len; d < e;) dst[d++] = dst[r++];
    }
  }
  return d - d0;
}

/** Decodes one BloscLZ stream (FastLZ-derived; 13-bit or 16-bit distances). */
export function blosclzDecompress(
  src: Uint8Array, s: number, sEnd: number, dst: Uint8Array, d: number, dEnd: number, source = "<buffer>",
): number {
  const d0 = d;
  const bad = (what: string, at: number): never => {
    throw new NanoVDBError(`corrupt BloscLZ stream: ${what}`, source, at, "a valid BloscLZ sequence");
  };
  if (s >= sEnd) bad("empty stream", s);
  let ctrl = src[s++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      let ofs = (ctrl & 31) << 8;
      if (len === 6) {
        let code;
        do {
          if (s >= sEnd) bad("match length runs past the stream", s);
          code = src[s++];
          len += code;
        } while (code === 255);
      }
      if (s >= sEnd) bad("truncated match distance", s);
      const code = src[s++];
      let back = ofs + code; // the match starts at op - back - 1
      if (code === 255 && ofs === 31 << 8) {
        if (s + 2 > sEnd) bad("truncated far distance", s);
        ofs = (src[s] << 8) | src[s + 1];
        s += 2;
        back = ofs + MAX_DISTANCE;
      }
      len += 3;
      const r0 = d - back - 1;
      if (r0 < d0) bad("match distance points before the output", s);
      if (d + len > dEnd) bad("match overflows the output", s);
      for (let r = r0, e = d + len; d < e;) dst[d++] = dst[r++];
      if (s >= sEnd) break;
      ctrl = src[s++];
    } else {
      const n = ctrl + 1;
      if (s + n > sEnd) bad("literals run past the stream", s);
      if (d + n > dEnd) bad("literals overflow the output", s);
      dst.set(src.subarray(s, s + n), d);
      s += n;
      d += n;
      if (s >= sEnd) break;
      ctrl = src[s++];
    }
  }
  return d - d0;
}

/** Inverse of Blosc's byte shuffle of one block. */
function unshuffle(typesize: number, bsize: number, src: Uint8Array, dst: Uint8Array, d: number): void {
  const n = Math.floor(bsize / typesize);
  for (let j = 0; j < typesize; j++) {
    const row = j * n;
    for (let i = 0; i < n; i++) dst[d + i * typesize + j] = src[row + i];
  }
  const rem = bsize - n * typesize;
  if (rem) dst.set(src.subarray(bsize - rem, bsize), d + bsize - rem);
}

/**
 * Inverse of Blosc's bit shuffle of one block: bit k of byte j of element i was stored in bit row
 * 8j+k, at bit (i mod 8) of byte floor(i/8) of that row. Only whole groups of 8 elements are
 * transposed; format version 2 frames copy blocks whose element count is not a multiple of 8.
 */
function bitunshuffle(typesize: number, bsize: number, src: Uint8Array, dst: Uint8Array, d: number, version: number): void {
  let n = Math.floor(bsize / typesize);
  if (version === 2 && n % 8 !== 0) {
    dst.set(src.subarray(0, bsize), d);
    return;
  }
  n -= n % 8;
  const rowBytes = n >>> 3;
  for (let j = 0; j < typesize; j++) {
    for (let k = 0; k < 8; k++) {
      const row = (j * 8 + k) * rowBytes;
      const bit = 1 << k;
      for (let i = 0; i < n; i++) {
        if ((src[row + (i >>> 3)] >>> (i & 7)) & 1) dst[d + i * typesize + j] |= bit;
        else dst[d + i * typesize + j] &= ~bit;
      }
    }
  }
  const done = n * typesize;
  if (done < bsize) dst.set(src.subarray(done, bsize), d + done);
}
