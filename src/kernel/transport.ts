// What the kernel needs from the wire: a way to send a message on a channel. The protocol's KernelSockets
// implement it over zeromq; handler tests implement it with an array (test/kernel/fake-transport.ts), as
// ipykernel and xeus test their handlers without sockets.
import type { MessageChannel } from "../protocol/connection";
import type { Message } from "../protocol/message";

export type { MessageChannel };

export interface Transport {
  send(channel: MessageChannel, message: Message<unknown>): void;
}
