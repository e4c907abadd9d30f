"""The numpy peer of bench/tensor.ts: float32 matmul GFLOP/s at n = 64, 256, 1024, a softmax over
[32, 32000] (milliseconds) and a one-element add (microseconds: per-op dispatch), each a list of runs; prints one JSON line. Run with Debian's /usr/bin/python3
(python3-numpy; its OpenBLAS uses every core unless OPENBLAS_NUM_THREADS says otherwise).

  /usr/bin/python3 bench/tensor_numpy.py --runs 7
"""
import argparse
import json
import time

import numpy as np


def timed_runs(fn, runs, min_seconds=0.05):
    fn()  # warm up: first-touch pages, BLAS thread pool
    reps, t0 = 1, time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    reps = max(1, int(min_seconds / once))
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t0) / reps)
    return out


def softmax(x):
    # As torch.softmax(x, -1) computes it: shift by the row max, exponentiate, normalize.
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    result = {"numpy": np.__version__, "matmul_gflops": {}, "softmax_ms": []}
    for n in (64, 256, 1024):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        times = timed_runs(lambda: a @ b, args.runs)
        result["matmul_gflops"][str(n)] = [2 * n ** 3 / t / 1e9 for t in times]
    x = rng.standard_normal((32, 32000), dtype=np.float32)
    result["softmax_ms"] = [t * 1e3 for t in timed_runs(lambda: softmax(x), args.runs)]
    one = np.ones(1, dtype=np.float32)
    result["tiny_add_us"] = [t * 1e6 for t in timed_runs(lambda: one + one, args.runs)]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
