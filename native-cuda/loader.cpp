// Run-time loading of libcuda and NVRTC with dlopen/dlsym.
//
// Why dlopen: the addon has to load on machines without an NVIDIA driver (CPU-only laptops,
// CI) and report *why* CUDA is absent instead of failing to load with an unresolved symbol.
// NVRTC ships separately from the driver (toolkit or the nvidia-cuda-nvrtc wheel), so it is
// searched on its own and may be present without a GPU (compiling to PTX needs no device).
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "weft_cuda.h"

namespace weft::cuda {

DriverApi drv{};
NvrtcApi nvrtc{};

namespace {

Status g_status;
std::once_flag g_once;

struct Sym {
  void** slot;
  std::vector<const char*> names;  // first exported name wins (newest ABI first)
  bool required;
};

#define SLOT(table, f) reinterpret_cast<void**>(&table.f)

std::vector<Sym> driverSymbols() {
  return {
      {SLOT(drv, cuInit), {"cuInit"}, true},
      {SLOT(drv, cuDriverGetVersion), {"cuDriverGetVersion"}, true},
      {SLOT(drv, cuGetErrorName), {"cuGetErrorName"}, true},
      {SLOT(drv, cuGetErrorString), {"cuGetErrorString"}, true},
      {SLOT(drv, cuDeviceGetCount), {"cuDeviceGetCount"}, true},
      {SLOT(drv, cuDeviceGet), {"cuDeviceGet"}, true},
      {SLOT(drv, cuDeviceGetName), {"cuDeviceGetName"}, true},
      {SLOT(drv, cuDeviceGetAttribute), {"cuDeviceGetAttribute"}, true},
      {SLOT(drv, cuDeviceTotalMem), {"cuDeviceTotalMem_v2"}, true},
      {SLOT(drv, cuDevicePrimaryCtxRetain), {"cuDevicePrimaryCtxRetain"}, true},
      {SLOT(drv, cuCtxSetCurrent), {"cuCtxSetCurrent"}, true},
      {SLOT(drv, cuCtxSynchronize), {"cuCtxSynchronize"}, true},
      {SLOT(drv, cuMemGetInfo), {"cuMemGetInfo_v2"}, true},
      {SLOT(drv, cuMemAlloc), {"cuMemAlloc_v2"}, true},
      {SLOT(drv, cuMemFree), {"cuMemFree_v2"}, true},
      {SLOT(drv, cuMemAllocAsync), {"cuMemAllocAsync"}, false},
      {SLOT(drv, cuMemFreeAsync), {"cuMemFreeAsync"}, false},
      {SLOT(drv, cuMemcpyHtoD), {"cuMemcpyHtoD_v2"}, true},
      {SLOT(drv, cuMemcpyDtoH), {"cuMemcpyDtoH_v2"}, true},
      {SLOT(drv, cuMemcpyDtoD), {"cuMemcpyDtoD_v2"}, true},
      {SLOT(drv, cuMemcpyHtoDAsync), {"cuMemcpyHtoDAsync_v2"}, true},
      {SLOT(drv, cuMemcpyDtoHAsync), {"cuMemcpyDtoHAsync_v2"}, true},
      {SLOT(drv, cuMemcpyDtoDAsync), {"cuMemcpyDtoDAsync_v2"}, true},
      {SLOT(drv, cuMemsetD8), {"cuMemsetD8_v2"}, true},
      {SLOT(drv, cuMemsetD32), {"cuMemsetD32_v2"}, true},
      {SLOT(drv, cuMemsetD8Async), {"cuMemsetD8Async"}, true},
      {SLOT(drv, cuMemsetD32Async), {"cuMemsetD32Async"}, true},
      {SLOT(drv, cuModuleLoadData), {"cuModuleLoadData"}, true},
      {SLOT(drv, cuModuleGetFunction), {"cuModuleGetFunction"}, true},
      {SLOT(drv, cuModuleGetGlobal), {"cuModuleGetGlobal_v2"}, true},
      {SLOT(drv, cuModuleUnload), {"cuModuleUnload"}, true},
      {SLOT(drv, cuFuncGetAttribute), {"cuFuncGetAttribute"}, true},
      {SLOT(drv, cuOccupancyMaxPotentialBlockSize), {"cuOccupancyMaxPotentialBlockSize"}, false},
      {SLOT(drv, cuLaunchKernel), {"cuLaunchKernel"}, true},
      {SLOT(drv, cuStreamCreate), {"cuStreamCreate"}, true},
      {SLOT(drv, cuStreamDestroy), {"cuStreamDestroy_v2"}, true},
      {SLOT(drv, cuStreamSynchronize), {"cuStreamSynchronize"}, true},
      {SLOT(drv, cuStreamIsCapturing), {"cuStreamIsCapturing"}, false},
      {SLOT(drv, cuEventCreate), {"cuEventCreate"}, true},
      {SLOT(drv, cuEventRecord), {"cuEventRecord"}, true},
      {SLOT(drv, cuEventSynchronize), {"cuEventSynchronize"}, true},
      // CUDA 12.8 added _v2 (same signature, fixes timing across devices); 13 only maps to it.
      {SLOT(drv, cuEventElapsedTime), {"cuEventElapsedTime_v2", "cuEventElapsedTime"}, true},
      {SLOT(drv, cuEventDestroy), {"cuEventDestroy_v2"}, true},
      {SLOT(drv, cuStreamBeginCapture), {"cuStreamBeginCapture_v2"}, false},
      {SLOT(drv, cuStreamEndCapture), {"cuStreamEndCapture"}, false},
      {SLOT(drv, cuGraphInstantiateWithFlags), {"cuGraphInstantiateWithFlags"}, false},
      {SLOT(drv, cuGraphLaunch), {"cuGraphLaunch"}, false},
      {SLOT(drv, cuGraphExecDestroy), {"cuGraphExecDestroy"}, false},
      {SLOT(drv, cuGraphDestroy), {"cuGraphDestroy"}, false},
  };
}

std::vector<Sym> nvrtcSymbols() {
  return {
      {SLOT(nvrtc, nvrtcVersion), {"nvrtcVersion"}, true},
      {SLOT(nvrtc, nvrtcGetErrorString), {"nvrtcGetErrorString"}, true},
      {SLOT(nvrtc, nvrtcCreateProgram), {"nvrtcCreateProgram"}, true},
      {SLOT(nvrtc, nvrtcCompileProgram), {"nvrtcCompileProgram"}, true},
      {SLOT(nvrtc, nvrtcGetProgramLogSize), {"nvrtcGetProgramLogSize"}, true},
      {SLOT(nvrtc, nvrtcGetProgramLog), {"nvrtcGetProgramLog"}, true},
      {SLOT(nvrtc, nvrtcGetCUBINSize), {"nvrtcGetCUBINSize"}, false},  // CUDA >= 11.1
      {SLOT(nvrtc, nvrtcGetCUBIN), {"nvrtcGetCUBIN"}, false},
      {SLOT(nvrtc, nvrtcGetPTXSize), {"nvrtcGetPTXSize"}, true},
      {SLOT(nvrtc, nvrtcGetPTX), {"nvrtcGetPTX"}, true},
      {SLOT(nvrtc, nvrtcDestroyProgram), {"nvrtcDestroyProgram"}, true},
      {SLOT(nvrtc, nvrtcGetNumSupportedArchs), {"nvrtcGetNumSupportedArchs"}, false},
      {SLOT(nvrtc, nvrtcGetSupportedArchs), {"nvrtcGetSupportedArchs"}, false},
  };
}

// Resolves every symbol; returns the first missing required name, or "" when all are there.
std::string resolve(void* lib, std::vector<Sym> syms) {
  for (Sym& s : syms) {
    *s.slot = nullptr;
    for (const char* n : s.names) {
      if ((*s.slot = dlsym(lib, n)) != nullptr) break;
    }
    if (!*s.slot && s.required) return s.names[0];
  }
  return "";
}

std::string dlerr() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

// The package root, found from where this addon lives (<root>/build/Release/weft_cuda.node), so
// an NVRTC unpacked by scripts/fetch-nvrtc.mjs into <root>/.cache/nvrtc is found with no setup.
std::string packageRoot() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&packageRoot), &info) || !info.dli_fname) return "";
  std::string p = info.dli_fname;
  for (int up = 0; up < 3; ++up) {  // strip file name, Release, build
    size_t slash = p.find_last_of('/');
    if (slash == std::string::npos) return "";
    p.erase(slash);
  }
  return p;
}

// NVRTC dlopens libnvrtc-builtins.so.X.Y by bare name at compile time, which only searches the
// system paths. For an NVRTC loaded by full path (WEFT_NVRTC_PATH, .cache/nvrtc, a toolkit not
// in ld.so.conf) we load the builtins from the same folder first: glibc then satisfies NVRTC's
// later dlopen by SONAME with the copy already in the process.
void preloadBuiltins(const std::string& nvrtcPath) {
  size_t slash = nvrtcPath.find_last_of('/');
  if (slash == std::string::npos) return;
  char real[PATH_MAX];
  std::string dir = realpath(nvrtcPath.c_str(), real) ? std::string(real) : nvrtcPath;
  dir.erase(dir.find_last_of('/'));
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string f = e->d_name;
    if (f.rfind("libnvrtc-builtins.so.", 0) == 0 && f.find(".alt.") == std::string::npos) {
      dlopen((dir + "/" + f).c_str(), RTLD_NOW | RTLD_LOCAL);
    }
  }
  closedir(d);
}

void loadDriver(Status& st) {
  void* lib = nullptr;
  std::string firstError;
  for (const char* name : {"libcuda.so.1", "libcuda.so"}) {
    lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib) break;
    if (firstError.empty()) firstError = dlerr();
  }
  if (!lib) {
    st.reason = "libcuda.so.1 not found (no NVIDIA driver): " + firstError;
    return;
  }
  std::string missing = resolve(lib, driverSymbols());
  if (!missing.empty()) {
    st.reason = "the NVIDIA driver is too old: libcuda.so.1 does not export " + missing;
    return;
  }
  st.driverLoaded = true;
  drv.cuDriverGetVersion(&st.driverVersion);
  CUresult r = drv.cuInit(0);
  if (r != CUDA_SUCCESS) {
    st.reason = "cuInit failed: " + errorName(r) + " (" + errorString(r) + ")";
    return;
  }
  r = drv.cuDeviceGetCount(&st.deviceCount);
  if (r != CUDA_SUCCESS || st.deviceCount <= 0) {
    st.deviceCount = 0;
    st.reason = "the NVIDIA driver reports no CUDA devices";
    return;
  }
  st.available = true;
  st.reason = std::to_string(st.deviceCount) + " CUDA device(s), driver " +
              std::to_string(st.driverVersion / 1000) + "." +
              std::to_string(st.driverVersion % 1000 / 10);
}

void loadNvrtc(Status& st) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("WEFT_NVRTC_PATH"); env && *env) candidates.push_back(env);
  for (const char* so : {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"}) candidates.push_back(so);
  std::vector<std::string> dirs;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char* v = std::getenv(var); v && *v) dirs.push_back(std::string(v) + "/lib64");
  }
  dirs.push_back("/usr/local/cuda/lib64");
  if (std::string root = packageRoot(); !root.empty()) dirs.push_back(root + "/.cache/nvrtc");
  for (const std::string& d : dirs) {
    for (const char* so : {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"}) {
      candidates.push_back(d + "/" + so);
    }
  }
  std::string firstError;
  for (const std::string& c : candidates) {
    if (c.find('/') != std::string::npos && access(c.c_str(), R_OK) != 0) continue;
    preloadBuiltins(c);
    void* lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      if (firstError.empty()) firstError = dlerr();
      continue;
    }
    std::string missing = resolve(lib, nvrtcSymbols());
    if (!missing.empty()) {
      firstError = c + " does not export " + missing;
      dlclose(lib);
      continue;
    }
    st.nvrtcLoaded = true;
    st.nvrtcPath = c;
    nvrtc.nvrtcVersion(&st.nvrtcMajor, &st.nvrtcMinor);
    return;
  }
  st.nvrtcReason =
      "NVRTC not found (tried WEFT_NVRTC_PATH, libnvrtc.so.13/.12, CUDA_HOME, /usr/local/cuda "
      "and .cache/nvrtc; run `node scripts/fetch-nvrtc.mjs` or set WEFT_NVRTC_PATH): " +
      firstError;
}

}  // namespace

const Status& status() {
  std::call_once(g_once, [] {
    loadDriver(g_status);
    loadNvrtc(g_status);
  });
  return g_status;
}

void requireCuda() {
  const Status& st = status();
  if (!st.available) throw Error("WEFT_CUDA_UNAVAILABLE", "CUDA is not available: " + st.reason);
}

void requireNvrtc() {
  const Status& st = status();
  if (!st.nvrtcLoaded) {
    throw Error("WEFT_NVRTC_UNAVAILABLE", "NVRTC is not available: " + st.nvrtcReason);
  }
}

}  // namespace weft::cuda
