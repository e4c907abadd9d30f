// Meta's Llama.generate (llama/generation.py), line by line, over a model that returns logits.
//
//   tokens = full((bsz, total_len), pad_id); tokens[k, :len(t)] = t
//   input_text_mask = tokens != pad_id
//   for cur_pos in range(min_prompt_len, total_len):
//       logits = model.forward(tokens[:, prev_pos:cur_pos], prev_pos)
//       next_token = sample_top_p(softmax(logits[:, -1] / T), top_p)   or argmax when T == 0
//       next_token = where(input_text_mask[:, cur_pos], tokens[:, cur_pos], next_token)
//       tokens[:, cur_pos] = next_token
//       token_logprobs[:, prev_pos+1 : cur_pos+1] = -cross_entropy(logits, tokens[:, prev_pos+1 : cur_pos+1], ignore_index=pad_id)
//       eos_reached |= ~input_text_mask[:, cur_pos] & (next_token == eos_id)
//       prev_pos = cur_pos; stop when all(eos_reached)
//   per row: toks[start : len(prompt) + max_gen_len], then cut at the first eos_id
//
// Pad: Meta's pad_id is SentencePiece's −1, which is no row of the embedding. It is never embedded
// because the first forward covers [0, min_prompt_len) (no pads there) and each later forward reads only
// the position just written. We keep −1 (or the tokenizer's pad) in the buffer, as Meta does, and the
// forward throws if an invalid id ever reaches it.
import type { ModelArgs } from "./args";
import { Mulberry32, argmax, drawFromNucleus, logProb, softmax, topK, topPNucleus, type Nucleus } from "./sampling";

/**
 * What generate needs of a model: Meta's forward as (B, T, vocab) logits in a Float32Array, or with
 * `positions: "last"` (B, 1, vocab) of each row's last position (a model may skip the rest's output head).
 */
export interface LogitsModel {
  readonly params: ModelArgs;
  forward(tokens: ArrayLike<number>[], startPos: number, positions?: "all" | "last"): Float32Array;
}

/** What generate needs of a tokenizer. */
export interface GenerateVocab {
  readonly eosId: number;
  readonly padId: number;
  idToPiece(id: number): string;
  /** When present, streamed tokens carry the text they add (SentencePiece spaces and bytes resolved). */
  decode?(ids: number[]): string;
}

/** One candidate next token as sampling saw it. */
export interface TokenCandidate {
  id: number;
  piece: string;
  prob: number;
}

/** One generated step: the token taken and the top-k candidates after temperature and top-p (plot.tokenProbs). */
export interface TokenProbStep {
  token: number;
  candidates: TokenCandidate[];
}

/** A token as it is streamed to the cell. */
export interface StreamedToken {
  row: number;
  /**
   * The text this token adds to the row's decoded generation ("" while a multi-byte character is still
   * incomplete), so `process.stdout.write(t.text)` prints the story as it comes. Without a tokenizer: "".
   */
  text: string;
  /** Position in the row (the prompt occupies 0 .. len(prompt)-1). */
  position: number;
  token: number;
  piece: string;
}

export interface GenerateOptions {
  maxGenLen: number;
  /** 0 ⇒ argmax. Meta's default 0.6. */
  temperature?: number;
  /** Meta's default 0.9. */
  topP?: number;
  logprobs?: boolean;
  echo?: boolean;
  /** Seed of the sampler (mulberry32); without one each call draws a fresh seed. */
  seed?: number;
  /** Called for every token that ends up in the output, as it is produced (EOS is not streamed). */
  onToken?: (token: StreamedToken) => void;
  /** Record, per generated step, the top-k candidates (true ⇒ k = 5). */
  tokenProbs?: boolean | { topK?: number };
  /** Called with each recorded step as it happens (live plots). */
  onTokenProbs?: (row: number, step: TokenProbStep) => void;
}

export interface GenerateResult {
  tokens: number[][];
  logprobs?: number[][];
  /**
   * Per row, one step per generated token in `tokens`, plus the step that chose EOS when a row ended there.
   * Candidates are the nucleus (renormalised after temperature and top-p) when temperature > 0, and
   * softmax(logits) at temperature 1 under argmax decoding (the distribution argmax picks from).
   */
  tokenProbs?: TokenProbStep[][];
}

/**
 * A row's streamed text: decode everything generated so far and hand out what is new. A byte-fallback
 * character arrives as several tokens; until it is complete the decode ends in U+FFFD and nothing is
 * handed out, so the pieces joined are exactly decode(tokens).
 */
class TextStream {
  private readonly ids: number[] = [];
  private emitted = "";
  constructor(private readonly vocab: GenerateVocab) {}

  add(id: number): string {
    if (this.vocab.decode === undefined) return "";
    this.ids.push(id);
    const text = this.vocab.decode(this.ids);
    if (text.endsWith("\uFFFD") || !text.startsWith(this.emitted)) return "";
    const added = text.slice(this.emitted.length);
    this.emitted = text;
    return added;
  }
}

/** Fails on a bad prompt or option; returns the sampling settings with Meta's defaults filled in. */
function checkOptions(params: ModelArgs, promptTokens: number[][], opts: GenerateOptions): { temperature: number; topP: number } {
  const bsz = promptTokens.length;
  if (bsz === 0) throw new Error("generate: promptTokens is empty; pass one array of token ids per batch row");
  if (bsz > params.max_batch_size) {
    throw new Error(`generate: batch of ${bsz} prompts is larger than max_batch_size ${params.max_batch_size}`);
  }
  promptTokens.forEach((t, i) => {
    if (!Array.isArray(t) || t.length === 0) throw new Error(`generate: prompt ${i} has no tokens (start it with BOS)`);
    if (t.length > params.max_seq_len) {
      throw new Error(`generate: prompt ${i} has ${t.length} tokens, more than max_seq_len ${params.max_seq_len}`);
    }
  });
  if (!Number.isInteger(opts.maxGenLen) || opts.maxGenLen < 0) {
    throw new Error(`generate: maxGenLen must be an integer ≥ 0, got ${opts.maxGenLen}`);
  }
  const temperature = opts.temperature ?? 0.6;
  if (!(temperature >= 0)) throw new Error(`generate: temperature must be ≥ 0, got ${temperature}`);
  const topP = opts.topP ?? 0.9;
  if (!(topP >= 0 && topP <= 1)) throw new Error(`generate: topP must be in [0, 1], got ${topP}`);
  return { temperature, topP };
}

/**
 * Meta's generate as a generator that pauses after every decoding step, so one body serves both the
 * synchronous loop (benchmarks, tests) and the async one that lets a notebook's output flush while it runs.
 */
export function* generateSteps(model: LogitsModel, vocab: GenerateVocab, promptTokens: number[][], opts: GenerateOptions): Generator<void, GenerateResult> {
  const params = model.params;
  const { temperature, topP } = checkOptions(params, promptTokens, opts);
  const { maxGenLen, logprobs = false, echo = false } = opts;
  const recordK = opts.tokenProbs === true ? 5 : opts.tokenProbs ? (opts.tokenProbs.topK ?? 5) : 0;
  const rng = new Mulberry32(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  const V = params.vocab_size;
  const { eosId, padId } = vocab;

  const bsz = promptTokens.length;
  const minPromptLen = Math.min(...promptTokens.map((t) => t.length));
  const maxPromptLen = Math.max(...promptTokens.map((t) => t.length));
  const totalLen = Math.min(params.max_seq_len, maxGenLen + maxPromptLen);

  // tokens (bsz, total_len) filled with pad_id, the prompt written at the front of each row
  const tokens: number[][] = promptTokens.map((t) => {
    const row = new Array<number>(totalLen).fill(padId);
    for (let i = 0; i < t.length; i++) row[i] = t[i];
    return row;
  });
  const inputTextMask = tokens.map((row) => row.map((id) => id !== padId));
  const tokenLogprobs = logprobs ? tokens.map(() => new Array<number>(totalLen).fill(0)) : [];
  const eosReached = new Array<boolean>(bsz).fill(false);
  // streaming and recording follow what the output will keep: nothing after a row's first EOS or max_gen_len
  const streamEnded = new Array<boolean>(bsz).fill(false);
  const tokenProbs: TokenProbStep[][] = promptTokens.map(() => []);
  const cutAt = promptTokens.map((t) => t.length + maxGenLen);
  const streams = promptTokens.map(() => new TextStream(vocab));

  let prevPos = 0;
  if (minPromptLen === totalLen && logprobs) {
    // Meta's branch for "nothing to generate": it scores logits[:, i] against tokens[:, i] (the same
    // position, not the next one). We keep that, so logprobs match Meta's output in this case too.
    const logits = model.forward(tokens, 0);
    for (let b = 0; b < bsz; b++) {
      for (let i = 0; i < totalLen; i++) {
        const target = tokens[b][i];
        tokenLogprobs[b][i] = target === padId ? 0 : logProb(logits.subarray((b * totalLen + i) * V, (b * totalLen + i + 1) * V), target);
      }
    }
  }

  for (let curPos = minPromptLen; curPos < totalLen; curPos++) {
    const chunk = tokens.map((row) => row.slice(prevPos, curPos));
    const T = curPos - prevPos;
    // (bsz, T, vocab) when logprobs score every position, else (bsz, 1, vocab): only the last is sampled
    const logits = model.forward(chunk, prevPos, logprobs ? "all" : "last");
    const L = logprobs ? T : 1;
    for (let b = 0; b < bsz; b++) {
      const last = logits.subarray((b * L + L - 1) * V, (b * L + L) * V);
      // next_token for every row (prompt rows too: the draw is taken, then replaced, as in Meta's code)
      let nextToken: number;
      let shown: Nucleus | undefined;
      if (temperature > 0) {
        const nucleus = topPNucleus(softmax(last, temperature), topP);
        nextToken = drawFromNucleus(nucleus, rng.next());
        shown = nucleus;
      } else {
        nextToken = argmax(last);
        if (recordK > 0) shown = topK(softmax(last), recordK);
      }
      const generated = !inputTextMask[b][curPos];
      if (!generated) nextToken = tokens[b][curPos]; // torch.where(input_text_mask[:, cur_pos], tokens, next)
      tokens[b][curPos] = nextToken;

      if (generated && !streamEnded[b] && curPos < cutAt[b]) {
        if (recordK > 0 && shown !== undefined) {
          const k = Math.min(recordK, shown.ids.length);
          const candidates = Array.from({ length: k }, (_, i) => ({
            id: shown.ids[i], piece: vocab.idToPiece(shown.ids[i]), prob: shown.probs[i],
          }));
          const step: TokenProbStep = { token: nextToken, candidates };
          tokenProbs[b].push(step);
          opts.onTokenProbs?.(b, step);
        }
        if (nextToken === eosId) streamEnded[b] = true;
        else if (opts.onToken) opts.onToken({ row: b, position: curPos, token: nextToken, piece: vocab.idToPiece(nextToken), text: streams[b].add(nextToken) });
      }
      if (logprobs) {
        // token_logprobs[:, prev_pos+1 : cur_pos+1]: logits at chunk position t score the token at prev_pos+1+t
        for (let t = 0; t < T; t++) {
          const target = tokens[b][prevPos + 1 + t];
          tokenLogprobs[b][prevPos + 1 + t] = target === padId ? 0 : logProb(logits.subarray((b * T + t) * V, (b * T + t + 1) * V), target);
        }
      }
      if (generated && nextToken === eosId) eosReached[b] = true;
    }
    prevPos = curPos;
    if (eosReached.every(Boolean)) break;
    yield;
  }

  // per row: cut to max_gen_len (keeping the prompt when echo), then at the first EOS
  const outTokens: number[][] = [];
  const outLogprobs: number[][] = [];
  for (let b = 0; b < bsz; b++) {
    const start = echo ? 0 : promptTokens[b].length;
    let toks = tokens[b].slice(start, cutAt[b]);
    let probs = logprobs ? tokenLogprobs[b].slice(start, cutAt[b]) : [];
    const eosIdx = toks.indexOf(eosId);
    if (eosIdx >= 0) {
      toks = toks.slice(0, eosIdx);
      probs = probs.slice(0, eosIdx);
    }
    outTokens.push(toks);
    outLogprobs.push(probs);
  }
  const result: GenerateResult = { tokens: outTokens };
  if (logprobs) result.logprobs = outLogprobs;
  if (recordK > 0) result.tokenProbs = tokenProbs;
  return result;
}

/** generate, run to the end without giving the event loop a turn. */
export function generateSync(model: LogitsModel, vocab: GenerateVocab, promptTokens: number[][], opts: GenerateOptions): GenerateResult {
  const steps = generateSteps(model, vocab, promptTokens, opts);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * generate, giving the event loop a turn every `yieldMs` (default 30 ms) so streamed tokens and live plots
 * reach the notebook while the loop runs (a synchronous loop would hold every message until it ends).
 */
export async function generateAsync(
  model: LogitsModel, vocab: GenerateVocab, promptTokens: number[][], opts: GenerateOptions, yieldMs = 30,
): Promise<GenerateResult> {
  const steps = generateSteps(model, vocab, promptTokens, opts);
  let last = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - last >= yieldMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}
