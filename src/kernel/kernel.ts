// The kernel: it receives decoded messages, answers them and publishes what happens, knowing nothing of
// sockets (transport.ts) nor of TypeScript (the Engine). Rules it keeps for every request:
//
// - status busy before handling, idle after, on iopub, with the request as parent (messaging spec,
//   "Kernel status"); status starting once, at start.
// - shell requests run one at a time, in arrival order; control requests are answered at once, also
//   while a cell runs (interrupt, shutdown: spec 5.4 sends shutdown on control).
// - stop_on_error: when a cell fails, the execute_requests already queued get status "aborted" replies.
// - a request it cannot handle (unknown msg_type, bad content) is logged to stderr; the kernel goes on.
import type { Engine } from "../runtime/engine";
import type { JsonObject, Message } from "../protocol/message";
import { CommRegistry } from "./comms";
import { execute, type ExecuteState } from "./execute";
import * as handlers from "./handlers";
import { History } from "./history";
import { kernelInfo } from "./info";
import type { RequestScope } from "./scope";
import { Session } from "./session";
import { StdinBroker } from "./stdin";
import type { MessageChannel, Transport } from "./transport";

export interface KernelOptions {
  engine: Engine;
  transport: Transport;
  /** Where problems with incoming messages are reported (stderr in the kernel process). */
  log?: (line: string) => void;
  /** After shutdown_reply went out and the engine stopped: the process closes its sockets and exits. */
  onShutdown?: (restart: boolean) => void | Promise<void>;
  /** After each kernel_info_reply (the launcher warms the engine up after the first). */
  onKernelInfo?: () => void;
}

type ShellHandler = (scope: RequestScope) => Promise<void> | void;

export class Kernel implements ExecuteState {
  readonly session = new Session();
  readonly comms = new CommRegistry();
  readonly history = new History();
  readonly stdin: StdinBroker;
  readonly engine: Engine;
  executionCount = 0;

  private readonly transport: Transport;
  private readonly log: (line: string) => void;
  private readonly queue: { channel: MessageChannel; message: Message }[] = [];
  private running = false;
  private shuttingDown = false;
  private readonly handlers: { [msgType: string]: ShellHandler };
  /** Requests answered on control as soon as they arrive (ipykernel answers these there too). */
  private static readonly CONTROL = new Set(["kernel_info_request", "shutdown_request", "interrupt_request", "comm_info_request", "history_request"]);

  constructor(private readonly options: KernelOptions) {
    this.engine = options.engine;
    this.transport = options.transport;
    this.log = options.log ?? ((line) => process.stderr.write(line + "\n"));
    this.stdin = new StdinBroker((parent, prompt, password) => {
      this.transport.send("stdin", this.session.message(parent, "stdin", "input_request", { prompt, password }));
    }, this.log);
    this.handlers = {
      kernel_info_request: (scope) => {
        scope.reply({ ...kernelInfo() });
        this.options.onKernelInfo?.();
      },
      execute_request: async (scope) => {
        if ((await execute(scope, this)) === "error") this.abortQueuedExecutes();
      },
      complete_request: (scope) => handlers.complete(scope, this.engine),
      inspect_request: (scope) => handlers.inspect(scope, this.engine),
      is_complete_request: (scope) => handlers.isComplete(scope, this.engine),
      history_request: (scope) => handlers.history(scope, this.history),
      comm_info_request: (scope) => handlers.commInfo(scope, this.comms),
      comm_open: (scope) => handlers.commOpen(scope, this.comms, this.log),
      comm_msg: (scope) => handlers.commMsg(scope, this.comms, this.log),
      comm_close: (scope) => handlers.commClose(scope, this.comms, this.log),
      interrupt_request: (scope) => this.interrupt(scope),
      shutdown_request: (scope) => this.shutdown(scope),
    };
  }

  /** Publishes status "starting", once, before anything else. */
  start(): void {
    this.transport.send("iopub", this.session.message(null, "iopub", "status", { execution_state: "starting" }));
  }

  /** Everything the protocol decoded arrives here. */
  receive(channel: MessageChannel, message: Message): void {
    const type = message.header.msg_type;
    if (channel === "stdin") return this.stdin.reply(message);
    if (channel === "iopub") return this.log(`tensorbook kernel: ignored ${type} received on iopub`);
    if (this.shuttingDown) return this.log(`tensorbook kernel: ignored ${type}: shutting down`);
    // hasOwn: a msg_type such as "constructor" or "__proto__" must not reach Object.prototype
    if (!Object.hasOwn(this.handlers, type)) return this.log(`tensorbook kernel: ignored unknown message type ${JSON.stringify(type)} on ${channel}`);
    if (channel === "control") {
      if (!Kernel.CONTROL.has(type)) return this.log(`tensorbook kernel: ignored ${type} on control (send it on shell)`);
      void this.handle(channel, message);
      return;
    }
    this.queue.push({ channel, message });
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) await this.handle(next.channel, next.message);
    this.running = false;
  }

  private scope(channel: MessageChannel, request: Message): RequestScope {
    return {
      request,
      reply: (content, metadata = {}) => {
        const type = request.header.msg_type.replace(/_request$/, "_reply");
        this.transport.send(channel, this.session.message(request, channel, type, content, metadata));
      },
      publish: (msgType, content, metadata = {}, buffers = []) => {
        const message = this.session.message(request, "iopub", msgType, content, metadata);
        message.buffers = buffers;
        this.transport.send("iopub", message);
      },
    };
  }

  /** busy → the handler → idle. A handler's exception is logged and, for a request, answered as an error. */
  private async handle(channel: MessageChannel, request: Message): Promise<void> {
    const scope = this.scope(channel, request);
    scope.publish("status", { execution_state: "busy" });
    try {
      await this.handlers[request.header.msg_type](scope);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.log(`tensorbook kernel: ${request.header.msg_type} failed: ${error.message}`);
      if (request.header.msg_type.endsWith("_request")) {
        scope.reply({ status: "error", ename: error.name, evalue: error.message, traceback: [error.stack ?? error.message] });
      }
    } finally {
      scope.publish("status", { execution_state: "idle" });
    }
  }

  /** stop_on_error: every execute_request waiting behind the failed cell is answered "aborted", unrun. */
  private abortQueuedExecutes(): void {
    const waiting = this.queue.splice(0);
    for (const item of waiting) {
      if (item.message.header.msg_type !== "execute_request") {
        this.queue.push(item);
        continue;
      }
      const scope = this.scope(item.channel, item.message);
      scope.publish("status", { execution_state: "busy" });
      scope.reply({ status: "aborted", execution_count: this.executionCount }, { status: "aborted" });
      scope.publish("status", { execution_state: "idle" });
    }
  }

  /** interrupt_request (control) and SIGINT: the running cell stops with an error, a waiting prompt fails. */
  interruptCell(): void {
    this.stdin.cancel(new Error("KeyboardInterrupt: interrupted while waiting for input"));
    this.engine.interrupt();
  }

  private interrupt(scope: RequestScope): void {
    this.interruptCell();
    scope.reply({ status: "ok" });
  }

  private async shutdown(scope: RequestScope): Promise<void> {
    const restart = scope.request.content.restart === true;
    this.shuttingDown = true;
    const content: JsonObject = { status: "ok", restart };
    scope.reply(content);
    // ipykernel also publishes the reply on iopub, so every frontend of the session learns of it.
    scope.publish("shutdown_reply", content);
    this.interruptCell();
    this.queue.splice(0);
    try {
      await this.engine.shutdown();
    } catch (e) {
      this.log(`tensorbook kernel: engine shutdown failed: ${(e as Error).message}`);
    }
    // Runs after this handler's idle is queued: the launcher flushes sockets before exiting.
    setImmediate(() => void this.options.onShutdown?.(restart));
  }
}
