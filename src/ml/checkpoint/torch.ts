// PyTorch's torch.save files, read without PyTorch (torch/serialization.py is the reference):
//   zip (torch ≥ 1.6): <root>/data.pkl, <root>/data/<key> (one entry per storage), <root>/byteorder
//   legacy (`_use_new_zipfile_serialization=False`): pickles in a row — magic number, protocol version,
//     sys_info, the object, the sorted storage keys — then each storage as an int64 element count and
//     its raw bytes, in key order.
// The object pickle names storages by persistent id ('storage', StorageType, key, location, numel) and
// tensors by torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …): a tensor is a view
// (offset and strides in elements) of a storage that other tensors may share.
import { CheckpointParts, Metadata, TensorEntry, checkRows, rowBytes } from "./checkpoint";
import { DType, fromBytes, gatherStrided, itemSize, torchDTypeName, torchStorageDType } from "./dtypes";
import { NdArray, PlainObject, numpyPickleGlobals } from "./numpy";
import { PickleError, PyFunction, PyGlobal, PyObject, PyValue, describe, globalTable, unpickle } from "./pickle";
import { CheckpointError, FileSource } from "./source";
import { checkCrc32, readZipDirectory, readZipEntry, readZipRangeInto } from "./zip";

/** torch.FloatStorage & co., as a global the pickle names. */
class StorageType extends PyGlobal {
  constructor(name: string, readonly dtype: DType) {
    super("torch", name);
  }
  call(): PyValue {
    throw new Error(`torch.${this.name} cannot be constructed from a pickle`);
  }
}

/** torch.float32 & co., as a value the pickle names (metadata, `_rebuild_tensor_v3`'s dtype). */
class TorchDType extends PyGlobal {
  constructor(name: string, readonly dtype: DType) {
    super("torch", name);
  }
  call(): PyValue {
    throw new Error(`torch.${this.name} is a dtype, not callable`);
  }
}

/**
 * A storage the pickle refers to: `readInto(elementOffset, dest)` puts its bytes from the file into `dest`
 * (dest.byteLength bytes); `read(elementOffset, count)` is the same into fresh memory, and checks the
 * bytes with `verifyWhole` (a zip entry's CRC-32) when they are all of the storage's bytes.
 */
class StorageRef extends PyObject {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number,
    readonly readInto: (elementOffset: number, dest: Uint8Array, part: string) => void,
    readonly verifyWhole?: (bytes: Uint8Array, part: string) => void) {
    super();
  }

  read(elementOffset: number, count: number, part: string): Uint8Array {
    const length = count * itemSize[this.dtype];
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    this.readInto(elementOffset, out, part);
    if (elementOffset === 0 && count === this.numel) this.verifyWhole?.(out, part);
    return out;
  }
}

/** A tensor: a strided view of a storage. */
class TensorRef extends PyObject {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {
    super();
  }
  override setState(): void {
    // _rebuild_parameter_with_state / subclass state (e.g. a Parameter's __dict__): nothing a reader needs
  }
}

function ints(v: PyValue, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === "number" && Number.isSafeInteger(d))) throw new Error(`${what} ${describe(v)} is not a tuple of ints`);
  return v as number[];
}

/** A count or an offset in elements: a whole number ≥ 0, as torch's set_() insists (TypeError / RuntimeError). */
function natural(v: PyValue, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new Error(`${what} ${describe(v)} is not a whole number ≥ 0 (torch.load refuses it too: "invalid storage offset" or a TypeError)`);
  }
  return v;
}

// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, …) is `Tensor.set_(storage, offset,
// size, stride)`, which refuses a negative or fractional offset, a negative size, and a view that reaches
// past its storage (aten's checkInBoundsForStorage). The same rules here, so a view never reads bytes
// outside its own storage (an offset of -40 once returned another zip entry's bytes).
function rebuildTensor(args: PyValue[]): TensorRef {
  const [storage, offsetV, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error(`expected a storage, got ${describe(storage)}`);
  const offset = natural(offsetV, "storage offset");
  const shape = ints(size, "size");
  const strides = ints(stride, "stride");
  if (shape.length !== strides.length) throw new Error(`size [${shape}] and stride [${strides}] differ in rank`);
  if (shape.some((d) => d < 0)) throw new Error(`size [${shape}] has a negative dimension`);
  if (strides.some((st) => st < 0)) throw new Error(`stride [${strides}] is negative (torch has no negative strides)`);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(numel)) throw new Error(`size [${shape}] has more elements than a tensor can (2^53)`);
  if (numel === 0) return new TensorRef(storage, offset, shape, strides);
  // the furthest element the view touches must be inside the storage
  const last = offset + shape.reduce((m, d, i) => m + (d - 1) * strides[i], 0);
  if (!Number.isSafeInteger(last) || last >= storage.numel) {
    throw new Error(`a view of size [${shape}], stride [${strides}], offset ${offset} reaches element ${last} of a storage of ${storage.numel}`);
  }
  return new TensorRef(storage, offset, shape, strides);
}

/** The globals a torch checkpoint may name: rebuild functions, storage types, and plain containers. */
function torchGlobals(): PyGlobal[] {
  const passThrough = (module: string, name: string): PyFunction => new PyFunction(module, name, (args) => args[0]);
  const marker = (module: string, name: string): PyFunction => new PyFunction(module, name, () => {
    throw new Error(`${module}.${name} is only allowed as an argument`);
  });
  return [
    ...Object.entries(torchStorageDType).map(([name, dtype]) => new StorageType(name, dtype)),
    new PyFunction("torch._utils", "_rebuild_tensor_v2", rebuildTensor),
    new PyFunction("torch._utils", "_rebuild_tensor", rebuildTensor),
    passThrough("torch._utils", "_rebuild_parameter"), // (data, requires_grad, backward_hooks)
    passThrough("torch._utils", "_rebuild_parameter_with_state"),
    new PyFunction("torch._tensor", "_rebuild_from_type_v2", (args) => {
      // (func, new_type, args, state): func is itself an allowlisted rebuild function
      const [fn, , fnArgs] = args;
      if (!(fn instanceof PyGlobal) || !Array.isArray(fnArgs)) throw new Error("_rebuild_from_type_v2 with bad arguments");
      return fn.call(fnArgs);
    }),
    marker("torch.nn.parameter", "Parameter"),
    marker("torch", "Tensor"),
    passThrough("torch", "Size"),
    new PyFunction("torch", "device", (args) => args.map(String).join(":")),
    ...Object.entries(torchDTypeName).map(([name, dtype]) => new TorchDType(name, dtype)),
    // torch ≥ 2: (storage, offset, size, stride, requires_grad, backward_hooks, dtype, …) over untyped bytes
    new PyFunction("torch._utils", "_rebuild_tensor_v3", (args) => {
      const [storage, offset, size, stride, , , dtype] = args;
      if (!(storage instanceof StorageRef) || !(dtype instanceof TorchDType)) throw new Error("_rebuild_tensor_v3 with bad arguments");
      const bytes = storage.numel * itemSize[storage.dtype];
      const ratio = itemSize[dtype.dtype] / itemSize[storage.dtype];
      // torch ≥ 2 stores untyped (byte) storages; a typed one must hold whole elements of the new dtype
      if (!Number.isInteger(ratio)) throw new Error(`_rebuild_tensor_v3: ${dtype.dtype} elements over a ${storage.dtype} storage do not align`);
      const typed = new StorageRef(storage.key, dtype.dtype, Math.floor(bytes / itemSize[dtype.dtype]), (at, dest, part) =>
        storage.readInto(at * ratio, dest, part), storage.verifyWhole);
      return rebuildTensor([typed, offset, size, stride]);
    }),
  ];
}

export interface TorchReadOptions {
  /** Where the data.pkl came from, for error messages. */
  part: string;
  storage: (key: string, dtype: DType, numel: number) => StorageRef;
}

function unpickleTorch(bytes: Uint8Array, source: FileSource, options: TorchReadOptions, start = 0): { value: PyValue; end: number } {
  const globals = globalTable(...numpyPickleGlobals().values(), ...torchGlobals()); // numpy's table has the builtins
  return unpickle(bytes, {
    globals,
    source: `${source.path} (${options.part})`,
    persistentLoad: (pid) => {
      if (!Array.isArray(pid) || pid[0] !== "storage") throw new Error(`unknown persistent id ${describe(pid)}`);
      const [, type, key, , numel, view] = pid;
      if (!(type instanceof StorageType)) throw new Error(`storage type ${describe(type)} is not a torch storage class`);
      const root = options.storage(String(key), type.dtype, natural(numel, "storage size"));
      if (view === undefined || view === null) return root;
      // legacy files of torch < 1.? may name a view of a storage: (view_key, element offset, size)
      if (!Array.isArray(view) || view.length < 3) throw new Error(`storage view ${describe(view)}`);
      const offset = natural(view[1], "storage view offset");
      const size = natural(view[2], "storage view size");
      if (offset + size > root.numel) throw new Error(`storage view [${offset}, ${offset + size}) of a storage of ${root.numel}`);
      return new StorageRef(`${String(key)}[${offset}:${offset + size}]`, root.dtype, size, (at, dest, part) => root.readInto(offset + at, dest, part));
    },
  }, start);
}

// ── zip format ──

export function readTorchZip(source: FileSource): CheckpointParts {
  const entries = readZipDirectory(source);
  const pkl = [...entries.keys()].find((n) => n.endsWith("data.pkl") && n.split("/").length === 2);
  if (!pkl) throw new CheckpointError(source.path, "zip directory", null, `no <archive>/data.pkl entry: this zip is not a torch.save file (entries: ${[...entries.keys()].slice(0, 5).join(", ")}…)`);
  const root = pkl.slice(0, -"data.pkl".length);
  const byteorder = entries.get(`${root}byteorder`);
  const bigEndian = byteorder !== undefined && Buffer.from(readZipEntry(source, byteorder)).toString("latin1") === "big";
  const storages = new Map<string, StorageRef>();
  const storage = (key: string, dtype: DType, numel: number): StorageRef => {
    const name = `${root}data/${key}`;
    const entry = entries.get(name);
    if (!entry) throw new CheckpointError(source.path, `storage ${key}`, null, `the pickle refers to zip entry ${name}, which the archive does not have`);
    if (entry.size < numel * itemSize[dtype]) {
      throw new CheckpointError(source.path, `storage ${key}`, entry.localOffset, `${numel} ${dtype} elements need ${numel * itemSize[dtype]} bytes, entry ${name} holds ${entry.size}`);
    }
    // read() of a whole stored entry checks its CRC-32 (a DEFLATEd one is checked as it is inflated)
    const verify = entry.method === 0 ? (bytes: Uint8Array, part: string): void => checkCrc32(source, entry, bytes, part) : undefined;
    return cached(storages, key, () => new StorageRef(key, dtype, numel, (at, dest, part) => readZipRangeInto(source, entry, at * itemSize[dtype], dest, part), verify));
  };
  const pickle = readZipEntry(source, entries.get(pkl)!);
  const { value } = unpickleTorch(pickle, source, { part: pkl, storage });
  return collect("pytorch", source, value, bigEndian, pkl, pickle.byteLength);
}

function cached(map: Map<string, StorageRef>, key: string, make: () => StorageRef): StorageRef {
  let s = map.get(key);
  if (!s) map.set(key, (s = make()));
  return s;
}

// ── legacy format ──

/** Unpickles the pickle at `offset`, reading more of the file until it fits (pickles here are small). */
function pickleAt(source: FileSource, offset: number, part: string, options?: TorchReadOptions): { value: PyValue; end: number } {
  const opts = { ...(options ?? { storage: () => { throw new Error("a storage where none belongs"); } }), part };
  for (let length = Math.min(1 << 16, source.size - offset); ; length = Math.min(length * 4, source.size - offset)) {
    const bytes = source.read(offset, length, part);
    try {
      const r = unpickleTorch(bytes, source, opts, 0);
      return { value: r.value, end: offset + r.end };
    } catch (e) {
      // a pickle cut short by our read: read more, unless the read already reached the end of the file
      if (!(e instanceof PickleError && /truncated/.test(e.message))) throw e;
      if (offset + length >= source.size) throw new CheckpointError(source.path, part, offset + e.offset, `the file ends inside the pickle (${e.reason})`);
    }
  }
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export function readTorchLegacy(source: FileSource): CheckpointParts {
  const magic = pickleAt(source, 0, "legacy magic number");
  if (magic.value !== LEGACY_MAGIC) {
    throw new CheckpointError(source.path, "legacy magic number", 0, `a pickle of ${describe(magic.value)}, not torch.save's magic number: a plain pickle, not a checkpoint`);
  }
  const protocol = pickleAt(source, magic.end, "legacy protocol version");
  if (protocol.value !== 1001) throw new CheckpointError(source.path, "legacy protocol version", magic.end, `${describe(protocol.value)} (expected 1001)`);
  const sysInfo = pickleAt(source, protocol.end, "legacy sys_info");
  const littleEndian = !(sysInfo.value instanceof Map && sysInfo.value.get("little_endian") === false);
  // storages are found once their key list (after the object pickle) is known: refs resolve lazily
  const located = new Map<string, number>();
  const storages = new Map<string, StorageRef>();
  const storage = (key: string, dtype: DType, numel: number): StorageRef =>
    cached(storages, key, () => new StorageRef(key, dtype, numel, (at, dest, part) => {
      const base = located.get(key);
      if (base === undefined) throw new CheckpointError(source.path, part, null, `storage ${key} is not in the file's storage list`);
      source.readInto(base + at * itemSize[dtype], dest, part);
    }));
  const object = pickleAt(source, sysInfo.end, "legacy object pickle", { part: "", storage });
  const keys = pickleAt(source, object.end, "legacy storage keys");
  if (!Array.isArray(keys.value)) throw new CheckpointError(source.path, "legacy storage keys", object.end, `expected a list, got ${describe(keys.value)}`);
  let at = keys.end;
  for (const key of keys.value) {
    const header = source.read(at, 8, `legacy storage ${String(key)} header`);
    const numel = Number(new DataView(header.buffer).getBigInt64(0, littleEndian));
    const ref = storages.get(String(key));
    const size = ref ? itemSize[ref.dtype] : 1;
    if (ref && numel !== ref.numel) throw new CheckpointError(source.path, `legacy storage ${String(key)}`, at, `holds ${numel} elements, the pickle says ${ref.numel}`);
    source.check(at + 8, numel * size, `legacy storage ${String(key)}`);
    located.set(String(key), at + 8);
    at += 8 + numel * size;
  }
  return collect("pytorch-legacy", source, object.value, !littleEndian, "legacy object pickle", object.end - sysInfo.end);
}

// ── from the unpickled object to named tensors and plain metadata ──

/**
 * An expand()ed view (a stride of 0, or strides that make elements overlap) has more elements than the
 * stored span it covers; torch keeps it as a view, read() must make every element. Up to this size that is
 * done; past it the file's few bytes would become gigabytes (a 597-byte .pth declared a 32768×32768 view of
 * one float: 4 GiB), so read() refuses. A view whose elements do not overlap is never limited here: it
 * is no larger than the bytes the file holds for it.
 */
const MAX_EXPANDED_VIEW_BYTES = 64 << 20;

function entryOf(t: TensorRef, bigEndian: boolean, name: string): TensorEntry {
  const { storage, shape, stride, offset } = t;
  const dtype = storage.dtype;
  const numel = shape.reduce((a, b) => a * b, 1);
  const contiguous = stride.every((s, i) => shape[i] === 1 || s === shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const read = (): ReturnType<TensorEntry["read"]> => {
    if (numel === 0) return fromBytes(new Uint8Array(0), dtype);
    if (contiguous) return fromBytes(storage.read(offset, numel, name), dtype, bigEndian);
    // a transpose or a slice: read the span it touches, then gather it into C order
    const span = shape.reduce((m, d, i) => m + (d - 1) * stride[i], 0) + 1;
    if (numel > span && numel * itemSize[dtype] > MAX_EXPANDED_VIEW_BYTES) {
      throw new Error(`${name}: a view of size [${shape}] and stride [${stride}] over ${span} stored element${span === 1 ? "" : "s"} ` +
        `(an expand(): its elements overlap) would take ${numel * itemSize[dtype]} bytes to make from ${span * itemSize[dtype]} in the file; ` +
        `read() makes such views up to ${MAX_EXPANDED_VIEW_BYTES / 2 ** 20} MiB (torch keeps them as views). info() gives its shape without reading it`);
    }
    const all = fromBytes(storage.read(offset, span, name), dtype, bigEndian);
    return gatherStrided(all, shape, stride, 0);
  };
  const info = { shape, dtype, bytes: numel * itemSize[dtype] };
  // rows of a contiguous little-endian view lie in the file as they will in memory: read them in place
  if (!contiguous || (bigEndian && itemSize[dtype] > 1)) return { ...info, read };
  const readRows = (first: number, count: number, dest: Uint8Array): void => {
    checkRows(info, first, count, dest, name);
    storage.readInto(offset + (first * rowBytes(info)) / itemSize[dtype], dest, name);
  };
  return { ...info, read, readRows };
}

function ndarrayEntry(a: NdArray): TensorEntry {
  return { shape: a.shape, dtype: a.dtype, bytes: a.data.byteLength, read: () => a.data };
}

/**
 * Python's pickler recurses, so no torch.save can write containers nested much deeper than its recursion
 * limit (1000); deeper is a crafted file, refused before the walk below could exhaust the stack.
 */
const MAX_DEPTH = 1000;

type Container = Map<PyValue, PyValue> | PlainObject | PyValue[] | Set<PyValue>;

function isContainer(v: PyValue): v is Container {
  return v instanceof Map || v instanceof PlainObject || Array.isArray(v) || v instanceof Set;
}

function childrenOf(v: Container): Iterable<[string, PyValue]> {
  if (v instanceof Map || v instanceof PlainObject) {
    return [...(v instanceof Map ? v : v.fields)].map(([k, x]): [string, PyValue] => [String(k), x]);
  }
  return [...v].map((x, i): [string, PyValue] => [String(i), x]);
}

/**
 * Walks the object: tensors (at any depth) get dotted names; everything else becomes plain metadata.
 *
 * A pickle shares values through its memo, so the object is a graph, not a tree: a 773-byte "billion
 * laughs" pickle nests a list of two references to a list of two references 40 levels deep, 2^40 paths to
 * one leaf, and walking it as a tree never ends. So each container becomes metadata once, and a shared one
 * is the same JS object wherever it appears (as torch.load keeps the sharing); a cycle becomes a cycle.
 * Only a container that holds tensors is walked again on another path, because each path names its
 * tensors (a state dict saved under "model" and "ema" has both names). Those walks are bounded by the
 * pickle's size: a value costs at least one byte to pickle, so a tree visits no more values than the pickle
 * has bytes, and the walk may visit four times as many (plus a floor for tiny files) before it refuses.
 */
function collect(format: "pytorch" | "pytorch-legacy", source: FileSource, value: PyValue, bigEndian: boolean, part: string, pickleBytes: number): CheckpointParts {
  const entries = new Map<string, TensorEntry>();
  const converted = new Map<Container, Metadata>();
  const holdsTensors = new Set<Container>();
  const onPath = new Set<Container>();
  const budget = Math.max(1 << 16, 4 * pickleBytes);
  let visits = 0;
  const fail = (why: string): never => {
    throw new CheckpointError(source.path, part, null, why);
  };
  const visit = (name: string, depth: number): void => {
    if (++visits > budget) {
      fail(`the object reaches its tensors through more than ${budget} paths (at "${name}"): shared containers nested in shared containers ` +
        `(a "billion laughs" pickle) would name the same tensors without end; refused`);
    }
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep (at "${name.slice(0, 200)}…"): deeper than Python's pickler can write`);
  };
  const leaf = (v: PyValue, name: string): Metadata | undefined => {
    if (v instanceof TensorRef) {
      entries.set(name || "tensor", entryOf(v, bigEndian, name || "tensor"));
      return undefined;
    }
    if (v instanceof NdArray) {
      entries.set(name || "array", ndarrayEntry(v));
      return undefined;
    }
    if (v instanceof Uint8Array) return v; // bytes stay bytes: 100 MB of them once became a 100M-element array
    if (v instanceof PyGlobal) return v.qualifiedName;
    if (v instanceof PyObject) return describe(v);
    return v as Metadata;
  };
  const child = (name: string, k: string): string => (name ? `${name}.${k}` : k);
  // the first visit of a container: its metadata, and the names of the tensors below it on this path
  const convert = (v: PyValue, name: string, depth: number): Metadata | undefined => {
    visit(name, depth);
    if (!isContainer(v)) return leaf(v, name);
    const done = converted.get(v);
    if (done !== undefined) {
      if (holdsTensors.has(v) && !onPath.has(v)) rename(v, name, depth);
      return done;
    }
    const keyed = v instanceof Map || v instanceof PlainObject;
    const out: Metadata = keyed ? {} : [];
    converted.set(v, out);
    onPath.add(v);
    for (const [k, x] of childrenOf(v)) {
      const m = convert(x, child(name, k), depth + 1);
      if (m === undefined || (isContainer(x) && holdsTensors.has(x))) holdsTensors.add(v);
      if (keyed) {
        if (m !== undefined) (out as { [k: string]: Metadata })[k] = m;
      } else {
        (out as Metadata[]).push(m ?? null);
      }
    }
    onPath.delete(v);
    return out;
  };
  // a later visit of a container that holds tensors: only their names on this path
  const rename = (v: Container, name: string, depth: number): void => {
    onPath.add(v);
    for (const [k, x] of childrenOf(v)) {
      visit(child(name, k), depth + 1);
      if (x instanceof TensorRef || x instanceof NdArray) leaf(x, child(name, k));
      else if (isContainer(x) && holdsTensors.has(x) && !onPath.has(x)) rename(x, child(name, k), depth + 1);
    }
    onPath.delete(v);
  };
  const metadata = convert(value, "", 0) ?? null;
  return { format, path: source.path, entries, metadata, close: () => source.close() };
}
