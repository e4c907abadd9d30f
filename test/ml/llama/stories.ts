// stories260K (Karpathy's tinyllamas) in every format the checkpoint room reads, with the references:
// stories260K_reference.json (a PyTorch float32 forward with Meta's semantics, shared/data) and
// generate_reference.json (make_generate_reference.py: our transcription of Meta's model.py/generate).
import * as fs from "node:fs";
import { Llama } from "../../../src/ml/llama/model";
import { fixture } from "../../helpers/tools";

export interface PromptReference {
  prompt: string;
  prompt_token_ids: number[];
  prompt_token_logprobs: (number | null)[];
  last_position_logits: number[];
  greedy_continuation_token_ids: number[];
  greedy_continuation_logprobs: number[];
  greedy_continuation_text: string;
  greedy_full_text: string;
  "nucleus_T1.0_p0.9": { token_ids: number[]; renormalized_probs: number[] };
}
export interface StoriesReference {
  prompts: PromptReference[];
  greedy_from_bos: { token_ids: number[]; first_64_text: string };
}
export interface GenerateCase {
  name: string;
  prompt_tokens: number[][];
  max_gen_len: number;
  eos_id: number;
  pad_id: number;
  echo: boolean;
  logprobs: boolean;
  max_seq_len: number;
  tokens: number[][];
  token_logprobs: number[][] | null;
}
export interface Bf16Prompt {
  prompt_token_ids: number[];
  last_position_logits: number[];
  greedy_continuation_token_ids: number[];
  greedy_continuation_logprobs: number[];
}
export interface GenerateReference {
  cases: GenerateCase[];
  forward: { tokens: number[][]; prefill: number; chunk_logits: number[] };
  bf16: { prompts: Bf16Prompt[] };
  /** The float32 checkpoint's matrices rounded to float16, through PyTorch's float32 forward. */
  float16: { prompts: Bf16Prompt[] };
}

const json = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;
export const storiesReference = json<StoriesReference>(fixture("checkpoint", "reference", "stories260K_reference.json"));
export const generateReference = json<GenerateReference>(fixture("llama", "generate_reference.json"));

export const TOKENIZER = fixture("checkpoint", "tokenizer", "tok512.model");
/** The same model in each format (the checkpoint room's copies of shared/data). */
export const FORMATS = {
  "llama2c .bin": fixture("checkpoint", "llama2c", "stories260K.bin"),
  "Meta .pth": fixture("checkpoint", "llama-meta"),
  "Meta MP=2": fixture("checkpoint", "llama-meta-mp2"),
  "Hugging Face": fixture("checkpoint", "llama-hf"),
} as const;
export const BF16 = fixture("checkpoint", "llama-meta-bf16");

export function loadStories(file: string = FORMATS["llama2c .bin"], opts: { maxSeqLen?: number; maxBatchSize?: number } = {}): Llama {
  return Llama.load(file, { tokenizer: TOKENIZER, maxSeqLen: opts.maxSeqLen ?? 512, ...opts });
}
