// The CUDA backend as the runtime sees it (engine/runtime/backends.ts loads this file on demand):
// one CudaBackend per device over the driver that `wf.init()` probed. Each loaded module is
// registered with its device, so `wf.synchronize()` reads its error record, and its launches report
// driver failures with the kernel and the device named.
import type { RuntimeBackend } from "../../runtime/backends.js";
import type { ArgValue, LoadedModuleHandle } from "../../runtime/backend.js";
import { KernelTrap } from "../../runtime/backend.js";
import type { Device } from "../../runtime/device.js";
import { CudaDeviceState, cudaDriver, cudaError, cudaState } from "../../runtime/cuda-device.js";
import { CudaModule, cudaRuntimeBackendOver } from "./backend.js";

export function cudaRuntimeBackend(): RuntimeBackend {
  const base = cudaRuntimeBackendOver(() => cudaDriver().native);
  return {
    ...base,
    load(artifact, kernels, device) {
      let inner: LoadedModuleHandle;
      try {
        inner = base.load(artifact, kernels, device);
      } catch (e) { throw cudaError(e, device, "loading a CUDA module"); }
      return new TrackedCudaModule(inner as CudaModule, device, cudaState(device));
    },
  };
}

/** A loaded module registered with its device; launch errors name the kernel. */
class TrackedCudaModule implements LoadedModuleHandle {
  constructor(private readonly inner: CudaModule, private readonly device: Device, private readonly st: CudaDeviceState) {
    st.modules.add(this);
  }

  launch(kernel: string, dims: number[], args: ArgValue[], stream?: unknown): void {
    try {
      if (this.st.capturing !== null && this.inner.meta.debug) this.launchCaptured(kernel, dims, args, stream);
      else this.inner.launch(kernel, dims, args, stream);
    } catch (e) {
      if (e instanceof KernelTrap || e instanceof TypeError || e instanceof RangeError) throw e;
      throw cudaError(e, this.device, `launch of kernel '${kernel}' over [${dims}]`);
    }
  }

  /**
   * Debug builds synchronize and read the error record after every launch, which a capture forbids
   * (nothing runs yet): captured launches skip that, and checks that fail in a replay are reported
   * by wf.synchronize().
   */
  private launchCaptured(kernel: string, dims: number[], args: ArgValue[], stream?: unknown): void {
    const meta = this.inner.meta;
    meta.debug = false;
    try {
      this.inner.launch(kernel, dims, args, stream);
    } finally {
      meta.debug = true;
    }
  }

  /** Throws the KernelTrap a kernel of this module recorded (call after its work completed). */
  checkErrors(): void {
    try {
      this.inner.checkErrors();
    } catch (e) {
      if (e instanceof KernelTrap) throw e;
      throw cudaError(e, this.device, "reading the kernel error record");
    }
  }

  dispose(): void {
    this.st.modules.delete(this);
    this.inner.dispose();
  }
}
