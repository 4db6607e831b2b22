#!/usr/bin/env node
// Seeded random scenario generator: DataScript 1.8.1 (node_modules/datascript) is the oracle.
//
// Writes suites in the shared VECTORS.md format (/work/shared/VECTORS.md) into OUT_DIR:
//
//   node tests/gen/datascript-random.mjs OUT_DIR [--seeds 1,2,3] [--cases 300]
//   DFDB_VECTORS=OUT_DIR node --test npm/test/vectors.test.mjs      # all vectors incl. these
//   node tests/gen/run-dir.mjs OUT_DIR                                # only OUT_DIR
//
// How DataScript is fed faithfully: its npm build is advanced-compiled and its JS API maps
// keywords to strings. We load the same compiled file and only add one export line that exposes
// its internal (ClojureScript) functions: the EDN reader (cljs.reader/read-string), d/q, d/pull,
// d/pull-many, d/with and d/empty-db. Every input (schema, tx-data, queries, args, patterns)
// is EDN text read by DataScript's own reader, and every output is printed with pr-str
// (ClojureScript's toString), then re-read here and re-printed as EDN. So keywords, refs and
// schemas mean exactly what they mean in EDN.
//
// A case is emitted only when DataScript succeeds (or, for expect_error steps, throws an error
// whose :error we map with confidence to a VECTORS.md kind). New entity ids must follow the
// VECTORS.md rule (1 upwards, in order of first appearance in the tx data); a transaction where
// DataScript allocates differently is re-drawn (counted in the summary).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- DataScript with raw access
function loadDataScript() {
  const require = createRequire(import.meta.url);
  const path = require.resolve('datascript/datascript.js', { paths: [join(here, '..', '..')] });
  const src = readFileSync(path, 'utf8');
  if (!src.includes('Datascript v1.8.1')) throw new Error(`${path} is not DataScript 1.8.1`);
  const marker = ';return this.datascript.js;';
  if (src.split(marker).length !== 2) throw new Error('unexpected datascript.js layout');
  // Names read off the JS API wrappers in the same file: datascript.js.q = Ky (read-string) + nA
  // (d/q); pull = dx; pull_many = fx; db_with = tA = (:db-after (sA db tx nil)) with sA = d/with;
  // empty_db = ot; tempids keyword of the report = xk.
  const patched = src.replace(marker,
    ';this.datascript.js.__raw={read:Ky,q:nA,pull:dx,pullMany:fx,withTx:sA,dbAfter:Fl,tempids:xk,emptyDb:ot};' + marker);
  const mod = { exports: {} };
  new Function('module', 'exports', patched)(mod, mod.exports);
  return mod.exports.__raw;
}
const DS = loadDataScript();
// --avoid a,b: leave out shapes that hit known dfdb bugs, to see past them.
//   nested-many: a single nested map (not in a vector) as the value of a card-many ref
//   kw-order: comparisons, min/max and sorting over keyword values
//   multi-agg-tuple: several aggregates in a tuple find spec
// --sequential: also emit transactions whose lookup refs / identity upserts depend on earlier
// operations of the same transaction (DataScript resolves them sequentially, dfdb against the
// database before the transaction: a known, documented difference). Off by default.
const SEQUENTIAL = process.argv.includes('--sequential');
const AVOID = new Set(((i) => (i >= 0 ? process.argv[i + 1].split(',') : []))(process.argv.indexOf('--avoid')));

// ---------------------------------------------------------------- EDN AST, parser, printer
// AST: {t:'nil'|'bool'|'int'|'float'|'str'|'kw'|'sym'|'vec'|'list'|'set'|'map'|'tag', v}
function parseEdn(text) {
  let i = 0;
  const ws = () => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === ',') i++;
      else if (c === ';') { while (i < text.length && text[i] !== '\n') i++; }
      else break;
    }
  };
  const delim = (c) => c === undefined || ' \n\t\r,()[]{}"'.includes(c);
  const seq = (close) => {
    const out = [];
    for (;;) {
      ws();
      if (text[i] === close) { i++; return out; }
      if (i >= text.length) throw new Error('eof in collection');
      out.push(val());
    }
  };
  const val = () => {
    ws();
    const c = text[i];
    if (c === '[') { i++; return { t: 'vec', v: seq(']') }; }
    if (c === '(') { i++; return { t: 'list', v: seq(')') }; }
    if (c === '{') {
      i++;
      const items = seq('}');
      const v = [];
      for (let k = 0; k < items.length; k += 2) v.push([items[k], items[k + 1]]);
      return { t: 'map', v };
    }
    if (c === '#' && text[i + 1] === '{') { i += 2; return { t: 'set', v: seq('}') }; }
    if (c === '#') {
      i++;
      let s = i;
      while (!delim(text[i])) i++;
      const tag = text.slice(s, i);
      return { t: 'tag', tag, v: val() };
    }
    if (c === '"') {
      i++;
      let s = '';
      for (;;) {
        const d = text[i++];
        if (d === undefined) throw new Error('eof in string');
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i++];
          if (e === 'n') s += '\n';
          else if (e === 't') s += '\t';
          else if (e === 'r') s += '\r';
          else if (e === 'b') s += '\b';
          else if (e === 'f') s += '\f';
          else if (e === 'u') { s += String.fromCharCode(parseInt(text.slice(i, i + 4), 16)); i += 4; }
          else s += e;
        } else s += d;
      }
      return { t: 'str', v: s };
    }
    const s = i;
    while (!delim(text[i])) i++;
    const tok = text.slice(s, i);
    if (tok === '') throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i} in ${text.slice(0, 200)}`);
    if (tok === 'nil') return { t: 'nil' };
    if (tok === 'true' || tok === 'false') return { t: 'bool', v: tok === 'true' };
    if (tok[0] === ':') return { t: 'kw', v: tok };
    if (/^[-+]?\d+$/.test(tok)) return { t: 'int', v: BigInt(tok) };
    if (/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|Infinity)$/.test(tok) || tok === 'NaN' || tok === '##NaN' || tok === '##Inf' || tok === '##-Inf') {
      return { t: 'float', v: Number(tok.replace('##', '')) };
    }
    return { t: 'sym', v: tok };
  };
  const out = val();
  ws();
  if (i !== text.length) throw new Error(`trailing text: ${text.slice(i, i + 50)}`);
  return out;
}

const strEdn = (s) => {
  let o = '"';
  for (const ch of s) {
    if (ch === '"') o += '\\"';
    else if (ch === '\\') o += '\\\\';
    else if (ch === '\n') o += '\\n';
    else if (ch === '\t') o += '\\t';
    else if (ch.charCodeAt(0) < 32) o += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else o += ch;
  }
  return o + '"';
};
function floatEdn(x) {
  if (Number.isInteger(x)) return `${x}.0`;
  return String(x);
}
function printEdn(a) {
  switch (a.t) {
    case 'nil': return 'nil';
    case 'bool': return String(a.v);
    case 'int': return String(a.v);
    case 'float': return floatEdn(a.v);
    case 'str': return strEdn(a.v);
    case 'kw':
      // `(keyword "Ann B")` makes a keyword DataScript prints but no EDN reader reads back as
      // one: the read that produced it is dropped. (dfdb's reader takes `@` after the first
      // character, as in `:dee1@x.org`, which DataScript also prints.)
      if (!/^:[\p{L}.*+!\-_?$%&=<>/][\p{L}\p{N}.*+!\-_?$%&=<>/:#'@]*$/u.test(a.v)) throw new DsError(`unreadable keyword ${a.v}`);
      return a.v;
    case 'sym': return a.v;
    case 'vec': return `[${a.v.map(printEdn).join(' ')}]`;
    case 'list': return `(${a.v.map(printEdn).join(' ')})`;
    case 'set': return `#{${a.v.map(printEdn).join(' ')}}`;
    case 'map': return `{${a.v.map(([k, v]) => `${printEdn(k)} ${printEdn(v)}`).join(', ')}}`;
    case 'tag':
      // DataScript prints #inst "2020-01-01T00:00:00.000-00:00"; VECTORS.md: RFC3339
      if (a.tag === 'inst' && a.v.t === 'str') return `#inst ${strEdn(new Date(a.v.v).toISOString())}`;
      return `#${a.tag} ${printEdn(a.v)}`;
    default: throw new Error(`cannot print ${JSON.stringify(a)}`);
  }
}
// DataScript runs on JS numbers: an integral float prints as an integer. Force floats.
function toFloat(a) {
  if (a.t === 'int') return { t: 'float', v: Number(a.v) };
  return a;
}

// ---------------------------------------------------------------- generator values (JS side)
// Values the generator writes: numbers = ints, {f:x} floats, strings, {kw:':a/b'}, booleans,
// {ref:name} (#ref), {id:n} (literal entity id), {lookup:[attr,val]}, arrays = vectors,
// {map:[[k,v],...]}, {raw:'text'} (symbols, etc.), null = nil.
function E(x) {
  if (x === null) return 'nil';
  if (typeof x === 'number') return String(x);
  if (typeof x === 'boolean') return String(x);
  if (typeof x === 'string') return strEdn(x);
  if (Array.isArray(x)) return `[${x.map(E).join(' ')}]`;
  if ('f' in x) return floatEdn(x.f);
  if ('kw' in x) return x.kw;
  if ('ref' in x) return `#ref ${strEdn(x.ref)}`;
  if ('id' in x) return String(x.id);
  if ('lookup' in x) return `[${x.lookup[0]} ${E(x.lookup[1])}]`;
  if ('map' in x) return `{${x.map.map(([k, v]) => `${typeof k === 'string' && k[0] === ':' ? k : E(k)} ${E(v)}`).join(', ')}}`;
  if ('set' in x) return `#{${x.set.map(E).join(' ')}}`;
  if ('raw' in x) return x.raw;
  throw new Error(`E: ${JSON.stringify(x)}`);
}
const kw = (s) => ({ kw: s });
const key = (x) => E(x); // identity of a value

// ---------------------------------------------------------------- seeded RNG
function rng(seed) {
  let s = (seed >>> 0) || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const r = {
    f: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    shuffle: (arr) => { const a = [...arr]; for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; } return a; },
    some: (arr, lo, hi) => r.shuffle(arr).slice(0, r.int(lo, Math.min(hi, arr.length))),
  };
  return r;
}

// ---------------------------------------------------------------- the domain
const NAMES = ['Ann', 'Bob', 'Cid', 'Dee', 'Eve', 'zoë', 'Ann B'];
const KINDS = [':k/a', ':k/b', ':k/c', ':red'];
const SCORES = [1.5, 2.25, -0.5, 3.75, 10.125, 0.5];
const STAGS = ['x', 'y', 'z', 'w'];
const KTAGS = [':t/x', ':t/y', ':t/z', ':t.sub/w'];
const INSTS = ['2020-01-01T00:00:00.000Z', '2021-06-15T12:30:00.000Z', '1999-12-31T23:59:59.500Z', '2020-01-01T00:00:00.001Z'];
const UUIDS = ['11111111-2222-4333-8444-555555555555', '00000000-0000-4000-8000-000000000001', 'ffffffff-0000-4000-8000-00000000000a'];
const NEWVALS = !process.argv.includes('--no-new-values'); // #inst / #uuid attributes
const NEWSHAPES = !process.argv.includes('--no-new-shapes'); // :keys, attribute variables, _ in :in, more rules and pull forms

function makeSchema(r) {
  const attrs = {
    ':p/name': { type: 'str' },
    ':p/age': { type: 'int' },
    ':p/kind': { type: 'kw' },
    ':p/flag': { type: 'bool' },
    ':p/score': { type: 'float' },
    ':p/tag': { type: r.chance(0.5) ? 'str' : 'kw', tagPool: true, many: r.chance(0.85) },
    ...(NEWVALS ? { ':p/at': { type: 'inst' }, ':p/uid': { type: 'uuid' } } : {}),
    ':p/id': { type: 'int', unique: r.pick(['identity', 'identity', 'identity', 'value', null]) },
    ':p/email': { type: 'str', unique: r.pick(['identity', 'value', 'value', null]) },
    ':p/friend': { type: 'ref', many: r.chance(0.6) },
    ':p/parent': { type: 'ref', many: false },
    ':p/part': { type: 'ref', many: r.chance(0.5), component: r.chance(0.7) },
  };
  const entries = [];
  for (const [a, d] of Object.entries(attrs)) {
    const props = [];
    if (d.type === 'ref') props.push([':db/valueType', kw(':db.type/ref')]);
    if (d.many) props.push([':db/cardinality', kw(':db.cardinality/many')]);
    else if (r.chance(0.1)) props.push([':db/cardinality', kw(':db.cardinality/one')]);
    if (d.unique) props.push([':db/unique', kw(`:db.unique/${d.unique}`)]);
    if (d.component) props.push([':db/isComponent', true]);
    if (props.length) entries.push([a, { map: props }]);
  }
  return { attrs, edn: E({ map: entries }) };
}

// ---------------------------------------------------------------- the DataScript side
class DsError extends Error {}
function dsCall(fn) {
  try {
    return fn();
  } catch (e) {
    const data = e && e.data ? String(e.data) : '';
    const err = new DsError(e && e.message ? e.message : String(e));
    err.dsData = data;
    throw err;
  }
}
const dsRead = (text) => DS.read(text);
const show = (cljs) => {
  if (cljs == null) return { t: 'nil' };
  if (typeof cljs === 'string') return { t: 'str', v: cljs };
  if (typeof cljs === 'boolean') return { t: 'bool', v: cljs };
  if (typeof cljs === 'number') return Number.isInteger(cljs) ? { t: 'int', v: BigInt(cljs) } : { t: 'float', v: cljs };
  if (cljs instanceof Date) return { t: 'tag', tag: 'inst', v: { t: 'str', v: cljs.toISOString() } };
  // DataScript's toString prints a UUID bare (no #uuid tag)
  return parseEdn(String(cljs).replace(/(?<![\w"#-])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![\w"-])/g, '#uuid "$1"'));
};

/** The VECTORS.md kind of a DataScript tx error, or null when unsure. */
function txErrorKind(e) {
  const d = e.dsData || '';
  const m = e.message || '';
  if (d.includes(':transact/unique')) return 'unique';
  if (d.includes(':transact/upsert') && /onflicting upsert/.test(m)) return 'unique';
  if (d.includes(':entity-id/missing') || /Nothing found for/.test(m)) return 'lookup';
  if (/Tempids used only as value/.test(m)) return 'lookup';
  if (/Cannot store nil as a value/.test(m)) return 'type';
  return null;
}

// ---------------------------------------------------------------- one case
class Case {
  constructor(r, idx, seed, stats) {
    this.r = r;
    this.stats = stats;
    this.schema = makeSchema(r);
    this.A = this.schema.attrs;
    this.db = dsCall(() => DS.emptyDb(dsRead(this.schema.edn), null));
    this.steps = [];
    this.features = new Set(['tx']);
    this.refs = new Map(); // name -> id
    this.named = new Map(); // id -> name
    this.maxEid = 0; // DataScript's
    this.canonMax = 0; // VECTORS.md's
    this.dsToCanon = new Map();
    this.tempCounter = 0;
    this.name = `s${seed} random ${String(idx).padStart(4, '0')}`;
  }

  // current state: Map id -> Map attr -> values (AST)
  state() {
    this.curState = this.state0();
    return this.curState;
  }

  state0() {
    const rows = show(DS.q(dsRead('[:find ?e ?a ?v :where [?e ?a ?v]]'), this.db));
    const st = new Map();
    for (const row of rows.v) {
      const [e, a, v] = row.v;
      const id = Number(e.v);
      if (!st.has(id)) st.set(id, new Map());
      const m = st.get(id);
      if (!m.has(a.v)) m.set(a.v, []);
      m.get(a.v).push(v);
    }
    return st;
  }

  subst(text) {
    return text.replace(/#ref "([^"]*)"/g, (_, n) => {
      if (!this.refs.has(n)) throw new Error(`unknown ref ${n}`);
      return String(this.refs.get(n));
    });
  }

  /** An EDN reference to entity id: #ref when named. */
  eref(id) {
    if (this.named.has(id)) return { ref: this.named.get(id) };
    const m = this.curState && this.curState.get(id);
    if (m) {
      for (const a of [':p/id', ':p/email']) {
        if (this.A[a].unique && m.has(a)) return { lookup: [a, this.astToGen(m.get(a)[0])] };
      }
    }
    return null;
  }

  /** Entities the tx data and queries can name (#ref or a lookup ref). */
  referable(st) {
    return [...st.keys()].filter((id) => this.eref(id) !== null);
  }

  /** The VECTORS.md id of a DataScript id. */
  canon(id) {
    const c = this.dsToCanon.get(id);
    return c === undefined ? id : c;
  }

  /** Rewrites entity ids (DataScript's) in an AST result to VECTORS.md ids. */
  canonAst(a) {
    if (a.t === 'int') return { t: 'int', v: BigInt(this.canon(Number(a.v))) };
    return a;
  }

  canonPull(a) {
    if (a.t === 'map') {
      return { t: 'map', v: a.v.map(([k, v]) => [k, k.t === 'kw' && k.v === ':db/id' ? this.canonAst(v) : this.canonPull(v)]) };
    }
    if (a.t === 'vec' || a.t === 'set' || a.t === 'list') return { t: a.t, v: a.v.map((x) => this.canonPull(x)) };
    return a;
  }

  astToGen(a) {
    // AST value from the db -> generator value
    switch (a.t) {
      case 'int': return Number(a.v);
      case 'float': return { f: a.v };
      case 'str': return a.v;
      case 'kw': return kw(a.v);
      case 'bool': return a.v;
      case 'tag': return { raw: printEdn(a) };
      default: throw new Error(`astToGen ${a.t}`);
    }
  }

  // ---------------- values
  scalarValue(attr, fresh) {
    const r = this.r;
    const d = this.A[attr];
    if (attr === ':p/id') return fresh ? this.freshUnique(attr) : r.int(1, 30);
    if (attr === ':p/email') return fresh ? this.freshUnique(attr) : `${r.pick(['a', 'b', 'c', 'd'])}@x.org`;
    if (d.tagPool) return d.type === 'kw' ? kw(r.pick(KTAGS)) : r.pick(STAGS);
    switch (d.type) {
      case 'str': return r.pick(NAMES);
      case 'int': return r.int(-3, 40);
      case 'kw': return kw(r.pick(KINDS));
      case 'bool': return r.chance(0.5);
      case 'float': return { f: r.pick(SCORES) };
      case 'inst': return { raw: `#inst "${r.pick(INSTS)}"` };
      case 'uuid': return { raw: `#uuid "${r.pick(UUIDS)}"` };
      default: throw new Error(attr);
    }
  }

  freshUnique(attr) {
    const used = this.usedUnique;
    for (let k = 0; k < 100; k++) {
      const v = attr === ':p/id' ? this.r.int(1, 60) : `${this.r.pick(['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus'])}${this.r.int(1, 9)}@x.org`;
      if (!used.has(`${attr} ${key(v)}`)) { used.add(`${attr} ${key(v)}`); return v; }
    }
    return attr === ':p/id' ? 1000 + this.r.int(0, 100000) : `u${this.r.int(0, 1e6)}@x.org`;
  }

  existingUnique(attr, st) {
    const vals = [];
    for (const [, m] of st) for (const v of m.get(attr) ?? []) vals.push(this.astToGen(v));
    return vals;
  }

  // ---------------- transactions
  newTemp() {
    this.tempCounter += 1;
    return `t${this.tempCounter}`;
  }

  /** Tx data plus bookkeeping for the allocation check. */
  genTx(st) {
    const r = this.r;
    const A = this.A;
    this.usedUnique = new Set();
    for (const [, m] of st) for (const a of [':p/id', ':p/email']) for (const v of m.get(a) ?? []) this.usedUnique.add(`${a} ${printEdn(v)}`);
    const alive = this.referable(st);
    const slots = []; // {kind:'temp', name} | {kind:'anon', check:[attr,val]} in order of first appearance
    const seenTemp = new Set();
    const txTemps = [];
    const useTemp = (t) => { if (!seenTemp.has(t)) { seenTemp.add(t); slots.push({ kind: 'temp', name: t }); } };
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref');
    const refAttrs = Object.keys(A).filter((a) => A[a].type === 'ref');
    const idUnique = A[':p/id'].unique;
    const emUnique = A[':p/email'].unique;
    const lookupable = [];
    if (idUnique) lookupable.push(':p/id');
    if (emUnique) lookupable.push(':p/email');

    const existingRef = () => {
      if (!alive.length) return null;
      if (lookupable.length && r.chance(0.3)) {
        const a = r.pick(lookupable);
        const vals = this.existingUnique(a, st);
        if (vals.length) return { lookup: [a, r.pick(vals)] };
      }
      return this.eref(r.pick(alive));
    };

    const refValue = (depth, parentAttr) => {
      const c = r.f();
      if (c < 0.35 && depth < 2) return genMap(depth + 1, parentAttr === ':p/part' && A[':p/part'].component ? 0.3 : 0.7);
      if (c < 0.55 && txTemps.length) { const t = r.pick(txTemps); useTemp(t); return t; }
      const e = existingRef();
      if (e) return e;
      return genMap(depth + 1, 0.7);
    };

    const genMap = (depth, pNamed = 0.85) => {
      const entries = [];
      let slot;
      if (r.chance(pNamed)) {
        const t = this.newTemp();
        txTemps.push(t);
        useTemp(t);
        entries.push([':db/id', t]);
      } else {
        slot = { kind: 'anon' };
        slots.push(slot);
      }
      const attrs = r.some(scalarAttrs, 1, 4);
      for (const a of attrs) {
        let v;
        if (A[a].many && r.chance(0.6)) {
          const n = r.int(1, 2);
          const vs = [];
          for (let k = 0; k < n; k++) { const x = this.scalarValue(a, true); if (!vs.some((y) => key(y) === key(x))) vs.push(x); }
          v = r.chance(0.15) ? { set: vs } : vs;
        } else v = this.scalarValue(a, true);
        entries.push([a, v]);
        if (slot && !Array.isArray(v) && !v.set) { slot.all = slot.all ?? []; slot.all.push([a, v]); slot.check = slot.check ?? [a, v]; }
      }
      if (slot && !slot.check) { const v = this.scalarValue(':p/name'); entries.push([':p/name', v]); slot.check = [':p/name', v]; slot.all = [[':p/name', v]]; }
      if (depth < 2 && r.chance(0.5)) {
        for (const a of r.some(refAttrs, 1, 2)) {
          if (A[a].many && r.chance(0.5)) entries.push([a, [refValue(depth, a), refValue(depth, a)].filter((x, i, arr) => arr.findIndex((y) => key(y) === key(x)) === i)]);
          else {
            // a lookup ref alone as a card-many value reads as a list of two values in DataScript
            const v = refValue(depth, a);
            const wrap = A[a].many && v && typeof v === 'object' && ('lookup' in v || (AVOID.has('nested-many') && 'map' in v));
            entries.push([a, wrap ? [v] : v]);
          }
        }
      }
      return { map: r.shuffle(entries.slice(1)).length ? (entries[0][0] === ':db/id' ? [entries[0], ...r.shuffle(entries.slice(1))] : r.shuffle(entries)) : entries };
    };

    const items = [];
    const n = r.int(1, 4);
    let errorKind = null;
    for (let k = 0; k < n; k++) {
      const c = r.f();
      if (c < 0.35 || (!alive.length && c < 0.7)) items.push(genMap(0));
      else if (c < 0.55) {
        // :db/add
        let target;
        const cc = r.f();
        if (cc < 0.35 || !alive.length) {
          if (txTemps.length && r.chance(0.4)) target = r.pick(txTemps);
          else { target = this.newTemp(); txTemps.push(target); }
          useTemp(target);
        } else target = existingRef();
        const a = r.pick([...scalarAttrs, ...scalarAttrs, ...refAttrs]);
        let v;
        if (A[a].type === 'ref') {
          v = txTemps.length && r.chance(0.4) ? r.pick(txTemps) : existingRef();
          if (v === null) { v = this.newTemp(); txTemps.push(v); }
          if (typeof v === 'string') useTemp(v);
        } else v = this.scalarValue(a, r.chance(0.8));
        items.push([kw(':db/add'), target, kw(a), v]);
      } else if (c < 0.68 && alive.length) {
        // :db/retract of a current datom (sometimes the attribute only, sometimes a missing value)
        const id = r.pick(alive);
        const m = st.get(id);
        const a = r.pick([...m.keys()]);
        const vals = m.get(a);
        const v = vals[r.int(0, vals.length - 1)];
        let gv;
        // a ref value is named by #ref or a lookup ref, never by DataScript's own id (it
        // numbers entities differently from VECTORS.md)
        if (A[a] && A[a].type === 'ref') { gv = this.eref(Number(v.v)); if (gv === null) continue; }
        else gv = this.astToGen(v);
        if (r.chance(0.15)) items.push([kw(':db/retract'), this.eref(id), kw(a)]);
        else items.push([kw(':db/retract'), this.eref(id), kw(a), r.chance(0.1) && A[a].type !== 'ref' ? this.scalarValue(a) : gv]);
      } else if (c < 0.76 && alive.length) {
        items.push([kw(r.chance(0.85) ? ':db/retractEntity' : ':db.fn/retractEntity'), existingRef()]);
      } else if (c < 0.88 && alive.length) {
        // upsert / update
        if (idUnique === 'identity' && r.chance(0.6)) {
          const vals = this.existingUnique(':p/id', st);
          if (vals.length) {
            const entries = [[':p/id', r.pick(vals)]];
            for (const a of r.some(scalarAttrs.filter((x) => x !== ':p/id' && x !== ':p/email'), 1, 2)) entries.push([a, this.scalarValue(a)]);
            if (r.chance(0.5)) {
              const t = this.newTemp(); txTemps.push(t); useTemp(t);
              entries.unshift([':db/id', t]);
            }
            items.push({ map: entries });
            continue;
          }
        }
        const entries = [[':db/id', existingRef()]];
        for (const a of r.some(scalarAttrs.filter((x) => x !== ':p/id' && x !== ':p/email'), 1, 3)) entries.push([a, this.scalarValue(a)]);
        items.push({ map: entries });
      } else if (alive.length && !errorKind && r.chance(0.6)) {
        // probable errors (one per tx: DataScript and dfdb may check them in different orders)
        errorKind = 'one';
        const cc = r.f();
        if (cc < 0.3 && lookupable.length) {
          const a = r.pick(lookupable);
          items.push([kw(':db/add'), { lookup: [a, this.freshUnique(a)] }, kw(':p/name'), 'Ghost']);
        } else if (cc < 0.55 && (idUnique || emUnique)) {
          const a = idUnique ? ':p/id' : ':p/email';
          const vals = this.existingUnique(a, st);
          if (vals.length) items.push([kw(':db/add'), this.eref(r.pick(alive)), kw(a), r.pick(vals)]);
          else items.push(genMap(0));
        } else if (cc < 0.7) {
          const t = this.newTemp();
          items.push([kw(':db/add'), this.eref(r.pick(alive)), kw(':p/friend'), t]);
          useTemp(t);
        } else if (cc < 0.8) {
          items.push([kw(':db/add'), this.eref(r.pick(alive)), kw(':p/name'), null]);
        } else {
          items.push(genMap(0));
        }
      } else items.push(genMap(0));
    }
    return { items, slots, txTemps };
  }

  /**
   * True when a lookup ref or an identity upsert in the tx refers to a unique (attr, value) that an
   * earlier item of the same tx retracts, changes (card-one overwrite), retracts the entity of,
   * or asserts for the first time. DataScript resolves those against the in-progress tx, dfdb
   * (like Datomic) against the database before it: a known difference, left out unless
   * --sequential.
   */
  sequentialConflict(items, st) {
    const A = this.A;
    const uniq = (a) => A[a] && A[a].unique;
    const isRef = (a) => A[a] && A[a].type === 'ref';
    const touched = new Set();
    const k = (a, v) => `${a} ${typeof v === 'object' && v && 't' in v ? printEdn(v) : key(v)}`;
    const resolve = (e) => {
      if (e && typeof e === 'object' && 'ref' in e) return this.refs.get(e.ref);
      if (e && typeof e === 'object' && 'lookup' in e) {
        for (const [id, m] of st) if ((m.get(e.lookup[0]) ?? []).some((x) => printEdn(x) === key(e.lookup[1]))) return id;
        return undefined;
      }
      if (e && typeof e === 'object' && 'id' in e) return e.id;
      return undefined; // tempid / new
    };
    // every unique value of an entity and (cascade) of its components
    const contested = new Set(); // unique values asserted on another entity than their holder
    const release = (x) => { touched.add(x); if (contested.has(x)) doubleWrite = true; };
    const contestedBy = new Set(); // entities asserting a contested value (retracting them later: sequential too)
    const touchEntity = (id, seen = new Set()) => {
      if (contestedBy.has(id)) doubleWrite = true;
      if (id === undefined || seen.has(id)) return;
      seen.add(id);
      const m = st.get(id);
      if (!m) return;
      for (const [a, vs] of m) {
        if (uniq(a)) for (const v of vs) release(k(a, v));
        if (A[a] && A[a].component) for (const v of vs) touchEntity(Number(v.v), seen);
      }
    };
    // references of one item: lookup refs anywhere, identity upserts of new entities
    const refsOf = (it) => {
      const out = [];
      const val = (a, v) => {
        if (v && typeof v === 'object' && 'lookup' in v) out.push(k(...v.lookup));
        else if (Array.isArray(v) && isRef(a)) v.forEach((x) => val(a, x));
        else if (v && typeof v === 'object' && 'set' in v && isRef(a)) v.set.forEach((x) => val(a, x));
        else if (v && typeof v === 'object' && !Array.isArray(v) && 'map' in v) map(v);
      };
      const map = (m) => {
        const id = m.map.find(([kk]) => kk === ':db/id');
        if (id && id[1] && typeof id[1] === 'object' && 'lookup' in id[1]) out.push(k(...id[1].lookup));
        const isNew = !id || typeof id[1] === 'string';
        for (const [a, v] of m.map) {
          if (a === ':db/id') continue;
          if (isNew && uniq(a) === 'identity' && !Array.isArray(v)) out.push(k(a, v));
          val(a, v);
        }
      };
      if (Array.isArray(it)) {
        const [op, e, a, v] = it;
        if (e && typeof e === 'object' && 'lookup' in e) out.push(k(...e.lookup));
        if (op.kw === ':db/add' && typeof e === 'string' && uniq(a.kw) === 'identity') out.push(k(a.kw, v));
        if (it.length > 3 && a && isRef(a.kw)) val(a.kw, v);
      } else map(it);
      return out;
    };
    const touchesOf = (it) => {
      const assert = (e, a, v) => {
        if (!uniq(a)) return;
        // any assertion (not only a first one): DataScript checks uniqueness op by op
        touched.add(k(a, v));
        const id = resolve(e);
        for (const [h, m] of st) if (h !== id && (m.get(a) ?? []).some((x) => printEdn(x) === key(v)) && id !== undefined) { contested.add(k(a, v)); contestedBy.add(id); }
        const ek = id !== undefined ? `#${id}` : typeof e === 'string' ? e : null;
        if (ek && !A[a].many) {
          const prev = written.get(`${ek} ${a}`);
          if (prev !== undefined && prev !== key(v)) doubleWrite = true;
          written.set(`${ek} ${a}`, key(v));
        }
        if (id !== undefined && !A[a].many) for (const old of st.get(id)?.get(a) ?? []) if (printEdn(old) !== key(v)) release(k(a, old));
      };
      const map = (m) => {
        const id = m.map.find(([kk]) => kk === ':db/id');
        const e = id ? id[1] : undefined;
        for (const [a, v] of m.map) {
          if (a === ':db/id') continue;
          if (Array.isArray(v) || (v && typeof v === 'object' && 'set' in v)) {
            for (const x of Array.isArray(v) ? v : v.set) { if (isRef(a)) { if (x && typeof x === 'object' && !Array.isArray(x) && 'map' in x) map(x); } else assert(e, a, x); }
          } else if (v && typeof v === 'object' && 'map' in v) map(v);
          else assert(e, a, v);
        }
      };
      if (Array.isArray(it)) {
        const [op, e, a, v] = it;
        if (op.kw === ':db/retractEntity' || op.kw === ':db.fn/retractEntity') touchEntity(resolve(e));
        else if (op.kw === ':db/retract') {
          const id = resolve(e);
          if (uniq(a.kw)) {
            if (it.length > 3) release(k(a.kw, v));
            else for (const old of st.get(id)?.get(a.kw) ?? []) release(k(a.kw, old));
          }
          if (A[a.kw] && A[a.kw].component) {
            const vs = it.length > 3 ? [resolve(v)] : (st.get(id)?.get(a.kw) ?? []).map((x) => Number(x.v));
            for (const c of vs) touchEntity(c);
          }
        } else if (op.kw === ':db/add') assert(e, a.kw, v);
      } else map(it);
    };
    // two values for one card-one unique attribute of one entity: DataScript checks the first
    // against the database op by op, dfdb the net result
    const written = new Map();
    let doubleWrite = false;
    for (const it of items) {
      if (refsOf(it).some((x) => touched.has(x))) return true;
      touchesOf(it);
      if (doubleWrite) return true;
    }
    return false;
  }

  /** New-entity candidates in order of first appearance in the tx data (VECTORS.md). */
  slotsOf(items) {
    const slots = [];
    const seen = new Set();
    const temp = (t) => { if (!seen.has(t)) { seen.add(t); slots.push({ kind: 'temp', name: t }); } };
    const isRef = (a) => this.A[a] && this.A[a].type === 'ref';
    const value = (a, v) => {
      // dfdb (and this generator) allocate a tempid where it first names an entity (:db/id, or
      // the e of a list form); a tempid seen first as a ref value waits for that.
      if (typeof v === 'string' && isRef(a)) { if (!seen.has(v)) this.stats.valueFirstTempid += 1; }
      else if (Array.isArray(v)) { if (isRef(a)) v.forEach((x) => value(a, x)); }
      else if (v && typeof v === 'object' && 'map' in v) map(v);
      else if (v && typeof v === 'object' && 'set' in v && isRef(a)) v.set.forEach((x) => value(a, x));
    };
    const map = (m) => {
      const id = m.map.find(([k]) => k === ':db/id');
      if (id && typeof id[1] === 'string') temp(id[1]);
      else if (!id) {
        const all = m.map.filter(([k, v]) => !isRef(k) && !Array.isArray(v) && !(v && typeof v === 'object' && 'set' in v));
        slots.push({ kind: 'anon', all });
      }
      for (const [k, v] of m.map) if (k !== ':db/id') value(k, v);
    };
    for (const it of items) {
      if (Array.isArray(it)) {
        const [, e, a, v] = it;
        if (typeof e === 'string') temp(e);
        if (it.length > 3) value(a.kw, v);
      } else map(it);
    }
    return slots;
  }

  /** Runs a tx on DataScript; on success checks the id allocation and records the step. */
  tryTx() {
    const st = this.state();
    const { items, txTemps } = this.genTx(st);
    if (!SEQUENTIAL && this.sequentialConflict(items, st)) { this.stats.sequentialSkipped += 1; return false; }
    const slots = this.slotsOf(items);
    let text = E(items);
    const negTemps = new Map(); // -n text -> tN
    if (!process.argv.includes('--no-negative-tempids') && this.r.chance(0.3)) {
      for (const t of txTemps) {
        if (this.r.chance(0.5) && text.includes(`"${t}"`)) {
          const n = `-${t.slice(1)}`;
          text = text.split(`"${t}"`).join(n);
          negTemps.set(n, t);
        }
      }
      if (negTemps.size) this.stats.negativeTempids += 1;
    }
    if (process.env.DSGEN_TRACE) console.error('TX', text);
    let report;
    try {
      report = dsCall(() => DS.withTx(this.db, dsRead(this.subst(text)), null));
    } catch (e) {
      if (!(e instanceof DsError)) throw e;
      const kind = txErrorKind(e);
      if (!kind) { this.stats.txUnmapped[e.message.slice(0, 60)] = (this.stats.txUnmapped[e.message.slice(0, 60)] ?? 0) + 1; return false; }
      this.steps.push({ transact: text, expect_error: kind });
      this.stats.txErrors[kind] = (this.stats.txErrors[kind] ?? 0) + 1;
      return true;
    }
    const tempids = show(DS.tempids.h(report));
    const resolved = new Map();
    for (const [k, v] of tempids.v) {
      if (k.t === 'str') resolved.set(k.v, Number(v.v));
      else if (k.t === 'int' && negTemps.has(String(k.v))) resolved.set(negTemps.get(String(k.v)), Number(v.v));
    }
    const newDb = DS.dbAfter.h(report);
    // allocation rule: new slots in order of first appearance get maxEid+1, +2, ...
    const before = this.maxEid;
    let next = before;
    const stAfter = (() => { const save = this.db; this.db = newDb; const s = this.state0(); this.db = save; return s; })();
    const newIds = [...new Set([...stAfter.keys(), ...resolved.values()])].filter((id) => id > before && id < 536870912);
    const mapping = new Map();
    let canonNext = this.canonMax;
    let ok = true;
    for (const s of slots) {
      if (s.kind === 'temp') {
        const id = resolved.get(s.name);
        if (id === undefined) { ok = false; break; }
        if (id > before && !mapping.has(id)) mapping.set(id, ++canonNext);
      } else {
        // anonymous map: new unless it upserted (then it names an existing entity)
        let existing = false;
        for (const [a, v] of s.all) {
          if (this.A[a] && this.A[a].unique === 'identity') {
            for (const [, m] of st) if ((m.get(a) ?? []).some((x) => printEdn(x) === key(v))) existing = true;
          }
        }
        if (existing) continue;
        const cands = newIds.filter((id) => !mapping.has(id) && s.all.every(([a, v]) => (stAfter.get(id)?.get(a) ?? []).some((x) => printEdn(x) === key(v))));
        if (cands.length !== 1) { ok = false; break; }
        mapping.set(cands[0], ++canonNext);
      }
    }
    if (ok && newIds.some((id) => !mapping.has(id))) ok = false;
    if (ok && newIds.length) next = Math.max(...newIds);
    if (!ok) {
      this.stats.allocMismatch += 1;
      if (process.env.DSGEN_ALLOC) console.error('ALLOC', before, text, printEdn(tempids), JSON.stringify(slots), [...stAfter.keys()].join(','));
      return false;
    }
    this.db = newDb;
    this.maxEid = next;
    this.canonMax = canonNext;
    for (const [d, c] of mapping) this.dsToCanon.set(d, c);
    const step = { transact: text };
    const recorded = {};
    const neg = new Map([...negTemps].map(([n, t]) => [t, n]));
    for (const t of txTemps) {
      const id = resolved.get(t);
      if (id !== undefined && !this.named.has(id)) {
        recorded[neg.get(t) ?? t] = t;
        this.refs.set(t, id);
        this.named.set(id, t);
      } else if (id !== undefined) {
        // upserted into an already named entity: record under its own name too
        recorded[neg.get(t) ?? t] = t;
        this.refs.set(t, id);
      }
    }
    if (Object.keys(recorded).length) step.tempids = recorded;
    this.steps.push(step);
    return true;
  }

  // ---------------- reads
  addRead(step, feats) {
    this.steps.push(step);
    for (const f of feats) this.features.add(f);
  }

  values(st, attr) {
    const out = [];
    for (const [, m] of st) for (const v of m.get(attr) ?? []) out.push(this.astToGen(v));
    return out;
  }

  constFor(st, attr) {
    const vs = this.values(st, attr);
    if (vs.length && this.r.chance(0.85)) return this.r.pick(vs);
    return this.scalarValue(attr);
  }

  tryRead() {
    const st = this.state();
    const c = this.r.f();
    try {
      if (c < 0.5) return this.genQuery(st);
      if (c < 0.62) return this.genAggQuery(st);
      if (c < 0.72) return this.genRuleQuery(st);
      if (c < 0.87) return this.genPull(st);
      return this.genEntity(st);
    } catch (e) {
      if (e instanceof DsError) { this.stats.readRejected += 1; return false; }
      throw e;
    }
  }

  runQuery(qtext, args) {
    if (process.env.DSGEN_TRACE) console.error('Q', qtext, args.join(' '));
    const q = dsRead(this.subst(qtext));
    const inputs = args.map((a) => dsRead(this.subst(a)));
    return show(dsCall(() => DS.q(q, this.db, ...inputs)));
  }

  /** Emits a query step; find: list of {text, float?}; shape: rel|coll|tuple|scalar. */
  emitQuery({ find, where, inParts = [], args = [], shape = 'rel', withVars = [], feats = [], keys = null, rowFix = null }) {
    if (keys) return this.emitKeysQuery({ find, where, inParts, args, withVars, feats, keys });
    const findText = find.map((f) => f.text).join(' ');
    const withText = withVars.length ? ` :with ${withVars.join(' ')}` : '';
    const inText = inParts.length ? ` :in $ ${inParts.join(' ')}` : '';
    const whereText = where.join(' ');
    const relQ = `[:find ${findText}${withText}${inText} :where ${whereText}]`;
    let qtext = relQ;
    let result = this.runQuery(relQ, args);
    const rows = ['set', 'vec', 'list'].includes(result.t) ? result.v : [];
    const fixRow = (row) => {
      if (!Array.isArray(row.v)) throw new Error(`row ${printEdn(row)} of ${relQ} = ${printEdn(result)}`);
      const fixed = { t: 'vec', v: row.v.map((x, i) => this.fixCol(find[i], x)) };
      return rowFix ? rowFix(fixed) : fixed;
    };
    let expect;
    if (shape === 'rel' || (shape !== 'rel' && rows.length > 1 && shape !== 'coll')) {
      expect = { t: 'vec', v: rows.map(fixRow) };
    } else if (shape === 'coll') {
      qtext = `[:find [${find[0].text} ...]${withText}${inText} :where ${whereText}]`;
      const res = this.runQuery(qtext, args);
      expect = { t: 'vec', v: res.v.map((x) => this.fixCol(find[0], x)) };
    } else if (shape === 'tuple') {
      qtext = `[:find [${findText}]${withText}${inText} :where ${whereText}]`;
      const res = this.runQuery(qtext, args);
      expect = res.t === 'nil' ? res : fixRow(res);
    } else {
      qtext = `[:find ${find[0].text} .${withText}${inText} :where ${whereText}]`;
      const res = this.runQuery(qtext, args);
      expect = res.t === 'nil' ? res : this.fixCol(find[0], res);
    }
    const step = { query: qtext };
    if (args.length) step.args = args;
    step.expect = printEdn(expect);
    this.addRead(step, ['query', ...feats]);
    return true;
  }

  /** :find ... :keys/:strs/:syms: a collection of maps. */
  emitKeysQuery({ find, where, inParts, args, withVars, feats, keys }) {
    const names = find.map((_, i) => `k${i}`);
    const withText = withVars.length ? ` :with ${withVars.join(' ')}` : '';
    const inText = inParts.length ? ` :in $ ${inParts.join(' ')}` : '';
    const qtext = `[:find ${find.map((f) => f.text).join(' ')} :${keys} ${names.join(' ')}${withText}${inText} :where ${where.join(' ')}]`;
    const res = this.runQuery(qtext, args);
    const rows = ['set', 'vec', 'list'].includes(res.t) ? res.v : [];
    const expect = { t: 'vec', v: rows.map((m) => ({ t: 'map', v: m.v.map(([k, v]) => [k, this.fixCol(find[names.indexOf(k.v.replace(/^:/, ''))], v)]) })) };
    const step = { query: qtext };
    if (args.length) step.args = args;
    step.expect = printEdn(expect);
    this.addRead(step, ['query', ...feats]);
    return true;
  }

  fixCol(f, x) {
    if (f.float) {
      if (x.t === 'int') return toFloat(x);
      if (x.t === 'vec' || x.t === 'list' || x.t === 'set') return { t: x.t, v: x.v.map(toFloat) };
      return x;
    }
    if (f.ent) return this.canonAst(x);
    if (f.pull) return this.canonPull(x);
    return x;
  }

  // variables of a query under construction
  genWhere(st, opts = {}) {
    const r = this.r;
    const A = this.A;
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref');
    const refAttrs = Object.keys(A).filter((a) => A[a].type === 'ref');
    const where = [];
    const vars = []; // {name, type, attr}
    let vn = 0;
    const fresh = (base) => `?${base}${vn++}`;
    const ents = ['?e'];
    const addPattern = (e, a, constProb = 0.25) => {
      const d = A[a];
      if (d.type === 'ref') {
        if (r.chance(constProb) && this.referable(st).length) {
          where.push(`[${e} ${a} ${E(this.eref(r.pick(this.referable(st))))}]`);
          return;
        }
        const f = fresh('f');
        where.push(`[${e} ${a} ${f}]`);
        ents.push(f);
        vars.push({ name: f, type: 'ref' });
        return;
      }
      if (r.chance(constProb)) { where.push(`[${e} ${a} ${E(this.constFor(st, a))}]`); return; }
      const v = fresh(a.slice(3, 5));
      where.push(`[${e} ${a} ${v}]`);
      vars.push({ name: v, type: d.type, attr: a });
    };
    // first pattern
    const first = r.pick([...scalarAttrs, ...refAttrs]);
    addPattern('?e', first, 0.3);
    vars.push({ name: '?e', type: 'ref' });
    const nExtra = r.int(0, opts.maxExtra ?? 4);
    for (let k = 0; k < nExtra; k++) {
      const c = r.f();
      const e = r.pick(ents);
      const typed = (t) => vars.filter((v) => v.type === t);
      if (c < 0.35) addPattern(e, r.pick([...scalarAttrs, ...refAttrs]));
      else if (c < 0.42) {
        // reverse join / join on a value
        const sv = vars.filter((v) => v.attr && v.type !== 'float');
        if (sv.length) {
          const v = r.pick(sv);
          const e2 = fresh('e');
          where.push(`[${e2} ${v.attr} ${v.name}]`);
          ents.push(e2);
          vars.push({ name: e2, type: 'ref' });
        } else addPattern(e, r.pick(scalarAttrs));
      } else if (c < 0.55) {
        // predicate
        const nums = [...typed('int')];
        const strs = typed('str');
        const kws = typed('kw');
        if (nums.length && r.chance(0.6)) {
          const v = r.pick(nums);
          const op = r.pick(['<', '>', '<=', '>=', '=', 'not=', '!=', '==']);
          const other = nums.length > 1 && r.chance(0.3) ? r.pick(nums.filter((x) => x !== v)).name : String(r.int(-2, 35));
          where.push(`[(${op} ${v.name} ${other})]`);
        } else if (strs.length) {
          const v = r.pick(strs);
          const op = r.pick(['<', '>', '=', 'not=', '<=', '>=']);
          where.push(`[(${op} ${v.name} ${E(r.pick(NAMES))})]`);
        } else if (kws.length) {
          const v = r.pick(kws);
          where.push(`[(${r.pick(['=', 'not=', '<'])} ${v.name} ${r.pick(KINDS)})]`);
        } else if (typed('float').length) {
          const v = r.pick(typed('float'));
          where.push(`[(${r.pick(['<', '>', '>='])} ${v.name} ${r.pick(['2', '1.5', '0'])})]`);
        } else if (typed('bool').length) {
          where.push(`[(${r.pick(['true?', 'false?'])} ${r.pick(typed('bool')).name})]`);
        } else {
          const nv = vars.filter((x) => x.type !== 'ref' && x.type !== 'tuple');
          if (nv.length) where.push(`[(= ${r.pick(nv).name} ${r.pick(nv).name})]`);
        }
      } else if (c < 0.68) {
        // function binding
        const nums = typed('int');
        const out = fresh('r');
        if (nums.length && r.chance(0.7)) {
          const v = r.pick(nums);
          const fn = r.pick(['+', '-', '*', 'quot', 'rem', 'mod', 'inc', 'dec', 'max', 'min', 'abs?', 'str']);
          let expr;
          if (fn === 'inc' || fn === 'dec') expr = `(${fn} ${v.name})`;
          else if (fn === 'quot' || fn === 'rem' || fn === 'mod') expr = `(${fn} ${v.name} ${r.pick([2, 3, -4])})`;
          else if (fn === 'abs?') expr = `(- 0 ${v.name})`;
          else if (fn === 'str') expr = `(str ${v.name} "-" ${r.pick(vars.filter((x) => x.type !== 'ref' && x.type !== 'tuple' && x.type !== 'float' && x.type !== 'inst' && x.type !== 'any')).name})`;
          else expr = `(${fn} ${v.name} ${nums.length > 1 && r.chance(0.4) ? r.pick(nums).name : r.int(-3, 5)})`;
          where.push(`[${expr} ${out}]`);
          vars.push({ name: out, type: fn === 'str' ? 'str' : 'int' });
        } else {
          const v = r.pick(vars.filter((x) => x.type !== 'float' && x.type !== 'ref' && x.type !== 'tuple' && x.type !== 'inst' && x.type !== 'any')) ?? { name: '"k"', type: 'str' };
          const c2 = r.f();
          if (c2 < 0.3) { where.push(`[(str ${v.name}) ${out}]`); vars.push({ name: out, type: 'str' }); }
          else if (c2 < 0.5) { where.push(`[(get-else $ ${r.pick(ents)} ${r.pick(scalarAttrs.filter((a) => !A[a].many && A[a].type !== 'float'))} ${E(r.pick(['none', 0, kw(':none')]))}) ${out}]`); vars.push({ name: out, type: 'any' }); }
          else if (c2 < 0.65) { where.push(`[(missing? $ ${r.pick(ents)} ${r.pick(scalarAttrs)})]`); }
          else if (c2 < 0.75) { where.push(`[(ground ${E(r.pick([1, 'a', kw(':k/a')]))}) ${out}]`); vars.push({ name: out, type: 'any' }); }
          else if (c2 < 0.85) { where.push(`[(tuple ${v.name} ${v.name}) ${out}]`); vars.push({ name: out, type: 'tuple' }); }
          else if (typed('kw').length) { const k = r.pick(typed('kw')); where.push(`[(${r.pick(['name', 'namespace'])} ${k.name}) ${out}]`); vars.push({ name: out, type: 'any' }); }
          else { where.push(`[(identity ${v.name}) ${out}]`); vars.push({ name: out, type: v.type }); }
        }
      } else if (c < 0.74 && !process.argv.includes('--no-new-fns')) {
        this.newFnClause(st, { where, vars, ents, fresh, typed, e });
      } else if (c < 0.8) {
        // not / not-join
        const a = r.pick(scalarAttrs);
        if (r.chance(0.5)) where.push(`(not [${e} ${a} ${E(this.constFor(st, a))}])`);
        else if (r.chance(0.5)) {
          const ra = r.pick(refAttrs);
          const x = fresh('x');
          where.push(`(not-join [${e}] [${e} ${ra} ${x}] [${x} ${a} ${E(this.constFor(st, a))}])`);
        } else {
          const nums = typed('int');
          if (nums.length) where.push(`(not [(${r.pick(['<', '>', '='])} ${r.pick(nums).name} ${r.int(0, 30)})])`);
          else where.push(`(not [${e} ${a}])`);
        }
      } else {
        // or / or-join / and inside or
        const a1 = r.pick(scalarAttrs);
        const a2 = r.pick(scalarAttrs);
        const cc = r.f();
        if (cc < 0.35) where.push(`(or [${e} ${a1} ${E(this.constFor(st, a1))}] [${e} ${a2} ${E(this.constFor(st, a2))}])`);
        else if (cc < 0.55) {
          const x = fresh('x');
          where.push(`(or (and [${e} ${':p/age'} ${x}] [(${r.pick(['<', '>'])} ${x} ${r.int(0, 30)})]) (and [${e} ${':p/id'} ${x}] [(> ${x} ${r.int(0, 30)})]))`);
          vars.push({ name: x, type: 'int' });
        } else if (cc < 0.85) {
          const x = fresh('x');
          const ra = r.pick(refAttrs);
          where.push(`(or-join [${e}] [${e} ${a1} ${E(this.constFor(st, a1))}] (and [${e} ${ra} ${x}] [${x} ${a2} ${E(this.constFor(st, a2))}]))`);
        } else if (cc < 0.92 || process.argv.includes('--no-new-fns')) {
          const x = fresh('x');
          where.push(`(or-join [${e} ${x}] [${e} :p/name ${x}] (and [${e} :p/email ${x}] (not [${e} :p/flag true])))`);
          vars.push({ name: x, type: 'str' });
        } else {
          const x = fresh('x');
          const ra = r.pick(refAttrs);
          const shapes = [
            `(not (or [${e} ${a1} ${E(this.constFor(st, a1))}] [${e} ${a2} ${E(this.constFor(st, a2))}]))`,
            `(or-join [${e}] (and [${e} ${a1} ${x}] (not-join [${e}] [${e} ${ra} ${fresh('y')}])) [${e} ${a2} ${E(this.constFor(st, a2))}])`,
            `(not (and [${e} ${ra} ${x}] (not [${x} ${a1} ${E(this.constFor(st, a1))}])))`,
            `(or (and [${e} ${a1} ${x}] (not [${e} ${a2} ${E(this.constFor(st, a2))}])) (and [${e} ${a1} ${x}] [${e} ${ra} _]))`,
          ];
          const pick = r.int(0, shapes.length - 1);
          where.push(shapes[pick]);
          if (pick === 3) vars.push({ name: x, type: A[a1].type, attr: a1 });
        }
      }
    }
    return { where, vars, ents };
  }

  /** Query functions and predicates beyond the first round (all in DataScript and dfdb's docs). */
  newFnClause(st, { where, vars, ents, fresh, typed, e }) {
    const r = this.r;
    const A = this.A;
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref');
    const out = fresh('n');
    const ints = typed('int');
    const strs = typed('str');
    const c = r.f();
    if (c < 0.12 && ints.length) {
      const v = r.pick(ints).name;
      where.push(`[(${r.pick(['even?', 'odd?', 'zero?', 'pos?', 'neg?'])} ${v})]`);
    } else if (c < 0.2 && ints.length) {
      const v = r.pick(ints).name;
      const op = r.pick(['<', '<=', '>', '>=', '=', 'not=']);
      const args = op[0] === '<' ? [r.int(-3, 10), v, r.int(10, 40)] : op[0] === '>' ? [r.int(10, 40), v, r.int(-3, 10)] : [v, r.pick(ints).name, r.pick(ints).name];
      where.push(`[(${op} ${args.join(' ')})]`);
    } else if (c < 0.3 && ints.length) {
      const v = r.pick(ints).name;
      const fn = r.pick(['(- V)', '(/ V 2)', '(/ V 4)', '(max V 1 7)', '(min V 3 -1)', '(+ V 1 2)', '(* V 2 3)', '(quot V -3)', '(mod V -3)', '(rem V -3)']);
      where.push(`[${fn.replace('V', v)} ${out}]`);
      vars.push({ name: out, type: fn.startsWith('(/') ? 'num' : 'int' });
    } else if (c < 0.45 && strs.length) {
      const v = r.pick(strs).name;
      const p = r.pick(['A', 'e', 'B', '', 'zo', 'n B']);
      const cc = r.f();
      if (cc < 0.5) where.push(`[(clojure.string/${r.pick(['starts-with?', 'ends-with?', 'includes?'])} ${v} ${E(p)})]`);
      else if (cc < 0.6) where.push(`[(clojure.string/blank? ${v})]`);
      else if (cc < 0.75 && strs.some((x) => x.attr === ':p/name' || x.attr === ':p/email')) {
        // (DataScript's subs is JavaScript's substring: no error past the end; names are 3+ chars)
        where.push(`[(subs ${r.pick(strs.filter((x) => x.attr === ':p/name' || x.attr === ':p/email')).name} ${r.pick(['0', '1', '1 2', '0 3'])}) ${out}]`);
        vars.push({ name: out, type: 'str' });
      }
      else if (cc < 0.87) { where.push(`[(count ${v}) ${out}]`); vars.push({ name: out, type: 'int' }); }
      else { where.push(`[(keyword ${v}) ${out}]`); vars.push({ name: out, type: 'kw' }); }
    } else if (c < 0.55) {
      // get-some: the first attribute the entity has, as [attr value]
      const as = r.some(scalarAttrs.filter((a) => !A[a].many), 2, 3);
      const av = fresh('ga');
      where.push(`[(get-some $ ${r.pick(ents)} ${as.join(' ')}) [${av} ${out}]]`);
      vars.push({ name: av, type: 'kw' }, { name: out, type: 'any' });
    } else if (c < 0.63) {
      const nv = vars.filter((x) => !['ref', 'tuple', 'float'].includes(x.type));
      if (!nv.length) return;
      const a = r.pick(nv);
      const t = fresh('tu');
      const o2 = fresh('n');
      where.push(`[(tuple ${a.name} 1 :k) ${t}]`, `[(untuple ${t}) [${out} _ ${o2}]]`);
      vars.push({ name: out, type: a.type }, { name: o2, type: 'kw' });
    } else if (c < 0.7) {
      const a = r.pick(scalarAttrs.filter((x) => A[x].type !== 'float'));
      const vals = [this.constFor(st, a), this.constFor(st, a)];
      const v = fresh('cv');
      where.push(`[${e} ${a} ${v}]`, `[(contains? ${E({ set: vals.filter((x, i) => vals.findIndex((y) => key(y) === key(x)) === i) })} ${v})]`);
    } else if (c < 0.78) {
      // predicates on refs
      const refs = vars.filter((x) => x.type === 'ref');
      const named = [...this.refs.keys()];
      if (refs.length > 1 && r.chance(0.5)) { const [x, y] = r.some(refs, 2, 2); where.push(`[(${r.pick(['=', 'not=', '!='])} ${x.name} ${y.name})]`); }
      else if (named.length) where.push(`[(${r.pick(['=', 'not='])} ${r.pick(refs).name} ${E({ ref: r.pick(named) })})]`);
    } else if (c < 0.86) {
      const insts = typed('inst');
      if (insts.length) where.push(`[(${r.pick(['<', '>', '<=', '>=', '=', 'not='])} ${r.pick(insts).name} #inst "${r.pick(INSTS)}")]`);
      else where.push(`[${e} :p/at ${fresh('at')}]`);
    } else if (c < 0.93) {
      const nv = vars.filter((x) => x.type !== 'tuple');
      if (nv.length) where.push(`[(${r.pick(['nil?', 'some?'])} ${r.pick(nv).name})]`);
    } else {
      const v = r.pick(vars.filter((x) => x.type !== 'tuple'));
      where.push(`[(identity ${v.name}) ${out}]`);
      vars.push({ name: out, type: v.type });
    }
  }

  genQuery(st) {
    const r = this.r;
    const { where, vars } = this.genWhere(st);
    const usable = vars.filter((v) => v.type !== 'tuple');
    const c = r.f();
    // :in bindings
    if (c < 0.25) return this.genInQuery(st);
    if (c < 0.3) {
      // pull in :find
      const pat = this.genPattern(st, 1);
      return this.emitQuery({ find: [{ text: `(pull ?e ${pat})`, pull: true }], where, feats: ['pull'] });
    }
    const fvars = r.some(usable, 1, 3);
    const shape = r.pick(['rel', 'rel', 'rel', 'coll', 'tuple', 'scalar']);
    const col = (v) => ({ text: v.name, ent: v.type === 'ref' });
    if (NEWSHAPES && c < 0.4) return this.emitQuery({ find: fvars.map(col), where, keys: r.pick(['keys', 'strs', 'syms']) });
    if (NEWSHAPES && c < 0.5) return this.genAttrVarQuery(st);
    return this.emitQuery({ find: fvars.map(col), where, shape, ...(shape === 'coll' || shape === 'scalar' ? { find: [col(fvars[0])] } : {}) });
  }

  /** A variable in attribute position. */
  genAttrVarQuery(st) {
    const r = this.r;
    const A = this.A;
    const isRefAttr = (x) => x.t === 'kw' && A[x.v] && A[x.v].type === 'ref';
    const named = this.referable(st);
    const c = r.f();
    if (c < 0.4 && named.length) {
      // one entity's attributes and values; a ref attribute's value is an entity id
      return this.emitQuery({ find: [{ text: '?a' }, { text: '?v' }], where: [`[${E(this.eref(r.pick(named)))} ?a ?v]`],
        rowFix: (row) => ({ t: 'vec', v: [row.v[0], isRefAttr(row.v[0]) ? this.canonAst(row.v[1]) : row.v[1]] }) });
    }
    if (c < 0.7) return this.emitQuery({ find: [{ text: '?a' }, { text: '(count ?e)' }], where: ['[?e ?a]'], feats: ['aggregates'] });
    // Not integers: an integer constant also matches ref values, and those are entity ids in
    // DataScript's own numbering, which is not the vectors'.
    const a = r.pick(Object.keys(A).filter((x) => A[x].type !== 'ref' && A[x].type !== 'float' && A[x].type !== 'int'));
    return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?a' }], where: [`[?e ?a ${E(this.constFor(st, a))}]`], shape: r.pick(['rel', 'rel', 'coll']) });
  }

  genInQuery(st) {
    const r = this.r;
    const A = this.A;
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref' && A[a].type !== 'float');
    const a = r.pick(scalarAttrs);
    const b = r.pick(scalarAttrs.filter((x) => x !== a));
    const c = r.f();
    if (NEWSHAPES && c < 0.1) {
      // _ in :in skips an input
      return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?v' }], inParts: r.chance(0.5) ? ['_', '?c'] : ['?c', '_'], args: r.chance(0.5) ? ['"ignored"', E(this.constFor(st, a))].slice(0) : ['"ignored"', E(this.constFor(st, a))], where: [`[?e ${a} ?c]`, `[?e ${b} ?v]`] }
        .inParts[0] === '_' ? { find: [{ text: '?e', ent: true }, { text: '?v' }], inParts: ['_', '?c'], args: ['"ignored"', E(this.constFor(st, a))], where: [`[?e ${a} ?c]`, `[?e ${b} ?v]`] }
        : { find: [{ text: '?e', ent: true }, { text: '?v' }], inParts: ['?c', '_'], args: [E(this.constFor(st, a)), '[1 2]'], where: [`[?e ${a} ?c]`, `[?e ${b} ?v]`] });
    }
    if (c < 0.25) {
      return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?v' }], inParts: ['?c'], args: [E(this.constFor(st, a))], where: [`[?e ${a} ?c]`, `[?e ${b} ?v]`] });
    }
    if (c < 0.5) {
      const vals = [this.constFor(st, a), this.constFor(st, a), this.constFor(st, a)].slice(0, r.int(1, 3));
      return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?c' }], inParts: ['[?c ...]'], args: [E(vals)], where: [`[?e ${a} ?c]`], shape: r.pick(['rel', 'coll']) });
    }
    if (c < 0.7) {
      return this.emitQuery({ find: [{ text: '?e', ent: true }], inParts: ['[?c ?d]'], args: [E([this.constFor(st, a), this.constFor(st, b)])], where: [`[?e ${a} ?c]`, `[?e ${b} ?d]`] });
    }
    if (c < 0.9) {
      const rel = [];
      for (let k = r.int(1, 3); k > 0; k--) rel.push([this.constFor(st, a), r.pick(['one', 'two', kw(':lbl/x'), 3])]);
      return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?lbl' }], inParts: ['[[?c ?lbl]]'], args: [E(rel)], where: [`[?e ${a} ?c]`] });
    }
    // two inputs: scalar + collection, with a predicate on the scalar
    const ints = this.values(st, ':p/age');
    return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?age' }], inParts: ['?min', '[?k ...]'], args: [String(r.int(0, 30)), E(r.some(KINDS, 1, 3).map(kw))], where: ['[?e :p/age ?age]', '[(>= ?age ?min)]', '[?e :p/kind ?k]'], shape: ints.length ? 'rel' : 'rel' });
  }

  genAggQuery(st) {
    const r = this.r;
    const A = this.A;
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref' && A[a].type !== 'bool');
    const a = r.pick(scalarAttrs);
    const d = A[a];
    const numeric = d.type === 'int';
    const aggs = ['count', 'count-distinct', 'min', 'max', 'distinct', '(min 2)', '(max 2)'];
    if (numeric) aggs.push('sum', 'avg', 'median', 'variance', 'stddev', 'sum', 'avg');
    if (d.type === 'float') aggs.push('min', 'max', 'sum', 'avg', 'median', 'variance', 'stddev', 'sum', '(min 2)', '(max 2)');
    if (d.type === 'inst' || d.type === 'uuid') aggs.push('min', 'max');
    const where = [`[?e ${a} ?v]`];
    const find = [];
    const group = r.chance(0.5);
    if (group) {
      const g = r.pick(Object.keys(A).filter((x) => x !== a && A[x].type !== 'float' && !A[x].many));
      if (r.chance(0.5)) where.push(`[?e ${g} ?g]`);
      else where.push(`[(get-else $ ?e ${g} :none) ?g]`);
      find.push({ text: '?g', ent: A[g].type === 'ref' });
    }
    if (r.chance(0.3)) where.push(`[(${r.pick(['>', '<', 'not='])} ?v ${E(this.constFor(st, a))})]`);
    const n = r.int(1, 2);
    for (let k = 0; k < n; k++) {
      const ag = r.pick(aggs);
      const text = ag.startsWith('(') ? `${ag.slice(0, -1)} ?v)` : `(${ag} ?v)`;
      find.push({ text, float: ['avg', 'median', 'variance', 'stddev'].includes(ag) || (d.type === 'float' && !['count', 'count-distinct'].includes(ag)) });
    }
    if (r.chance(0.2)) find.push({ text: '(count ?e)' });
    const withVars = r.chance(0.5) ? ['?e'] : [];
    const shape = !group && find.length === 1 && r.chance(0.5) ? 'scalar' : !group && r.chance(0.3) ? 'tuple' : 'rel';
    return this.emitQuery({ find, where, withVars, shape, feats: ['aggregates'] });
  }

  genRuleQuery(st) {
    const r = this.r;
    const A = this.A;
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref');
    const c = r.f();
    const rel = r.pick([':p/parent', ':p/friend', ':p/part']);
    if (c < 0.4) {
      // recursive
      const rules = r.chance(0.5)
        ? `[[(anc ?a ?b) [?a ${rel} ?b]] [(anc ?a ?b) [?a ${rel} ?x] (anc ?x ?b)]]`
        : `[[(anc ?a ?b) [?a ${rel} ?b]] [(anc ?a ?b) [?a ${rel} ?x] [?x ${rel} ?y] (anc ?y ?b)]]`;
      // (DataScript does not terminate on the doubly recursive [(anc ?a ?b) (anc ?a ?x) (anc ?x ?b)].)
      const cc = r.f();
      if (cc < 0.4) return this.emitQuery({ find: [{ text: '?a', ent: true }, { text: '?b', ent: true }], inParts: ['%'], args: [rules], where: ['(anc ?a ?b)'], feats: ['rules'] });
      if (cc < 0.7 && this.referable(st).length) {
        const id = r.pick(this.referable(st));
        return this.emitQuery({ find: [{ text: '?b', ent: true }], inParts: ['%'], args: [rules], where: [`(anc ${E(this.eref(id))} ?b)`], feats: ['rules'], shape: r.pick(['rel', 'coll']) });
      }
      const a = r.pick(scalarAttrs);
      return this.emitQuery({ find: [{ text: '?v' }, { text: '(count ?b)' }], inParts: ['%'], args: [rules], where: ['(anc ?a ?b)', `[?a ${a} ?v]`], feats: ['rules', 'aggregates'] });
    }
    if (NEWSHAPES && c < 0.55) {
      const a = r.pick(scalarAttrs);
      const rules = `[[(linked ?a ?b) [?a ${rel} ?b]] [(linked ?a ?b) [?b ${rel} ?a]]`
        // (reach over the symmetric linked does not terminate in DataScript: it follows rel only)
        + ` [(step ?a ?b) [?a ${rel} ?b]] [(reach ?a ?b) (step ?a ?b)] [(reach ?a ?b) (step ?a ?x) (reach ?x ?b)]`
        + ` [(has ?e ?v) [?e ${a} ?v]] [(near ?e ?v) (has ?e ?v)] [(near ?e ?v) (linked ?e ?x) (has ?x ?v)]]`;
      const named = this.referable(st);
      const cc = r.f();
      if (cc < 0.25 && named.length) return this.emitQuery({ find: [{ text: '?b', ent: true }], inParts: ['%'], args: [rules], where: [`(reach ${E(this.eref(r.pick(named)))} ?b)`], feats: ['rules'] });
      if (cc < 0.5 && named.length) return this.emitQuery({ find: [{ text: '?a', ent: true }], inParts: ['%'], args: [rules], where: [`(reach ?a ${E(this.eref(r.pick(named)))})`], feats: ['rules'], shape: r.pick(['rel', 'coll']) });
      if (cc < 0.75) return this.emitQuery({ find: [{ text: '?e', ent: true }], inParts: ['%', '?v'], args: [rules, E(this.constFor(st, a))], where: ['(near ?e ?v)'], feats: ['rules'] });
      return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?v' }], inParts: ['%'], args: [rules], where: ['(near ?e ?v)', '(not (has ?e ?v))'], feats: ['rules'] });
    }
    if (c < 0.7) {
      const a1 = r.pick(scalarAttrs);
      const a2 = r.pick(scalarAttrs);
      const rules = `[[(sel ?x) [?x ${a1} ${E(this.constFor(st, a1))}]] [(sel ?x) [?x ${a2} ?y] [(${r.pick(['=', 'not='])} ?y ${E(this.constFor(st, a2))})]] [(sel ?x) [?x ${rel} ?z] (sel ?z)]]`;
      return this.emitQuery({ find: [{ text: '?x', ent: true }], inParts: ['%'], args: [rules], where: ['(sel ?x)'], feats: ['rules'] });
    }
    const a = r.pick(scalarAttrs);
    const b = r.pick(scalarAttrs);
    const rules = `[[(val ?e ?v) [?e ${a} ?v]] [(both ?e ?v ?w) (val ?e ?v) [?e ${b} ?w]]]`;
    return this.emitQuery({ find: [{ text: '?e', ent: true }, { text: '?v' }, { text: '?w' }], inParts: ['%'], args: [rules], where: ['(both ?e ?v ?w)'], feats: ['rules'] });
  }

  genPattern(st, depth) {
    const r = this.r;
    const A = this.A;
    const parts = [];
    const aliases = [':alias', '"Alias"', ':x/y'];
    if (r.chance(0.2)) parts.push('*');
    for (const a of r.some(Object.keys(A), 1, 4)) {
      const d = A[a];
      const c = r.f();
      if (d.type === 'ref' && depth < 3 && c < 0.4) parts.push(`{${a} ${this.genPattern(st, depth + 1)}}`);
      else if (d.type === 'ref' && c < 0.55) parts.push(`{${a.replace('/', '/_')} ${r.chance(0.7) ? this.genPattern(st, depth + 1) : '[:p/name]'}}`);
      else if (d.type === 'ref' && c < 0.65) parts.push(a.replace('/', '/_'));
      else if (d.type === 'ref' && c < 0.72 && a !== ':p/part') parts.push(`{${a} ${r.pick(['...', '2', '1'])}}`);
      else if (c < 0.8) parts.push(`[${a} :default ${E(this.scalarValue(d.type === 'ref' ? ':p/name' : a))}]`);
      else if (c < 0.87 && aliases.length) parts.push(`[${a} :as ${aliases.splice(r.int(0, aliases.length - 1), 1)[0]}]`); // distinct within a pattern
      else if (c < 0.93 && d.many) parts.push(`[${a} :limit ${r.int(1, 2)}]`);
      else parts.push(a);
    }
    if (r.chance(0.15)) parts.push(':db/id');
    if (NEWSHAPES) {
      const c = r.f();
      if (c < 0.05) return '[:db/id]';
      if (c < 0.12) parts.push(`{${r.pick(Object.keys(A).filter((a) => A[a].type === 'ref')).replace('/', '/_')} [*]}`);
      else if (c < 0.18) {
        // (an attribute twice in one pattern is ambiguous: only one not yet named)
        const free = Object.keys(A).filter((a) => A[a].many && !parts.some((p) => p.includes(`${a} `) || p.includes(`${a}]`) || p === a));
        if (free.length) parts.push(`[${r.pick(free)} :limit nil]`);
      }
    }
    return `[${parts.join(' ')}]`;
  }

  eidFor(st) {
    const r = this.r;
    const named = [...this.refs.keys()];
    if (named.length && r.chance(0.7)) return E({ ref: r.pick(named) });
    const lk = [':p/id', ':p/email'].filter((a) => this.A[a].unique);
    if (lk.length && r.chance(0.6)) {
      const a = r.pick(lk);
      const vs = this.values(st, a);
      if (vs.length) return E({ lookup: [a, r.pick(vs)] });
    }
    if (r.chance(0.3)) return String(r.pick([999, 4000, 12345]));
    return null;
  }

  genPull(st) {
    const r = this.r;
    const pat = this.genPattern(st, 1);
    if (r.chance(0.3)) {
      const eids = [];
      for (let k = r.int(1, 3); k > 0; k--) { const e = this.eidFor(st); if (e) eids.push(e); }
      if (!eids.length) return false;
      const eidsText = `[${eids.join(' ')}]`;
      const res = show(dsCall(() => DS.pullMany(this.db, dsRead(pat), dsRead(this.subst(eidsText)))));
      this.addRead({ pull_many: pat, eids: eidsText, expect: printEdn(this.canonPull(res)) }, ['pull']);
      return true;
    }
    const eid = this.eidFor(st);
    if (!eid) return false;
    const res = show(dsCall(() => DS.pull(this.db, dsRead(pat), dsRead(this.subst(eid)))));
    this.addRead({ pull: pat, eid, expect: printEdn(this.canonPull(res)) }, ['pull']);
    return true;
  }

  genEntity(st) {
    const r = this.r;
    let eid = this.eidFor(st);
    if (!eid) return false;
    // resolve to an id via DataScript
    let id;
    const t = this.subst(eid);
    if (t.startsWith('[')) {
      const lk = parseEdn(t).v;
      for (const [eid2, m] of st) if ((m.get(lk[0].v) ?? []).some((x) => printEdn(x) === printEdn(lk[1]))) id = eid2;
      if (id === undefined) return false;
    } else id = Number(t);
    const m = st.get(id);
    let expect;
    if (!m) expect = { t: 'nil' };
    else {
      const entries = [[{ t: 'kw', v: ':db/id' }, { t: 'int', v: BigInt(this.canon(id)) }]];
      for (const [a, vs] of [...m.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
        const d = this.A[a] ?? {};
        const conv = (v) => (d.type === 'ref' ? { t: 'map', v: [[{ t: 'kw', v: ':db/id' }, this.canonAst(v)]] } : v);
        entries.push([{ t: 'kw', v: a }, d.many ? { t: 'set', v: vs.map(conv) } : conv(vs[0])]);
      }
      expect = { t: 'map', v: entries };
    }
    void r;
    this.addRead({ entity: eid, expect: printEdn(expect) }, ['entity']);
    return true;
  }

  build() {
    const r = this.r;
    const nTx = r.int(1, 4);
    let guard = 0;
    let txDone = 0;
    while (txDone < nTx && guard++ < 40) {
      if (this.tryTx()) {
        txDone += 1;
        const nReads = r.int(0, 3);
        for (let k = 0; k < nReads; k++) this.tryRead();
      }
    }
    let g2 = 0;
    let reads = this.steps.filter((s) => !('transact' in s)).length;
    while (reads < 2 && g2++ < 20) if (this.tryRead()) reads += 1;
    if (!txDone || !reads) return null;
    const order = ['tx', 'entity', 'query', 'rules', 'aggregates', 'pull'];
    return {
      name: this.name,
      schema: this.schema.edn,
      features: order.filter((f) => this.features.has(f)),
      steps: this.steps,
    };
  }
}

// ---------------------------------------------------------------- main
function main() {
  const argv = process.argv.slice(2);
  const out = argv.find((a) => !a.startsWith('--') && !/^\d[\d,]*$/.test(a));
  if (!out) {
    console.error('usage: node tests/gen/datascript-random.mjs OUT_DIR [--seeds 1,2,3] [--cases N]');
    process.exit(2);
  }
  const opt = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const seeds = opt('seeds', '1,2,3').split(',').map(Number);
  const perSeed = Number(opt('cases', '300'));
  mkdirSync(out, { recursive: true });
  for (const seed of seeds) {
    const stats = { negativeTempids: 0, sequentialSkipped: 0, valueFirstTempid: 0, allocMismatch: 0, readRejected: 0, txErrors: {}, txUnmapped: {} };
    const cases = [];
    for (let i = 1; i <= perSeed; i++) {
      const r = rng(seed * 1000003 + i * 7919);
      const c = new Case(r, i, seed, stats).build();
      if (c) cases.push(c);
    }
    const suite = {
      suite: `datascript-random-s${seed}`,
      about: `DataScript 1.8.1 oracle, random scenarios (tests/gen/datascript-random.mjs, seed ${seed})`,
      cases,
    };
    writeFileSync(join(out, `datascript-random-s${seed}.json`), `${JSON.stringify(suite, null, 1)}\n`);
    console.log(`seed ${seed}: ${cases.length} cases; ${JSON.stringify(stats)}`);
  }
}

main();
