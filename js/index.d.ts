// Type declarations of the npm package `dfdb` (hand-written: the generated ones say `any`).

/**
 * A dfdb value in JavaScript.
 *
 * Out of the database: `nil` → `null`; booleans; longs → `number` (or `bigint` beyond ±(2^53 − 1));
 * doubles → `number`; instants → `Date`; strings and chars → `string`; keywords → `":ns/name"`
 * strings; symbols → their name; UUIDs → `string`; bytes → `Uint8Array`; entity ids → `number`;
 * vectors and lists → arrays; sets → `Set`; maps with keyword or string keys → plain objects (keyword
 * keys as `":ns/name"`), other maps → `Map`.
 *
 * Into the database: the same, read back: a string starting with `:` that reads as a keyword is a
 * keyword; an integral `number` that fits 64 bits is a long, any other number a double; object keys
 * are keywords with or without the leading colon.
 */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | Value[]
  | Set<Value>
  | Map<Value, Value>
  | { [key: string]: Value };

/** What may be passed in: `Value`, plus `undefined` (read as `nil`). */
export type Input = Value | undefined | { [key: string]: Input } | Input[];

/** An entity id (`number`, or `bigint` beyond 2^53). */
export type EntityId = number | bigint;

/** An entity: its id, or a lookup ref `[":attr", value]` on a unique attribute. */
export type EntityRef = EntityId | [string, Input];

/** A point in transaction time: a transaction id, or an instant. */
export type TimePoint = EntityId | Date;

/** A stable error kind, the same on every target. */
export type ErrorKind = 'parse' | 'schema' | 'unique' | 'lookup' | 'type' | 'closed' | 'io' | 'limit';

/** Every error dfdb throws (name `DfdbError`). */
export interface DfdbError extends Error {
  kind: ErrorKind;
}

/** A datom. */
export interface Datom {
  e: EntityId;
  /** The attribute, `":ns/name"`. */
  a: string;
  v: Value;
  tx: EntityId;
  /** `true` for an assertion, `false` for a retraction. */
  added: boolean;
}

/** What a committed transaction did. */
export interface TxReport {
  tx: EntityId;
  txInstant: Date;
  /** Each tempid (strings as written, numbers as decimal text, `":db/current-tx"`) → its id. */
  tempids: Record<string, EntityId>;
  /** Retractions first, then assertions (decoded the first time it is read). */
  readonly txData: Datom[];
}

export interface TransactOptions {
  /** The transaction's instant (a `Date` or milliseconds since the epoch). */
  txInstant?: Date | number;
  /** Attributes asserted on the transaction entity. */
  txMeta?: { [key: string]: Input };
}

/** Tx-data: EDN text, an array of statements, or `{"tx-data": [...], "tx-meta": {...}}`. */
export type TxData = string | Input[] | { [key: string]: Input };

export interface DatabaseOptions {
  /** The schema: EDN text (`{:person/email {:db/unique :db.unique/identity}}`) or a JS object. */
  schema?: string | { [attr: string]: { [prop: string]: Input } };
  /**
   * The clock giving each transaction's instant, in ms since the epoch; `null` for none (instants then
   * come only from `txInstant`, else repeat the previous transaction's). Default `Date.now`.
   */
  clock?: (() => number) | null;
}

export interface OpenOptions extends DatabaseOptions {
  /** Storage other than the platform's (IndexedDB in browsers, a file on Node.js). */
  backend?: (name: string, options: OpenOptions) => Promise<Backend>;
}

/** A storage for `Database.open`: every entry at load, then each transaction's batches. */
export interface Backend {
  load(): Promise<Array<[Uint8Array, Uint8Array]>>;
  /** Stores the batches (each a list of `[key, value]`, `value` null for a delete) atomically. */
  write(batches: Array<Array<[Uint8Array, Uint8Array | null]>>): Promise<void>;
  close(): Promise<void>;
}

/** A change of a live query's result. */
export interface Diff<T = Value[]> {
  /** Result tuples that appeared. */
  additions: T[];
  /** Result tuples that disappeared. */
  retractions: T[];
  /** Set when the live query failed; it delivers nothing more. */
  error?: DfdbError;
}

/** A change of a live query's result, as EDN text (vectors of tuples). */
export interface EdnDiff {
  additions: string;
  retractions: string;
  error?: DfdbError;
}

/** Stops a live query (returns whether it was live); carries the query's initial result. */
export interface Unsubscribe<I = Value> {
  (): boolean;
  /** The result when the subscription started (not a diff). */
  readonly initial: I;
  readonly id: number;
}

/** Reads, on a database or a view of it. Queries and EDN inputs are EDN text. */
export interface Reader {
  /**
   * Runs a Datalog query. `inputs` are JS data, one per `:in` element after the `$` sources (every `$`
   * source is this database). Relation finds give a `Set` of tuple arrays — an `Array` of them when
   * the find pulls (`(pull ?e pattern)`): one row per distinct tuple of the find's variables, the
   * pulled entity among them, so equal pulled maps of two entities both stay.
   */
  q(query: string, ...inputs: Input[]): Value;
  /** `q` with EDN-text inputs and an EDN-text result (exact: `1.0` stays a double). */
  qEdn(query: string, ...inputs: string[]): string;
  /** The clauses in the order the planner ran them, with row counts. */
  explain(query: string, ...inputs: Input[]): string[];
  /** Pulls `pattern` (EDN text or JS data) for one entity; `null` when it has nothing. */
  pull(pattern: string | Input[], eid: EntityRef): { [key: string]: Value } | null;
  pullEdn(pattern: string, eid: string): string;
  pullMany(pattern: string | Input[], eids: EntityRef[]): Array<{ [key: string]: Value } | null>;
  pullManyEdn(pattern: string, eids: string): string;
  /** Every current attribute of an entity, with `":db/id"`; refs as `{":db/id": n}`. */
  entity(eid: EntityRef): { [key: string]: Value } | null;
  entityEdn(eid: string): string;
  /** The entity holding `value` for the unique attribute `attr` (`":ns/name"`). */
  entityBy(attr: string, value: Input): EntityId | null;
  /** The datoms of an index under leading components (entity ids, `":attr"` keywords, values). */
  datoms(index: 'eavt' | 'aevt' | 'avet' | 'vaet', ...components: Input[]): Datom[];
}

/** A read-only view as of a point in time, or of what came since one. */
export declare class DatabaseView implements Reader {
  private constructor();
  q(query: string, ...inputs: Input[]): Value;
  qEdn(query: string, ...inputs: string[]): string;
  explain(query: string, ...inputs: Input[]): string[];
  pull(pattern: string | Input[], eid: EntityRef): { [key: string]: Value } | null;
  pullEdn(pattern: string, eid: string): string;
  pullMany(pattern: string | Input[], eids: EntityRef[]): Array<{ [key: string]: Value } | null>;
  pullManyEdn(pattern: string, eids: string): string;
  entity(eid: EntityRef): { [key: string]: Value } | null;
  entityEdn(eid: string): string;
  entityBy(attr: string, value: Input): EntityId | null;
  datoms(index: 'eavt' | 'aevt' | 'avet' | 'vaet', ...components: Input[]): Datom[];
  /** The transaction the view's time point resolves to. */
  readonly basisTx: EntityId;
}

export declare class Database implements Reader {
  /** A new in-memory database. */
  constructor(options?: DatabaseOptions);
  /**
   * Opens (or creates) a persistent database: IndexedDB `dfdb:NAME` in browsers (one tab at a time),
   * a file at path `name` on Node.js. Its `transact` and `close` return promises.
   */
  static open(name: string, options?: OpenOptions): Promise<Database>;
  /** Whether `transact` writes through to persistent storage (and so returns a promise). */
  readonly persistent: boolean;
  /**
   * Commits one transaction, atomically. Returns the report (a promise of it for a persistent
   * database, resolved once stored).
   */
  transact(tx: TxData, options?: TransactOptions): TxReport | Promise<TxReport>;
  q(query: string, ...inputs: Input[]): Value;
  qEdn(query: string, ...inputs: string[]): string;
  explain(query: string, ...inputs: Input[]): string[];
  pull(pattern: string | Input[], eid: EntityRef): { [key: string]: Value } | null;
  pullEdn(pattern: string, eid: string): string;
  pullMany(pattern: string | Input[], eids: EntityRef[]): Array<{ [key: string]: Value } | null>;
  pullManyEdn(pattern: string, eids: string): string;
  entity(eid: EntityRef): { [key: string]: Value } | null;
  entityEdn(eid: string): string;
  entityBy(attr: string, value: Input): EntityId | null;
  datoms(index: 'eavt' | 'aevt' | 'avet' | 'vaet', ...components: Input[]): Datom[];
  /** The state right after transaction `t` (or the last one at or before the instant `t`). */
  asOf(t: TimePoint): DatabaseView;
  /** The current datoms asserted after `t`. */
  since(t: TimePoint): DatabaseView;
  /** Every assertion and retraction of `eid` (of every entity when omitted), oldest first. */
  history(eid?: EntityId): Datom[];
  /** The schema: `{":attr": {":db/ident": ":attr", ":db/cardinality": ..., ...}}`. */
  schema(): { [attr: string]: { [prop: string]: Value } };
  schemaEdn(): string;
  /** The next entity id, the next transaction id and the latest instant (diagnostics). */
  counters(): { nextEid: EntityId; nextTx: EntityId; lastInstant: number | bigint };
  /**
   * A live query: `callback` receives `{additions, retractions}` (arrays of result tuples) after
   * every transaction that changes the result, synchronously before `transact` returns.
   */
  subscribe(query: string, callback: (diff: Diff) => void, ...inputs: Input[]): Unsubscribe;
  /** `subscribe` with EDN-text inputs, initial result and diffs. */
  subscribeEdn(query: string, callback: (diff: EdnDiff) => void, ...inputs: string[]): Unsubscribe<string>;
  /** Calls `callback` with each committed transaction's report; returns `unlisten`. */
  listen(callback: (report: TxReport) => void): () => boolean;
  /** Closes the database; later calls fail with kind `closed`. */
  close(): void | Promise<void>;
  /** Frees the WebAssembly memory (also `using db = new Database()`). */
  free(): void;
  [Symbol.dispose](): void;
}

/** Reads one EDN form into JS values (see `Value`). */
export declare function readEdn(text: string): Value;
/** Reads one EDN form into the exact tagged form: `["int", 1n]`, `["float", 1]`, `["kw", "a/b"]`, … */
export declare function readEdn(text: string, options: { tagged: true }): Tagged;
/** Prints JS data as EDN text. */
export declare function toEdn(value: Input): string;
/** Reads EDN text and prints it back in its one canonical spelling. */
export declare function canonicalEdn(text: string): string;

/** The exact tagged form of an EDN value. */
export type Tagged =
  | ['nil']
  | ['bool', boolean]
  | ['int', bigint]
  | ['float', number]
  | ['inst', bigint]
  | ['str' | 'char' | 'kw' | 'sym' | 'uuid' | 'bytes', string]
  | ['ref', bigint]
  | ['vec' | 'list' | 'set', Tagged[]]
  | ['map', Array<[Tagged, Tagged]>];
