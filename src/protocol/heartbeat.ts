// The heartbeat (messaging spec, "Heartbeat for kernels"): whatever a client sends on hb_port comes back
// unchanged. It runs on its own worker thread with its own zeromq socket, so it answers while the main
// thread is busy (a long synchronous step, a slow module load). libzmq's zmq_proxy(s, s) echo, which
// ipykernel uses, crashes zeromq.js 6.8 (segfault in Proxy.run with one socket as both ends).
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

export class Heartbeat {
  private readonly worker: Worker;

  /** Whether the thread bound its socket; rejects with the bind error. */
  readonly ready: Promise<void>;

  /**
   * Binds `endpoint` on a new thread. Returns at once: the kernel answers kernel_info while the thread
   * boots (a client pings the heartbeat only after it is connected; zeromq queues the ping until then).
   */
  constructor(endpoint: string) {
    this.worker = new Worker(__filename, { workerData: { endpoint } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("message", (message: { ok: boolean; error?: string }) => {
        if (message.ok) resolve();
        else reject(new Error(`heartbeat: cannot bind ${endpoint}: ${message.error}`));
      });
      this.worker.once("error", reject);
    });
  }

  /**
   * Closes the socket inside the thread and waits for the thread to end. worker.terminate() would tear
   * the thread down under a live zeromq socket, which aborts the process ("terminate called after
   * throwing an instance of 'Napi::Error'").
   */
  async stop(): Promise<void> {
    try {
      await this.ready;
    } catch {
      return; // it never bound, and its thread has ended
    }
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
