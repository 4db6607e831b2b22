// Type-checks a use of the whole API against js/index.d.ts (`tsc --noEmit -p tsconfig.json`).
import { Database, DatabaseView, readEdn, toEdn, canonicalEdn } from 'dfdb';
import type { Datom, DfdbError, Diff, EdnDiff, TxReport, Value, Tagged, Backend } from 'dfdb';

const db = new Database({ schema: '{:person/email {:db/unique :db.unique/identity}}', clock: () => Date.now() });
const mem = new Database({ schema: { 'person/email': { 'db/unique': ':db.unique/identity' } }, clock: null });
const report = db.transact([{ ':db/id': 'ann', 'person/name': 'Ann', 'person/email': 'ann@x' }], {
  txInstant: new Date(),
  txMeta: { 'tx/source': 'usage' },
}) as TxReport;
const ann: number | bigint = report.tempids['ann'];
const when: Date = report.txInstant;
const datoms: Datom[] = report.txData;
const names: Value = db.q('[:find ?n :in $ ?e :where [?e :person/name ?n]]', ann);
const exact: string = db.qEdn('[:find ?n . :where [_ :person/name ?n]]');
const plan: string[] = db.explain('[:find ?e :where [?e :person/name]]');
const pulled = db.pull('[*]', [':person/email', 'ann@x']);
const many = db.pullMany([':person/name'], [1, 2n]);
const entity = db.entity(1);
const id = db.entityBy(':person/email', 'ann@x');
const eavt: Datom[] = db.datoms('eavt', 1);
const past: DatabaseView = db.asOf(report.tx);
const since: DatabaseView = db.since(new Date(0));
past.q('[:find ?e :where [?e :person/name]]');
past.pull('[*]', 1);
past.entity(1);
since.qEdn('[:find ?e :where [?e :person/name]]');
const history: Datom[] = db.history(1);
const unsubscribe = db.subscribe('[:find ?n :where [_ :person/name ?n]]', (d: Diff) => {
  d.additions.forEach((row) => row.length);
  if (d.error) console.log((d.error as DfdbError).kind);
});
const initial: Value = unsubscribe.initial;
const stopped: boolean = unsubscribe();
const offEdn = db.subscribeEdn('[:find ?n :where [_ :person/name ?n]]', (d: EdnDiff) => d.additions.length);
offEdn();
const unlisten = db.listen((r: TxReport) => r.tx);
unlisten();
const schema = db.schema();
const text: string = toEdn({ a: [1, ':kw', new Set([1]), new Date()] });
const v: Value = readEdn('{:a 1}');
const t: Tagged = readEdn('[1 1.0]', { tagged: true });
const c: string = canonicalEdn('{:b 1 :a 2}');
try {
  db.transact('[{:person/name');
} catch (e) {
  const kind = (e as DfdbError).kind;
  if (kind === 'parse' || kind === 'unique') console.log(kind);
}
const backend = async (): Promise<Backend> => ({
  load: async () => [],
  write: async () => {},
  close: async () => {},
});
async function persistent(): Promise<void> {
  const p = await Database.open('people', { schema: '{}', backend });
  const r: TxReport = await p.transact([{ name: 'x' }]);
  await p.close();
  console.log(r.tx, p.persistent);
}
{
  using scoped = new Database();
  scoped.transact('[{:a 1}]');
}
db.close();
db.free();
mem.free();
console.log(ann, when, datoms, names, exact, plan, pulled, many, entity, id, eavt, history, initial, stopped,
  schema, text, v, t, c, persistent);
