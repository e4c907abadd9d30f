// Corrupt files, at random: every real fixture with bytes overwritten or cut short (a seeded generator,
// so a failure reproduces) must either still load or fail with an error naming the file — never hang,
// crash, or throw something anonymous from deep inside (a RangeError of a typed array, a JSON SyntaxError).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "../../helpers/tools";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";
import { loadPickle } from "../../../src/ml/checkpoint/numpy";
import { Tokenizer } from "../../../src/ml/tokenizer/tokenizer";

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

const FILES = [
  ["torch", "views.pt"],
  ["torch", "training_legacy.pt"],
  ["torch", "views_zip64.pt"],
  ["torch", "views_deflated.pt"],
  ["llama-hf", "model.safetensors"],
  ["llama2c", "stories260K.bin"],
];

for (const parts of FILES) {
  test(`corrupted ${parts.join("/")}: loads or fails naming the file`, () => {
    const original = fs.readFileSync(fixture("checkpoint", ...parts));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-fuzz-"));
    const file = path.join(tmp, `fuzz-${parts[1]}`);
    const rand = generator(parts[1].length * 7919);
    for (let trial = 0; trial < 60; trial++) {
      const bytes = Buffer.from(original);
      // overwrite a few bytes, mostly near the structures (start and end), sometimes anywhere; or truncate
      const kind = trial % 3;
      if (kind === 2) {
        fs.writeFileSync(file, bytes.subarray(0, Math.floor(rand() * bytes.length)));
      } else {
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
          const region = kind === 0 ? Math.min(bytes.length, 5000) : bytes.length;
          const at = kind === 0 && rand() < 0.5 ? bytes.length - 1 - Math.floor(rand() * region) : Math.floor(rand() * region);
          bytes[at] = Math.floor(rand() * 256);
        }
        fs.writeFileSync(file, bytes);
      }
      try {
        const c = loadCheckpoint(file);
        for (const k of c.keys()) c.read(k);
        c.close();
      } catch (e) {
        assert.ok(e instanceof Error, `trial ${trial}: ${String(e)}`);
        assert.ok(e.message.includes(file), `trial ${trial}: the error names the file: ${e.name}: ${e.message}`);
      }
    }
    fs.rmSync(tmp, { recursive: true });
  });
}

test("corrupted tokenizer files load or fail naming the file", () => {
  for (const name of ["tok512.model", "tok512.bin"]) {
    const original = fs.readFileSync(fixture("checkpoint", "tokenizer", name));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-fuzz-tok-"));
    const file = path.join(tmp, name);
    const rand = generator(name.length);
    for (let trial = 0; trial < 60; trial++) {
      const bytes = Buffer.from(original);
      if (trial % 2) fs.writeFileSync(file, bytes.subarray(0, Math.floor(rand() * bytes.length)));
      else {
        for (let k = 0; k < 3; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        fs.writeFileSync(file, bytes);
      }
      try {
        const t = Tokenizer.load(file);
        t.decode(t.encode("Once upon a time"));
      } catch (e) {
        assert.ok(e instanceof Error && e.message.includes(file), `trial ${trial}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    fs.rmSync(tmp, { recursive: true });
  }
});

test("corrupted numpy pickles load or fail naming the file", () => {
  for (const name of ["numpy_p2.pkl", "numpy_p5.pkl", "numpy_py2style.pkl.gz"]) {
    const original = fs.readFileSync(fixture("checkpoint", "pickle", name));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-fuzz-pkl-"));
    const file = path.join(tmp, name);
    const rand = generator(name.length * 31);
    for (let trial = 0; trial < 60; trial++) {
      const bytes = Buffer.from(original);
      if (trial % 2) fs.writeFileSync(file, bytes.subarray(0, Math.floor(rand() * bytes.length)));
      else {
        for (let k = 0; k < 3; k++) bytes[Math.floor(rand() * Math.min(bytes.length, 2000))] = Math.floor(rand() * 256);
        fs.writeFileSync(file, bytes);
      }
      try {
        loadPickle(file);
      } catch (e) {
        assert.ok(e instanceof Error && e.message.includes(file), `trial ${trial}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    fs.rmSync(tmp, { recursive: true });
  }
});
