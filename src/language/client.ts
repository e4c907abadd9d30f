// The main thread's side of the language worker: typed request/response over worker_threads messages.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { CompleteResult, InspectResult, IsCompleteResult } from "../runtime/engine";
import type { CompileResult, LanguageRequest, LanguageResponse } from "./protocol";

/** Omit that keeps a union a union (one request type per method). */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class LanguageClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private dead: Error | undefined;

  constructor(cwd: string) {
    this.worker = new Worker(path.join(__dirname, "worker.js"), { workerData: { cwd } });
    this.worker.on("message", (response: LanguageResponse) => {
      const pending = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (response.error !== undefined) pending?.reject(new Error(response.error));
      else pending?.resolve(response.result);
    });
    const fail = (error: Error): void => {
      this.dead ??= error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the language worker exited with code ${code}`)));
  }

  private call<T>(request: WithoutId<LanguageRequest>): Promise<T> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id } as LanguageRequest);
    });
  }

  compile(code: string, fileName: string, userExpressions: { [name: string]: string }): Promise<CompileResult> {
    return this.call({ method: "compile", code, fileName, userExpressions });
  }
  complete(code: string, cursorPos: number): Promise<CompleteResult> {
    return this.call({ method: "complete", code, cursorPos });
  }
  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectResult> {
    return this.call({ method: "inspect", code, cursorPos, detailLevel });
  }
  isComplete(code: string): Promise<IsCompleteResult> {
    return this.call({ method: "isComplete", code });
  }
  async shutdown(): Promise<void> {
    this.dead ??= new Error("the session was shut down");
    await this.worker.terminate();
  }
}
