// NanoVDB magic numbers, versions and the file-level structures (FileHeader, FileMetaData).
//
// Magics (8 ASCII bytes at offset 0):
//   "NanoVDB0"  every file and every grid up to 32.5; files of 32.6/32.7 (their grids keep
//               "NanoVDB0" at offset 0 and, in 32.6, "NanoVDB1" in GridData::mData2)
//   "NanoVDB1"  grids (GridData::mMagic) written by 32.7 and later
//   "NanoVDB2"  files (FileHeader::magic) written by 32.8 and later
// A file is a sequence of segments: FileHeader (16 B), gridCount x (FileMetaData (176 B) + name),
// then each grid's payload. Since 32.6 a file may also be a raw grid buffer (one or more GridData
// chained by mGridSize) without any header.
import { NanoVDBError } from "./errors.js";
import { FILE_HEADER_SIZE, FILE_META_SIZE } from "./layout.js";

export const MAGIC_NUMB = "NanoVDB0";
export const MAGIC_GRID = "NanoVDB1";
export const MAGIC_FILE = "NanoVDB2";

export const Codec = { NONE: 0, ZIP: 1, BLOSC: 2 } as const;
export type CodecName = "NONE" | "ZIP" | "BLOSC";
export const CODEC_NAMES: CodecName[] = ["NONE", "ZIP", "BLOSC"];

export interface Version { major: number; minor: number; patch: number; id: number }

export const decodeVersion = (id: number): Version => ({
  major: (id >>> 21) & 0x7ff, minor: (id >>> 10) & 0x7ff, patch: id & 0x3ff, id: id >>> 0,
});
export const encodeVersion = (major: number, minor: number, patch: number): number => ((major << 21) | (minor << 10) | patch) >>> 0;
export const versionString = (v: Version): string => `${v.major}.${v.minor}.${v.patch}`;

/** The version this module writes: NanoVDB 32.4.2 (magic "NanoVDB0"), readable by 32.3 - 32.9 tools. */
export const WRITE_VERSION = encodeVersion(32, 4, 2);

/** Oldest and newest minor versions of major 32 whose layout this module knows. */
export const MIN_MINOR = 3;
export const MAX_MINOR = 9;

export function checkVersion(v: Version, source: string, offset: number, what: string): void {
  if (v.major !== 32 || v.minor < MIN_MINOR || v.minor > MAX_MINOR) {
    throw new NanoVDBError(
      `unsupported NanoVDB version ${versionString(v)} in ${what}`, source, offset, `32.${MIN_MINOR}.x - 32.${MAX_MINOR}.x`,
    );
  }
}

export function readMagic(bytes: Uint8Array, at: number): string {
  let s = "";
  for (let i = 0; i < 8 && at + i < bytes.length; i++) s += String.fromCharCode(bytes[at + i]);
  return s;
}

export function writeMagic(bytes: Uint8Array, at: number, magic: string): void {
  for (let i = 0; i < 8; i++) bytes[at + i] = magic.charCodeAt(i);
}

/** Explains an unrecognised magic (other endianness, an OpenVDB file, garbage). */
export function magicError(bytes: Uint8Array, at: number, source: string, what: string): NanoVDBError {
  const m = readMagic(bytes, at);
  const rev = m.split("").reverse().join("");
  let hint = "";
  if (rev === MAGIC_NUMB || rev === MAGIC_FILE || rev === MAGIC_GRID) hint = " (the file has reversed, big-endian byte order)";
  else if (bytes.length >= at + 4 && bytes[at] === 0x20 && bytes[at + 1] === 0x42 && bytes[at + 2] === 0x44 && bytes[at + 3] === 0x56) {
    hint = " (this is an OpenVDB .vdb file; convert it with nanovdb_convert)";
  }
  const shown = Array.from(bytes.subarray(at, at + 8), (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
  return new NanoVDBError(`bad magic "${shown}" in ${what}${hint}`, source, at, `"${MAGIC_NUMB}", "${MAGIC_GRID}" or "${MAGIC_FILE}"`);
}

export interface FileHeader { magic: string; version: Version; gridCount: number; codec: number }

export function readFileHeader(bytes: Uint8Array, at: number, source: string): FileHeader {
  if (at + FILE_HEADER_SIZE > bytes.length) {
    throw new NanoVDBError("truncated file header", source, at, `${FILE_HEADER_SIZE} bytes, ${bytes.length - at} remain`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = readMagic(bytes, at);
  if (magic !== MAGIC_NUMB && magic !== MAGIC_FILE) throw magicError(bytes, at, source, "file header");
  const version = decodeVersion(dv.getUint32(at + 8, true));
  checkVersion(version, source, at + 8, "file header");
  const gridCount = dv.getUint16(at + 12, true);
  const codec = dv.getUint16(at + 14, true);
  if (gridCount === 0) throw new NanoVDBError("file segment with zero grids", source, at + 12, "gridCount >= 1");
  if (codec > 2) throw new NanoVDBError(`unsupported codec ${codec}`, source, at + 14, "codec 0 (NONE), 1 (ZIP) or 2 (BLOSC)");
  return { magic, version, gridCount, codec };
}

/** io::FileMetaData, followed by the grid name (nameSize bytes, NUL included). */
export interface FileMetaData {
  gridSize: number; fileSize: number; nameKey: bigint; voxelCount: number;
  gridType: number; gridClass: number;
  worldBBox: [number[], number[]]; indexBBox: [number[], number[]]; voxelSize: number[];
  nameSize: number; nodeCount: number[]; tileCount: number[]; codec: number; version: Version;
  name: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function readU64(dv: DataView, at: number, source: string, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(MAX_SAFE)) throw new NanoVDBError(`${what} ${v} is too large`, source, at, `a ${what} below 2^53`);
  return Number(v);
}

export function readI64(dv: DataView, at: number, source: string, what: string): number {
  const v = dv.getBigInt64(at, true);
  if (v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE)) throw new NanoVDBError(`${what} ${v} is out of range`, source, at, `|${what}| below 2^53`);
  return Number(v);
}

export function readFileMetaData(bytes: Uint8Array, at: number, source: string): { meta: FileMetaData; next: number } {
  if (at + FILE_META_SIZE > bytes.length) {
    throw new NanoVDBError("truncated grid metadata", source, at, `${FILE_META_SIZE} bytes, ${bytes.length - at} remain`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f64 = (o: number, n: number) => Array.from({ length: n }, (_, i) => dv.getFloat64(at + o + 8 * i, true));
  const i32 = (o: number, n: number) => Array.from({ length: n }, (_, i) => dv.getInt32(at + o + 4 * i, true));
  const u32 = (o: number, n: number) => Array.from({ length: n }, (_, i) => dv.getUint32(at + o + 4 * i, true));
  const nameSize = dv.getUint32(at + 136, true);
  const nameAt = at + FILE_META_SIZE;
  if (nameSize > bytes.length - nameAt) {
    throw new NanoVDBError(`grid name of ${nameSize} bytes runs past the end of the file`, source, at + 136, `at most ${bytes.length - nameAt} bytes`);
  }
  let name = "";
  for (let i = 0; i < nameSize && bytes[nameAt + i] !== 0; i++) name += String.fromCharCode(bytes[nameAt + i]);
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(nameAt, nameAt + name.length));
  } catch { /* keep the latin-1 reading */ }
  const meta: FileMetaData = {
    gridSize: readU64(dv, at, source, "grid size"),
    fileSize: readU64(dv, at + 8, source, "grid file size"),
    nameKey: dv.getBigUint64(at + 16, true),
    voxelCount: readU64(dv, at + 24, source, "voxel count"),
    gridType: dv.getUint32(at + 32, true),
    gridClass: dv.getUint32(at + 36, true),
    worldBBox: [f64(40, 3), f64(64, 3)],
    indexBBox: [i32(88, 3), i32(100, 3)],
    voxelSize: f64(112, 3),
    nameSize,
    nodeCount: u32(140, 4),
    tileCount: u32(156, 3),
    codec: dv.getUint16(at + 168, true),
    version: decodeVersion(dv.getUint32(at + 172, true)),
    name,
  };
  return { meta, next: nameAt + nameSize };
}

/** NanoVDB's io::stringHash (used for FileMetaData::nameKey). */
export function stringHash(name: string): bigint {
  let hash = 0n;
  const mask = (1n << 64n) - 1n;
  for (const b of new TextEncoder().encode(name)) {
    if (b === 0) break;
    const overflow = hash >> 56n;
    hash = (hash * 67n + BigInt(b) + overflow) & mask;
  }
  return hash;
}
