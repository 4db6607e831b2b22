// The JS API of the npm package under Node.js: the value mapping both ways, errors and their kinds,
// reports, reads, as-of views, live queries, listeners, close/free, and file persistence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, readEdn, toEdn, canonicalEdn } from 'dfdb';

const schema = `{:person/email {:db/unique :db.unique/identity}
                 :person/friends {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
                 :person/tags {:db/cardinality :db.cardinality/many}}`;

test('values out: numbers, BigInt, Date, keywords, sets, maps, bytes, uuids', () => {
  const v = readEdn('{:i 1 :big 9007199254740993 :neg -9007199254740993 :f 1.5 :t #inst "2020-01-02T03:04:05.006Z" ' +
    ':k :a/b :s #{1} :v [1 "x"] :l (1 2) :u #uuid "6ba7b810-9dad-11d1-80b4-00c04fd430c8" :b #dfdb/bytes "0aff" ' +
    ':m {1 2} "str-key" nil :c \\x}');
  assert.equal(v[':i'], 1);
  assert.equal(v[':big'], 9007199254740993n);
  assert.equal(v[':neg'], -9007199254740993n);
  assert.equal(v[':f'], 1.5);
  assert.deepEqual(v[':t'], new Date('2020-01-02T03:04:05.006Z'));
  assert.equal(v[':k'], ':a/b');
  assert.deepEqual(v[':s'], new Set([1]));
  assert.deepEqual(v[':v'], [1, 'x']);
  assert.deepEqual(v[':l'], [1, 2]);
  assert.equal(v[':u'], '6ba7b810-9dad-11d1-80b4-00c04fd430c8');
  assert.deepEqual(v[':b'], new Uint8Array([10, 255]));
  assert.deepEqual(v[':m'], new Map([[1, 2]]));
  assert.equal(v['str-key'], null);
  assert.equal(v[':c'], 'x');
});

test('query, pull and entity results are the values readEdn gives, JSON-shaped or not', () => {
  // Reads hand most results over as JSON text (web/src/json.rs) and the rest as values built one
  // by one; both must give exactly the documented mapping, which readEdn applies to the same EDN.
  const values = [
    '"plain"', '"quote \\" backslash \\\\ newline \\n tab \\t nul \\u0000 bell \\u0007 é 😀"', ':kw/x',
    '0', '-7', '9007199254740991', '-9007199254740991', '9007199254740992', '-9007199254740993',
    '1.5', '-0.0', '1.0E300', '1.0E-300', '##Inf', '##NaN', 'true', 'false',
    '#inst "2020-01-02T03:04:05.006Z"', '#uuid "6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
    '#dfdb/bytes "0aff"', '\\c', '[1 "x" :k [2.5]]', '[1 #inst "2020-01-01T00:00:00Z"]', '[9007199254740993]',
  ];
  for (const text of values) {
    const db = new Database({ clock: null });
    db.transact(`[{:db/id 1 :v ${text} :w 1}]`);
    const expected = readEdn(`{:v ${text} :w 1}`);
    const same = (actual, want, what) => {
      if (typeof want === 'number' && Number.isNaN(want)) assert.ok(Number.isNaN(actual), what);
      else assert.deepEqual(actual, want, what);
      if (want === 0) assert.equal(Object.is(actual, -0), Object.is(want, -0), `${what}: sign of zero`);
    };
    const pulled = db.pull('[:v :w]', 1);
    same(pulled[':v'], expected[':v'], `pull ${text}`);
    assert.deepEqual(Object.keys(pulled), [':v', ':w']);
    same(db.entity(1)[':v'], expected[':v'], `entity ${text}`);
    same(db.pullMany('[:v]', [1])[0][':v'], expected[':v'], `pullMany ${text}`);
    const rows = db.q('[:find ?v ?w :where [?e :v ?v] [?e :w ?w]]');
    assert.ok(rows instanceof Set, `q ${text}`);
    const [row] = [...rows];
    same(row[0], expected[':v'], `q ${text}`);
    same(db.q('[:find ?v . :where [_ :v ?v]]'), expected[':v'], `q scalar ${text}`);
    assert.deepEqual(db.q('[:find [?w ...] :where [_ :w ?w]]'), [1]);
  }
  // Several rows of numbers (one Float64Array): each row whole, in its own array.
  const nums = new Database({ clock: null });
  nums.transact('[{:db/id 1 :n 1 :f 0.5} {:db/id 2 :n -2 :f ##Inf} {:db/id 3 :n 3 :f -0.0}]');
  const got = [...nums.q('[:find ?e ?n ?f :where [?e :n ?n] [?e :f ?f]]')].sort((x, y) => x[0] - y[0]);
  assert.deepEqual(got, [[1, 1, 0.5], [2, -2, Infinity], [3, 3, -0]]);
  assert.ok(Object.is(got[2][2], -0));
  assert.deepEqual([...nums.q('[:find ?e :where [?e :n _]]')].sort(), [[1], [2], [3]]);
  // Maps JSON has no object form for: non-keyword keys, and a "__proto__" key.
  const db = new Database({ clock: null });
  assert.deepEqual(db.q('[:find ?m . :in ?m]', new Map([[1, 2]])), new Map([[1, 2]]));
  const proto = db.q('[:find ?m . :in ?m]', new Map([['__proto__', 1]]));
  assert.ok(proto instanceof Map && proto.get('__proto__') === 1);
  assert.deepEqual(db.q('[:find ?m . :in ?m]', { a: 1 }), { ':a': 1 });
  assert.deepEqual(db.q('[:find ?s . :in ?s]', new Set([1, 2])), new Set([1, 2]));
  assert.deepEqual(db.q('[:find ?s . :in ?s]', [new Set([1])]), [new Set([1])]);
  assert.equal(db.pull('[:v]', 42), null);
});

test('values in: the keyword rule, integral numbers, BigInt, Date, Set, Map, Uint8Array', () => {
  assert.equal(toEdn({ 'person/name': 'Ann', ':person/age': 31 }), '{:person/age 31, :person/name "Ann"}');
  assert.equal(toEdn([':a/b', 'a/b', ':not a keyword', ':']), '[:a/b "a/b" ":not a keyword" ":"]');
  assert.equal(toEdn([1, 1.5, 2 ** 60, 2 ** 64, -0, 9007199254740993n]), '[1 1.5 1152921504606846976 1.8446744073709552e19 0 9007199254740993]');
  assert.equal(toEdn(new Date(0)), '#inst "1970-01-01T00:00:00.000Z"');
  assert.equal(toEdn(new Set([1])), '#{1}');
  assert.equal(toEdn(new Map([['k', 1]])), '{"k" 1}');
  assert.equal(toEdn(new Uint8Array([1, 2])), '#dfdb/bytes "0102"');
  assert.equal(toEdn(null), 'nil');
  assert.equal(toEdn(undefined), 'nil');
  assert.equal(toEdn([true, false, null]), '[true false nil]');
  // Objects without Object.prototype read as plain objects too.
  const bare = Object.create(null);
  bare['a/b'] = 1;
  assert.equal(toEdn(bare), '{:a/b 1}');
  class Point { constructor() { this.x = 1; } }
  assert.equal(toEdn(new Point()), '{:x 1}');
  assert.equal(toEdn(JSON.parse('{"k": [1, {"n": "s"}]}')), '{:k [1 {:n "s"}]}');
  assert.throws(() => toEdn(2n ** 64n), { kind: 'type' });
  assert.throws(() => toEdn({ 'not a keyword': 1 }), { kind: 'parse' });
});

test('txData of retractions and updates: every datom with its entity, attribute, value and tx', () => {
  const db = new Database({ schema, clock: null });
  db.transact([
    { ':db/id': -1, 'person/name': 'Ann', 'person/tags': [':admin', ':dev'], age: 30 },
    { ':db/id': -2, 'person/name': 'Bob', age: 40 },
  ]);
  const pick = (r) => r.txData.map(({ e, a, v, tx, added }) => [e, a, v, tx === r.tx, added]);
  const retracted = db.transact([[':db/retractEntity', 1]]);
  assert.deepEqual(pick(retracted).sort(), [
    [1, ':age', 30, true, false],
    [1, ':person/name', 'Ann', true, false],
    [1, ':person/tags', ':admin', true, false],
    [1, ':person/tags', ':dev', true, false],
  ]);
  // Two entities, the same attribute on both, a retraction and an assertion of one attribute.
  const updated = db.transact([[':db/add', 2, ':age', 41], [':db/add', 3, ':age', 5.5], [':db/add', 3, ':flag', true]]);
  assert.deepEqual(pick(updated).sort(), [
    [2, ':age', 40, true, false],
    [2, ':age', 41, true, true],
    [3, ':age', 5.5, true, true],
    [3, ':flag', true, true, true],
  ]);
  const nothing = db.transact([[':db/add', 2, ':age', 41]]);
  assert.deepEqual(nothing.txData, []);
});

test('a transaction of one operation (sent as its parts) does what the same data sent as JSON does', () => {
  const ops = [
    [':db/add', 1, ':name', 'Ann'],
    [':db/add', 1, ':sex', ':female'],
    [':db/add', 1, ':age', 30],
    [':db/add', 1, ':ok', true],
    [':db/add', 1, ':w', 1.5],
    [':db/add', 1, ':age', 31],
    [':db/add', 2, ':name', 'Bob'],
    [':db/retract', 1, ':age', 30],
    [':db/retract', 1, ':age', 31],
    [':db/retract', 1, ':ok'],
    [':db/retractEntity', 2],
    [':db/retractEntity', 7],
  ];
  const parts = new Database({ clock: null });
  const json = new Database({ clock: null });
  const strip = (r) => r.txData.map(({ e, a, v, added }) => [e, a, v, added]);
  for (const op of ops) {
    // The map form of tx data never takes the one-operation path.
    assert.deepEqual(strip(parts.transact([op])), strip(json.transact({ 'tx-data': [op] })), JSON.stringify(op));
  }
  assert.deepEqual(parts.entity(1), { ':db/id': 1, ':name': 'Ann', ':sex': ':female', ':w': 1.5 });
  assert.equal(parts.entity(2), null);
  const failure = (db, tx) => {
    try {
      db.transact(tx);
    } catch (e) {
      return [e.kind, e.message];
    }
    return null;
  };
  for (const op of [[':db/add', 1.5, ':a', 1], [':db/add', 1, 'name', 'x'], [':db/add', -1, ':a', 1], [':db/retract', 1, ':nope', 2]]) {
    assert.deepEqual(failure(parts, [op]), failure(json, { 'tx-data': [op] }), JSON.stringify(op));
  }
  assert.notEqual(failure(parts, [[':db/add', 1.5, ':a', 1]]), null);
});

test('readEdn tagged form keeps 1 and 1.0 apart; canonicalEdn', () => {
  assert.deepEqual(readEdn('[1 1.0 :k "s"]', { tagged: true }), ['vec', [['int', 1n], ['float', 1], ['kw', 'k'], ['str', 's']]]);
  assert.equal(canonicalEdn('{:b 1.0, :a #{2 1}}'), '{:a #{1 2}, :b 1.0}');
  assert.throws(() => readEdn('[1'), (e) => e.kind === 'parse' && e.name === 'DfdbError' && e instanceof Error);
});

test('transact with JS data or EDN; report; reads; entity ids follow written order', () => {
  const db = new Database({ schema, clock: null });
  const r = db.transact([
    { ':db/id': 'ann', 'person/name': 'Ann', 'person/email': 'ann@example.com', 'person/tags': [':admin', ':dev'] },
    { 'person/name': 'Bob', 'person/friends': ['ann'] },
  ], { txInstant: new Date('2024-01-01T00:00:00Z'), txMeta: { 'tx/source': 'test' } });
  assert.equal(r.tempids.ann, 1);
  assert.ok(r.txInstant instanceof Date);
  assert.equal(r.txInstant.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.ok(r.txData.every((d) => d.added && d.tx === r.tx));
  assert.equal(r.txData.length, 7);
  assert.strictEqual(r.txData, r.txData, 'txData is decoded once');
  assert.deepEqual(
    r.txData.filter((d) => d.a === ':person/name').map(({ e, v, added }) => ({ e, v, added })),
    [{ e: 1, v: 'Ann', added: true }, { e: 2, v: 'Bob', added: true }],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(r)).txData.length, 7);
  assert.deepEqual(Object.keys(r), ['tx', 'txInstant', 'tempids', 'txData']);
  assert.equal({ ...r }.txData.length, 7);
  assert.equal(structuredClone(r).txData.length, 7);
  // A value nested as deep as storage allows is readable back from the report too.
  let deep = 1;
  for (let i = 0; i < 127; i++) deep = [deep];
  const deepReport = new Database({ clock: null }).transact([{ 'a/deep': deep }]);
  assert.deepEqual(deepReport.txData.find((d) => d.a === ':a/deep').v, deep);
  const other = new Database({ schema, clock: null });
  const odd = other.transact([{ ':db/id': '__proto__', 'person/name': 'Proto' }]);
  assert.equal(Object.getPrototypeOf(odd.tempids), Object.prototype);
  assert.ok(Object.keys(odd.tempids).includes('__proto__'));
  assert.equal(other.entity(odd.tempids['__proto__'])[':person/name'], 'Proto');
  assert.deepEqual(db.entity(1)[':person/tags'], new Set([':admin', ':dev']));
  assert.deepEqual(db.entity(2)[':person/friends'], new Set([{ ':db/id': 1 }]));
  assert.equal(db.entityBy(':person/email', 'ann@example.com'), 1);
  assert.equal(db.entity([':person/email', 'ann@example.com'])[':person/name'], 'Ann');
  assert.equal(db.entity(99), null);
  assert.equal(db.q('[:find ?s . :in $ ?tx :where [?tx :tx/source ?s]]', r.tx), 'test');
  assert.deepEqual(db.q('[:find ?n :where [?e :person/name ?n]]'), new Set([['Ann'], ['Bob']]));
  assert.deepEqual(db.q('[:find [?n ...] :in $ ?tag :where [?e :person/tags ?tag] [?e :person/name ?n]]', ':admin'), ['Ann']);
  assert.deepEqual(db.pull('[:person/name {:person/friends [:person/name]}]', 2), { ':person/name': 'Bob', ':person/friends': [{ ':person/name': 'Ann' }] });
  assert.deepEqual(db.pull([':person/name'], [':person/email', 'ann@example.com']), { ':person/name': 'Ann' });
  assert.deepEqual(db.pullMany('[:person/name]', [1, 2]), [{ ':person/name': 'Ann' }, { ':person/name': 'Bob' }]);
  // Ids as numbers take the engine's number-only entries (pullId, pullManyIds); anything else,
  // and every view, the general ones: the answers agree.
  const P = '[:person/name {:person/friends [:person/name]}]';
  const ann = [':person/email', 'ann@example.com'];
  const now = db.asOf(db.counters().nextTx - 1);
  assert.deepEqual(db.pull(P, 2), now.pull(P, 2));
  assert.deepEqual(db.pull(P, 1), db.pull(P, ann));
  for (const reader of [db, now]) assert.throws(() => reader.pull(P, 1.5), (e) => e.kind === 'parse' && /1\.5/.test(e.message));
  assert.deepEqual(db.pullMany(P, [2, 1, 99]), now.pullMany(P, [2, 1, 99]));
  assert.deepEqual(db.pullMany(P, [2, 1, 99]), db.pullMany(P, [2, ann, 99]));
  // A hole is no number: it reads as nil (no entity), as it always has, not as NaN.
  for (const ids of [[2, , 1], [2, null, 1]]) { // eslint-disable-line no-sparse-arrays
    assert.throws(() => db.pullMany(P, ids), (e) => e.kind === 'parse' && /bad entity id nil/.test(e.message));
  }
  assert.deepEqual(db.pullMany(P, []), []);
  db.transact('[[:db/add 1 :person/age 31.0]]');
  assert.equal(db.qEdn('[:find ?a . :where [1 :person/age ?a]]'), '31.0');
  assert.equal(db.qEdn('[:find ?e . :in $ ?n :where [?e :person/name ?n]]', '"Bob"'), '2');
  assert.deepEqual(db.datoms('avet', ':person/email').map((d) => [d.e, d.a, d.v]), [[1, ':person/email', 'ann@example.com']]);
  assert.ok(db.explain('[:find ?e :where [?e :person/name "Ann"]]').length > 0);
  assert.equal(db.schema()[':person/email'][':db/unique'], ':db.unique/identity');
});

test('tx data sent as JSON reads as the value-by-value conversion reads it', () => {
  // `transact` sends tx data with an exact JSON form as one string (web/src/json_read.rs); the
  // engine must build the same values `from_js` builds from the JS data itself.
  const values = ['plain', 'a"b\\c\n\t/', 'é😀', '\ud800 lone', ':kw/ord', ':', ': not a keyword', '',
    0, -0, 1.5, -2.25, 1e21, 2 ** 60, -(2 ** 53), 5e-324, true, false,
    [1, 'x', [2, [':k']]], [], [null, 3], { nested: 1 }];
  const tx = values.map((v, i) => ({ ':db/id': i + 1, [`t/v${i}`]: v }));
  tx.push([':db/add', 100, ':t/doc', 'x'], [':db/add', 'tmp', ':t/name', 'temp']);
  const viaJson = new Database({ clock: null });
  const viaValues = new Database({ clock: null });
  const a = viaJson._raw().transactJson(JSON.stringify(tx));
  const b = viaValues._raw().transact(tx);
  assert.deepEqual(a, b, 'same report');
  for (let e = 1; e <= values.length; e++) {
    assert.equal(viaJson.pullEdn('[*]', String(e)), viaValues.pullEdn('[*]', String(e)), `entity ${e}`);
  }
  // Database.transact takes the JSON way for such data and the value-by-value way for the rest
  // (a Date, an undefined map value — which JSON would drop —, a class instance).
  const db = new Database({ clock: null });
  const r = db.transact([{ 't/when': new Date(5), 't/n': 1 }]);
  assert.equal(db.qEdn('[:find ?w . :where [?e :t/when ?w]]'), '#inst "1970-01-01T00:00:00.005Z"');
  assert.equal(r.txData.length, 2);
  // A report without tempids of its own (it crosses as one string) reads like any other.
  assert.deepEqual(Object.keys(r), ['tx', 'txInstant', 'tempids', 'txData']);
  assert.deepEqual(r.tempids, { ':db/current-tx': r.tx });
  assert.equal(typeof r.tx, 'number');
  assert.ok(r.txInstant instanceof Date);
  assert.deepEqual(r.txData.map((d) => [d.e, d.a, d.tx, d.added]), [[1, ':t/when', r.tx, true], [1, ':t/n', r.tx, true]]);
  const err = (f) => { try { f(); } catch (e) { return [e.kind, e.message]; } return null; };
  assert.deepEqual(err(() => db.transact([{ 't/none': undefined }])), ['type', 'type error: nil is not a valid value for :t/none']);
  assert.deepEqual(err(() => db.transact([{ 'not a keyword': 1 }])), err(() => db._raw().transact([{ 'not a keyword': 1 }])));
  assert.deepEqual(err(() => db.transact([{ 't/x': new (class K {})() }])), err(() => db._raw().transact([{ 't/x': new (class K {})() }])));
  // A `toJSON` anywhere (own or inherited, enumerable or not, on an array or an object) would
  // make JSON say something else: such data goes value by value.
  const withToJson = (x) => Object.defineProperty(x, 'toJSON', { value: () => 'other', enumerable: false });
  const tagged = new Database({ clock: null });
  tagged.transact([{ ':db/id': 1, 't/list': withToJson([1, 2]), 't/map': withToJson({ 't/k': 1 }) }]);
  assert.equal(tagged.pullEdn('[:t/list :t/map]', '1'), '{:t/list [1 2], :t/map {:t/k 1}}');
  // Nesting beyond the JSON walk's depth goes value by value, which takes it up to its own
  // limit and reports anything deeper.
  const nest = (n) => { let v = 1; for (let i = 0; i < n; i++) v = [v]; return v; };
  const ok = db.transact([{ 't/nested': nest(100) }]);
  assert.deepEqual(ok.txData.find((d) => d.a === ':t/nested').v, nest(100));
  assert.equal(err(() => db.transact([{ 't/deep': nest(600) }]))[0], 'limit');
  assert.equal(db.q('[:find ?e . :where [?e :t/deep]]'), null);
});

test('errors are Errors with kind, and a failed transaction changes nothing', () => {
  const db = new Database({ schema });
  db.transact([{ 'person/email': 'a@x', 'person/name': 'A' }, { 'person/email': 'b@x' }]);
  const before = db.history().length;
  const kinds = [
    () => db.transact('[{:person/name'),
    () => db.transact([{ ':db/id': 2, 'person/email': 'a@x' }]),
    () => db.transact([[':db/add', [':person/email', 'nobody'], ':person/name', 'X']]),
    () => db.transact([{ 'person/name': null }]),
    () => db.q('[:find ?e :where [?e :person/name]'),
    () => db.transact([{ 'person/friends': 'not-a-tempid-in-this-tx' }]),
  ].map((f) => {
    try {
      f();
      return 'no error';
    } catch (e) {
      assert.ok(e instanceof Error);
      return e.kind;
    }
  });
  assert.deepEqual(kinds, ['parse', 'unique', 'lookup', 'type', 'parse', 'lookup']);
  assert.equal(db.history().length, before);
});

test('a non-string where EDN text belongs is a type error naming it, and harms nothing', () => {
  const db = new Database({ schema, clock: null });
  db.transact([{ 'person/name': 'Ann', 'person/email': 'a@x' }]);
  const calls = {
    qEdn: () => db.qEdn(42),
    qEdnInput: () => db.qEdn('[:find ?e :in $ ?n :where [?e :person/name ?n]]', 7),
    explain: () => db.explain(null),
    pullEdn: () => db.pullEdn('[*]', 1),
    pullEdnPattern: () => db.pullEdn(['*'], '1'),
    pullManyEdn: () => db.pullManyEdn('[*]', [1]),
    entityEdn: () => db.entityEdn(1),
    entityBy: () => db.entityBy(5, 'a@x'),
    datoms: () => db.datoms(0),
    subscribeEdn: () => db.subscribeEdn(undefined, () => {}),
    readEdn: () => readEdn(12),
    transactJson: () => db._raw().transactJson(3),
    canonicalEdn: () => canonicalEdn({}),
  };
  for (const [name, call] of Object.entries(calls)) {
    assert.throws(call, (e) => e.kind === 'type' && /must be a string, got (number|object|undefined|null)/.test(e.message), name);
  }
  // `null` options are no options.
  assert.equal(new Database(null).q('[:find ?e . :where [?e :a]]'), null);
  // The instance is intact: reads and writes go on.
  assert.equal(db.pullEdn('[:person/name]', '1'), '{:person/name "Ann"}');
  db.transact([{ 'person/name': 'Bob' }]);
  assert.equal(db.qEdn('[:find (count ?e) . :where [?e :person/name]]'), '2');
});

test('asOf, since and history', () => {
  const db = new Database({ clock: null });
  const r1 = db.transact([{ name: 'Ann', age: 30 }], { txInstant: new Date('2024-01-01T00:00:00Z') });
  const r2 = db.transact([[':db/add', 1, ':age', 31]], { txInstant: new Date('2024-02-01T00:00:00Z') });
  assert.equal(db.asOf(r1.tx).q('[:find ?a . :where [1 :age ?a]]'), 30);
  assert.equal(db.asOf(new Date('2024-01-15T00:00:00Z')).entity(1)[':age'], 30);
  assert.equal(db.asOf(new Date('2024-01-15T00:00:00Z')).basisTx, r1.tx);
  assert.equal(db.since(r1.tx).q('[:find ?a . :where [1 :age ?a]]'), 31);
  assert.equal(db.since(r2.tx).entity(1), null);
  assert.deepEqual(db.history(1).map((d) => [d.a, d.v, d.added]), [[':age', 30, true], [':name', 'Ann', true], [':age', 31, true], [':age', 30, false]]);
});

test('each report is its own transaction\'s, also when a listener transacts from inside one', () => {
  const db = new Database({ clock: null });
  const heard = [];
  let inner;
  let once = true;
  db.listen((r) => {
    heard.push([r.tx, r.txInstant.getTime(), r.tempids[':db/current-tx'], r.txData.length]);
    if (once) {
      once = false;
      inner = db.transact([[':db/add', 2, ':b', 'inner']], { txInstant: 2000 });
    }
  });
  const outer = db.transact([[':db/add', 1, ':a', 'outer']], { txInstant: 1000 });
  assert.equal(inner.tx, outer.tx + 1);
  assert.deepEqual([outer.txInstant.getTime(), outer.tempids], [1000, { ':db/current-tx': outer.tx }]);
  assert.deepEqual([inner.txInstant.getTime(), inner.tempids], [2000, { ':db/current-tx': inner.tx }]);
  assert.deepEqual(outer.txData.map((d) => [d.e, d.a, d.v, d.tx, d.added]), [[1, ':a', 'outer', outer.tx, true]]);
  assert.deepEqual(inner.txData.map((d) => [d.e, d.a, d.v, d.tx, d.added]), [[2, ':b', 'inner', inner.tx, true]]);
  assert.deepEqual(heard, [
    [outer.tx, 1000, outer.tx, 1],
    [inner.tx, 2000, inner.tx, 1],
  ]);
  // A report naming tempids crosses in its other form; the next plain one is its own again.
  const named = db.transact([{ 'db/id': 'x', c: 1 }], { txInstant: 3000 });
  assert.deepEqual([named.tempids.x, named.txInstant.getTime()], [3, 3000]);
  const plain = db.transact('[[:db/add 3 :c 2]]', { txInstant: 4000 });
  assert.deepEqual([plain.tx, plain.txInstant.getTime()], [named.tx + 1, 4000]);
  // `null` options are no options, on both ways in.
  const viaJson = db.transact([[':db/add', 3, ':c', 3]], null);
  const viaEdn = db.transact('[[:db/add 3 :c 4]]', null);
  assert.deepEqual([viaJson.tx, viaEdn.tx], [plain.tx + 1, plain.tx + 2]);
  assert.ok(viaEdn.txInstant.getTime() >= 4000);
});

test('subscribe delivers diffs; callbacks may read the database; unsubscribe; listen', () => {
  const db = new Database();
  const seen = [];
  const unsubscribe = db.subscribe('[:find ?n ?a :in $ ?min :where [?e :name ?n] [?e :age ?a] [(>= ?a ?min)]]', (d) => {
    seen.push({ ...d, count: db.q('[:find (count ?e) . :where [?e :name]]') });
  }, 18);
  assert.deepEqual(unsubscribe.initial, new Set());
  const reports = [];
  const unlisten = db.listen((r) => reports.push(r.tx) && assert.ok(r.txData.length > 0));
  db.transact([{ name: 'Ann', age: 30 }, { name: 'Kid', age: 9 }]);
  db.transact([[':db/add', 1, ':age', 31]]);
  db.transact([{ name: 'Nobody' }]);
  assert.deepEqual(seen, [
    { additions: [['Ann', 30]], retractions: [], count: 2 },
    { additions: [['Ann', 31]], retractions: [['Ann', 30]], count: 2 },
  ]);
  assert.equal(reports.length, 3);
  assert.equal(unsubscribe(), true);
  assert.equal(unsubscribe(), false);
  assert.equal(unlisten(), true);
  db.transact([[':db/add', 1, ':age', 32]]);
  assert.equal(seen.length, 2);
  assert.equal(reports.length, 3);
  const edn = [];
  const off = db.subscribeEdn('[:find ?a . :where [1 :age ?a]]', (d) => edn.push(d));
  assert.equal(off.initial, '32');
  db.transact('[[:db/add 1 :age 33.0]]');
  assert.deepEqual(edn, [{ additions: '[33.0]', retractions: '[32]' }]);
});

test('a throwing callback does not break the transaction', async () => {
  const db = new Database();
  const errors = [];
  const original = globalThis.reportError;
  globalThis.reportError = (e) => errors.push(e);
  try {
    db.subscribe('[:find ?n :where [_ :name ?n]]', () => {
      throw new Error('boom');
    });
    const r = db.transact([{ name: 'Ann' }]);
    assert.ok(r.tx);
    assert.equal(errors.length, 1);
  } finally {
    globalThis.reportError = original;
  }
});

test('close, then every call fails with kind closed; free and Symbol.dispose', () => {
  const db = new Database();
  db.transact([{ name: 'Ann' }]);
  db.close();
  assert.throws(() => db.q('[:find ?e :where [?e :name]]'), { kind: 'closed' });
  assert.throws(() => db.transact([{ name: 'Bob' }]), { kind: 'closed' });
  db.free();
  const d2 = new Database();
  assert.equal(typeof d2[Symbol.dispose], 'function');
  d2[Symbol.dispose]();
});

test('file persistence on Node.js: reopen keeps data and history; one writer; torn tail dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfdb-api-'));
  const path = join(dir, 'people.dfdb');
  try {
    const db = await Database.open(path, { schema });
    assert.equal(db.persistent, true);
    const r = await db.transact([{ 'person/email': 'ann@x', 'person/name': 'Ann' }]);
    await db.transact([[':db/add', r.tempids[Object.keys(r.tempids).find((k) => k !== ':db/current-tx')] ?? 1, ':person/name', 'Anna']]);
    await assert.rejects(Database.open(path), { kind: 'io' });
    await db.close();
    appendFileSync(path, Buffer.from([0, 0, 0, 50, 1, 2]));
    const again = await Database.open(path, { schema });
    assert.equal(again.entity([':person/email', 'ann@x'])[':person/name'], 'Anna');
    assert.equal(again.history(1).length, 4);
    await assert.rejects(again.transact([{ 'person/name': null }]), { kind: 'type' });
    await again.transact([{ 'person/email': 'bob@x' }]);
    await again.close();
    const third = await Database.open(path);
    assert.equal(third.q('[:find (count ?e) . :where [?e :person/email]]'), 2);
    await third.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('persistent write failure: kind io, database refuses further use, storage keeps earlier transactions', async () => {
  const stored = [];
  let fail = false;
  const backend = async () => ({
    async load() {
      const m = new Map();
      for (const batch of stored) for (const [k, v] of batch) {
        const key = Buffer.from(k).toString('hex');
        if (v === null) m.delete(key);
        else m.set(key, [k, v]);
      }
      return [...m.values()];
    },
    async write(batches) {
      if (fail) throw new Error('QuotaExceededError');
      stored.push(...batches);
    },
    async close() {},
  });
  const db = await Database.open('mem', { backend });
  await db.transact([{ name: 'Ann' }]);
  fail = true;
  await assert.rejects(db.transact([{ name: 'Bob' }]), { kind: 'io' });
  assert.throws(() => db.q('[:find ?n :where [_ :name ?n]]'), { kind: 'io' });
  await db.close();
  fail = false;
  const again = await Database.open('mem', { backend });
  assert.deepEqual(again.q('[:find ?n :where [_ :name ?n]]'), new Set([['Ann']]));
});

test('Database.open with a backend that fails to load rejects and opens nothing', async () => {
  const backend = async () => ({
    async load() {
      throw Object.assign(new Error('unreadable'), { kind: 'io' });
    },
    async write() {},
    async close() {},
  });
  // A path in a fresh temporary directory: opening may take a lock file beside the database.
  const dir = mkdtempSync(join(tmpdir(), 'dfdb-api-'));
  try {
    await assert.rejects(Database.open(join(dir, 'x'), { backend }), { kind: 'io' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
