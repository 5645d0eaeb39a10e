// Payload codecs of .nvdb files (io::Codec): NONE (raw grid bytes), ZIP (u64 compressed size, then a
// zlib stream made by zlib's compress()), BLOSC (for each chunk of at most 1 GiB of the grid: u64
// compressed size, then one Blosc frame).
import { deflateSync, inflateSync } from "node:zlib";
import { bloscDecompressInto } from "./blosc.js";
import { NanoVDBError } from "./errors.js";
import { CODEC_NAMES, type CodecName, readU64 } from "./header.js";

const BLOSC_CHUNK = 2 ** 30;

/**
 * Decodes the payload of one file grid entry, `bytes[at .. at+fileSize)`, to `gridSize` bytes. The
 * result is a fresh ArrayBuffer-backed array (byteOffset 0).
 */
export function decodePayload(
  bytes: Uint8Array, at: number, fileSize: number, gridSize: number, codec: number, source: string,
): Uint8Array {
  const end = at + fileSize;
  if (end > bytes.length) {
    throw new NanoVDBError(`grid payload of ${fileSize} bytes is truncated`, source, at, `${fileSize} bytes, ${bytes.length - at} remain`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkPlausibleSize(dv, at, end, gridSize, codec, source);
  const out = new Uint8Array(gridSize);
  switch (codec) {
    case 0: {
      if (fileSize < gridSize) throw new NanoVDBError(`uncompressed grid payload holds ${fileSize} bytes`, source, at, `${gridSize} bytes`);
      out.set(bytes.subarray(at, at + gridSize));
      return out;
    }
    case 1: {
      if (at + 8 > end) throw new NanoVDBError("truncated ZIP payload", source, at, "an 8-byte compressed size");
      const n = readU64(dv, at, source, "ZIP size");
      if (at + 8 + n > end) throw new NanoVDBError(`ZIP stream of ${n} bytes runs past its payload`, source, at, `at most ${end - at - 8} bytes`);
      let raw: Uint8Array;
      try {
        raw = inflateSync(bytes.subarray(at + 8, at + 8 + n), { maxOutputLength: Math.max(1, gridSize) });
      } catch (e) {
        throw new NanoVDBError(`corrupt ZIP stream (${(e as Error).message})`, source, at + 8, "a zlib stream");
      }
      if (raw.length !== gridSize) throw new NanoVDBError(`ZIP stream decoded to ${raw.length} bytes`, source, at + 8, `${gridSize} bytes`);
      out.set(raw);
      return out;
    }
    case 2: {
      let p = at, done = 0;
      do {
        if (p + 8 > end) throw new NanoVDBError("truncated BLOSC chunk", source, p, "an 8-byte compressed size");
        const n = readU64(dv, p, source, "BLOSC chunk size");
        if (p + 8 + n > end) throw new NanoVDBError(`BLOSC chunk of ${n} bytes runs past its payload`, source, p, `at most ${end - p - 8} bytes`);
        const chunk = Math.min(gridSize - done, BLOSC_CHUNK);
        const info = bloscDecompressInto(bytes, p + 8, out, done, source, p + 8 + n);
        if (info.nbytes !== chunk) {
          throw new NanoVDBError(`BLOSC chunk holds ${info.nbytes} bytes`, source, p + 8 + 4, `${chunk} bytes`);
        }
        done += chunk;
        p += 8 + n;
      } while (done < gridSize);
      return out;
    }
    default:
      throw new NanoVDBError(`unsupported codec ${codec}`, source, at, "NONE, ZIP or BLOSC");
  }
}

/**
 * Refuses grid sizes the payload cannot hold before allocating them: ZIP cannot expand more than
 * 1032:1, and the BLOSC chunk headers state their uncompressed sizes.
 */
function checkPlausibleSize(dv: DataView, at: number, end: number, gridSize: number, codec: number, source: string): void {
  if (codec === 1 && gridSize > (end - at) * 1032 + 4096) {
    throw new NanoVDBError(`grid size ${gridSize} is impossible for a ${end - at}-byte ZIP payload`, source, at, "at most 1032:1 expansion");
  }
  if (codec === 2) {
    let p = at, total = 0;
    while (total < gridSize) {
      if (p + 8 + 16 > end) throw new NanoVDBError("truncated BLOSC chunk", source, p, "an 8-byte size and a 16-byte frame header");
      const n = readU64(dv, p, source, "BLOSC chunk size");
      total += dv.getUint32(p + 8 + 4, true);
      p += 8 + n;
      if (p > end) throw new NanoVDBError(`BLOSC chunk of ${n} bytes runs past its payload`, source, p - n - 8, `at most ${end - (p - n)} bytes`);
    }
    if (total !== gridSize) throw new NanoVDBError(`BLOSC chunks hold ${total} bytes`, source, at, `${gridSize} bytes (the grid size)`);
  }
}

/** Encodes a grid buffer for a file payload. BLOSC output is not written (NanoVDB reads NONE and ZIP). */
export function encodePayload(grid: Uint8Array, codec: CodecName): Uint8Array {
  if (codec === "NONE") return grid;
  if (codec === "ZIP") {
    const z = deflateSync(grid);
    const out = new Uint8Array(8 + z.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(z.length), true);
    out.set(z, 8);
    return out;
  }
  throw new NanoVDBError(`writing the ${codec} codec is not supported`, "<writer>", -1, `one of ${CODEC_NAMES.slice(0, 2).join(", ")}`);
}
