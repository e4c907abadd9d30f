// The one place where outgoing messages are made. Every reply and every iopub message is built from the
// request it answers by `Session.message`: the request's header becomes parent_header, its routing
// identities are reused (replies must reach the same ROUTER peer), and the header gets a fresh msg_id and
// the current date. No handler writes a header by hand.
import { randomUUID } from "node:crypto";
import { PROTOCOL_VERSION, type Header, type Message, type JsonObject } from "../protocol/message";
import type { MessageChannel } from "./transport";

export class Session {
  /** This kernel session's id, in every header it sends (messaging spec: "session"). */
  readonly id: string = randomUUID();
  readonly username: string = "kernel";

  /**
   * A new message of `msgType` answering `parent` (null: one that answers nothing, as status "starting").
   * On iopub the first frame is a topic (ipykernel's "kernel.<session>.<msg_type>"), not an identity.
   */
  message<Content>(parent: Message<unknown> | null, channel: MessageChannel, msgType: string, content: Content, metadata: JsonObject = {}): Message<Content> {
    const header: Header = {
      msg_id: randomUUID(),
      session: this.id,
      username: this.username,
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    };
    return {
      identities: channel === "iopub" ? [Buffer.from(`kernel.${this.id}.${msgType}`)] : (parent?.identities ?? []),
      header,
      parent_header: parent?.header ?? {},
      metadata,
      content,
      buffers: [],
    };
  }
}
