// The part of cuBLAS this backend uses, declared here because the build machine has no cuBLAS headers: the library
// is loaded at run time with dlopen (libs.cc), so only the types, enum values and function signatures are needed.
//
// Written from NVIDIA's public API documentation and checked against cublas_api.h of CUDA 12.6 (cuBLAS 12.6.4, as
// found in the public mirror github.com/zspace/system.cuda-12.6, include/cublas_api.h): cublasStatus_t,
// cublasOperation_t, cublasMath_t and the prototypes of cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2,
// cublasSetMathMode, cublasGetVersion_v2, cublasGetStatusString and cublasSgemm_v2. These entry points and values
// are unchanged in cuBLAS 13 (libcublas.so.13), which the GPU machines carry.
#pragma once

#include <cuda_runtime_api.h>

extern "C" {

typedef enum {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_ALLOC_FAILED = 3,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_ARCH_MISMATCH = 8,
  CUBLAS_STATUS_MAPPING_ERROR = 11,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_INTERNAL_ERROR = 14,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
  CUBLAS_STATUS_LICENSE_ERROR = 16
} cublasStatus_t;

typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 } cublasOperation_t;

// CUBLAS_DEFAULT_MATH keeps single precision in full fp32 (the TF32 tensor cores are used only with
// CUBLAS_TF32_TENSOR_OP_MATH).
typedef enum {
  CUBLAS_DEFAULT_MATH = 0,
  CUBLAS_TENSOR_OP_MATH = 1,
  CUBLAS_PEDANTIC_MATH = 2,
  CUBLAS_TF32_TENSOR_OP_MATH = 3,
  CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16
} cublasMath_t;

struct cublasContext;
typedef struct cublasContext* cublasHandle_t;

typedef cublasStatus_t (*cublasCreate_v2_t)(cublasHandle_t* handle);
typedef cublasStatus_t (*cublasDestroy_v2_t)(cublasHandle_t handle);
typedef cublasStatus_t (*cublasSetStream_v2_t)(cublasHandle_t handle, cudaStream_t streamId);
typedef cublasStatus_t (*cublasSetMathMode_t)(cublasHandle_t handle, cublasMath_t mode);
typedef cublasStatus_t (*cublasGetVersion_v2_t)(cublasHandle_t handle, int* version);
typedef const char* (*cublasGetStatusString_t)(cublasStatus_t status);
// Column-major C[m, n] = alpha·op(A)·op(B) + beta·C; with beta = 0, C is not read.
typedef cublasStatus_t (*cublasSgemm_v2_t)(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                           int m, int n, int k, const float* alpha, const float* A, int lda,
                                           const float* B, int ldb, const float* beta, float* C, int ldc);

}  // extern "C"

namespace st_cuda {

// The entry points, resolved by load_cublas (libs.cc).
struct CublasApi {
  cublasCreate_v2_t create = nullptr;
  cublasDestroy_v2_t destroy = nullptr;
  cublasSetStream_v2_t setStream = nullptr;
  cublasSetMathMode_t setMathMode = nullptr;
  cublasGetVersion_v2_t getVersion = nullptr;
  cublasGetStatusString_t getStatusString = nullptr;  // may stay null (then the status number is reported)
  cublasSgemm_v2_t sgemm = nullptr;
};

}  // namespace st_cuda
