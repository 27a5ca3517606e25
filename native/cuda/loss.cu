// Mean softmax cross-entropy over N rows of C logits (src/kernels/js/loss.ts): one warp per row computes
// probs = softmax, dlogits = (probs − target)/N and the row's loss Σ target·(logZ − l) in double; one block then adds
// the row losses in a fixed order into the mean, which the binding copies back (one small device → host copy).
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>
#include <math_constants.h>

#include "device_common.cuh"
#include "launch.h"

namespace st_cuda {
namespace {

// max that propagates NaN (as Math.max in the reference).
__device__ inline float nan_max(float a, float b) {
  if (a != a) return a;
  if (b != b) return b;
  return a > b ? a : b;
}

__global__ void xent_rows_k(float* dl, float* probs, const float* logits, const int32_t* labels, const float* soft,
                            int64_t N, int64_t C, double alpha, double* rowLoss, LossResult* result) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  const int64_t warps = (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5;
  const int lane = threadIdx.x & 31;
  for (int64_t r = warp; r < N; r += warps) {
    const float* l = logits + r * C;
    float m = -CUDART_INF_F;
    for (int64_t j = lane; j < C; j += 32) m = nan_max(m, l[j]);
    for (int o = 16; o > 0; o >>= 1) m = nan_max(m, __shfl_xor_sync(0xffffffffu, m, o));
    double s = 0;
    for (int64_t j = lane; j < C; j += 32) s += exp(static_cast<double>(l[j]) - m);
    s = warp_sum(s);
    s = __shfl_sync(0xffffffffu, s, 0);
    const double logZ = static_cast<double>(m) + log(s);
    int64_t y = -1;
    if (labels) {
      y = labels[r];
      if (y < 0 || y >= C) {
        if (lane == 0) atomicMin(&result->firstBad, static_cast<int32_t>(r));
        y = -1;
      }
    }
    const double off = alpha / static_cast<double>(C), invN = 1.0 / static_cast<double>(N);
    double loss = 0;
    for (int64_t j = lane; j < C; j += 32) {
      const double t = soft ? static_cast<double>(soft[r * C + j]) : (j == y ? 1.0 - alpha : 0.0) + off;
      const double p = exp(static_cast<double>(l[j]) - logZ);
      probs[r * C + j] = static_cast<float>(p);
      dl[r * C + j] = static_cast<float>((p - t) * invN);
      loss += t * (logZ - static_cast<double>(l[j]));
    }
    loss = warp_sum(loss);
    if (lane == 0) rowLoss[r] = loss;
  }
}

__global__ void xent_mean_k(const double* rowLoss, int64_t N, LossResult* result) {
  __shared__ double sh[33];
  double s = 0;
  for (int64_t r = threadIdx.x; r < N; r += blockDim.x) s += rowLoss[r];
  s = block_sum(s, sh);
  if (threadIdx.x == 0) result->loss = s / static_cast<double>(N);
}

}  // namespace

void launch_softmax_xent(float* dlogits, float* probs, const float* logits, const int32_t* labels, const float* soft,
                         int64_t N, int64_t C, double smoothing, double* rowLoss, LossResult* result,
                         cudaStream_t s) {
  // firstBad = 0x7f7f7f7f (> any row index) until a bad label lowers it.
  cudaMemsetAsync(result, 0x7f, sizeof(LossResult), s);
  if (N <= 0 || C <= 0) return;
  xent_rows_k<<<blocks_for(N * 32), kBlock, 0, s>>>(dlogits, probs, logits, labels, soft, N, C, smoothing, rowLoss,
                                                     result);
  xent_mean_k<<<1, 1024, 0, s>>>(rowLoss, N, result);
}

}  // namespace st_cuda
