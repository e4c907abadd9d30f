// Inlines the WebAssembly text functions marked `(@inline)` into their callers, before wabt assembles
// the module (scripts/build-wasm.mjs).
//
// Why: V8 in Node 20 does not inline wasm calls (--experimental-wasm-inlining is off by default), and the
// kernels' inner loops call small helpers (an int8 dot product, an f16 scale, e^x): measured on the q8_0
// matmul, inlining them doubles its speed. Writing them out by hand at every call site would bury the
// kernels' logic; this keeps src/ml/compute/kernels/ as readable as C with `static inline`.
//
// What it does, per call `(call $f a1 … an)` of an inline $f (params p1 … pn, locals l1 …, result T):
//   (block $inline.N (result T)
//     (local.set $p1.N a1) … (local.set $pn.N an)   ;; arguments, evaluated in order, once
//     (local.set $l1.N <zero>) …                     ;; wasm zeroes locals on entry; a loop must too
//     <body, its locals renamed $x → $x.N, (return v) → (br $inline.N v)>)
// and declares the renamed locals in the caller. Inline functions may call inline functions.

/** S-expression tree of a .wat text: a node is a string (an atom) or an array (a parenthesised list). */
export function parse(text) {
  const stack = [[]];
  const atom = /[^\s()";]+|"(?:[^"\\]|\\.)*"/y;
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === "(" && text[i + 1] === ";") { // block comment (; … ;)
      const end = text.indexOf(";)", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === ";" && text[i + 1] === ";") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === "(") {
      const list = [];
      stack[stack.length - 1].push(list);
      stack.push(list);
      i++;
    } else if (c === ")") {
      stack.pop();
      if (stack.length === 0) throw new Error(`unbalanced ")" at offset ${i}`);
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      atom.lastIndex = i;
      const m = atom.exec(text);
      if (!m) throw new Error(`cannot read the .wat at offset ${i}: ${text.slice(i, i + 20)}`);
      stack[stack.length - 1].push(m[0]);
      i = atom.lastIndex;
    }
  }
  if (stack.length !== 1) throw new Error("unbalanced \"(\" at the end of the .wat");
  return stack[0];
}

export function print(node, indent = "") {
  if (typeof node === "string") return node;
  const flat = `(${node.map((n) => print(n)).join(" ")})`;
  if (flat.length < 100) return flat;
  return `(${node.map((n, i) => (i === 0 ? print(n, indent + "  ") : `\n${indent}  ${print(n, indent + "  ")}`)).join("")})`;
}

const ZERO = { i32: ["i32.const", "0"], i64: ["i64.const", "0"], f32: ["f32.const", "0"], f64: ["f64.const", "0"], v128: ["v128.const", "i32x4", "0", "0", "0", "0"] };
const isList = (n) => Array.isArray(n);
const head = (n) => (isList(n) ? n[0] : undefined);

/** A function's parts: name, declared params and locals [(name, type)], result types, body. */
function parts(func) {
  const out = { name: func[1], inline: false, variant: undefined, params: [], locals: [], results: [], body: [], exports: [] };
  let k = 2;
  for (; k < func.length; k++) {
    const n = func[k];
    if (isList(n) && n[0] === "@inline") out.inline = true;
    else if (isList(n) && n[0] === "@variant") out.variant = n[1];
    else if (isList(n) && n[0] === "export") out.exports.push(n);
    else if (isList(n) && (n[0] === "param" || n[0] === "local")) {
      if (n.length !== 3 || !n[1].startsWith("$")) throw new Error(`${out.name}: write (${n[0]} $name type), one per declaration`);
      out[n[0] === "param" ? "params" : "locals"].push([n[1], n[2]]);
    } else if (isList(n) && n[0] === "result") out.results.push(...n.slice(1));
    else break;
  }
  out.body = func.slice(k);
  return out;
}

/** The variant names a module defines functions for (`(@variant relaxed)`). */
export function variants(module) {
  return [...new Set(module.slice(1).filter((f) => head(f) === "func").map((f) => parts(f).variant).filter((v) => v !== undefined))];
}

/**
 * The module as built for `variant` (undefined: the baseline). A function marked `(@variant V)` replaces
 * the baseline function of the same name in V's build and is left out of every other build: the compute
 * kernels keep, say, a relaxed-SIMD dot product beside the plain one, and the engine picks the build it
 * validates.
 */
export function select(module, variant) {
  const [keyword, ...fields] = module;
  const chosen = new Set(fields.filter((f) => head(f) === "func" && parts(f).variant === variant && variant !== undefined).map((f) => f[1]));
  return [keyword, ...fields.filter((f) => {
    if (head(f) !== "func") return true;
    const v = parts(f).variant;
    return v === undefined ? !chosen.has(f[1]) : v === variant;
  })];
}

export function inline(module) {
  const [keyword, ...fields] = module;
  if (keyword !== "module") throw new Error("expected (module …)");
  const inlines = new Map();
  for (const f of fields) if (head(f) === "func" && isList(f) && parts(f).inline) inlines.set(f[1], parts(f));
  let counter = 0;

  // expands inline calls inside `node`; new locals of the caller go to `declare`
  const expand = (node, declare) => {
    if (!isList(node)) return node;
    const children = node.map((n) => expand(n, declare));
    if (children[0] !== "call" || !inlines.has(children[1])) return children;
    const f = inlines.get(children[1]);
    const args = children.slice(2);
    if (args.length !== f.params.length) throw new Error(`call ${f.name} with ${args.length} arguments, it takes ${f.params.length}`);
    const n = counter++;
    const rename = new Map([...f.params, ...f.locals].map(([name]) => [name, `${name}.${n}`]));
    for (const [name, type] of [...f.params, ...f.locals]) declare.push(["local", rename.get(name), type]);
    const label = `$inline.${n}`;
    const rewrite = (x) => {
      if (!isList(x)) return x;
      if (["local.get", "local.set", "local.tee"].includes(x[0]) && rename.has(x[1])) return [x[0], rename.get(x[1]), ...x.slice(2).map(rewrite)];
      if (x[0] === "return") return ["br", label, ...x.slice(1).map(rewrite)];
      return x.map(rewrite);
    };
    const body = f.body.map((b) => expand(rewrite(b), declare));
    return [
      "block", label, ...(f.results.length ? [["result", ...f.results]] : []),
      ...f.params.map(([name], i) => ["local.set", rename.get(name), args[i]]),
      ...f.locals.map(([name, type]) => ["local.set", rename.get(name), ZERO[type]]),
      ...body,
    ];
  };

  const out = ["module"];
  for (const f of fields) {
    if (head(f) === "func" && inlines.has(f[1])) {
      if (parts(f).exports.length) throw new Error(`${f[1]} is exported and (@inline): pick one`);
      continue;
    }
    if (head(f) !== "func") {
      out.push(f);
      continue;
    }
    const p = parts(f);
    const declare = [];
    const body = p.body.map((b) => expand(b, declare));
    const header = f.slice(0, f.length - p.body.length).filter((n) => !(isList(n) && n[0] === "@variant"));
    out.push([...header, ...declare, ...body]);
  }
  return out;
}
