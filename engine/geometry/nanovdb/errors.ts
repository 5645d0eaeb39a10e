// Errors raised by the NanoVDB reader, writer and accessor. Every message names the source (a file
// path or "<buffer>"), the byte offset where the problem was found, and what was expected there.

export class NanoVDBError extends Error {
  override readonly name = "NanoVDBError";
  constructor(
    message: string,
    readonly source: string = "<buffer>",
    readonly offset: number = -1,
    readonly expected: string = "",
  ) {
    super(formatMessage(message, source, offset, expected));
  }
}

function formatMessage(message: string, source: string, offset: number, expected: string): string {
  const where = offset >= 0 ? `${source} @ byte ${offset}` : source;
  return `NanoVDB: ${where}: ${message}${expected ? ` (expected ${expected})` : ""}`;
}

/** Throws a NanoVDBError unless `cond` holds. */
export function check(cond: boolean, message: string, source: string, offset: number, expected = ""): asserts cond {
  if (!cond) throw new NanoVDBError(message, source, offset, expected);
}
