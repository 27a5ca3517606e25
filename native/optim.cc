#include <napi.h>

namespace st {

void register_optim(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}

}  // namespace st
