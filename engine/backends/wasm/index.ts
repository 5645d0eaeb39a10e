// The WebAssembly backend and the CPU device: public surface.
export { WasmBackend, WasmModuleHandle, getCpuPool, setNumThreads, getNumThreads } from "./device.js";
export { CpuMemory, getCpuMemory } from "./memory.js";
export { compileWasm, emitText, buildModule } from "./compile.js";
export type { WasmCompileOptions } from "./compile.js";
export * from "./abi.js";
