// Runs once before the suite: makes NVRTC available (from the wheel the machine keeps, when no
// system NVRTC exists), so that CUDA code generation is compiled on every run, GPU or not.
import { fetchNvrtc } from "../scripts/fetch-nvrtc.mjs";

export default function setup(): void {
  try {
    const lib = fetchNvrtc({ quiet: true });
    if (lib && !process.env.WEFT_NVRTC_PATH) process.env.WEFT_NVRTC_PATH = lib;
  } catch (e) {
    process.stderr.write(`weft tests: NVRTC unavailable (${(e as Error).message}); CUDA compile tests will say why\n`);
  }
}
