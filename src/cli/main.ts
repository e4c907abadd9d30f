// `tensorbook <command>`: each command lives in its own module, loaded only when asked for, so that
// `tensorbook kernel` starts without loading what `run` or `doctor` need.

type Command = { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> };

const commands: { [name: string]: Command } = {
  install: { summary: "install the Jupyter kernelspec (--user | --sys-prefix | --prefix DIR) [--name NAME]", load: () => import("./install.js") },
  kernel: { summary: "run the kernel on a Jupyter connection file (what Jupyter starts)", load: () => import("./kernel.js") },
  run: { summary: "execute a notebook headless: run NB.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html]", load: () => import("./run.js") },
  export: { summary: "export a notebook: export NB.ipynb --html OUT.html", load: () => import("./export.js") },
  doctor: { summary: "print versions, backends, the kernelspec and what is missing", load: () => import("./doctor.js") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return ["usage: tensorbook <command> [options]", "", ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    console.log((await import("../paths.js")).packageVersion());
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`tensorbook: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).main(rest);
}
