// What a handler may do with the request it serves: answer it on its own channel, and publish iopub
// messages that name it as their parent. Both go through Session.message (session.ts), the one builder.
import type { JsonObject, Message } from "../protocol/message";

export interface RequestScope {
  readonly request: Message;
  reply(content: JsonObject, metadata?: JsonObject): void;
  publish(msgType: string, content: JsonObject, metadata?: JsonObject, buffers?: Buffer[]): void;
}
