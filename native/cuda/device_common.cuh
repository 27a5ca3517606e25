// What the .cu files share: grid sizes for grid-stride loops and deterministic reductions in double (a fixed tree
// for a given block size, so a result does not depend on scheduling).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace st_cuda {

constexpr int kBlock = 256;

// Blocks for n items at `block` threads each; grid-stride loops cover what a capped grid leaves.
inline unsigned blocks_for(int64_t n, int block = kBlock) {
  int64_t b = (n + block - 1) / block;
  if (b > 65535LL * 16) b = 65535LL * 16;
  return b < 1 ? 1u : static_cast<unsigned>(b);
}

inline unsigned capped(int64_t n, int64_t cap = 65535) {
  return static_cast<unsigned>(n < 1 ? 1 : (n > cap ? cap : n));
}

#define ST_GRID_STRIDE(i, n)                                                                   \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);     \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

__device__ inline double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// The sum of v over the block, returned to every thread (blockDim.x a multiple of 32, at most 1024). sh holds 33
// doubles of shared memory; the call begins with a barrier, so sh may be reused from one call to the next.
__device__ inline double block_sum(double v, double* sh) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  if (warp == 0) {
    double t = lane < warps ? sh[lane] : 0.0;
    t = warp_sum(t);
    if (lane == 0) sh[32] = t;
  }
  __syncthreads();
  return sh[32];
}

}  // namespace st_cuda
