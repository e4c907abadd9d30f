// The connection file Jupyter writes before it starts a kernel (jupyter_client's `write_connection_file`;
// messaging spec, "General message format"): where to bind the five sockets and how to sign messages.
import * as fs from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  /** The HMAC key; "" means messages are not signed. */
  key: string;
  /** "hmac-sha256" as Jupyter writes it; any "hmac-<digest>" node:crypto knows is accepted. */
  signature_scheme: string;
  kernel_name?: string;
}

export type Channel = "shell" | "control" | "stdin" | "iopub" | "hb";
/** The channels that carry messages (the heartbeat carries raw bytes). */
export type MessageChannel = Exclude<Channel, "hb">;

const PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;

/** Checks a parsed connection file; `where` names it in errors ("connection file /tmp/k.json"). */
export function parseConnectionInfo(raw: unknown, where: string): ConnectionInfo {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected a JSON object`);
  const o = raw as { [key: string]: unknown };
  const transport = o.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`${where}: transport must be "tcp" or "ipc", got ${JSON.stringify(transport)}`);
  const ip = o.ip ?? "127.0.0.1";
  if (typeof ip !== "string" || ip === "") throw new Error(`${where}: ip must be a non-empty string`);
  const key = o.key ?? "";
  if (typeof key !== "string") throw new Error(`${where}: key must be a string`);
  const scheme = o.signature_scheme ?? "hmac-sha256";
  if (typeof scheme !== "string" || !scheme.startsWith("hmac-")) throw new Error(`${where}: signature_scheme must look like "hmac-sha256", got ${JSON.stringify(scheme)}`);
  const ports = {} as { [P in (typeof PORTS)[number]]: number };
  for (const name of PORTS) {
    const port = o[name];
    // Port 0 is legal in a file ("pick one") only for tcp, and we never pick: Jupyter always fills them in.
    if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`${where}: ${name} must be an integer port 1..65535, got ${JSON.stringify(port)}`);
    }
    ports[name] = port;
  }
  const info: ConnectionInfo = { transport, ip, key, signature_scheme: scheme, ...ports };
  if (typeof o.kernel_name === "string") info.kernel_name = o.kernel_name;
  return info;
}

export function readConnectionFile(file: string): ConnectionInfo {
  const where = `connection file ${file}`;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${where}: cannot read it (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  return parseConnectionInfo(raw, where);
}

/** The zeromq endpoint of one socket: tcp://ip:port, or ipc://ip-port as jupyter_client names ipc files. */
export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
