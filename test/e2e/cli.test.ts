// `tensorbook install` and `tensorbook doctor`: where the kernelspec goes, what it holds, clear errors,
// and doctor finding it (or saying it is missing) through Jupyter's search path.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { install, kernelJson, kernelspecDir, parseInstallArgs, userDataDir } from "../../src/cli/install";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-install-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("install --prefix writes kernel.json and both logos under share/jupyter/kernels/NAME", () => {
  const options = parseInstallArgs(["--prefix", tmp, "--name", "tb-dev", "--display-name", "TypeScript (dev)"]);
  const dir = install(options);
  assert.equal(dir, path.join(tmp, "share", "jupyter", "kernels", "tb-dev"));
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8")) as { argv: string[]; display_name: string; language: string; interrupt_mode: string };
  assert.deepEqual(spec.argv, [process.execPath, path.resolve(__dirname, "..", "..", "src", "cli", "kernel.js"), "{connection_file}"]);
  assert.ok(fs.existsSync(spec.argv[1]), "argv points at the compiled kernel entry point");
  assert.equal(spec.display_name, "TypeScript (dev)");
  assert.equal(spec.language, "typescript");
  assert.equal(spec.interrupt_mode, "message");
  for (const [logo, size] of [["logo-32x32.png", 32], ["logo-64x64.png", 64]] as const) {
    const png = fs.readFileSync(path.join(dir, logo));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), size, `${logo} width`);
    assert.equal(png.readUInt32BE(20), size, `${logo} height`);
  }
});

test("--user follows JUPYTER_DATA_DIR, as jupyter_core does", () => {
  const saved = process.env.JUPYTER_DATA_DIR;
  process.env.JUPYTER_DATA_DIR = path.join(tmp, "data");
  try {
    assert.equal(userDataDir(), path.join(tmp, "data"));
    assert.equal(kernelspecDir(parseInstallArgs(["--user"])), path.join(tmp, "data", "kernels", "tensorbook"));
  } finally {
    if (saved === undefined) delete process.env.JUPYTER_DATA_DIR;
    else process.env.JUPYTER_DATA_DIR = saved;
  }
  assert.equal(kernelJson().language, "typescript");
});

test("bad install arguments say what is wrong", () => {
  assert.throws(() => parseInstallArgs(["--user", "--prefix", tmp]), /give only one of --user, --sys-prefix, --prefix/);
  assert.throws(() => parseInstallArgs(["--prefix"]), /--prefix needs a value/);
  assert.throws(() => parseInstallArgs(["--frobnicate"]), /unknown argument --frobnicate/);
  assert.throws(() => install({ where: { kind: "prefix", prefix: tmp }, name: "bad name!" }), /may hold only letters, digits/);
});

function doctor(jupyterPath: string): { status: number | null; stdout: string } {
  const script = `require(${JSON.stringify(path.join(__dirname, "..", "..", "src", "cli", "doctor.js"))}).main([]).then((c) => process.exit(c))`;
  const result = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, JUPYTER_PATH: jupyterPath, JUPYTER_DATA_DIR: path.join(jupyterPath, "nowhere"), HOME: jupyterPath }, encoding: "utf8", timeout: 60000 });
  return { status: result.status, stdout: result.stdout };
}

test("doctor finds the installed kernelspec, and says when none is installed", () => {
  const found = doctor(path.join(tmp, "share", "jupyter"));
  assert.match(found.stdout, /typescript\s+6\.\d+\.\d+/);
  assert.match(found.stdout, new RegExp(`kernelspec:\\n  ${path.join(tmp, "share", "jupyter", "kernels", "tb-dev").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`));
  assert.match(found.stdout, /backends:/);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "tb-empty-"));
  const fresh = doctor(empty);
  fs.rmSync(empty, { recursive: true, force: true });
  // a system-wide tensorbook kernelspec (/usr/share/jupyter) would be found too; only assert on a clean machine
  if (!/kernelspec:\n  \//.test(fresh.stdout)) {
    assert.equal(fresh.status, 1);
    assert.match(fresh.stdout, /missing:\n(.*\n)*\s+- the kernelspec: run `npx tensorbook install --user`/);
  }
});

test("tensorbook kernel without a connection file: usage and exit status 2", () => {
  const result = spawnSync(process.execPath, [path.join(__dirname, "..", "..", "src", "cli", "kernel.js")], { encoding: "utf8" });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /missing CONNECTION_FILE\nusage: tensorbook kernel CONNECTION_FILE/);
  const missing = spawnSync(process.execPath, [path.join(__dirname, "..", "..", "src", "cli", "kernel.js"), path.join(tmp, "nope.json")], { encoding: "utf8" });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /connection file .*nope\.json: cannot read it/);
});
