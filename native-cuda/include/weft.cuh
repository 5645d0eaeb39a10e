// weft.cuh — the device-side support header of weft's CUDA backend.
//
// Every translation unit that engine/backends/cuda/codegen.ts generates starts with this header
// (inlined, so NVRTC needs no include path). It is compiled by NVRTC, so it includes no system
// headers: the fixed-width integer types are defined here, and the math functions (sinf, ...) are
// NVRTC builtins. It also compiles under nvcc (the tests compile generated code with `nvcc -ptx`).
//
// Lowered IR is scalar, so there are no vector or matrix types here: only
//   - the array descriptor (`weft_array`) and the launch extents (`weft_dims`),
//   - address computation for array elements and unaligned raw reads,
//   - conversions with wasm semantics (saturating float -> int, NaN -> 0),
//   - atomics for every scalar kind (float min/max and 64-bit ops built from CAS),
//   - the error record that debug checks and `trap` write (first writer wins),
//   - printf support for `print`.
#pragma once

// ---- fixed-width integers ----------------------------------------------------------------------
#if defined(__CUDACC_RTC__)
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
#else
#include <stdint.h>
#endif

#define WEFT_INLINE __device__ __forceinline__

// ---- run-time structures (host mirrors: engine/backends/cuda/layout.ts) -------------------------

// An array argument, passed by value as a kernel parameter: 48 bytes, 8-byte aligned.
// Strides are in bytes. `grad` is null when the array has no gradient buffer. Dimensions beyond
// the array's rank have shape 1 and stride 0.
struct weft_array {
  char* data;
  char* grad;
  int32_t shape[4];
  int32_t strides[4];
};

// Launch extents, the first parameter of every kernel: 32 bytes, 8-byte aligned. Unused trailing
// extents are 1; `total` is their product (the number of threads of the launch). `inner` is the
// product of the extents beyond the dimensions the kernel indexes (1 unless a kernel that uses
// tid(0) only is launched over 2-D extents, say): the kernel divides the flat index by it first.
struct weft_dims {
  int32_t d[4];
  int64_t total;
  int64_t inner;
};

// ---- addresses --------------------------------------------------------------------------------
// `base` is the array's data or grad pointer; indices are i32, products are 64-bit.
WEFT_INLINE char* weft_addr(char* base, const weft_array& a, int32_t i0) {
  return base + (int64_t)i0 * a.strides[0];
}
WEFT_INLINE char* weft_addr(char* base, const weft_array& a, int32_t i0, int32_t i1) {
  return base + (int64_t)i0 * a.strides[0] + (int64_t)i1 * a.strides[1];
}
WEFT_INLINE char* weft_addr(char* base, const weft_array& a, int32_t i0, int32_t i1, int32_t i2) {
  return base + (int64_t)i0 * a.strides[0] + (int64_t)i1 * a.strides[1] + (int64_t)i2 * a.strides[2];
}
WEFT_INLINE char* weft_addr(char* base, const weft_array& a, int32_t i0, int32_t i1, int32_t i2,
                            int32_t i3) {
  return base + (int64_t)i0 * a.strides[0] + (int64_t)i1 * a.strides[1] +
         (int64_t)i2 * a.strides[2] + (int64_t)i3 * a.strides[3];
}

// Booleans are one byte in memory; any non-zero byte reads as true.
WEFT_INLINE bool weft_load_bool(const char* p) { return *(const uint8_t*)p != 0; }
WEFT_INLINE void weft_store_bool(char* p, bool v) { *(uint8_t*)p = v ? 1 : 0; }

// `araw`: a scalar at an arbitrary byte offset (NanoVDB buffers). Naturally aligned addresses (the
// common case: NanoVDB aligns its nodes to 32 bytes) take one load; others are assembled from bytes
// (little-endian, as on every CUDA device), so a misaligned offset never faults.
template <typename T>
WEFT_INLINE T weft_load_raw(const char* p) {
  if (((uint64_t)p & (sizeof(T) - 1)) == 0) return *(const T*)p;
  union { T v; uint8_t b[sizeof(T)]; } u;
#pragma unroll
  for (int i = 0; i < (int)sizeof(T); ++i) u.b[i] = ((const uint8_t*)p)[i];
  return u.v;
}
template <>
WEFT_INLINE bool weft_load_raw<bool>(const char* p) { return *(const uint8_t*)p != 0; }

// ---- conversions (the semantics of the wasm backend) ---------------------------------------------
// float -> int truncates toward zero and saturates; NaN gives 0 (wasm's iNN.trunc_sat_fMM_[su]).
// Written out rather than left to C casts, whose out-of-range behaviour is undefined.
#define WEFT_F2I(NAME, F, I, LO, HI, LOF, HIF)                                   \
  WEFT_INLINE I NAME(F x) {                                                      \
    if (!(x == x)) return (I)0;                                                  \
    if (x <= (F)(LOF)) return (I)(LO);                                           \
    if (x >= (F)(HIF)) return (I)(HI);                                           \
    return (I)x;                                                                 \
  }
// The bounds are exact powers of two (representable in every float type): x >= 2^31 saturates.
WEFT_F2I(weft_f32_to_i32, float, int32_t, (-2147483647 - 1), 2147483647, -2147483648.0, 2147483648.0)
WEFT_F2I(weft_f64_to_i32, double, int32_t, (-2147483647 - 1), 2147483647, -2147483648.0, 2147483648.0)
WEFT_F2I(weft_f32_to_u32, float, uint32_t, 0u, 4294967295u, 0.0, 4294967296.0)
WEFT_F2I(weft_f64_to_u32, double, uint32_t, 0u, 4294967295u, 0.0, 4294967296.0)
WEFT_F2I(weft_f32_to_i64, float, int64_t, (-9223372036854775807ll - 1), 9223372036854775807ll,
         -9223372036854775808.0, 9223372036854775808.0)
WEFT_F2I(weft_f64_to_i64, double, int64_t, (-9223372036854775807ll - 1), 9223372036854775807ll,
         -9223372036854775808.0, 9223372036854775808.0)
WEFT_F2I(weft_f32_to_u64, float, uint64_t, 0ull, 18446744073709551615ull, 0.0, 18446744073709551616.0)
WEFT_F2I(weft_f64_to_u64, double, uint64_t, 0ull, 18446744073709551615ull, 0.0, 18446744073709551616.0)
#undef WEFT_F2I

// ---- atomics ------------------------------------------------------------------------------------
// One overload set per operation; each returns the value held before the operation. 64-bit and
// float variants without a native instruction are built on the unsigned 64-bit or 32-bit
// instructions (two's complement makes signed add/sub/xchg/cas the same bits as unsigned).
typedef unsigned long long weft_ull;
typedef long long weft_ll;

#define WEFT_U32P(p) ((unsigned int*)(p))
#define WEFT_I32P(p) ((int*)(p))
#define WEFT_ULLP(p) ((weft_ull*)(p))
#define WEFT_LLP(p) ((weft_ll*)(p))

// add
WEFT_INLINE int32_t weft_atomic_add(int32_t* p, int32_t v) { return atomicAdd(WEFT_I32P(p), v); }
WEFT_INLINE uint32_t weft_atomic_add(uint32_t* p, uint32_t v) { return atomicAdd(WEFT_U32P(p), v); }
WEFT_INLINE uint64_t weft_atomic_add(uint64_t* p, uint64_t v) { return atomicAdd(WEFT_ULLP(p), (weft_ull)v); }
WEFT_INLINE int64_t weft_atomic_add(int64_t* p, int64_t v) {
  return (int64_t)atomicAdd(WEFT_ULLP(p), (weft_ull)v);
}
WEFT_INLINE float weft_atomic_add(float* p, float v) { return atomicAdd(p, v); }
WEFT_INLINE double weft_atomic_add(double* p, double v) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 600
  weft_ull* a = WEFT_ULLP(p);
  weft_ull old = *a, assumed;
  do {
    assumed = old;
    old = atomicCAS(a, assumed, (weft_ull)__double_as_longlong(__longlong_as_double((weft_ll)assumed) + v));
  } while (assumed != old);
  return __longlong_as_double((weft_ll)old);
#else
  return atomicAdd(p, v);
#endif
}

// sub: integers wrap like add of the negation; floats add -v (exact negation).
WEFT_INLINE int32_t weft_atomic_sub(int32_t* p, int32_t v) { return atomicSub(WEFT_I32P(p), v); }
WEFT_INLINE uint32_t weft_atomic_sub(uint32_t* p, uint32_t v) { return atomicSub(WEFT_U32P(p), v); }
WEFT_INLINE uint64_t weft_atomic_sub(uint64_t* p, uint64_t v) {
  return atomicAdd(WEFT_ULLP(p), (weft_ull)0 - (weft_ull)v);
}
WEFT_INLINE int64_t weft_atomic_sub(int64_t* p, int64_t v) {
  return (int64_t)atomicAdd(WEFT_ULLP(p), (weft_ull)0 - (weft_ull)v);
}
WEFT_INLINE float weft_atomic_sub(float* p, float v) { return weft_atomic_add(p, -v); }
WEFT_INLINE double weft_atomic_sub(double* p, double v) { return weft_atomic_add(p, -v); }

// min / max: native for integers. Floats: a CAS loop on the bit pattern that stores v only while
// v < old (min) or v > old (max): a NaN operand never replaces the stored value, and +0 / -0
// compare equal (the first one stored stays).
WEFT_INLINE int32_t weft_atomic_min(int32_t* p, int32_t v) { return atomicMin(WEFT_I32P(p), v); }
WEFT_INLINE uint32_t weft_atomic_min(uint32_t* p, uint32_t v) { return atomicMin(WEFT_U32P(p), v); }
WEFT_INLINE int64_t weft_atomic_min(int64_t* p, int64_t v) { return (int64_t)atomicMin(WEFT_LLP(p), (weft_ll)v); }
WEFT_INLINE uint64_t weft_atomic_min(uint64_t* p, uint64_t v) { return atomicMin(WEFT_ULLP(p), (weft_ull)v); }
WEFT_INLINE int32_t weft_atomic_max(int32_t* p, int32_t v) { return atomicMax(WEFT_I32P(p), v); }
WEFT_INLINE uint32_t weft_atomic_max(uint32_t* p, uint32_t v) { return atomicMax(WEFT_U32P(p), v); }
WEFT_INLINE int64_t weft_atomic_max(int64_t* p, int64_t v) { return (int64_t)atomicMax(WEFT_LLP(p), (weft_ll)v); }
WEFT_INLINE uint64_t weft_atomic_max(uint64_t* p, uint64_t v) { return atomicMax(WEFT_ULLP(p), (weft_ull)v); }

WEFT_INLINE float weft_atomic_minmax_f32(float* p, float v, bool isMax) {
  int* a = WEFT_I32P(p);
  int old = *(volatile int*)a;
  for (;;) {
    float cur = __int_as_float(old);
    if (!(isMax ? v > cur : v < cur)) return cur;
    int seen = atomicCAS(a, old, __float_as_int(v));
    if (seen == old) return cur;
    old = seen;
  }
}
WEFT_INLINE double weft_atomic_minmax_f64(double* p, double v, bool isMax) {
  weft_ull* a = WEFT_ULLP(p);
  weft_ull old = *(volatile weft_ull*)a;
  for (;;) {
    double cur = __longlong_as_double((weft_ll)old);
    if (!(isMax ? v > cur : v < cur)) return cur;
    weft_ull seen = atomicCAS(a, old, (weft_ull)__double_as_longlong(v));
    if (seen == old) return cur;
    old = seen;
  }
}
WEFT_INLINE float weft_atomic_min(float* p, float v) { return weft_atomic_minmax_f32(p, v, false); }
WEFT_INLINE float weft_atomic_max(float* p, float v) { return weft_atomic_minmax_f32(p, v, true); }
WEFT_INLINE double weft_atomic_min(double* p, double v) { return weft_atomic_minmax_f64(p, v, false); }
WEFT_INLINE double weft_atomic_max(double* p, double v) { return weft_atomic_minmax_f64(p, v, true); }

// xchg
WEFT_INLINE int32_t weft_atomic_xchg(int32_t* p, int32_t v) { return atomicExch(WEFT_I32P(p), v); }
WEFT_INLINE uint32_t weft_atomic_xchg(uint32_t* p, uint32_t v) { return atomicExch(WEFT_U32P(p), v); }
WEFT_INLINE uint64_t weft_atomic_xchg(uint64_t* p, uint64_t v) { return atomicExch(WEFT_ULLP(p), (weft_ull)v); }
WEFT_INLINE int64_t weft_atomic_xchg(int64_t* p, int64_t v) {
  return (int64_t)atomicExch(WEFT_ULLP(p), (weft_ull)v);
}
WEFT_INLINE float weft_atomic_xchg(float* p, float v) { return atomicExch(p, v); }
WEFT_INLINE double weft_atomic_xchg(double* p, double v) {
  return __longlong_as_double((weft_ll)atomicExch(WEFT_ULLP(p), (weft_ull)__double_as_longlong(v)));
}

// cas(p, compare, value): stores value when *p == compare; returns the old value. Floats compare
// bit patterns (so -0 != +0 and a NaN matches the same NaN), as every GPU CAS does.
WEFT_INLINE int32_t weft_atomic_cas(int32_t* p, int32_t cmp, int32_t v) { return atomicCAS(WEFT_I32P(p), cmp, v); }
WEFT_INLINE uint32_t weft_atomic_cas(uint32_t* p, uint32_t cmp, uint32_t v) { return atomicCAS(WEFT_U32P(p), cmp, v); }
WEFT_INLINE uint64_t weft_atomic_cas(uint64_t* p, uint64_t cmp, uint64_t v) {
  return atomicCAS(WEFT_ULLP(p), (weft_ull)cmp, (weft_ull)v);
}
WEFT_INLINE int64_t weft_atomic_cas(int64_t* p, int64_t cmp, int64_t v) {
  return (int64_t)atomicCAS(WEFT_ULLP(p), (weft_ull)cmp, (weft_ull)v);
}
WEFT_INLINE float weft_atomic_cas(float* p, float cmp, float v) {
  return __int_as_float(atomicCAS(WEFT_I32P(p), __float_as_int(cmp), __float_as_int(v)));
}
WEFT_INLINE double weft_atomic_cas(double* p, double cmp, double v) {
  return __longlong_as_double((weft_ll)atomicCAS(WEFT_ULLP(p), (weft_ull)__double_as_longlong(cmp),
                                                 (weft_ull)__double_as_longlong(v)));
}

#undef WEFT_U32P
#undef WEFT_I32P
#undef WEFT_ULLP
#undef WEFT_LLP

// ---- error record ---------------------------------------------------------------------------------
// One per module, read by the host after a launch (cuModuleGetGlobal("weft_error") + a copy of
// sizeof(weft_error_record) = 80 bytes), and reset to zeros by the host after it reported it.
// The first failing thread claims it with atomicCAS on `code` (first writer wins), fills in the
// rest and leaves the kernel; in debug builds every thread stops at its next grid-stride step once
// a code is set. `site` indexes the module's table of check sites (kernel, source location, what
// the details mean) that the code generator records in the artifact metadata.
//
// Detail values are 64-bit: integers sign- or zero-extended, booleans 0/1, floats widened to
// double and stored as its bit pattern.
struct weft_error_record {
  int32_t code;   // 0: no error
  int32_t site;   // index into the module's site table
  int32_t count;  // number of valid detail values
  int32_t pad;
  int64_t detail[8];
};

extern "C" {
__device__ weft_error_record weft_error;
}

WEFT_INLINE bool weft_error_pending() { return *(volatile int32_t*)&weft_error.code != 0; }

// Encoders for detail values.
WEFT_INLINE int64_t weft_detail(int32_t v) { return (int64_t)v; }
WEFT_INLINE int64_t weft_detail(uint32_t v) { return (int64_t)v; }
WEFT_INLINE int64_t weft_detail(int64_t v) { return v; }
WEFT_INLINE int64_t weft_detail(uint64_t v) { return (int64_t)v; }
WEFT_INLINE int64_t weft_detail(bool v) { return v ? 1 : 0; }
WEFT_INLINE int64_t weft_detail(float v) { return (int64_t)__double_as_longlong((double)v); }
WEFT_INLINE int64_t weft_detail(double v) { return (int64_t)__double_as_longlong(v); }

// Records an error unless one is recorded already. Kept out of line: it is on the cold path.
__device__ __noinline__ void weft_report(int32_t code, int32_t site, int32_t count, int64_t d0 = 0,
                                         int64_t d1 = 0, int64_t d2 = 0, int64_t d3 = 0,
                                         int64_t d4 = 0, int64_t d5 = 0, int64_t d6 = 0,
                                         int64_t d7 = 0) {
  if (atomicCAS(&weft_error.code, 0, code) != 0) return;
  weft_error.site = site;
  weft_error.count = count;
  weft_error.detail[0] = d0; weft_error.detail[1] = d1; weft_error.detail[2] = d2;
  weft_error.detail[3] = d3; weft_error.detail[4] = d4; weft_error.detail[5] = d5;
  weft_error.detail[6] = d6; weft_error.detail[7] = d7;
  __threadfence();
}

// Error codes of the code generator's own checks, the same as the reference interpreter's
// (engine/ir/interp.ts); `trap` ops carry the IR's codes.
#define WEFT_ERR_BOUNDS 2    // array or fixed-array index out of range
#define WEFT_ERR_RAW_BOUNDS 3  // araw read outside the buffer
#define WEFT_ERR_DIV_ZERO 4  // integer division or remainder by zero
#define WEFT_ERR_NO_GRAD 5   // reserved: gradient accesses without a gradient buffer are skipped, not errors

// Bounds test: true when 0 <= i < n (one unsigned comparison).
WEFT_INLINE bool weft_in(int32_t i, int32_t n) { return (uint32_t)i < (uint32_t)n; }

// ---- grid-stride loop ---------------------------------------------------------------------------
// Every kernel runs `for (flat = first; flat < total; flat += stride)`; the thread indices are the
// row-major decomposition of `flat` over the launch extents (the last one varies fastest).
WEFT_INLINE int64_t weft_flat_first() { return (int64_t)blockIdx.x * blockDim.x + threadIdx.x; }
WEFT_INLINE int64_t weft_flat_stride() { return (int64_t)gridDim.x * blockDim.x; }
// Splits off one extent: returns rest % d and leaves rest / d in `rest` (d >= 1). Launches of fewer
// than 2^32 threads take the 32-bit division, which is several times cheaper than the 64-bit one.
WEFT_INLINE int32_t weft_divmod(int64_t& rest, int32_t d) {
  if ((uint64_t)rest <= 0xffffffffull) {
    uint32_t r = (uint32_t)rest, q = r / (uint32_t)d;
    rest = (int64_t)q;
    return (int32_t)(r - q * (uint32_t)d);
  }
  int64_t q = rest / d;
  int32_t m = (int32_t)(rest - q * d);
  rest = q;
  return m;
}

// ---- print ------------------------------------------------------------------------------------
// `print` lowers to printf (NVRTC provides it as a builtin); booleans print as true/false.
WEFT_INLINE const char* weft_bool_str(bool b) { return b ? "true" : "false"; }
