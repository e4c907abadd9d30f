// plot.tokenProbs: what the model considered at each generated token.
// One step `{ token, candidates: [{ id, piece, prob }] }` (the shape the Llama room records per step) is
// drawn as horizontal bars of the top-k candidates, the chosen one highlighted; a list of steps is drawn as
// a steps × rank heatmap of probabilities, each cell labelled with its piece.
import { baseLayout, type ChartOptions } from "./charts";
import { COLORWAY, type Figure } from "./figure";
import { Plot } from "./handle";
import { formatNumber } from "./ticks";

export interface TokenCandidate {
  id: number;
  piece: string;
  prob: number;
}

export interface TokenStep {
  /** The token chosen at this step: its id (or its piece). */
  token: number | string;
  /** Top-k candidates, most probable first. */
  candidates: TokenCandidate[];
}

export interface TokenProbsOptions extends ChartOptions {
  /** How many candidates to show per step (default: all recorded). */
  k?: number;
}

const isChosen = (step: TokenStep, c: TokenCandidate): boolean => (typeof step.token === "number" ? c.id === step.token : c.piece === step.token);

function checkStep(step: TokenStep, where: string): void {
  if (typeof step !== "object" || step === null || !Array.isArray(step.candidates)) {
    throw new TypeError(`${where}: expected { token, candidates: [{ id, piece, prob }] }, got ${step === null ? "null" : typeof step}`);
  }
  step.candidates.forEach((c, i) => {
    if (typeof c.id !== "number" || typeof c.piece !== "string" || typeof c.prob !== "number") {
      throw new TypeError(`${where}.candidates[${i}]: expected { id: number, piece: string, prob: number }`);
    }
  });
}

/** Labels unique per category axis: a piece seen twice (byte fallback, "▁" variants) gets its id. */
function labels(candidates: TokenCandidate[]): string[] {
  const seen = new Map<string, number>();
  for (const c of candidates) seen.set(c.piece, (seen.get(c.piece) ?? 0) + 1);
  return candidates.map((c) => ((seen.get(c.piece) ?? 0) > 1 ? `${c.piece} #${c.id}` : c.piece));
}

function chosenPiece(step: TokenStep): string {
  return typeof step.token === "string" ? step.token : step.candidates.find((c) => c.id === step.token)?.piece ?? `#${step.token}`;
}

export function tokenProbsFigure(input: TokenStep | TokenStep[], options: TokenProbsOptions = {}): Figure {
  if (!Array.isArray(input)) {
    checkStep(input, "plot.tokenProbs");
    const top = input.candidates.slice(0, options.k ?? input.candidates.length);
    const layout = baseLayout({ title: `next token: ${chosenPiece(input)}`, xTitle: "probability", ...options });
    layout.yaxis = { type: "category", autorange: "reversed", ...layout.yaxis };
    return {
      data: [{
        type: "bar", orientation: "h", y: labels(top), x: top.map((c) => c.prob),
        marker: { color: top.map((c) => (isChosen(input, c) ? COLORWAY[1] : COLORWAY[0])) },
        customdata: top.map((c) => c.id), hovertemplate: "%{y} (id %{customdata}): %{x:.4f}<extra></extra>",
      }],
      layout,
    };
  }
  input.forEach((step, i) => checkStep(step, `plot.tokenProbs: steps[${i}]`));
  const k = options.k ?? Math.max(0, ...input.map((s) => s.candidates.length));
  const ranks = Array.from({ length: k }, (_, r) => String(r + 1));
  const z = input.map((s) => ranks.map((_, r) => s.candidates[r]?.prob ?? null));
  const text = input.map((s) => ranks.map((_, r) => s.candidates[r]?.piece ?? ""));
  const rows = input.map((s, i) => `${i}: ${chosenPiece(s)}`);
  const layout = baseLayout({ title: "top-k next-token probabilities", xTitle: "rank", yTitle: "step: chosen token", ...options });
  layout.xaxis = { type: "category", ...layout.xaxis };
  layout.yaxis = { type: "category", autorange: "reversed", ...layout.yaxis };
  if (options.height === undefined && layout.height === undefined) layout.height = Math.max(300, 180 + 22 * input.length);
  const summary = input.length ? `, mean top-1 ${formatNumber(input.reduce((a, s) => a + (s.candidates[0]?.prob ?? 0), 0) / input.length)}` : "";
  return {
    data: [{
      type: "heatmap", name: `${input.length} steps${summary}`, x: ranks, y: rows, z, text, texttemplate: "%{text}",
      colorscale: "Viridis", zmin: 0, hovertemplate: "step %{y}, rank %{x}: %{text} %{z:.4f}<extra></extra>",
    }],
    layout,
  };
}

/** Grows during generation: `probs.push(step)` after each token. */
export class TokenProbsPlot extends Plot<TokenStep | TokenStep[]> {
  push(...steps: TokenStep[]): this {
    this.input = Array.isArray(this.input) ? [...this.input, ...steps] : [this.input, ...steps];
    return this.update();
  }
}

export function tokenProbs(steps: TokenStep | TokenStep[] = [], options: TokenProbsOptions = {}): TokenProbsPlot {
  return new TokenProbsPlot(steps, (s) => tokenProbsFigure(s, options), options);
}
