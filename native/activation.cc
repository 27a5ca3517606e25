#include <napi.h>

namespace st {

void register_activation(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace st
