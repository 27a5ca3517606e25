// A 64-byte aligned scratch buffer that only grows (its contents are lost when it does).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace st {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(p_); }

  // Room for `count` Ts (at least one); throws std::bad_alloc.
  template <class T>
  T* get(int64_t count) {
    const int64_t want = (std::max<int64_t>(count, 1) * static_cast<int64_t>(sizeof(T)) + 63) / 64 * 64;
    if (bytes_ < want) {
      std::free(p_);
      bytes_ = 0;
      p_ = std::aligned_alloc(64, static_cast<size_t>(want));
      if (!p_) throw std::bad_alloc();
      bytes_ = want;
    }
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
  int64_t bytes_ = 0;
};

}  // namespace st
