// Modules, kernel launch, streams, events and CUDA graph capture.
#include <cstdio>
#include <string>

#include "weft_cuda.h"

namespace weft::cuda {

namespace {

template <typename T>
inline T as(uint64_t h) {
  return reinterpret_cast<T>(h);
}
template <typename T>
inline uint64_t id(T h) {
  return reinterpret_cast<uint64_t>(h);
}

// Device of a stream argument; the legacy default stream (0) means "the current device".
int streamDevice(uint64_t stream) {
  return stream ? handleDevice(stream, Kind::Stream) : currentDevice();
}

void requireGraphs() {
  requireCuda();
  if (!drv.cuStreamBeginCapture || !drv.cuStreamEndCapture || !drv.cuGraphInstantiateWithFlags ||
      !drv.cuGraphLaunch || !drv.cuGraphExecDestroy || !drv.cuGraphDestroy) {
    throw Error("WEFT_NOT_SUPPORTED", "CUDA graphs need a newer NVIDIA driver (CUDA >= 11.4)");
  }
}

}  // namespace

uint64_t moduleLoad(int dev, const void* image, size_t bytes) {
  enter(dev);
  if (bytes == 0) throw Error("WEFT_INVALID_VALUE", "moduleLoad: the image is empty");
  // cuModuleLoadData reads PTX as a NUL-terminated string; a cubin carries its own size.
  // Copy PTX that is not terminated so the driver never reads past the JS buffer.
  const char* p = static_cast<const char*>(image);
  bool isElf = bytes >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
  std::string ptx;
  if (!isElf && p[bytes - 1] != '\0') {
    ptx.assign(p, bytes);
    image = ptx.c_str();
  }
  CUmodule mod = nullptr;
  check(drv.cuModuleLoadData(&mod, image), dev, "cuModuleLoadData");
  registerHandle(id(mod), Kind::Module, dev);
  return id(mod);
}

uint64_t moduleGetFunction(uint64_t mod, const std::string& name) {
  int dev = handleDevice(mod, Kind::Module);
  enter(dev);
  CUfunction fn = nullptr;
  CUresult r = drv.cuModuleGetFunction(&fn, as<CUmodule>(mod), name.c_str());
  if (r != CUDA_SUCCESS) fail(r, dev, "cuModuleGetFunction(\"" + name + "\")");
  registerHandle(id(fn), Kind::Function, dev, mod);
  return id(fn);
}

// The address and size of a `__device__` variable (the generated code's error record).
std::pair<uint64_t, size_t> moduleGetGlobal(uint64_t mod, const std::string& name) {
  int dev = handleDevice(mod, Kind::Module);
  enter(dev);
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  CUresult r = drv.cuModuleGetGlobal(&ptr, &bytes, as<CUmodule>(mod), name.c_str());
  if (r != CUDA_SUCCESS) fail(r, dev, "cuModuleGetGlobal(\"" + name + "\")");
  return {static_cast<uint64_t>(ptr), bytes};
}

void moduleUnload(uint64_t mod) {
  int dev = handleDevice(mod, Kind::Module);
  unregisterHandle(mod, Kind::Module);
  if (isLost(dev)) return;
  enter(dev);
  check(drv.cuModuleUnload(as<CUmodule>(mod)), dev, "cuModuleUnload");
}

FunctionAttributes functionAttributes(uint64_t fn) {
  int dev = handleDevice(fn, Kind::Function);
  enter(dev);
  auto attr = [&](int a) {
    int v = 0;
    check(drv.cuFuncGetAttribute(&v, a, as<CUfunction>(fn)), dev, "cuFuncGetAttribute");
    return v;
  };
  return {attr(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), attr(CU_FUNC_ATTRIBUTE_NUM_REGS),
          attr(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), attr(CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES)};
}

std::pair<int, int> occupancyMaxPotentialBlockSize(uint64_t fn, size_t dynamicSmem) {
  int dev = handleDevice(fn, Kind::Function);
  enter(dev);
  if (!drv.cuOccupancyMaxPotentialBlockSize) {
    throw Error("WEFT_NOT_SUPPORTED", "cuOccupancyMaxPotentialBlockSize is not exported");
  }
  int minGrid = 0, block = 0;
  check(drv.cuOccupancyMaxPotentialBlockSize(&minGrid, &block, as<CUfunction>(fn), nullptr,
                                             dynamicSmem, 0),
        dev, "cuOccupancyMaxPotentialBlockSize");
  return {minGrid, block};
}

// The hot path: no allocation, two registry look-ups (which also catch stale handles) and one
// driver call. Arguments travel as one packed buffer (CU_LAUNCH_PARAM_BUFFER_POINTER), laid out
// by the code generator once per kernel, so nothing here depends on the kernel's signature.
void launch(int dev, uint64_t fn, const unsigned grid[3], const unsigned block[3],
            unsigned sharedBytes, uint64_t stream, void* params, size_t paramBytes) {
  enter(dev);
  int fdev = handleDevice(fn, Kind::Function);
  if (fdev != dev) {
    throw Error("WEFT_DEVICE_MISMATCH", "kernel was loaded on cuda:" + std::to_string(fdev) +
                                            ", not cuda:" + std::to_string(dev));
  }
  checkStream(stream, dev);
  size_t size = paramBytes;
  void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, params, CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   CU_LAUNCH_PARAM_END};
  CUresult r = drv.cuLaunchKernel(as<CUfunction>(fn), grid[0], grid[1], grid[2], block[0],
                                  block[1], block[2], sharedBytes, as<CUstream>(stream), nullptr,
                                  paramBytes ? extra : nullptr);
  if (r != CUDA_SUCCESS) {
    char dims[96];
    std::snprintf(dims, sizeof(dims), "cuLaunchKernel(grid %ux%ux%u, block %ux%ux%u)", grid[0],
                  grid[1], grid[2], block[0], block[1], block[2]);
    fail(r, dev, dims);
  }
}

uint64_t streamCreate(int dev, unsigned flags) {
  enter(dev);
  CUstream s = nullptr;
  check(drv.cuStreamCreate(&s, flags), dev, "cuStreamCreate");
  registerHandle(id(s), Kind::Stream, dev);
  return id(s);
}

void streamDestroy(uint64_t stream) {
  if (stream == 0) throw Error("WEFT_INVALID_HANDLE", "the default stream cannot be destroyed");
  int dev = handleDevice(stream, Kind::Stream);
  unregisterHandle(stream, Kind::Stream);
  if (isLost(dev)) return;
  enter(dev);
  check(drv.cuStreamDestroy(as<CUstream>(stream)), dev, "cuStreamDestroy");
}

void streamSynchronize(uint64_t stream) {
  int dev = streamDevice(stream);
  enter(dev);
  check(drv.cuStreamSynchronize(as<CUstream>(stream)), dev, "cuStreamSynchronize");
}

uint64_t eventCreate(int dev, bool timing) {
  enter(dev);
  CUevent e = nullptr;
  check(drv.cuEventCreate(&e, timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING), dev,
        "cuEventCreate");
  registerHandle(id(e), Kind::Event, dev);
  return id(e);
}

void eventRecord(uint64_t ev, uint64_t stream) {
  int dev = handleDevice(ev, Kind::Event);
  enter(dev);
  checkStream(stream, dev);
  check(drv.cuEventRecord(as<CUevent>(ev), as<CUstream>(stream)), dev, "cuEventRecord");
}

void eventSynchronize(uint64_t ev) {
  int dev = handleDevice(ev, Kind::Event);
  enter(dev);
  check(drv.cuEventSynchronize(as<CUevent>(ev)), dev, "cuEventSynchronize");
}

float eventElapsedMs(uint64_t start, uint64_t end) {
  int dev = handleDevice(start, Kind::Event);
  handleDevice(end, Kind::Event);
  enter(dev);
  float ms = 0;
  check(drv.cuEventElapsedTime(&ms, as<CUevent>(start), as<CUevent>(end)), dev,
        "cuEventElapsedTime");
  return ms;
}

void eventDestroy(uint64_t ev) {
  int dev = handleDevice(ev, Kind::Event);
  unregisterHandle(ev, Kind::Event);
  if (isLost(dev)) return;
  enter(dev);
  check(drv.cuEventDestroy(as<CUevent>(ev)), dev, "cuEventDestroy");
}

void ctxSynchronize(int dev) {
  enter(dev);
  check(drv.cuCtxSynchronize(), dev, "cuCtxSynchronize");
}

void beginCapture(uint64_t stream, int mode) {
  requireGraphs();
  int dev = streamDevice(stream);
  enter(dev);
  check(drv.cuStreamBeginCapture(as<CUstream>(stream), mode), dev, "cuStreamBeginCapture");
}

uint64_t endCapture(uint64_t stream) {
  requireGraphs();
  int dev = streamDevice(stream);
  enter(dev);
  CUgraph graph = nullptr;
  check(drv.cuStreamEndCapture(as<CUstream>(stream), &graph), dev, "cuStreamEndCapture");
  CUgraphExec exec = nullptr;
  CUresult r = drv.cuGraphInstantiateWithFlags(&exec, graph, 0);
  drv.cuGraphDestroy(graph);  // the executable graph keeps its own copy
  if (r != CUDA_SUCCESS) fail(r, dev, "cuGraphInstantiateWithFlags");
  registerHandle(id(exec), Kind::GraphExec, dev);
  return id(exec);
}

void graphLaunch(uint64_t exec, uint64_t stream) {
  int dev = handleDevice(exec, Kind::GraphExec);
  requireGraphs();
  enter(dev);
  checkStream(stream, dev);
  check(drv.cuGraphLaunch(as<CUgraphExec>(exec), as<CUstream>(stream)), dev, "cuGraphLaunch");
}

void graphDestroy(uint64_t exec) {
  int dev = handleDevice(exec, Kind::GraphExec);
  requireGraphs();
  unregisterHandle(exec, Kind::GraphExec);
  if (isLost(dev)) return;
  enter(dev);
  check(drv.cuGraphExecDestroy(as<CUgraphExec>(exec)), dev, "cuGraphExecDestroy");
}

}  // namespace weft::cuda
