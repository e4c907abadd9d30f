# Sourced by bench/gpu/run.sh and bench/gpu/llama.sh on the GPU machine, with ROOT and PACK set: unpack
# Node and Dawn from the bundle bench/gpu/pack.sh made, and give the machine a Vulkan loader and NVIDIA's
# ICD file where it lacks them. Prints the GPU's name and driver.
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
