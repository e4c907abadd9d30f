// `tensorbook kernel CONNECTION_FILE [--engine MODULE]`: what Jupyter starts (the kernelspec's argv runs
// this file directly, skipping the CLI dispatcher, to start faster). The process binds the sockets,
// answers kernel_info at once, loads the engine in the background, and exits after shutdown_request.
//
// --engine MODULE: a module exporting createEngine({ cwd }) to use instead of the runtime's (tests use it
// to drive the protocol against a scripted engine).
import * as path from "node:path";
import type { Engine } from "../runtime/engine";
import { Kernel } from "../kernel/kernel";
import { LazyEngine } from "../kernel/lazy-engine";
import { readConnectionFile } from "../protocol/connection";
import { KernelSockets } from "../protocol/sockets";

const USAGE = "usage: tensorbook kernel CONNECTION_FILE [--engine MODULE]";

type EngineModule = { createEngine(options: { cwd: string }): Engine | Promise<Engine> };

function parseArgs(argv: string[]): { connectionFile: string; engineModule: string } | string {
  let connectionFile: string | undefined;
  let engineModule = "../runtime/index.js";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--engine") {
      const value = argv[++i];
      if (value === undefined) return "--engine needs a module path";
      engineModule = path.resolve(value);
    } else if (arg.startsWith("-")) return `unknown option ${arg}`;
    else if (connectionFile === undefined) connectionFile = arg;
    else return `unexpected argument ${arg}`;
  }
  return connectionFile === undefined ? "missing CONNECTION_FILE" : { connectionFile, engineModule };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    console.error(`tensorbook kernel: ${args}\n${USAGE}`);
    return 2;
  }
  const info = readConnectionFile(args.connectionFile);
  const log = (line: string): void => void process.stderr.write(line + "\n");
  const engine = new LazyEngine(async () => {
    const module = (await import(args.engineModule)) as EngineModule;
    return module.createEngine({ cwd: process.cwd() });
  });

  // The kernel exists before the sockets bind, so no request can arrive before there is someone to take it.
  let sockets: KernelSockets | undefined;
  let exit: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (exit = resolve));
  const kernel = new Kernel({
    engine,
    transport: { send: (channel, message) => sockets?.send(channel, message) },
    log,
    onKernelInfo: () => engine.warm(),
    onShutdown: async () => {
      await sockets?.close();
      exit(0);
    },
  });
  // interrupt_mode is "message", but a terminal's Ctrl-C or `kill -INT` must interrupt, not kill.
  process.on("SIGINT", () => kernel.interruptCell());
  sockets = await KernelSockets.bind(info, (channel, message) => kernel.receive(channel, message), log);
  kernel.start();
  // A frontend that never asks kernel_info still gets a warm engine soon.
  setTimeout(() => engine.warm(), 1000).unref();
  watchParent(log, async () => {
    await Promise.race([engine.shutdown(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    await sockets?.close();
    exit(1);
  });
  return done;
}

/**
 * jupyter_client passes its pid in JPY_PARENT_PID; when that process is gone (a killed notebook server) no
 * one will ever send shutdown_request, so the kernel exits instead of lingering (ipykernel's ParentPoller).
 */
function watchParent(log: (line: string) => void, onGone: () => Promise<void>): void {
  const parent = Number(process.env.JPY_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1) return;
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EPERM") return; // alive, owned by someone else
      clearInterval(timer);
      log(`tensorbook kernel: parent process ${parent} is gone; exiting`);
      void onGone();
    }
  }, 3000);
  timer.unref();
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`tensorbook kernel: ${error.message}`);
      process.exit(1);
    },
  );
}
