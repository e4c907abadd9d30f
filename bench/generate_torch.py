"""The PyTorch peer of bench/generate.ts: stories260K greedy decoding with Meta's generate() and a KV cache.

Meta's model.py + generate() transcribed in test/fixtures/llama/meta_llama.py (plain nn.Linear, CPU,
float32, torch.inference_mode). Run with Debian's python3-torch:
  /usr/bin/python3 bench/generate_torch.py [--steps 256] [--runs 7] [--batch 1 8]
Prints one JSON line: {"torch": version, "threads": n, "results": [{"batch", "tokens_per_s": [...],
"tokens_per_cpu_s": [...]}]} — per wall-clock second and per second of this process's CPU time.
EOS is never reached (eos_id = vocab_size), so every run decodes exactly `steps` tokens per row.
"""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "fixtures", "llama"))
from meta_llama import generate, load_meta_folder  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--model", default=os.path.join(HERE, "..", "test", "fixtures", "checkpoint", "llama-meta"))
parser.add_argument("--steps", type=int, default=256)
parser.add_argument("--runs", type=int, default=7)
parser.add_argument("--batch", type=int, nargs="+", default=[1, 8])
args = parser.parse_args()

model = load_meta_folder(args.model, max_seq_len=512, max_batch_size=max(args.batch))
never = model.params.vocab_size
results = []
for batch in args.batch:
    prompts = [[1] for _ in range(batch)]
    generate(model, prompts, 16, eos_id=never, temperature=0.0)  # warm-up
    rates, cpu_rates = [], []
    for _ in range(args.runs):
        start, cpu = time.perf_counter(), time.process_time()
        tokens, _ = generate(model, prompts, args.steps, eos_id=never, temperature=0.0)
        elapsed, cpu_elapsed = time.perf_counter() - start, time.process_time() - cpu
        assert all(len(t) == args.steps for t in tokens)
        rates.append(batch * args.steps / elapsed)
        cpu_rates.append(batch * args.steps / cpu_elapsed)
    results.append({"batch": batch, "tokens_per_s": rates, "tokens_per_cpu_s": cpu_rates, "first_tokens": tokens[0][:8]})
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))
