// A thin typed layer over the native addon: device enumeration and the NVRTC target for a device.
// Memory, launch, streams and graphs are used straight from `driver.native` by the runtime.
import { loadNativeCuda, type CudaStatus, type NativeCuda } from "./native.js";

export interface CudaDeviceDesc {
  ordinal: number;
  /** "cuda:N", the runtime's device name. */
  id: string;
  name: string;
  totalMem: number;
  major: number;
  minor: number;
  /** The NVRTC -arch value to compile for this device, e.g. "sm_90" (see nvrtcArchFor). */
  arch: string;
}

/**
 * The NVRTC `-arch` value for a device of compute capability major.minor: "sm_XY" (a cubin, no
 * JIT at load time). When `supported` (from nvrtcSupportedArchs) is given and lacks XY — a GPU
 * newer than the NVRTC — this returns "compute_AB" for the newest supported AB below XY, so the
 * driver JIT-compiles the PTX for the device. Returns null when the NVRTC is too new for the
 * device (every supported arch is above XY: e.g. NVRTC 13 has no sm_70).
 */
export function nvrtcArchFor(major: number, minor: number): string;
export function nvrtcArchFor(major: number, minor: number, supported: readonly number[]): string | null;
export function nvrtcArchFor(major: number, minor: number, supported?: readonly number[]): string | null {
  const cc = major * 10 + minor;
  if (!supported || supported.length === 0 || supported.includes(cc)) return `sm_${cc}`;
  const below = supported.filter((a) => a < cc);
  if (below.length === 0) return null;
  return `compute_${Math.max(...below)}`;
}

export class CudaDriver {
  private devices?: CudaDeviceDesc[];

  constructor(readonly native: NativeCuda) {}

  /** The driver over the loaded addon, or null with the reason the addon could not be loaded. */
  static load(): { driver: CudaDriver | null; reason: string } {
    const { native, reason } = loadNativeCuda();
    return { driver: native ? new CudaDriver(native) : null, reason };
  }

  status(): CudaStatus {
    return this.native.status();
  }

  /** True when there is a usable GPU (driver, cuInit and at least one device). */
  get available(): boolean {
    return this.native.status().available;
  }

  /** True when CUDA C++ can be compiled (NVRTC found); needs no GPU. */
  get canCompile(): boolean {
    return this.native.status().nvrtcLoaded;
  }

  /** Every CUDA device, [] when CUDA is unavailable. Cached: the device set is fixed at cuInit. */
  listDevices(): CudaDeviceDesc[] {
    if (this.devices) return this.devices;
    const st = this.native.status();
    const archs = st.nvrtcLoaded ? this.native.nvrtcSupportedArchs() : undefined;
    const out: CudaDeviceDesc[] = [];
    for (let ordinal = 0; st.available && ordinal < st.deviceCount; ordinal++) {
      const d = this.native.deviceInfo(ordinal);
      out.push({
        ordinal,
        id: `cuda:${ordinal}`,
        name: d.name,
        totalMem: d.totalMem,
        major: d.major,
        minor: d.minor,
        arch: nvrtcArchFor(d.major, d.minor, archs ?? []) ?? `sm_${d.major}${d.minor}`,
      });
    }
    this.devices = out;
    return out;
  }
}
