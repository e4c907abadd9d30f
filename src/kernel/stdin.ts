// input_request / input_reply on the stdin channel (messaging spec, "Messages on the stdin ROUTER/DEALER
// channel"). A cell's prompt() asks through here; the request goes to the same frontend that sent the
// execute_request (its identities), and only when that request said allow_stdin.
import type { Message } from "../protocol/message";

export class StdinBroker {
  private pending: { parent: Message; resolve(value: string): void; reject(error: Error): void } | undefined;

  constructor(private readonly send: (parent: Message, prompt: string, password: boolean) => void, private readonly log: (line: string) => void) {}

  /** Asks the frontend of `parent`; resolves with its input_reply's value. */
  request(parent: Message, prompt: string, password: boolean): Promise<string> {
    if (parent.content.allow_stdin !== true) {
      return Promise.reject(new Error("stdin is not available: this frontend does not allow input requests (allow_stdin is false)"));
    }
    if (this.pending !== undefined) return Promise.reject(new Error("an input request is already waiting for its reply"));
    return new Promise((resolve, reject) => {
      this.pending = { parent, resolve, reject };
      this.send(parent, prompt, password);
    });
  }

  /** An input_reply arrived: answers the pending request, or is logged when nothing asked for it. */
  reply(message: Message): void {
    const pending = this.pending;
    if (message.header.msg_type !== "input_reply") {
      this.log(`tensorbook kernel: ignored ${message.header.msg_type} on stdin (only input_reply belongs there)`);
      return;
    }
    if (pending === undefined) {
      this.log("tensorbook kernel: ignored an input_reply: no input_request is waiting");
      return;
    }
    this.pending = undefined;
    const value = message.content.value;
    if (typeof value === "string") pending.resolve(value);
    else pending.reject(new Error("input_reply without a string value"));
  }

  /** The cell was interrupted or the kernel is stopping: the waiting prompt fails with `reason`. */
  cancel(reason: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(reason);
  }
}
