// A persistent thread pool owned by the addon (not libuv's): workers spin briefly, then sleep on a
// condition variable. The calling (JS main) thread takes part as worker 0, so `threads()` is the total.
#pragma once
#include <cstdint>
#include <functional>

namespace st {

// Run fn(task) for task in [0, ntasks); returns when all are done. Tasks are handed out in a fixed
// static order (task t runs on thread t % threads), so results never depend on timing.
void parallel_for(int64_t ntasks, const std::function<void(int64_t task)>& fn);

// Split [0, n) into `parts` contiguous ranges; range i is [begin, end).
inline void split_range(int64_t n, int64_t parts, int64_t i, int64_t* begin, int64_t* end) {
  int64_t base = n / parts, rem = n % parts;
  *begin = i * base + (i < rem ? i : rem);
  *end = *begin + base + (i < rem ? 1 : 0);
}

void set_threads(int n);
int threads();

// Runs fn(begin, end) over [0, n) in contiguous chunks, one per thread, when n ≥ parallel_min (and at
// least `grain` elements per chunk); serially otherwise. The split depends only on n and the thread count.
template <class F>
void for_chunks(int64_t n, F fn, int64_t parallel_min = int64_t{1} << 15, int64_t grain = int64_t{1} << 13) {
  int64_t parts = n >= parallel_min ? n / grain : 1;
  if (parts > threads()) parts = threads();
  if (parts <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  parallel_for(parts, [&](int64_t t) {
    int64_t b, e;
    split_range(n, parts, t, &b, &e);
    fn(b, e);
  });
}

}  // namespace st
