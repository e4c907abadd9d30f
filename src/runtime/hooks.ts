// Cell lifecycle hooks for library code that needs to know where one cell ends and the next begins
// (the per-cell tensor-leak note, flushing a live plot). The runtime calls them around every execute;
// like the display sink they live on globalThis, so every copy of tensorbook a notebook loads shares them.

export interface CellHooks {
  /** Before the cell's code runs. */
  onCellStart?(executionCount: number): void;
  /** After the cell finished (ok, error or interrupted), before its reply; may emit outputs. */
  onCellEnd?(executionCount: number): void | Promise<void>;
}

const HOOKS = Symbol.for("tensorbook.cellHooks");
type HookHolder = { [HOOKS]?: Map<string, CellHooks> };

function registry(): Map<string, CellHooks> {
  const holder = globalThis as HookHolder;
  return (holder[HOOKS] ??= new Map());
}

/** Registers hooks under a name; registering the same name again replaces them (idempotent on reload). */
export function registerCellHooks(name: string, hooks: CellHooks): void {
  registry().set(name, hooks);
}

/** The runtime calls these; a hook that throws is reported by the caller and never stops the others. */
export function cellHooks(): CellHooks[] {
  return [...registry().values()];
}
