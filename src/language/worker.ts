// The language worker: type-checks and compiles cells and answers complete/inspect/is_complete, off the
// main thread (a first type check loads lib and @types/node: hundreds of milliseconds the kernel's
// sockets must not wait for). Requests are answered in order.
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { LanguageRequest, LanguageResponse } from "./protocol";
import { CellLanguageService } from "./service";

if (parentPort === null) throw new Error("tensorbook: language/worker.js must run in a worker thread");
const port = parentPort;
const service = new CellLanguageService((workerData as { cwd: string }).cwd);

function handle(request: LanguageRequest): void {
  const response: LanguageResponse = { id: request.id };
  try {
    switch (request.method) {
      case "compile":
        response.result = service.compile(request.code, request.fileName, request.userExpressions);
        break;
      case "complete":
        response.result = service.complete(request.code, request.cursorPos);
        break;
      case "inspect":
        response.result = service.inspect(request.code, request.cursorPos, request.detailLevel);
        break;
      case "isComplete":
        response.result = service.isComplete(request.code);
        break;
    }
  } catch (error) {
    response.error = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  }
  port.postMessage(response);
}

port.on("message", handle);

// Warm the language service up now, so the first cell's check does not pay for loading lib files. A cell
// already waiting (a notebook run starts with one at once) is the warm-up itself; other requests waiting
// (`tensorbook run` sends is_complete to learn when the runtime is ready) are answered after it.
setImmediate(() => {
  const waiting: LanguageRequest[] = [];
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) waiting.push(m.message as LanguageRequest);
  if (!waiting.some((r) => r.method === "compile")) service.warmUp();
  waiting.forEach(handle);
});
