// Source of notebooks/05-tokenization.ipynb (percent format; test/notebooks/build.ts builds it).

// %% [markdown]
// # Tokenization: from text to the ids a Llama reads
//
// A question that comes up in the tutorials: *"Can I tokenize with spaCy before feeding text to Llama?"*
//
// No, and the reason is worth seeing. spaCy splits text into linguistic tokens (words, punctuation) for
// parsing and tagging. A language model does not read words: it reads integer ids, each the row of its
// embedding table that it learned during training. Those ids are defined by the exact tokenizer the model
// was trained with, here a SentencePiece BPE model. Any other split of the text, however sensible,
// produces ids the model has never seen in that arrangement, or ids that do not exist at all.
//
// This notebook opens the 512-piece SentencePiece model that goes with stories260K and looks at what it
// does: pieces, byte fallback, ids ↔ text, and what the model learned about its pieces.

// %%
import { Tokenizer, loadCheckpoint, plot, tf } from "tensorbook";

await tf.ready();
const sp = Tokenizer.load("assets/stories260K/tok512.model");
console.log(`vocab_size ${sp.vocabSize}: unk ${sp.unkId}, bos ${sp.bosId}, eos ${sp.eosId}, pad ${sp.padId}`);
console.log("the first pieces:", Array.from({ length: 12 }, (_, id) => sp.idToPiece(id)).join(" "));

// %% [markdown]
// ## Pieces
//
// SentencePiece treats the text as a stream of characters, spaces included: a space becomes `▁` and is
// glued to the start of the next piece, so `"▁time"` (with its space) and `"time"` are different pieces.
// A dummy `▁` is put in front of the text, so the first word looks like any other. BPE then merges
// characters into the longest pieces its vocabulary has, by the learned merge scores.

// %%
const text = "Once upon a time, Lily saw a big dog.";
const ids = sp.encode(text);
console.log(ids);
console.log(ids.map((id) => sp.idToPiece(id)).join(" | "));

// %% [markdown]
// Common words are one piece each; rarer ones are built from parts. A spaCy tokenization of the same
// sentence would be `Once | upon | a | time | , | Lily | saw | …`: different boundaries, no `▁`, and
// nothing to say which embedding row each word is.
//
// ## Byte fallback
//
// With only 512 pieces, most characters of the world are not in the vocabulary. Instead of mapping them
// to `<unk>` (and losing them), Llama's tokenizer falls back to their UTF-8 bytes: ids 3 to 258 are the
// pieces `<0x00>` … `<0xFF>`. Every string can be encoded and decoded back exactly:

// %%
for (const s of ["naïve café", "🦙 llama", "日本"]) {
  const encoded = sp.encode(s);
  const back = sp.decode(encoded);
  console.log(`${JSON.stringify(s).padEnd(14)} → ${encoded.map((id) => sp.idToPiece(id)).join(" ")}`);
  console.log(`${"".padEnd(14)}   decoded back equal: ${back === s}`);
}

// %% [markdown]
// The llama emoji is 4 bytes in UTF-8, so it costs 4 tokens; a model with a small vocabulary spends
// much of its context on such text.
//
// ## ids ↔ text, and the special ids
//
// Meta's `Tokenizer.encode(s, bos, eos)` adds `<s>` (id 1) in front when asked, and `</s>` (id 2) at the
// end; `generate` stops when the model produces `eos_id`. Decoding drops the dummy-prefix space:

// %%
const withBos = sp.encode("The cat sat.", { bos: true, eos: true });
console.log(withBos, "→", withBos.map((id) => sp.idToPiece(id)));
console.log(JSON.stringify(sp.decode(withBos.slice(1, -1))));
const friend = sp.pieceToId("▁friend");
console.log(`piece "▁friend" is id ${friend}; id ${friend} decodes to ${JSON.stringify(sp.decode([friend]))}`);

// %% [markdown]
// The llama2.c export of the same vocabulary (`tok512.bin`, scores and pieces without the protobuf)
// gives the same ids:

// %%
const llama2cTokenizer = Tokenizer.load("assets/stories260K/tok512.bin");
const sentences = [text, "One day, a little girl named Lily found a needle in her room.", "naïve 🦙"];
console.log(sentences.map((s) => JSON.stringify(llama2cTokenizer.encode(s)) === JSON.stringify(sp.encode(s))));

// %% [markdown]
// ## What the model learned about its pieces: nearest neighbours
//
// Each id selects a row of `tok_embeddings.weight`, a vector of 64 numbers. Training moves pieces that
// are used alike close together. Cosine similarity between rows shows which pieces the model treats as
// related. (Only 40-odd whole words made it into 512 pieces; single characters that the training text
// never used keep their untrained, nearly identical rows, so we leave pieces shorter than 2 out.)

// %%
const E = loadCheckpoint("assets/stories260K/stories260K.bin").get("tok_embeddings.weight"); // (512, 64)
const unit = tf.tidy(() => E.div(E.norm("euclidean", 1, true))); // each row scaled to length 1
const similarity = tf.tidy(() => unit.matMul(unit.transpose())); // (512, 512) cosine similarities
const S = similarity.arraySync() as number[][];

function neighbours(piece: string, k = 5): string {
  const id = sp.pieceToId(piece);
  const best = S[id].map((s, j) => [s, j] as const).filter(([, j]) => j !== id && j > 258 && sp.idToPiece(j).length >= 2).sort((a, b) => b[0] - a[0]).slice(0, k);
  return best.map(([s, j]) => `${sp.idToPiece(j)} ${s.toFixed(2)}`).join(", ");
}
for (const piece of ["▁Lily", "▁big", "▁happy", "▁said", "▁mom", "▁day"]) console.log(`${piece.padEnd(8)} → ${neighbours(piece)}`);

// %% [markdown]
// Even a 260K-parameter model trained on children's stories puts "big" next to "little", "day" next to
// "time" and names next to names: words that fill the same slots in a sentence get similar rows. The
// similarities among the vocabulary's whole words, as a heatmap:

// %%
const words = ["▁Lily", "▁Tim", "▁Timmy", "▁mom", "▁friend", "▁big", "▁little", "▁happy", "▁very", "▁said", "▁saw", "▁play"];
const wordIds = words.map((w) => sp.pieceToId(w));
plot.heatmap(wordIds.map((i) => wordIds.map((j) => S[i][j])), { x: words, y: words, title: "cosine similarity of token embeddings", zmin: -1, zmax: 1, colorscale: "RdBu", layout: { yaxis: { autorange: "reversed" } } })
