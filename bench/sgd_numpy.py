"""The numpy peers of bench/sgd.ts: one epoch of mini-batch SGD, samples per second.

  nielsen  Michael Nielsen's network.py update_mini_batch/backprop, per sample, as published
           (test/fixtures/sgd/nielsen_network.py: ported to Python 3 only).
  batched  the same math with the mini-batch as a matrix: one backprop per mini-batch.

Data: `--data synthetic` (n random inputs, 80% zeros like MNIST pixels) or `--data digits:PATH` (the
digits csv.gz, the first 1500 rows, x/16). Prints one JSON line: {"nielsen": [samples/s per run], ...}.
Run with Debian's /usr/bin/python3 (python3-numpy).
"""
import argparse
import gzip
import json
import os
import random
import sys
import time

import numpy as np

# Nielsen's network.py, the one transcription the SGD test fixtures are made with as well.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "sgd"))
from nielsen_network import Network, sigmoid  # noqa: E402


class BatchedNetwork(Network):
    # Nielsen's per-sample loop for one epoch, as his SGD runs it.
    def epoch(self, training_data, mini_batch_size, eta):
        random.shuffle(training_data)
        n = len(training_data)
        for k in range(0, n, mini_batch_size):
            self.update_mini_batch(training_data[k:k + mini_batch_size], eta)

    # The same math, columns = samples: X (n_in, m), Y (n_out, m).
    def update_mini_batch_matrix(self, X, Y, eta):
        activations = [X]
        for b, w in zip(self.biases, self.weights):
            activations.append(sigmoid(np.dot(w, activations[-1]) + b))
        a = activations[-1]
        delta = (a - Y) * a * (1 - a)
        m = X.shape[1]
        for l in range(1, self.num_layers):
            nabla_b = delta.sum(axis=1, keepdims=True)
            nabla_w = np.dot(delta, activations[-l - 1].T)
            if l < self.num_layers - 1:
                a_prev = activations[-l - 1]
                next_delta = np.dot(self.weights[-l].T, delta) * a_prev * (1 - a_prev)
            self.weights[-l] = self.weights[-l] - (eta / m) * nabla_w
            self.biases[-l] = self.biases[-l] - (eta / m) * nabla_b
            if l < self.num_layers - 1:
                delta = next_delta

    def epoch_matrix(self, X, Y, mini_batch_size, eta):
        n = X.shape[1]
        order = np.random.permutation(n)
        X, Y = X[:, order], Y[:, order]
        for k in range(0, n, mini_batch_size):
            self.update_mini_batch_matrix(X[:, k:k + mini_batch_size], Y[:, k:k + mini_batch_size], eta)


def load(data, n_in, n):
    rng = np.random.RandomState(7)
    if data == "synthetic":
        X = rng.rand(n_in, n) * (rng.rand(n_in, n) > 0.8)
        labels = rng.randint(0, 10, n)
    else:
        rows = np.loadtxt(gzip.open(data.split(":", 1)[1]), delimiter=",")[:n]
        X, labels = rows[:, :64].T / 16.0, rows[:, 64].astype(int)
    Y = np.zeros((10, X.shape[1]))
    Y[labels, np.arange(X.shape[1])] = 1
    return X, Y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="784,30,10")
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--samples", type=int, default=50000)
    parser.add_argument("--nielsen-samples", type=int, default=5000, help="per-sample loop on a prefix")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    X, Y = load(args.data, sizes[0], args.samples)
    np.random.seed(0)
    random.seed(0)
    out = {"numpy": np.__version__, "samples": X.shape[1], "nielsen_samples": min(args.nielsen_samples, X.shape[1])}
    net = BatchedNetwork(sizes)
    pairs = [(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(out["nielsen_samples"])]
    out["nielsen"] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        net.epoch(pairs, 10, 3.0)
        out["nielsen"].append(len(pairs) / (time.perf_counter() - t))
    out["batched"] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        net.epoch_matrix(X, Y, 10, 3.0)
        out["batched"].append(X.shape[1] / (time.perf_counter() - t))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
