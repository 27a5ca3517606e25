// Elementwise kernels, the transpose, the bias broadcasts and their reductions, the gather of a pattern update,
// the activations and the SGD step. Arithmetic follows the reference kernels (src/kernels/js); sums that the
// reference takes in double are taken in double here too.
#include <cuda_runtime.h>

#include <cstdint>

#include "device_common.cuh"
#include "launch.h"

namespace st_cuda {
namespace {

template <class T>
__global__ void fill_k(T* x, int64_t n, T value) {
  ST_GRID_STRIDE(i, n) x[i] = value;
}

__global__ void add_k(float* out, const float* a, const float* b, int64_t n) {
  ST_GRID_STRIDE(i, n) out[i] = a[i] + b[i];
}

__global__ void mul_k(float* out, const float* a, const float* b, int64_t n) {
  ST_GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

__global__ void axpy_k(float* y, float alpha, const float* x, int64_t n) {
  ST_GRID_STRIDE(i, n) y[i] += alpha * x[i];
}

__global__ void scale_k(float* x, float alpha, int64_t n) {
  ST_GRID_STRIDE(i, n) x[i] *= alpha;
}

__global__ void scale_matrix_k(float* C, int64_t M, int64_t N, int64_t ldc, float beta) {
  ST_GRID_STRIDE(i, M * N) {
    const int64_t r = i / N, c = i - r * N;
    float* p = C + r * ldc + c;
    *p = beta == 0.0f ? 0.0f : beta * *p;
  }
}

// 32×32 tiles through shared memory (padded against bank conflicts); blocks of 32×8 threads.
__global__ void transpose_k(float* out, const float* a, int64_t rows, int64_t cols) {
  __shared__ float tile[32][33];
  const int64_t c0 = static_cast<int64_t>(blockIdx.x) * 32;
  for (int64_t r0 = static_cast<int64_t>(blockIdx.y) * 32; r0 < rows; r0 += static_cast<int64_t>(gridDim.y) * 32) {
    for (int j = threadIdx.y; j < 32; j += 8) {
      const int64_t r = r0 + j, c = c0 + threadIdx.x;
      if (r < rows && c < cols) tile[j][threadIdx.x] = a[r * cols + c];
    }
    __syncthreads();
    for (int j = threadIdx.y; j < 32; j += 8) {
      const int64_t c = c0 + j, r = r0 + threadIdx.x;
      if (c < cols && r < rows) out[c * rows + r] = tile[threadIdx.x][j];
    }
    __syncthreads();
  }
}

__global__ void add_bias_rows_k(float* y, const float* bias, int64_t rows, int64_t F) {
  ST_GRID_STRIDE(i, rows * F) y[i] += bias[i % F];
}

// Blocks of 32×32 threads over 32 columns: thread (x, y) sums rows y, y + 32, … of column x in double, then row
// y = 0 adds the 32 partial sums in order.
__global__ void sum_rows_k(float* dbias, const float* dy, int64_t rows, int64_t F) {
  __shared__ double part[32][33];
  const int64_t f = static_cast<int64_t>(blockIdx.x) * 32 + threadIdx.x;
  double acc = 0;
  if (f < F)
    for (int64_t r = threadIdx.y; r < rows; r += 32) acc += dy[r * F + f];
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && f < F) {
    double t = 0;
    for (int j = 0; j < 32; ++j) t += part[j][threadIdx.x];
    dbias[f] = static_cast<float>(dbias[f] + t);
  }
}

__global__ void add_channel_bias_k(float* y, const float* bias, int64_t total, int64_t C, int64_t HW) {
  ST_GRID_STRIDE(i, total) y[i] += bias[(i / HW) % C];
}

// One block per channel (grid-stride over channels).
__global__ void channel_sum_acc_k(float* out, const float* x, int64_t N, int64_t C, int64_t HW) {
  __shared__ double sh[33];
  const int64_t count = N * HW;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double s = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const int64_t n = j / HW, i = j - n * HW;
      s += x[(n * C + c) * HW + i];
    }
    s = block_sum(s, sh);
    if (threadIdx.x == 0) out[c] = static_cast<float>(out[c] + s);
  }
}

__global__ void gather_or_zero_k(float* out, const float* old, int64_t oldLen, const int32_t* source, int64_t n,
                                 int32_t* firstBad) {
  ST_GRID_STRIDE(i, n) {
    const int32_t s = source[i];
    if (s >= 0 && s < oldLen) {
      out[i] = old[s];
    } else {
      out[i] = 0.0f;
      if (s != -1) atomicMin(firstBad, static_cast<int32_t>(i));
    }
  }
}

__device__ inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

// log(1 + eˣ), x above 20 as PyTorch's threshold.
__device__ inline float softplusf(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

__global__ void activation_forward_k(int kind, float* y, const float* x, int64_t n) {
  ST_GRID_STRIDE(i, n) {
    const float v = x[i];
    float r;
    if (kind == 0)
      r = v < 0.0f ? 0.0f : v;  // NaN passes through
    else if (kind == 1)
      r = v * sigmoidf(v);
    else
      r = v * tanhf(softplusf(v));
    y[i] = r;
  }
}

__global__ void activation_backward_k(int kind, float* dx, const float* dy, const float* x, int64_t n) {
  ST_GRID_STRIDE(i, n) {
    const float v = x[i];
    float r;
    if (kind == 0) {
      r = v > 0.0f ? dy[i] : 0.0f;
    } else if (kind == 1) {
      const float s = sigmoidf(v);
      r = dy[i] * (s * (1.0f + v * (1.0f - s)));
    } else {
      const float t = tanhf(softplusf(v));
      r = dy[i] * (t + v * (1.0f - t * t) * sigmoidf(v));
    }
    dx[i] = r;
  }
}

__global__ void sgd_plain_k(float* p, const float* g, int64_t n, float lr, float wd) {
  ST_GRID_STRIDE(i, n) {
    const float grad = wd != 0.0f ? g[i] + wd * p[i] : g[i];
    p[i] -= lr * grad;
  }
}

__global__ void sgd_momentum_k(float* p, const float* g, float* buf, int64_t n, float lr, float m, float keep,
                               float wd, bool nesterov, bool first) {
  ST_GRID_STRIDE(i, n) {
    const float grad = wd != 0.0f ? g[i] + wd * p[i] : g[i];
    const float b = first ? grad : m * buf[i] + keep * grad;
    buf[i] = b;
    p[i] -= lr * (nesterov ? grad + m * b : b);
  }
}

}  // namespace

void launch_fill_f32(float* x, int64_t n, float value, cudaStream_t s) {
  if (n > 0) fill_k<float><<<blocks_for(n), kBlock, 0, s>>>(x, n, value);
}
void launch_fill_i32(int32_t* x, int64_t n, int32_t value, cudaStream_t s) {
  if (n > 0) fill_k<int32_t><<<blocks_for(n), kBlock, 0, s>>>(x, n, value);
}
void launch_fill_u8(uint8_t* x, int64_t n, uint8_t value, cudaStream_t s) {
  if (n > 0) fill_k<uint8_t><<<blocks_for(n), kBlock, 0, s>>>(x, n, value);
}
void launch_add(float* out, const float* a, const float* b, int64_t n, cudaStream_t s) {
  if (n > 0) add_k<<<blocks_for(n), kBlock, 0, s>>>(out, a, b, n);
}
void launch_mul(float* out, const float* a, const float* b, int64_t n, cudaStream_t s) {
  if (n > 0) mul_k<<<blocks_for(n), kBlock, 0, s>>>(out, a, b, n);
}
void launch_axpy(float* y, float alpha, const float* x, int64_t n, cudaStream_t s) {
  if (n > 0) axpy_k<<<blocks_for(n), kBlock, 0, s>>>(y, alpha, x, n);
}
void launch_scale(float* x, float alpha, int64_t n, cudaStream_t s) {
  if (n > 0) scale_k<<<blocks_for(n), kBlock, 0, s>>>(x, alpha, n);
}
void launch_scale_matrix(float* C, int64_t M, int64_t N, int64_t ldc, float beta, cudaStream_t s) {
  if (M > 0 && N > 0) scale_matrix_k<<<blocks_for(M * N), kBlock, 0, s>>>(C, M, N, ldc, beta);
}
void launch_transpose(float* out, const float* a, int64_t rows, int64_t cols, cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return;
  const dim3 grid(static_cast<unsigned>((cols + 31) / 32), capped((rows + 31) / 32));
  transpose_k<<<grid, dim3(32, 8), 0, s>>>(out, a, rows, cols);
}
void launch_add_bias_rows(float* y, const float* bias, int64_t rows, int64_t F, cudaStream_t s) {
  if (rows > 0 && F > 0) add_bias_rows_k<<<blocks_for(rows * F), kBlock, 0, s>>>(y, bias, rows, F);
}
void launch_sum_rows(float* dbias, const float* dy, int64_t rows, int64_t F, cudaStream_t s) {
  if (F > 0) sum_rows_k<<<static_cast<unsigned>((F + 31) / 32), dim3(32, 32), 0, s>>>(dbias, dy, rows, F);
}
void launch_add_channel_bias(float* y, const float* bias, int64_t N, int64_t C, int64_t HW, cudaStream_t s) {
  const int64_t total = N * C * HW;
  if (total > 0) add_channel_bias_k<<<blocks_for(total), kBlock, 0, s>>>(y, bias, total, C, HW);
}
void launch_channel_sum_acc(float* out, const float* x, int64_t N, int64_t C, int64_t HW, cudaStream_t s) {
  if (C > 0) channel_sum_acc_k<<<capped(C), kBlock, 0, s>>>(out, x, N, C, HW);
}
void launch_gather_or_zero(float* out, const float* old, int64_t oldLen, const int32_t* source, int64_t n,
                           int32_t* firstBad, cudaStream_t s) {
  if (n > 0) gather_or_zero_k<<<blocks_for(n), kBlock, 0, s>>>(out, old, oldLen, source, n, firstBad);
}
void launch_activation_forward(int kind, float* y, const float* x, int64_t n, cudaStream_t s) {
  if (n > 0) activation_forward_k<<<blocks_for(n), kBlock, 0, s>>>(kind, y, x, n);
}
void launch_activation_backward(int kind, float* dx, const float* dy, const float* x, int64_t n, cudaStream_t s) {
  if (n > 0) activation_backward_k<<<blocks_for(n), kBlock, 0, s>>>(kind, dx, dy, x, n);
}
void launch_sgd(float* p, const float* g, float* buf, int64_t n, float lr, float momentum, float dampening,
                float weightDecay, bool nesterov, bool firstStep, cudaStream_t s) {
  if (n <= 0) return;
  if (momentum != 0.0f)
    sgd_momentum_k<<<blocks_for(n), kBlock, 0, s>>>(p, g, buf, n, lr, momentum, 1.0f - dampening, weightDecay,
                                                    nesterov, firstStep);
  else
    sgd_plain_k<<<blocks_for(n), kBlock, 0, s>>>(p, g, n, lr, weightDecay);
}

}  // namespace st_cuda
