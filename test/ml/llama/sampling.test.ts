// Sampling against the PyTorch reference (softmax, top-5, Meta's sample_top_p nucleus on stories260K's
// last-position logits) and the seeded draw: reproducible, and distributed as the nucleus says.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { Mulberry32, argmax, drawFromNucleus, logProb, sampleTopP, softmax, topK, topPNucleus } from "../../../src/ml/llama/sampling";
import { fixture } from "../../helpers/tools";

interface Nucleus { temperature: number; top_p: number; token_ids: number[]; renormalized_probs: number[] }
interface PromptRef {
  prompt: string;
  last_position_logits: number[];
  top5_at_temperature_1: { token_ids: number[]; probs: number[] };
  "nucleus_T1.0_p0.9": Nucleus;
  "nucleus_T0.6_p0.9": Nucleus;
}
const reference = JSON.parse(fs.readFileSync(fixture("checkpoint", "reference", "stories260K_reference.json"), "utf8")) as { prompts: PromptRef[] };

test("softmax at temperature 1: the reference's top-5 ids and probabilities", () => {
  for (const p of reference.prompts) {
    const probs = softmax(p.last_position_logits);
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, 5);
    assert.deepEqual(order, p.top5_at_temperature_1.token_ids, p.prompt);
    order.forEach((id, i) => assert.ok(Math.abs(probs[id] - p.top5_at_temperature_1.probs[i]) < 1e-6, `${p.prompt} #${i}`));
    assert.equal(argmax(p.last_position_logits), p.top5_at_temperature_1.token_ids[0]);
  }
});

test("sample_top_p's nucleus (kept ids, renormalised probs) at T 1.0 and 0.6, p 0.9", () => {
  for (const p of reference.prompts) {
    for (const ref of [p["nucleus_T1.0_p0.9"], p["nucleus_T0.6_p0.9"]]) {
      const nucleus = topPNucleus(softmax(p.last_position_logits, ref.temperature), ref.top_p);
      assert.deepEqual(Array.from(nucleus.ids), ref.token_ids, `${p.prompt} T=${ref.temperature}`);
      nucleus.probs.forEach((q, i) => assert.ok(Math.abs(q - ref.renormalized_probs[i]) < 1e-6));
    }
  }
  // "Lily had a red ball" keeps 9 tokens at T=1: the test covers a real cut, not only a single survivor
  assert.equal(reference.prompts[1]["nucleus_T1.0_p0.9"].token_ids.length, 9);
});

test("the boundary of Meta's mask: a token is kept while the mass before it is ≤ p", () => {
  // (powers of two, so the sums are exact) mask = cumsum − probs > p: id 1 has 0.5 before it, not > 0.5
  const probs = [0.5, 0.25, 0.125, 0.125];
  assert.deepEqual(Array.from(topPNucleus(probs, 0.5).ids), [0, 1]);
  assert.deepEqual(Array.from(topPNucleus(probs, 0.49).ids), [0]);
  assert.deepEqual(Array.from(topPNucleus(probs, 0).ids), [0]); // the top token always stays
  assert.deepEqual(Array.from(topPNucleus(probs, 1).ids), [0, 1, 2, 3]);
});

test("seeded draws are reproducible and follow the nucleus distribution", () => {
  const logits = reference.prompts[1].last_position_logits;
  const nucleus = topPNucleus(softmax(logits, 1), 0.9);
  const draw = (seed: number, n: number): number[] => {
    const rng = new Mulberry32(seed);
    return Array.from({ length: n }, () => drawFromNucleus(nucleus, rng.next()));
  };
  assert.deepEqual(draw(42, 50), draw(42, 50));
  assert.notDeepEqual(draw(42, 50), draw(43, 50));
  const n = 20000;
  const counts = new Map<number, number>();
  for (const id of draw(7, n)) counts.set(id, (counts.get(id) ?? 0) + 1);
  nucleus.ids.forEach((id, i) => {
    const expected = nucleus.probs[i] * n;
    const sd = Math.sqrt(expected * (1 - nucleus.probs[i]));
    assert.ok(Math.abs((counts.get(id) ?? 0) - expected) < 5 * sd, `id ${id}: ${counts.get(id)} vs ${expected.toFixed(0)}`);
  });
  assert.equal([...counts.keys()].every((id) => nucleus.ids.includes(id)), true, "only nucleus tokens are drawn");
  const rng = new Mulberry32(1);
  assert.ok(nucleus.ids.includes(sampleTopP(softmax(logits, 1), 0.9, rng)));
});

test("logProb is −cross_entropy: log_softmax at the target", () => {
  const logits = [2, 1, 0.5, -1];
  const z = Math.log(logits.reduce((s, x) => s + Math.exp(x), 0));
  logits.forEach((x, i) => assert.ok(Math.abs(logProb(logits, i) - (x - z)) < 1e-12));
});

test("topK equals a full sort (ties by index), and the nucleus of a 32000-token vocabulary is exact", () => {
  const rng = new Mulberry32(9);
  const probs = Float64Array.from({ length: 2000 }, () => Math.floor(rng.next() * 50) / 50); // many ties
  const sorted = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  assert.deepEqual(Array.from(topK(probs, 7).ids), sorted.slice(0, 7));
  // a long tail under 1e-6: the fast path sorts only the head, and must keep exactly Meta's nucleus
  const logits = Float64Array.from({ length: 32000 }, (_, i) => (i < 40 ? 10 - i * 0.1 : -20 + rng.next()));
  const big = softmax(logits, 1);
  const all = Array.from(big.keys()).sort((a, b) => big[b] - big[a] || a - b);
  for (const p of [0.5, 0.9, 0.999999, 1]) { // 1: the head holds less than p, so the whole vocabulary is sorted
    let kept = 0, before = 0;
    while (kept < all.length && !(before > p)) before += big[all[kept++]];
    assert.deepEqual(Array.from(topPNucleus(big, p).ids), all.slice(0, kept), `p ${p}`);
  }
});
