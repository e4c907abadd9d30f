// safetensors: hostile and broken headers fail with the file, the part and the byte offset; a file past
// 2 GiB (sparse, so the test is cheap) is read by offset.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "../../helpers/tools";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";
import { CheckpointError } from "../../../src/ml/checkpoint/source";

const real = fs.readFileSync(fixture("checkpoint", "llama-hf", "model.safetensors"));
const headerLength = Number(real.readBigUInt64LE(0));
const realHeader = JSON.parse(real.subarray(8, 8 + headerLength).toString("utf8")) as { [k: string]: { dtype: string; shape: number[]; data_offsets: number[] } };

/** A safetensors file with `header` (JSON text) and `data`. */
function file(dir: string, name: string, header: string, data: Uint8Array): string {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  const p = path.join(dir, name);
  fs.writeFileSync(p, Buffer.concat([len, Buffer.from(header), data]));
  return p;
}

test("broken safetensors headers are refused with where and why", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-st-"));
  const data = real.subarray(8 + headerLength);
  const edit = (f: (h: typeof realHeader) => void): string => {
    const h = structuredClone(realHeader);
    f(h);
    return JSON.stringify(h);
  };
  const cases: [string, string, Uint8Array, RegExp][] = [
    ["json.safetensors", '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}', new Uint8Array(8), /json\.safetensors: safetensors JSON header at byte \d+: invalid JSON/],
    ["past.safetensors", edit((h) => (h["model.norm.weight"].data_offsets = [data.length - 100, data.length + 156])), data, /past\.safetensors: safetensors tensor "model\.norm\.weight" at byte \d+: data_offsets end \d+ is past the end of the data \(\d+ bytes\): truncated file\?/],
    ["size.safetensors", edit((h) => (h["model.norm.weight"].shape = [65])), data, /size\.safetensors: safetensors tensor "model\.norm\.weight" at byte \d+: data_offsets \[\d+, \d+\] hold 256 bytes, shape \[65\] F32 needs 260/],
    ["overlap.safetensors", edit((h) => (h["model.norm.weight"].data_offsets = [0, 256])), data, /overlap\.safetensors: safetensors tensor "[^"]+" at byte \d+: overlaps tensor "[^"]+"/],
    ["dtype.safetensors", edit((h) => (h["model.norm.weight"].dtype = "F8_E4M3")), data, /dtype\.safetensors: safetensors tensor "model\.norm\.weight" at byte 8: dtype "F8_E4M3" is not supported/],
    ["shape.safetensors", edit((h) => (h["model.norm.weight"].shape = [-1] as number[])), data, /shape \[-1\] is not a list of sizes/],
  ];
  for (const [name, header, bytes, error] of cases) {
    assert.throws(() => loadCheckpoint(file(tmp, name, header, bytes)), (e: unknown) => e instanceof CheckpointError && error.test(e.message), name);
  }
  // a header length larger than the file
  const p = path.join(tmp, "length.safetensors");
  fs.writeFileSync(p, Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]), Buffer.from("{}")]));
  assert.throws(() => loadCheckpoint(p), /length\.safetensors: file header at byte 0: not a checkpoint this reader knows/);
  // the real file cut short: the last tensor runs past the end
  assert.throws(() => loadCheckpoint(file(tmp, "cut.safetensors", real.subarray(8, 8 + headerLength).toString(), data.subarray(0, data.length - 1))), /cut\.safetensors: safetensors tensor "[^"]+" at byte \d+: data_offsets end \d+ is past the end of the data/);
  fs.rmSync(tmp, { recursive: true });
});

test("a header length whose first bytes look like pickle's PROTO 2 (0x80 0x02) is still safetensors", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-st-"));
  const header = JSON.stringify({ x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }).padEnd(0x0280, " ");
  const c = loadCheckpoint(file(tmp, "proto.safetensors", header, Buffer.from(new Float32Array([0.5, -1]).buffer)));
  assert.equal(c.format, "safetensors");
  assert.deepEqual(c.getFloat32("x").data, new Float32Array([0.5, -1]));
  c.close();
  fs.rmSync(tmp, { recursive: true });
});

test("a 2.2 GB safetensors file (sparse) is listed and read by offset", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-st-big-"));
  const far = 2_200_000_000; // past 2^31
  const header = JSON.stringify({
    head: { dtype: "F32", shape: [4], data_offsets: [0, 16] },
    gap: { dtype: "U8", shape: [far - 16], data_offsets: [16, far] },
    tail: { dtype: "BF16", shape: [2, 2], data_offsets: [far, far + 8] },
  });
  const p = file(tmp, "big.safetensors", header, Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
  const fd = fs.openSync(p, "r+");
  const bf16 = Buffer.from(new Uint16Array([0x3f80, 0xc000, 0x4049, 0x0000]).buffer); // 1, -2, 3.140625, 0
  fs.writeSync(fd, bf16, 0, 8, 8 + Buffer.byteLength(header) + far);
  fs.closeSync(fd);
  assert.ok(fs.statSync(p).size > 2 ** 31);
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const c = loadCheckpoint(p);
  assert.deepEqual(c.info("gap"), { shape: [far - 16], dtype: "uint8", bytes: far - 16 });
  assert.deepEqual(c.getFloat32("tail"), { data: new Float32Array([1, -2, 3.140625, 0]), shape: [2, 2] });
  assert.deepEqual(c.getFloat32("head").data, new Float32Array([1, 2, 3, 4]));
  // only the header and the two small tensors were read: the process never held the 2.2 GB
  assert.ok(process.resourceUsage().maxRSS * 1024 - peakBefore < 200e6, "peak memory grew by less than 200 MB");
  c.close();
  fs.rmSync(tmp, { recursive: true });
});
