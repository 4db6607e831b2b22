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
    case 'kw': case 'sym': return a.v;
    case 'vec': return `[${a.v.map(printEdn).join(' ')}]`;
    case 'list': return `(${a.v.map(printEdn).join(' ')})`;
    case 'set': return `#{${a.v.map(printEdn).join(' ')}}`;
    case 'map': return `{${a.v.map(([k, v]) => `${printEdn(k)} ${printEdn(v)}`).join(', ')}}`;
    case 'tag': return `#${a.tag} ${printEdn(a.v)}`;
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

function makeSchema(r) {
  const attrs = {
    ':p/name': { type: 'str' },
    ':p/age': { type: 'int' },
    ':p/kind': { type: 'kw' },
    ':p/flag': { type: 'bool' },
    ':p/score': { type: 'float' },
    ':p/tag': { type: r.chance(0.5) ? 'str' : 'kw', tagPool: true, many: r.chance(0.85) },
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
  return parseEdn(String(cljs));
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
        if (A[a] && A[a].type === 'ref') gv = this.eref(Number(v.v));
        if (gv === null) continue;
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
    const slots = this.slotsOf(items);
    const text = E(items);
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
    for (const [k, v] of tempids.v) if (k.t === 'str') resolved.set(k.v, Number(v.v));
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
    for (const t of txTemps) {
      const id = resolved.get(t);
      if (id !== undefined && !this.named.has(id)) {
        recorded[t] = t;
        this.refs.set(t, id);
        this.named.set(id, t);
      } else if (id !== undefined) {
        // upserted into an already named entity: record under its own name too
        recorded[t] = t;
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
  emitQuery({ find, where, inParts = [], args = [], shape = 'rel', withVars = [], feats = [] }) {
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
      return { t: 'vec', v: row.v.map((x, i) => this.fixCol(find[i], x)) };
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

  fixCol(f, x) {
    if (f.float) {
      if (x.t === 'int') return toFloat(x);
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
    const nExtra = r.int(0, opts.maxExtra ?? 3);
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
          else if (fn === 'str') expr = `(str ${v.name} "-" ${r.pick(vars.filter((x) => x.type !== 'ref' && x.type !== 'tuple' && x.type !== 'float')).name})`;
          else expr = `(${fn} ${v.name} ${nums.length > 1 && r.chance(0.4) ? r.pick(nums).name : r.int(-3, 5)})`;
          where.push(`[${expr} ${out}]`);
          vars.push({ name: out, type: fn === 'str' ? 'str' : 'int' });
        } else {
          const v = r.pick(vars.filter((x) => x.type !== 'float' && x.type !== 'ref' && x.type !== 'tuple')) ?? { name: '"k"', type: 'str' };
          const c2 = r.f();
          if (c2 < 0.3) { where.push(`[(str ${v.name}) ${out}]`); vars.push({ name: out, type: 'str' }); }
          else if (c2 < 0.5) { where.push(`[(get-else $ ${r.pick(ents)} ${r.pick(scalarAttrs.filter((a) => !A[a].many && A[a].type !== 'float'))} ${E(r.pick(['none', 0, kw(':none')]))}) ${out}]`); vars.push({ name: out, type: 'any' }); }
          else if (c2 < 0.65) { where.push(`[(missing? $ ${r.pick(ents)} ${r.pick(scalarAttrs)})]`); }
          else if (c2 < 0.75) { where.push(`[(ground ${E(r.pick([1, 'a', kw(':k/a')]))}) ${out}]`); vars.push({ name: out, type: 'any' }); }
          else if (c2 < 0.85) { where.push(`[(tuple ${v.name} ${v.name}) ${out}]`); vars.push({ name: out, type: 'tuple' }); }
          else if (typed('kw').length) { const k = r.pick(typed('kw')); where.push(`[(${r.pick(['name', 'namespace'])} ${k.name}) ${out}]`); vars.push({ name: out, type: 'any' }); }
          else { where.push(`[(identity ${v.name}) ${out}]`); vars.push({ name: out, type: v.type }); }
        }
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
        } else {
          const x = fresh('x');
          where.push(`(or-join [${e} ${x}] [${e} :p/name ${x}] (and [${e} :p/email ${x}] (not [${e} :p/flag true])))`);
          vars.push({ name: x, type: 'str' });
        }
      }
    }
    return { where, vars, ents };
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
    return this.emitQuery({ find: fvars.map(col), where, shape, ...(shape === 'coll' || shape === 'scalar' ? { find: [col(fvars[0])] } : {}) });
  }

  genInQuery(st) {
    const r = this.r;
    const A = this.A;
    const scalarAttrs = Object.keys(A).filter((a) => A[a].type !== 'ref' && A[a].type !== 'float');
    const a = r.pick(scalarAttrs);
    const b = r.pick(scalarAttrs.filter((x) => x !== a));
    const c = r.f();
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
    if (d.type === 'float') aggs.push('min', 'max');
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
      find.push({ text, float: ['avg', 'median', 'variance', 'stddev'].includes(ag) });
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
    if (r.chance(0.2)) parts.push('*');
    for (const a of r.some(Object.keys(A), 1, 4)) {
      const d = A[a];
      const c = r.f();
      if (d.type === 'ref' && depth < 3 && c < 0.4) parts.push(`{${a} ${this.genPattern(st, depth + 1)}}`);
      else if (d.type === 'ref' && c < 0.55) parts.push(`{${a.replace('/', '/_')} ${r.chance(0.7) ? this.genPattern(st, depth + 1) : '[:p/name]'}}`);
      else if (d.type === 'ref' && c < 0.65) parts.push(a.replace('/', '/_'));
      else if (d.type === 'ref' && c < 0.72 && a !== ':p/part') parts.push(`{${a} ${r.pick(['...', '2', '1'])}}`);
      else if (c < 0.8) parts.push(`[${a} :default ${E(this.scalarValue(d.type === 'ref' ? ':p/name' : a))}]`);
      else if (c < 0.87) parts.push(`[${a} :as ${r.pick([':alias', '"Alias"', ':x/y'])}]`);
      else if (c < 0.93 && d.many) parts.push(`[${a} :limit ${r.int(1, 2)}]`);
      else parts.push(a);
    }
    if (r.chance(0.15)) parts.push(':db/id');
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
    const stats = { valueFirstTempid: 0, allocMismatch: 0, readRejected: 0, txErrors: {}, txUnmapped: {} };
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
