// What generate() does with one row of last-position logits: softmax at a temperature, Meta's
// sample_top_p, argmax, log-probabilities, and the top-k candidates a plot shows.
//
// Randomness comes from our own seeded generator, so a seed gives the same tokens on every machine:
// mulberry32 (Tommy Ettinger's 32-bit generator, public domain), uniform in [0, 1) as next / 2^32.
// torch.multinomial's stream is not reproducible outside PyTorch, so we document ours instead:
// one uniform draw u per row and step, and the token is the first (in sorted order) whose cumulative
// renormalised probability exceeds u — inverse-CDF sampling of the nucleus distribution.

/** A seeded uniform generator in [0, 1): mulberry32. */
export class Mulberry32 {
  private state: number;
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`generate: seed must be a finite number, got ${seed}`);
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** torch.softmax(logits / temperature): a (vocab) distribution in float64. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const n = logits.length;
  const probs = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += probs[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < n; i++) probs[i] /= sum;
  return probs;
}

/** torch.argmax: the first index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** log_softmax(logits)[target] = −F.cross_entropy(logits, target): the log-probability of one token. */
export function logProb(logits: ArrayLike<number>, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[target] - max - Math.log(sum);
}

/** The nucleus: ids sorted by probability (descending) and their renormalised probabilities. */
export interface Nucleus {
  ids: Int32Array;
  probs: Float64Array;
}

/**
 * Meta's sample_top_p up to the draw:
 *   probs_sort, probs_idx = sort(probs, descending)
 *   mask = cumsum(probs_sort) - probs_sort > p      (drop a token when the mass *before* it exceeds p)
 *   probs_sort[mask] = 0; probs_sort /= probs_sort.sum()
 * The most likely token is always kept (the mass before it is 0).
 */
export function topPNucleus(probs: ArrayLike<number>, p: number): Nucleus {
  // Sorting only the tokens of probability ≥ 1e-6 gives the same nucleus whenever their mass exceeds p:
  // every other token then has more than p before it and is masked (a 32000-token vocabulary would
  // otherwise be sorted whole at every step). Otherwise (p near 1) the whole vocabulary is sorted.
  let order: number[] = [];
  let mass = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] >= 1e-6) {
      order.push(i);
      mass += probs[i];
    }
  }
  if (!(mass > p)) order = Array.from({ length: probs.length }, (_, i) => i);
  // ties keep index order, so the result does not depend on the sort implementation
  order.sort((a, b) => probs[b] - probs[a] || a - b);
  let kept = 0;
  let before = 0;
  while (kept < order.length && !(before > p)) before += probs[order[kept++]];
  const ids = Int32Array.from(order.slice(0, kept));
  const out = new Float64Array(kept);
  let sum = 0;
  for (let i = 0; i < kept; i++) sum += out[i] = probs[ids[i]];
  for (let i = 0; i < kept; i++) out[i] /= sum;
  return { ids, probs: out };
}

/** The k most likely ids of a distribution (ties by index), in one pass with a k-long sorted buffer. */
export function topK(probs: ArrayLike<number>, k: number): Nucleus {
  const ids: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    if (ids.length === k && !(probs[i] > probs[ids[k - 1]])) continue; // on a tie the earlier id stays
    let at = ids.length;
    while (at > 0 && probs[ids[at - 1]] < probs[i]) at--;
    ids.splice(at, 0, i);
    if (ids.length > k) ids.pop();
  }
  return { ids: Int32Array.from(ids), probs: Float64Array.from(ids, (id) => probs[id]) };
}

/** torch.multinomial(probs_sort, 1) by inverse CDF with one uniform draw (see the file's head). */
export function drawFromNucleus(nucleus: Nucleus, u: number): number {
  let cumulative = 0;
  for (let i = 0; i < nucleus.ids.length; i++) {
    cumulative += nucleus.probs[i];
    if (u < cumulative) return nucleus.ids[i];
  }
  return nucleus.ids[nucleus.ids.length - 1]; // u within rounding of 1
}

/** sample_top_p(probs, p): the nucleus, then one draw from rng. */
export function sampleTopP(probs: ArrayLike<number>, p: number, rng: Mulberry32): number {
  return drawFromNucleus(topPNucleus(probs, p), rng.next());
}
