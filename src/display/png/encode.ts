// A PNG encoder for the in-kernel plot snapshots (DESIGN.md, "Display and plots": GitHub, nbviewer and
// untrusted notebooks show the image/png, so it must be made without a browser).
// Format: PNG specification (W3C, 2nd edition) §5 (datastream), §7.3 (filtering), §11.2 (IHDR, IDAT, IEND).
// Compression is zlib's deflate from Node itself; everything else is written here.
import { deflateSync } from "node:zlib";

/** The 8 bytes every PNG begins with (§5.2). */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// CRC-32 over chunk type + data (§5.5), the table-driven form of the spec's Annex D sample code.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes 8-bit RGBA pixels, row-major, (height, width, 4), as a PNG (colour type 6, no interlace).
 * Each scanline uses filter type 1, "Sub" (§9.2): a plot is mostly runs of one colour, which Sub turns into
 * runs of zeros that deflate packs tightly.
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: expected ${width}×${height}×4 = ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  }
  const stride = width * 4;
  const filtered = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const out = y * (stride + 1);
    filtered[out] = 1; // filter type Sub
    filtered.set(rgba.subarray(row, row + 4), out + 1); // the first pixel has no left neighbour
    // Uint8Array stores modulo 256, which is the filter's arithmetic.
    for (let x = 4; x < stride; x++) filtered[out + 1 + x] = rgba[row + x] - rgba[row + x - 4];
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  ihdr[10] = 0; // compression method: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(filtered, { level: 6 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
