// Device memory: allocation, copies and fills.
//
// Copies between JS memory and the device. JavaScript buffers are ordinary pageable memory owned
// by the V8 garbage collector: once a call returns, the buffer may be freed, reused or (for small
// on-heap typed arrays) moved. So a copy that touches a JS buffer must be finished with that
// buffer before we return. With a stream we issue the async copy (so it is ordered after earlier
// work on that stream) and then synchronize the stream. Pinned staging buffers would let HtoD
// return earlier; that is a later optimization, and the runtime can use DtoD for device data.
// For the same reason these copies refuse to run while the stream is being captured into a CUDA
// graph: the graph would keep a raw pointer into a JS buffer and read it on every replay.
#include <string>

#include "weft_cuda.h"

namespace weft::cuda {

namespace {

inline CUstream asStream(uint64_t s) { return reinterpret_cast<CUstream>(s); }

std::string bytesOp(const char* op, size_t bytes) {
  return std::string(op) + "(" + std::to_string(bytes) + " bytes)";
}

// Returns the stream to use for an async call, or nullopt for the synchronous variant.
// The legacy default stream (0) is treated as "no stream": the sync calls are ordered on it.
std::optional<CUstream> streamArg(int dev, const Stream& stream) {
  if (!stream || *stream == 0) return std::nullopt;
  checkStream(*stream, dev);
  return asStream(*stream);
}

void refuseCapture(int dev, CUstream s, const char* op) {
  if (!drv.cuStreamIsCapturing) return;
  int capturing = CU_STREAM_CAPTURE_STATUS_NONE;
  check(drv.cuStreamIsCapturing(s, &capturing), dev, "cuStreamIsCapturing");
  if (capturing != CU_STREAM_CAPTURE_STATUS_NONE) {
    throw Error("WEFT_CAPTURE_UNSUPPORTED",
                std::string(op) + " between JS memory and the device cannot be captured into a "
                                  "CUDA graph (the graph would keep a pointer to a JS buffer); "
                                  "copy before beginCapture or use device-to-device copies");
  }
}

}  // namespace

uint64_t memAlloc(int dev, size_t bytes, Stream stream) {
  enter(dev);
  if (bytes == 0) return 0;  // empty arrays need no memory; memFree(0) is a no-op
  CUdeviceptr p = 0;
  // cuMemAllocAsync is stream ordered: it can reuse memory freed earlier on the same stream
  // without a device-wide sync, and it is legal inside graph capture. Use it when asked for.
  if (stream && poolsSupported(dev)) {
    checkStream(*stream, dev);
    check(drv.cuMemAllocAsync(&p, bytes, asStream(*stream)), dev,
          bytesOp("cuMemAllocAsync", bytes).c_str());
  } else {
    CUresult r = drv.cuMemAlloc(&p, bytes);
    if (r != CUDA_SUCCESS) fail(r, dev, bytesOp("cuMemAlloc", bytes));
  }
  return p;
}

void memFree(int dev, uint64_t ptr, Stream stream) {
  if (ptr == 0 || isLost(dev)) return;
  enter(dev);
  if (stream && poolsSupported(dev)) {
    checkStream(*stream, dev);
    check(drv.cuMemFreeAsync(ptr, asStream(*stream)), dev, "cuMemFreeAsync");
  } else {
    check(drv.cuMemFree(ptr), dev, "cuMemFree");
  }
}

std::pair<size_t, size_t> memGetInfo(int dev) {
  enter(dev);
  size_t freeBytes = 0, total = 0;
  check(drv.cuMemGetInfo(&freeBytes, &total), dev, "cuMemGetInfo");
  return {freeBytes, total};
}

void memcpyHtoD(int dev, uint64_t dst, const void* src, size_t bytes, Stream stream) {
  enter(dev);
  if (bytes == 0) return;
  if (auto s = streamArg(dev, stream)) {
    refuseCapture(dev, *s, "memcpyHtoD");
    CUresult r = drv.cuMemcpyHtoDAsync(dst, src, bytes, *s);
    if (r != CUDA_SUCCESS) fail(r, dev, bytesOp("cuMemcpyHtoDAsync", bytes));
    check(drv.cuStreamSynchronize(*s), dev, "cuStreamSynchronize (after memcpyHtoD)");
  } else {
    CUresult r = drv.cuMemcpyHtoD(dst, src, bytes);
    if (r != CUDA_SUCCESS) fail(r, dev, bytesOp("cuMemcpyHtoD", bytes));
  }
}

void memcpyDtoH(int dev, void* dst, uint64_t src, size_t bytes, Stream stream) {
  enter(dev);
  if (bytes == 0) return;
  if (auto s = streamArg(dev, stream)) {
    refuseCapture(dev, *s, "memcpyDtoH");
    CUresult r = drv.cuMemcpyDtoHAsync(dst, src, bytes, *s);
    if (r != CUDA_SUCCESS) fail(r, dev, bytesOp("cuMemcpyDtoHAsync", bytes));
    check(drv.cuStreamSynchronize(*s), dev, "cuStreamSynchronize (after memcpyDtoH)");
  } else {
    CUresult r = drv.cuMemcpyDtoH(dst, src, bytes);
    if (r != CUDA_SUCCESS) fail(r, dev, bytesOp("cuMemcpyDtoH", bytes));
  }
}

void memcpyDtoD(int dev, uint64_t dst, uint64_t src, size_t bytes, Stream stream) {
  enter(dev);
  if (bytes == 0) return;
  CUresult r;
  if (auto s = streamArg(dev, stream)) {
    r = drv.cuMemcpyDtoDAsync(dst, src, bytes, *s);
  } else {
    r = drv.cuMemcpyDtoD(dst, src, bytes);
  }
  if (r != CUDA_SUCCESS) fail(r, dev, bytesOp("cuMemcpyDtoD", bytes));
}

void memsetD8(int dev, uint64_t ptr, unsigned char value, size_t count, Stream stream) {
  enter(dev);
  if (count == 0) return;
  if (auto s = streamArg(dev, stream)) {
    check(drv.cuMemsetD8Async(ptr, value, count, *s), dev, "cuMemsetD8Async");
  } else {
    check(drv.cuMemsetD8(ptr, value, count), dev, "cuMemsetD8");
  }
}

void memsetD32(int dev, uint64_t ptr, unsigned value, size_t count, Stream stream) {
  enter(dev);
  if (count == 0) return;
  if (auto s = streamArg(dev, stream)) {
    check(drv.cuMemsetD32Async(ptr, value, count, *s), dev, "cuMemsetD32Async");
  } else {
    check(drv.cuMemsetD32(ptr, value, count), dev, "cuMemsetD32");
  }
}

}  // namespace weft::cuda
