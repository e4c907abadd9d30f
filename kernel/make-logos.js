// Draws kernel/logo-32x32.png and kernel/logo-64x64.png (`npm run build && node kernel/make-logos.js`): a
// TypeScript-blue rounded square holding a 3×3 grid of cells (a tensor), the centre one TensorFlow orange.
// The PNG is written by tensorbook's own encoder (src/display/png/encode.ts, the one plot snapshots use),
// so no image library is needed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { encodePng } = require(path.join(__dirname, "..", "dist", "src", "display", "png", "encode.js"));

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
  return encodePng(size, size, px);
}

for (const size of [32, 64]) fs.writeFileSync(path.join(__dirname, `logo-${size}x${size}.png`), drawLogo(size));
