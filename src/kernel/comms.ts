// Comms (messaging spec, "Custom Messages"): either side opens a comm on a target name; the kernel keeps a
// registry of targets it serves. comm_open to a target nobody registered is answered with comm_close, so
// the frontend does not wait on a dead comm (ipykernel does the same).
import type { JsonObject } from "../protocol/message";

/** A live comm as the kernel side sees it. */
export interface Comm {
  readonly commId: string;
  readonly targetName: string;
  /** comm_msg to the frontend. */
  send(data: JsonObject, buffers?: Buffer[]): void;
  /** comm_close to the frontend; the comm is forgotten. */
  close(data?: JsonObject): void;
}

export interface CommHandlers {
  onMessage?(data: JsonObject, buffers: Buffer[]): void;
  onClose?(data: JsonObject): void;
}

/** Called on comm_open for this target; returns how the comm handles what follows. */
export type CommTarget = (comm: Comm, data: JsonObject, buffers: Buffer[]) => CommHandlers | void;

interface OpenComm {
  comm: Comm;
  handlers: CommHandlers;
}

export class CommRegistry {
  private readonly targets = new Map<string, CommTarget>();
  private readonly open = new Map<string, OpenComm>();

  registerTarget(targetName: string, target: CommTarget): void {
    this.targets.set(targetName, target);
  }

  /** comm_info_reply's comms: {comm_id: {target_name}}, only those of `targetName` when given. */
  info(targetName?: string): { [commId: string]: { target_name: string } } {
    const comms: { [commId: string]: { target_name: string } } = {};
    for (const [id, { comm }] of this.open) {
      if (targetName === undefined || targetName === "" || comm.targetName === targetName) comms[id] = { target_name: comm.targetName };
    }
    return comms;
  }

  /** Opens a comm the frontend asked for; false when the target is unknown (the caller sends comm_close). */
  opened(comm: Comm, data: JsonObject, buffers: Buffer[]): boolean {
    const target = this.targets.get(comm.targetName);
    if (target === undefined) return false;
    this.open.set(comm.commId, { comm, handlers: {} });
    const handlers = target(comm, data, buffers);
    const entry = this.open.get(comm.commId);
    if (entry !== undefined && handlers) entry.handlers = handlers;
    return true;
  }

  /** comm_msg from the frontend; false when no such comm is open. */
  message(commId: string, data: JsonObject, buffers: Buffer[]): boolean {
    const entry = this.open.get(commId);
    if (entry === undefined) return false;
    entry.handlers.onMessage?.(data, buffers);
    return true;
  }

  /** comm_close from the frontend; false when no such comm is open. */
  closed(commId: string, data: JsonObject): boolean {
    const entry = this.open.get(commId);
    if (entry === undefined) return false;
    this.open.delete(commId);
    entry.handlers.onClose?.(data);
    return true;
  }

  /** Forgets a comm the kernel closed itself. */
  forget(commId: string): void {
    this.open.delete(commId);
  }
}
