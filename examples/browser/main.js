// The demo: a persistent dfdb database in IndexedDB, a query, and a live subscription in the DOM.
import { Database } from 'dfdb';

const $ = (id) => document.getElementById(id);
const schema = '{:person/name {:db/unique :db.unique/identity} :person/age {:db/valueType :db.type/long}}';

async function main() {
  let db;
  try {
    db = await Database.open('demo', { schema });
  } catch (e) {
    $('error').textContent = `${e.kind}: ${e.message}`;
    document.body.dataset.ready = 'error';
    return;
  }
  if (db.q('[:find (count ?e) . :where [?e :person/name]]') === null) {
    await db.transact([{ 'person/name': 'Ada', 'person/age': 36 }, { 'person/name': 'Linus', 'person/age': 28 }]);
  }

  // The live subscription keeps its rows in a Map: additions add rows, retractions remove them.
  const rows = new Map();
  const render = () => {
    const sorted = [...rows.values()].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    $('live').replaceChildren(...sorted.map(([name, age]) => {
      const tr = document.createElement('tr');
      for (const v of [name, age]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }));
  };
  const refresh = () => {
    $('count').textContent = String(db.q('[:find (count ?e) . :where [?e :person/age ?a] [(> ?a 30)]]') ?? 0);
    $('history').textContent = String(db.history().length);
    $('txs').textContent = String(db.q('[:find (count ?tx) . :where [_ :person/name _ ?tx]]') ?? 0);
  };
  const unsubscribe = db.subscribe('[:find ?name ?age :where [?e :person/name ?name] [?e :person/age ?age]]', ({ additions, retractions }) => {
    for (const r of retractions) rows.delete(JSON.stringify(r));
    for (const r of additions) rows.set(JSON.stringify(r), r);
    render();
    $('log').textContent += `+${JSON.stringify(additions)} -${JSON.stringify(retractions)}\n`;
  });
  for (const r of unsubscribe.initial) rows.set(JSON.stringify(r), r);
  render();
  refresh();
  db.listen(refresh);

  $('add').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await db.transact([{ 'person/name': $('name').value, 'person/age': Number($('age').value) }]);
      $('error').textContent = '';
    } catch (e) {
      $('error').textContent = `${e.kind}: ${e.message}`;
    }
  });
  window.demo = { db };
  document.body.dataset.ready = 'true';
}

main();
