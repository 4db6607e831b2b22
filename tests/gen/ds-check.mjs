#!/usr/bin/env node
// Runs VECTORS.md suites through DataScript 1.8.1 (same loader as datascript-random.mjs) and
// prints, for every read step, DataScript's answer next to the stated expectation:
//   node tests/gen/ds-check.mjs FILE.json [FILE.json...]
// Entity ids: DataScript's own; tempids recorded by `tempids` substitute for #ref "name".
// `entity` steps are answered with (pull [*]) (refs printed as {:db/id n}).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export function loadDataScript() {
  const require = createRequire(import.meta.url);
  const path = require.resolve('datascript/datascript.js', { paths: [join(here, '..', '..')] });
  const src = readFileSync(path, 'utf8');
  if (!src.includes('Datascript v1.8.1')) throw new Error(`${path} is not DataScript 1.8.1`);
  const marker = ';return this.datascript.js;';
  const patched = src.replace(marker,
    ';this.datascript.js.__raw={read:Ky,q:nA,pull:dx,pullMany:fx,withTx:sA,dbAfter:Fl,tempids:xk,emptyDb:ot};' + marker);
  const mod = { exports: {} };
  new Function('module', 'exports', patched)(mod, mod.exports);
  return mod.exports.__raw;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const DS = loadDataScript();
  const pr = (x) => (x == null ? 'nil' : typeof x === 'string' ? JSON.stringify(x) : String(x));
  for (const file of process.argv.slice(2)) {
    const suite = JSON.parse(readFileSync(file, 'utf8'));
    for (const c of suite.cases) {
      console.log(`== ${c.name}`);
      let db = DS.emptyDb(c.schema ? DS.read(c.schema) : null, null);
      const refs = new Map();
      const sub = (t) => t.replace(/#ref "([^"]*)"/g, (_, n) => String(refs.get(n)));
      for (const [i, s] of c.steps.entries()) {
        let got;
        try {
          if ('transact' in s) {
            const rep = DS.withTx(db, DS.read(sub(s.transact)), null);
            db = DS.dbAfter.h(rep);
            const tids = DS.tempids.h(rep);
            for (const [t, n] of Object.entries(s.tempids ?? {})) {
              const m = /"([^"]*)" (-?\d+)/g; const txt = String(tids); let mm;
              while ((mm = m.exec(txt))) if (mm[1] === t) refs.set(n, Number(mm[2]));
              const neg = new RegExp(`(^|[ {])${t} (\\d+)`).exec(txt); if (neg) refs.set(n, Number(neg[2]));
            }
            got = 'ok';
          } else if ('query' in s) got = pr(DS.q(DS.read(sub(s.query)), db, ...(s.args ?? []).map((a) => DS.read(sub(a)))));
          else if ('pull_many' in s) got = pr(DS.pullMany(db, DS.read(s.pull_many), DS.read(sub(s.eids))));
          else if ('pull' in s) got = pr(DS.pull(db, DS.read(s.pull), DS.read(sub(s.eid))));
          else if ('entity' in s) got = pr(DS.pull(db, DS.read('[*]'), DS.read(sub(s.entity))));
        } catch (e) { got = `ERROR ${e.message} ${e.data ? String(e.data) : ''}`; }
        console.log(`  step ${i + 1}: DS ${got}${s.expect !== undefined ? `\n          expect ${s.expect}` : s.expect_error ? `  (expect_error ${s.expect_error})` : ''}`);
      }
    }
  }
}
