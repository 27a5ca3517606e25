{
  "variables": {
    "common_cflags": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"]
  },
  "targets": [
    {
      "target_name": "gemm_avx512",
      "type": "static_library",
      "sources": ["native/gemm_avx512.cc"],
      "cflags_cc": ["<@(common_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2", "-Wno-maybe-uninitialized"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O1", "-O0"]
    },
    {
      "target_name": "gemm_avx2",
      "type": "static_library",
      "sources": ["native/gemm_avx2.cc"],
      "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O1", "-O0"]
    },
    {
      "target_name": "sparse_avx512",
      "type": "static_library",
      "sources": ["native/sparse_avx512.cc"],
      "cflags_cc": ["<@(common_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2", "-Wno-maybe-uninitialized"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O1", "-O0"]
    },
    {
      "target_name": "sparse_avx2",
      "type": "static_library",
      "sources": ["native/sparse_avx2.cc"],
      "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O1", "-O0"]
    },
    {
      "target_name": "sparsetickets",
      "dependencies": ["gemm_avx512", "gemm_avx2", "sparse_avx512", "sparse_avx2"],
      "sources": [
        "native/binding.cc",
        "native/check.cc",
        "native/threadpool.cc",
        "native/gemm.cc",
        "native/gemm_binding.cc",
        "native/conv.cc",
        "native/conv_args.cc",
        "native/conv_chunks.cc",
        "native/im2col.cc",
        "native/batchnorm.cc",
        "native/activation.cc",
        "native/pool.cc",
        "native/loss.cc",
        "native/elementwise.cc",
        "native/optim.cc",
        "native/sparse.cc",
        "native/sparse_args.cc",
        "native/sparse_conv.cc",
        "native/sparse_pattern.cc",
        "native/topk.cc",
        "native/transpose.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": ["<@(common_cflags)", "-fexceptions", "-pthread"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O1", "-O0"],
      "ldflags": ["-pthread"]
    }
  ]
}
