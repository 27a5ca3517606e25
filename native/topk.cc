// Top-k selection for mask updates (SPEC §4; the TypeScript twin and the order of preference are in
// src/sparse/topk.ts): the k best scores among the candidates, by a radix select over order-preserving 32-bit
// keys (histogram passes of 11, 11 and 10 bits), then one pass in index order that takes everything strictly
// better than the k-th best key, the first ties at it and, when the numbers are too few, the first NaNs.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "check.h"

namespace st {
namespace {

// The bits of a float32 mapped to an int32 that increases with the value; −0 ties with +0 (topk.ts's orderKey).
inline int32_t order_key(int32_t bits) {
  if (bits == INT32_MIN) return 0;
  return bits < 0 ? bits ^ 0x7fffffff : bits;
}

struct Selection {
  int32_t sign_mask;  // 0x7fffffff ranks |score|, −1 the score itself
  int32_t flip;       // −1 reverses the order (smallest first), so the best always have the largest keys
  inline int32_t key(int32_t bits) const { return order_key(bits & sign_mask) ^ flip; }
};

// The k-th largest (1 ≤ k ≤ n) of keys[0, n), which are reordered, and how many keys equal to it the top k
// take. Three histogram passes of 11, 11 and 10 bits (the histograms, 32 KB, stay in L1), each keeping only the
// keys of the answer's bin for the next.
void kth_largest(int32_t* keys, int64_t n, int64_t k, int32_t* key, int64_t* ties) {
  // Four histograms filled in turn and then summed: scores cluster in few bins, and one counter incremented
  // back to back would serialise on its own store.
  int32_t hist[4][2048];
  uint32_t prefix = 0;
  for (const auto& [shift, width] : {std::pair<int, int>{21, 11}, {10, 11}, {0, 10}}) {
    const uint32_t mask = (1u << width) - 1;
    std::memset(hist, 0, sizeof hist);
    auto bin_of = [&](int32_t key) { return (static_cast<uint32_t>(key) ^ 0x80000000u) >> shift & mask; };
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      ++hist[0][bin_of(keys[i])];
      ++hist[1][bin_of(keys[i + 1])];
      ++hist[2][bin_of(keys[i + 2])];
      ++hist[3][bin_of(keys[i + 3])];
    }
    for (; i < n; ++i) ++hist[0][bin_of(keys[i])];
    for (uint32_t b = 0; b <= mask; ++b) hist[0][b] += hist[1][b] + hist[2][b] + hist[3][b];
    // Keys in higher bins are better than the answer: all taken, k counts down past them.
    int64_t bin = mask;
    while (k > hist[0][bin]) k -= hist[0][bin--];
    prefix |= static_cast<uint32_t>(bin) << shift;
    int64_t m = 0;
    for (i = 0; i < n; ++i)
      if (bin_of(keys[i]) == static_cast<uint32_t>(bin)) keys[m++] = keys[i];
    n = m;
  }
  *key = static_cast<int32_t>(prefix ^ 0x80000000u);
  *ties = k;
}

// topK(out, scores, candidates, k, largest, abs): out [k] gets the selected indices, ascending. candidates is a
// Float32Array or Uint8Array of scores' length (an entry ≠ 0 is eligible) or null (all are).
Napi::Value TopK(const Napi::CallbackInfo& info) {
  const char* op = "topK";
  Napi::Env env = info.Env();
  int64_t outLen;
  int32_t* out = arg_i32(info, 0, op, "out", &outLen);
  F32 scores = arg_f32(info, 1, op, "scores");
  const float* candF32 = nullptr;
  const uint8_t* candU8 = nullptr;
  if (arg_given(info, 2)) {
    Napi::Value v = info[2];
    const bool typed = v.IsTypedArray();
    const napi_typedarray_type t = typed ? v.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
    int64_t len = -1;
    if (t == napi_float32_array) {
      candF32 = v.As<Napi::Float32Array>().Data();
      len = static_cast<int64_t>(v.As<Napi::Float32Array>().ElementLength());
    } else if (t == napi_uint8_array) {
      candU8 = v.As<Napi::Uint8Array>().Data();
      len = static_cast<int64_t>(v.As<Napi::Uint8Array>().ElementLength());
    } else {
      fail(env, std::string(op) + ": argument 'candidates' must be a Float32Array, a Uint8Array or null");
    }
    if (len != scores.length)
      fail(env, std::string(op) + ": candidates length " + std::to_string(len) + " != scores length " +
                    std::to_string(scores.length));
  }
  const int64_t k = arg_int(info, 3, op, "k");
  const Selection sel{arg_bool(info, 5, op, "abs") ? 0x7fffffff : -1, arg_bool(info, 4, op, "largest") ? 0 : -1};
  const int64_t n = scores.length;
  auto eligible = [&](int64_t i) { return candF32 ? candF32[i] != 0.0f : candU8 ? candU8[i] != 0 : true; };
  const int32_t* bits = reinterpret_cast<const int32_t*>(scores.data);

  // Reused from call to call: a mask update calls this many times on buffers of similar size.
  thread_local std::vector<int32_t> buffer;
  if (buffer.size() < static_cast<size_t>(n)) buffer.resize(static_cast<size_t>(n));
  int32_t* keys = buffer.data();  // a plain pointer: each access to the thread_local would look it up again
  int64_t numbers = 0, nans = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!eligible(i)) continue;
    if (scores.data[i] != scores.data[i])
      ++nans;
    else
      keys[numbers++] = sel.key(bits[i]);
  }
  if (k < 0 || k > numbers + nans)
    fail(env, std::string(op) + ": k must be an integer in [0, " + std::to_string(numbers + nans) +
                  "] (the number of candidates), got " + std::to_string(k));
  check_len(env, op, "out", outLen, k, "k=" + std::to_string(k));
  const bool takeAll = k > numbers;
  int64_t nansLeft = takeAll ? k - numbers : 0;
  int32_t threshold = 0;
  int64_t ties = 0;
  if (k > 0 && !takeAll) kth_largest(keys, numbers, k, &threshold, &ties);
  int64_t o = 0;
  for (int64_t i = 0; i < n && o < k; ++i) {
    if (!eligible(i)) continue;
    if (scores.data[i] != scores.data[i]) {
      if (nansLeft > 0) {
        out[o++] = static_cast<int32_t>(i);
        --nansLeft;
      }
      continue;
    }
    const int32_t key = sel.key(bits[i]);
    if (takeAll || key > threshold) {
      out[o++] = static_cast<int32_t>(i);
    } else if (key == threshold && ties > 0) {
      out[o++] = static_cast<int32_t>(i);
      --ties;
    }
  }
  return env.Undefined();
}

}  // namespace

void register_topk(Napi::Env env, Napi::Object exports) {
  exports.Set("topK", Napi::Function::New(env, TopK, "topK"));
}

}  // namespace st
