// Comparing results as VECTORS.md "Comparing results" says: the JS port of tests/src/compare.rs,
// on the exact tagged form of `readEdn(text, { tagged: true })` (["int", 1n], ["float", 1], …).

const tag = (v) => v[0];
const isSeq = (v) => tag(v) === 'vec' || tag(v) === 'list';
const kwIs = (v, name) => tag(v) === 'kw' && v[1] === name;
const symIs = (v, name) => tag(v) === 'sym' && v[1] === name;

/** Exact equality of two tagged values (what `Value`'s `Eq` says). */
export function exactEq(a, b) {
  if (tag(a) !== tag(b)) return false;
  switch (tag(a)) {
    case 'nil':
      return true;
    case 'float':
      return Object.is(a[1], b[1]) || (Number.isNaN(a[1]) && Number.isNaN(b[1]));
    case 'vec':
    case 'list':
    case 'set':
      return a[1].length === b[1].length && a[1].every((x, i) => exactEq(x, b[1][i]));
    case 'map':
      return (
        a[1].length === b[1].length &&
        a[1].every(([k, v], i) => exactEq(k, b[1][i][0]) && exactEq(v, b[1][i][1]))
      );
    default:
      return a[1] === b[1];
  }
}

/** The value under key `k` of a tagged map, if any. */
export function mapGet(m, k) {
  const e = m[1].find(([key]) => exactEq(key, k));
  return e ? e[1] : undefined;
}

/** The query inside `{:query Q :as-of …}`, or the value itself. */
export function innerQuery(q) {
  if (tag(q) === 'map') return mapGet(q, ['kw', 'query']) ?? q;
  return q;
}

/** The items of clause `name` of a query (vector or map form). */
export function clause(query, name) {
  const q = innerQuery(query);
  if (isSeq(q)) {
    const items = q[1];
    const at = items.findIndex((v) => kwIs(v, name));
    if (at < 0) return undefined;
    const rest = items.slice(at + 1);
    const end = rest.findIndex((v) => tag(v) === 'kw');
    return end < 0 ? rest : rest.slice(0, end);
  }
  if (tag(q) === 'map') {
    const v = mapGet(q, ['kw', name]);
    return v && isSeq(v) ? v[1] : undefined;
  }
  return undefined;
}

function modeOf(elem) {
  if (tag(elem) !== 'list') return 'plain';
  const items = elem[1];
  const head = items[0] && tag(items[0]) === 'sym' ? items[0][1] : '';
  if (head === 'pull') return 'pull';
  if (['distinct', 'collect', 'sample', 'rand'].includes(head)) return 'multiset';
  if ((head === 'min' || head === 'max') && items.length === 3) return 'multiset';
  return 'plain';
}

/** The result shape of a query: {kind, modes|mode}. */
export function findShape(query) {
  const find = clause(query, 'find') ?? [];
  const keyed = ['keys', 'strs', 'syms'].some((k) => clause(query, k) !== undefined);
  if (find.length === 2 && symIs(find[1], '.')) return { kind: 'scalar', mode: modeOf(find[0]) };
  if (find.length === 1 && tag(find[0]) === 'vec') {
    const inner = find[0][1];
    if (inner.length === 2 && symIs(inner[1], '...')) return { kind: 'collection', mode: modeOf(inner[0]) };
    return { kind: 'tuple', modes: inner.map(modeOf) };
  }
  if (keyed) return { kind: 'keyed' };
  return { kind: 'relation', modes: find.map(modeOf) };
}

function floatsEqual(a, b) {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function items(v) {
  return isSeq(v) || tag(v) === 'set' ? v[1] : undefined;
}

function multiset(expected, actual, eq) {
  if (expected.length !== actual.length) return false;
  const used = new Array(actual.length).fill(false);
  outer: for (const e of expected) {
    for (let i = 0; i < actual.length; i++) {
      if (!used[i] && eq(e, actual[i])) {
        used[i] = true;
        continue outer;
      }
    }
    return false;
  }
  return true;
}

const ordered = (e, a, eq) => e.length === a.length && e.every((x, i) => eq(x, a[i]));

/** The rows of a relation-like result (a lone value is one row). */
export function rowsOf(v) {
  if (tag(v) === 'set' || isSeq(v)) return v[1];
  if (tag(v) === 'nil') return [];
  return [v];
}

/** Compares results with the schema's cardinalities at hand. */
export class Comparer {
  /** @param {Set<string>} manyAttrs the card-many attributes; @param {Set<string>} known all. */
  constructor(manyAttrs, known) {
    this.many = manyAttrs;
    this.known = known;
  }

  /** From a tagged schema map `{:attr {:db/cardinality …}}`. */
  static fromSchema(schema) {
    const many = new Set();
    const known = new Set();
    for (const [k, props] of schema[1]) {
      known.add(k[1]);
      const card = mapGet(props, ['kw', 'db/cardinality']);
      if (card && kwIs(card, 'db.cardinality/many')) many.add(k[1]);
    }
    return new Comparer(many, known);
  }

  plain(e, a) {
    if (tag(e) === 'float' && tag(a) === 'float') return floatsEqual(e[1], a[1]);
    if ((tag(e) === 'int' && tag(a) === 'ref') || (tag(e) === 'ref' && tag(a) === 'int')) return e[1] === a[1];
    if (isSeq(e) && isSeq(a)) return ordered(e[1], a[1], (p, q) => this.plain(p, q));
    if (tag(e) === 'set' && tag(a) === 'set') return multiset(e[1], a[1], (p, q) => this.plain(p, q));
    if (tag(e) === 'map' && tag(a) === 'map') {
      return (
        e[1].length === a[1].length &&
        e[1].every(([k, v]) => {
          const w = mapGet(a, k);
          return w !== undefined && this.plain(v, w);
        })
      );
    }
    return exactEq(e, a);
  }

  pull(e, a) {
    const dbId = ['kw', 'db/id'];
    if (tag(e) === 'nil' && tag(a) === 'map') return a[1].every(([k]) => exactEq(k, dbId));
    if (tag(e) === 'map' && tag(a) === 'map') {
      const extraId = mapGet(e, dbId) === undefined && mapGet(a, dbId) !== undefined;
      if (e[1].length + (extraId ? 1 : 0) !== a[1].length) return false;
      return e[1].every(([k, v]) => {
        const w = mapGet(a, k);
        if (w === undefined) return false;
        if (isSeq(v) && isSeq(w) && this.unorderedKey(k)) return this.asMultiset(v, w, (p, q) => this.pull(p, q));
        return this.pull(v, w);
      });
    }
    if (isSeq(e) && isSeq(a)) return ordered(e[1], a[1], (p, q) => this.pull(p, q));
    if (tag(e) === 'set' && tag(a) === 'set') return this.asMultiset(e, a, (p, q) => this.pull(p, q));
    return this.plain(e, a);
  }

  unorderedKey(k) {
    if (tag(k) !== 'kw') return true;
    const full = k[1];
    const slash = full.indexOf('/');
    const name = slash > 0 && slash + 1 < full.length ? full.slice(slash + 1) : full;
    if (name.startsWith('_')) return true;
    return !this.known.has(full) || this.many.has(full);
  }

  asMultiset(e, a, eq) {
    const x = items(e);
    const y = items(a);
    return x !== undefined && y !== undefined && multiset(x, y, eq);
  }

  byMode(mode, e, a) {
    if (mode === 'pull') return this.pull(e, a);
    if (mode === 'multiset') return this.asMultiset(e, a, (p, q) => this.plain(p, q)) || this.plain(e, a);
    return this.plain(e, a);
  }

  tuple(modes, e, a) {
    if (!isSeq(e) || !isSeq(a)) return false;
    return e[1].length === a[1].length && e[1].every((p, i) => this.byMode(modes[i] ?? 'plain', p, a[1][i]));
  }

  query(shape, e, a) {
    const nil = tag(e) === 'nil' && tag(a) === 'nil';
    switch (shape.kind) {
      case 'relation':
        return this.asMultiset(e, a, (p, q) => this.tuple(shape.modes, p, q));
      case 'keyed':
        return this.asMultiset(e, a, (p, q) => this.plain(p, q));
      case 'collection':
        return this.asMultiset(e, a, (p, q) => this.byMode(shape.mode, p, q));
      case 'tuple':
        return nil || this.tuple(shape.modes, e, a);
      default:
        return nil || this.byMode(shape.mode, e, a);
    }
  }

  rows(e, a) {
    return this.asMultiset(e, a, (p, q) => this.plain(p, q));
  }
}

const CHAR_NAMES = { '\n': 'newline', ' ': 'space', '\t': 'tab', '\r': 'return', '\b': 'backspace', '\f': 'formfeed' };

/** Prints a tagged value as EDN. */
export function show(v) {
  switch (tag(v)) {
    case 'nil':
      return 'nil';
    case 'bool':
      return String(v[1]);
    case 'int':
      return String(v[1]);
    case 'float': {
      const x = v[1];
      if (Number.isNaN(x)) return '##NaN';
      if (x === Infinity) return '##Inf';
      if (x === -Infinity) return '##-Inf';
      if (Object.is(x, -0)) return '-0.0';
      const s = String(x);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case 'str':
      return JSON.stringify(v[1]);
    case 'char':
      return CHAR_NAMES[v[1]] ? `\\${CHAR_NAMES[v[1]]}` : `\\${v[1]}`;
    case 'kw':
      return `:${v[1]}`;
    case 'sym':
      return v[1];
    case 'inst':
      return `#inst ${JSON.stringify(new Date(Number(v[1])).toISOString())}`;
    case 'uuid':
      return `#uuid ${JSON.stringify(v[1])}`;
    case 'bytes':
      return `#dfdb/bytes ${JSON.stringify(v[1])}`;
    case 'ref':
      return `#dfdb/ref ${v[1]}`;
    case 'vec':
      return `[${v[1].map(show).join(' ')}]`;
    case 'list':
      return `(${v[1].map(show).join(' ')})`;
    case 'set':
      return `#{${v[1].map(show).join(' ')}}`;
    case 'map':
      return `{${v[1].map(([k, x]) => `${show(k)} ${show(x)}`).join(', ')}}`;
    default:
      return String(v);
  }
}
