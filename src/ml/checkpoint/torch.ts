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
import { readZipDirectory, readZipEntry, readZipRangeInto } from "./zip";

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
 * (dest.byteLength bytes); `read(elementOffset, count)` is the same into fresh memory.
 */
class StorageRef extends PyObject {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number,
    readonly readInto: (elementOffset: number, dest: Uint8Array, part: string) => void) {
    super();
  }

  read(elementOffset: number, count: number, part: string): Uint8Array {
    const length = count * itemSize[this.dtype];
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    this.readInto(elementOffset, out, part);
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
  if (!Array.isArray(v) || !v.every((d) => typeof d === "number" && Number.isInteger(d))) throw new Error(`${what} ${describe(v)} is not a tuple of ints`);
  return v as number[];
}

function rebuildTensor(args: PyValue[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error(`expected a storage, got ${describe(storage)}`);
  if (typeof offset !== "number") throw new Error(`storage offset ${describe(offset)}`);
  const shape = ints(size, "size");
  const strides = ints(stride, "stride");
  if (shape.length !== strides.length) throw new Error(`size [${shape}] and stride [${strides}] differ in rank`);
  // the furthest element the view touches must be inside the storage
  const last = offset + shape.reduce((m, d, i) => m + (d > 0 ? (d - 1) * strides[i] : 0), 0);
  if (shape.some((d) => d === 0) === false && (last >= storage.numel || strides.some((s) => s < 0))) {
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
      const typed = new StorageRef(storage.key, dtype.dtype, Math.floor(bytes / itemSize[dtype.dtype]), (at, dest, part) =>
        storage.readInto((at * itemSize[dtype.dtype]) / itemSize[storage.dtype], dest, part));
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
      if (typeof numel !== "number") throw new Error(`storage size ${describe(numel)}`);
      const root = options.storage(String(key), type.dtype, numel);
      if (view === undefined || view === null) return root;
      // legacy files of torch < 1.? may name a view of a storage: (view_key, element offset, size)
      const [, offset, size] = ints(Array.isArray(view) ? view.map((v, i) => (i === 0 ? 0 : v)) : view, "storage view");
      if (offset + size > numel) throw new Error(`storage view [${offset}, ${offset + size}) of a storage of ${numel}`);
      return new StorageRef(`${String(key)}[${offset}:${offset + size}]`, type.dtype, size, (at, dest, part) => root.readInto(offset + at, dest, part));
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
    return cached(storages, key, () => new StorageRef(key, dtype, numel, (at, dest, part) => readZipRangeInto(source, entry, at * itemSize[dtype], dest, part)));
  };
  const { value } = unpickleTorch(readZipEntry(source, entries.get(pkl)!), source, { part: pkl, storage });
  return collect("pytorch", source, value, bigEndian);
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
  return collect("pytorch-legacy", source, object.value, !littleEndian);
}

// ── from the unpickled object to named tensors and plain metadata ──

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

/** Walks the object: tensors (at any depth) get dotted names; everything else becomes plain metadata. */
function collect(format: "pytorch" | "pytorch-legacy", source: FileSource, value: PyValue, bigEndian: boolean): CheckpointParts {
  const entries = new Map<string, TensorEntry>();
  const walk = (v: PyValue, name: string): Metadata | undefined => {
    if (v instanceof TensorRef) {
      entries.set(name || "tensor", entryOf(v, bigEndian, name || "tensor"));
      return undefined;
    }
    if (v instanceof NdArray) {
      entries.set(name || "array", ndarrayEntry(v));
      return undefined;
    }
    const child = (k: string): string => (name ? `${name}.${k}` : k);
    if (v instanceof Map || v instanceof PlainObject) {
      const out: { [k: string]: Metadata } = {};
      for (const [k, x] of v instanceof Map ? v : v.fields) {
        const m = walk(x, child(String(k)));
        if (m !== undefined) out[String(k)] = m;
      }
      return out;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, child(String(i))) ?? null);
    if (v instanceof Set) return [...v].map((x, i) => walk(x, child(String(i))) ?? null);
    if (v instanceof Uint8Array) return Array.from(v);
    if (v instanceof PyGlobal) return v.qualifiedName;
    if (v instanceof PyObject) return describe(v);
    return v;
  };
  const metadata = walk(value, "") ?? null;
  return { format, path: source.path, entries, metadata, close: () => source.close() };
}
