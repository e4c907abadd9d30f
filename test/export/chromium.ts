// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3,
// events and replies on fd 4, each a JSON message ended by "\0"). It opens a page, records every console
// error and uncaught exception, and evaluates expressions in the page — what "renders every plot, no
// console errors" needs to be checked, not assumed.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM = "/usr/bin/chromium";

interface Message {
  id?: number;
  method?: string;
  params?: { [key: string]: unknown };
  result?: { [key: string]: unknown };
  error?: { message: string };
  sessionId?: string;
}

export class Browser {
  readonly errors: string[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  private sessionId: string | undefined;

  private constructor(private readonly child: ChildProcess, private readonly profile: string) {
    // A browser that dies (or never starts) fails every pending command instead of leaving it hanging.
    const fail = (why: string): void => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`chromium ${why}`));
      this.waiting.clear();
    };
    child.once("error", (err) => fail(`could not start: ${err.message}`));
    child.once("exit", (code, signal) => fail(`exited (${signal ?? code})`));
    const input = child.stdio[4] as Readable;
    let buffer = "";
    input.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\0"); end >= 0; end = buffer.indexOf("\0")) {
        const message = JSON.parse(buffer.slice(0, end)) as Message;
        buffer = buffer.slice(end + 1);
        this.dispatch(message);
      }
    });
  }

  static async launch(): Promise<Browser> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-chromium-"));
    const child = spawn(CHROMIUM, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank",
    ], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
    const browser = new Browser(child, profile);
    const { targetInfos } = (await browser.send("Target.getTargets")) as { targetInfos: { targetId: string; type: string }[] };
    const page = targetInfos.find((t) => t.type === "page") ?? ((await browser.send("Target.createTarget", { url: "about:blank" })) as { targetId: string });
    const { sessionId } = (await browser.send("Target.attachToTarget", { targetId: page.targetId, flatten: true })) as { sessionId: string };
    browser.sessionId = sessionId;
    await browser.send("Runtime.enable");
    await browser.send("Log.enable");
    await browser.send("Page.enable");
    return browser;
  }

  private dispatch(message: Message): void {
    if (message.id !== undefined) {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message);
      return;
    }
    const p = message.params ?? {};
    if (message.method === "Runtime.exceptionThrown") {
      const details = p.exceptionDetails as { text?: string; exception?: { description?: string } };
      this.errors.push(`uncaught: ${details.exception?.description ?? details.text}`);
    } else if (message.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) {
      this.errors.push(`console.${p.type}: ${(p.args as { value?: unknown; description?: string }[]).map((a) => a.value ?? a.description).join(" ")}`);
    } else if (message.method === "Log.entryAdded") {
      const entry = p.entry as { level: string; text: string; url?: string };
      if (entry.level === "error") this.errors.push(`log: ${entry.text} ${entry.url ?? ""}`);
    }
    for (const listener of this.listeners) listener(message);
  }

  send(method: string, params: { [key: string]: unknown } = {}): Promise<{ [key: string]: unknown }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.reject(new Error(`chromium is not running (${method})`));
    const id = this.nextId++;
    const message: Message = { id, method, params, ...(this.sessionId && !method.startsWith("Target.") && { sessionId: this.sessionId }) };
    (this.child.stdio[3] as Writable).write(JSON.stringify(message) + "\0");
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve: (m) => resolve(m.result ?? {}), reject }));
  }

  /** Navigates and resolves once the load event fired. */
  async open(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.listeners.push((m) => { if (m.method === "Page.loadEventFired") resolve(); }));
    await this.send("Page.navigate", { url });
    await loaded;
  }

  /** The JSON value of an expression evaluated in the page (promises awaited). */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = (await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (reply.exceptionDetails) throw new Error(`evaluate ${expression}: ${reply.exceptionDetails.text}`);
    return reply.result.value;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.send("Browser.close").catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}
