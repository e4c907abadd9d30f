// An RGBA raster with the few primitives a chart needs: filled rectangles, antialiased lines and dots,
// and text in the embedded bitmap font. Coordinates are pixels, origin top-left, y down (as SVG).
import { encodePng } from "./encode";
import { ADVANCE, CAP_HEIGHT, GLYPH_HEIGHT, glyph, textWidth } from "./font";

/** A colour with alpha in [0, 1]. */
export interface Color {
  r: number;
  g: number;
  b: number;
  a: number;
}

const NAMED: { [name: string]: string } = {
  black: "#000000", white: "#ffffff", red: "#ff0000", green: "#008000", blue: "#0000ff", gray: "#808080",
  grey: "#808080", orange: "#ffa500", purple: "#800080", transparent: "rgba(0,0,0,0)",
};

/** Parses the CSS colour forms plotly figures use: #rgb, #rrggbb, rgb(), rgba() and a few names. */
export function parseColor(css: string): Color {
  const text = (NAMED[css.trim().toLowerCase()] ?? css).trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join("") : hex[1];
    return { r: parseInt(h.slice(0, 2), 16), g: parseInt(h.slice(2, 4), 16), b: parseInt(h.slice(4, 6), 16), a: 1 };
  }
  const fn = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/i.exec(text);
  if (fn) return { r: +fn[1], g: +fn[2], b: +fn[3], a: fn[4] === undefined ? 1 : +fn[4] };
  throw new Error(`color: cannot parse ${JSON.stringify(css)} (expected #rrggbb, rgb(r,g,b), rgba(r,g,b,a) or a basic name)`);
}

export type TextAlign = "left" | "center" | "right";
export type TextBaseline = "top" | "middle" | "bottom";

export interface TextOptions {
  color: Color;
  /** Integer pixel scale of the 5×7 font. */
  scale?: number;
  align?: TextAlign;
  baseline?: TextBaseline;
  /** Rotated a quarter turn counter-clockwise, read bottom to top (a y-axis title). */
  vertical?: boolean;
  /** Ink each glyph twice, one pixel apart, for titles. */
  bold?: boolean;
}

export class Canvas {
  readonly pixels: Uint8Array; // (height, width, 4) RGBA
  /** While set, drawing outside this rectangle is dropped (traces stay inside the plot area). */
  clip: { x0: number; y0: number; x1: number; y1: number } | undefined;

  constructor(readonly width: number, readonly height: number, background: Color) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, { ...background, a: 1 });
    if (background.a < 1) for (let i = 3; i < this.pixels.length; i += 4) this.pixels[i] = Math.round(background.a * 255);
  }

  /** Source-over blending of `color` into one pixel, with `coverage` (antialiasing) in [0, 1]. */
  blend(x: number, y: number, color: Color, coverage = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const c = this.clip;
    if (c !== undefined && (x < c.x0 || y < c.y0 || x >= c.x1 || y >= c.y1)) return;
    const alpha = color.a * Math.min(1, Math.max(0, coverage));
    if (alpha <= 0) return;
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    if (alpha >= 1) {
      p[i] = color.r; p[i + 1] = color.g; p[i + 2] = color.b; p[i + 3] = 255;
      return;
    }
    p[i] = Math.round(color.r * alpha + p[i] * (1 - alpha));
    p[i + 1] = Math.round(color.g * alpha + p[i + 1] * (1 - alpha));
    p[i + 2] = Math.round(color.b * alpha + p[i + 2] * (1 - alpha));
    p[i + 3] = Math.round(255 * alpha + p[i + 3] * (1 - alpha));
  }

  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    if (color.a >= 1 && this.clip === undefined) {
      // Opaque and unclipped (backgrounds, bars, heatmap cells): write whole rows, no blending.
      // One 32-bit word per pixel, filled a row at a time; bytes r, g, b, a in memory order on a
      // little-endian machine (every platform Node runs on).
      const word = (Math.round(color.r) | (Math.round(color.g) << 8) | (Math.round(color.b) << 16) | (255 << 24)) >>> 0;
      const words = new Uint32Array(this.pixels.buffer, this.pixels.byteOffset, this.width * this.height);
      if (x1 > x0) for (let py = y0; py < y1; py++) words.fill(word, py * this.width + x0, py * this.width + x1);
      return;
    }
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.blend(px, py, color);
  }

  /** A segment `width` pixels wide; each pixel is covered by its distance to the segment (antialiased). */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, width = 1): void {
    const half = width / 2;
    const minX = Math.floor(Math.min(x0, x1) - half - 1), maxX = Math.ceil(Math.max(x0, x1) + half + 1);
    const minY = Math.floor(Math.min(y0, y1) - half - 1), maxY = Math.ceil(Math.max(y0, y1) + half + 1);
    const dx = x1 - x0, dy = y1 - y0;
    const length2 = dx * dx + dy * dy;
    for (let py = Math.max(0, minY); py <= Math.min(this.height - 1, maxY); py++) {
      for (let px = Math.max(0, minX); px <= Math.min(this.width - 1, maxX); px++) {
        // Pixel centres are at +0.5: distance from the centre to the nearest point of the segment.
        const cx = px + 0.5, cy = py + 0.5;
        const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - x0) * dx + (cy - y0) * dy) / length2));
        const ex = cx - (x0 + t * dx), ey = cy - (y0 + t * dy);
        const distance = Math.sqrt(ex * ex + ey * ey); // not Math.hypot: several times slower in V8, and no overflow risk at pixel scale
        this.blend(px, py, color, half + 0.5 - distance);
      }
    }
  }

  /** A polyline drawn as one stroke: joints are covered once, so a translucent line has no dark knots. */
  polyline(points: [number, number][], color: Color, width = 1): void {
    if (points.length === 1) return this.dot(points[0][0], points[0][1], width / 2, color);
    // Coverage per pixel is the maximum over segments (not a sum), gathered over the polyline's bounding
    // box, then blended once.
    const half = width / 2;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity; // a loop, not Math.min(...): 10⁵ points overflow the stack
    for (const [x, y] of points) { minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x); maxY = Math.max(maxY, y); }
    const bx0 = Math.max(0, Math.floor(minX - half - 1)), by0 = Math.max(0, Math.floor(minY - half - 1));
    const bx1 = Math.min(this.width - 1, Math.ceil(maxX + half + 1)), by1 = Math.min(this.height - 1, Math.ceil(maxY + half + 1));
    if (bx1 < bx0 || by1 < by0) return;
    const boxWidth = bx1 - bx0 + 1;
    const coverage = new Float32Array(boxWidth * (by1 - by0 + 1));
    for (let s = 0; s + 1 < points.length; s++) {
      const [x0, y0] = points[s], [x1, y1] = points[s + 1];
      const dx = x1 - x0, dy = y1 - y0, length2 = dx * dx + dy * dy;
      const minX = Math.max(bx0, Math.floor(Math.min(x0, x1) - half - 1)), maxX = Math.min(bx1, Math.ceil(Math.max(x0, x1) + half + 1));
      const minY = Math.max(by0, Math.floor(Math.min(y0, y1) - half - 1)), maxY = Math.min(by1, Math.ceil(Math.max(y0, y1) + half + 1));
      for (let py = minY; py <= maxY; py++) {
        for (let px = minX; px <= maxX; px++) {
          const cx = px + 0.5, cy = py + 0.5;
          const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - x0) * dx + (cy - y0) * dy) / length2));
          const ex = cx - (x0 + t * dx), ey = cy - (y0 + t * dy);
          const c = half + 0.5 - Math.sqrt(ex * ex + ey * ey);
          const k = (py - by0) * boxWidth + (px - bx0);
          if (c > coverage[k]) coverage[k] = c;
        }
      }
    }
    for (let k = 0; k < coverage.length; k++) {
      if (coverage[k] > 0) this.blend(bx0 + (k % boxWidth), by0 + Math.floor(k / boxWidth), color, coverage[k]);
    }
  }

  /** A filled, antialiased disc (a marker). */
  dot(cx: number, cy: number, radius: number, color: Color): void {
    for (let py = Math.floor(cy - radius - 1); py <= Math.ceil(cy + radius + 1); py++) {
      for (let px = Math.floor(cx - radius - 1); px <= Math.ceil(cx + radius + 1); px++) {
        const ex = px + 0.5 - cx, ey = py + 0.5 - cy;
        this.blend(px, py, color, radius + 0.5 - Math.sqrt(ex * ex + ey * ey));
      }
    }
  }

  /** Draws `text` anchored at (x, y); returns its width in pixels. */
  text(x: number, y: number, text: string, options: TextOptions): number {
    const scale = options.scale ?? 1;
    const width = textWidth(text, scale) + (options.bold ? 1 : 0);
    const height = CAP_HEIGHT * scale;
    const along = options.align === "center" ? -width / 2 : options.align === "right" ? -width : 0;
    const across = options.baseline === "middle" ? -height / 2 : options.baseline === "bottom" ? -height : 0;
    // Horizontal text runs along +x; vertical text runs along −y (bottom to top) with glyph tops facing left.
    const origin = options.vertical
      ? { x: Math.round(x + across), y: Math.round(y - along) }
      : { x: Math.round(x + along), y: Math.round(y + across) };
    let pen = 0;
    for (const char of text) {
      const rows = glyph(char);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let col = 0; col < rows[row].length; col++) {
          if (!rows[row][col]) continue;
          for (let b = 0; b <= (options.bold ? 1 : 0); b++) {
            const u = pen + (col + b / scale) * scale, v = row * scale; // along, across
            for (let sy = 0; sy < scale; sy++) {
              for (let sx = 0; sx < scale; sx++) {
                if (options.vertical) this.blend(origin.x + v + sy, origin.y - u - sx - 1, options.color);
                else this.blend(origin.x + u + sx, origin.y + v + sy, options.color);
              }
            }
          }
        }
      }
      pen += ADVANCE * scale;
    }
    return width;
  }

  toPng(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
