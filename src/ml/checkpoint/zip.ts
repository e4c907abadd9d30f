// The zip container of torch.save (PKWARE APPNOTE.TXT): the end-of-central-directory record (with its
// ZIP64 form for archives past 4 GiB or 65535 entries), the central directory, and each entry's local
// header, from which the data offset follows. torch.save writes entries STORED (method 0), 64-byte
// aligned, so a tensor is read straight from the file at its offset; DEFLATE (8), which a re-zipped
// archive may use, is inflated with node:zlib when that entry is read.
//
// What the directory declares bounds what is read: a DEFLATE stream inflates to at most the size the
// directory gives its entry (a 4 MB file that declared 100 bytes once inflated to 8.4 GB), and a declared
// size DEFLATE cannot reach from the stored bytes (more than 1032 bytes out per byte in) is refused
// before anything is inflated. Each entry read whole is checked against the directory's CRC-32 (see
// checkCrc32 for what is not).
import * as buffer from "node:buffer";
import * as zlib from "node:zlib";
import { CheckpointError, FileSource } from "./source";

export interface ZipEntry {
  name: string;
  /** Where the entry's local header is; its data follows the header's name and extra field. */
  localOffset: number;
  /** Where the (possibly compressed) data begins: known once the local header is read (`dataOffset`). */
  dataStart?: number;
  compressedSize: number;
  size: number;
  method: number;
  /** CRC-32 of the uncompressed data, from the central directory. */
  crc32: number;
}

/**
 * DEFLATE's largest expansion: a 258-byte match costs at least 2 bits, so 1 byte in gives at most 1032 out
 * (zlib's own figure, zlib.net/zlib_tech.html "Maximum Compression Factor"). A little more for the header
 * and the block boundaries of a tiny stream.
 */
const MAX_INFLATE_RATIO = 1032;
const INFLATE_SLACK = 1024;

/** The most bytes `compressed` bytes of DEFLATE stream can inflate to. */
export function maxInflatedSize(compressed: number): number {
  return compressed * MAX_INFLATE_RATIO + INFLATE_SLACK;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const u64 = (v: DataView, at: number): number => Number(v.getBigUint64(at, true));

export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** Reads the central directory: entry name → where its data is. */
export function readZipDirectory(source: FileSource): Map<string, ZipEntry> {
  const fail = (part: string, offset: number, why: string): never => {
    throw new CheckpointError(source.path, `zip ${part}`, offset, why);
  };
  // the EOCD record is 22 bytes plus a comment of up to 65535 bytes, at the very end
  const tailLength = Math.min(source.size, 22 + 65535);
  const tailStart = source.size - tailLength;
  const tail = source.read(tailStart, tailLength, "zip end of central directory");
  const tv = new DataView(tail.buffer);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("end of central directory", source.size, "not found: the archive is truncated or not a zip");
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR) fail("ZIP64 locator", tailStart + Math.max(loc, 0), "missing before a ZIP64 end record");
    const z64At = u64(tv, loc + 8);
    const z = new DataView(source.read(z64At, 56, "ZIP64 end of central directory").buffer);
    if (z.getUint32(0, true) !== ZIP64_EOCD) fail("ZIP64 end of central directory", z64At, "bad signature");
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
  }
  if (cdOffset + cdSize > source.size) fail("central directory", cdOffset, `${cdSize} bytes run past the end of the file (${source.size} bytes)`);
  const cd = source.read(cdOffset, cdSize, "zip central directory");
  const cv = new DataView(cd.buffer);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder("utf-8");
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL) fail("central directory entry", cdOffset + p, `entry ${n} of ${count} has a bad signature`);
    const method = cv.getUint16(p + 10, true);
    const crc32 = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let size = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let localOffset = cv.getUint32(p + 42, true);
    const extraEnd = p + 46 + nameLen + extraLen;
    if (extraEnd + commentLen > cd.length) fail("central directory entry", cdOffset + p, `entry ${n} runs past the end of the central directory`);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information (header id 1): the 64-bit values of whichever fields are 0xFFFFFFFF
    for (let e = p + 46 + nameLen; e + 4 <= extraEnd; ) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > Math.min(e + 4 + len, extraEnd)) fail(`ZIP64 extra field of ${name}`, cdOffset + q, "too short for the values it must hold");
          q += 8;
          return u64(cv, q - 8);
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (method !== 0 && method !== 8) fail(`entry ${name}`, localOffset, `compression method ${method} is not supported (only stored and deflate)`);
    if (localOffset + 30 + compressedSize > source.size) {
      fail(`entry ${name}`, localOffset, `${compressedSize} bytes run past the end of the file (${source.size} bytes): truncated`);
    }
    if (method === 0 && size !== compressedSize) {
      fail(`entry ${name}`, localOffset, `stored (not compressed), yet the directory gives it ${compressedSize} bytes in the file and ${size} uncompressed: corrupt`);
    }
    if (method === 8 && size > maxInflatedSize(compressedSize)) {
      fail(`entry ${name}`, localOffset, `the directory declares ${size} bytes inflated from ${compressedSize}: DEFLATE gives at most ${MAX_INFLATE_RATIO} bytes per byte, so the directory is corrupt (or the entry a decompression bomb)`);
    }
    entries.set(name, { name, localOffset, compressedSize, size, method, crc32 });
  }
  return entries;
}

/** Where an entry's data begins; its local header is read (and checked) the first time it is needed. */
export function dataOffset(source: FileSource, entry: ZipEntry): number {
  if (entry.dataStart !== undefined) return entry.dataStart;
  const local = new DataView(source.read(entry.localOffset, 30, `zip local header of ${entry.name}`).buffer);
  if (local.getUint32(0, true) !== LOCAL) {
    throw new CheckpointError(source.path, `zip local header of ${entry.name}`, entry.localOffset, "bad signature");
  }
  const start = entry.localOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (start + entry.compressedSize > source.size) {
    throw new CheckpointError(source.path, `zip entry ${entry.name}`, start, `${entry.compressedSize} bytes run past the end of the file (${source.size} bytes): truncated`);
  }
  return (entry.dataStart = start);
}

/** The whole (inflated) content of an entry, checked against the directory's size and CRC-32. */
export function readZipEntry(source: FileSource, entry: ZipEntry): Uint8Array {
  const start = dataOffset(source, entry);
  const raw = source.read(start, entry.compressedSize, `zip entry ${entry.name}`);
  if (entry.method === 0) {
    checkCrc32(source, entry, raw, `zip entry ${entry.name}`);
    return raw;
  }
  if (entry.size > buffer.constants.MAX_LENGTH) {
    throw new CheckpointError(source.path, `zip entry ${entry.name}`, start, `a DEFLATEd entry of ${entry.size} bytes is larger than one Node buffer can be (${buffer.constants.MAX_LENGTH}); store it uncompressed, as torch.save does`);
  }
  let out: Buffer;
  try {
    // maxOutputLength stops the inflate as soon as it passes the declared size, before the memory is spent
    out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new CheckpointError(source.path, `zip entry ${entry.name}`, start, `inflates to more than the ${entry.size} bytes the zip directory declares: corrupt (or a decompression bomb); stopped there`);
    }
    throw new CheckpointError(source.path, `zip entry ${entry.name}`, start, `deflate stream is corrupt: ${(e as Error).message}`);
  }
  if (out.byteLength !== entry.size) {
    throw new CheckpointError(source.path, `zip entry ${entry.name}`, start, `inflates to ${out.byteLength} bytes, the central directory says ${entry.size}: corrupt`);
  }
  const data = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  checkCrc32(source, entry, data, `zip entry ${entry.name}`);
  return data;
}

/**
 * Fails unless `data`, the whole uncompressed content of `entry`, has the CRC-32 the directory gives it.
 * Called for entries read whole: data.pkl and the other small records, every DEFLATEd entry (inflated whole
 * anyway), and a tensor's storage when read() reads all of it. A range read in place (readZipRangeInto:
 * Checkpoint.readRows, which Llama.load uses to fill model memory from checkpoints of many GB) is not
 * checked: the CRC covers the whole entry, so checking a range would mean reading the entry twice, and
 * checking a whole entry would add a pass over every byte (zlib.crc32 runs at about 2.3 GB/s here: 6 s on a
 * 13 GB checkpoint). torch.load (1.13) checks no CRC at all.
 */
export function checkCrc32(source: FileSource, entry: ZipEntry, data: Uint8Array, part: string): void {
  if (data.byteLength !== entry.size) return;
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw new CheckpointError(source.path, part, dataOffset(source, entry),
      `CRC-32 mismatch: the zip directory says ${hex32(entry.crc32)}, the ${entry.size} bytes read give ${hex32(actual)}: the file was changed or damaged after it was written`);
  }
}

const hex32 = (v: number): string => `0x${v.toString(16).padStart(8, "0")}`;

// zlib.crc32 came with Node 20.15 and 22.2; package.json allows every Node 20, so an older one computes the
// same CRC (ISO-HDLC, reflected polynomial 0xEDB88320) from a table in JS: about 0.5 GB/s against
// zlib's 2.3 GB/s here, which is fine for what is checked (entries read whole, see checkCrc32).
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(data: Uint8Array): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data) : crc32Table(data);
}

let table: Int32Array | undefined;

/** The table-driven CRC-32 (one byte per step); exported so tests compare it with zlib's on any Node. */
export function crc32Table(data: Uint8Array): number {
  if (table === undefined) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * `dest.byteLength` bytes at `offset` inside an entry, into `dest`: straight from the file when stored (no
 * CRC-32 check: see checkCrc32), through an inflate of the whole entry when deflated (torch.save stores; a
 * re-zipped archive may not).
 */
export function readZipRangeInto(source: FileSource, entry: ZipEntry, offset: number, dest: Uint8Array, part: string): void {
  const length = dest.byteLength;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new CheckpointError(source.path, part, null, `byte offset ${offset} inside zip entry ${entry.name} is not a whole number ≥ 0`);
  }
  if (offset + length > entry.size) {
    throw new CheckpointError(source.path, part, dataOffset(source, entry) + offset, `needs bytes up to ${offset + length} of zip entry ${entry.name}, which holds ${entry.size}`);
  }
  if (entry.method === 0) source.readInto(dataOffset(source, entry) + offset, dest, part);
  else dest.set(readZipEntry(source, entry).subarray(offset, offset + length));
}
