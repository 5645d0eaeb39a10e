// Argument conversion and error translation shared by the binding files.
//
// Errors: the C++ layer throws weft::cuda::Error; `Wrap<F>` turns it into a JS Error whose
// `code` property carries the CUDA/NVRTC error name (or WEFT_*), and turns any other C++
// exception into a plain JS Error, so nothing can escape into std::terminate.
#pragma once

#include <napi.h>

#include <string>
#include <utility>

#include "../native-cuda/weft_cuda.h"

namespace weft::bindings {

inline Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& msg) {
  Napi::Error err = Napi::Error::New(env, msg);
  err.Value().Set("code", Napi::String::New(env, code));
  return err;
}

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Wrap(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const cuda::Error& e) {
    throw makeError(info.Env(), e.code(), e.what());
  } catch (const Napi::Error&) {
    throw;  // already a JS exception (e.g. a TypeError from N-API)
  } catch (const std::exception& e) {
    throw makeError(info.Env(), "WEFT_INTERNAL", std::string("weft_cuda: ") + e.what());
  }
}

[[noreturn]] inline void typeError(const Napi::CallbackInfo& info, const char* fn, size_t i,
                                   const char* expected) {
  Napi::TypeError err = Napi::TypeError::New(
      info.Env(), std::string(fn) + ": argument " + std::to_string(i + 1) + " must be " + expected);
  err.Value().Set("code", Napi::String::New(info.Env(), "ERR_INVALID_ARG_TYPE"));
  throw err;
}

inline bool given(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull();
}

inline int argInt(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (i >= info.Length() || !info[i].IsNumber()) typeError(info, fn, i, "a number");
  return info[i].As<Napi::Number>().Int32Value();
}

inline uint32_t argU32(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (i >= info.Length() || !info[i].IsNumber()) typeError(info, fn, i, "a number");
  return info[i].As<Napi::Number>().Uint32Value();
}

// A handle, pointer or size: a non-negative bigint, or a number that is a safe integer.
inline uint64_t argU64(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (i < info.Length()) {
    Napi::Value v = info[i];
    if (v.IsBigInt()) {
      bool lossless = false;
      uint64_t x = v.As<Napi::BigInt>().Uint64Value(&lossless);
      if (lossless) return x;
    } else if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      if (d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<uint64_t>(d))) {
        return static_cast<uint64_t>(d);
      }
    }
  }
  typeError(info, fn, i, "a non-negative bigint or integer");
}

inline cuda::Stream argStream(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (!given(info, i)) return std::nullopt;
  return argU64(info, i, fn);
}

inline std::string argString(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (i >= info.Length() || !info[i].IsString()) typeError(info, fn, i, "a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// Bytes of a TypedArray, Buffer or DataView (N-API already adds the view's byte offset).
inline std::pair<void*, size_t> argBytes(const Napi::CallbackInfo& info, size_t i,
                                         const char* fn) {
  if (i < info.Length()) {
    napi_env env = info.Env();
    napi_value v = info[i];
    bool is = false;
    if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) == napi_ok) {
        size_t elem = 1;
        switch (type) {
          case napi_int16_array: case napi_uint16_array: elem = 2; break;
          case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
          case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array:
            elem = 8; break;
          default: elem = 1;  // int8, uint8, uint8_clamped (float16 is not in N-API 8)
        }
        return {data, length * elem};
      }
    } else if (napi_is_dataview(env, v, &is) == napi_ok && is) {
      size_t length = 0;
      void* data = nullptr;
      if (napi_get_dataview_info(env, v, &length, &data, nullptr, nullptr) == napi_ok) {
        return {data, length};
      }
    }
  }
  typeError(info, fn, i, "an ArrayBufferView (TypedArray, Buffer or DataView)");
}

inline Napi::Value big(Napi::Env env, uint64_t x) { return Napi::BigInt::New(env, x); }

}  // namespace weft::bindings
