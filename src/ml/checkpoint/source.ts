// Reading a checkpoint file by offset: a tensor is read when asked for, never the whole file, so a file
// larger than memory can be listed and partly loaded. Every read names the file and the part it is for,
// so a short or corrupt file fails as a CheckpointError that says where.
import * as fs from "node:fs";

/** A malformed checkpoint: which file, which part of it, at which byte offset, and what is wrong. */
export class CheckpointError extends Error {
  constructor(readonly file: string, readonly part: string, readonly offset: number | null, readonly reason: string) {
    super(`${file}: ${part}${offset === null ? "" : ` at byte ${offset}`}: ${reason}`);
    this.name = "CheckpointError";
  }
}

/**
 * What to throw when reading `file` failed: a reader's own errors name the file already and pass as they
 * are; anything else is a bug meeting a corrupt file in an unforeseen way, so it becomes a CheckpointError
 * that names the file and the `part` being read.
 */
export function namingFile(e: unknown, file: string, part: string): Error {
  if (e instanceof CheckpointError || (e instanceof Error && e.message.includes(file))) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  return new CheckpointError(file, part, null, `unreadable (corrupt file?): ${err.name}: ${err.message}`);
}

/** An open file read with positioned reads (fs.readSync at an offset; no whole-file reads). */
export class FileSource {
  readonly size: number;
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, "r");
    this.size = fs.fstatSync(this.fd).size;
  }

  /** Fails unless [offset, offset+length) lies inside the file. */
  check(offset: number, length: number, part: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new CheckpointError(this.path, part, offset, `invalid range (offset ${offset}, length ${length})`);
    }
    if (offset + length > this.size) {
      throw new CheckpointError(this.path, part, offset, `needs ${length} bytes but the file ends at byte ${this.size} (truncated?)`);
    }
  }

  /**
   * `length` bytes at `offset`, in fresh memory of their own (offset 0 of an ArrayBuffer, so any typed
   * array view of them is aligned).
   */
  read(offset: number, length: number, part: string): Uint8Array {
    this.check(offset, length, part);
    // uninitialised memory (the read fills all of it): zero-filling first would touch every page twice
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    this.readInto(offset, out, part);
    return out;
  }

  /**
   * `dest.byteLength` bytes at `offset`, read straight into `dest` (memory the caller owns, e.g. a model's
   * WebAssembly memory): the one copy from the file to where the bytes are used.
   */
  readInto(offset: number, dest: Uint8Array, part: string): void {
    const length = dest.byteLength;
    this.check(offset, length, part);
    const fd = this.open();
    for (let done = 0; done < length; ) {
      // readSync takes at most 2 GiB at a time
      const n = fs.readSync(fd, dest, done, Math.min(length - done, 0x40000000), offset + done);
      if (n === 0) throw new CheckpointError(this.path, part, offset + done, "unexpected end of file");
      done += n;
    }
  }

  private open(): number {
    if (this.fd === null) this.fd = fs.openSync(this.path, "r");
    return this.fd;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
