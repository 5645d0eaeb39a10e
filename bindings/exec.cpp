// Bindings for modules, launch, streams, events, graph capture and NVRTC.
#include <napi.h>

#include <cstring>

#include "args.h"

namespace weft::bindings {

using namespace weft::cuda;

namespace {

Napi::Value ModuleLoad(const Napi::CallbackInfo& info) {
  int dev = argInt(info, 0, "moduleLoad");
  auto [image, bytes] = argBytes(info, 1, "moduleLoad");
  return big(info.Env(), moduleLoad(dev, image, bytes));
}

Napi::Value ModuleGetFunction(const Napi::CallbackInfo& info) {
  uint64_t mod = argU64(info, 0, "moduleGetFunction");
  return big(info.Env(), moduleGetFunction(mod, argString(info, 1, "moduleGetFunction")));
}

Napi::Value ModuleGetGlobal(const Napi::CallbackInfo& info) {
  uint64_t mod = argU64(info, 0, "moduleGetGlobal");
  auto [ptr, bytes] = moduleGetGlobal(mod, argString(info, 1, "moduleGetGlobal"));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("ptr", big(info.Env(), ptr));
  o.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(bytes)));
  return o;
}

Napi::Value ModuleUnload(const Napi::CallbackInfo& info) {
  moduleUnload(argU64(info, 0, "moduleUnload"));
  return info.Env().Undefined();
}

Napi::Value FunctionAttributes_(const Napi::CallbackInfo& info) {
  FunctionAttributes a = functionAttributes(argU64(info, 0, "functionAttributes"));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("maxThreadsPerBlock", a.maxThreadsPerBlock);
  o.Set("numRegs", a.numRegs);
  o.Set("sharedSizeBytes", a.sharedSizeBytes);
  o.Set("localSizeBytes", a.localSizeBytes);
  return o;
}

Napi::Value Occupancy(const Napi::CallbackInfo& info) {
  uint64_t fn = argU64(info, 0, "occupancyMaxPotentialBlockSize");
  size_t smem = given(info, 1) ? argU64(info, 1, "occupancyMaxPotentialBlockSize") : 0;
  auto [minGrid, block] = occupancyMaxPotentialBlockSize(fn, smem);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("minGridSize", minGrid);
  o.Set("blockSize", block);
  return o;
}

// launch(dev, fn, gx, gy, gz, bx, by, bz, sharedBytes, stream, params). The hot path: the
// checked helpers cost a napi_typeof each, which is cheap next to cuLaunchKernel (~2 us).
Napi::Value Launch(const Napi::CallbackInfo& info) {
  const char* fn = "launch";
  if (info.Length() < 11) {
    throw Napi::TypeError::New(info.Env(),
                               "launch(dev, fn, gridX, gridY, gridZ, blockX, blockY, blockZ, "
                               "sharedBytes, stream, params) takes 11 arguments");
  }
  int dev = argInt(info, 0, fn);
  uint64_t function = argU64(info, 1, fn);
  unsigned grid[3] = {argU32(info, 2, fn), argU32(info, 3, fn), argU32(info, 4, fn)};
  unsigned block[3] = {argU32(info, 5, fn), argU32(info, 6, fn), argU32(info, 7, fn)};
  unsigned shared = argU32(info, 8, fn);
  uint64_t stream = argU64(info, 9, fn);
  auto [params, bytes] = argBytes(info, 10, fn);
  launch(dev, function, grid, block, shared, stream, params, bytes);
  return info.Env().Undefined();
}

Napi::Value StreamCreate(const Napi::CallbackInfo& info) {
  int dev = argInt(info, 0, "streamCreate");
  unsigned flags = given(info, 1) ? argU32(info, 1, "streamCreate") : 0;
  return big(info.Env(), streamCreate(dev, flags));
}

Napi::Value StreamDestroy(const Napi::CallbackInfo& info) {
  streamDestroy(argU64(info, 0, "streamDestroy"));
  return info.Env().Undefined();
}

Napi::Value StreamSynchronize(const Napi::CallbackInfo& info) {
  streamSynchronize(argU64(info, 0, "streamSynchronize"));
  return info.Env().Undefined();
}

Napi::Value EventCreate(const Napi::CallbackInfo& info) {
  int dev = argInt(info, 0, "eventCreate");
  bool timing = given(info, 1) && info[1].ToBoolean().Value();
  return big(info.Env(), eventCreate(dev, timing));
}

Napi::Value EventRecord(const Napi::CallbackInfo& info) {
  uint64_t ev = argU64(info, 0, "eventRecord");
  eventRecord(ev, given(info, 1) ? argU64(info, 1, "eventRecord") : 0);
  return info.Env().Undefined();
}

Napi::Value EventSynchronize(const Napi::CallbackInfo& info) {
  eventSynchronize(argU64(info, 0, "eventSynchronize"));
  return info.Env().Undefined();
}

Napi::Value EventElapsedMs(const Napi::CallbackInfo& info) {
  float ms = eventElapsedMs(argU64(info, 0, "eventElapsedMs"), argU64(info, 1, "eventElapsedMs"));
  return Napi::Number::New(info.Env(), ms);
}

Napi::Value EventDestroy(const Napi::CallbackInfo& info) {
  eventDestroy(argU64(info, 0, "eventDestroy"));
  return info.Env().Undefined();
}

Napi::Value BeginCapture(const Napi::CallbackInfo& info) {
  uint64_t stream = argU64(info, 0, "beginCapture");
  int mode = given(info, 1) ? argInt(info, 1, "beginCapture") : CU_STREAM_CAPTURE_MODE_THREAD_LOCAL;
  beginCapture(stream, mode);
  return info.Env().Undefined();
}

Napi::Value EndCapture(const Napi::CallbackInfo& info) {
  return big(info.Env(), endCapture(argU64(info, 0, "endCapture")));
}

Napi::Value GraphLaunch(const Napi::CallbackInfo& info) {
  uint64_t exec = argU64(info, 0, "graphLaunch");
  graphLaunch(exec, given(info, 1) ? argU64(info, 1, "graphLaunch") : 0);
  return info.Env().Undefined();
}

Napi::Value GraphDestroy(const Napi::CallbackInfo& info) {
  graphDestroy(argU64(info, 0, "graphDestroy"));
  return info.Env().Undefined();
}

// ---- NVRTC ----

struct CompileArgs {
  std::string source, name;
  std::vector<std::string> options;
  std::vector<std::pair<std::string, std::string>> headers;
};

CompileArgs compileArgs(const Napi::CallbackInfo& info, const char* fn) {
  CompileArgs a{argString(info, 0, fn), given(info, 1) ? argString(info, 1, fn) : "kernel.cu",
                {}, {}};
  if (given(info, 2)) {
    if (!info[2].IsArray()) typeError(info, fn, 2, "an array of option strings");
    Napi::Array opts = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < opts.Length(); ++i) {
      Napi::Value o = opts.Get(i);
      if (!o.IsString()) typeError(info, fn, 2, "an array of option strings");
      a.options.push_back(o.As<Napi::String>().Utf8Value());
    }
  }
  if (given(info, 3)) {  // headers: { "weft.cuh": "<source>", ... }
    if (!info[3].IsObject()) typeError(info, fn, 3, "an object of include name -> source");
    Napi::Object h = info[3].As<Napi::Object>();
    Napi::Array keys = h.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      Napi::Value k = keys.Get(i), v = h.Get(k);
      if (!v.IsString()) typeError(info, fn, 3, "an object of include name -> source strings");
      a.headers.emplace_back(k.ToString().Utf8Value(), v.As<Napi::String>().Utf8Value());
    }
  }
  return a;
}

Napi::Object compileResult(Napi::Env env, const CompileResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", r.ok);
  o.Set("log", r.log);
  if (r.cubin) {
    Napi::Uint8Array bytes = Napi::Uint8Array::New(env, r.cubin->size());
    if (!r.cubin->empty()) std::memcpy(bytes.Data(), r.cubin->data(), r.cubin->size());
    o.Set("cubin", bytes);
  }
  if (r.ptx) o.Set("ptx", *r.ptx);
  return o;
}

Napi::Value NvrtcCompile(const Napi::CallbackInfo& info) {
  CompileArgs a = compileArgs(info, "nvrtcCompile");
  return compileResult(info.Env(), nvrtcCompile(a.source, a.name, a.options, a.headers));
}

// The same on the libuv thread pool, for the runtime: compiling a large kernel takes 100s of ms.
class CompileWorker : public Napi::AsyncWorker {
 public:
  CompileWorker(Napi::Env env, CompileArgs args)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), args_(std::move(args)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      result_ = nvrtcCompile(args_.source, args_.name, args_.options, args_.headers);
    } catch (const cuda::Error& e) {
      code_ = e.code();
      message_ = e.what();
    } catch (const std::exception& e) {
      code_ = "WEFT_INTERNAL";
      message_ = e.what();
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!code_.empty()) {
      deferred_.Reject(makeError(env, code_, message_).Value());
    } else {
      deferred_.Resolve(compileResult(env, result_));
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  CompileArgs args_;
  CompileResult result_;
  std::string code_, message_;
};

Napi::Value NvrtcCompileAsync(const Napi::CallbackInfo& info) {
  auto* worker = new CompileWorker(info.Env(), compileArgs(info, "nvrtcCompileAsync"));
  Napi::Promise p = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK
  return p;
}

Napi::Value NvrtcVersion(const Napi::CallbackInfo& info) {
  requireNvrtc();
  Napi::Array v = Napi::Array::New(info.Env(), 2);
  v.Set(0u, status().nvrtcMajor);
  v.Set(1u, status().nvrtcMinor);
  return v;
}

Napi::Value NvrtcSupportedArchs(const Napi::CallbackInfo& info) {
  std::vector<int> archs = nvrtcSupportedArchs();
  Napi::Array a = Napi::Array::New(info.Env(), archs.size());
  for (uint32_t i = 0; i < archs.size(); ++i) a.Set(i, archs[i]);
  return a;
}

}  // namespace

void initExec(Napi::Env env, Napi::Object e) {
  auto add = [&](const char* name, Napi::Function f) { e.Set(name, f); };
  add("moduleLoad", Napi::Function::New<Wrap<ModuleLoad>>(env, "moduleLoad"));
  add("moduleGetFunction", Napi::Function::New<Wrap<ModuleGetFunction>>(env, "moduleGetFunction"));
  add("moduleGetGlobal", Napi::Function::New<Wrap<ModuleGetGlobal>>(env, "moduleGetGlobal"));
  add("moduleUnload", Napi::Function::New<Wrap<ModuleUnload>>(env, "moduleUnload"));
  add("functionAttributes", Napi::Function::New<Wrap<FunctionAttributes_>>(env, "functionAttributes"));
  add("occupancyMaxPotentialBlockSize", Napi::Function::New<Wrap<Occupancy>>(env, "occupancy"));
  add("launch", Napi::Function::New<Wrap<Launch>>(env, "launch"));
  add("streamCreate", Napi::Function::New<Wrap<StreamCreate>>(env, "streamCreate"));
  add("streamDestroy", Napi::Function::New<Wrap<StreamDestroy>>(env, "streamDestroy"));
  add("streamSynchronize", Napi::Function::New<Wrap<StreamSynchronize>>(env, "streamSynchronize"));
  add("eventCreate", Napi::Function::New<Wrap<EventCreate>>(env, "eventCreate"));
  add("eventRecord", Napi::Function::New<Wrap<EventRecord>>(env, "eventRecord"));
  add("eventSynchronize", Napi::Function::New<Wrap<EventSynchronize>>(env, "eventSynchronize"));
  add("eventElapsedMs", Napi::Function::New<Wrap<EventElapsedMs>>(env, "eventElapsedMs"));
  add("eventDestroy", Napi::Function::New<Wrap<EventDestroy>>(env, "eventDestroy"));
  add("beginCapture", Napi::Function::New<Wrap<BeginCapture>>(env, "beginCapture"));
  add("endCapture", Napi::Function::New<Wrap<EndCapture>>(env, "endCapture"));
  add("graphLaunch", Napi::Function::New<Wrap<GraphLaunch>>(env, "graphLaunch"));
  add("graphDestroy", Napi::Function::New<Wrap<GraphDestroy>>(env, "graphDestroy"));
  add("nvrtcCompile", Napi::Function::New<Wrap<NvrtcCompile>>(env, "nvrtcCompile"));
  add("nvrtcCompileAsync", Napi::Function::New<Wrap<NvrtcCompileAsync>>(env, "nvrtcCompileAsync"));
  add("nvrtcVersion", Napi::Function::New<Wrap<NvrtcVersion>>(env, "nvrtcVersion"));
  add("nvrtcSupportedArchs",
      Napi::Function::New<Wrap<NvrtcSupportedArchs>>(env, "nvrtcSupportedArchs"));
}

}  // namespace weft::bindings
