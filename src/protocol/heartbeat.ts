// The heartbeat (messaging spec, "Heartbeat for kernels"): whatever a client sends on hb_port comes back
// unchanged. It runs on its own worker thread with its own zeromq socket, so it answers while the main
// thread is busy (a long synchronous step, a slow module load). libzmq's zmq_proxy(s, s) echo, which
// ipykernel uses, crashes zeromq.js 6.8 (segfault in Proxy.run with one socket as both ends).
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

export class Heartbeat {
  private constructor(private readonly worker: Worker) {}

  /** Binds `endpoint` on a new thread; resolves once it listens, rejects with the bind error. */
  static start(endpoint: string): Promise<Heartbeat> {
    const worker = new Worker(__filename, { workerData: { endpoint } });
    return new Promise((resolve, reject) => {
      worker.once("message", (message: { ok: boolean; error?: string }) => {
        if (message.ok) resolve(new Heartbeat(worker));
        else reject(new Error(`heartbeat: cannot bind ${endpoint}: ${message.error}`));
      });
      worker.once("error", reject);
    });
  }

  /**
   * Closes the socket inside the thread and waits for the thread to end. worker.terminate() would tear
   * the thread down under a live zeromq socket, which aborts the process ("terminate called after
   * throwing an instance of 'Napi::Error'").
   */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    this.worker.postMessage("stop");
    await exited;
  }
}

async function echo(endpoint: string): Promise<void> {
  const zmq = await import("zeromq");
  const socket = new zmq.Reply();
  socket.linger = 0;
  try {
    await socket.bind(endpoint);
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).message });
    return;
  }
  parentPort!.once("message", () => {
    socket.close();
    parentPort!.close();
  });
  parentPort!.postMessage({ ok: true });
  try {
    for await (const frames of socket) await socket.send(frames);
  } catch {
    // closed while receiving or sending: the loop ends and the thread with it
  }
}

if (!isMainThread && (workerData as { endpoint?: unknown } | null)?.endpoint !== undefined) {
  void echo((workerData as { endpoint: string }).endpoint);
}
