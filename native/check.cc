#include "check.h"

namespace st {

void fail(Napi::Env env, const std::string& message) { throw Napi::Error::New(env, message); }

static std::string where(const char* op, const char* name) {
  return std::string(op) + ": argument '" + name + "'";
}

F32 arg_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    fail(info.Env(), where(op, name) + " must be a Float32Array");
  auto a = v.As<Napi::Float32Array>();
  return F32{a.Data(), static_cast<int64_t>(a.ElementLength())};
}

F32 arg_f32_or_null(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (v.IsNull() || v.IsUndefined()) return F32{nullptr, 0};
  return arg_f32(info, i, op, name);
}

bool arg_given(const Napi::CallbackInfo& info, size_t i) { return !info[i].IsNull() && !info[i].IsUndefined(); }

int32_t* arg_i32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t* length) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    fail(info.Env(), where(op, name) + " must be an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  *length = static_cast<int64_t>(a.ElementLength());
  return a.Data();
}

int64_t arg_int(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) fail(info.Env(), where(op, name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  // Range first: casting a double outside int64's range is undefined behaviour.
  if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != static_cast<double>(static_cast<int64_t>(d)))
    fail(info.Env(), where(op, name) + " must be an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

double arg_num(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) fail(info.Env(), where(op, name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) fail(info.Env(), where(op, name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

void check_len(Napi::Env env, const char* op, const char* name, int64_t length, int64_t expected,
               const std::string& detail, bool exact) {
  bool ok = exact ? length == expected : length >= expected;
  if (!ok)
    fail(env, std::string(op) + ": " + name + " has length " + std::to_string(length) + ", expected " +
                  (exact ? "" : "at least ") + std::to_string(expected) + " (" + detail + ")");
}

}  // namespace st
