// The restricted unpickler against pickles written by Python's own pickler and numpy
// (test/fixtures/checkpoint/pickle/make_pickles.py), and against hostile and broken pickles.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { fixture } from "../../helpers/tools";
import { NdArray, loadPickle } from "../../../src/ml/checkpoint/numpy";
import { PickleError, PyValue, RefusedGlobalError, globalTable, unpickle } from "../../../src/ml/checkpoint/pickle";

const dir = (...p: string[]): string => fixture("checkpoint", "pickle", ...p);

interface ArrayExpect {
  dtype: string;
  shape: number[];
  values: number[];
}
type Expected = { [key: string]: ArrayExpect | number | object };
const expected = JSON.parse(fs.readFileSync(dir("numpy_expected.json"), "utf8")) as {
  arrays: Expected;
  nielsen: { dtype: string; shape: number[]; first: number[]; sha256: string }[][];
};

function field(dict: PyValue, key: string): PyValue {
  assert.ok(dict instanceof Map, "a dict");
  assert.ok(dict.has(key), `has ${key}`);
  return dict.get(key)!;
}

function assertArray(v: PyValue, e: ArrayExpect, what: string): void {
  assert.ok(v instanceof NdArray, `${what} is an NdArray`);
  assert.deepEqual(v.shape, e.shape, `${what} shape`);
  assert.equal(v.dtype, e.dtype === "float16" ? "float16" : e.dtype, `${what} dtype`);
  assert.deepEqual(Array.from(v.asFloat32()), e.values.map(Math.fround), `${what} values`);
}

for (const proto of [2, 4, 5]) {
  test(`numpy arrays and plain values, pickle protocol ${proto}`, () => {
    const value = loadPickle(dir(`numpy_p${proto}.pkl`));
    for (const key of ["f32_2d", "f64_1d", "i32", "u8", "bool", "f16", "fortran", "bigendian", "scalar0d"]) {
      assertArray(field(value, key), expected.arrays[key] as ArrayExpect, key);
    }
    const i64 = field(value, "i64") as NdArray;
    assert.deepEqual(Array.from(i64.data as BigInt64Array), [7n, -2n, 1n << 40n, 0n]);
    assert.throws(() => i64.asInt32(), /1099511627776 at index 2 does not fit in int32/);
    // float64 values survive exactly in the natural typed array
    assert.deepEqual(Array.from((field(value, "f64_1d") as NdArray).data as Float64Array), (expected.arrays.f64_1d as ArrayExpect).values);
    assert.equal(field(value, "npscalar"), expected.arrays.npscalar);
    const plain = field(value, "plain");
    assert.equal(field(plain, "epoch"), 3);
    assert.equal(field(plain, "name"), "run");
    assert.equal(field(plain, "lr"), 0.1);
    assert.deepEqual(field(plain, "tags"), ["a", "b"]);
    assert.deepEqual(field(plain, "nested"), [1, null, true]);
  });
}

test("a Python 2 style Nielsen pickle (BINSTRING buffers, gzip) reads with latin1 strings", () => {
  const value = loadPickle(dir("numpy_py2style.pkl.gz"));
  assert.ok(Array.isArray(value) && value.length === 3, "(training, validation, test)");
  value.forEach((pair, i) => {
    assert.ok(Array.isArray(pair) && pair.length === 2);
    pair.forEach((a, j) => {
      const e = expected.nielsen[i][j];
      assert.ok(a instanceof NdArray);
      assert.deepEqual(a.shape, e.shape);
      assert.equal(a.dtype, e.dtype);
      const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
      assert.equal(crypto.createHash("sha256").update(bytes).digest("hex"), e.sha256, `split ${i} part ${j} bytes equal numpy's`);
      assert.deepEqual(Array.from(a.asFloat32().subarray(0, 8)), e.first);
    });
  });
});

test("hostile pickles are refused with the global's module and name, and nothing runs", () => {
  const marker = "/tmp/tensorbook_pickle_pwned";
  fs.rmSync(marker, { force: true });
  assert.throws(() => loadPickle(dir("hostile_os_system.pkl")), (e: unknown) => {
    assert.ok(e instanceof RefusedGlobalError);
    assert.equal(e.module, "posix");
    assert.equal(e.globalName, "system");
    assert.match(e.message, /hostile_os_system\.pkl: pickle at byte 17: refused global posix\.system/);
    return true;
  });
  assert.throws(() => loadPickle(dir("hostile_eval.pkl")), /refused global builtins\.eval/);
  assert.equal(fs.existsSync(marker), false, "the payload never ran");
});

test("broken pickles fail with the byte offset and the reason", () => {
  const good = fs.readFileSync(dir("numpy_p2.pkl"));
  assert.throws(() => loadPickle(good.subarray(0, 700)), (e: unknown) => e instanceof PickleError && /truncated/.test(e.message));
  assert.throws(() => unpickle(Uint8Array.from([0x80, 0x02, 0xff]), { globals: globalTable() }), /pickle at byte 2: unknown opcode 0xff/);
  assert.throws(() => unpickle(Uint8Array.from([0x80, 0x09, 0x2e]), { globals: globalTable() }), /unsupported pickle protocol 9/);
  assert.throws(() => unpickle(Uint8Array.from([0x68, 0x05, 0x2e]), { globals: globalTable() }), /memo key 5 was never stored/);
  assert.throws(() => unpickle(Uint8Array.from([0x2e]), { globals: globalTable() }), /stack underflow/);
  // a persistent id where none is expected (a torch pickle read as plain data)
  assert.throws(() => unpickle(Uint8Array.from([0x4b, 0x01, 0x51, 0x2e]), { globals: globalTable() }), /persistent id found/);
});

test("big ints, protocol-0 text opcodes and memo round-trip", () => {
  // LONG1 of torch's legacy magic number 0x1950a86a20f9469cfc6c (> 2^53) comes back as a bigint
  const magic = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  assert.equal(unpickle(magic, { globals: globalTable() }).value, 0x1950a86a20f9469cfc6cn);
  // protocol 0: (lp0\nI1\naF2.5\naS'a\\nb'\np1\ng1\na.
  const text = Buffer.from("(lp0\nI1\naF2.5\naS'a\\nb'\np1\nag1\na.", "latin1");
  assert.deepEqual(unpickle(text, { globals: globalTable() }).value, [1, 2.5, "a\nb", "a\nb"]);
});
