// CUDA devices: discovered at `wf.init()` through the native addon, with device memory behind the
// same `DeviceMemory` interface as the CPU, so arrays, copies and fills are written once.

import type { NativeCuda } from "../backends/cuda/native.js";
import { CudaDriver } from "../backends/cuda/driver.js";
import { Device, DeviceMemory, registerDevice, setCudaStatus } from "./device.js";

class CudaDeviceMemory implements DeviceMemory {
  private inUse = 0;
  private sizes = new Map<bigint, number>();
  constructor(private native: NativeCuda, private ordinal: number) {}
  alloc(bytes: number): bigint {
    const p = this.native.memAlloc(this.ordinal, Math.max(bytes, 1));
    this.sizes.set(p, bytes);
    this.inUse += bytes;
    return p;
  }
  free(ptr: number | bigint): void {
    const p = BigInt(ptr);
    this.inUse -= this.sizes.get(p) ?? 0;
    this.sizes.delete(p);
    this.native.memFree(this.ordinal, p);
  }
  write(ptr: number | bigint, src: Uint8Array): void { if (src.byteLength) this.native.memcpyHtoD(this.ordinal, BigInt(ptr), src); }
  read(ptr: number | bigint, bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    if (bytes) this.native.memcpyDtoH(this.ordinal, out, BigInt(ptr));
    return out;
  }
  fill(ptr: number | bigint, pattern: Uint8Array, count: number): void {
    const p = BigInt(ptr), n = pattern.length;
    if (count === 0) return;
    if (n === 1 || pattern.every((b) => b === pattern[0])) { this.native.memsetD8(this.ordinal, p, pattern[0], n * count); return; }
    if (n === 4) { this.native.memsetD32(this.ordinal, p, new DataView(pattern.buffer, pattern.byteOffset).getUint32(0, true), count); return; }
    // Other element sizes: write one element, then double it with device-to-device copies.
    this.native.memcpyHtoD(this.ordinal, p, pattern);
    let done = 1;
    while (done < count) {
      const c = Math.min(done, count - done);
      this.native.memcpyDtoD(this.ordinal, p + BigInt(done * n), p, c * n);
      done += c;
    }
  }
  copy(dst: number | bigint, src: number | bigint, bytes: number): void {
    if (bytes) this.native.memcpyDtoD(this.ordinal, BigInt(dst), BigInt(src), bytes);
  }
  bytesInUse(): number { return this.inUse; }
}

let driver: CudaDriver | null = null;
let probed = false;

/** Registers every CUDA device; returns why there are none when there are none. */
export function probeCuda(): { driver: CudaDriver | null; reason: string } {
  if (probed) return { driver, reason: driver ? "" : lastReason };
  probed = true;
  if (process.env.WEFT_DISABLE_CUDA === "1") { lastReason = "disabled by WEFT_DISABLE_CUDA=1"; setCudaStatus(lastReason); return { driver: null, reason: lastReason }; }
  const { driver: d, reason } = CudaDriver.load();
  if (!d) { lastReason = reason; setCudaStatus(reason); return { driver: null, reason }; }
  const st = d.status();
  if (!st.available) { lastReason = st.reason; setCudaStatus(st.reason); return { driver: null, reason: st.reason }; }
  driver = d;
  for (const info of d.listDevices()) {
    registerDevice(new Device({
      name: info.id, kind: "cuda", ordinal: info.ordinal, description: info.name, totalMemory: info.totalMem,
      computeCapability: [info.major, info.minor], arch: info.arch,
    }, new CudaDeviceMemory(d.native, info.ordinal)));
  }
  setCudaStatus(null);
  return { driver, reason: "" };
}
let lastReason = "";

export function cudaDriver(): CudaDriver {
  if (!driver) throw new Error(`CUDA is not available: ${lastReason || "call wf.init() first"}`);
  return driver;
}
