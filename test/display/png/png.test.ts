import * as assert from "node:assert/strict";
import { test } from "node:test";
import { Canvas, parseColor } from "../../../src/display/png/canvas";
import { encodePng } from "../../../src/display/png/encode";
import { ADVANCE, glyph, textWidth } from "../../../src/display/png/font";
import { countColor, decodePng, pixel } from "./decode";

test("encodePng writes a PNG that decodes back to the same pixels", () => {
  // Every byte value in every channel, in a pattern that does not repeat along a row.
  const width = 37, height = 11;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7 + (i >> 5)) & 0xff;
  const decoded = decodePng(encodePng(width, height, rgba));
  assert.equal(decoded.width, width);
  assert.equal(decoded.height, height);
  assert.deepEqual(decoded.chunks, ["IHDR", "IDAT", "IEND"]);
  assert.deepEqual(decoded.rgba, rgba);
});

test("encodePng refuses a buffer of the wrong size, saying what it expected", () => {
  assert.throws(() => encodePng(4, 4, new Uint8Array(10)), /expected 4×4×4 = 64 bytes of RGBA, got 10/);
  assert.throws(() => encodePng(0, 4, new Uint8Array(0)), /positive integers/);
});

test("the canvas fills, clips and draws text in the embedded font", () => {
  const canvas = new Canvas(40, 20, parseColor("#ffffff"));
  canvas.fillRect(2, 2, 5, 5, parseColor("#ff0000"));
  canvas.clip = { x0: 0, y0: 0, x1: 10, y1: 20 };
  canvas.fillRect(8, 10, 10, 2, parseColor("rgb(0, 0, 255)"));
  canvas.clip = undefined;
  canvas.text(20, 5, "A", { color: parseColor("#000000") });
  const png = decodePng(canvas.toPng());
  assert.equal(countColor(png, "#ff0000"), 25);
  assert.equal(countColor(png, "#0000ff"), 2 * 2, "clipped at x = 10");
  // "A" is 18 pixels of ink in the 5×7 glyph: every one drawn, at the glyph's positions, and nothing else.
  const ink = glyph("A").flatMap((row, y) => row.map((on, x) => (on ? [x, y] : null))).filter((p): p is number[] => p !== null);
  assert.equal(ink.length, 18);
  for (const [x, y] of ink) assert.equal(pixel(png, 20 + x, 5 + y), "#000000");
  assert.equal(countColor(png, "#000000"), 18);
});

test("vertical text runs bottom to top", () => {
  const canvas = new Canvas(20, 30, parseColor("#ffffff"));
  canvas.text(5, 25, "I", { color: parseColor("#000000"), vertical: true });
  const png = decodePng(canvas.toPng());
  // "I" has a 3-wide top bar (row 0, columns 1–3); rotated counter-clockwise it becomes a 3-tall bar at the left.
  assert.equal(pixel(png, 5, 25 - 2), "#000000");
  assert.equal(pixel(png, 5, 25 - 3), "#000000");
  assert.equal(pixel(png, 5, 25 - 4), "#000000");
  assert.equal(pixel(png, 5, 25 - 5), "#ffffff");
});

test("text widths and colours parse as documented", () => {
  assert.equal(textWidth("abc", 1), 3 * ADVANCE - 1);
  assert.equal(textWidth("abc", 2), (3 * ADVANCE - 1) * 2);
  assert.deepEqual(parseColor("#1f77b4"), { r: 0x1f, g: 0x77, b: 0xb4, a: 1 });
  assert.deepEqual(parseColor("rgba(1, 2, 3, 0.5)"), { r: 1, g: 2, b: 3, a: 0.5 });
  assert.deepEqual(parseColor("#abc"), { r: 0xaa, g: 0xbb, b: 0xcc, a: 1 });
  assert.throws(() => parseColor("hsl(1,2%,3%)"), /cannot parse "hsl\(1,2%,3%\)"/);
  // A character the font lacks draws the replacement box, not nothing.
  assert.deepEqual(glyph("\u4e2d"), glyph("\ufffd"));
});
