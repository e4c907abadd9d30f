// An Engine that loads the real one on first use. The kernel answers kernel_info before TypeScript and
// TensorFlow.js are loaded (Jupyter's start-up wait), then warms the engine up in the background.
import type { CellIO, CompleteResult, Engine, ExecuteOptions, ExecuteOutcome, InspectResult, IsCompleteResult } from "../runtime/engine";

export class LazyEngine implements Engine {
  private loading: Promise<Engine> | undefined;
  private loaded: Engine | undefined;

  constructor(private readonly load: () => Promise<Engine>) {}

  /** Starts loading now (idempotent); a failure is reported by the first request that needs the engine. */
  warm(): void {
    this.get().catch(() => {});
  }

  private get(): Promise<Engine> {
    this.loading ??= this.load().then((engine) => (this.loaded = engine));
    return this.loading;
  }

  async execute(code: string, options: ExecuteOptions, io: CellIO): Promise<ExecuteOutcome> {
    return (await this.get()).execute(code, options, io);
  }

  async complete(code: string, cursorPos: number): Promise<CompleteResult> {
    return (await this.get()).complete(code, cursorPos);
  }

  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectResult> {
    return (await this.get()).inspect(code, cursorPos, detailLevel);
  }

  async isComplete(code: string): Promise<IsCompleteResult> {
    return (await this.get()).isComplete(code);
  }

  /** Before the engine is loaded nothing runs, so there is nothing to stop. */
  interrupt(): void {
    this.loaded?.interrupt();
  }

  async shutdown(): Promise<void> {
    if (this.loading === undefined) return;
    const engine = await this.loading.catch(() => undefined);
    await engine?.shutdown();
  }
}
