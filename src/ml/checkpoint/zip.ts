// The zip container of torch.save (PKWARE APPNOTE.TXT): the end-of-central-directory record (with its
// ZIP64 form for archives past 4 GiB or 65535 entries), the central directory, and each entry's local
// header, from which the data offset follows. torch.save writes entries STORED (method 0), 64-byte
// aligned, so a tensor is read straight from the file at its offset; DEFLATE (8), which a re-zipped
// archive may use, is inflated with node:zlib when that entry is read.
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
    entries.set(name, { name, localOffset, compressedSize, size, method });
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

/** The whole (inflated) content of an entry. */
export function readZipEntry(source: FileSource, entry: ZipEntry): Uint8Array {
  const raw = source.read(dataOffset(source, entry), entry.compressedSize, `zip entry ${entry.name}`);
  if (entry.method === 0) return raw;
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(raw);
  } catch (e) {
    throw new CheckpointError(source.path, `zip entry ${entry.name}`, dataOffset(source, entry), `deflate stream is corrupt: ${(e as Error).message}`);
  }
  if (out.byteLength !== entry.size) {
    throw new CheckpointError(source.path, `zip entry ${entry.name}`, dataOffset(source, entry), `inflates to ${out.byteLength} bytes, the central directory says ${entry.size}: corrupt`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * `dest.byteLength` bytes at `offset` inside an entry, into `dest`: straight from the file when stored,
 * through an inflate of the whole entry when deflated (torch.save stores; a re-zipped archive may not).
 */
export function readZipRangeInto(source: FileSource, entry: ZipEntry, offset: number, dest: Uint8Array, part: string): void {
  const length = dest.byteLength;
  if (offset + length > entry.size) {
    throw new CheckpointError(source.path, part, dataOffset(source, entry) + offset, `needs bytes up to ${offset + length} of zip entry ${entry.name}, which holds ${entry.size}`);
  }
  if (entry.method === 0) source.readInto(dataOffset(source, entry) + offset, dest, part);
  else dest.set(readZipEntry(source, entry).subarray(offset, offset + length));
}
