#include "threadpool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace st {
namespace {

class Pool {
 public:
  explicit Pool(int n) { start(n); }
  ~Pool() { stop(); }

  int size() const { return nthreads_; }

  void resize(int n) {
    if (n < 1) n = 1;
    if (n == nthreads_) return;
    stop();
    start(n);
  }

  void run(int64_t ntasks, const std::function<void(int64_t)>& fn) {
    if (nthreads_ == 1 || ntasks <= 1) {
      for (int64_t t = 0; t < ntasks; ++t) fn(t);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      ntasks_ = ntasks;
      pending_.store(nthreads_ - 1, std::memory_order_release);
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    cv_.notify_all();
    work(0, fn, ntasks);
    // Spin until the workers are done (they finish within microseconds of us on balanced work); yield
    // the core now and then in case a worker was descheduled on a busy machine.
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin % 1024 == 1023) std::this_thread::yield();
#if defined(__x86_64__)
      else __builtin_ia32_pause();
#endif
    }
    fn_ = nullptr;
  }

 private:
  void work(int id, const std::function<void(int64_t)>& fn, int64_t ntasks) {
    for (int64_t t = id; t < ntasks; t += nthreads_) fn(t);
  }

  void start(int n) {
    nthreads_ = n;
    quit_ = false;
    // Each worker starts from the generation current at its creation; reading it inside the new thread
    // instead would race with an immediate stop() and leave the worker waiting forever.
    const uint64_t g0 = generation_.load(std::memory_order_acquire);
    for (int id = 1; id < n; ++id) {
      // A thread the system refuses (a process limit, no memory for its stack) must not abort the process:
      // the pool runs with the threads it got; threads() tells the caller, who says so.
      try {
        workers_.emplace_back([this, id, g0] { loop(id, g0); });
      } catch (const std::system_error&) {
        nthreads_ = id;
        break;
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void loop(int id, uint64_t seen) {
    for (;;) {
      // Spin a while for the next job before sleeping: training issues kernels back to back.
      uint64_t g = seen;
      for (int spin = 0; spin < 20000; ++spin) {
        g = generation_.load(std::memory_order_acquire);
        if (g != seen) break;
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return quit_ || generation_.load(std::memory_order_acquire) != seen; });
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      const std::function<void(int64_t)>* fn;
      int64_t ntasks;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (quit_) return;
        fn = fn_;
        ntasks = ntasks_;
      }
      if (fn) work(id, *fn, ntasks);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int nthreads_ = 1;
  bool quit_ = false;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t ntasks_ = 0;
};

int default_threads() {
  if (const char* env = std::getenv("SPARSETICKETS_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

Pool& pool() {
  static Pool p(default_threads());
  return p;
}

}  // namespace

void parallel_for(int64_t ntasks, const std::function<void(int64_t)>& fn) { pool().run(ntasks, fn); }
void set_threads(int n) { pool().resize(n); }
int threads() { return pool().size(); }

}  // namespace st
