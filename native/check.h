// Argument checking for the binding: every kernel validates types and lengths against the shapes it is
// given and throws a JS Error naming the op and the shapes, never crashing the process.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>

namespace st {

struct F32 {
  float* data;
  int64_t length;
};

// The i-th argument as a Float32Array (throws "op: argument 'name' must be a Float32Array").
F32 arg_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Same, but null/undefined gives {nullptr, 0}.
F32 arg_f32_or_null(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Whether optional argument i was given (not null or undefined): an empty array then still fails its check.
bool arg_given(const Napi::CallbackInfo& info, size_t i);
int32_t* arg_i32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t* length);
int64_t arg_int(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
double arg_num(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Throws "op: name has length L, expected E (detail)" unless length ≥ expected (exact when exact=true).
void check_len(Napi::Env env, const char* op, const char* name, int64_t length, int64_t expected,
               const std::string& detail, bool exact = true);
[[noreturn]] void fail(Napi::Env env, const std::string& message);

}  // namespace st
