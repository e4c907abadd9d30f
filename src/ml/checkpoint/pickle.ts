// A restricted unpickler: the opcode machine of Python's pickle (protocols 0–5, as Lib/pickletools.py
// documents them), with no way to run code from the file. Every GLOBAL / STACK_GLOBAL / INST is looked up
// in an allowlist the caller passes; anything else is refused with its module and name, before any value
// is built. REDUCE and NEWOBJ only ever call the allowlisted handlers, which build plain data (the JS
// forms of Python values are in pyvalue.ts).
import { GlobalTable, PyGlobal, PyObject, PyValue, attributes, describe, isTuple, tuple } from "./pyvalue";

// the value types are part of this module's API
export { GlobalTable, PyFunction, PyGlobal, PyObject, PyValue, attributes, describe, globalTable, isTuple, tuple } from "./pyvalue";

export interface UnpickleOptions {
  /** Allowed globals. Anything else is refused. */
  globals: GlobalTable;
  /** PERSID / BINPERSID: what `persistent_load(pid)` returns (torch storages). Refused when absent. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /**
   * How Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING) is read, as `pickle.load(encoding=…)`:
   * "latin1" (default) gives a string whose char codes are the bytes, "bytes" gives a Uint8Array.
   */
  encoding?: "latin1" | "bytes";
  /** Used in error messages: which file and which part of it is being read. */
  source?: string;
}

/** Malformed or refused pickle: says where (source, byte offset) and what. */
export class PickleError extends Error {
  constructor(readonly source: string, readonly offset: number, readonly reason: string) {
    super(`${source}: pickle at byte ${offset}: ${reason}`);
    this.name = "PickleError";
  }
}

/** Thrown for a global outside the allowlist; `module` and `name` say which. */
export class RefusedGlobalError extends PickleError {
  constructor(source: string, offset: number, readonly module: string, readonly globalName: string) {
    super(source, offset, `refused global ${module}.${globalName}: it is not on the allowlist of globals a checkpoint may use, so it was neither imported nor called`);
    this.name = "RefusedGlobalError";
  }
}

const MODULE_ALIASES: { [py2: string]: string } = { __builtin__: "builtins", copy_reg: "copyreg" };

const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

/** Unpickles one pickle from `bytes` starting at `start`; returns the value and where STOP was. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): { value: PyValue; end: number } {
  return new Unpickler(bytes, options).run(start);
}

class Unpickler {
  private pos = 0;
  private opStart = 0;
  private stack: StackItem[] = [];
  private memo = new Map<number, PyValue>();
  private readonly view: DataView;
  private readonly source: string;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, private readonly options: UnpickleOptions) {
    // a plain Uint8Array view: Buffer's slice() would share memory where a copy is meant
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.source = options.source ?? "<pickle>";
  }

  fail(reason: string): never {
    throw new PickleError(this.source, this.opStart, reason);
  }

  // ── reading the byte stream ──
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`truncated: opcode needs ${n} more bytes at byte ${this.pos}, the pickle has ${this.bytes.length}`);
    }
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${v} is too large`);
    return Number(v);
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A newline-terminated text argument (protocol 0 opcodes). */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail("truncated: text argument has no terminating newline");
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, end - this.pos).toString("latin1");
    this.pos = end + 1;
    return text;
  }
  private utf8(raw: Uint8Array): string {
    try {
      return this.decoder.decode(raw);
    } catch {
      this.fail("str is not valid UTF-8");
    }
  }
  private py2str(raw: Uint8Array): string | Uint8Array {
    if (this.options.encoding === "bytes") return raw.slice();
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  }

  // ── the stack ──
  private push(v: PyValue): void {
    this.stack.push(v);
  }
  private pop(): PyValue {
    if (this.stack.length === 0) this.fail("stack underflow");
    const v = this.stack.pop()!;
    if (v === MARK) this.fail("unexpected MARK on the stack");
    return v;
  }
  private top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK) this.fail("stack underflow");
    return v;
  }
  /** Pops everything down to the last MARK (and the MARK). */
  private popMark(): PyValue[] {
    const at = this.stack.lastIndexOf(MARK);
    if (at < 0) this.fail("no MARK on the stack");
    const items = this.stack.slice(at + 1) as PyValue[];
    this.stack.length = at;
    return items;
  }
  private memoGet(index: number): PyValue {
    if (!this.memo.has(index)) this.fail(`memo key ${index} was never stored`);
    return this.memo.get(index)!;
  }

  // ── globals: the only door to behaviour, so the allowlist is checked here and nowhere else ──
  private findGlobal(module: string, name: string): PyGlobal {
    const mod = MODULE_ALIASES[module] ?? module;
    const handler = this.options.globals.get(`${mod} ${name}`);
    if (!handler) throw new RefusedGlobalError(this.source, this.opStart, module, name);
    return handler;
  }
  private call(fn: PyValue, args: PyValue, kwargs?: Map<PyValue, PyValue>): PyValue {
    if (!(fn instanceof PyGlobal)) this.fail(`cannot call ${describe(fn)}: only allowlisted globals are callable`);
    if (!Array.isArray(args)) this.fail(`${fn.qualifiedName} called with ${describe(args)} instead of an argument tuple`);
    try {
      return fn.call(args, kwargs);
    } catch (e) {
      if (e instanceof PickleError) throw e;
      this.fail(`${fn.qualifiedName}: ${(e as Error).message}`);
    }
  }
  private build(obj: PyValue, state: PyValue): void {
    if (obj instanceof PyObject) {
      try {
        obj.setState(state);
      } catch (e) {
        if (e instanceof PickleError) throw e;
        this.fail(`BUILD: ${(e as Error).message}`);
      }
    } else if (obj instanceof Map && (state instanceof Map || state === null)) {
      // a dict subclass's instance __dict__ (a state_dict's `_metadata`): attributes, not items
      if (state) attributes.set(obj, state);
    } else if (state !== null) {
      this.fail(`BUILD of ${describe(obj)} with state ${describe(state)} is not supported`);
    }
  }
  private setItems(dict: PyValue, items: PyValue[]): void {
    if (!(dict instanceof Map)) this.fail(`SETITEM(S) on ${describe(dict)}, which is not a dict`);
    if (items.length % 2 !== 0) this.fail("SETITEMS with an odd number of items");
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }
  private appendItems(list: PyValue, items: PyValue[]): void {
    if (!Array.isArray(list) || isTuple(list)) this.fail(`APPEND(S) on ${describe(list)}, which is not a list`);
    for (const item of items) list.push(item);
  }

  run(start: number): { value: PyValue; end: number } {
    this.pos = start;
    for (;;) {
      this.opStart = this.pos;
      if (this.pos >= this.bytes.length) this.fail("truncated: the pickle ends before its STOP opcode");
      const op = this.bytes[this.pos++];
      switch (op) {
        // framing and protocol
        case 0x80: { // PROTO
          const proto = this.u8();
          if (proto > 5) this.fail(`unsupported pickle protocol ${proto} (this reader knows 0–5)`);
          break;
        }
        case 0x95: this.u64(); break; // FRAME: a length hint; frames hold whole opcodes, nothing to do
        case 0x2e: { // STOP
          const value = this.pop();
          return { value, end: this.pos };
        }
        // stack manipulation
        case 0x28: this.stack.push(MARK); break; // MARK
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP
        // memo
        case 0x70: this.memo.set(parseDecimal(this.line(), this), this.top()); break; // PUT
        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x67: this.push(this.memoGet(parseDecimal(this.line(), this))); break; // GET
        case 0x68: this.push(this.memoGet(this.u8())); break; // BINGET
        case 0x6a: this.push(this.memoGet(this.u32())); break; // LONG_BINGET
        // constants and numbers
        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.u16()); break; // BININT2
        case 0x4a: this.push(this.i32()); break; // BININT
        case 0x49: this.push(parseIntLine(this.line(), this)); break; // INT (also "I00"/"I01" booleans)
        case 0x4c: this.push(toNumberIfSafe(parseBigIntLine(this.line(), this))); break; // LONG
        case 0x8a: this.push(toNumberIfSafe(littleEndianSigned(this.take(this.u8())))); break; // LONG1
        case 0x8b: this.push(toNumberIfSafe(littleEndianSigned(this.take(this.u32())))); break; // LONG4
        case 0x46: { // FLOAT
          const text = this.line();
          const v = Number(text);
          if (Number.isNaN(v) && !/nan/i.test(text)) this.fail(`bad FLOAT ${JSON.stringify(text)}`);
          this.push(v);
          break;
        }
        case 0x47: { // BINFLOAT: big-endian float64
          this.need(8);
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        // strings and bytes
        case 0x53: this.push(this.py2str(Buffer.from(parseQuoted(this.line(), this), "latin1"))); break; // STRING
        case 0x54: { // BINSTRING
          const n = this.i32();
          if (n < 0) this.fail(`BINSTRING with negative length ${n}`);
          this.push(this.py2str(this.take(n)));
          break;
        }
        case 0x55: this.push(this.py2str(this.take(this.u8()))); break; // SHORT_BINSTRING
        case 0x43: this.push(this.take(this.u8()).slice()); break; // SHORT_BINBYTES
        case 0x42: this.push(this.take(this.u32()).slice()); break; // BINBYTES
        case 0x8e: this.push(this.take(this.u64()).slice()); break; // BINBYTES8
        case 0x96: this.push(this.take(this.u64()).slice()); break; // BYTEARRAY8
        case 0x56: this.push(unescapeRawUnicode(this.line())); break; // UNICODE (raw-unicode-escape)
        case 0x8c: this.push(this.utf8(this.take(this.u8()))); break; // SHORT_BINUNICODE
        case 0x58: this.push(this.utf8(this.take(this.u32()))); break; // BINUNICODE
        case 0x8d: this.push(this.utf8(this.take(this.u64()))); break; // BINUNICODE8
        case 0x97: this.fail("NEXT_BUFFER: out-of-band buffers (pickle protocol 5) are not supported"); break;
        case 0x98: break; // READONLY_BUFFER: the buffer on the stack stays as it is
        // containers
        case 0x29: this.push(tuple([])); break; // EMPTY_TUPLE
        case 0x74: this.push(tuple(this.popMark())); break; // TUPLE
        case 0x85: this.push(tuple([this.pop()])); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push(tuple([a, b])); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push(tuple([a, b, c])); break; } // TUPLE3
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x6c: this.push(this.popMark()); break; // LIST
        case 0x61: { const v = this.pop(); this.appendItems(this.top(), [v]); break; } // APPEND
        case 0x65: { const items = this.popMark(); this.appendItems(this.top(), items); break; } // APPENDS
        case 0x7d: this.push(new Map()); break; // EMPTY_DICT
        case 0x64: { const d = new Map<PyValue, PyValue>(); this.setItems(d, this.popMark()); this.push(d); break; } // DICT
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); break; } // SETITEMS
        case 0x8f: this.push(new Set()); break; // EMPTY_SET
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set)) this.fail(`ADDITEMS on ${describe(set)}, which is not a set`);
          for (const item of items) set.add(item);
          break;
        }
        case 0x91: this.push(new Set(this.popMark())); break; // FROZENSET
        // globals and objects: every path goes through findGlobal
        case 0x63: { const module = this.line(); const name = this.line(); this.push(this.findGlobal(module, name)); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== "string" || typeof name !== "string") this.fail("STACK_GLOBAL needs two strings");
          this.push(this.findGlobal(module, name));
          break;
        }
        case 0x69: { // INST: module and class inline, args from the mark
          const module = this.line();
          const name = this.line();
          const cls = this.findGlobal(module, name);
          this.push(this.call(cls, this.popMark()));
          break;
        }
        case 0x6f: { const items = this.popMark(); this.push(this.call(items[0], items.slice(1))); break; } // OBJ
        case 0x52: { const args = this.pop(); const fn = this.pop(); this.push(this.call(fn, args)); break; } // REDUCE
        case 0x81: { const args = this.pop(); const cls = this.pop(); this.push(this.call(cls, args)); break; } // NEWOBJ
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof Map)) this.fail("NEWOBJ_EX needs a kwargs dict");
          this.push(this.call(cls, args, kwargs));
          break;
        }
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; } // BUILD
        case 0x50: this.push(this.persistent(this.line())); break; // PERSID
        case 0x51: this.push(this.persistent(this.pop())); break; // BINPERSID
        case 0x82: case 0x83: case 0x84: this.fail("EXT opcodes (copyreg extension registry) are refused"); break;
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")} (not a pickle, or a corrupt one)`);
      }
    }
  }

  private persistent(pid: PyValue): PyValue {
    if (!this.options.persistentLoad) this.fail("persistent id found, but this pickle is not read as a checkpoint");
    try {
      return this.options.persistentLoad(pid);
    } catch (e) {
      if (e instanceof PickleError) throw e;
      this.fail(`persistent id ${describe(pid)}: ${(e as Error).message}`);
    }
  }
}

// ── helpers for the protocol-0 text forms ──
interface Failer {
  fail(reason: string): never;
}

function parseDecimal(text: string, at: Failer): number {
  if (!/^\d+$/.test(text)) at.fail(`bad memo key ${JSON.stringify(text)}`);
  return Number(text);
}

function parseIntLine(text: string, at: Failer): PyValue {
  if (text === "00") return false;
  if (text === "01") return true;
  return toNumberIfSafe(parseBigIntLine(text, at));
}

// CPython refuses to turn more than 4300 decimal digits into an int (sys.int_max_str_digits, the default
// since 3.11 and the 3.10.7 / 3.9.14 security releases: CVE-2020-10735, decimal parsing is quadratic), so
// pickle.load fails on a longer INT or LONG text; refusing the same keeps this reader's cost linear too.
const INT_MAX_STR_DIGITS = 4300;

function parseBigIntLine(text: string, at: Failer): bigint {
  const t = text.endsWith("L") ? text.slice(0, -1) : text;
  if (!/^[+-]?\d+$/.test(t)) at.fail(`bad integer ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
  const digits = t.length - (t[0] === "+" || t[0] === "-" ? 1 : 0);
  if (digits > INT_MAX_STR_DIGITS) {
    at.fail(`an integer of ${digits} decimal digits: Python refuses more than ${INT_MAX_STR_DIGITS} (sys.int_max_str_digits), so no pickler wrote it`);
  }
  return BigInt(t);
}

function toNumberIfSafe(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * LONG1/LONG4: little-endian two's complement of any length, in time linear in its length (as CPython's
 * int.from_bytes): the bytes, reversed, as one hexadecimal literal. Shifting in a byte at a time copies the
 * whole number each time, quadratic: 256 KiB took over two minutes.
 */
function littleEndianSigned(raw: Uint8Array): bigint {
  if (raw.length === 0) return 0n;
  if (raw.length <= 6) {
    let v = 0;
    for (let i = raw.length - 1; i >= 0; i--) v = v * 256 + raw[i];
    return BigInt(raw[raw.length - 1] & 0x80 ? v - 2 ** (raw.length * 8) : v);
  }
  const v = BigInt(`0x${Buffer.from(raw).reverse().toString("hex")}`);
  return raw[raw.length - 1] & 0x80 ? v - (1n << BigInt(raw.length * 8)) : v;
}

/** STRING's argument: a Python repr in quotes, with backslash escapes. */
function parseQuoted(text: string, at: Failer): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q || text.length < 2) at.fail(`bad STRING ${JSON.stringify(text)}`);
  const body = text.slice(1, -1);
  const simple: { [c: string]: string } = { n: "\n", r: "\r", t: "\t", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0" };
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return simple[e] ?? `\\${e}`;
  });
}

function unescapeRawUnicode(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string | undefined, u8: string | undefined) =>
    String.fromCodePoint(parseInt((u4 ?? u8)!, 16)),
  );
}
