// Batch normalisation over x [N, C, HW] (BatchNorm1d: HW = 1), as the reference (src/kernels/js/batchnorm.ts) and
// PyTorch: the batch statistics in two passes (mean, then the mean squared deviation) summed in double, the running
// variance updated with the unbiased variance var·n/(n − 1). One block per channel; every per-channel sum goes
// through the same fixed reduction tree, so results do not depend on scheduling.
#include <cuda_runtime.h>

#include <cstdint>

#include "device_common.cuh"
#include "launch.h"

namespace st_cuda {
namespace {

constexpr int kBnBlock = 512;

__device__ inline int64_t bn_index(int64_t j, int64_t c, int64_t C, int64_t HW) {
  const int64_t n = j / HW, i = j - n * HW;
  return (n * C + c) * HW + i;
}

__global__ void __launch_bounds__(kBnBlock)
    bn_train_k(float* y, float* saveMean, float* saveInvStd, const float* x, const float* gamma, const float* beta,
               float* runningMean, float* runningVar, int64_t N, int64_t C, int64_t HW, double momentum,
               double eps) {
  __shared__ double sh[33];
  const int64_t count = N * HW;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double s = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) s += x[bn_index(j, c, C, HW)];
    const double mean = block_sum(s, sh) / static_cast<double>(count);
    double q = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const double d = x[bn_index(j, c, C, HW)] - mean;
      q += d * d;
    }
    const double var = block_sum(q, sh) / static_cast<double>(count);
    const double invStd = 1.0 / sqrt(var + eps);
    const double g = gamma[c], b = beta[c];
    if (threadIdx.x == 0) {
      saveMean[c] = static_cast<float>(mean);
      saveInvStd[c] = static_cast<float>(invStd);
      runningMean[c] = static_cast<float>((1.0 - momentum) * runningMean[c] + momentum * mean);
      runningVar[c] = static_cast<float>((1.0 - momentum) * runningVar[c] +
                                         momentum * (var * static_cast<double>(count) / static_cast<double>(count - 1)));
    }
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const int64_t k = bn_index(j, c, C, HW);
      y[k] = static_cast<float>((x[k] - mean) * invStd * g + b);
    }
  }
}

__global__ void bn_eval_k(float* y, const float* x, const float* gamma, const float* beta, const float* runningMean,
                          const float* runningVar, int64_t total, int64_t C, int64_t HW, double eps) {
  ST_GRID_STRIDE(k, total) {
    const int64_t c = (k / HW) % C;
    const double invStd = 1.0 / sqrt(static_cast<double>(runningVar[c]) + eps);
    y[k] = static_cast<float>((x[k] - static_cast<double>(runningMean[c])) * invStd * gamma[c] + beta[c]);
  }
}

__global__ void __launch_bounds__(kBnBlock)
    bn_backward_k(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* gamma,
                  const float* saveMean, const float* saveInvStd, int64_t N, int64_t C, int64_t HW) {
  __shared__ double sh[33];
  const int64_t count = N * HW;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    const double mean = saveMean[c], invStd = saveInvStd[c];
    double sDy = 0, sDyXhat = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const int64_t k = bn_index(j, c, C, HW);
      const double d = dy[k];
      sDy += d;
      sDyXhat += d * (x[k] - mean) * invStd;
    }
    sDy = block_sum(sDy, sh);
    sDyXhat = block_sum(sDyXhat, sh);
    if (threadIdx.x == 0) {
      dbeta[c] = static_cast<float>(dbeta[c] + sDy);
      dgamma[c] = static_cast<float>(dgamma[c] + sDyXhat);
    }
    const double coef = invStd * gamma[c] / static_cast<double>(count);
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const int64_t k = bn_index(j, c, C, HW);
      const double xhat = (x[k] - mean) * invStd;
      dx[k] = static_cast<float>(coef * (static_cast<double>(count) * dy[k] - sDy - xhat * sDyXhat));
    }
  }
}

}  // namespace

void launch_bn_forward_train(float* y, float* saveMean, float* saveInvStd, const float* x, const float* gamma,
                             const float* beta, float* runningMean, float* runningVar, int64_t N, int64_t C,
                             int64_t HW, double momentum, double eps, cudaStream_t s) {
  if (C <= 0) return;
  bn_train_k<<<capped(C), kBnBlock, 0, s>>>(y, saveMean, saveInvStd, x, gamma, beta, runningMean, runningVar, N, C,
                                            HW, momentum, eps);
}

void launch_bn_forward_eval(float* y, const float* x, const float* gamma, const float* beta, const float* runningMean,
                            const float* runningVar, int64_t N, int64_t C, int64_t HW, double eps, cudaStream_t s) {
  const int64_t total = N * C * HW;
  if (total > 0) bn_eval_k<<<blocks_for(total), kBlock, 0, s>>>(y, x, gamma, beta, runningMean, runningVar, total, C, HW, eps);
}

void launch_bn_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* gamma,
                        const float* saveMean, const float* saveInvStd, int64_t N, int64_t C, int64_t HW,
                        cudaStream_t s) {
  if (C <= 0) return;
  bn_backward_k<<<capped(C), kBnBlock, 0, s>>>(dx, dgamma, dbeta, dy, x, gamma, saveMean, saveInvStd, N, C, HW);
}

}  // namespace st_cuda
