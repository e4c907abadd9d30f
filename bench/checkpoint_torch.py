"""The PyTorch side of bench/checkpoint.ts (Debian python3-torch 1.13).

  checkpoint_torch.py make DIR MB   writes DIR/model.pth (torch.save, zip format) and DIR/model.safetensors
                                    (the safetensors layout written by hand: 8-byte header length, JSON header,
                                    raw little-endian data) holding the same float32 tensors, ~MB megabytes
  checkpoint_torch.py load FILE     torch.load(FILE) and prints {"seconds", "peak_bytes", "bytes"} as JSON:
                                    peak_bytes is the peak resident memory above what the process held before
"""
import json, os, resource, sys, time


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make(folder, mb):
    import torch
    torch.manual_seed(0)
    n = 4 * 1024 * 1024  # 16 MiB of float32 per tensor, like a large Linear of a 7B model's layer
    count = max(1, round(mb * 1024 * 1024 / (4 * n)))
    state = {}
    for i in range(count):
        state[f"layers.{i // 4}.w{i % 4}.weight"] = torch.randn(2048, n // 2048)
    state["norm.weight"] = torch.ones(2048)
    torch.save(state, os.path.join(folder, "model.pth"))
    header, offset = {}, 0
    for k, v in state.items():
        size = v.numel() * 4
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header_bytes = json.dumps(header).encode()
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    with open(os.path.join(folder, "model.safetensors"), "wb") as f:
        f.write(len(header_bytes).to_bytes(8, "little"))
        f.write(header_bytes)
        for v in state.values():
            f.write(v.numpy().tobytes())


def load(file):
    import torch
    base = rss_bytes()
    t0 = time.perf_counter()
    state = torch.load(file)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    size = sum(v.numel() * v.element_size() for v in state.values())
    print(json.dumps({"seconds": seconds, "peak_bytes": peak, "bytes": size}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], float(sys.argv[3]))
    else:
        load(sys.argv[2])
