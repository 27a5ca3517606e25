// What the N-API side of the CUDA backend shares: the per-device context (stream, cuBLAS and cuDNN handles,
// scratch and workspace, the cache of convolution plans), status checks that turn every CUDA / cuBLAS / cuDNN
// failure into a JS Error naming the op, and the reader of binding arguments.
//
// Calling convention (src/kernels/cuda.ts is the only caller): the first argument of every function is the device
// index; a device array is passed as two numbers, its address and its length in elements (a null array as null and
// 0); shapes follow as integers, as in the CPU addon. The addresses are exact as doubles (device addresses on
// x86-64 stay below 2^53, checked at allocation).
#pragma once

#include <cuda_runtime_api.h>
#include <napi.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "libs.h"

namespace st_cuda {

[[noreturn]] void fail(Napi::Env env, const std::string& message);

// "op: what failed: cudaErrorX (description)".
void check_cuda(Napi::Env env, const char* op, cudaError_t err, const char* what);
void check_cublas(Napi::Env env, const char* op, cublasStatus_t status, const char* what);
void check_cudnn(Napi::Env env, const char* op, cudnnStatus_t status, const char* what);

// Geometry of a 2-D convolution (dilation 1) and its output size.
struct ConvGeom {
  int64_t N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups, OH, OW;
};

// Everything a convolution of one geometry needs from cuDNN, created once per (geometry, math, choice rule).
struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  bool haveFwd = false, haveBwdData = false, haveBwdFilter = false;
  cudnnConvolutionFwdAlgo_t fwdAlgo{};
  cudnnConvolutionBwdDataAlgo_t bwdDataAlgo{};
  cudnnConvolutionBwdFilterAlgo_t bwdFilterAlgo{};
  size_t fwdWs = 0, bwdDataWs = 0, bwdFilterWs = 0;
};

// Options a kernels object passes with each call (cudaKernels' options).
enum Flags : int {
  kTf32 = 1,           // allow TF32 tensor cores in sgemm and convolutions (default off: full fp32)
  kNondeterministic = 2,  // allow convolution algorithms that are not deterministic
  kHeuristic = 4,      // choose convolution algorithms by cuDNN's heuristics instead of timing them (Find*Ex)
};

struct Context {
  int device = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  int blasMath = -1;  // the math mode set on `blas`
  cudnnHandle_t dnn = nullptr;
  void* scratch = nullptr;  // kernel scratch (top-k, loss rows, small results), grown on demand
  size_t scratchBytes = 0;
  void* workspace = nullptr;  // cuDNN workspace, grown on demand
  size_t workspaceBytes = 0;
  void* pinned = nullptr;  // 4 KiB of page-locked host memory for small results
  bool syncEach = false;   // SPARSETICKETS_CUDA_SYNC=1: synchronize after every op (errors then name their op)
  std::map<std::array<int64_t, 13>, ConvPlan> convPlans;

  void* ensure_scratch(Napi::Env env, const char* op, size_t bytes);
  void* ensure_workspace(Napi::Env env, const char* op, size_t bytes);
};

// The context of device `device` (created on first use: needs load_libraries first); makes it current.
Context& context(Napi::Env env, int64_t device, const char* op);

// After an op has enqueued its work: the last launch error, and with syncEach a synchronisation, as JS Errors.
void check_launch(Napi::Env env, const char* op, Context& ctx);

// Copies `bytes` (≤ 4096) of device memory at src into the pinned buffer, waits for the stream and returns it.
const void* fetch_small(Napi::Env env, const char* op, Context& ctx, const void* src, size_t bytes);

template <class T>
struct Arr {
  T* p;
  int64_t n;
  bool present;
};

// Reads the arguments of one binding call left to right (the device index first, then as asked).
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op) {}
  Napi::Env env() const { return info_.Env(); }
  const char* op() const { return op_; }
  int64_t integer(const char* name);
  double number(const char* name);
  bool boolean(const char* name);
  std::string string(const char* name);
  template <class T>
  Arr<T> array(const char* name) {
    Arr<T> a = raw<T>(name);
    if (!a.present) fail(env(), std::string(op_) + ": argument '" + name + "' must be a device array, got null");
    return a;
  }
  template <class T>
  Arr<T> array_or_null(const char* name) {
    return raw<T>(name);
  }

 private:
  template <class T>
  Arr<T> raw(const char* name) {
    uint64_t ptr = 0;
    const bool present = address(name, &ptr);
    const int64_t n = integer(name);
    if (n < 0) fail(env(), std::string(op_) + ": argument '" + name + "' has a negative length");
    return Arr<T>{reinterpret_cast<T*>(static_cast<uintptr_t>(ptr)), present ? n : 0, present};
  }
  bool address(const char* name, uint64_t* ptr);
  Napi::Value next(const char* name);

  const Napi::CallbackInfo& info_;
  const char* op_;
  size_t i_ = 0;
};

// "op: name has length L, expected E (detail)" unless length == expected (≥ when exact is false).
void check_len(Napi::Env env, const char* op, const char* name, int64_t length, int64_t expected,
               const std::string& detail, bool exact = true);

// The product of the factors; an Error naming op on overflow.
int64_t product(Napi::Env env, const char* op, const std::string& detail, std::initializer_list<int64_t> factors);

}  // namespace st_cuda
