// The CUDA addon's entry point (build/cuda/sparsetickets_cuda.node): devices, memory, transfers, library loading,
// and the registration of the kernel families (blas_conv.cc, ops.cc). src/kernels/cuda.ts is its only caller.
#include <cuda_runtime_api.h>
#include <napi.h>

#include <string>
#include <vector>

#include "common.h"
#include "launch.h"

namespace st_cuda {
void register_blas_conv(Napi::Env env, Napi::Object exports);
void register_ops(Napi::Env env, Napi::Object exports);
}  // namespace st_cuda

namespace {

using namespace st_cuda;

std::string version_text(int v) {  // CUDA's 1000·major + 10·minor
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

// versions() → { runtime, driver }: the CUDA runtime linked in and the driver's CUDA version ("0.0": no driver).
Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  if (cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
  cudaGetLastError();
  Napi::Object o = Napi::Object::New(env);
  o.Set("runtime", version_text(runtime));
  o.Set("driver", version_text(driver));
  return o;
}

// deviceCount() → number of visible GPUs; throws with the runtime's reason when there is none.
Napi::Value DeviceCount(const Napi::CallbackInfo& info) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    fail(info.Env(), std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err));
  }
  return Napi::Number::New(info.Env(), n);
}

std::vector<std::string> strings(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsArray()) fail(env, std::string("loadLibraries: argument '") + name + "' must be an array of paths");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value s = a.Get(i);
    if (!s.IsString()) fail(env, std::string("loadLibraries: '") + name + "' must hold strings");
    out.push_back(s.As<Napi::String>().Utf8Value());
  }
  return out;
}

// loadLibraries(cublasCandidates, cudnnCandidates) → { cublas, cudnn } (the paths loaded).
Napi::Value LoadLibraries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoadedLibraries loaded;
  std::string error;
  if (!load_libraries(strings(env, info[0], "cublas"), strings(env, info[1], "cudnn"), &loaded, &error))
    fail(env, error);
  Napi::Object o = Napi::Object::New(env);
  o.Set("cublas", loaded.cublasPath);
  o.Set("cudnn", loaded.cudnnPath);
  return o;
}

// open(device): creates the device's context (stream, cuBLAS and cuDNN handles).
Napi::Value Open(const Napi::CallbackInfo& info) {
  Args a(info, "open");
  context(a.env(), a.integer("device"), "open");
  return info.Env().Undefined();
}

// info(device) → the device's name, memory and versions.
Napi::Value Info(const Napi::CallbackInfo& info) {
  const char* op = "info";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  cudaDeviceProp prop;
  check_cuda(env, op, cudaGetDeviceProperties(&prop, ctx.device), "cudaGetDeviceProperties");
  size_t freeBytes = 0, totalBytes = 0;
  check_cuda(env, op, cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo");
  int runtime = 0, driver = 0, blasVersion = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  check_cublas(env, op, cublas.getVersion(ctx.blas, &blasVersion), "cublasGetVersion");
  const size_t dnn = cudnn.getVersion();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", std::string(prop.name));
  o.Set("totalMemory", static_cast<double>(prop.totalGlobalMem));
  o.Set("freeMemory", static_cast<double>(freeBytes));
  o.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
  o.Set("multiprocessors", prop.multiProcessorCount);
  o.Set("l2CacheBytes", prop.l2CacheSize);
  o.Set("driverVersion", version_text(driver));
  o.Set("runtimeVersion", version_text(runtime));
  o.Set("cublasVersion", std::to_string(blasVersion / 10000) + "." + std::to_string((blasVersion % 10000) / 100) +
                             "." + std::to_string(blasVersion % 100));
  o.Set("cudnnVersion", std::to_string(dnn / 10000) + "." + std::to_string((dnn % 10000) / 100) + "." +
                            std::to_string(dnn % 100));
  return o;
}

// alloc(device, bytes) → address (a number; 0 for 0 bytes).
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  const char* op = "alloc";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int64_t bytes = a.integer("bytes");
  if (bytes < 0) fail(env, "alloc: negative size");
  if (bytes == 0) return Napi::Number::New(env, 0);
  void* p = nullptr;
  check_cuda(env, op, cudaMalloc(&p, static_cast<size_t>(bytes)),
             ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str());
  const uint64_t addr = reinterpret_cast<uintptr_t>(p);
  if (addr >= (1ull << 53)) {
    cudaFree(p);
    fail(env, "alloc: the device address does not fit a JavaScript number");
  }
  (void)ctx;
  return Napi::Number::New(env, static_cast<double>(addr));
}

// free(device, address)
Napi::Value Free(const Napi::CallbackInfo& info) {
  const char* op = "free";
  Args a(info, op);
  Napi::Env env = a.env();
  context(env, a.integer("device"), op);
  const int64_t addr = a.integer("address");
  if (addr != 0) check_cuda(env, op, cudaFree(reinterpret_cast<void*>(static_cast<uintptr_t>(addr))), "cudaFree");
  return env.Undefined();
}

struct HostBytes {
  uint8_t* data;
  size_t bytes;
};

HostBytes host_bytes(Napi::Env env, const char* op, Napi::Value v) {
  if (!v.IsTypedArray()) fail(env, std::string(op) + ": the host array must be a typed array");
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  return HostBytes{static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset(), t.ByteLength()};
}

// upload(device, address, capacityBytes, hostArray): host → device (the host array may be reused at once).
Napi::Value Upload(const Napi::CallbackInfo& info) {
  const char* op = "upload";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int64_t addr = a.integer("address"), capacity = a.integer("capacityBytes");
  HostBytes h = host_bytes(env, op, info[3]);
  if (static_cast<int64_t>(h.bytes) > capacity)
    fail(env, "upload: " + std::to_string(h.bytes) + " bytes do not fit the " + std::to_string(capacity) +
                  " bytes of the device array from the offset");
  if (h.bytes == 0) return env.Undefined();
  check_cuda(env, op,
             cudaMemcpyAsync(reinterpret_cast<void*>(static_cast<uintptr_t>(addr)), h.data, h.bytes,
                             cudaMemcpyHostToDevice, ctx.stream),
             "cudaMemcpyAsync (host to device)");
  check_launch(env, op, ctx);
  return env.Undefined();
}

// download(device, address, capacityBytes, hostArray): device → host, complete when it returns.
Napi::Value Download(const Napi::CallbackInfo& info) {
  const char* op = "download";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int64_t addr = a.integer("address"), capacity = a.integer("capacityBytes");
  HostBytes h = host_bytes(env, op, info[3]);
  if (static_cast<int64_t>(h.bytes) > capacity)
    fail(env, "download: the host array of " + std::to_string(h.bytes) + " bytes is longer than the " +
                  std::to_string(capacity) + " bytes of the device array from the offset");
  if (h.bytes == 0) return env.Undefined();
  check_cuda(env, op,
             cudaMemcpyAsync(h.data, reinterpret_cast<const void*>(static_cast<uintptr_t>(addr)), h.bytes,
                             cudaMemcpyDeviceToHost, ctx.stream),
             "cudaMemcpyAsync (device to host)");
  check_cuda(env, op, cudaStreamSynchronize(ctx.stream), "cudaStreamSynchronize");
  return env.Undefined();
}

// copy(device, dstAddress, srcAddress, bytes): device → device, in stream order.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  const char* op = "copy";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int64_t dst = a.integer("dst"), src = a.integer("src"), bytes = a.integer("bytes");
  if (bytes < 0) fail(env, "copy: negative size");
  if (bytes == 0) return env.Undefined();
  check_cuda(env, op,
             cudaMemcpyAsync(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)),
                             reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), static_cast<size_t>(bytes),
                             cudaMemcpyDeviceToDevice, ctx.stream),
             "cudaMemcpyAsync (device to device)");
  check_launch(env, op, ctx);
  return env.Undefined();
}

// fill(device, dtype, array, value): every element = value (dtype 'f32', 'i32' or 'u8').
Napi::Value Fill(const Napi::CallbackInfo& info) {
  const char* op = "fill";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const std::string dtype = a.string("dtype");
  if (dtype == "f32") {
    Arr<float> x = a.array<float>("array");
    launch_fill_f32(x.p, x.n, static_cast<float>(a.number("value")), ctx.stream);
  } else if (dtype == "i32") {
    Arr<int32_t> x = a.array<int32_t>("array");
    launch_fill_i32(x.p, x.n, static_cast<int32_t>(a.integer("value")), ctx.stream);
  } else if (dtype == "u8") {
    Arr<uint8_t> x = a.array<uint8_t>("array");
    launch_fill_u8(x.p, x.n, static_cast<uint8_t>(a.integer("value")), ctx.stream);
  } else {
    fail(env, "fill: dtype must be 'f32', 'i32' or 'u8'");
  }
  check_launch(env, op, ctx);
  return env.Undefined();
}

// synchronize(device): waits for all work queued on the device's stream; reports any asynchronous error.
Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  const char* op = "synchronize";
  Args a(info, op);
  Context& ctx = context(a.env(), a.integer("device"), op);
  check_cuda(a.env(), op, cudaStreamSynchronize(ctx.stream), "cudaStreamSynchronize");
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("versions", Napi::Function::New(env, Versions, "versions"));
  exports.Set("deviceCount", Napi::Function::New(env, DeviceCount, "deviceCount"));
  exports.Set("loadLibraries", Napi::Function::New(env, LoadLibraries, "loadLibraries"));
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("alloc", Napi::Function::New(env, Alloc, "alloc"));
  exports.Set("free", Napi::Function::New(env, Free, "free"));
  exports.Set("upload", Napi::Function::New(env, Upload, "upload"));
  exports.Set("download", Napi::Function::New(env, Download, "download"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("fill", Napi::Function::New(env, Fill, "fill"));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  st_cuda::register_blas_conv(env, exports);
  st_cuda::register_ops(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sparsetickets_cuda, Init)
