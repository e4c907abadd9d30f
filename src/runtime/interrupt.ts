// For library loops (training epochs, token generation) that run inside one call from a cell: the
// compiled cell checks the interrupt flag in its own loops only, so long library loops call
// checkInterrupt() between steps to stop within a second too (issue 3, "Errors and interrupts").
// Outside a tensorbook session (a plain node script) it does nothing.

/** Where the cell worker (runtime/worker.ts) installs the check: a registered symbol, shared by every copy of tensorbook. */
export const CHECK = Symbol.for("tensorbook.checkInterrupt");

/** Throws KeyboardInterrupt when the user interrupted the running cell. Cheap: one shared-memory read. */
export function checkInterrupt(): void {
  const check = (globalThis as { [CHECK]?: () => void })[CHECK];
  check?.();
}
