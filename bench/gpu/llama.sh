#!/bin/sh
# Llama decoding on the GPU machine (issue 6): bench/gpu/llama_generate.ts through tfjs WebGPU (Dawn),
# next to the CPU typed-array forward, written to $OUT/llama_gpu.json. Rides on the tensor room's bundle:
#
#   here:  (build + bench/gpu/pack.sh as that file says), then  sh bench/gpu/llama.sh pack
#   there: sh bench/gpu/llama.sh run [--steps 128 --runs 3 --shape 15M]   (device tool, carry [".device/gpu", ".gl"])
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=$ROOT/.device/gpu
BUILD=${BUILD:-dist}
case "${1:-}" in
pack)
  [ -d "$PACK/dist/src" ] || { echo "llama.sh: run bench/gpu/pack.sh first (no $PACK/dist/src)" >&2; exit 1; }
  [ -f "$ROOT/$BUILD/bench/gpu/llama_generate.js" ] || { echo "llama.sh: build first: npx tsc -p . --outDir $BUILD" >&2; exit 1; }
  mkdir -p "$PACK/dist/bench/gpu"
  cp "$ROOT/$BUILD/bench/gpu/llama_generate.js" "$PACK/dist/bench/gpu/"
  # the bundle's src must be the build that has the llama room (pack.sh copied $BUILD/src)
  cp -r "$ROOT/$BUILD/src/ml/llama" "$PACK/dist/src/ml/"
  find "$PACK/dist" -name '*.map' -delete
  du -sh "$PACK"
  ;;
run)
  shift
  [ -f "$PACK/node.xz" ] || { echo "llama.sh: no $PACK/node.xz; pack here first and carry .device/gpu" >&2; exit 1; }
  . "$ROOT/bench/gpu/unpack.sh"
  exec /tmp/node "$PACK/dist/bench/gpu/llama_generate.js" --modules "$PACK/node_modules" --out "${OUT:-$ROOT}" "$@"
  ;;
*)
  echo "usage: sh bench/gpu/llama.sh pack | run [--steps N --runs N --shape 15M|260K]" >&2
  exit 2
  ;;
esac
