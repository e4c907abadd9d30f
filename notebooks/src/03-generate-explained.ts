// Source of notebooks/03-generate-explained.ipynb (percent format; test/notebooks/build.ts builds it).

// %% [markdown]
// # Meta's `generate()`, step by step
//
// `generate` in Meta's `llama/generation.py` turns prompts into continuations: it pads a batch of prompts
// into one matrix, runs the model one position at a time, picks each next token (greedy, or sampled with
// a temperature and top-p), optionally scores every token (`logprobs`), and stops at end-of-sequence.
// This notebook takes it apart, one step per cell, on Karpathy's tiny **stories260K** model (it writes
// children's stories), then runs the whole loop and plots what the model considered at each step.

// %%
import { Llama, plot, tf } from "tensorbook";

await tf.ready();
const llama = Llama.load("assets/stories260K/stories260K.bin", { tokenizer: "assets/stories260K/tok512.model", maxBatchSize: 4 });
const tokenizer = llama.tokenizer!;
const params = llama.params;
console.log(`dim ${params.dim}, ${params.n_layers} layers, vocab ${params.vocab_size}, max_seq_len ${params.max_seq_len}`);
console.log(`bos_id ${tokenizer.bosId}, eos_id ${tokenizer.eosId}, pad_id ${tokenizer.padId}`);

// %% [markdown]
// ## 1. Prompts become one padded matrix
//
// ```python
// bsz = len(prompt_tokens)
// min_prompt_len = min(len(t) for t in prompt_tokens)
// max_prompt_len = max(len(t) for t in prompt_tokens)
// total_len = min(params.max_seq_len, max_gen_len + max_prompt_len)
// tokens = torch.full((bsz, total_len), pad_id, dtype=torch.long)
// for k, t in enumerate(prompt_tokens):
//     tokens[k, : len(t)] = torch.tensor(t, dtype=torch.long)
// input_text_mask = tokens != pad_id
// ```
//
// Prompts have different lengths, so the short ones are padded with `pad_id`. Llama's tokenizer has no
// pad piece: SentencePiece reports `pad_id = -1`, a value no real token has, which is exactly what makes
// `input_text_mask` (true where the prompt gave the token) work.

// %%
const prompts = ["Once upon a time", "Lily had a red ball"];
const promptTokens = prompts.map((p) => tokenizer.encode(p, { bos: true, eos: false }));
const maxGenLen = 8;
const bsz = promptTokens.length;
const minPromptLen = Math.min(...promptTokens.map((t) => t.length));
const maxPromptLen = Math.max(...promptTokens.map((t) => t.length));
const totalLen = Math.min(params.max_seq_len, maxGenLen + maxPromptLen);
const padId = tokenizer.padId;
const tokens = promptTokens.map((t) => Array.from({ length: totalLen }, (_, i) => (i < t.length ? t[i] : padId)));
const inputTextMask = tokens.map((row) => row.map((id) => id !== padId));
console.log(`min_prompt_len ${minPromptLen}, max_prompt_len ${maxPromptLen}, total_len ${totalLen}`);
tokens.forEach((row, k) => console.log(`row ${k}: ${row.map((id) => String(id).padStart(4)).join("")}   ${row.map((id) => (id === padId ? "·" : tokenizer.idToPiece(id))).join(" ")}`));

// %% [markdown]
// ## 2. The first forward pass covers the shared prefix
//
// ```python
// prev_pos = 0
// for cur_pos in range(min_prompt_len, total_len):
//     logits = self.model.forward(tokens[:, prev_pos:cur_pos], prev_pos)
// ```
//
// The loop starts at `min_prompt_len`: up to there every row has prompt tokens. The first call feeds
// positions `0 … min_prompt_len−1` at once and fills the KV cache; each later call feeds one position.
// `logits[:, -1]` are the scores for the next token, one row per prompt.

// %%
const logits = llama.forward(tokens.map((row) => row.slice(0, minPromptLen)), 0); // (bsz, min_prompt_len, vocab)
console.log("logits:", logits.shape);
const nextToken = tf.tidy(() => logits.slice([0, minPromptLen - 1, 0], [bsz, 1, params.vocab_size]).argMax(-1).reshape([bsz]).arraySync() as number[]);
nextToken.forEach((id, k) => console.log(`row ${k}: after ${JSON.stringify(tokenizer.decode(tokens[k].slice(0, minPromptLen)))} the top candidate is ${JSON.stringify(tokenizer.idToPiece(id))}`));
logits.dispose();

// %% [markdown]
// Row 1 is still inside its prompt at this position, so its prediction will be thrown away (step 5).

// %% [markdown]
// ## 3. Temperature
//
// ```python
// if temperature > 0:
//     probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
// ```
//
// Dividing the logits by a temperature below 1 sharpens the distribution (the likely tokens get likelier);
// above 1 flattens it. Meta's default is 0.6. After "Once upon a time" the model is sure of the comma, so
// we look at a place where it hesitates: the top 8 candidates after "Once upon a time, there was a", at
// three temperatures.

// %%
const context = tokenizer.encode("Once upon a time, there was a", { bos: true, eos: false });
const contextLogits = llama.forwardLogits([context], 0); // (1, T, vocab) as one Float32Array
const next = Array.from(contextLogits.slice(contextLogits.length - params.vocab_size)); // logits[:, -1]
function softmax(row: number[], temperature: number): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp((v - max) / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
const order = next.map((_, id) => id).sort((a, b) => next[b] - next[a]).slice(0, 8);
const byTemperature: { [name: string]: number[] } = {};
for (const temperature of [0.3, 0.6, 1.0]) {
  const probs = softmax(next, temperature);
  byTemperature[`T = ${temperature}`] = order.map((id) => probs[id]);
}
plot.bar(byTemperature, { x: order.map((id) => tokenizer.idToPiece(id)), title: "next token after \"…there was a\"", yTitle: "probability" })

// %% [markdown]
// ## 4. Top-p (nucleus) sampling
//
// ```python
// def sample_top_p(probs, p):
//     probs_sort, probs_idx = torch.sort(probs, dim=-1, descending=True)
//     probs_sum = torch.cumsum(probs_sort, dim=-1)
//     mask = probs_sum - probs_sort > p
//     probs_sort[mask] = 0.0
//     probs_sort.div_(probs_sort.sum(dim=-1, keepdim=True))
//     next_token = torch.multinomial(probs_sort, num_samples=1)
//     next_token = torch.gather(probs_idx, -1, next_token)
//     return next_token
// ```
//
// Sort the probabilities, keep the smallest set of top tokens whose mass reaches `p` (a token is dropped
// when the mass *before* it already exceeds `p`), renormalise, and draw from what is left. The long tail
// of unlikely tokens can never be picked. The same, line for line:

// %%
function nucleus(probs: number[], p: number): { ids: number[]; probs: number[] } {
  const probsIdx = probs.map((_, id) => id).sort((a, b) => probs[b] - probs[a]); // torch.sort(descending)
  const probsSort = probsIdx.map((id) => probs[id]);
  let probsSum = 0;
  const kept = probsSort.map((q) => { probsSum += q; return probsSum - q > p ? 0 : q; }); // mask → 0.0
  const total = kept.reduce((a, b) => a + b, 0);
  const n = kept.findIndex((q) => q === 0);
  const size = n === -1 ? kept.length : n;
  return { ids: probsIdx.slice(0, size), probs: kept.slice(0, size).map((q) => q / total) };
}
for (const temperature of [0.6, 1.0]) {
  const { ids, probs } = nucleus(softmax(next, temperature), 0.9);
  console.log(`T = ${temperature}, top_p = 0.9: ${ids.length === 1 ? "only 1 token" : `${ids.length} tokens`} can be drawn: ${ids.slice(0, 6).map((id, i) => `${tokenizer.idToPiece(id)} ${probs[i].toFixed(3)}`).join(", ")}${ids.length > 6 ? ", …" : ""}`);
}

// %% [markdown]
// At Meta's default `temperature = 0.6`, " little" alone already holds more than 90% of the mass, so top-p
// leaves nothing else to draw: sampling is greedy here. At `temperature = 1` a dozen continuations stay
// possible. Temperature and top-p work together: the first reshapes the distribution, the second cuts its tail.
//
// ## 5. Prompt tokens win over predictions; logprobs; EOS
//
// ```python
// next_token = torch.where(input_text_mask[:, cur_pos], tokens[:, cur_pos], next_token)
// tokens[:, cur_pos] = next_token
// if logprobs:
//     token_logprobs[:, prev_pos + 1 : cur_pos + 1] = -F.cross_entropy(
//         input=logits.transpose(1, 2), target=tokens[:, prev_pos + 1 : cur_pos + 1],
//         reduction="none", ignore_index=pad_id)
// eos_reached |= (~input_text_mask[:, cur_pos]) & (next_token == self.tokenizer.eos_id)
// prev_pos = cur_pos
// if all(eos_reached):
//     break
// ```
//
// - The second prompt is longer, so while row 0 is already generating, row 1 is still inside its prompt:
//   `torch.where` keeps the prompt's token there and throws the prediction away.
// - `logprobs`: the log-probability the model gave each token that ended up in the row, prompt tokens
//   included (minus the cross-entropy at that position).
// - A row is finished when it *generates* `eos_id`; the loop stops early once every row is finished.
// - Afterwards each row is cut: without `echo` the prompt is dropped, and everything after an EOS goes.
//
// `llama.generate` is this loop. Greedy (temperature 0), with `logprobs` and `echo`:

// %%
const greedy = await llama.generate(promptTokens, { maxGenLen, temperature: 0, logprobs: true, echo: true });
greedy.tokens.forEach((row, k) => {
  console.log(`row ${k}: ${JSON.stringify(tokenizer.decode(row))}`);
  console.log(`        ${row.map((id, i) => `${tokenizer.idToPiece(id)}:${greedy.logprobs![k][i].toFixed(2)}`).join(" ")}`);
});

// %% [markdown]
// The first token of each row has log-probability 0: nothing came before BOS to predict it from. The
// prompt words are scored too; that is how `echo=True` with `logprobs=True` measures how surprising a text
// is to the model.
//
// ## 6. What the model considered at each step
//
// With `tokenProbs`, `generate` records the top candidates at every step. Greedy decoding always takes the
// first row of this heatmap; the colour shows how sure the model was.

// %%
const traced = await llama.generate([promptTokens[0]], { maxGenLen: 24, temperature: 0, tokenProbs: { topK: 6 } });
const steps = traced.tokenProbs![0];
plot.tokenProbs(steps, { title: "greedy continuation of \"Once upon a time\": top 6 per step" })

// %% [markdown]
// One step up close, as bars: the first generated token.

// %%
plot.tokenProbs(steps[0], { title: "step 1" })

// %% [markdown]
// ## 7. Greedy versus sampled, side by side
//
// Greedy decoding is deterministic and tends to loop; sampling at `temperature = 0.8, top_p = 0.9` varies
// (a `seed` makes it repeatable). Meta's `text_completion` wraps `generate`: encode with BOS, generate,
// decode.

// %%
const prompt = "Once upon a time";
const [greedyText] = await llama.textCompletion([prompt], { maxGenLen: 48, temperature: 0 });
console.log(`greedy:          ${prompt}${greedyText.generation}`);
for (const seed of [1, 2, 3]) {
  const [sampled] = await llama.textCompletion([prompt], { maxGenLen: 48, temperature: 0.8, topP: 0.9, seed });
  console.log(`sampled, seed ${seed}: ${prompt}${sampled.generation}`);
}
