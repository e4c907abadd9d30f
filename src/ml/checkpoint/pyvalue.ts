// The values the restricted unpickler builds, and the allowlisted globals that may build them.
// Python → JS: None → null, bool → boolean, int → number (bigint past 2^53), float → number,
// str → string, bytes → Uint8Array, list and tuple → array (tuples remembered by isTuple), dict → Map,
// set/frozenset → Set, and whatever an allowlisted global builds → a PyObject.

/** A value built by the unpickler. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | Map<PyValue, PyValue>
  | Set<PyValue>
  | PyObject;

/** An object an allowlisted global built; `setState` is BUILD (Python's `__setstate__`). */
export abstract class PyObject {
  setState(state: PyValue): void {
    throw new Error(`${this.constructor.name} does not accept BUILD state ${describe(state)}`);
  }
}

/** An allowlisted global: a class or function the pickle may name and call. */
export abstract class PyGlobal extends PyObject {
  constructor(readonly module: string, readonly name: string) {
    super();
  }
  /** REDUCE / NEWOBJ: `args` are positional, `kwargs` only come from NEWOBJ_EX. */
  abstract call(args: PyValue[], kwargs?: Map<PyValue, PyValue>): PyValue;
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A global given as a function; for the common case of a handler with no state of its own. */
export class PyFunction extends PyGlobal {
  constructor(module: string, name: string, private readonly fn: (args: PyValue[], kwargs?: Map<PyValue, PyValue>) => PyValue) {
    super(module, name);
  }
  call(args: PyValue[], kwargs?: Map<PyValue, PyValue>): PyValue {
    return this.fn(args, kwargs);
  }
}

/** The allowlist: "module name" → handler. Python 2 module names (`__builtin__`, `copy_reg`) are aliased. */
export type GlobalTable = ReadonlyMap<string, PyGlobal>;

export function globalTable(...globals: PyGlobal[]): Map<string, PyGlobal> {
  return new Map(globals.map((g) => [`${g.module} ${g.name}`, g]));
}

/** Instance attributes BUILD gave a dict (OrderedDict subclasses such as a state_dict with `_metadata`). */
export const attributes = new WeakMap<Map<PyValue, PyValue>, Map<PyValue, PyValue>>();

// Tuples are plain arrays remembered in a WeakSet, so APPEND refuses them and `describe` can tell them
// from lists, while the arrays a caller gets stay ordinary (not frozen, no extra keys).
const tuples = new WeakSet<PyValue[]>();

/** A Python tuple. */
export function tuple(items: PyValue[]): PyValue[] {
  tuples.add(items);
  return items;
}

export function isTuple(v: PyValue): boolean {
  return Array.isArray(v) && tuples.has(v);
}

/** A short description of a value for error messages. */
export function describe(v: PyValue | undefined): string {
  if (v === null) return "None";
  if (v === undefined) return "nothing";
  if (v instanceof PyGlobal) return `global ${v.qualifiedName}`;
  if (v instanceof PyObject) return `a ${v.constructor.name}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (Array.isArray(v)) return `${isTuple(v) ? "tuple" : "list"} of length ${v.length}`;
  if (v instanceof Map) return `dict of ${v.size} items`;
  if (v instanceof Set) return `set of ${v.size} items`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}
