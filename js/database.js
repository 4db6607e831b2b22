// The JS API of dfdb: `Database`, its read-only `DatabaseView`s, and persistence hooks.
// Every method forwards to the WebAssembly `RawDatabase` (web/src/database.rs); this module only
// shapes the API (variadic inputs, unsubscribe functions, promises for persistent databases).
import { RawDatabase, decodeTxData } from '../pkg/web/dfdb_web.js';

/** Reports an exception thrown by a user callback without breaking the database's own call. */
const report = (e) => {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
  else setTimeout(() => { throw e; });
};

const guarded = (callback) => (arg) => {
  try {
    callback(arg);
  } catch (e) {
    report(e);
  }
};

/**
 * What a committed transaction did. `txData` is decoded from the engine's compact form the first
 * time it is read: most callers never look at it, and building its objects up front was a third of
 * a small transaction's time.
 */
class TxReport {
  #text;
  #data;
  // One accessor object for every report: V8 then gives all reports one shape (a getter closure
  // per report made each its own, and the constructor 4× slower). It reads private fields, so it
  // answers on a report itself (not through a Proxy of one or an object inheriting from one).
  static #txData = {
    enumerable: true,
    get() {
      if (this.#data === undefined) {
        this.#data = decodeTxData(this.#text);
        this.#text = undefined;
      }
      return this.#data;
    },
  };

  /**
   * `tx` and `ms` are numbers (or `tx` a bigint); `flat` the tempids as `[tempid, id, …]`
   * (`:db/current-tx` among them), or `null` for a report known to have no other (its
   * `:db/current-tx` entry is then made here); `text` the datoms in the engine's encoding
   * (web/src/report_text.rs).
   */
  constructor(tx, ms, flat, text) {
    const tempids = {};
    this.tx = tx;
    this.txInstant = new Date(ms);
    if (flat === null) {
      tempids[':db/current-tx'] = tx;
    } else {
      for (let i = 0; i < flat.length; i += 2) {
        // A tempid named "__proto__" is a key like any other, not the object's prototype.
        Object.defineProperty(tempids, flat[i], { value: flat[i + 1], enumerable: true, writable: true, configurable: true });
      }
    }
    this.tempids = tempids;
    this.#text = text;
    // An own, enumerable accessor: `{...report}`, `Object.keys`, `structuredClone` and
    // `postMessage` see `txData` as they would a plain property (decoding it then).
    Object.defineProperty(this, 'txData', TxReport.#txData);
  }

  /**
   * The report of a transaction `raw` (the engine) just committed, from what its `transact`,
   * `transactJson` or `transactOp` returned (web/src/database.rs): most often the datoms' text alone, the two
   * numbers then asked for; else (tempids of its own, or ids past 2^53) the array
   * `[tx, txInstant (ms), [tempid, id, …], datoms (text)]`, which is also how listeners get it.
   */
  static of(raw, r) {
    if (typeof r === 'string') return new TxReport(raw.lastTx(), raw.lastTxInstant(), null, r);
    return TxReport.fromArray(r);
  }

  /** The report from its array form. */
  static fromArray(r) {
    return new TxReport(r[0], r[1], r[2], r[3]);
  }
}

/** Nesting beyond which tx data goes the value-by-value way (which reports too-deep data). */
const JSON_DEPTH = 64;

/**
 * Whether JSON says `v` exactly as the engine's JS-data conversion reads it (web/src/convert.rs):
 * strings, finite numbers, booleans, `null`, arrays (holes and `undefined` are nil both ways) and
 * plain objects without `undefined` values (JSON would drop the key), none with a `toJSON`.
 * Anything else (`Date`, bigint, bytes, `Set`, `Map`, class instances, functions, NaN) takes the
 * value-by-value path. (A getter on tx data runs twice on this path: here and in
 * `JSON.stringify`.)
 */
function jsonExact(v, depth) {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      // `JSON.stringify` would write what `toJSON` returns (own, inherited, non-enumerable).
      if (depth >= JSON_DEPTH || v.toJSON !== undefined) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (x !== undefined && !jsonExact(x, depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      for (const k in v) {
        const x = v[k];
        if (x === undefined || !jsonExact(x, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** A value that crosses to `transactOp` as it is: a string, a finite number or a boolean. */
const plain = (x) => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));

/**
 * The code `RawDatabase.transactOp` (web/src/database.rs) knows `op` by, if `op` is a list-form
 * operation it takes: `[":db/add", e, a, v]`, `[":db/retract", e, a]` or `[":db/retract", e, a,
 * v]`, `[":db/retractEntity", e]`, with `e` a number, `a` a string and `v` plain; else -1.
 */
function opCode(op) {
  if (!Array.isArray(op) || typeof op[1] !== 'number') return -1;
  switch (op[0]) {
    case ':db/add':
      return op.length === 4 && typeof op[2] === 'string' && plain(op[3]) ? 0 : -1;
    case ':db/retract':
      return typeof op[2] === 'string' && (op.length === 3 || (op.length === 4 && plain(op[3]))) ? 1 : -1;
    case ':db/retractEntity':
      return op.length === 2 ? 2 : -1;
    default:
      return -1;
  }
}

/**
 * Commits `tx` on `raw` and returns its report: JS tx data of one simple operation crosses as its
 * parts, other JS tx data with an exact JSON form as one JSON string (web/src/json_read.rs), EDN
 * text and other JS data as they are.
 */
function transactRaw(raw, tx, options) {
  if (Array.isArray(tx) && tx.length === 1) {
    const op = tx[0];
    const code = opCode(op);
    if (code >= 0) {
      const v = op[3];
      // A number crosses as a number; anything else (a string, a boolean, none) as itself.
      const r = typeof v === 'number'
        ? raw.transactOp(code, op[1], op[2], v, undefined, options)
        : raw.transactOp(code, op[1], op[2], NaN, v, options);
      return TxReport.of(raw, r);
    }
  }
  if (typeof tx === 'object' && tx !== null && jsonExact(tx, 0)) {
    return TxReport.of(raw, raw.transactJson(JSON.stringify(tx), options));
  }
  return TxReport.of(raw, raw.transact(tx, options));
}

/** An Error with the stable `kind` of dfdb errors. */
export function dfdbError(kind, message) {
  const e = new Error(message);
  e.name = 'DfdbError';
  e.kind = kind;
  return e;
}

/**
 * A read's result as the engine hands it over (web/src/database.rs `result_to_js`): a set of number
 * tuples as one `Float64Array` (web/src/numbers.rs); most other results as JSON text (a `Set`'s
 * members as a JSON array after the character `S`), parsed here in one call instead of being
 * built piece by piece across the wasm boundary (web/src/json.rs); a result JSON cannot carry
 * exactly (bigints, `Date`s, bytes, NaN and the infinities, nested sets, maps with keys other
 * than keywords and plain strings) as the value itself, which is never a string or a
 * `Float64Array`.
 */
const result = (r) => {
  if (r instanceof Float64Array) {
    // A set of number tuples: the width, then the values row by row (web/src/numbers.rs).
    const width = r[0];
    const set = new Set();
    for (let i = 1; i < r.length; i += width) {
      const row = [];
      for (let j = 0; j < width; j++) row.push(r[i + j]);
      set.add(row);
    }
    return set;
  }
  if (typeof r !== 'string') return r;
  return r.charCodeAt(0) === 83 /* S */ ? new Set(JSON.parse(r.slice(1))) : JSON.parse(r);
};

/** Whether `xs` is an array of numbers only (a hole is not one). */
const allNumbers = (xs) => {
  if (!Array.isArray(xs)) return false;
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== 'number') return false;
  return true;
};

/** The read methods shared by a database and its views; `at` selects the point in time. */
class Reader {
  /** @internal */
  _raw() {
    throw new Error('abstract');
  }

  /** @internal */
  _at() {
    return undefined;
  }

  q(query, ...inputs) {
    return result(this._raw().q(query, inputs, this._at()));
  }

  qEdn(query, ...inputs) {
    return this._raw().qEdn(query, inputs, this._at());
  }

  explain(query, ...inputs) {
    return this._raw().explain(query, inputs, this._at());
  }

  pull(pattern, eid) {
    const at = this._at();
    // An id as a number, now: the engine need not ask JS what the argument is.
    if (typeof eid === 'number' && at === undefined) return result(this._raw().pullId(pattern, eid));
    return result(this._raw().pull(pattern, eid, at));
  }

  pullEdn(pattern, eid) {
    return this._raw().pullEdn(pattern, eid, this._at());
  }

  pullMany(pattern, eids) {
    const at = this._at();
    // Ids all numbers, now: they cross as one block of doubles (wasm-bindgen copies an array of
    // numbers as it would a `Float64Array`) instead of one value at a time.
    if (at === undefined && allNumbers(eids)) return result(this._raw().pullManyIds(pattern, eids));
    return result(this._raw().pullMany(pattern, eids, at));
  }

  pullManyEdn(pattern, eids) {
    return this._raw().pullManyEdn(pattern, eids, this._at());
  }

  entity(eid) {
    return result(this._raw().entity(eid, this._at()));
  }

  entityEdn(eid) {
    return this._raw().entityEdn(eid, this._at());
  }

  entityBy(attr, value) {
    return this._raw().entityBy(attr, value, this._at());
  }

  datoms(index, ...components) {
    return this._raw().datoms(index, components, this._at());
  }
}

/** A read-only view of a database as of a point in time (or of what came since one). */
export class DatabaseView extends Reader {
  #db;
  #at;

  /** @internal Use `db.asOf(t)` / `db.since(t)`. */
  constructor(db, at) {
    super();
    this.#db = db;
    this.#at = at;
  }

  /** @internal */
  _raw() {
    return this.#db._raw();
  }

  /** @internal */
  _at() {
    return this.#at;
  }

  /** The transaction this view shows the state right after (as-of views). */
  get basisTx() {
    const t = this.#at.asOf ?? this.#at.since;
    return this._raw().resolveTime(t);
  }
}

/** Where persistent databases keep their data; set by the entry module for its platform. */
let defaultBackend = null;

/** @internal Called by the platform entry (browser: IndexedDB; Node.js: files). */
export function setDefaultBackend(factory) {
  defaultBackend = factory;
}

export class Database extends Reader {
  #raw;
  #backend = null;
  #writes = Promise.resolve();
  #failed = null;

  /**
   * A new in-memory database.
   * @param {{schema?: string | object, clock?: (() => number) | null}} [options]
   */
  constructor(options = {}) {
    super();
    if (options && options[RAW]) {
      this.#raw = options[RAW];
      return;
    }
    this.#raw = new RawDatabase(options?.schema, options ?? undefined);
  }

  /**
   * Opens (or creates) a persistent database: in browsers an IndexedDB database named `name`, on
   * Node.js a file at path `name`. Every entry is loaded into memory; each transaction is written
   * through before `transact`'s promise resolves.
   */
  static async open(name, options = {}) {
    options ??= {};
    const factory = options.backend ?? defaultBackend;
    if (!factory) {
      throw dfdbError('io', 'Database.open: no persistent storage on this platform');
    }
    const backend = await factory(name, options);
    let raw;
    try {
      const entries = await backend.load();
      raw = RawDatabase.load(entries, options.schema, options);
    } catch (e) {
      await backend.close();
      throw e;
    }
    const db = new Database({ [RAW]: raw });
    db.#backend = backend;
    await db.#persist();
    return db;
  }

  /** @internal */
  _raw() {
    if (this.#failed) throw this.#failed;
    return this.#raw;
  }

  /** Whether this database writes through to persistent storage (`transact` returns a promise). */
  get persistent() {
    return this.#backend !== null;
  }

  /** Writes the batches committed since the last write, in commit order. */
  #persist() {
    const batches = this.#raw.takeJournal();
    if (batches.length === 0) return this.#writes;
    const backend = this.#backend;
    this.#writes = this.#writes.then(async () => {
      if (this.#failed) throw this.#failed;
      try {
        await backend.write(batches);
      } catch (e) {
        // Memory is now ahead of storage: refuse everything until the database is opened again
        // (which reloads what storage holds: every transaction before this one).
        const err = e && e.kind ? e : dfdbError('io', `persisting a transaction failed: ${e && e.message ? e.message : e}`);
        this.#failed = err;
        try {
          this.#raw.close();
        } catch {
          // already closed
        }
        await backend.close();
        throw err;
      }
    });
    return this.#writes;
  }

  /**
   * Commits a transaction (EDN text, or JS data). Returns the report; for a persistent database a
   * promise of it, resolved once the transaction is stored.
   */
  transact(tx, options) {
    if (!this.#backend) return transactRaw(this.#raw, tx, options);
    let result;
    try {
      result = transactRaw(this._raw(), tx, options);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#persist().then(() => result);
  }

  asOf(t) {
    return new DatabaseView(this, { asOf: t });
  }

  since(t) {
    return new DatabaseView(this, { since: t });
  }

  history(eid) {
    return this._raw().history(eid);
  }

  schema() {
    return this._raw().schema();
  }

  schemaEdn() {
    return this._raw().schemaEdn();
  }

  counters() {
    return this._raw().counters();
  }

  #subscribe(query, callback, inputs, asEdn) {
    const raw = this._raw();
    const { id, initial } = raw.subscribe(query, guarded(callback), inputs, asEdn);
    let live = true;
    const unsubscribe = () => {
      if (!live) return false;
      live = false;
      try {
        return raw.unsubscribe(id);
      } catch {
        return false;
      }
    };
    unsubscribe.initial = initial;
    unsubscribe.id = id;
    return unsubscribe;
  }

  /** A live query: `callback({additions, retractions})` after each change; returns `unsubscribe`. */
  subscribe(query, callback, ...inputs) {
    return this.#subscribe(query, callback, inputs, false);
  }

  /** `subscribe` with EDN-text inputs, initial result and diffs. */
  subscribeEdn(query, callback, ...inputs) {
    return this.#subscribe(query, callback, inputs, true);
  }

  /** Calls `callback(report)` after every transaction; returns `unlisten`. */
  listen(callback) {
    const raw = this._raw();
    const key = raw.listen(guarded((r) => callback(TxReport.fromArray(r))));
    return () => {
      try {
        return raw.unlisten(key);
      } catch {
        return false;
      }
    };
  }

  /**
   * Closes the database: later calls fail with kind `closed`. For a persistent database, returns a
   * promise resolved once pending writes are stored and the storage (and its lock) released.
   */
  close() {
    if (!this.#failed) this.#raw.close();
    if (!this.#backend) return undefined;
    const backend = this.#backend;
    return this.#writes.catch(() => {}).then(() => backend.close());
  }

  /** Frees the WebAssembly memory (the database is unusable afterwards). */
  free() {
    this.#raw.free();
  }

  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.free();
  }
}

const RAW = Symbol('dfdb.raw');
