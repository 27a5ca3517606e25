#!/usr/bin/env bash
# Runs on the GPU machine, in the tree scripts/gpu/prepare.sh filled (`bash .gpu/scripts/gpu/run.sh [options of
# conformance.mjs]`): unpacks Node into /tmp, prints nvidia-smi and where cuBLAS / cuDNN are, checks that the carried
# CUDA module loads (rebuilding it with the machine's nvcc if not), and runs the conformance suite. Logs go to $OUT
# (the device tool's folder that comes back), or to out/ beside the tree.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$here/out}
mkdir -p "$out"
cd "$here"

node=/tmp/sparsetickets-node/bin/node
if [ ! -x "$node" ]; then
  mkdir -p "$(dirname "$node")"
  xz -dc node/bin/node.xz >"$node" && chmod +x "$node"
fi
echo "node $("$node" --version) at $node"
nvidia-smi 2>&1 | tee "$out/nvidia-smi.txt"
{
  echo "CUDA_HOME=${CUDA_HOME:-} nvcc: $(command -v nvcc || echo none)"
  ls /usr/local/cuda/lib64/libcublas.so* /usr/local/cuda/lib64/libcudnn.so* 2>/dev/null
  python3 -c "import nvidia, glob, os; [print(p) for d in nvidia.__path__ for p in sorted(glob.glob(os.path.join(d, '*', 'lib', 'lib*.so.*'))) if 'cublas' in p or 'cudnn.so' in p]" 2>&1
} | tee "$out/libraries.txt"

if ! "$node" -e "require('./build/cuda/sparsetickets_cuda.node')" 2>"$out/load.txt"; then
  echo "the carried CUDA module does not load here ($(head -c 300 "$out/load.txt")); rebuilding it with nvcc"
  PATH="$(dirname "$node"):$PATH" SPARSETICKETS_NODE_INCLUDE="$here/node/include/node" \
    "$node" scripts/build_cuda.mjs --force 2>&1 | tee "$out/build.txt"
fi

# Every op synchronises, so an asynchronous failure names the op that caused it (SPARSETICKETS_CUDA_SYNC=0: off).
export SPARSETICKETS_CUDA_SYNC=${SPARSETICKETS_CUDA_SYNC:-1}
"$node" scripts/gpu/conformance.mjs "$@" 2>&1 | tee "$out/conformance.log"
exit "${PIPESTATUS[0]}"
