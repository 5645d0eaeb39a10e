// The plain C++ layer of weft's CUDA support: no Node headers here, so it can be reused from a
// C/C++ host and tested without JavaScript. bindings/ wraps it for Node.
//
// Conventions:
// - every function that fails throws weft::cuda::Error (code = CUDA/NVRTC error name or a
//   WEFT_* code); nothing aborts the process;
// - `dev` is a device ordinal; each call makes that device's primary context current first;
// - handles (streams, events, modules, functions, graph execs) travel as uint64_t and are checked
//   against a registry, so a stale or made-up handle gives an error instead of a driver segfault.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cuda_types.h"

namespace weft::cuda {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// ---- loader.cpp ----
struct Status {
  bool driverLoaded = false;
  bool nvrtcLoaded = false;
  bool available = false;     // driver loaded, cuInit ok, at least one device
  std::string reason;         // a sentence: why CUDA is (un)available
  int driverVersion = 0;      // e.g. 12040 for 12.4; 0 if unknown
  int deviceCount = 0;
  int nvrtcMajor = 0, nvrtcMinor = 0;
  std::string nvrtcPath;      // the library that was loaded
  std::string nvrtcReason;    // why NVRTC is missing ("" when loaded)
};

extern DriverApi drv;    // valid once status().driverLoaded
extern NvrtcApi nvrtc;   // valid once status().nvrtcLoaded

const Status& status();  // loads libcuda and NVRTC once (thread-safe); never throws
void requireCuda();      // throws WEFT_CUDA_UNAVAILABLE unless status().available
void requireNvrtc();     // throws WEFT_NVRTC_UNAVAILABLE unless status().nvrtcLoaded

// ---- context.cpp ----
std::string errorName(CUresult r);
std::string errorString(CUresult r);
// Throws the Error for a failed driver call; marks `dev` lost on sticky errors (dev < 0: none).
[[noreturn]] void fail(CUresult r, int dev, const std::string& op);
inline void check(CUresult r, int dev, const char* op) {
  if (r != CUDA_SUCCESS) fail(r, dev, op);
}
void enter(int dev);          // validate ordinal, refuse lost devices, make its context current
bool poolsSupported(int dev); // stream-ordered allocator (cuMemAllocAsync) usable on dev
int currentDevice();          // the ordinal last made current on this thread, or 0
// True after a sticky fault. Frees and destroys on a lost device are silent no-ops (the context
// is unusable and its memory goes with the process), so finalizers never throw.
bool isLost(int dev);

struct DeviceInfo {
  std::string name;
  size_t totalMem = 0;
  int major = 0, minor = 0, smCount = 0, maxThreadsPerBlock = 0, warpSize = 0;
  int maxSharedPerBlock = 0, pciBusId = 0;
  bool memoryPoolsSupported = false;
};
DeviceInfo deviceInfo(int dev);

enum class Kind { Stream, Event, Module, Function, GraphExec };
void registerHandle(uint64_t h, Kind kind, int dev, uint64_t owner = 0);
void unregisterHandle(uint64_t h, Kind kind);  // for a module also forgets its functions
int handleDevice(uint64_t h, Kind kind);       // throws WEFT_INVALID_HANDLE if unknown
// Validates a stream handle used on `dev` (0 = the legacy default stream, always fine).
void checkStream(uint64_t stream, int dev);

// ---- memory.cpp ----
using Stream = std::optional<uint64_t>;  // nullopt = no stream argument given
uint64_t memAlloc(int dev, size_t bytes, Stream stream);
void memFree(int dev, uint64_t ptr, Stream stream);
std::pair<size_t, size_t> memGetInfo(int dev);  // {free, total}
void memcpyHtoD(int dev, uint64_t dst, const void* src, size_t bytes, Stream stream);
void memcpyDtoH(int dev, void* dst, uint64_t src, size_t bytes, Stream stream);
void memcpyDtoD(int dev, uint64_t dst, uint64_t src, size_t bytes, Stream stream);
void memsetD8(int dev, uint64_t ptr, unsigned char value, size_t count, Stream stream);
void memsetD32(int dev, uint64_t ptr, unsigned value, size_t count, Stream stream);

// ---- exec.cpp ----
uint64_t moduleLoad(int dev, const void* image, size_t bytes);
uint64_t moduleGetFunction(uint64_t mod, const std::string& name);
std::pair<uint64_t, size_t> moduleGetGlobal(uint64_t mod, const std::string& name);
void moduleUnload(uint64_t mod);
struct FunctionAttributes {
  int maxThreadsPerBlock, numRegs, sharedSizeBytes, localSizeBytes;
};
FunctionAttributes functionAttributes(uint64_t fn);
std::pair<int, int> occupancyMaxPotentialBlockSize(uint64_t fn, size_t dynamicSmem);
void launch(int dev, uint64_t fn, const unsigned grid[3], const unsigned block[3],
            unsigned sharedBytes, uint64_t stream, void* params, size_t paramBytes);
uint64_t streamCreate(int dev, unsigned flags);
void streamDestroy(uint64_t stream);
void streamSynchronize(uint64_t stream);
uint64_t eventCreate(int dev, bool timing);
void eventRecord(uint64_t ev, uint64_t stream);
void eventSynchronize(uint64_t ev);
float eventElapsedMs(uint64_t start, uint64_t end);
void eventDestroy(uint64_t ev);
void ctxSynchronize(int dev);
void beginCapture(uint64_t stream, int mode);
uint64_t endCapture(uint64_t stream);
void graphLaunch(uint64_t exec, uint64_t stream);
void graphDestroy(uint64_t exec);

// ---- nvrtc.cpp ----
struct CompileResult {
  bool ok = false;
  std::string log;
  std::optional<std::vector<char>> cubin;
  std::optional<std::string> ptx;
};
// headers: {include name, source} pairs served to #include without touching the disk.
CompileResult nvrtcCompile(const std::string& source, const std::string& name,
                           const std::vector<std::string>& options,
                           const std::vector<std::pair<std::string, std::string>>& headers);
// The real architectures this NVRTC can emit SASS for (e.g. {75, 80, ..., 120}); empty if the
// library predates nvrtcGetSupportedArchs.
std::vector<int> nvrtcSupportedArchs();

}  // namespace weft::cuda
