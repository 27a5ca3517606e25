// Host-side launchers of the backend's own CUDA kernels (the .cu files), in plain C++ so that the N-API bindings
// (compiled by the host compiler) call them without seeing device code. Each one only enqueues work on `stream`;
// the binding checks cudaGetLastError after it (check_launch in common.h). Shapes were validated by the binding.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace st_cuda {

// --- elementwise (elementwise.cu) ---
void launch_fill_f32(float* x, int64_t n, float value, cudaStream_t s);
void launch_fill_i32(int32_t* x, int64_t n, int32_t value, cudaStream_t s);
void launch_fill_u8(uint8_t* x, int64_t n, uint8_t value, cudaStream_t s);
void launch_add(float* out, const float* a, const float* b, int64_t n, cudaStream_t s);
void launch_mul(float* out, const float* a, const float* b, int64_t n, cudaStream_t s);
void launch_axpy(float* y, float alpha, const float* x, int64_t n, cudaStream_t s);
void launch_scale(float* x, float alpha, int64_t n, cudaStream_t s);
// C[i, j] = beta == 0 ? 0 : beta·C[i, j] for an M×N block with leading dimension ldc (sgemm with K = 0).
void launch_scale_matrix(float* C, int64_t M, int64_t N, int64_t ldc, float beta, cudaStream_t s);
void launch_transpose(float* out, const float* a, int64_t rows, int64_t cols, cudaStream_t s);
void launch_add_bias_rows(float* y, const float* bias, int64_t rows, int64_t F, cudaStream_t s);
void launch_sum_rows(float* dbias, const float* dy, int64_t rows, int64_t F, cudaStream_t s);
// y[(n·C + c)·HW + i] += bias[c] (a convolution's bias).
void launch_add_channel_bias(float* y, const float* bias, int64_t N, int64_t C, int64_t HW, cudaStream_t s);
// out[c] += Σ_{n, i} x[(n·C + c)·HW + i], summed in double (a convolution's bias gradient).
void launch_channel_sum_acc(float* out, const float* x, int64_t N, int64_t C, int64_t HW, cudaStream_t s);
// out[i] = source[i] ≥ 0 ? old[source[i]] : 0; a source outside [−1, oldLen) writes 0 and lowers *firstBad to i.
void launch_gather_or_zero(float* out, const float* old, int64_t oldLen, const int32_t* source, int64_t n,
                           int32_t* firstBad, cudaStream_t s);
// Activation kinds: 0 relu, 1 swish, 2 mish.
void launch_activation_forward(int kind, float* y, const float* x, int64_t n, cudaStream_t s);
void launch_activation_backward(int kind, float* dx, const float* dy, const float* x, int64_t n, cudaStream_t s);
void launch_sgd(float* p, const float* g, float* buf, int64_t n, float lr, float momentum, float dampening,
                float weightDecay, bool nesterov, bool firstStep, cudaStream_t s);

// --- batch normalisation (batchnorm.cu), x [N, C, HW] ---
void launch_bn_forward_train(float* y, float* saveMean, float* saveInvStd, const float* x, const float* gamma,
                             const float* beta, float* runningMean, float* runningVar, int64_t N, int64_t C,
                             int64_t HW, double momentum, double eps, cudaStream_t s);
void launch_bn_forward_eval(float* y, const float* x, const float* gamma, const float* beta, const float* runningMean,
                            const float* runningVar, int64_t N, int64_t C, int64_t HW, double eps, cudaStream_t s);
void launch_bn_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* gamma,
                        const float* saveMean, const float* saveInvStd, int64_t N, int64_t C, int64_t HW,
                        cudaStream_t s);

// --- pooling (pool.cu) ---
struct PoolDims {
  int64_t N, C, H, W, kH, kW, strideH, strideW, padH, padW, OH, OW;
};
void launch_max_pool_forward(float* y, int32_t* argmax, const float* x, const PoolDims& d, cudaStream_t s);
void launch_max_pool_backward(float* dx, const float* dy, const int32_t* argmax, const PoolDims& d, cudaStream_t s);
void launch_avg_pool_forward(float* y, const float* x, const PoolDims& d, cudaStream_t s);
void launch_avg_pool_backward(float* dx, const float* dy, const PoolDims& d, cudaStream_t s);
void launch_global_avg_pool_forward(float* y, const float* x, int64_t planes, int64_t HW, cudaStream_t s);
void launch_global_avg_pool_backward(float* dx, const float* dy, int64_t planes, int64_t HW, cudaStream_t s);

// --- loss (loss.cu) ---
// The small result a loss computation copies back to the host.
struct LossResult {
  double loss;       // the mean loss
  int32_t firstBad;  // the first row whose class index is out of range, or INT32_MAX
  int32_t pad;
};
// rowLoss: scratch of N doubles. labels (class indices) or soft [N, C] (exactly one is non-null). Writes *result
// (device memory) after the rows.
void launch_softmax_xent(float* dlogits, float* probs, const float* logits, const int32_t* labels, const float* soft,
                         int64_t N, int64_t C, double smoothing, double* rowLoss, LossResult* result,
                         cudaStream_t s);

// --- top-k (topk.cu) ---
// Scratch bytes topk_select needs for n scores and k selected.
size_t topk_scratch_bytes(int64_t n, int64_t k);
// Counts the eligible scores (candidates ≠ 0; all when both candidate pointers are null) into *count (device).
void launch_topk_count(const float* scores, const float* candF32, const uint8_t* candU8, int64_t n,
                       unsigned long long* count, cudaStream_t s);
// The k best (see src/sparse/topk.ts) into out [k], ascending. k ≤ the eligible count, checked by the caller.
cudaError_t topk_select(int32_t* out, const float* scores, const float* candF32, const uint8_t* candU8, int64_t n,
                        int64_t k, bool largest, bool abs, void* scratch, size_t scratchBytes, cudaStream_t s);

}  // namespace st_cuda
