// The CUDA backend as the runtime sees it (engine/runtime/backends.ts loads this file on demand):
// one CudaBackend per device over the driver that `wf.init()` probed.
import type { RuntimeBackend } from "../../runtime/backends.js";
import { cudaDriver } from "../../runtime/cuda-device.js";
import { cudaRuntimeBackendOver } from "./backend.js";

export function cudaRuntimeBackend(): RuntimeBackend {
  return cudaRuntimeBackendOver(() => cudaDriver().native);
}
