// Sparse weights as binding arguments: a CSR matrix and its CSC view, checked (offsets, index ranges, indices
// ascending within each row or column) so that a malformed pattern is an Error naming the op, never a crash.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "sparse.h"

namespace st {

struct CsrArgs {
  CsrRef ref;
  int64_t nnz;
  std::string dims;  // "M=… K=… N=… nnz=…", for messages
};

// W as the arguments (M, K, rowPtr, colIdx[, values]) from position `first`; colIdx's entries are checked only
// when the op reads them (`cols`). N is the op's column count (or batch), range-checked and named in messages.
CsrArgs arg_csr(const Napi::CallbackInfo& info, size_t first, const char* op, int64_t N, bool values, bool cols);
// W's CSC view as the arguments (colPtr, rowIdx, valuePos) from position `first`.
CscRef arg_csc(const Napi::CallbackInfo& info, size_t first, const char* op, const CsrArgs& W);

}  // namespace st
