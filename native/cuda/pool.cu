// Pooling over NCHW planes, as the reference (src/kernels/js/pool.ts) and PyTorch (floor mode; average counts the
// padding, its divisor being the window clipped to the padded input). The backward passes gather: each input
// element sums the outputs whose windows cover it, in output order, so nothing is written twice and no atomics
// are needed (and the max pool's gradient adds in the reference's order, bit for bit).
#include <cuda_runtime.h>

#include <cstdint>
#include <math_constants.h>

#include "device_common.cuh"
#include "launch.h"

namespace st_cuda {
namespace {

struct Window {
  int64_t hs, he, ws, we;  // [hs, he) × [ws, we) in padded coordinates (he, we clipped to H + padH, W + padW)
};

__device__ inline Window window(const PoolDims& d, int64_t oh, int64_t ow) {
  Window w;
  w.hs = oh * d.strideH - d.padH;
  w.he = min(w.hs + d.kH, d.H + d.padH);
  w.ws = ow * d.strideW - d.padW;
  w.we = min(w.ws + d.kW, d.W + d.padW);
  return w;
}

// The outputs along one axis whose windows [o·stride − pad, o·stride − pad + k) contain position p: [*lo, *hi].
__device__ inline void covering(int64_t p, int64_t k, int64_t stride, int64_t pad, int64_t outSize, int64_t* lo,
                                int64_t* hi) {
  const int64_t num = p + pad - k;  // o·stride > num
  *lo = num < 0 ? 0 : num / stride + 1;
  *hi = min((p + pad) / stride, outSize - 1);
}

__global__ void max_pool_forward_k(float* y, int32_t* argmax, const float* x, PoolDims d) {
  const int64_t total = d.N * d.C * d.OH * d.OW;
  ST_GRID_STRIDE(o, total) {
    const int64_t ow = o % d.OW, oh = (o / d.OW) % d.OH, plane = o / (d.OW * d.OH);
    const Window w = window(d, oh, ow);
    const int64_t h0 = max(w.hs, int64_t(0)), h1 = min(w.he, d.H);
    const int64_t w0 = max(w.ws, int64_t(0)), w1 = min(w.we, d.W);
    const float* px = x + plane * d.H * d.W;
    float best = -CUDART_INF_F;
    int64_t at = h0 * d.W + w0;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t c = w0; c < w1; ++c) {
        const float v = px[h * d.W + c];
        if (v > best || v != v) {  // the first maximum wins; a NaN always replaces (as the reference)
          best = v;
          at = h * d.W + c;
        }
      }
    y[o] = best;
    argmax[o] = static_cast<int32_t>(at);
  }
}

__global__ void max_pool_backward_k(float* dx, const float* dy, const int32_t* argmax, PoolDims d) {
  const int64_t total = d.N * d.C * d.H * d.W;
  ST_GRID_STRIDE(e, total) {
    const int64_t wq = e % d.W, h = (e / d.W) % d.H, plane = e / (d.W * d.H);
    const int32_t self = static_cast<int32_t>(h * d.W + wq);
    int64_t ohLo, ohHi, owLo, owHi;
    covering(h, d.kH, d.strideH, d.padH, d.OH, &ohLo, &ohHi);
    covering(wq, d.kW, d.strideW, d.padW, d.OW, &owLo, &owHi);
    const int64_t base = plane * d.OH * d.OW;
    float acc = 0.0f;
    for (int64_t oh = ohLo; oh <= ohHi; ++oh)
      for (int64_t ow = owLo; ow <= owHi; ++ow) {
        const int64_t o = base + oh * d.OW + ow;
        if (argmax[o] == self) acc += dy[o];
      }
    dx[e] = acc;
  }
}

__global__ void avg_pool_forward_k(float* y, const float* x, PoolDims d) {
  const int64_t total = d.N * d.C * d.OH * d.OW;
  ST_GRID_STRIDE(o, total) {
    const int64_t ow = o % d.OW, oh = (o / d.OW) % d.OH, plane = o / (d.OW * d.OH);
    const Window w = window(d, oh, ow);
    const int64_t h0 = max(w.hs, int64_t(0)), h1 = min(w.he, d.H);
    const int64_t w0 = max(w.ws, int64_t(0)), w1 = min(w.we, d.W);
    const float* px = x + plane * d.H * d.W;
    double sum = 0;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t c = w0; c < w1; ++c) sum += px[h * d.W + c];
    y[o] = static_cast<float>(sum / static_cast<double>((w.he - w.hs) * (w.we - w.ws)));
  }
}

__global__ void avg_pool_backward_k(float* dx, const float* dy, PoolDims d) {
  const int64_t total = d.N * d.C * d.H * d.W;
  ST_GRID_STRIDE(e, total) {
    const int64_t wq = e % d.W, h = (e / d.W) % d.H, plane = e / (d.W * d.H);
    int64_t ohLo, ohHi, owLo, owHi;
    covering(h, d.kH, d.strideH, d.padH, d.OH, &ohLo, &ohHi);
    covering(wq, d.kW, d.strideW, d.padW, d.OW, &owLo, &owHi);
    const int64_t base = plane * d.OH * d.OW;
    double acc = 0;
    for (int64_t oh = ohLo; oh <= ohHi; ++oh)
      for (int64_t ow = owLo; ow <= owHi; ++ow) {
        const Window w = window(d, oh, ow);
        acc += static_cast<double>(dy[base + oh * d.OW + ow]) / static_cast<double>((w.he - w.hs) * (w.we - w.ws));
      }
    dx[e] = static_cast<float>(acc);
  }
}

// One warp per plane.
__global__ void global_avg_pool_forward_k(float* y, const float* x, int64_t planes, int64_t HW) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  const int64_t warps = (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5;
  const int lane = threadIdx.x & 31;
  for (int64_t p = warp; p < planes; p += warps) {
    double s = 0;
    for (int64_t i = lane; i < HW; i += 32) s += x[p * HW + i];
    s = warp_sum(s);
    if (lane == 0) y[p] = static_cast<float>(s / static_cast<double>(HW));
  }
}

__global__ void global_avg_pool_backward_k(float* dx, const float* dy, int64_t planes, int64_t HW) {
  ST_GRID_STRIDE(i, planes * HW) dx[i] = static_cast<float>(static_cast<double>(dy[i / HW]) / static_cast<double>(HW));
}

}  // namespace

void launch_max_pool_forward(float* y, int32_t* argmax, const float* x, const PoolDims& d, cudaStream_t s) {
  const int64_t total = d.N * d.C * d.OH * d.OW;
  if (total > 0) max_pool_forward_k<<<blocks_for(total), kBlock, 0, s>>>(y, argmax, x, d);
}
void launch_max_pool_backward(float* dx, const float* dy, const int32_t* argmax, const PoolDims& d, cudaStream_t s) {
  const int64_t total = d.N * d.C * d.H * d.W;
  if (total > 0) max_pool_backward_k<<<blocks_for(total), kBlock, 0, s>>>(dx, dy, argmax, d);
}
void launch_avg_pool_forward(float* y, const float* x, const PoolDims& d, cudaStream_t s) {
  const int64_t total = d.N * d.C * d.OH * d.OW;
  if (total > 0) avg_pool_forward_k<<<blocks_for(total), kBlock, 0, s>>>(y, x, d);
}
void launch_avg_pool_backward(float* dx, const float* dy, const PoolDims& d, cudaStream_t s) {
  const int64_t total = d.N * d.C * d.H * d.W;
  if (total > 0) avg_pool_backward_k<<<blocks_for(total), kBlock, 0, s>>>(dx, dy, d);
}
void launch_global_avg_pool_forward(float* y, const float* x, int64_t planes, int64_t HW, cudaStream_t s) {
  if (planes > 0) global_avg_pool_forward_k<<<blocks_for(planes * 32), kBlock, 0, s>>>(y, x, planes, HW);
}
void launch_global_avg_pool_backward(float* dx, const float* dy, int64_t planes, int64_t HW, cudaStream_t s) {
  if (planes * HW > 0) global_avg_pool_backward_k<<<blocks_for(planes * HW), kBlock, 0, s>>>(dx, dy, planes, HW);
}

}  // namespace st_cuda
