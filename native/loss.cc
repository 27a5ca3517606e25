#include <napi.h>

namespace st {

void register_loss(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace st
