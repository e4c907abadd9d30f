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
xz -dc "$PACK/node.xz" > /tmp/node && chmod +x /tmp/node
xz -dc "$PACK/dawn.node.xz" > "$PACK/node_modules/webgpu/dist/linux-x64/dawn.node"
# Debian's Vulkan loader (device README): only where the machine has none.
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in "$ROOT"/.gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig
fi
# NVIDIA's ICD file, where the driver is mounted rather than installed.
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || true
exec /tmp/node "$PACK/dist/test/gpu/webgpu_check.js" --modules "$PACK/node_modules" --out "${OUT:-$ROOT}" "$@"
