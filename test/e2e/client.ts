// Our own Jupyter client for wire tests: it launches `tensorbook kernel` on a fresh connection file and
// talks to it over zeromq as jupyter_client does (DEALER for shell/control/stdin with the session as
// routing id, SUB for iopub, REQ for heartbeat). Every message it receives is decoded with the key, so a
// reply with a wrong signature fails the test that reads it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "../../src/protocol/connection";
import { decode, encode, type Header, type JsonObject, type Message } from "../../src/protocol/message";
import { Signer } from "../../src/protocol/signature";

const KERNEL = path.join(__dirname, "..", "..", "src", "cli", "kernel.js");
export const FAKE_ENGINE = path.join(__dirname, "..", "kernel", "fake-engine.js");

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => resolve(server));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

type Channel = "shell" | "control" | "stdin";

export class KernelClient {
  readonly session = randomUUID();
  readonly iopub: Message[] = [];
  readonly received: { [C in Channel]: Message[] } = { shell: [], control: [], stdin: [] };
  stderr = "";
  private readonly signer: Signer;
  private readonly sockets: { [C in Channel]: zmq.Dealer };
  private readonly sub = new zmq.Subscriber();
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  private constructor(readonly info: ConnectionInfo, readonly process: ChildProcess, private readonly dir: string) {
    this.signer = new Signer(info.key, info.signature_scheme);
    this.sockets = { shell: new zmq.Dealer(), control: new zmq.Dealer(), stdin: new zmq.Dealer() };
    process.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.notify();
    });
    this.exited = new Promise((resolve) => process.once("exit", (code) => resolve(code)));
  }

  /** Starts a kernel (the scripted engine unless `engine` is null: then the real runtime) and connects. */
  /** `stdinLater`: leave stdin unconnected until connectStdin() (a frontend whose stdin connects late). */
  static async launch(options: { engine?: string | null; key?: string; env?: NodeJS.ProcessEnv; stdinLater?: boolean } = {}): Promise<KernelClient> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const info: ConnectionInfo = { transport: "tcp", ip: "127.0.0.1", shell_port: shell, iopub_port: iopub, stdin_port: stdin, control_port: control, hb_port: hb, key: options.key ?? randomUUID(), signature_scheme: "hmac-sha256" };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tb-kernel-"));
    const file = path.join(dir, "kernel.json");
    fs.writeFileSync(file, JSON.stringify(info));
    const engine = options.engine === undefined ? FAKE_ENGINE : options.engine;
    const child = spawn(process.execPath, [KERNEL, file, ...(engine === null ? [] : ["--engine", engine])], { stdio: ["ignore", "inherit", "pipe"], cwd: dir, env: { ...process.env, ...options.env } });
    const client = new KernelClient(info, child, dir);
    await client.connect(options.stdinLater === true);
    return client;
  }

  private connectChannel(channel: Channel): void {
    const socket = this.sockets[channel];
    socket.routingId = this.session;
    socket.linger = 0;
    socket.connect(`tcp://${this.info.ip}:${this.info[`${channel}_port`]}`);
    void this.pump(socket, (m) => this.received[channel].push(m));
  }

  connectStdin(): void {
    this.connectChannel("stdin");
  }

  private async connect(stdinLater: boolean): Promise<void> {
    const at = (port: number): string => `tcp://${this.info.ip}:${port}`;
    for (const channel of ["shell", "control", "stdin"] as const) if (channel !== "stdin" || !stdinLater) this.connectChannel(channel);
    this.sub.linger = 0;
    this.sub.connect(at(this.info.iopub_port));
    this.sub.subscribe();
    void this.pump(this.sub, (m) => this.iopub.push(m));
    // PUB/SUB joins late: ask kernel_info until its busy status shows on iopub (jupyter_client does so too).
    for (let tries = 0; tries < 100; tries++) {
      const req = this.send("shell", "kernel_info_request", {});
      await this.reply(req, 10000);
      if (await this.waitUntil(() => this.iopub.some((m) => parentId(m) === req.header.msg_id), 100).then(() => true, () => false)) return;
    }
    throw new Error("iopub never delivered a status");
  }

  private async pump(socket: zmq.Dealer | zmq.Subscriber, push: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        push(decode(frames, this.signer));
        this.notify();
      }
    } catch {
      // closed
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when `ready()` holds, rejects after `timeoutMs`. */
  waitUntil(ready: () => boolean, timeoutMs = 10000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        if (ready()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  message(msgType: string, content: JsonObject): Message {
    const header: Header = { msg_id: randomUUID(), session: this.session, username: "test", date: new Date().toISOString(), msg_type: msgType, version: "5.3" };
    return { identities: [], header, parent_header: {}, metadata: {}, content, buffers: [] };
  }

  send(channel: Channel, msgType: string, content: JsonObject, signer: Signer = this.signer): Message {
    const message = this.message(msgType, content);
    void this.sockets[channel].send(encode(message, signer));
    return message;
  }

  sendRaw(channel: Channel, frames: Buffer[]): void {
    void this.sockets[channel].send(frames);
  }

  async reply(request: Message, timeoutMs = 10000): Promise<Message> {
    const find = (): Message | undefined => [...this.received.shell, ...this.received.control].find((m) => parentId(m) === request.header.msg_id);
    await this.waitUntil(() => find() !== undefined, timeoutMs);
    return find()!;
  }

  /** iopub messages of `request`, once its idle arrived. */
  async outputs(request: Message, timeoutMs = 10000): Promise<Message[]> {
    const mine = (): Message[] => this.iopub.filter((m) => parentId(m) === request.header.msg_id);
    await this.waitUntil(() => mine().some((m) => m.content.execution_state === "idle"), timeoutMs);
    return mine();
  }

  async heartbeat(timeoutMs = 2000): Promise<string> {
    const req = new zmq.Request();
    req.linger = 0;
    req.receiveTimeout = timeoutMs;
    req.connect(`tcp://${this.info.ip}:${this.info.hb_port}`);
    try {
      await req.send("ping");
      const [echo] = await req.receive();
      return echo.toString();
    } finally {
      req.close();
    }
  }

  async close(): Promise<void> {
    for (const socket of [...Object.values(this.sockets), this.sub]) socket.close();
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill("SIGKILL");
      await this.exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function parentId(message: Message): string | undefined {
  return (message.parent_header as Partial<Header>).msg_id;
}
