// Devices and the dispatcher's default. "cpu" is always present (WebAssembly on every core, with the
// reference interpreter selectable for testing); "cuda:N" devices join when the CUDA addon loads and
// finds a GPU. A device owns its memory through the small `DeviceMemory` interface, which is all the
// array code needs, so arrays are written once for every device.

import { getCpuMemory } from "../backends/wasm/memory.js";

export interface DeviceMemory {
  alloc(bytes: number): number | bigint;
  free(ptr: number | bigint): void;
  write(ptr: number | bigint, src: Uint8Array): void;
  read(ptr: number | bigint, bytes: number): Uint8Array;
  /** Repeats `pattern` (1, 2, 4 or 8 bytes, or one element) `count` times from `ptr`. */
  fill(ptr: number | bigint, pattern: Uint8Array, count: number): void;
  copy(dst: number | bigint, src: number | bigint, bytes: number): void;
  bytesInUse(): number;
}

export interface DeviceInfo {
  name: string;
  kind: "cpu" | "cuda";
  ordinal: number;
  description: string;
  totalMemory: number;
  computeCapability?: [number, number];
  arch?: string;
}

export class Device {
  constructor(readonly info: DeviceInfo, readonly memory: DeviceMemory) {}
  get name(): string { return this.info.name; }
  get kind(): "cpu" | "cuda" { return this.info.kind; }
  get isCpu(): boolean { return this.info.kind === "cpu"; }
  get isCuda(): boolean { return this.info.kind === "cuda"; }
  toString(): string { return this.info.name; }
}

class CpuDeviceMemory implements DeviceMemory {
  private mem = getCpuMemory();
  alloc(bytes: number): number { return this.mem.alloc(Math.max(bytes, 1), 16, false); }
  free(ptr: number | bigint): void { this.mem.free(Number(ptr)); }
  write(ptr: number | bigint, src: Uint8Array): void { this.mem.u8.set(src, Number(ptr)); }
  read(ptr: number | bigint, bytes: number): Uint8Array { return this.mem.u8.slice(Number(ptr), Number(ptr) + bytes); }
  fill(ptr: number | bigint, pattern: Uint8Array, count: number): void {
    const u8 = this.mem.u8, p = Number(ptr), n = pattern.length;
    if (n === 1 || pattern.every((b) => b === pattern[0])) { u8.fill(pattern[0], p, p + n * count); return; }
    // Doubling copies: log2(count) memcpy calls instead of one store per element.
    u8.set(pattern, p);
    let done = 1;
    while (done < count) {
      const c = Math.min(done, count - done);
      u8.copyWithin(p + done * n, p, p + c * n);
      done += c;
    }
  }
  copy(dst: number | bigint, src: number | bigint, bytes: number): void {
    this.mem.u8.copyWithin(Number(dst), Number(src), Number(src) + bytes);
  }
  bytesInUse(): number { return this.mem.bytesInUse; }
  get raw() { return this.mem; }
}

const cpuMemory = new CpuDeviceMemory();
export const cpuDevice = new Device(
  { name: "cpu", kind: "cpu", ordinal: 0, description: "WebAssembly SIMD on all CPU cores", totalMemory: 4 * 2 ** 30 },
  cpuMemory,
);
/** The CPU device's shared WebAssembly.Memory holder (for zero-copy views and the interpreter). */
export function cpuRawMemory() { return cpuMemory.raw; }

const registry = new Map<string, Device>([["cpu", cpuDevice]]);
let current: Device | null = null;

export function registerDevice(d: Device): void { registry.set(d.name, d); }

export function devices(): Device[] { return [...registry.values()]; }

export function getDevice(name?: string | Device): Device {
  if (name instanceof Device) return name;
  if (name === undefined) return current ?? defaultDevice();
  const d = registry.get(name === "cuda" ? "cuda:0" : name);
  if (!d) {
    const known = [...registry.keys()].join(", ");
    const noCuda = ![...registry.values()].some((x) => x.isCuda);
    const hint = name.startsWith("cuda") && noCuda ? ` (${cudaUnavailableReason ?? "CUDA devices appear after wf.init()"})` : "";
    throw new Error(`unknown device '${name}': available devices are ${known}${hint}`);
  }
  return d;
}

export function setDevice(name: string | Device): Device {
  current = getDevice(name);
  return current;
}

let cudaUnavailableReason: string | null = null;
export function setCudaStatus(reason: string | null): void { cudaUnavailableReason = reason; }
export function cudaStatus(): { available: boolean; reason: string } {
  const any = [...registry.values()].some((d) => d.isCuda);
  return { available: any, reason: any ? "" : cudaUnavailableReason ?? "CUDA not probed yet (call wf.init())" };
}

/** WEFT_DEVICE if set, else the first CUDA device, else cpu. */
export function defaultDevice(): Device {
  const env = process.env.WEFT_DEVICE;
  if (env) return getDevice(env);
  return [...registry.values()].find((d) => d.isCuda) ?? cpuDevice;
}
