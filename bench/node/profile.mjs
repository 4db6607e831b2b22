// Profiles one dfdb operation of the people20k bench (the V8 CPU profiler, as `node --cpu-prof`, but
// started after the setup so only the operation is sampled):
//   node bench/node/profile.mjs q1|q1edn|q2|q4|qpred1|pull-one|pull-many|add-1|add-5|add-all|retract-5|rules-wide [out.cpuprofile]
// then `node bench/node/profile-summary.mjs out.cpuprofile` for self time by function. For function
// names inside the wasm, point the import below at a wasm-bindgen output of the unoptimised
// (`wasm-opt`-free) cargo build: `wasm-opt -Oz` strips the name section.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Database } from 'dfdb';
import { people } from './people20k-data.mjs';

const what = process.argv[2] ?? 'q1';
const maps = people().map((p) => ({ name: p.name, 'last-name': p.lastName, sex: `:${p.sex}`, age: p.age, salary: p.salary }));
const db = new Database();
const session = new Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 100 });
const start = () => post('Profiler.start');
const t0 = performance.now();
if (what === 'add-all') {
  await start();
  for (let i = 0; i < 2; i++) new Database().transact(maps);
} else if (what === 'add-1') {
  const d = new Database();
  await start();
  maps.slice(0, 4000).forEach((m, i) => { for (const a of ['name', 'last-name', 'sex', 'age', 'salary']) d.transact([[':db/add', i + 1, `:${a}`, m[a]]]); });
} else if (what === 'add-5') {
  const d = new Database();
  await start();
  for (const m of maps) d.transact([m]);
} else if (what === 'retract-5') {
  db.transact(maps);
  await start();
  for (let i = 1; i <= maps.length; i++) db.transact([[':db/retractEntity', i]]);
} else if (what === 'rules-wide') {
  const d = new Database({ schema: '{:follows {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}' });
  const edges = [];
  const walk = (id, k) => { if (k) for (let c = id * 4; c < id * 4 + 4; c++) { edges.push([':db/add', id, ':follows', c]); walk(c, k - 1); } };
  walk(1, 6);
  d.transact(edges);
  await start();
  for (let i = 0; i < 10; i++) d.qEdn('[:find ?b :in $ % ?root :where (follows ?root ?b)]', '[[(follows ?a ?b) [?a :follows ?b]] [(follows ?a ?b) [?a :follows ?x] (follows ?x ?b)]]', '1');
} else {
  db.transact(maps);
  await start();
  const ids = Array.from({ length: 1000 }, (_, i) => 1 + i * 20);
  const ops = {
    q1: () => db.q('[:find ?e :where [?e :name "Ivan"]]'),
    q1edn: () => db.qEdn('[:find ?e :where [?e :name "Ivan"]]'),
    q2: () => db.q('[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]'),
    q4: () => db.q('[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]'),
    qpred1: () => db.q('[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]'),
    'pull-many': () => db.pullMany('[:name :last-name :sex :age :salary]', ids),
    'pull-one': () => { for (let i = 1; i <= 1000; i++) db.pull('[:name :last-name :sex :age :salary]', i); },
  };
  const t1 = performance.now();
  for (let i = 0; i < 100; i++) ops[what]();
  console.log(what, ((performance.now() - t1) / 100).toFixed(2), 'ms per call');
}
console.log('total', (performance.now() - t0).toFixed(0), 'ms');
const { profile } = await post('Profiler.stop');
writeFileSync(process.argv[3] ?? `${what}.cpuprofile`, JSON.stringify(profile));
