// torch.save files made by Debian's python3-torch 1.13 (test/fixtures/checkpoint/torch/make_torch_fixtures.py):
// every tensor's dtype, shape and values equal what torch printed, in the zip, legacy and deflated forms.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "../../helpers/tools";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";
import { RefusedGlobalError } from "../../../src/ml/checkpoint/pickle";
import { CheckpointError } from "../../../src/ml/checkpoint/source";

const dir = (...p: string[]): string => fixture("checkpoint", "torch", ...p);

interface Expected {
  tensors: { [key: string]: { dtype: string; shape: number[]; values: (number | string)[] } };
  keys: string[];
  metadata: unknown;
}
const expected = JSON.parse(fs.readFileSync(dir("expected.json"), "utf8")) as { [name: string]: Expected };

function assertMatches(file: string, e: Expected, format: string): void {
  const ck = loadCheckpoint(dir(file));
  assert.equal(ck.format, format);
  assert.deepEqual(ck.keys(), e.keys, `${file}: keys in pickle order`);
  for (const key of e.keys) {
    const want = e.tensors[key];
    const info = ck.info(key);
    assert.equal(info.dtype, want.dtype, `${file} ${key} dtype`);
    assert.deepEqual(info.shape, want.shape, `${file} ${key} shape`);
    const { data } = ck.read(key);
    if (want.dtype === "int64") {
      assert.deepEqual(Array.from(data as BigInt64Array, String), want.values, `${file} ${key}`);
    } else if (want.dtype === "float64") {
      assert.deepEqual(Array.from(data as Float64Array), want.values, `${file} ${key}`);
    } else {
      // float16/bfloat16 are exact in float32; integers and bools are exact too
      assert.deepEqual(Array.from(ck.getFloat32(key).data), (want.values as number[]).map(Math.fround), `${file} ${key}`);
    }
  }
  assert.deepEqual(ck.metadata, e.metadata, `${file}: metadata`);
  ck.close();
}

for (const [suffix, format] of [["", "pytorch"], ["_legacy", "pytorch-legacy"]] as const) {
  test(`views of one storage: transpose, slice with offset, step, expand, alias, Parameter (${format})`, () => {
    assertMatches(`views${suffix}.pt`, expected.views, format);
  });
  test(`every dtype, a 0-d and an empty tensor (${format})`, () => {
    assertMatches(`dtypes${suffix}.pt`, expected.dtypes, format);
  });
  test(`a training checkpoint: nested tensors get dotted names, the rest is plain metadata (${format})`, () => {
    assertMatches(`training${suffix}.pt`, expected.training, format);
  });
}

test("a zip re-compressed with DEFLATE reads the same", () => {
  assertMatches("views_deflated.pt", expected.views, "pytorch");
});

test("a ZIP64 central directory (64-bit sizes and offsets, ZIP64 end record) reads the same", () => {
  assertMatches("views_zip64.pt", expected.views, "pytorch");
});

test("info() tells sizes without reading; get() gives tfjs tensors with tfjs dtypes", () => {
  const ck = loadCheckpoint(dir("dtypes.pt"));
  assert.deepEqual(ck.info("bfloat16"), { shape: [6], dtype: "bfloat16", bytes: 12 });
  assert.deepEqual(ck.info("scalar"), { shape: [], dtype: "float32", bytes: 4 });
  const half = ck.get("float16");
  assert.equal(half.dtype, "float32");
  assert.deepEqual(Array.from(half.dataSync()), [0, 1.5, -2.25, 100, -0.125, 3]);
  const b = ck.get("bool");
  assert.equal(b.dtype, "bool");
  assert.deepEqual(Array.from(b.dataSync()), [1, 0, 1]);
  const i8 = ck.get("int8");
  assert.equal(i8.dtype, "int32");
  assert.throws(() => ck.get("int64"), /int64 value 1099511627776 at index 2 does not fit in int32/);
  const s = ck.get("scalar");
  assert.equal(s.rank, 0);
  assert.equal(s.dataSync()[0], 2.75);
  for (const t of [half, b, i8, s]) t.dispose();
  assert.throws(() => ck.info("float"), /no tensor named "float" among its 13 tensors; similar names: float32, float64, float16/);
});

test("a checkpoint with a hostile object is refused, names the global, and runs nothing", () => {
  const marker = "/tmp/tensorbook_torch_pwned";
  fs.rmSync(marker, { force: true });
  assert.throws(() => loadCheckpoint(dir("hostile.pt")), (e: unknown) =>
    e instanceof RefusedGlobalError && e.module === "posix" && e.globalName === "system" && /hostile\.pt \(hostile\/data\.pkl\): pickle at byte \d+: refused global posix\.system/.test(e.message));
  assert.equal(fs.existsSync(marker), false);
});

test("truncated and corrupt torch files fail with the file, the part and the byte offset", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-torch-"));
  const write = (name: string, bytes: Uint8Array): string => {
    fs.writeFileSync(path.join(tmp, name), bytes);
    return path.join(tmp, name);
  };
  const zip = fs.readFileSync(dir("views.pt"));
  // the end of central directory is gone
  assert.throws(() => loadCheckpoint(write("cut.pt", zip.subarray(0, zip.length - 30))), (e: unknown) =>
    e instanceof CheckpointError && /cut\.pt: zip end of central directory at byte \d+: not found/.test(e.message));
  // the central directory points past the end
  const bad = Buffer.from(zip);
  const eocd = bad.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  bad.writeUInt32LE(zip.length + 1000, eocd + 16);
  assert.throws(() => loadCheckpoint(write("cd.pt", bad)), /cd\.pt: zip central directory at byte \d+: \d+ bytes run past the end of the file/);
  // a storage entry's local header is damaged
  const local = Buffer.from(zip);
  const second = local.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), 4);
  local[second] = 0;
  const damaged = loadCheckpoint(write("local.pt", local)); // local headers are read with their tensor
  assert.throws(() => damaged.keys().forEach((k) => damaged.read(k)), /local\.pt: zip local header of views\/data\/\d+ at byte \d+: bad signature/);
  // legacy: the file ends inside a storage
  const legacy = fs.readFileSync(dir("training_legacy.pt"));
  assert.throws(() => loadCheckpoint(write("legacy.pt", legacy.subarray(0, legacy.length - 10))), (e: unknown) =>
    e instanceof CheckpointError && /legacy\.pt: legacy storage \d+( header)? at byte \d+: needs \d+ bytes but the file ends at byte \d+/.test(e.message));
  // legacy: the file ends inside the object pickle
  assert.throws(() => loadCheckpoint(write("legacy2.pt", legacy.subarray(0, 400))), /legacy2\.pt: legacy object pickle at byte \d+: the file ends inside the pickle/);
  // a plain pickle is not a checkpoint
  assert.throws(() => loadCheckpoint(fixture("checkpoint", "pickle", "numpy_p2.pkl")), /legacy magic number at byte 0: a pickle of dict of \d+ items, not torch.save's magic number/);
  // the tar format of PyTorch < 0.4 is named, not misread
  const tar = Buffer.alloc(1024);
  tar.write("storages", 0);
  tar.write("ustar\0", 257);
  assert.throws(() => loadCheckpoint(write("old.tar", tar)), /old\.tar: tar header at byte 257: a tar archive: torch\.save's tar format of PyTorch < 0\.4 is not supported/);
  fs.rmSync(tmp, { recursive: true });
});
