// sgemm through cuBLAS and the three convolutions through cuDNN (legacy API), with the bias terms by our own
// kernels. Row-major products map to cuBLAS's column-major one by swapping the operands (Cᵀ = op(B)ᵀ·op(A)ᵀ).
// A convolution's descriptors and algorithms are chosen once per geometry and options (timed by Find*Ex, or
// cuDNN's heuristics), deterministic algorithms first unless the caller allows others, and cached with the
// workspace size they need.
#include <cuda_runtime_api.h>
#include <napi.h>

#include <algorithm>
#include <climits>
#include <string>

#include "common.h"
#include "launch.h"

namespace st_cuda {
namespace {

constexpr int64_t kIntMax = INT_MAX;

// sgemm(device, flags, transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const char* op = "sgemm";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int flags = static_cast<int>(a.integer("flags"));
  const bool ta = a.boolean("transA"), tb = a.boolean("transB");
  const int64_t M = a.integer("M"), N = a.integer("N"), K = a.integer("K");
  const float alpha = static_cast<float>(a.number("alpha"));
  Arr<float> A = a.array<float>("A");
  const int64_t aOff = a.integer("aOff"), lda = a.integer("lda");
  Arr<float> B = a.array<float>("B");
  const int64_t bOff = a.integer("bOff"), ldb = a.integer("ldb");
  const float beta = static_cast<float>(a.number("beta"));
  Arr<float> C = a.array<float>("C");
  const int64_t cOff = a.integer("cOff"), ldc = a.integer("ldc");
  const std::string dims = "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                           " transA=" + (ta ? "1" : "0") + " transB=" + (tb ? "1" : "0");
  if (M < 0 || N < 0 || K < 0) fail(env, "sgemm: negative dimension (" + dims + ")");
  if (aOff < 0 || bOff < 0 || cOff < 0) fail(env, "sgemm: negative offset (" + dims + ")");
  const int64_t aRows = ta ? K : M, aCols = ta ? M : K;
  const int64_t bRows = tb ? N : K, bCols = tb ? K : N;
  if (lda < std::max<int64_t>(1, aCols)) fail(env, "sgemm: lda=" + std::to_string(lda) + " too small (" + dims + ")");
  if (ldb < std::max<int64_t>(1, bCols)) fail(env, "sgemm: ldb=" + std::to_string(ldb) + " too small (" + dims + ")");
  if (ldc < std::max<int64_t>(1, N)) fail(env, "sgemm: ldc=" + std::to_string(ldc) + " too small (" + dims + ")");
  auto need = [](int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; };
  check_len(env, op, "A", A.n - aOff, need(aRows, aCols, lda), dims, false);
  check_len(env, op, "B", B.n - bOff, need(bRows, bCols, ldb), dims, false);
  check_len(env, op, "C", C.n - cOff, need(M, N, ldc), dims, false);
  if (M > kIntMax || N > kIntMax || K > kIntMax || lda > kIntMax || ldb > kIntMax || ldc > kIntMax)
    fail(env, "sgemm: dimensions beyond cuBLAS's 32-bit range (" + dims + ")");
  if (M == 0 || N == 0) return env.Undefined();
  if (K == 0) {
    launch_scale_matrix(C.p + cOff, M, N, ldc, beta, ctx.stream);
    check_launch(env, op, ctx);
    return env.Undefined();
  }
  const int math = (flags & kTf32) ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
  if (ctx.blasMath != math) {
    check_cublas(env, op, cublas.setMathMode(ctx.blas, static_cast<cublasMath_t>(math)), "cublasSetMathMode");
    ctx.blasMath = math;
  }
  check_cublas(env, op,
               cublas.sgemm(ctx.blas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                            static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), &alpha, B.p + bOff,
                            static_cast<int>(ldb), A.p + aOff, static_cast<int>(lda), &beta, C.p + cOff,
                            static_cast<int>(ldc)),
               "cublasSgemm");
  check_launch(env, op, ctx);
  return env.Undefined();
}

std::string describe(const ConvGeom& g) {
  auto s = [](int64_t v) { return std::to_string(v); };
  return "N=" + s(g.N) + " C=" + s(g.C) + " H=" + s(g.H) + " W=" + s(g.W) + " K=" + s(g.K) + " R=" + s(g.R) +
         " S=" + s(g.S) + " stride=" + s(g.strideH) + "x" + s(g.strideW) + " pad=" + s(g.padH) + "x" + s(g.padW) +
         " groups=" + s(g.groups);
}

// The 12 geometry integers, validated with the CPU addon's messages (native/conv_args.cc).
ConvGeom read_geom(Args& a) {
  Napi::Env env = a.env();
  const char* op = a.op();
  ConvGeom g;
  const char* names[] = {"N", "C", "H", "W", "K", "R", "S", "strideH", "strideW", "padH", "padW", "groups"};
  int64_t* fields[] = {&g.N, &g.C, &g.H, &g.W, &g.K, &g.R, &g.S, &g.strideH, &g.strideW, &g.padH, &g.padW, &g.groups};
  for (size_t j = 0; j < 12; ++j) *fields[j] = a.integer(names[j]);
  g.OH = g.OW = 0;
  const std::string d = describe(g);
  for (size_t j = 0; j < 12; ++j) {
    const bool pad = j == 9 || j == 10;
    if (pad ? *fields[j] < 0 : *fields[j] < 1)
      fail(env, std::string(op) + ": " + names[j] + " must be " + (pad ? ">= 0" : ">= 1") + " (" + d + ")");
  }
  if (g.C % g.groups != 0 || g.K % g.groups != 0)
    fail(env, std::string(op) + ": groups must divide C and K (" + d + ")");
  if (g.H + 2 * g.padH < g.R || g.W + 2 * g.padW < g.S)
    fail(env, std::string(op) + ": the kernel is larger than the padded input, output size < 1 (" + d + ")");
  g.OH = (g.H + 2 * g.padH - g.R) / g.strideH + 1;
  g.OW = (g.W + 2 * g.padW - g.S) / g.strideW + 1;
  return g;
}

struct ConvLengths {
  int64_t x, w, y;
};

ConvLengths conv_lengths(Napi::Env env, const char* op, const ConvGeom& g) {
  const std::string d = describe(g);
  ConvLengths l{product(env, op, d, {g.N, g.C, g.H, g.W}), product(env, op, d, {g.K, g.C / g.groups, g.R, g.S}),
                product(env, op, d, {g.N, g.K, g.OH, g.OW})};
  if (l.x > kIntMax || l.w > kIntMax || l.y > kIntMax)
    fail(env, std::string(op) + ": tensors beyond cuDNN's 32-bit descriptors (" + d + ")");
  return l;
}

// The largest workspace a convolution may take: 1 GiB, or a quarter of the free memory when that is less.
size_t workspace_limit(Napi::Env env, const char* op) {
  size_t freeBytes = 0, total = 0;
  check_cuda(env, op, cudaMemGetInfo(&freeBytes, &total), "cudaMemGetInfo");
  return std::min<size_t>(size_t(1) << 30, freeBytes / 4);
}

// The first usable result (results come best first): succeeded, within the workspace limit, deterministic unless
// the flags allow otherwise (falling back to a non-deterministic one when no deterministic algorithm runs).
template <class Perf>
int pick(const Perf* perf, int n, int flags, size_t limit) {
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < n; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > limit) continue;
      if (pass == 0 && !(flags & kNondeterministic) && perf[i].determinism != CUDNN_DETERMINISTIC) continue;
      return i;
    }
  return -1;
}

ConvPlan& conv_plan(Napi::Env env, const char* op, Context& ctx, const ConvGeom& g, int flags) {
  const std::array<int64_t, 13> key{g.N, g.C, g.H, g.W, g.K, g.R, g.S, g.strideH, g.strideW, g.padH, g.padW,
                                    g.groups, flags};
  auto it = ctx.convPlans.find(key);
  if (it != ctx.convPlans.end()) return it->second;
  ConvPlan p;
  auto i32 = [](int64_t v) { return static_cast<int>(v); };
  check_cudnn(env, op, cudnn.createTensorDescriptor(&p.x), "cudnnCreateTensorDescriptor");
  check_cudnn(env, op, cudnn.createTensorDescriptor(&p.y), "cudnnCreateTensorDescriptor");
  check_cudnn(env, op, cudnn.createFilterDescriptor(&p.w), "cudnnCreateFilterDescriptor");
  check_cudnn(env, op, cudnn.createConvolutionDescriptor(&p.conv), "cudnnCreateConvolutionDescriptor");
  check_cudnn(env, op,
              cudnn.setTensor4dDescriptor(p.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i32(g.N), i32(g.C), i32(g.H),
                                          i32(g.W)),
              "cudnnSetTensor4dDescriptor (x)");
  check_cudnn(env, op,
              cudnn.setTensor4dDescriptor(p.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i32(g.N), i32(g.K), i32(g.OH),
                                          i32(g.OW)),
              "cudnnSetTensor4dDescriptor (y)");
  check_cudnn(env, op,
              cudnn.setFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, i32(g.K), i32(g.C / g.groups),
                                          i32(g.R), i32(g.S)),
              "cudnnSetFilter4dDescriptor");
  check_cudnn(env, op,
              cudnn.setConvolution2dDescriptor(p.conv, i32(g.padH), i32(g.padW), i32(g.strideH), i32(g.strideW), 1, 1,
                                               CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor");
  check_cudnn(env, op, cudnn.setConvolutionGroupCount(p.conv, i32(g.groups)), "cudnnSetConvolutionGroupCount");
  check_cudnn(env, op, cudnn.setConvolutionMathType(p.conv, (flags & kTf32) ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
              "cudnnSetConvolutionMathType");
  return ctx.convPlans.emplace(key, p).first->second;
}

void choose_forward(Napi::Env env, const char* op, Context& ctx, ConvPlan& p, int flags, const float* x,
                    const float* w, float* y) {
  const size_t limit = workspace_limit(env, op);
  constexpr int kCount = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  cudnnConvolutionFwdAlgoPerf_t perf[kCount];
  int n = 0;
  if (flags & kHeuristic) {
    check_cudnn(env, op, cudnn.getForwardAlgorithm_v7(ctx.dnn, p.x, p.w, p.conv, p.y, kCount, &n, perf),
                "cudnnGetConvolutionForwardAlgorithm_v7");
  } else {
    size_t ws = 0;
    for (int algo = 0; algo < kCount; ++algo) {
      size_t s = 0;
      if (cudnn.getForwardWorkspaceSize(ctx.dnn, p.x, p.w, p.conv, p.y, static_cast<cudnnConvolutionFwdAlgo_t>(algo),
                                        &s) == CUDNN_STATUS_SUCCESS &&
          s <= limit)
        ws = std::max(ws, s);
    }
    void* space = ctx.ensure_workspace(env, op, ws);
    check_cudnn(env, op,
                cudnn.findForwardAlgorithmEx(ctx.dnn, p.x, x, p.w, w, p.conv, p.y, y, kCount, &n, perf, space, ws),
                "cudnnFindConvolutionForwardAlgorithmEx");
  }
  const int i = pick(perf, n, flags, limit);
  if (i < 0) fail(env, std::string(op) + ": cuDNN has no forward algorithm for this convolution");
  size_t ws = 0;
  check_cudnn(env, op, cudnn.getForwardWorkspaceSize(ctx.dnn, p.x, p.w, p.conv, p.y, perf[i].algo, &ws),
              "cudnnGetConvolutionForwardWorkspaceSize");
  p.fwdAlgo = perf[i].algo;
  p.fwdWs = std::max(ws, perf[i].memory);
  p.haveFwd = true;
}

void choose_backward_data(Napi::Env env, const char* op, Context& ctx, ConvPlan& p, int flags, const float* w,
                          const float* dy, float* dx) {
  const size_t limit = workspace_limit(env, op);
  constexpr int kCount = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  cudnnConvolutionBwdDataAlgoPerf_t perf[kCount];
  int n = 0;
  if (flags & kHeuristic) {
    check_cudnn(env, op, cudnn.getBackwardDataAlgorithm_v7(ctx.dnn, p.w, p.y, p.conv, p.x, kCount, &n, perf),
                "cudnnGetConvolutionBackwardDataAlgorithm_v7");
  } else {
    size_t ws = 0;
    for (int algo = 0; algo < kCount; ++algo) {
      size_t s = 0;
      if (cudnn.getBackwardDataWorkspaceSize(ctx.dnn, p.w, p.y, p.conv, p.x,
                                             static_cast<cudnnConvolutionBwdDataAlgo_t>(algo),
                                             &s) == CUDNN_STATUS_SUCCESS &&
          s <= limit)
        ws = std::max(ws, s);
    }
    void* space = ctx.ensure_workspace(env, op, ws);
    check_cudnn(
        env, op,
        cudnn.findBackwardDataAlgorithmEx(ctx.dnn, p.w, w, p.y, dy, p.conv, p.x, dx, kCount, &n, perf, space, ws),
        "cudnnFindConvolutionBackwardDataAlgorithmEx");
  }
  const int i = pick(perf, n, flags, limit);
  if (i < 0) fail(env, std::string(op) + ": cuDNN has no backward-data algorithm for this convolution");
  size_t ws = 0;
  check_cudnn(env, op, cudnn.getBackwardDataWorkspaceSize(ctx.dnn, p.w, p.y, p.conv, p.x, perf[i].algo, &ws),
              "cudnnGetConvolutionBackwardDataWorkspaceSize");
  p.bwdDataAlgo = perf[i].algo;
  p.bwdDataWs = std::max(ws, perf[i].memory);
  p.haveBwdData = true;
}

// Find*Ex writes the filter gradient it times: it gets a scratch buffer, since dw accumulates.
void choose_backward_filter(Napi::Env env, const char* op, Context& ctx, ConvPlan& p, int flags, const float* x,
                            const float* dy, int64_t wLength) {
  const size_t limit = workspace_limit(env, op);
  constexpr int kCount = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  cudnnConvolutionBwdFilterAlgoPerf_t perf[kCount];
  int n = 0;
  if (flags & kHeuristic) {
    check_cudnn(env, op, cudnn.getBackwardFilterAlgorithm_v7(ctx.dnn, p.x, p.y, p.conv, p.w, kCount, &n, perf),
                "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
  } else {
    size_t ws = 0;
    for (int algo = 0; algo < kCount; ++algo) {
      size_t s = 0;
      if (cudnn.getBackwardFilterWorkspaceSize(ctx.dnn, p.x, p.y, p.conv, p.w,
                                               static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo),
                                               &s) == CUDNN_STATUS_SUCCESS &&
          s <= limit)
        ws = std::max(ws, s);
    }
    void* space = ctx.ensure_workspace(env, op, ws);
    float* dwScratch = static_cast<float*>(ctx.ensure_scratch(env, op, sizeof(float) * static_cast<size_t>(wLength)));
    check_cudnn(env, op,
                cudnn.findBackwardFilterAlgorithmEx(ctx.dnn, p.x, x, p.y, dy, p.conv, p.w, dwScratch, kCount, &n,
                                                    perf, space, ws),
                "cudnnFindConvolutionBackwardFilterAlgorithmEx");
  }
  const int i = pick(perf, n, flags, limit);
  if (i < 0) fail(env, std::string(op) + ": cuDNN has no backward-filter algorithm for this convolution");
  size_t ws = 0;
  check_cudnn(env, op, cudnn.getBackwardFilterWorkspaceSize(ctx.dnn, p.x, p.y, p.conv, p.w, perf[i].algo, &ws),
              "cudnnGetConvolutionBackwardFilterWorkspaceSize");
  p.bwdFilterAlgo = perf[i].algo;
  p.bwdFilterWs = std::max(ws, perf[i].memory);
  p.haveBwdFilter = true;
}

// conv2dForward(device, flags, y, x, w, bias | null, N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups)
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  const char* op = "conv2dForward";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int flags = static_cast<int>(a.integer("flags"));
  Arr<float> y = a.array<float>("y"), x = a.array<float>("x"), w = a.array<float>("w");
  Arr<float> bias = a.array_or_null<float>("bias");
  const ConvGeom g = read_geom(a);
  const ConvLengths l = conv_lengths(env, op, g);
  const std::string d = describe(g);
  check_len(env, op, "x", x.n, l.x, d);
  check_len(env, op, "w", w.n, l.w, d);
  check_len(env, op, "y", y.n, l.y, d);
  if (bias.present) check_len(env, op, "bias", bias.n, g.K, d);
  ConvPlan& p = conv_plan(env, op, ctx, g, flags);
  if (!p.haveFwd) choose_forward(env, op, ctx, p, flags, x.p, w.p, y.p);
  void* space = ctx.ensure_workspace(env, op, p.fwdWs);
  const float one = 1.0f, zero = 0.0f;
  check_cudnn(env, op,
              cudnn.convolutionForward(ctx.dnn, &one, p.x, x.p, p.w, w.p, p.conv, p.fwdAlgo, space,
                                       ctx.workspaceBytes, &zero, p.y, y.p),
              "cudnnConvolutionForward");
  if (bias.present) launch_add_channel_bias(y.p, bias.p, g.N, g.K, g.OH * g.OW, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

// conv2dBackwardInput(device, flags, dx, dy, w, geometry…): dx overwritten.
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardInput";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int flags = static_cast<int>(a.integer("flags"));
  Arr<float> dx = a.array<float>("dx"), dy = a.array<float>("dy"), w = a.array<float>("w");
  const ConvGeom g = read_geom(a);
  const ConvLengths l = conv_lengths(env, op, g);
  const std::string d = describe(g);
  check_len(env, op, "dx", dx.n, l.x, d);
  check_len(env, op, "dy", dy.n, l.y, d);
  check_len(env, op, "w", w.n, l.w, d);
  ConvPlan& p = conv_plan(env, op, ctx, g, flags);
  if (!p.haveBwdData) choose_backward_data(env, op, ctx, p, flags, w.p, dy.p, dx.p);
  void* space = ctx.ensure_workspace(env, op, p.bwdDataWs);
  const float one = 1.0f, zero = 0.0f;
  check_cudnn(env, op,
              cudnn.convolutionBackwardData(ctx.dnn, &one, p.w, w.p, p.y, dy.p, p.conv, p.bwdDataAlgo, space,
                                            ctx.workspaceBytes, &zero, p.x, dx.p),
              "cudnnConvolutionBackwardData");
  check_launch(env, op, ctx);
  return env.Undefined();
}

// conv2dBackwardWeight(device, flags, dw, dbias | null, dy, x, geometry…): dw and dbias ACCUMULATE.
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardWeight";
  Args a(info, op);
  Napi::Env env = a.env();
  Context& ctx = context(env, a.integer("device"), op);
  const int flags = static_cast<int>(a.integer("flags"));
  Arr<float> dw = a.array<float>("dw");
  Arr<float> dbias = a.array_or_null<float>("dbias");
  Arr<float> dy = a.array<float>("dy"), x = a.array<float>("x");
  const ConvGeom g = read_geom(a);
  const ConvLengths l = conv_lengths(env, op, g);
  const std::string d = describe(g);
  check_len(env, op, "dw", dw.n, l.w, d);
  if (dbias.present) check_len(env, op, "dbias", dbias.n, g.K, d);
  check_len(env, op, "dy", dy.n, l.y, d);
  check_len(env, op, "x", x.n, l.x, d);
  ConvPlan& p = conv_plan(env, op, ctx, g, flags);
  if (!p.haveBwdFilter) choose_backward_filter(env, op, ctx, p, flags, x.p, dy.p, l.w);
  void* space = ctx.ensure_workspace(env, op, p.bwdFilterWs);
  const float one = 1.0f;
  check_cudnn(env, op,
              cudnn.convolutionBackwardFilter(ctx.dnn, &one, p.x, x.p, p.y, dy.p, p.conv, p.bwdFilterAlgo, space,
                                              ctx.workspaceBytes, &one, p.w, dw.p),
              "cudnnConvolutionBackwardFilter");
  if (dbias.present) launch_channel_sum_acc(dbias.p, dy.p, g.N, g.K, g.OH * g.OW, ctx.stream);
  check_launch(env, op, ctx);
  return env.Undefined();
}

}  // namespace

void register_blas_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2dBackwardInput, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardWeight", Napi::Function::New(env, Conv2dBackwardWeight, "conv2dBackwardWeight"));
}

}  // namespace st_cuda
