// Tokens per second for stories260K, greedy, 256 tokens from BOS, batch 1 and batch 8: tensorbook's
// generate next to Meta's generate in PyTorch (bench/generate_torch.py, Debian python3-torch, run in
// this same process's run) and llama2.c run.c (../shared/PEERS.md: C is not part of the project).
//
//   npx tsc -p . && node dist/bench/generate.js [--runs 7] [--steps 256] [--no-torch]
//
// Medians of `runs` passes, after one warm-up pass. EOS is disabled (eos id = vocab_size) so every
// pass decodes exactly `steps` tokens per row, in both loops.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { generateSync } from "../src/ml/llama/generate";
import { Llama } from "../src/ml/llama/model";
import { packageRoot } from "../src/paths";
import { median } from "./stats";

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const runs = option("runs", 7);
const steps = option("steps", 256);
const withTorch = !argv.includes("--no-torch");
const batches = [1, 8];

// ../shared/PEERS.md, stories260K, 256 tokens, batch 1, 2-core machine of this kind (median of 21)
const RUNC_O3 = 4050;
const RUNC_NATIVE = "9,800–12,100";

const fmt = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

interface Rates {
  wall: number[];
  cpu: number[];
}

function ours(batch: number): Rates {
  const root = packageRoot();
  const llama = Llama.load(path.join(root, "test", "fixtures", "checkpoint", "llama2c", "stories260K.bin"), {
    tokenizer: null, maxSeqLen: 512, maxBatchSize: 8,
  });
  const never = { eosId: llama.params.vocab_size, padId: -1, idToPiece: String };
  const prompts = Array.from({ length: batch }, () => [1]);
  generateSync(llama.model, never, prompts, { maxGenLen: 16, temperature: 0 }); // warm-up (JIT)
  const rates: Rates = { wall: [], cpu: [] };
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const out = generateSync(llama.model, never, prompts, { maxGenLen: steps, temperature: 0 });
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    if (out.tokens[0].length !== steps) throw new Error(`bench: decoded ${out.tokens[0].length} tokens, expected ${steps}`);
    rates.wall.push((batch * steps) / seconds);
    rates.cpu.push((batch * steps) / ((used.user + used.system) / 1e6));
  }
  return rates;
}

interface TorchResult {
  torch: string;
  threads: number;
  results: { batch: number; tokens_per_s: number[]; tokens_per_cpu_s: number[] }[];
}

function torch(): TorchResult | undefined {
  if (!withTorch) return undefined;
  try {
    const out = execFileSync("/usr/bin/python3", [
      path.join(packageRoot(), "bench", "generate_torch.py"), "--runs", String(runs), "--steps", String(steps), "--batch", ...batches.map(String),
    ], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return JSON.parse(out.trim().split("\n").pop()!) as TorchResult;
  } catch (e) {
    console.log(`# PyTorch peer not run: ${(e as Error).message.split("\n")[0]}`);
    return undefined;
  }
}

console.log(`stories260K greedy, ${steps} tokens from BOS, medians of ${runs} runs; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cores`);
const mine = batches.map((b) => ({ batch: b, rates: ours(b) }));
const peer = torch();
console.log("| batch | clock | tensorbook (wasm SIMD + typed arrays, KV cache) | PyTorch CPU, Meta generate (same run) | ratio | run.c -O3 (PEERS.md) | ratio |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const { batch, rates } of mine) {
  const t = peer?.results.find((r) => r.batch === batch);
  for (const clock of ["wall", "cpu"] as const) {
    const rate = median(rates[clock]);
    const tRate = t ? median(clock === "wall" ? t.tokens_per_s : t.tokens_per_cpu_s) : undefined;
    const torchCells = tRate ? `${fmt(tRate)} | ${(rate / tRate).toFixed(2)}×` : "not run | –";
    const runc = batch === 1 ? `${fmt(RUNC_O3)} | ${(rate / RUNC_O3).toFixed(2)}×` : "– (batch 1 only) | –";
    console.log(`| ${batch} | ${clock === "wall" ? "wall" : "CPU time"} | ${fmt(rate)} tok/s | ${torchCells} | ${runc} |`);
  }
}
if (peer) console.log(`PyTorch ${peer.torch}, ${peer.threads} thread(s). "CPU time" divides by this process's CPU seconds, which a loaded machine inflates less than wall time.`);
console.log(`run.c -O3 -march=native -ffast-math: ${RUNC_NATIVE} tok/s (PEERS.md). PEERS.md figures come from an unloaded machine;`);
console.log("the PyTorch columns were measured in this run, so their ratios are the ones that hold under load.");
