// The addon's entry point: each kernel family registers its functions on the exports object.
#include <napi.h>

#include "check.h"
#include "gemm.h"
#include "threadpool.h"

namespace st {
void register_gemm(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_batchnorm(Napi::Env env, Napi::Object exports);
void register_activation(Napi::Env env, Napi::Object exports);
void register_pool(Napi::Env env, Napi::Object exports);
void register_loss(Napi::Env env, Napi::Object exports);
void register_elementwise(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_sparse(Napi::Env env, Napi::Object exports);
void register_sparse_conv(Napi::Env env, Napi::Object exports);
void register_sparse_pattern(Napi::Env env, Napi::Object exports);
void register_topk(Napi::Env env, Napi::Object exports);
void register_transpose(Napi::Env env, Napi::Object exports);
}  // namespace st

namespace {

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = st::arg_int(info, 0, "setThreads", "n");
  if (n < 1 || n > 1024) st::fail(info.Env(), "setThreads: n must be in [1, 1024], got " + std::to_string(n));
  st::set_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), st::threads()); }

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), st::isa_name()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  st::register_gemm(env, exports);
  st::register_conv(env, exports);
  st::register_batchnorm(env, exports);
  st::register_activation(env, exports);
  st::register_pool(env, exports);
  st::register_loss(env, exports);
  st::register_elementwise(env, exports);
  st::register_optim(env, exports);
  st::register_sparse(env, exports);
  st::register_sparse_conv(env, exports);
  st::register_sparse_pattern(env, exports);
  st::register_topk(env, exports);
  st::register_transpose(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sparsetickets, Init)
