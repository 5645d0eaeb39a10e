// NanoVDB volumes on the host: reading and writing .nvdb files, building grids from dense arrays, and
// a reference accessor. The grid buffer layout is described in LAYOUT.md.
export { NanoVDBError } from "./errors.js";
export { readNanoVDB, readNanoVDBFile, type ReadOptions } from "./file.js";
export { type NanoGrid, type NanoMap, type NanoTreeInfo, parseGrid, validateTree } from "./grid.js";
export { NanoGridAccessor, type NanoLevel, type NanoValue, type Vec3 } from "./accessor.js";
export { denseToNanoVDB, type DenseGridOptions, type DenseGridType } from "./dense.js";
export { encodeNanoVDB, writeNanoVDB, type WriteOptions } from "./writer.js";
export { bloscDecompress, bloscDecompressInto, bloscFrameInfo, blosclzDecompress, lz4DecompressBlock } from "./blosc.js";
export { computeChecksum, crc32, verifyChecksum, type ChecksumMode, type ChecksumReport } from "./checksum.js";
export { Codec, MAGIC_FILE, MAGIC_GRID, MAGIC_NUMB, WRITE_VERSION, decodeVersion, encodeVersion, stringHash } from "./header.js";
export * as layout from "./layout.js";
export { fma, fmaf } from "./fma.js";
