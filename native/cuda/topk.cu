// Top-k for mask updates with exactly the choices of src/sparse/topk.ts (and native/topk.cc): among the eligible
// scores (candidates ≠ 0), a better score first, ties to the lower index, NaN below every number. Each score gets a
// 64-bit sort key: the high word ranks the score (the complement of its order key, so that an ascending sort puts
// the best first; NaN and ineligible positions get the two worst words), the low word is its index (ties to the
// lower index without relying on the sort's stability). One radix sort of the keys (CUB), the first k indices,
// and a second radix sort puts those in ascending order.
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include <cstdint>

#include "device_common.cuh"
#include "launch.h"

namespace st_cuda {
namespace {

// The bits of a float32 mapped to an int32 that increases with the value; −0 ties with +0 (topk.ts's orderKey).
__device__ inline int32_t order_key(int32_t bits) {
  if (bits == INT32_MIN) return 0;
  return bits < 0 ? bits ^ 0x7fffffff : bits;
}

__device__ inline bool eligible(const float* candF32, const uint8_t* candU8, int64_t i) {
  return candF32 ? candF32[i] != 0.0f : (candU8 ? candU8[i] != 0 : true);
}

// Rank word u: 0 ineligible, 1 NaN, numbers ≥ 0x007fffff (the worst number, ±Infinity, maps there), better larger.
__global__ void keys_k(uint64_t* keys, const float* scores, const float* candF32, const uint8_t* candU8, int64_t n,
                       int32_t signMask, int32_t flip) {
  ST_GRID_STRIDE(i, n) {
    const float v = scores[i];
    uint32_t u;
    if (!eligible(candF32, candU8, i)) {
      u = 0;
    } else if (v != v) {
      u = 1;
    } else {
      const int32_t key = order_key(__float_as_int(v) & signMask) ^ flip;
      u = static_cast<uint32_t>(key) ^ 0x80000000u;
    }
    keys[i] = (static_cast<uint64_t>(~u) << 32) | static_cast<uint32_t>(i);
  }
}

__global__ void take_k(uint32_t* idx, const uint64_t* sorted, int64_t k) {
  ST_GRID_STRIDE(j, k) idx[j] = static_cast<uint32_t>(sorted[j] & 0xffffffffu);
}

__global__ void count_k(const float* scores, const float* candF32, const uint8_t* candU8, int64_t n,
                        unsigned long long* count) {
  unsigned long long c = 0;
  ST_GRID_STRIDE(i, n) c += eligible(candF32, candU8, i) ? 1 : 0;
  for (int o = 16; o > 0; o >>= 1) c += __shfl_down_sync(0xffffffffu, c, o);
  if ((threadIdx.x & 31) == 0 && c) atomicAdd(count, c);
}

constexpr size_t kAlign = 256;
inline size_t align_up(size_t b) { return (b + kAlign - 1) / kAlign * kAlign; }

struct Layout {
  size_t keysIn, keysOut, idxIn, temp, total;
};

Layout layout(int64_t n, int64_t k) {
  size_t sortBytes = 0, idxBytes = 0;
  cub::DeviceRadixSort::SortKeys(nullptr, sortBytes, static_cast<const uint64_t*>(nullptr),
                                 static_cast<uint64_t*>(nullptr), n);
  cub::DeviceRadixSort::SortKeys(nullptr, idxBytes, static_cast<const uint32_t*>(nullptr),
                                 static_cast<uint32_t*>(nullptr), k);
  Layout l;
  l.keysIn = 0;
  l.keysOut = l.keysIn + align_up(sizeof(uint64_t) * n);
  l.idxIn = l.keysOut + align_up(sizeof(uint64_t) * n);
  l.temp = l.idxIn + align_up(sizeof(uint32_t) * k);
  l.total = l.temp + align_up(sortBytes > idxBytes ? sortBytes : idxBytes);
  return l;
}

}  // namespace

size_t topk_scratch_bytes(int64_t n, int64_t k) { return layout(n, k).total; }

void launch_topk_count(const float* scores, const float* candF32, const uint8_t* candU8, int64_t n,
                       unsigned long long* count, cudaStream_t s) {
  cudaMemsetAsync(count, 0, sizeof(unsigned long long), s);
  if (n > 0) count_k<<<blocks_for(n), kBlock, 0, s>>>(scores, candF32, candU8, n, count);
}

cudaError_t topk_select(int32_t* out, const float* scores, const float* candF32, const uint8_t* candU8, int64_t n,
                        int64_t k, bool largest, bool abs, void* scratch, size_t scratchBytes, cudaStream_t s) {
  if (k <= 0) return cudaSuccess;
  const Layout l = layout(n, k);
  if (scratchBytes < l.total) return cudaErrorInvalidValue;
  char* base = static_cast<char*>(scratch);
  uint64_t* keysIn = reinterpret_cast<uint64_t*>(base + l.keysIn);
  uint64_t* keysOut = reinterpret_cast<uint64_t*>(base + l.keysOut);
  uint32_t* idxIn = reinterpret_cast<uint32_t*>(base + l.idxIn);
  void* temp = base + l.temp;
  size_t tempBytes = l.total - l.temp;
  keys_k<<<blocks_for(n), kBlock, 0, s>>>(keysIn, scores, candF32, candU8, n, abs ? 0x7fffffff : -1,
                                          largest ? 0 : -1);
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  err = cub::DeviceRadixSort::SortKeys(temp, tempBytes, keysIn, keysOut, n, 0, 64, s);
  if (err != cudaSuccess) return err;
  take_k<<<blocks_for(k), kBlock, 0, s>>>(idxIn, keysOut, k);
  err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  tempBytes = l.total - l.temp;
  return cub::DeviceRadixSort::SortKeys(temp, tempBytes, idxIn, reinterpret_cast<uint32_t*>(out), k, 0, 32, s);
}

}  // namespace st_cuda
