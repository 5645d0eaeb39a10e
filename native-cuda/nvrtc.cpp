// Run-time compilation of CUDA C++ with NVRTC. Needs no GPU: only libnvrtc.
#include <string>
#include <vector>

#include "weft_cuda.h"

namespace weft::cuda {

namespace {

constexpr nvrtcResult NVRTC_ERROR_INVALID_OPTION = 5;
constexpr nvrtcResult NVRTC_ERROR_COMPILATION = 6;
constexpr nvrtcResult NVRTC_ERROR_BUILTIN_OPERATION_FAILURE = 7;

std::string nvrtcName(nvrtcResult r) {
  const char* s = nvrtc.nvrtcGetErrorString ? nvrtc.nvrtcGetErrorString(r) : nullptr;
  return s ? s : "NVRTC_ERROR_" + std::to_string(r);
}

[[noreturn]] void nvrtcFail(nvrtcResult r, const std::string& op) {
  std::string name = nvrtcName(r);
  throw Error(name, op + " failed: " + name);
}

// The value of -arch/--gpu-architecture, or "" when absent (NVRTC then emits PTX for its
// default virtual architecture). "sm_XX" asks for a cubin (SASS), "compute_XX" for PTX.
std::string archOption(const std::vector<std::string>& options) {
  std::string arch;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& o = options[i];
    for (const char* flag : {"-arch", "--gpu-architecture"}) {
      std::string f = flag;
      if (o.compare(0, f.size() + 1, f + "=") == 0) arch = o.substr(f.size() + 1);
      else if (o == f && i + 1 < options.size()) arch = options[i + 1];
    }
  }
  return arch;
}

// Destroys the program on every path out of nvrtcCompile, thrown errors included.
struct ProgramGuard {
  nvrtcProgram prog = nullptr;
  ~ProgramGuard() {
    if (prog) nvrtc.nvrtcDestroyProgram(&prog);
  }
};

}  // namespace

CompileResult nvrtcCompile(const std::string& source, const std::string& name,
                           const std::vector<std::string>& options,
                           const std::vector<std::pair<std::string, std::string>>& headers) {
  requireNvrtc();
  std::vector<const char*> headerSources, headerNames, opts;
  for (const auto& h : headers) {
    headerNames.push_back(h.first.c_str());
    headerSources.push_back(h.second.c_str());
  }
  for (const std::string& o : options) opts.push_back(o.c_str());

  ProgramGuard guard;
  nvrtcResult r = nvrtc.nvrtcCreateProgram(&guard.prog, source.c_str(), name.c_str(),
                                           static_cast<int>(headers.size()),
                                           headerSources.data(), headerNames.data());
  if (r != NVRTC_SUCCESS) nvrtcFail(r, "nvrtcCreateProgram(" + name + ")");

  CompileResult result;
  nvrtcResult cr = nvrtc.nvrtcCompileProgram(guard.prog, static_cast<int>(opts.size()), opts.data());
  size_t logSize = 0;
  if (nvrtc.nvrtcGetProgramLogSize(guard.prog, &logSize) == NVRTC_SUCCESS && logSize > 1) {
    result.log.resize(logSize);
    nvrtc.nvrtcGetProgramLog(guard.prog, result.log.data());
    result.log.resize(logSize - 1);  // drop the terminating NUL
  }
  if (cr == NVRTC_ERROR_COMPILATION || cr == NVRTC_ERROR_INVALID_OPTION) {
    // A user error in the source or the options: report it as data, like a compiler would.
    if (result.log.empty()) result.log = nvrtcName(cr);
    return result;
  }
  if (cr == NVRTC_ERROR_BUILTIN_OPERATION_FAILURE) {
    throw Error(nvrtcName(cr), "nvrtcCompileProgram(" + name + ") failed: " + nvrtcName(cr) +
                                   " (is libnvrtc-builtins.so next to " + status().nvrtcPath +
                                   "?) " + result.log);
  }
  if (cr != NVRTC_SUCCESS) nvrtcFail(cr, "nvrtcCompileProgram(" + name + ")");
  result.ok = true;

  if (archOption(options).compare(0, 3, "sm_") == 0) {
    if (!nvrtc.nvrtcGetCUBINSize || !nvrtc.nvrtcGetCUBIN) {
      throw Error("WEFT_NOT_SUPPORTED", "this NVRTC cannot emit cubins (needs CUDA >= 11.1)");
    }
    size_t size = 0;
    if ((r = nvrtc.nvrtcGetCUBINSize(guard.prog, &size)) != NVRTC_SUCCESS) {
      nvrtcFail(r, "nvrtcGetCUBINSize");
    }
    std::vector<char> cubin(size);
    if ((r = nvrtc.nvrtcGetCUBIN(guard.prog, cubin.data())) != NVRTC_SUCCESS) {
      nvrtcFail(r, "nvrtcGetCUBIN");
    }
    result.cubin = std::move(cubin);
  } else {
    size_t size = 0;
    if ((r = nvrtc.nvrtcGetPTXSize(guard.prog, &size)) != NVRTC_SUCCESS) {
      nvrtcFail(r, "nvrtcGetPTXSize");
    }
    std::string ptx(size, '\0');
    if ((r = nvrtc.nvrtcGetPTX(guard.prog, ptx.data())) != NVRTC_SUCCESS) {
      nvrtcFail(r, "nvrtcGetPTX");
    }
    if (!ptx.empty() && ptx.back() == '\0') ptx.pop_back();
    result.ptx = std::move(ptx);
  }
  return result;
}

std::vector<int> nvrtcSupportedArchs() {
  requireNvrtc();
  std::vector<int> archs;
  int n = 0;
  if (!nvrtc.nvrtcGetNumSupportedArchs || !nvrtc.nvrtcGetSupportedArchs ||
      nvrtc.nvrtcGetNumSupportedArchs(&n) != NVRTC_SUCCESS || n <= 0) {
    return archs;
  }
  archs.resize(n);
  if (nvrtc.nvrtcGetSupportedArchs(archs.data()) != NVRTC_SUCCESS) archs.clear();
  return archs;
}

}  // namespace weft::cuda
