// An in-memory Transport: what the kernel sends is kept in order, per channel, for tests to read; requests
// are made the way a frontend makes them (jupyter_client's Session.msg), with an identity to route by.
import { randomUUID } from "node:crypto";
import type { Header, JsonObject, Message } from "../../src/protocol/message";
import type { MessageChannel, Transport } from "../../src/kernel/transport";

export interface Sent {
  channel: MessageChannel;
  message: Message<JsonObject>;
}

export class FakeTransport implements Transport {
  readonly sent: Sent[] = [];
  private waiters: { test: (s: Sent) => boolean; resolve: (s: Sent) => void }[] = [];

  send(channel: MessageChannel, message: Message<unknown>): void {
    const sent = { channel, message: message as Message<JsonObject> };
    this.sent.push(sent);
    this.waiters = this.waiters.filter((w) => !(w.test(sent) && (w.resolve(sent), true)));
  }

  /** Messages on `channel` whose parent is `parent`, in order. */
  children(parent: Message, channel?: MessageChannel): Message<JsonObject>[] {
    return this.sent.filter((s) => (channel === undefined || s.channel === channel) && (s.message.parent_header as Header).msg_id === parent.header.msg_id).map((s) => s.message);
  }

  /** The reply to `request` (on shell, control or stdin), once it was sent. */
  reply(request: Message): Promise<Message<JsonObject>> {
    return this.waitFor((s) => s.channel !== "iopub" && s.message.header.msg_type.endsWith("_reply") && (s.message.parent_header as Header).msg_id === request.header.msg_id).then((s) => s.message);
  }

  /** Resolves when `request`'s idle status has been published: everything it causes has been sent. */
  async idle(request: Message): Promise<void> {
    await this.waitFor((s) => s.channel === "iopub" && s.message.header.msg_type === "status" && s.message.content.execution_state === "idle" && (s.message.parent_header as Header).msg_id === request.header.msg_id);
  }

  waitFor(test: (s: Sent) => boolean): Promise<Sent> {
    const found = this.sent.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

let counter = 0;

/** A request as a frontend sends it, from the peer `identity`. */
export function request(msgType: string, content: JsonObject, identity = "frontend-1"): Message {
  return {
    identities: [Buffer.from(identity)],
    header: { msg_id: `req-${++counter}-${randomUUID()}`, session: "frontend-session", username: "student", date: new Date().toISOString(), msg_type: msgType, version: "5.3" },
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** execute_request content with the spec's defaults. */
export function executeContent(code: string, extra: JsonObject = {}): JsonObject {
  return { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true, ...extra };
}
