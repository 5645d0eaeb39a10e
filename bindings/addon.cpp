// weft_cuda.node: thin node-addon-api glue over native-cuda/. This file holds the module entry,
// status/device queries and memory; exec.cpp holds modules, launch, streams, events, graphs and
// NVRTC. The JS-facing contract is documented in engine/backends/cuda/native.ts (NativeCuda).
#include <napi.h>

#include "args.h"

namespace weft::bindings {

using namespace weft::cuda;

void initExec(Napi::Env env, Napi::Object exports);  // exec.cpp

namespace {

// Never throws: the JS side calls this to decide whether CUDA can be used at all.
Napi::Value Status_(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Status& st = status();
  Napi::Object o = Napi::Object::New(env);
  o.Set("driverLoaded", st.driverLoaded);
  o.Set("nvrtcLoaded", st.nvrtcLoaded);
  o.Set("available", st.available);
  o.Set("reason", st.reason);
  o.Set("driverVersion", st.driverVersion);
  if (st.nvrtcLoaded) {
    Napi::Array v = Napi::Array::New(env, 2);
    v.Set(0u, st.nvrtcMajor);
    v.Set(1u, st.nvrtcMinor);
    o.Set("nvrtcVersion", v);
  } else {
    o.Set("nvrtcVersion", env.Null());
  }
  o.Set("nvrtcPath", st.nvrtcLoaded ? Napi::Value(Napi::String::New(env, st.nvrtcPath))
                                    : env.Null());
  o.Set("nvrtcReason", st.nvrtcReason);
  o.Set("deviceCount", st.deviceCount);
  return o;
}

Napi::Value DeviceInfo_(const Napi::CallbackInfo& info) {
  DeviceInfo d = deviceInfo(argInt(info, 0, "deviceInfo"));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("name", d.name);
  o.Set("totalMem", static_cast<double>(d.totalMem));
  o.Set("major", d.major);
  o.Set("minor", d.minor);
  o.Set("smCount", d.smCount);
  o.Set("maxThreadsPerBlock", d.maxThreadsPerBlock);
  o.Set("warpSize", d.warpSize);
  o.Set("maxSharedMemPerBlock", d.maxSharedPerBlock);
  o.Set("pciBusId", d.pciBusId);
  o.Set("memoryPoolsSupported", d.memoryPoolsSupported);
  return o;
}

Napi::Value MemAlloc(const Napi::CallbackInfo& info) {
  int dev = argInt(info, 0, "memAlloc");
  uint64_t bytes = argU64(info, 1, "memAlloc");
  return big(info.Env(), memAlloc(dev, bytes, argStream(info, 2, "memAlloc")));
}

Napi::Value MemFree(const Napi::CallbackInfo& info) {
  memFree(argInt(info, 0, "memFree"), argU64(info, 1, "memFree"), argStream(info, 2, "memFree"));
  return info.Env().Undefined();
}

Napi::Value MemGetInfo(const Napi::CallbackInfo& info) {
  auto [freeBytes, total] = memGetInfo(argInt(info, 0, "memGetInfo"));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("free", static_cast<double>(freeBytes));
  o.Set("total", static_cast<double>(total));
  return o;
}

Napi::Value MemcpyHtoD(const Napi::CallbackInfo& info) {
  int dev = argInt(info, 0, "memcpyHtoD");
  uint64_t dst = argU64(info, 1, "memcpyHtoD");
  auto [src, bytes] = argBytes(info, 2, "memcpyHtoD");
  memcpyHtoD(dev, dst, src, bytes, argStream(info, 3, "memcpyHtoD"));
  return info.Env().Undefined();
}

Napi::Value MemcpyDtoH(const Napi::CallbackInfo& info) {
  int dev = argInt(info, 0, "memcpyDtoH");
  auto [dst, bytes] = argBytes(info, 1, "memcpyDtoH");
  uint64_t src = argU64(info, 2, "memcpyDtoH");
  memcpyDtoH(dev, dst, src, bytes, argStream(info, 3, "memcpyDtoH"));
  return info.Env().Undefined();
}

Napi::Value MemcpyDtoD(const Napi::CallbackInfo& info) {
  const char* fn = "memcpyDtoD";
  memcpyDtoD(argInt(info, 0, fn), argU64(info, 1, fn), argU64(info, 2, fn), argU64(info, 3, fn),
             argStream(info, 4, fn));
  return info.Env().Undefined();
}

Napi::Value MemsetD8(const Napi::CallbackInfo& info) {
  const char* fn = "memsetD8";
  memsetD8(argInt(info, 0, fn), argU64(info, 1, fn),
           static_cast<unsigned char>(argU32(info, 2, fn)), argU64(info, 3, fn),
           argStream(info, 4, fn));
  return info.Env().Undefined();
}

Napi::Value MemsetD32(const Napi::CallbackInfo& info) {
  const char* fn = "memsetD32";
  memsetD32(argInt(info, 0, fn), argU64(info, 1, fn), argU32(info, 2, fn), argU64(info, 3, fn),
            argStream(info, 4, fn));
  return info.Env().Undefined();
}

Napi::Value CtxSynchronize(const Napi::CallbackInfo& info) {
  ctxSynchronize(argInt(info, 0, "ctxSynchronize"));
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("status", Napi::Function::New<Wrap<Status_>>(env, "status"));
  exports.Set("deviceInfo", Napi::Function::New<Wrap<DeviceInfo_>>(env, "deviceInfo"));
  exports.Set("memAlloc", Napi::Function::New<Wrap<MemAlloc>>(env, "memAlloc"));
  exports.Set("memFree", Napi::Function::New<Wrap<MemFree>>(env, "memFree"));
  exports.Set("memGetInfo", Napi::Function::New<Wrap<MemGetInfo>>(env, "memGetInfo"));
  exports.Set("memcpyHtoD", Napi::Function::New<Wrap<MemcpyHtoD>>(env, "memcpyHtoD"));
  exports.Set("memcpyDtoH", Napi::Function::New<Wrap<MemcpyDtoH>>(env, "memcpyDtoH"));
  exports.Set("memcpyDtoD", Napi::Function::New<Wrap<MemcpyDtoD>>(env, "memcpyDtoD"));
  exports.Set("memsetD8", Napi::Function::New<Wrap<MemsetD8>>(env, "memsetD8"));
  exports.Set("memsetD32", Napi::Function::New<Wrap<MemsetD32>>(env, "memsetD32"));
  exports.Set("ctxSynchronize", Napi::Function::New<Wrap<CtxSynchronize>>(env, "ctxSynchronize"));
  initExec(env, exports);
  return exports;
}

}  // namespace

}  // namespace weft::bindings

// NODE_API_MODULE pastes the name into an identifier, so it needs an unqualified function.
static Napi::Object InitWeftCuda(Napi::Env env, Napi::Object exports) {
  return weft::bindings::Init(env, exports);
}
NODE_API_MODULE(weft_cuda, InitWeftCuda)
