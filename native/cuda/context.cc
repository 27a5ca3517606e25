#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "common.h"

namespace st_cuda {

void fail(Napi::Env env, const std::string& message) { throw Napi::Error::New(env, message); }

void check_cuda(Napi::Env env, const char* op, cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  fail(env, std::string(op) + ": " + what + " failed: " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) +
                ")");
}

void check_cublas(Napi::Env env, const char* op, cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  std::string text = "cuBLAS status " + std::to_string(static_cast<int>(status));
  if (cublas.getStatusString) text += " (" + std::string(cublas.getStatusString(status)) + ")";
  fail(env, std::string(op) + ": " + what + " failed: " + text);
}

void check_cudnn(Napi::Env env, const char* op, cudnnStatus_t status, const char* what) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  std::string text = "cuDNN status " + std::to_string(static_cast<int>(status));
  if (cudnn.getErrorString) text += " (" + std::string(cudnn.getErrorString(status)) + ")";
  fail(env, std::string(op) + ": " + what + " failed: " + text);
}

namespace {

std::mutex g_mutex;
std::vector<std::unique_ptr<Context>> g_contexts;
int g_current = -1;

}  // namespace

Context& context(Napi::Env env, int64_t device, const char* op) {
  if (device < 0 || device > 1024) fail(env, std::string(op) + ": invalid device index " + std::to_string(device));
  const int dev = static_cast<int>(device);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (static_cast<size_t>(dev) < g_contexts.size() && g_contexts[dev]) {
      if (g_current != dev) {
        check_cuda(env, op, cudaSetDevice(dev), "cudaSetDevice");
        g_current = dev;
      }
      return *g_contexts[dev];
    }
  }
  if (!libraries_loaded()) fail(env, std::string(op) + ": cuBLAS and cuDNN are not loaded (loadLibraries first)");
  std::lock_guard<std::mutex> lock(g_mutex);
  check_cuda(env, op, cudaSetDevice(dev), "cudaSetDevice");
  g_current = dev;
  auto ctx = std::make_unique<Context>();
  ctx->device = dev;
  const char* sync = std::getenv("SPARSETICKETS_CUDA_SYNC");
  ctx->syncEach = sync && std::strcmp(sync, "1") == 0;
  check_cuda(env, op, cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  check_cuda(env, op, cudaMallocHost(&ctx->pinned, 4096), "cudaMallocHost");
  check_cublas(env, op, cublas.create(&ctx->blas), "cublasCreate");
  check_cublas(env, op, cublas.setStream(ctx->blas, ctx->stream), "cublasSetStream");
  check_cublas(env, op, cublas.setMathMode(ctx->blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  ctx->blasMath = CUBLAS_DEFAULT_MATH;
  check_cudnn(env, op, cudnn.create(&ctx->dnn), "cudnnCreate");
  check_cudnn(env, op, cudnn.setStream(ctx->dnn, ctx->stream), "cudnnSetStream");
  if (g_contexts.size() <= static_cast<size_t>(dev)) g_contexts.resize(dev + 1);
  g_contexts[dev] = std::move(ctx);
  return *g_contexts[dev];
}

void* Context::ensure_scratch(Napi::Env env, const char* op, size_t bytes) {
  if (bytes <= scratchBytes) return scratch;
  // cudaFree waits for the device, so work still queued on the old buffer finishes first.
  if (scratch) check_cuda(env, op, cudaFree(scratch), "cudaFree (scratch)");
  scratch = nullptr;
  scratchBytes = 0;
  const size_t want = bytes < (1u << 20) ? (1u << 20) : bytes + bytes / 4;
  check_cuda(env, op, cudaMalloc(&scratch, want), "cudaMalloc (scratch)");
  scratchBytes = want;
  return scratch;
}

void* Context::ensure_workspace(Napi::Env env, const char* op, size_t bytes) {
  if (bytes <= workspaceBytes) return workspace;
  if (workspace) check_cuda(env, op, cudaFree(workspace), "cudaFree (workspace)");
  workspace = nullptr;
  workspaceBytes = 0;
  check_cuda(env, op, cudaMalloc(&workspace, bytes), "cudaMalloc (cuDNN workspace)");
  workspaceBytes = bytes;
  return workspace;
}

void check_launch(Napi::Env env, const char* op, Context& ctx) {
  check_cuda(env, op, cudaGetLastError(), "a kernel launch");
  if (ctx.syncEach) check_cuda(env, op, cudaStreamSynchronize(ctx.stream), "cudaStreamSynchronize");
}

const void* fetch_small(Napi::Env env, const char* op, Context& ctx, const void* src, size_t bytes) {
  if (bytes > 4096) fail(env, std::string(op) + ": internal: fetch_small of " + std::to_string(bytes) + " bytes");
  check_cuda(env, op, cudaMemcpyAsync(ctx.pinned, src, bytes, cudaMemcpyDeviceToHost, ctx.stream),
             "cudaMemcpyAsync (device to host)");
  check_cuda(env, op, cudaStreamSynchronize(ctx.stream), "cudaStreamSynchronize");
  return ctx.pinned;
}

Napi::Value Args::next(const char* name) {
  if (i_ >= info_.Length())
    fail(env(), std::string(op_) + ": missing argument '" + name + "' (position " + std::to_string(i_) + ")");
  return info_[i_++];
}

int64_t Args::integer(const char* name) {
  Napi::Value v = next(name);
  if (!v.IsNumber()) fail(env(), std::string(op_) + ": argument '" + name + "' must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != std::floor(d))
    fail(env(), std::string(op_) + ": argument '" + name + "' must be an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

double Args::number(const char* name) {
  Napi::Value v = next(name);
  if (!v.IsNumber()) fail(env(), std::string(op_) + ": argument '" + name + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool Args::boolean(const char* name) {
  Napi::Value v = next(name);
  if (!v.IsBoolean()) fail(env(), std::string(op_) + ": argument '" + name + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string Args::string(const char* name) {
  Napi::Value v = next(name);
  if (!v.IsString()) fail(env(), std::string(op_) + ": argument '" + name + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

bool Args::address(const char* name, uint64_t* ptr) {
  Napi::Value v = next(name);
  if (v.IsNull() || v.IsUndefined()) {
    *ptr = 0;
    return false;
  }
  if (!v.IsNumber()) fail(env(), std::string(op_) + ": argument '" + name + "' must be a device array");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740992.0) || d != std::floor(d))
    fail(env(), std::string(op_) + ": argument '" + name + "' is not a device address");
  *ptr = static_cast<uint64_t>(d);
  return true;
}

void check_len(Napi::Env env, const char* op, const char* name, int64_t length, int64_t expected,
               const std::string& detail, bool exact) {
  const bool ok = exact ? length == expected : length >= expected;
  if (!ok)
    fail(env, std::string(op) + ": " + name + " has length " + std::to_string(length) + ", expected " +
                  (exact ? "" : "at least ") + std::to_string(expected) + " (" + detail + ")");
}

int64_t product(Napi::Env env, const char* op, const std::string& detail, std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p)) fail(env, std::string(op) + ": sizes overflow (" + detail + ")");
  return p;
}

}  // namespace st_cuda
