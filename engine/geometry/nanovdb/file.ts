// Reading .nvdb files (NanoVDB 32.3 - 32.9): segmented files (magic "NanoVDB0" or "NanoVDB2") with
// codecs NONE, ZIP and BLOSC, several grids per file and several grids chained inside one payload,
// and raw grid buffers (32.6+: the file is GridData directly, magic "NanoVDB1", or "NanoVDB0" with
// "NanoVDB1" in GridData::mData2).
import { readFileSync } from "node:fs";
import { decodePayload } from "./codecs.js";
import { NanoVDBError } from "./errors.js";
import {
  CODEC_NAMES, MAGIC_FILE, MAGIC_GRID, MAGIC_NUMB, decodeVersion, magicError, readFileHeader, readFileMetaData, readMagic,
} from "./header.js";
import { type NanoGrid, type ParseOptions, parseGrid } from "./grid.js";
import { FILE_HEADER_SIZE, GRID, GRID_DATA_SIZE } from "./layout.js";

export type ReadOptions = ParseOptions;

/** True when the bytes at 0 are a raw grid buffer rather than a file header. */
function isRawGrid(bytes: Uint8Array): boolean {
  const magic = readMagic(bytes, 0);
  if (magic === MAGIC_GRID) return true;
  if (magic !== MAGIC_NUMB) return false;
  if (bytes.length >= GRID_DATA_SIZE && readMagic(bytes, GRID.data2) === MAGIC_GRID) return true; // 32.6 grid
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 20) return false;
  const fileVersion = decodeVersion(dv.getUint32(8, true)); // FileHeader::version
  const gridVersion = decodeVersion(dv.getUint32(16, true)); // GridData::mVersion
  return fileVersion.major !== 32 && gridVersion.major === 32;
}

/** Parses the grids chained in one decoded payload (each GridData followed by the next). */
function parseChain(payload: Uint8Array, source: string, base: number, opts: ReadOptions, extra: Partial<NanoGrid> = {}): NanoGrid[] {
  const grids: NanoGrid[] = [];
  let at = 0;
  while (at < payload.length) {
    const g = parseGrid(payload, at, source, base, opts);
    Object.assign(g, extra);
    grids.push(g);
    at += g.gridSize;
    if (payload.length - at < GRID_DATA_SIZE) {
      if (at !== payload.length && payload.subarray(at).some((b) => b !== 0)) {
        throw new NanoVDBError(`${payload.length - at} stray bytes after the last grid`, source, base + at, "another GridData or the end of the payload");
      }
      break;
    }
  }
  return grids;
}

/**
 * Reads every grid of a .nvdb file image. `source` names the file in error messages.
 * Each returned grid owns a copy of its buffer (ArrayBuffer-backed, byteOffset 0).
 */
export function readNanoVDB(bytes: Uint8Array, source = "<buffer>", opts: ReadOptions = {}): NanoGrid[] {
  if (!(bytes instanceof Uint8Array)) throw new NanoVDBError("expected the file contents as a Uint8Array", source, -1);
  if (bytes.length < 8) throw new NanoVDBError(`file of ${bytes.length} bytes is too short`, source, 0, "at least a 16-byte header");
  const magic = readMagic(bytes, 0);
  if (magic !== MAGIC_NUMB && magic !== MAGIC_GRID && magic !== MAGIC_FILE) throw magicError(bytes, 0, source, "file header");
  if (isRawGrid(bytes)) return parseChain(bytes, source, 0, opts, { codec: "NONE" });
  const grids: NanoGrid[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = readFileHeader(bytes, at, source);
    let p = at + FILE_HEADER_SIZE;
    const metas = [];
    for (let i = 0; i < header.gridCount; i++) {
      const { meta, next } = readFileMetaData(bytes, p, source);
      metas.push({ meta, at: p });
      p = next;
    }
    for (const { meta, at: metaAt } of metas) {
      if (meta.gridSize < GRID_DATA_SIZE) {
        throw new NanoVDBError(`grid size ${meta.gridSize} in the file metadata is too small`, source, metaAt, `at least ${GRID_DATA_SIZE} bytes`);
      }
      if (meta.fileSize > bytes.length - p) {
        throw new NanoVDBError(
          `grid "${meta.name}" claims ${meta.fileSize} file bytes (${meta.gridSize} in memory) but ${bytes.length - p} remain`,
          source, metaAt + 8, "a payload inside the file",
        );
      }
      if (header.codec === 0 && meta.fileSize !== meta.gridSize) {
        throw new NanoVDBError(`uncompressed grid with file size ${meta.fileSize} != grid size ${meta.gridSize}`, source, metaAt + 8, "equal sizes");
      }
      const payload = decodePayload(bytes, p, meta.fileSize, meta.gridSize, header.codec, source);
      grids.push(...parseChain(payload, source, p, opts, { fileMeta: meta, codec: CODEC_NAMES[header.codec] }));
      p += meta.fileSize;
    }
    at = p;
  }
  return grids;
}

/** Reads every grid of a .nvdb file. */
export function readNanoVDBFile(path: string, opts: ReadOptions = {}): NanoGrid[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new NanoVDBError(`cannot read the file (${(e as Error).message})`, path, -1);
  }
  return readNanoVDB(bytes, path, opts);
}
