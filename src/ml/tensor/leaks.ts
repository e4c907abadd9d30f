// Memory in a notebook: memory() shows tf.memory(), and a per-cell note names the tensors a cell left
// allocated. In PyTorch a tensor is freed when its last reference goes; in tfjs it lives until dispose()
// or the end of a tf.tidy(), so a loop that forgets one leaks every step. The note comes from the cell
// hooks the runtime calls around each execute (src/runtime/hooks.ts) and goes to the cell's stderr.
import * as tf from "@tensorflow/tfjs";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../display/mime";
import { registerCellHooks } from "../../runtime/hooks";

function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export type Memory = tf.MemoryInfo & { backend: string; [JUPYTER_DISPLAY](): MimeBundle };

/** tf.memory(), with the backend it describes, displayed as one line. */
export function memory(): Memory {
  const m = tf.memory();
  const backend = tf.getBackend() ?? "none";
  const gpu = (m as { numBytesInGPU?: number }).numBytesInGPU;
  const text = `${m.numTensors} tensors, ${m.numDataBuffers} data buffers, ${bytes(m.numBytes)}` +
    `${gpu !== undefined ? ` (${bytes(gpu)} on the GPU)` : ""} on ${backend}${m.unreliable ? " (an upper bound: this backend's memory is freed by garbage collection)" : ""}`;
  return { ...m, backend, [JUPYTER_DISPLAY]: () => ({ "text/plain": text }) };
}

let enabled = true;
let before: { numTensors: number; numBytes: number } | undefined;

/** Turns the per-cell leak note on or off (on by default). */
export function leakNotes(on: boolean): void {
  enabled = on;
}

/** The note for a cell that went from `start` to `end` allocated tensors; undefined when none were left. */
export function leakNote(start: { numTensors: number; numBytes: number }, end: { numTensors: number; numBytes: number }): string | undefined {
  const n = end.numTensors - start.numTensors;
  if (n <= 0) return undefined;
  return `note: this cell left ${n} more tensor${n === 1 ? "" : "s"} allocated (+${bytes(end.numBytes - start.numBytes)}; ` +
    `${end.numTensors} in all). Kept on purpose? Fine. Otherwise wrap the work in tf.tidy(() => …) or dispose() what you drop; ` +
    `leakNotes(false) silences this note.\n`;
}

registerCellHooks("tensorbook.tensorLeaks", {
  onCellStart() {
    before = undefined;
    // tf.memory() asks the current backend; before one is selected (or when selection failed) there is
    // nothing to count, and a hook must not fail every cell for it.
    try {
      const m = tf.memory();
      before = { numTensors: m.numTensors, numBytes: m.numBytes };
    } catch { /* no backend yet */ }
  },
  onCellEnd() {
    if (!enabled || before === undefined) return;
    const start = before;
    before = undefined;
    let end: tf.MemoryInfo;
    try { end = tf.memory(); } catch { return; }
    const note = leakNote(start, end);
    if (note !== undefined) process.stderr.write(note);
  },
});
