#!/bin/sh
# Packs what the GPU machine needs to run test/gpu/webgpu_check.ts into .device/gpu (ignored by git), to
# travel with the device tool's `carry: [".device/gpu", ".gl"]`. That machine has no Node and no network,
# so this brings: a compiled tensorbook (src + the check), TensorFlow.js pruned to its Node bundles, the
# `webgpu` package (Dawn) pruned to dist/linux-x64 with @tensorflow/tfjs-backend-webgpu, and this
# machine's node binary; the big files are xz-compressed (the carry limit is 64 MiB; this comes to ~45).
#
#   npm install --prefix /tmp/gpu-deps webgpu @tensorflow/tfjs-backend-webgpu@4.22.0   # scratch, not package.json
#   npx tsc -p . --outDir dist          # or any build folder: BUILD=dist-tensor
#   sh bench/gpu/pack.sh /tmp/gpu-deps
#   # and once, the Vulkan loader, as /work/.library/device/README.md says:
#   mkdir -p .gl /tmp/amd64/partial; o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
#   apt-get $o update; (cd .gl && apt-get $o download libvulkan1)
# Then on the GPU machine: sh bench/gpu/run.sh (carry .device/gpu and .gl).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEPS=${1:?usage: pack.sh GPU_DEPS_PREFIX (holding node_modules/webgpu and node_modules/@tensorflow/tfjs-backend-webgpu)}
BUILD=${BUILD:-dist}
OUT=$ROOT/.device/gpu
NM=$ROOT/node_modules
[ -f "$ROOT/$BUILD/test/gpu/webgpu_check.js" ] || { echo "pack.sh: no $BUILD/test/gpu/webgpu_check.js; build first (npx tsc -p . --outDir $BUILD)" >&2; exit 1; }
[ -d "$DEPS/node_modules/webgpu/dist/linux-x64" ] || { echo "pack.sh: no $DEPS/node_modules/webgpu/dist/linux-x64" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/node_modules/@tensorflow" "$OUT/dist/test"

# tensorbook: package.json (paths.ts finds the root by it) and the compiled code the check imports.
cp "$ROOT/package.json" "$OUT/"
cp -r "$ROOT/$BUILD/src" "$OUT/dist/src"
cp -r "$ROOT/$BUILD/test/gpu" "$OUT/dist/test/gpu"
find "$OUT/dist" -name '*.map' -delete

# A package reduced to package.json and its Node entry bundle (each tfjs package's "main" is one file).
bundle() { # bundle FROM_NODE_MODULES NAME
  mkdir -p "$OUT/node_modules/$2/dist"
  cp "$1/$2/package.json" "$OUT/node_modules/$2/"
  main=$(node -p "require('$1/$2/package.json').main")
  cp "$1/$2/$main" "$OUT/node_modules/$2/$main"
}
for p in tfjs tfjs-core tfjs-backend-cpu tfjs-backend-webgl tfjs-converter tfjs-data tfjs-layers; do bundle "$NM" "@tensorflow/$p"; done
bundle "$DEPS/node_modules" "@tensorflow/tfjs-backend-webgpu"
# The small plain dependencies those bundles require.
for p in seedrandom long node-fetch whatwg-url tr46 webidl-conversions string_decoder safe-buffer; do
  [ -d "$NM/$p" ] && cp -r "$NM/$p" "$OUT/node_modules/$p"
done

# Dawn: the ESM entry and the linux-x64 addon, compressed.
mkdir -p "$OUT/node_modules/webgpu/dist/linux-x64"
cp "$DEPS/node_modules/webgpu/package.json" "$DEPS/node_modules/webgpu/index.js" "$OUT/node_modules/webgpu/"
xz -T2 -6 -c "$DEPS/node_modules/webgpu/dist/linux-x64/dawn.node" > "$OUT/dawn.node.xz"
xz -T2 -6 -c "$(command -v node)" > "$OUT/node.xz"
du -sh "$OUT"
