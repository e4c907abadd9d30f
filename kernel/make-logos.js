// Draws kernel/logo-32x32.png and kernel/logo-64x64.png (`node kernel/make-logos.js`): a TypeScript-blue
// rounded square holding a 3×3 grid of cells (a tensor), the centre one TensorFlow orange. The PNG is
// written by hand (signature, IHDR, one zlib-compressed IDAT, IEND; PNG spec, ISO/IEC 15948) so that no
// image library is needed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA pixels (size×size×4) → PNG bytes; colour type 6, 8 bits, filter 0 on every row. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

function drawLogo(size) {
  const px = Buffer.alloc(size * size * 4);
  const blue = [0x31, 0x78, 0xc6, 255], white = [255, 255, 255, 255], orange = [0xff, 0x6f, 0x00, 255];
  const radius = size / 6;
  const cell = size / 5; // three cells and their gaps fill the middle 3/5
  const gap = size / 16;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Rounded corners: outside the quarter circles stays transparent.
      const cx = Math.min(Math.max(x + 0.5, radius), size - radius), cy = Math.min(Math.max(y + 0.5, radius), size - radius);
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > radius ** 2) continue;
      let colour = blue;
      const gx = Math.floor((x - cell) / cell), gy = Math.floor((y - cell) / cell);
      const inCell = gx >= 0 && gx < 3 && gy >= 0 && gy < 3 && (x - cell) % cell >= gap / 2 && (x - cell) % cell < cell - gap / 2 &&
        (y - cell) % cell >= gap / 2 && (y - cell) % cell < cell - gap / 2;
      if (inCell) colour = gx === 1 && gy === 1 ? orange : white;
      px.set(colour, (y * size + x) * 4);
    }
  }
  return encodePng(size, px);
}

for (const size of [32, 64]) fs.writeFileSync(path.join(__dirname, `logo-${size}x${size}.png`), drawLogo(size));
