// loadCheckpoint(path): which format a file or folder holds, told by its contents (magic bytes, the
// files a folder has), never by its name alone; then the reader for that format.
//   file:   "PK\3\4" → PyTorch zip (.pth/.pt/.bin) · pickle PROTO → PyTorch legacy · u64 length + "{" →
//           safetensors · "ak42" or a size matching its 7-int header → llama2.c
//   folder: params.json + consolidated.*.pth → Meta · config.json + weights → Hugging Face ·
//           a single llama2.c .bin → llama2.c
import * as fs from "node:fs";
import * as path from "node:path";
import { Checkpoint, CheckpointParts } from "./checkpoint";
import { isHfFolder, readHfFolder } from "./hf";
import { isMetaFolder, readMetaFolder } from "./meta";
import { hasLlama2cHeader, isLlama2c, readLlama2c } from "./llama2c";
import { isSafetensors, readSafetensors } from "./safetensors";
import { CheckpointError, FileSource, namingFile } from "./source";
import { readTorchLegacy, readTorchZip } from "./torch";
import { isZip } from "./zip";

/** Opens a checkpoint file or folder; tensors are read later, on `get`/`getFloat32`/`read`. */
export function loadCheckpoint(file: string): Checkpoint {
  if (!fs.existsSync(file)) throw new Error(`loadCheckpoint: ${file} does not exist`);
  if (fs.statSync(file).isDirectory()) return new Checkpoint(readFolder(file));
  return new Checkpoint(readFile(file));
}

/** One file, any format (also each shard of a Meta or Hugging Face folder); errors name the file. */
export function readFile(file: string): CheckpointParts {
  const source = new FileSource(file);
  try {
    const head = source.read(0, Math.min(source.size, 16), "file header");
    if (isZip(head)) return readTorchZip(source);
    if (source.size > 262 && Buffer.from(source.read(257, 5, "tar header")).toString("latin1") === "ustar") {
      throw new CheckpointError(file, "tar header", 257, "a tar archive: torch.save's tar format of PyTorch < 0.4 is not supported; load and re-save it with a newer torch");
    }
    // safetensors before pickle: a header length such as 0x0280 also starts with pickle's PROTO 2 bytes
    if (isSafetensors(source, head)) return readSafetensors(source);
    if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return readTorchLegacy(source); // pickle PROTO
    if (isLlama2c(source)) return readLlama2c(source);
    if (hasLlama2cHeader(source)) return readLlama2c(source); // throws: says what size the header implies
    throw new CheckpointError(file, "file header", 0,
      `not a checkpoint this reader knows (looked for a zip "PK\\3\\4" of torch.save, a pickle of legacy torch.save, a safetensors header, a llama2.c header); it starts with ${hex(head)}`);
  } catch (e) {
    source.close();
    throw namingFile(e, file, "contents");
  }
}

function readFolder(dir: string): CheckpointParts {
  const files = fs.readdirSync(dir).sort();
  if (isMetaFolder(files)) return readMetaFolder(dir, files, readFile);
  if (isHfFolder(files)) return readHfFolder(dir, files, readFile);
  const bins = files.filter((f) => f.endsWith(".bin")).map((f) => path.join(dir, f));
  for (const b of bins) {
    const s = new FileSource(b);
    const ok = isLlama2c(s);
    s.close();
    if (ok) return readFile(b);
  }
  const hint = files.includes("config.json") ? " (config.json is there, but none of the weight files)" : "";
  throw new Error(`${dir}: no checkpoint found in this folder${hint}. Looked for: params.json + *.pth such as consolidated.00.pth (Meta); config.json + model.safetensors, model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json (Hugging Face); a llama2.c .bin. The folder holds: ${files.join(", ") || "nothing"}`);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
}
