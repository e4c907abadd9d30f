// Axis ticks for the PNG snapshot, chosen the way plotly's auto ticks are (plotly.js src/plots/cartesian/
// axes.js, autoTicks): a "nice" step of 1, 2 or 5 × 10^k for about one tick per 80 px on x and 40 px on y
// (4 to 9 intervals), labels with as many decimals as the step needs, SI suffixes from 10⁴.

/** How many intervals plotly aims for on an axis `length` pixels long. */
export function tickCount(length: number, vertical: boolean): number {
  return Math.min(9, Math.max(4, length / (vertical ? 40 : 80))) + 1;
}

/** A step of 1, 2 or 5 × 10^k, at least `rough` (plotly's autoTicks rounds up to these bases). */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const fraction = rough / power;
  const nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
  return nice * power;
}

/** Tick values covering [min, max] with about `count` intervals. */
export function linearTicks(min: number, max: number, count: number): { values: number[]; step: number } {
  if (!(max > min)) return { values: [min], step: 1 };
  const step = niceStep((max - min) / Math.max(1, count));
  const values: number[] = [];
  // Snap to multiples of step; the small epsilon keeps an end tick that floating point puts just outside.
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) values.push(i * step);
  // i·step carries binary rounding (3 × 0.2 = 0.6000000000000001); 12 significant digits remove it.
  return { values: values.map((v) => (Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)))), step };
}

/** Decimal places that show every multiple of `step` exactly (0.25 → 2, 5 → 0). */
function decimalsFor(step: number): number {
  for (let d = 0; d < 10; d++) {
    const scaled = step * Math.pow(10, d);
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * scaled) return d;
  }
  return 10;
}

const SI = [
  { power: 1e12, suffix: "T" }, { power: 1e9, suffix: "G" }, { power: 1e6, suffix: "M" }, { power: 1e3, suffix: "k" },
];

/** A tick label as plotly writes it: U+2212 for minus, "20k" for 20000 when the axis reaches 10⁴. */
export function formatTick(value: number, step: number, axisMax: number): string {
  let text: string;
  const si = Math.abs(axisMax) >= 1e4 ? SI.find((s) => Math.abs(axisMax) >= s.power) : undefined;
  if (si !== undefined) {
    text = (value / si.power).toFixed(decimalsFor(step / si.power)) + (value === 0 ? "" : si.suffix);
  } else if (Math.abs(step) < 1e-4 && value !== 0) {
    text = value.toExponential(1);
  } else {
    text = value.toFixed(decimalsFor(step));
  }
  return text.startsWith("-") ? "\u2212" + text.slice(1) : text;
}

/** Formats any number compactly for a summary or a hover line: 4 significant digits, no trailing zeros. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) return value.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(value.toPrecision(4)));
}

/** Ticks at powers of ten over [log10 min, log10 max] (a log axis), with 2× and 5× when the span is short. */
export function logTicks(logMin: number, logMax: number): number[] {
  const values: number[] = [];
  const span = logMax - logMin;
  const multiples = span < 1.5 ? [1, 2, 5] : [1];
  for (let k = Math.floor(logMin); k <= Math.ceil(logMax); k++) {
    for (const m of multiples) {
      const v = Math.log10(m) + k;
      if (v >= logMin - 1e-9 && v <= logMax + 1e-9) values.push(v);
    }
  }
  return values;
}
