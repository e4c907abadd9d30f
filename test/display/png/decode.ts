// A PNG reader for the tests, written from the spec independently of the encoder: it checks the signature
// and every chunk's CRC (with Node's own zlib.crc32, not ours), reads IHDR, inflates the IDAT stream and
// undoes all five scanline filters (PNG spec §9.2), so a snapshot is proven to decode, not just to exist.
import * as assert from "node:assert/strict";
import { crc32, inflateSync } from "node:zlib";

export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
  chunks: string[];
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Buffer): DecodedPng {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0, height = 0;
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    chunks.push(type);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.deepEqual([...data.subarray(8, 13)], [8, 6, 0, 0, 0], "8-bit RGBA, deflate, filter method 0, no interlace");
    } else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  assert.equal(chunks[0], "IHDR");
  assert.equal(chunks[chunks.length - 1], "IEND");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, height * (stride + 1), "inflated size");
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? rgba[y * stride + x - 4] : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4] : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      assert.ok(predictor !== undefined, `row ${y}: unknown filter type ${filter}`);
      rgba[y * stride + x] = (v + predictor) & 0xff;
    }
  }
  return { width, height, rgba, chunks };
}

/** How many pixels have exactly this colour (alpha ignored). */
export function countColor(png: DecodedPng, hex: string): number {
  const r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
  let count = 0;
  for (let i = 0; i < png.rgba.length; i += 4) if (png.rgba[i] === r && png.rgba[i + 1] === g && png.rgba[i + 2] === b) count++;
  return count;
}

/** The colour at (x, y) as #rrggbb. */
export function pixel(png: DecodedPng, x: number, y: number): string {
  const i = (y * png.width + x) * 4;
  return "#" + [0, 1, 2].map((k) => png.rgba[i + k].toString(16).padStart(2, "0")).join("");
}

/** The share of pixels that differ from the most common colour (the background): 0 for a blank image. */
export function inkShare(png: DecodedPng): number {
  const counts = new Map<number, number>();
  const view = new DataView(png.rgba.buffer, png.rgba.byteOffset, png.rgba.byteLength);
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const key = view.getUint32(i * 4);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return n === 0 ? 0 : 1 - Math.max(...counts.values()) / n;
}
