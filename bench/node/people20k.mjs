// Issue #9: dfdb (the built npm package, through its public JS API) against DataScript 1.8.1 (its
// public JS API) on DataScript's people20k benchmark, in one Node process, runs interleaved.
//
//   npm run bench                      # everything; writes docs/BENCHMARKS.md (~10 min on 2 cores)
//   npm run bench -- --quick           # 3 rounds each, for trying the harness (prints, writes nothing
//                                      # unless --out is given)
//   npm run bench -- --only q1,q2      # some rows only (prints; writes only with --out)
//   npm run bench -- --out FILE        # write the Markdown there
//   npm run bench -- --no-native       # without the native (Rust, memory storage) query variants
//
// Every figure is the median per-operation time over interleaved rounds (after warm-up rounds that
// are discarded), with min–max; ratios come only from harness.mjs's `ratio`, which refuses
// comparisons whose runs were not interleaved.

import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Database, readEdn } from 'dfdb';
import ds from 'datascript';
import { people, PEOPLE } from './people20k-data.mjs';
import { compare, ratio, stats, fmtStats, fmtRatio, fmtMs } from './harness.mjs';
import { startNative } from './native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => {
  const i = argv.indexOf(f);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const only = opt('--only')?.split(',');
const outArg = opt('--out');
const out = outArg ?? (quick || only ? null : join(root, 'docs', 'BENCHMARKS.md'));
const ROUNDS_HEAVY = Number(opt('--rounds-heavy') ?? (quick ? 3 : 7)); // whole-data-set writes
const ROUNDS = Number(opt('--rounds') ?? (quick ? 3 : 21)); // reads, live
const WARMUP = quick ? 1 : 2;
const TARGET_MS = quick ? 20 : 40; // aim of one sample of a fast operation
// Reads run without a forced GC before each sample: a full GC just before a 40 ms sample doubled
// DataScript's q1 and q4 times (its allocation-heavy queries then pay for a shrunken young
// generation) and left dfdb's unchanged, a bias in dfdb's favour. Writes keep it: each sample
// builds a whole database, and one variant's garbage must not be collected in the other's time.
const READS = { rounds: ROUNDS, warmup: WARMUP, gc: false };
const want = (name) => !only || only.includes(name);

if (!globalThis.gc) {
  console.error('note: run with node --expose-gc (npm run bench does) so each sample starts after a GC');
}

// ---------------------------------------------------------------- data

const ATTRS = ['name', 'last-name', 'sex', 'age', 'salary'];
const ps = people();
// The same JS tx data serves both: keys are attribute names, `:male` is a keyword in dfdb and the
// string ":male" in DataScript's JS API (which has no keywords), queried as such below.
const maps = ps.map((p) => ({
  name: p.name,
  'last-name': p.lastName,
  sex: `:${p.sex}`,
  age: p.age,
  salary: p.salary,
}));
// Entities get ids 1..20,000 in this order in both systems (checked below).
const addOneDf = [];
const addOneDs = [];
maps.forEach((m, i) => {
  for (const a of ATTRS) {
    addOneDf.push([[':db/add', i + 1, `:${a}`, m[a]]]);
    addOneDs.push([[':db/add', i + 1, a, m[a]]]);
  }
});
const addFiveTx = maps.map((m) => [m]);
const retractTx = maps.map((_, i) => [[':db/retractEntity', i + 1]]);

function dfPeople() {
  const db = new Database();
  db.transact(maps);
  return db;
}
const dsPeople = () => ds.db_with(ds.empty_db(), maps);

// DataScript's JS API spells attributes as strings ("name") and has no keywords (":male" is a
// string); dfdb's queries are the EDN of DataScript's own Clojure benchmark.
const dsQuery = (q) =>
  q
    .replace(/\[\?(\w+) :([\w-]+)/g, '[?$1 "$2"')
    .replace(/:male\]/g, '":male"]');

const Q = {
  q1: '[:find ?e :where [?e :name "Ivan"]]',
  q2: '[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]',
  'q2-swapped': '[:find ?e ?a :where [?e :age ?a] [?e :name "Ivan"]]',
  q3: '[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male]]',
  q4: '[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]',
  qpred1: '[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]',
  qpred2: '[:find ?e ?s :in $ ?min_s :where [?e :salary ?s] [(> ?s ?min_s)]]',
};
const QIN = { qpred2: [50000] };
// Queries also timed natively (bench/node/native.mjs), in the same rounds as the other two.
const NATIVE_OPS = ['q1', 'q3', 'q4', 'qpred1', 'qpred2'];

const PULL = '[:name :last-name :sex :age :salary]';
const PULL_DS = '["name" "last-name" "sex" "age" "salary"]';
const PULL_MANY_IDS = Array.from({ length: 1000 }, (_, i) => 1 + i * 20);

const RULES =
  '[[(follows ?a ?b) [?a :follows ?b]] [(follows ?a ?b) [?a :follows ?x] (follows ?x ?b)]]';
const RULES_DS = RULES.replaceAll(':follows', '"follows"');
const RULE_Q = '[:find ?b :in $ % ?root :where (follows ?root ?b)]';
const FOLLOWS_SCHEMA_DF = '{:follows {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}';
const FOLLOWS_SCHEMA_DS = { follows: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' } };

/** DataScript's rules-wide shape: node `id`'s children are id·w + 0..w-1, `depth` levels below 1. */
function wideEdges(depth, width) {
  const edges = [];
  const walk = (id, d) => {
    if (d === 0) return;
    for (let k = 0; k < width; k++) {
      const child = id * width + k;
      edges.push([id, child]);
      walk(child, d - 1);
    }
  };
  walk(1, depth);
  return edges;
}
/** DataScript's rules-long shape: `chains` chains of `length` edges (ids from 1; chain 0 starts at 1). */
function longEdges(length, chains) {
  const edges = [];
  for (let x = 0; x < chains; x++) {
    for (let y = 0; y < length; y++) {
      const from = x * (length + 1) + y + 1;
      edges.push([from, from + 1]);
    }
  }
  return edges;
}

// ---------------------------------------------------------------- helpers

/** Calls per sample so a sample of `fn` lasts about TARGET_MS. */
function itersFor(fn) {
  for (let i = 0; i < 3; i++) fn(i); // warm the JIT a little
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    const dt = performance.now() - t0;
    if (dt >= TARGET_MS / 4 || n >= 1 << 16) {
      return Math.max(1, Math.min(1 << 16, Math.round((n * TARGET_MS) / Math.max(dt, 1e-3))));
    }
    n *= 4;
  }
}

const norm = (rows) =>
  JSON.stringify([...rows].map((r) => JSON.stringify(r)).sort());

function same(what, a, b) {
  if (a !== b) throw new Error(`${what}: dfdb and DataScript disagree:\n${a.slice(0, 300)}\n${b.slice(0, 300)}`);
}

const rows = []; // { op, df, ds, ratio, spread }
const notes = [];
const results = {}; // name -> { ratio, cmp }
const t0 = Date.now();

function log(msg) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
}

/** A dfdb-vs-DataScript row from comparison `c` (variants named 'dfdb' and 'datascript'). */
function row(op, c, a = 'dfdb', b = 'datascript', cells = {}) {
  const r = ratio(c, a, b);
  const sa = stats(c, a);
  const sb = stats(c, b);
  rows.push({
    op,
    df: cells.df ?? fmtStats(sa),
    ds: cells.ds ?? fmtStats(sb),
    ratio: fmtRatio(r.median),
    spread: `${fmtRatio(r.min)}–${fmtRatio(r.max)} (${r.rounds} rounds)`,
  });
  results[op] = { ratio: r, a: sa, b: sb };
  log(`${op}: ${fmtStats(sa)} vs ${fmtStats(sb)} → ${fmtRatio(r.median)} [${fmtRatio(r.min)}–${fmtRatio(r.max)}]`);
  return r;
}

// ---------------------------------------------------------------- sanity: same data, same answers

const dfdb = dfPeople();
const dsdb = dsPeople();
{
  same('entity ids', norm(dfdb.q('[:find ?e :where [?e :name]]')), norm(ds.q('[:find ?e :where [?e "name"]]', dsdb)));
  const ids = [...dfdb.q('[:find ?e :where [?e :name]]')].map((r) => r[0]);
  if (ids.length !== PEOPLE || Math.min(...ids) !== 1 || Math.max(...ids) !== PEOPLE) {
    throw new Error('dfdb did not number the people 1..20000');
  }
  for (const [name, q] of Object.entries(Q)) {
    same(name, norm(dfdb.q(q, ...(QIN[name] ?? []))), norm(ds.q(dsQuery(q), dsdb, ...(QIN[name] ?? []))));
  }
  const sortKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/^:/, ''), v]).sort());
  same('pull-many', JSON.stringify(dfdb.pullMany(PULL, PULL_MANY_IDS).map(sortKeys)),
    JSON.stringify(ds.pull_many(dsdb, PULL_DS, PULL_MANY_IDS).map(sortKeys)));
  same('pull', JSON.stringify(sortKeys(dfdb.pull(PULL, 7))), JSON.stringify(sortKeys(ds.pull(dsdb, PULL_DS, 7))));
}

// ---------------------------------------------------------------- writes

if (want('add-1')) {
  const c = compare('add-1', [
    {
      name: 'dfdb',
      setup: () => new Database(),
      run: (db) => {
        for (const tx of addOneDf) db.transact(tx);
        return db;
      },
      teardown: (db) => db.free(),
    },
    {
      name: 'datascript',
      run: () => {
        let db = ds.empty_db();
        for (const tx of addOneDs) db = ds.db_with(db, tx);
        return db;
      },
    },
  ], { rounds: ROUNDS_HEAVY, warmup: 1 });
  row('add-1 (100,000 txs of one datom)', c);
}

if (want('add-5')) {
  const c = compare('add-5', [
    {
      name: 'dfdb',
      setup: () => new Database(),
      run: (db) => {
        for (const tx of addFiveTx) db.transact(tx);
        return db;
      },
      teardown: (db) => db.free(),
    },
    {
      name: 'datascript',
      run: () => {
        let db = ds.empty_db();
        for (const tx of addFiveTx) db = ds.db_with(db, tx);
        return db;
      },
    },
  ], { rounds: ROUNDS_HEAVY, warmup: 1 });
  row('add-5 (20,000 txs of one entity)', c);
}

if (want('add-all')) {
  const c = compare('add-all', [
    {
      name: 'dfdb',
      setup: () => new Database(),
      run: (db) => {
        db.transact(maps);
        return db;
      },
      teardown: (db) => db.free(),
    },
    { name: 'datascript', run: () => ds.db_with(ds.empty_db(), maps) },
  ], { rounds: ROUNDS_HEAVY, warmup: 1 });
  row('add-all (one tx of 20,000 entities)', c);
}

if (want('retract-5')) {
  const c = compare('retract-5', [
    {
      name: 'dfdb',
      setup: dfPeople,
      run: (db) => {
        for (const tx of retractTx) db.transact(tx);
        return db;
      },
      teardown: (db) => {
        if (db.q('[:find ?e . :where [?e :name]]') !== null) throw new Error('dfdb retract-5 left people');
        db.free();
      },
    },
    {
      name: 'datascript',
      run: () => {
        let db = dsdb;
        for (const tx of retractTx) db = ds.db_with(db, tx);
        return db;
      },
    },
  ], { rounds: ROUNDS_HEAVY, warmup: 1 });
  row('retract-5 (20,000 txs of :db/retractEntity)', c);
}

// ---------------------------------------------------------------- queries and pulls

// The writes above leave much garbage; collected now, in one go, it does not leave Node's
// background GC threads busy during the reads, on cores shared with the native server.
if (globalThis.gc) globalThis.gc();

function queryVariants(name) {
  const q = Q[name];
  const qd = dsQuery(q);
  const ins = QIN[name] ?? [];
  const fdf = () => dfdb.q(q, ...ins);
  const fds = () => ds.q(qd, dsdb, ...ins);
  return [
    { name: 'dfdb', run: fdf, iters: itersFor(fdf) },
    { name: 'datascript', run: fds, iters: itersFor(fds) },
  ];
}

/** A native variant of query `name` on `server`: one request runs it K times there. */
function nativeVariant(name, server, variant) {
  const q = Q[name];
  const ins = `[${(QIN[name] ?? []).join(' ')}]`;
  const size = server.query(q, ins, 1);
  const want = dfdb.q(q, ...(QIN[name] ?? [])).size;
  if (size !== want) throw new Error(`${name}: native dfdb found ${size} results, the npm package ${want}`);
  const k = itersFor(() => server.query(q, ins, 1));
  return { name: variant, run: () => server.query(q, ins, k), opsPerRun: k };
}

/** A query's comparison: dfdb (npm) and DataScript, and native dfdb when its servers run. */
function queryRows(name) {
  const label = name === 'qpred2' ? 'qpred2 (`:in $ ?min_s`, 50000)' : name;
  const variants = queryVariants(name);
  for (const n of natives) variants.push(nativeVariant(name, n.server, n.variant));
  const c = compare(name, variants, READS);
  row(label, c);
  if (natives.length) nativeRows.push({ name, c });
}

// Native dfdb (bench/node/native.mjs): the system allocator, and mimalloc (an application's
// one-line choice of global allocator). Their rows wait for the end of the table (Rust vs Node).
const nativeRows = [];
const NATIVES = [
  { example: 'people20k_server', variant: 'dfdb native', label: 'native dfdb (Rust, memory storage, glibc malloc)' },
  { example: 'people20k_server_mimalloc', variant: 'dfdb native mimalloc', label: 'native dfdb (Rust, memory storage, mimalloc)' },
];
const natives = flag('--no-native') || !NATIVE_OPS.some(want)
  ? []
  : NATIVES.map((n) => ({ ...n, server: startNative(root, n.example) })).filter((n) => n.server);

for (const name of ['q1']) {
  if (want(name)) queryRows(name);
}

if (want('q2') || want('q2-swapped')) {
  const [a, b] = queryVariants('q2');
  const [c2, d2] = queryVariants('q2-swapped');
  const c = compare('q2 / q2-swapped', [
    { ...a, name: 'dfdb q2' },
    { ...b, name: 'datascript q2' },
    { ...c2, name: 'dfdb q2-swapped' },
    { ...d2, name: 'datascript q2-swapped' },
  ], READS);
  row('q2', c, 'dfdb q2', 'datascript q2');
  row('q2-swapped', c, 'dfdb q2-swapped', 'datascript q2-swapped');
  // The swap ratio is dfdb against itself, so it gets its own comparison: in the four-way one,
  // each dfdb sample also pays for collecting the garbage of the DataScript sample before it, and
  // DataScript's q2-swapped leaves more than its q2 — a bias against dfdb's q2-swapped alone.
  const own = compare('dfdb q2 / q2-swapped', [
    { ...a, name: 'dfdb q2' },
    { ...c2, name: 'dfdb q2-swapped' },
  ], READS);
  const r = ratio(own, 'dfdb q2', 'dfdb q2-swapped');
  rows.push({
    op: 'q2-swapped vs q2, dfdb only (time q2-swapped / time q2; its own interleaved comparison)',
    df: `${fmtMs(stats(own, 'dfdb q2-swapped').median)} vs ${fmtMs(stats(own, 'dfdb q2').median)}`,
    ds: '—',
    ratio: fmtRatio(r.median),
    spread: `${fmtRatio(r.min)}–${fmtRatio(r.max)} (${r.rounds} rounds)`,
  });
  results.swap = { ratio: r };
  log(`q2-swapped/q2 (dfdb): ${fmtRatio(r.median)} [${fmtRatio(r.min)}–${fmtRatio(r.max)}]`);
}

for (const name of ['q3', 'q4', 'qpred1', 'qpred2']) {
  if (want(name)) queryRows(name);
}
for (const n of natives) n.server.close();
for (const n of natives) {
  for (const { name, c } of nativeRows) row(`${name}, ${n.label} vs DataScript in Node`, c, n.variant, 'datascript');
}

if (want('pull-one')) {
  const fdf = (i) => dfdb.pull(PULL, (i % PEOPLE) + 1);
  const fds = (i) => ds.pull(dsdb, PULL_DS, (i % PEOPLE) + 1);
  const c = compare('pull-one', [
    { name: 'dfdb', run: (_, i) => fdf(i), iters: itersFor(fdf) },
    { name: 'datascript', run: (_, i) => fds(i), iters: itersFor(fds) },
  ], READS);
  row('pull-one (5 attributes)', c);
}

if (want('pull-many')) {
  const fdf = () => dfdb.pullMany(PULL, PULL_MANY_IDS);
  const fds = () => ds.pull_many(dsdb, PULL_DS, PULL_MANY_IDS);
  const c = compare('pull-many', [
    { name: 'dfdb', run: fdf, iters: itersFor(fdf) },
    { name: 'datascript', run: fds, iters: itersFor(fds) },
  ], READS);
  row('pull-many (1,000 entities, 5 attributes)', c);
}

// ---------------------------------------------------------------- recursive rules

function rulesRow(op, edges, expected) {
  const df = new Database({ schema: FOLLOWS_SCHEMA_DF });
  df.transact(edges.map(([a, b]) => [':db/add', a, ':follows', b]));
  const dsd = ds.db_with(ds.empty_db(FOLLOWS_SCHEMA_DS), edges.map(([a, b]) => [':db/add', a, 'follows', b]));
  // Rules are an input of symbols, which dfdb's JS-data inputs cannot express: dfdb runs it through
  // qEdn (EDN-text inputs, EDN-text result); DataScript takes the rules as an EDN string.
  const fdf = () => df.qEdn(RULE_Q, RULES, '1');
  const fds = () => ds.q(RULE_Q, dsd, RULES_DS, 1);
  const nd = readEdn(fdf()).size;
  const nds = fds().length;
  if (nd !== expected || nds !== expected) throw new Error(`${op}: ${nd} and ${nds} followers, not ${expected}`);
  const c = compare(op, [
    { name: 'dfdb', run: fdf, iters: itersFor(fdf) },
    { name: 'datascript', run: fds, iters: itersFor(fds) },
  ], READS);
  row(op, c);
  df.free();
}

if (want('rules-wide')) {
  const e = wideEdges(6, 4);
  rulesRow(`rules-wide 4×6 (followers of the root: ${e.length})`, e, e.length);
}
if (want('rules-long')) {
  const e = longEdges(100, 10);
  rulesRow('rules-long 10 chains × 100 (followers of a chain\'s root: 100)', e, 100);
}

// ---------------------------------------------------------------- live query

if (want('live')) {
  const q4 = Q.q4;
  const q4ds = dsQuery(q4);
  // Every transaction changes the :age of a male Ivan, so every one changes q4's result.
  const ivans = [...dfdb.q('[:find ?e :where [?e :name "Ivan"] [?e :sex :male]]')].map((r) => r[0]).sort((x, y) => x - y);
  const txAt = (step) => [ivans[step % ivans.length], 100 + step];
  const dbLive = dfPeople();
  const dbRerun = dfPeople();
  const dbPlain = dfPeople();
  let diffs = 0;
  let changed = 0;
  const view = new Map(); // the live result, kept from the initial result and the diffs
  const unsubscribe = dbLive.subscribe(q4, (d) => {
    diffs++;
    changed += d.additions.length + d.retractions.length;
    for (const t of d.retractions) view.delete(JSON.stringify(t));
    for (const t of d.additions) view.set(JSON.stringify(t), t);
  });
  for (const t of unsubscribe.initial) view.set(JSON.stringify(t), t);
  let dsLive = dsdb;
  const steps = { live: 0, rerun: 0, plain: 0, ds: 0 };
  const variants = [
    {
      name: 'dfdb subscription',
      run: () => {
        const [e, v] = txAt(steps.live++);
        return dbLive.transact([[':db/add', e, ':age', v]]);
      },
    },
    {
      name: 'dfdb re-run',
      run: () => {
        const [e, v] = txAt(steps.rerun++);
        dbRerun.transact([[':db/add', e, ':age', v]]);
        return dbRerun.q(q4);
      },
    },
    {
      name: 'dfdb tx only',
      run: () => {
        const [e, v] = txAt(steps.plain++);
        return dbPlain.transact([[':db/add', e, ':age', v]]);
      },
    },
    {
      name: 'datascript re-run',
      run: () => {
        const [e, v] = txAt(steps.ds++);
        dsLive = ds.db_with(dsLive, [[':db/add', e, 'age', v]]);
        return ds.q(q4ds, dsLive);
      },
    },
  ];
  const iters = {};
  for (const v of variants) iters[v.name] = v.iters = itersFor(v.run);
  const c = compare('live q4', variants, READS);
  if (diffs !== steps.live || changed !== 2 * steps.live) {
    throw new Error(`live: ${diffs} diffs (${changed} tuples) for ${steps.live} transactions`);
  }
  same('live result kept from diffs', norm(dbLive.q(q4)), norm(view.values()));
  unsubscribe();
  const rl = ratio(c, 'dfdb subscription', 'dfdb re-run');
  rows.push({
    op: 'live q4: single-datom tx + subscription update vs tx + re-run q4 (both dfdb)',
    df: fmtStats(stats(c, 'dfdb subscription')),
    ds: `— (dfdb tx + re-run: ${fmtStats(stats(c, 'dfdb re-run'))})`,
    ratio: fmtRatio(rl.median),
    spread: `${fmtRatio(rl.min)}–${fmtRatio(rl.max)} (${rl.rounds} rounds)`,
  });
  results.live = { ratio: rl };
  log(`live: subscription vs re-run (dfdb) ${fmtRatio(rl.median)} [${fmtRatio(rl.min)}–${fmtRatio(rl.max)}]`);
  row('single-datom tx + re-run q4', c, 'dfdb re-run', 'datascript re-run');
  row('live q4: dfdb tx + subscription update vs DataScript tx + re-run q4', c, 'dfdb subscription', 'datascript re-run');
  const rp = ratio(c, 'dfdb tx only', 'dfdb subscription');
  notes.push(
    `Live query: ${steps.live} transactions through the subscription, ${diffs} diffs delivered; a single-datom ` +
      `transaction alone (no subscription, same interleaved rounds) took ${fmtStats(stats(c, 'dfdb tx only'))}, so ` +
      `keeping q4 live costs ${fmtRatio(rp.median)} [${fmtRatio(rp.min)}–${fmtRatio(rp.max)}] of a bare transaction.`,
  );
  dbLive.free();
  dbRerun.free();
  dbPlain.free();
}

// ---------------------------------------------------------------- size

function size(files) {
  let raw = 0;
  const parts = [];
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    parts.push(b);
  }
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  return { raw, gz, files: files.map((f) => relative(root, f)) };
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const dfSize = size([join(root, 'pkg/web/dfdb_web_bg.wasm'), join(root, 'pkg/web/dfdb_web.js')]);
const jsDir = join(root, 'js');
const apiFiles = readdirSync(jsDir).filter((f) => f.endsWith('.js')).sort().map((f) => join(jsDir, f));
const apiSize = size(apiFiles);
const dsFile = require.resolve('datascript');
const dsSize = size([dsFile]);

// ---------------------------------------------------------------- report

const r = (op) => results[op]?.ratio.median;
function goal(label, ops, min) {
  const have = ops.filter((o) => results[o]);
  if (!have.length) return null;
  const bad = have.filter((o) => results[o].ratio.median < min);
  // One decimal more than the table: "20×" must not hide a 19.6× that misses the goal.
  const exact = (x) => `${x.toFixed(x >= 10 ? 1 : 2)}×`;
  const list = have.map((o) => `${o.split(/[ ,]/)[0]} ${exact(r(o))}`).join(', ');
  return `- ${bad.length ? '**not met**' : '**met**'}: ${label} — ${list}` +
    (bad.length ? `. Short: ${bad.map((o) => o.split(/[ ,]/)[0]).join(', ')}.` : '.');
}
const writes = Object.keys(results).filter((o) => /^(add-|retract-)/.test(o));
const reads = Object.keys(results).filter((o) => /^(q[1-4]|qpred|pull)/.test(o) && !o.includes('native'));
const nativeGoal = (malloc) => Object.keys(results).filter((o) => /^(q4|qpred1), native/.test(o) && o.includes(malloc));
const goals = [
  goal('dfdb ≥ 3× faster than DataScript on add-1, add-5, add-all, retract-5', writes, 3),
  goal('dfdb ≥ 5× faster on q1–q4, qpred1, qpred2, pull', reads, 5),
  goal('native dfdb (memory storage, glibc malloc) ≥ 20× faster than DataScript under Node on q4 and qpred1', nativeGoal('glibc'), 20),
  goal('native dfdb (memory storage, mimalloc) ≥ 20× faster than DataScript under Node on q4 and qpred1', nativeGoal('mimalloc'), 20),
  results.swap
    ? `- ${Math.abs(results.swap.ratio.median - 1) <= 0.1 ? '**met**' : '**not met**'}: q2-swapped within 10% of q2 — q2-swapped takes ${fmtRatio(results.swap.ratio.median)} the time of q2 (rounds ${fmtRatio(results.swap.ratio.min)}–${fmtRatio(results.swap.ratio.max)}).`
    : null,
  `- ${dfSize.gz < 500 * 1024 ? '**met**' : '**not met**'}: wasm + glue < 500 KB gzip — ${kib(dfSize.gz)} (${dfSize.gz.toLocaleString('en')} bytes).`,
].filter(Boolean);

const cpu = cpus();
const wasmBytes = readFileSync(join(root, 'pkg/web/dfdb_web_bg.wasm'));
const wasmSha = createHash('sha256').update(wasmBytes).digest('hex').slice(0, 12);
let head = 'unknown';
try {
  head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}
const date = new Date().toISOString().slice(0, 10);
const md = `# Benchmarks: dfdb in Node.js vs DataScript

Issue #9. Generated by \`bench/node/people20k.mjs\`; do not edit the figures by hand.

- **Command:** \`npm run bench\` (= \`node --expose-gc bench/node/people20k.mjs\`), from the repository root, with the package already built (\`npm run build\` → \`pkg/web/\`).
- **Date:** ${date}. **Node:** ${process.version}. **DataScript:** ${require('datascript/package.json').version} (npm). **dfdb:** the built npm package (\`import { Database } from 'dfdb'\`, wasm from \`pkg/web/\`, sha256 \`${wasmSha}…\`, repository at \`${head}\` when run).
- **Machine:** ${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, a VM whose cores other tenants share, so absolute times are noisy (±2× between runs); only the interleaved ratios are meant to be read.
- **Method:** one Node process runs both systems. For each operation the two (or more) variants run alternately, one sample each per round (A,B then B,A, …), after ${WARMUP} discarded warm-up round(s) (1 for the whole-data-set writes), with a forced GC before every sample of a write (not of a read: it slowed DataScript's reads about 2× and not dfdb's). Fast operations repeat within a sample (≈${TARGET_MS} ms per sample) and report the time per call. ${ROUNDS} rounds for reads and live queries, ${ROUNDS_HEAVY} for the writes. A cell is the **median (min–max)** per-operation time; **ratio** is the median over rounds of that round's DataScript time ÷ dfdb time (> 1: dfdb is faster), **spread** the min–max of those per-round ratios. The harness (\`bench/node/harness.mjs\`) produces a ratio only from a comparison whose execution log shows the two variants interleaved round by round.
- **Data:** people20k — 20,000 people, 5 attributes each (100,000 datoms): \`:name\` of 8 first names, \`:last-name\` of 6, \`:sex\` \`:male\`/\`:female\`, \`:age\` 0–99, \`:salary\` 0–99,999, from the seeded xorshift64 of \`core/benches/common/mod.rs\` ported to JS (\`bench/node/people20k-data.mjs\`, checked value-for-value against the Rust generator). No schema in either system (rules: \`:follows\` is a cardinality-many ref in both). Before timing, every query's and pull's result is checked equal between the two systems.
- **API use:** both take the same JS tx data (\`{name, "last-name", sex: ":male", age, salary}\` maps; \`[":db/add", e, attr, v]\`). dfdb queries are the EDN strings of DataScript's own benchmark (\`[?e :name "Ivan"]\`); DataScript's JS API names attributes with strings and has no keywords, so its queries read \`[?e "name" "Ivan"]\` and \`[?e "sex" ":male"]\`. Both return JS data (dfdb \`q\` a \`Set\` of arrays, DataScript arrays of arrays) except the rules rows, where dfdb uses \`qEdn\` (the rules are an input of symbols, which dfdb's JS-data inputs cannot carry) and returns EDN text. DataScript writes use \`db_with\` (no connection, no listeners).

## Results

| operation | dfdb | datascript | ratio | spread |
| --- | --- | --- | --- | --- |
${rows.map((x) => `| ${x.op} | ${x.df} | ${x.ds} | ${x.ratio} | ${x.spread} |`).join('\n')}
| size: wasm + JS glue, raw | ${kib(dfSize.raw)} | ${kib(dsSize.raw)} | — | — |
| size: wasm + JS glue, gzip -9 | ${kib(dfSize.gz)} | ${kib(dsSize.gz)} | — | — |

Operations: **add-1** transacts all 100,000 datoms one per transaction (\`[":db/add", id, attr, v]\`, ids 1..20,000 given), as DataScript's own add-1 does; **add-5** one person (5 datoms) per transaction; **add-all** everyone in one transaction; **retract-5** \`[":db/retractEntity", id]\` for each of the 20,000 people, one per transaction, on a fresh people20k database (built outside the timing); **q1–q4, qpred1, qpred2** as in DataScript's benchmark (\`q2-swapped\` puts \`[?e :age ?a]\` first); **pull-one** \`[:name :last-name :sex :age :salary]\` of one person (cycling over all); **pull-many** the same pattern for 1,000 people; **rules-wide** a tree of branching 4 and depth 6 (DataScript's rules-wide numbering), **rules-long** 10 chains of 100 edges, both querying \`[:find ?b :in $ % ?root :where (follows ?root ?b)]\` with \`[[(follows ?a ?b) [?a :follows ?b]] [(follows ?a ?b) [?a :follows ?x] (follows ?x ?b)]]\` from the root (id 1); **live q4**: on a people20k database, a transaction changing one male Ivan's \`:age\` (so every transaction changes q4's result), timed with a live \`subscribe\` to q4 (its callback included) against a second database taking the same transaction and re-running q4, and DataScript's \`db_with\` + re-run for reference.

Sizes: dfdb is ${dfSize.files.map((f) => `\`${f}\``).join(' + ')} (what \`npm run build\` ships; the hand-written JS API layer ${apiSize.files.map((f) => `\`${f}\``).join(', ')} adds ${kib(apiSize.raw)} raw / ${kib(apiSize.gz)} gzip); DataScript is \`${relative(root, dsFile)}\` (its one dist file, advanced-compiled ClojureScript). gzip is Node's zlib at level 9, per file, summed.

${notes.map((n) => `${n}\n`).join('\n')}
## Goals

${goals.join('\n')}

## Native figures

The rows \`… native dfdb (…) vs DataScript in Node\` come from the same interleaved rounds as the npm rows above them: a native process (\`core/examples/people20k_server.rs\`, cargo's \`bench\` profile; \`people20k_server_mimalloc.rs\` is the same with mimalloc as the global allocator, as the \`dfdb\` CLI has it) loads the same people20k from the Rust generator and, per request over two named pipes, runs the query K times (\`bench/node/native.mjs\`); a sample is the harness's wall time of the request divided by K (the pipe round trip counts against native). Before timing, each native result's size is checked against the npm package's. Other native workloads (writes, pulls, live queries) are in [BENCH-CORE.md](BENCH-CORE.md), measured by the core benches (\`core/benches/\`, same generator) at other times: set ratios beside ratios, not absolute times beside absolute times.
`;

const KEEP = '<!-- Notes below this line are hand-written and kept by `npm run bench`. -->';
if (out) {
  let tail = `\n${KEEP}\n`;
  if (existsSync(out)) {
    const old = readFileSync(out, 'utf8');
    const i = old.indexOf(KEEP);
    if (i >= 0) tail = `\n${old.slice(i)}`;
  }
  writeFileSync(out, md + tail);
  log(`wrote ${relative(process.cwd(), out)}`);
} else {
  console.log(`\n${md}`);
}
dfdb.free();
