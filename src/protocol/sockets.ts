// The five sockets of a kernel (messaging spec, "Introduction"): shell, control and stdin are ROUTER,
// iopub is PUB, heartbeat echoes. Everything received is verified and decoded, then handed to `onMessage`;
// frames that do not decode are logged and dropped here, so the kernel never sees them and never crashes.
import * as zmq from "zeromq";
import { endpoint, type ConnectionInfo, type MessageChannel } from "./connection";
import { Heartbeat } from "./heartbeat";
import { decode, encode, ProtocolError, type Message } from "./message";
import { DigestHistory, Signer } from "./signature";

export type Log = (line: string) => void;

/** How long an input_request waits for the frontend's stdin connection before it is given up. */
const STDIN_CONNECT_WAIT_MS = 5000;

/**
 * zeromq 6 allows one send in flight per socket ("Socket is busy writing"), while the kernel sends from
 * many places at once (a cell's output, a control reply). Each socket gets a queue that sends in order.
 */
class SendQueue {
  private queue: Buffer[][] = [];
  private sending = false;
  private whenFlushed: (() => void)[] = [];

  /**
   * retryUnroutableMs: how long a message to a peer that is not connected yet is retried (stdin only: its
   * ROUTER is "mandatory", see bind()). Other channels drop such a message, as zeromq does by default.
   */
  constructor(private readonly socket: zmq.Writable<zmq.MessageLike[]>, private readonly channel: string, private readonly log: Log, private readonly retryUnroutableMs = 0) {}

  push(frames: Buffer[]): void {
    this.queue.push(frames);
    if (!this.sending) void this.drain();
  }

  /** Resolves once everything queued so far has been handed to zeromq. */
  flushed(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.whenFlushed.push(resolve));
  }

  private async drain(): Promise<void> {
    this.sending = true;
    for (let frames = this.queue.shift(); frames !== undefined; frames = this.queue.shift()) {
      for (const giveUp = Date.now() + this.retryUnroutableMs; ;) {
        try {
          await this.socket.send(frames);
        } catch (e) {
          const unroutable = (e as { code?: string }).code === "EHOSTUNREACH";
          if (unroutable && Date.now() < giveUp) {
            await new Promise((resolve) => setTimeout(resolve, 20));
            continue;
          }
          // A closed socket at shutdown, or a peer gone: the message is lost, the kernel goes on.
          this.log(`tensorbook kernel: could not send on ${this.channel}: ${(e as Error).message}`);
        }
        break;
      }
    }
    this.sending = false;
    for (const resolve of this.whenFlushed.splice(0)) resolve();
  }
}

export class KernelSockets {
  private readonly queues: { [C in MessageChannel]: SendQueue };
  private closed = false;
  private readonly history = new DigestHistory();

  private constructor(
    private readonly sockets: { shell: zmq.Router; control: zmq.Router; stdin: zmq.Router; iopub: zmq.Publisher },
    private readonly heartbeat: Heartbeat,
    private readonly signer: Signer,
    private readonly log: Log,
  ) {
    this.queues = {
      shell: new SendQueue(sockets.shell, "shell", log),
      control: new SendQueue(sockets.control, "control", log),
      stdin: new SendQueue(sockets.stdin, "stdin", log, STDIN_CONNECT_WAIT_MS),
      iopub: new SendQueue(sockets.iopub, "iopub", log),
    };
  }

  /** Binds every socket of `info`, starts the heartbeat and delivers each valid message to `onMessage`. */
  static async bind(info: ConnectionInfo, onMessage: (channel: MessageChannel, message: Message) => void, log: Log): Promise<KernelSockets> {
    const signer = new Signer(info.key, info.signature_scheme);
    const sockets = { shell: new zmq.Router(), control: new zmq.Router(), stdin: new zmq.Router(), iopub: new zmq.Publisher() };
    for (const socket of Object.values(sockets)) socket.linger = 1000;
    // A frontend connects stdin when it starts, but nothing flows there until the kernel asks for input:
    // if its connection is still being made, a plain ROUTER drops the input_request silently and the cell
    // waits forever (seen in test/e2e/sockets.test.ts under load). With mandatory routing zeromq.js waits
    // for a first peer (up to sendTimeout, then EAGAIN) and fails with EHOSTUNREACH when other peers exist
    // but not this one; the queue retries that until the same deadline.
    sockets.stdin.mandatory = true;
    sockets.stdin.sendTimeout = STDIN_CONNECT_WAIT_MS;
    const heartbeat = new Heartbeat(endpoint(info, info.hb_port));
    heartbeat.ready.catch((e: Error) => log(`tensorbook kernel: ${e.message}; frontends will think the kernel died`));
    await Promise.all([
      sockets.shell.bind(endpoint(info, info.shell_port)),
      sockets.control.bind(endpoint(info, info.control_port)),
      sockets.stdin.bind(endpoint(info, info.stdin_port)),
      sockets.iopub.bind(endpoint(info, info.iopub_port)),
    ]);
    const kernelSockets = new KernelSockets(sockets, heartbeat, signer, log);
    for (const channel of ["shell", "control", "stdin"] as const) void kernelSockets.receive(channel, sockets[channel], onMessage);
    return kernelSockets;
  }

  private async receive(channel: MessageChannel, socket: zmq.Router, onMessage: (channel: MessageChannel, message: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: Message;
        try {
          message = decode(frames, this.signer, this.history);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          this.log(`tensorbook kernel: dropped a message on ${channel}: ${e.message}`);
          continue;
        }
        try {
          onMessage(channel, message);
        } catch (e) {
          this.log(`tensorbook kernel: ${channel} ${message.header.msg_type} failed: ${(e as Error).stack ?? String(e)}`);
        }
      }
    } catch (e) {
      if (!this.closed) this.log(`tensorbook kernel: ${channel} socket stopped: ${(e as Error).message}`);
    }
  }

  send(channel: MessageChannel, message: Message<unknown>): void {
    if (this.closed) return;
    this.queues[channel].push(encode(message, this.signer));
  }

  /** Sends what is queued, then closes every socket (linger lets zeromq deliver the last replies). */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all(Object.values(this.queues).map((queue) => queue.flushed()));
    this.closed = true;
    await this.heartbeat.stop();
    for (const socket of Object.values(this.sockets)) socket.close();
  }
}
