// The runtime's public face: createEngine() for the kernel and for `tensorbook run`.
import type { Engine } from "./engine";
import { createSession, type EngineOptions } from "./session";

export type { Engine, CellIO, CellOutput, ExecuteOptions, ExecuteOutcome, CompleteResult, InspectResult, IsCompleteResult } from "./engine";
export type { EngineOptions } from "./session";

/**
 * A fresh session: its own globals, language service and worker threads. Start it early: the language
 * service warms up in the background so the first cell is fast. Call shutdown() when done.
 */
export function createEngine(options: EngineOptions): Engine {
  return createSession(options);
}
