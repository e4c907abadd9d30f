// The protocol counts cursor_pos in Unicode code points (messaging spec 5.2+, "Notes: cursor_pos is in
// unicode code points"); JavaScript strings, and so the Engine, count UTF-16 code units. A character
// outside the Basic Multilingual Plane (an emoji, 𝔼) is one code point but two code units.

/** The UTF-16 offset of code point `codePoints` in `text` (clamped to the text). */
export function codePointsToUtf16(text: string, codePoints: number): number {
  let offset = 0;
  for (let n = 0; n < codePoints && offset < text.length; n++) {
    const unit = text.charCodeAt(offset);
    const isPair = unit >= 0xd800 && unit <= 0xdbff && offset + 1 < text.length && (text.charCodeAt(offset + 1) & 0xfc00) === 0xdc00;
    offset += isPair ? 2 : 1;
  }
  return offset;
}

/** The number of code points in `text` before UTF-16 offset `offset` (clamped to the text). */
export function utf16ToCodePoints(text: string, offset: number): number {
  const end = Math.max(0, Math.min(offset, text.length));
  let codePoints = 0;
  for (let i = 0; i < end; i++) {
    const unit = text.charCodeAt(i);
    // A low surrogate that follows a high one belongs to the same code point.
    const isLowOfPair = (unit & 0xfc00) === 0xdc00 && i > 0 && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800;
    if (!isLowOfPair) codePoints++;
  }
  return codePoints;
}
