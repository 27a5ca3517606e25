#include "libs.h"

#include <dlfcn.h>

#include <mutex>

namespace st_cuda {

CublasApi cublas;
CudnnApi cudnn;

namespace {

std::mutex g_mutex;
bool g_loaded = false;
LoadedLibraries g_paths;

std::string dirname_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string last_dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

// Loads dir/name when dir is not empty (best effort: a missing companion is no error by itself; the library that
// needs it fails to load and says so).
void preload(const std::string& dir, const char* name) {
  if (dir.empty()) return;
  const std::string path = dir + "/" + name;
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!h) dlerror();  // clear it
}

template <class Fn>
bool resolve(void* handle, const char* name, Fn* out, std::string* missing) {
  dlerror();
  void* sym = dlsym(handle, name);
  if (!sym) {
    if (!missing->empty()) *missing += ", ";
    *missing += name;
    return false;
  }
  *out = reinterpret_cast<Fn>(sym);
  return true;
}

bool load_cublas_from(const std::string& path, std::string* why) {
  const std::string dir = dirname_of(path);
  preload(dir, "libcublasLt.so.13");
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    *why = last_dl_error();
    return false;
  }
  CublasApi api;
  std::string missing;
  bool ok = resolve(h, "cublasCreate_v2", &api.create, &missing);
  ok &= resolve(h, "cublasDestroy_v2", &api.destroy, &missing);
  ok &= resolve(h, "cublasSetStream_v2", &api.setStream, &missing);
  ok &= resolve(h, "cublasSetMathMode", &api.setMathMode, &missing);
  ok &= resolve(h, "cublasGetVersion_v2", &api.getVersion, &missing);
  ok &= resolve(h, "cublasSgemm_v2", &api.sgemm, &missing);
  std::string optional;
  resolve(h, "cublasGetStatusString", &api.getStatusString, &optional);
  if (!ok) {
    *why = "missing symbols " + missing;
    dlclose(h);
    return false;
  }
  cublas = api;
  return true;
}

bool load_cudnn_from(const std::string& path, std::string* why) {
  const std::string dir = dirname_of(path);
  // The run-time compiled engines need NVRTC: from the CUDA 13 wheels' folder beside nvidia/cudnn/lib, or the
  // toolkit's (best effort: without it cuDNN still has its precompiled engines).
  if (!dir.empty()) preload(dir + "/../../cu13/lib", "libnvrtc.so.13");
  preload("/usr/local/cuda/lib64", "libnvrtc.so.13");
  // cuDNN 9's libcudnn.so.9 is a shim that loads its sub-libraries by soname; loading them first from the same
  // directory (in dependency order) makes that independent of the loader's search path.
  for (const char* sub : {"libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
                          "libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9", "libcudnn_ops.so.9",
                          "libcudnn_cnn.so.9"})
    preload(dir, sub);
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    *why = last_dl_error();
    return false;
  }
  CudnnApi api;
  std::string missing;
  bool ok = resolve(h, "cudnnGetVersion", &api.getVersion, &missing);
  ok &= resolve(h, "cudnnGetErrorString", &api.getErrorString, &missing);
  ok &= resolve(h, "cudnnCreate", &api.create, &missing);
  ok &= resolve(h, "cudnnDestroy", &api.destroy, &missing);
  ok &= resolve(h, "cudnnSetStream", &api.setStream, &missing);
  ok &= resolve(h, "cudnnCreateTensorDescriptor", &api.createTensorDescriptor, &missing);
  ok &= resolve(h, "cudnnSetTensor4dDescriptor", &api.setTensor4dDescriptor, &missing);
  ok &= resolve(h, "cudnnDestroyTensorDescriptor", &api.destroyTensorDescriptor, &missing);
  ok &= resolve(h, "cudnnCreateFilterDescriptor", &api.createFilterDescriptor, &missing);
  ok &= resolve(h, "cudnnSetFilter4dDescriptor", &api.setFilter4dDescriptor, &missing);
  ok &= resolve(h, "cudnnDestroyFilterDescriptor", &api.destroyFilterDescriptor, &missing);
  ok &= resolve(h, "cudnnCreateConvolutionDescriptor", &api.createConvolutionDescriptor, &missing);
  ok &= resolve(h, "cudnnSetConvolution2dDescriptor", &api.setConvolution2dDescriptor, &missing);
  ok &= resolve(h, "cudnnSetConvolutionGroupCount", &api.setConvolutionGroupCount, &missing);
  ok &= resolve(h, "cudnnSetConvolutionMathType", &api.setConvolutionMathType, &missing);
  ok &= resolve(h, "cudnnDestroyConvolutionDescriptor", &api.destroyConvolutionDescriptor, &missing);
  ok &= resolve(h, "cudnnGetConvolutionForwardAlgorithm_v7", &api.getForwardAlgorithm_v7, &missing);
  ok &= resolve(h, "cudnnFindConvolutionForwardAlgorithmEx", &api.findForwardAlgorithmEx, &missing);
  ok &= resolve(h, "cudnnGetConvolutionForwardWorkspaceSize", &api.getForwardWorkspaceSize, &missing);
  ok &= resolve(h, "cudnnConvolutionForward", &api.convolutionForward, &missing);
  ok &= resolve(h, "cudnnGetConvolutionBackwardDataAlgorithm_v7", &api.getBackwardDataAlgorithm_v7, &missing);
  ok &= resolve(h, "cudnnFindConvolutionBackwardDataAlgorithmEx", &api.findBackwardDataAlgorithmEx, &missing);
  ok &= resolve(h, "cudnnGetConvolutionBackwardDataWorkspaceSize", &api.getBackwardDataWorkspaceSize, &missing);
  ok &= resolve(h, "cudnnConvolutionBackwardData", &api.convolutionBackwardData, &missing);
  ok &= resolve(h, "cudnnGetConvolutionBackwardFilterAlgorithm_v7", &api.getBackwardFilterAlgorithm_v7, &missing);
  ok &= resolve(h, "cudnnFindConvolutionBackwardFilterAlgorithmEx", &api.findBackwardFilterAlgorithmEx, &missing);
  ok &= resolve(h, "cudnnGetConvolutionBackwardFilterWorkspaceSize", &api.getBackwardFilterWorkspaceSize, &missing);
  ok &= resolve(h, "cudnnConvolutionBackwardFilter", &api.convolutionBackwardFilter, &missing);
  if (!ok) {
    *why = "missing symbols " + missing;
    dlclose(h);
    return false;
  }
  cudnn = api;
  return true;
}

// Tries the candidates in order; on failure appends "path (why); …" to *tried.
template <class Load>
bool load_first(const std::vector<std::string>& candidates, Load load, std::string* chosen, std::string* tried) {
  for (const std::string& path : candidates) {
    std::string why;
    if (load(path, &why)) {
      *chosen = path;
      return true;
    }
    if (!tried->empty()) *tried += "; ";
    *tried += path + " (" + why + ")";
  }
  return false;
}

}  // namespace

bool load_libraries(const std::vector<std::string>& cublasCandidates, const std::vector<std::string>& cudnnCandidates,
                    LoadedLibraries* loaded, std::string* error) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_loaded) {
    *loaded = g_paths;
    return true;
  }
  LoadedLibraries paths;
  std::string tried;
  if (!load_first(cublasCandidates, load_cublas_from, &paths.cublasPath, &tried)) {
    *error = "cuBLAS 13 (libcublas.so.13) could not be loaded; tried: " + (tried.empty() ? "nothing" : tried) +
             ". Set SPARSETICKETS_CUBLAS to the file's path";
    return false;
  }
  tried.clear();
  if (!load_first(cudnnCandidates, load_cudnn_from, &paths.cudnnPath, &tried)) {
    *error = "cuDNN 9 (libcudnn.so.9) could not be loaded; tried: " + (tried.empty() ? "nothing" : tried) +
             ". Set SPARSETICKETS_CUDNN to the file's path";
    return false;
  }
  g_paths = paths;
  g_loaded = true;
  *loaded = paths;
  return true;
}

bool libraries_loaded() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_loaded;
}

}  // namespace st_cuda
