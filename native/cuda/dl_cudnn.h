// The part of cuDNN this backend uses (the legacy convolution API of cuDNN 9), declared here because the build
// machine has no cuDNN headers: the library is loaded at run time with dlopen (libs.cc).
//
// Written from NVIDIA's public cuDNN 9 API documentation and checked against the cuDNN 9.6 headers in the public
// mirror github.com/zspace/system.cuda-12.6: include/cudnn_graph.h (cudnnStatus_t, cudnnDataType_t, cudnnMathType_t,
// cudnnTensorFormat_t, cudnnConvolutionMode_t, cudnnCreate/Destroy/SetStream, cudnnGetVersion, cudnnGetErrorString),
// include/cudnn_ops.h (cudnnDeterminism_t, the tensor and filter descriptors — note that cudnnSetFilter4dDescriptor
// takes the data type BEFORE the format, cudnnSetTensor4dDescriptor after it — and the three convolution algorithm
// enums) and include/cudnn_cnn.h (the convolution descriptor, the *AlgoPerf_t structs, Get*_v7, Find*Ex,
// Get*WorkspaceSize, cudnnConvolutionForward / BackwardData / BackwardFilter).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

extern "C" {

typedef enum {
  CUDNN_STATUS_SUCCESS = 0,
  CUDNN_STATUS_NOT_INITIALIZED = 1001,
  CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH = 1002,
  CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED = 1008,
  CUDNN_STATUS_BAD_PARAM = 2000,
  CUDNN_STATUS_NOT_SUPPORTED = 3000,
  CUDNN_STATUS_INTERNAL_ERROR = 4000,
  CUDNN_STATUS_EXECUTION_FAILED = 5000
} cudnnStatus_t;  // more codes exist (categories of 1000); any non-zero value is reported with its number

struct cudnnContext;
typedef struct cudnnContext* cudnnHandle_t;
typedef struct cudnnTensorStruct* cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct* cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct* cudnnConvolutionDescriptor_t;

typedef enum { CUDNN_DATA_FLOAT = 0, CUDNN_DATA_DOUBLE = 1, CUDNN_DATA_HALF = 2 } cudnnDataType_t;

// CUDNN_FMA_MATH restricts a convolution to FMA kernels (full fp32); CUDNN_DEFAULT_MATH lets fp32 convolutions use
// the TF32 tensor cores on Ampere and later.
typedef enum {
  CUDNN_DEFAULT_MATH = 0,
  CUDNN_TENSOR_OP_MATH = 1,
  CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2,
  CUDNN_FMA_MATH = 3
} cudnnMathType_t;

typedef enum { CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1, CUDNN_TENSOR_NCHW_VECT_C = 2 } cudnnTensorFormat_t;

typedef enum { CUDNN_CONVOLUTION = 0, CUDNN_CROSS_CORRELATION = 1 } cudnnConvolutionMode_t;

typedef enum { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 } cudnnDeterminism_t;

typedef enum {
  CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM = 0,
  CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM = 1,
  CUDNN_CONVOLUTION_FWD_ALGO_GEMM = 2,
  CUDNN_CONVOLUTION_FWD_ALGO_DIRECT = 3,
  CUDNN_CONVOLUTION_FWD_ALGO_FFT = 4,
  CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING = 5,
  CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD = 6,
  CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED = 7,
  CUDNN_CONVOLUTION_FWD_ALGO_COUNT = 8
} cudnnConvolutionFwdAlgo_t;

typedef enum {
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 = 0,  // non-deterministic
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 = 1,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT = 2,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3 = 3,  // non-deterministic
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD = 4,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED = 5,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING = 6,
  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT = 7
} cudnnConvolutionBwdFilterAlgo_t;

typedef enum {
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 = 0,  // non-deterministic
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_1 = 1,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT = 2,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING = 3,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD = 4,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED = 5,
  CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT = 6
} cudnnConvolutionBwdDataAlgo_t;

// The three perf structs share one layout (cudnn_cnn.h).
typedef struct {
  cudnnConvolutionFwdAlgo_t algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
} cudnnConvolutionFwdAlgoPerf_t;

typedef struct {
  cudnnConvolutionBwdDataAlgo_t algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
} cudnnConvolutionBwdDataAlgoPerf_t;

typedef struct {
  cudnnConvolutionBwdFilterAlgo_t algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  cudnnDeterminism_t determinism;
  cudnnMathType_t mathType;
  int reserved[3];
} cudnnConvolutionBwdFilterAlgoPerf_t;

typedef size_t (*cudnnGetVersion_t)(void);
typedef const char* (*cudnnGetErrorString_t)(cudnnStatus_t status);
typedef cudnnStatus_t (*cudnnCreate_t)(cudnnHandle_t* handle);
typedef cudnnStatus_t (*cudnnDestroy_t)(cudnnHandle_t handle);
typedef cudnnStatus_t (*cudnnSetStream_t)(cudnnHandle_t handle, cudaStream_t streamId);

typedef cudnnStatus_t (*cudnnCreateTensorDescriptor_t)(cudnnTensorDescriptor_t* tensorDesc);
typedef cudnnStatus_t (*cudnnSetTensor4dDescriptor_t)(cudnnTensorDescriptor_t tensorDesc, cudnnTensorFormat_t format,
                                                      cudnnDataType_t dataType, int n, int c, int h, int w);
typedef cudnnStatus_t (*cudnnDestroyTensorDescriptor_t)(cudnnTensorDescriptor_t tensorDesc);
typedef cudnnStatus_t (*cudnnCreateFilterDescriptor_t)(cudnnFilterDescriptor_t* filterDesc);
typedef cudnnStatus_t (*cudnnSetFilter4dDescriptor_t)(cudnnFilterDescriptor_t filterDesc, cudnnDataType_t dataType,
                                                      cudnnTensorFormat_t format, int k, int c, int h, int w);
typedef cudnnStatus_t (*cudnnDestroyFilterDescriptor_t)(cudnnFilterDescriptor_t filterDesc);
typedef cudnnStatus_t (*cudnnCreateConvolutionDescriptor_t)(cudnnConvolutionDescriptor_t* convDesc);
typedef cudnnStatus_t (*cudnnSetConvolution2dDescriptor_t)(cudnnConvolutionDescriptor_t convDesc, int pad_h,
                                                           int pad_w, int u, int v, int dilation_h, int dilation_w,
                                                           cudnnConvolutionMode_t mode, cudnnDataType_t computeType);
typedef cudnnStatus_t (*cudnnSetConvolutionGroupCount_t)(cudnnConvolutionDescriptor_t convDesc, int groupCount);
typedef cudnnStatus_t (*cudnnSetConvolutionMathType_t)(cudnnConvolutionDescriptor_t convDesc,
                                                       cudnnMathType_t mathType);
typedef cudnnStatus_t (*cudnnDestroyConvolutionDescriptor_t)(cudnnConvolutionDescriptor_t convDesc);

typedef cudnnStatus_t (*cudnnGetConvolutionForwardAlgorithm_v7_t)(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t srcDesc, const cudnnFilterDescriptor_t filterDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t destDesc, const int requestedAlgoCount,
    int* returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t* perfResults);
typedef cudnnStatus_t (*cudnnFindConvolutionForwardAlgorithmEx_t)(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnFilterDescriptor_t wDesc,
    const void* w, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc, void* y,
    const int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t* perfResults,
    void* workSpace, size_t workSpaceSizeInBytes);
typedef cudnnStatus_t (*cudnnGetConvolutionForwardWorkspaceSize_t)(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnFilterDescriptor_t wDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc, cudnnConvolutionFwdAlgo_t algo,
    size_t* sizeInBytes);
typedef cudnnStatus_t (*cudnnConvolutionForward_t)(cudnnHandle_t handle, const void* alpha,
                                                   const cudnnTensorDescriptor_t xDesc, const void* x,
                                                   const cudnnFilterDescriptor_t wDesc, const void* w,
                                                   const cudnnConvolutionDescriptor_t convDesc,
                                                   cudnnConvolutionFwdAlgo_t algo, void* workSpace,
                                                   size_t workSpaceSizeInBytes, const void* beta,
                                                   const cudnnTensorDescriptor_t yDesc, void* y);

typedef cudnnStatus_t (*cudnnGetConvolutionBackwardDataAlgorithm_v7_t)(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t filterDesc, const cudnnTensorDescriptor_t diffDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t gradDesc, const int requestedAlgoCount,
    int* returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t* perfResults);
typedef cudnnStatus_t (*cudnnFindConvolutionBackwardDataAlgorithmEx_t)(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const void* w, const cudnnTensorDescriptor_t dyDesc,
    const void* dy, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc, void* dx,
    const int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t* perfResults,
    void* workSpace, size_t workSpaceSizeInBytes);
typedef cudnnStatus_t (*cudnnGetConvolutionBackwardDataWorkspaceSize_t)(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const cudnnTensorDescriptor_t dyDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc,
    cudnnConvolutionBwdDataAlgo_t algo, size_t* sizeInBytes);
typedef cudnnStatus_t (*cudnnConvolutionBackwardData_t)(cudnnHandle_t handle, const void* alpha,
                                                        const cudnnFilterDescriptor_t wDesc, const void* w,
                                                        const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                                        const cudnnConvolutionDescriptor_t convDesc,
                                                        cudnnConvolutionBwdDataAlgo_t algo, void* workSpace,
                                                        size_t workSpaceSizeInBytes, const void* beta,
                                                        const cudnnTensorDescriptor_t dxDesc, void* dx);

typedef cudnnStatus_t (*cudnnGetConvolutionBackwardFilterAlgorithm_v7_t)(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t srcDesc, const cudnnTensorDescriptor_t diffDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t gradDesc, const int requestedAlgoCount,
    int* returnedAlgoCount, cudnnConvolutionBwdFilterAlgoPerf_t* perfResults);
typedef cudnnStatus_t (*cudnnFindConvolutionBackwardFilterAlgorithmEx_t)(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const void* x, const cudnnTensorDescriptor_t dyDesc,
    const void* y, const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t dwDesc, void* dw,
    const int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionBwdFilterAlgoPerf_t* perfResults,
    void* workSpace, size_t workSpaceSizeInBytes);
typedef cudnnStatus_t (*cudnnGetConvolutionBackwardFilterWorkspaceSize_t)(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnTensorDescriptor_t dyDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t gradDesc,
    cudnnConvolutionBwdFilterAlgo_t algo, size_t* sizeInBytes);
typedef cudnnStatus_t (*cudnnConvolutionBackwardFilter_t)(cudnnHandle_t handle, const void* alpha,
                                                          const cudnnTensorDescriptor_t xDesc, const void* x,
                                                          const cudnnTensorDescriptor_t dyDesc, const void* dy,
                                                          const cudnnConvolutionDescriptor_t convDesc,
                                                          cudnnConvolutionBwdFilterAlgo_t algo, void* workSpace,
                                                          size_t workSpaceSizeInBytes, const void* beta,
                                                          const cudnnFilterDescriptor_t dwDesc, void* dw);

}  // extern "C"

namespace st_cuda {

// The entry points, resolved by load_cudnn (libs.cc).
struct CudnnApi {
  cudnnGetVersion_t getVersion = nullptr;
  cudnnGetErrorString_t getErrorString = nullptr;
  cudnnCreate_t create = nullptr;
  cudnnDestroy_t destroy = nullptr;
  cudnnSetStream_t setStream = nullptr;
  cudnnCreateTensorDescriptor_t createTensorDescriptor = nullptr;
  cudnnSetTensor4dDescriptor_t setTensor4dDescriptor = nullptr;
  cudnnDestroyTensorDescriptor_t destroyTensorDescriptor = nullptr;
  cudnnCreateFilterDescriptor_t createFilterDescriptor = nullptr;
  cudnnSetFilter4dDescriptor_t setFilter4dDescriptor = nullptr;
  cudnnDestroyFilterDescriptor_t destroyFilterDescriptor = nullptr;
  cudnnCreateConvolutionDescriptor_t createConvolutionDescriptor = nullptr;
  cudnnSetConvolution2dDescriptor_t setConvolution2dDescriptor = nullptr;
  cudnnSetConvolutionGroupCount_t setConvolutionGroupCount = nullptr;
  cudnnSetConvolutionMathType_t setConvolutionMathType = nullptr;
  cudnnDestroyConvolutionDescriptor_t destroyConvolutionDescriptor = nullptr;
  cudnnGetConvolutionForwardAlgorithm_v7_t getForwardAlgorithm_v7 = nullptr;
  cudnnFindConvolutionForwardAlgorithmEx_t findForwardAlgorithmEx = nullptr;
  cudnnGetConvolutionForwardWorkspaceSize_t getForwardWorkspaceSize = nullptr;
  cudnnConvolutionForward_t convolutionForward = nullptr;
  cudnnGetConvolutionBackwardDataAlgorithm_v7_t getBackwardDataAlgorithm_v7 = nullptr;
  cudnnFindConvolutionBackwardDataAlgorithmEx_t findBackwardDataAlgorithmEx = nullptr;
  cudnnGetConvolutionBackwardDataWorkspaceSize_t getBackwardDataWorkspaceSize = nullptr;
  cudnnConvolutionBackwardData_t convolutionBackwardData = nullptr;
  cudnnGetConvolutionBackwardFilterAlgorithm_v7_t getBackwardFilterAlgorithm_v7 = nullptr;
  cudnnFindConvolutionBackwardFilterAlgorithmEx_t findBackwardFilterAlgorithmEx = nullptr;
  cudnnGetConvolutionBackwardFilterWorkspaceSize_t getBackwardFilterWorkspaceSize = nullptr;
  cudnnConvolutionBackwardFilter_t convolutionBackwardFilter = nullptr;
};

}  // namespace st_cuda
