#!/bin/sh
# On the GPU machine (device tool, carry [".device/gpu", ".gl"], packed by bench/gpu/pack.sh): unpack
# Node, Dawn and the Vulkan loader, then check WebGPU against the cpu backend and time a 4096² matMul.
# Results: stdout and $OUT/gpu_check.json. Exit status 0 when every check passed.
#
#   sh bench/gpu/run.sh
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=$ROOT/.device/gpu
[ -f "$PACK/node.xz" ] || { echo "run.sh: no $PACK/node.xz; run bench/gpu/pack.sh here first and carry .device/gpu" >&2; exit 1; }
. "$ROOT/bench/gpu/unpack.sh"
exec /tmp/node "$PACK/dist/test/gpu/webgpu_check.js" --modules "$PACK/node_modules" --out "${OUT:-$ROOT}" "$@"
