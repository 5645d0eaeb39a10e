// Devices, primary contexts, error reporting, device-lost tracking and the handle registry.
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "weft_cuda.h"

namespace weft::cuda {

namespace {

struct Device {
  CUdevice handle = 0;
  CUcontext ctx = nullptr;           // primary context, retained lazily and never released
  bool pools = false;                // CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED
  std::atomic<bool> lost{false};     // set after a sticky error; checked on every call
  std::string lostReason;            // written once under g_mutex before `lost` is set
};

std::mutex g_mutex;  // guards device setup, lost reasons and the handle registry
std::unique_ptr<Device[]> g_devices;
int g_deviceCount = 0;

// The ordinal whose context this thread last made current. The driver's current context is
// per thread, so the cache is too; comparing an int keeps enter() at a few nanoseconds.
thread_local int tl_current = -1;

struct HandleInfo {
  Kind kind;
  int dev;
  uint64_t owner;  // for functions: the module they came from
};
std::unordered_map<uint64_t, HandleInfo> g_handles;

const char* kindName(Kind k) {
  switch (k) {
    case Kind::Stream: return "stream";
    case Kind::Event: return "event";
    case Kind::Module: return "module";
    case Kind::Function: return "function";
    case Kind::GraphExec: return "graph";
  }
  return "handle";
}

bool isSticky(CUresult r) {
  switch (r) {
    case CUDA_ERROR_ILLEGAL_ADDRESS:
    case CUDA_ERROR_LAUNCH_TIMEOUT:
    case CUDA_ERROR_HARDWARE_STACK_ERROR:
    case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_MISALIGNED_ADDRESS:
    case CUDA_ERROR_INVALID_ADDRESS_SPACE:  // a wild generic-address access: H100 reports this
    case CUDA_ERROR_INVALID_PC:
    case CUDA_ERROR_LAUNCH_FAILED:
      return true;
    default:
      return false;
  }
}

Device& deviceAt(int dev) {
  // The device table is built once, after status() says CUDA is available.
  static std::once_flag once;
  std::call_once(once, [] {
    g_deviceCount = status().deviceCount;
    g_devices.reset(new Device[g_deviceCount]);
  });
  if (dev < 0 || dev >= g_deviceCount) {
    throw Error("WEFT_INVALID_DEVICE", "invalid CUDA device ordinal " + std::to_string(dev) +
                                           " (this machine has " + std::to_string(g_deviceCount) +
                                           " CUDA device(s))");
  }
  return g_devices[dev];
}

[[noreturn]] void throwLost(int dev, Device& d) {
  std::lock_guard<std::mutex> lock(g_mutex);
  throw Error("WEFT_DEVICE_LOST", "device cuda:" + std::to_string(dev) +
                                      " is lost after a device fault (" + d.lostReason +
                                      "); restart the process to use it again");
}

}  // namespace

std::string errorName(CUresult r) {
  const char* s = nullptr;
  if (drv.cuGetErrorName && drv.cuGetErrorName(r, &s) == CUDA_SUCCESS && s) return s;
  return "CUDA_ERROR_" + std::to_string(r);
}

std::string errorString(CUresult r) {
  const char* s = nullptr;
  if (drv.cuGetErrorString && drv.cuGetErrorString(r, &s) == CUDA_SUCCESS && s) return s;
  return "unknown error " + std::to_string(r);
}

void fail(CUresult r, int dev, const std::string& op) {
  std::string name = errorName(r);
  std::string what = op + " failed: " + name + " (" + errorString(r) + ")";
  if (isSticky(r) && dev >= 0 && dev < g_deviceCount) {
    // A sticky error poisons the whole context: every later call would fail with the same code
    // (or worse, hang). Remember it so later calls get one clear message instead.
    Device& d = g_devices[dev];
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      if (!d.lost.load()) d.lostReason = name + " in " + op;
    }
    d.lost.store(true);
    what += "; device cuda:" + std::to_string(dev) +
            " is now lost; restart the process to use it again";
  }
  throw Error(name, what);
}

void enter(int dev) {
  if (dev == tl_current && dev >= 0) {
    // Fast path: already current on this thread. Only the lost flag needs a look.
    Device& d = g_devices[dev];
    if (d.lost.load(std::memory_order_relaxed)) throwLost(dev, d);
    return;
  }
  requireCuda();
  Device& d = deviceAt(dev);
  if (d.lost.load()) throwLost(dev, d);
  CUcontext ctx;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!d.ctx) {
      check(drv.cuDeviceGet(&d.handle, dev), dev, "cuDeviceGet");
      check(drv.cuDevicePrimaryCtxRetain(&d.ctx, d.handle), dev, "cuDevicePrimaryCtxRetain");
      int pools = 0;
      drv.cuDeviceGetAttribute(&pools, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, d.handle);
      d.pools = pools != 0 && drv.cuMemAllocAsync && drv.cuMemFreeAsync;
    }
    ctx = d.ctx;
  }
  check(drv.cuCtxSetCurrent(ctx), dev, "cuCtxSetCurrent");
  tl_current = dev;
}

bool poolsSupported(int dev) {
  enter(dev);
  return g_devices[dev].pools;
}

bool isLost(int dev) {
  return dev >= 0 && dev < g_deviceCount && g_devices[dev].lost.load();
}

int currentDevice() { return tl_current < 0 ? 0 : tl_current; }

DeviceInfo deviceInfo(int dev) {
  enter(dev);
  Device& d = g_devices[dev];
  DeviceInfo info;
  char name[256] = {0};
  check(drv.cuDeviceGetName(name, sizeof(name) - 1, d.handle), dev, "cuDeviceGetName");
  info.name = name;
  check(drv.cuDeviceTotalMem(&info.totalMem, d.handle), dev, "cuDeviceTotalMem");
  auto attr = [&](int a) {
    int v = 0;
    check(drv.cuDeviceGetAttribute(&v, a, d.handle), dev, "cuDeviceGetAttribute");
    return v;
  };
  info.major = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  info.minor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  info.smCount = attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  info.maxThreadsPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  info.warpSize = attr(CU_DEVICE_ATTRIBUTE_WARP_SIZE);
  info.maxSharedPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  info.pciBusId = attr(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID);
  info.memoryPoolsSupported = d.pools;
  return info;
}

// ---- handle registry ----

void registerHandle(uint64_t h, Kind kind, int dev, uint64_t owner) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_handles[h] = HandleInfo{kind, dev, owner};
}

void unregisterHandle(uint64_t h, Kind kind) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_handles.erase(h);
  if (kind == Kind::Module) {
    for (auto it = g_handles.begin(); it != g_handles.end();) {
      if (it->second.kind == Kind::Function && it->second.owner == h) {
        it = g_handles.erase(it);
      } else {
        ++it;
      }
    }
  }
}

int handleDevice(uint64_t h, Kind kind) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_handles.find(h);
    if (it != g_handles.end() && it->second.kind == kind) return it->second.dev;
  }
  char hex[32];
  std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(h));
  throw Error("WEFT_INVALID_HANDLE", std::string("unknown or destroyed CUDA ") + kindName(kind) +
                                         " handle " + hex);
}

void checkStream(uint64_t stream, int dev) {
  if (stream == 0) return;
  int owner = handleDevice(stream, Kind::Stream);
  if (owner != dev) {
    throw Error("WEFT_DEVICE_MISMATCH", "stream belongs to cuda:" + std::to_string(owner) +
                                            ", not cuda:" + std::to_string(dev));
  }
}

}  // namespace weft::cuda
