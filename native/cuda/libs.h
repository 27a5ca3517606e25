// Run-time loading of cuBLAS and cuDNN (dlopen): the addon links only the CUDA runtime (statically), so it builds
// where neither library is installed and loads them from wherever the GPU machine keeps them.
#pragma once

#include <string>
#include <vector>

#include "dl_cublas.h"
#include "dl_cudnn.h"

namespace st_cuda {

// The resolved entry points; valid after a successful load_libraries.
extern CublasApi cublas;
extern CudnnApi cudnn;

struct LoadedLibraries {
  std::string cublasPath;
  std::string cudnnPath;
};

// Tries each candidate file in order (full paths of libcublas.so.13 / libcudnn.so.9, as the TypeScript side found
// them from the environment and the usual places; a bare soname goes through the system's search). Before each
// candidate, the companion libraries in its directory are loaded (libcublasLt.so.13 beside cuBLAS; cuDNN's
// sub-libraries beside cuDNN), so that nothing depends on LD_LIBRARY_PATH. Returns false with a one-line message in
// *error naming every path tried and why it failed. Loading twice is a no-op once it has succeeded.
bool load_libraries(const std::vector<std::string>& cublasCandidates, const std::vector<std::string>& cudnnCandidates,
                    LoadedLibraries* loaded, std::string* error);

bool libraries_loaded();

}  // namespace st_cuda
