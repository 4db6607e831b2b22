// The shared test-vector runner for the npm package (VECTORS.md), through the package's JS API.
// It follows tests/src/runner.rs step for step and prints the same lines: a line per suite
// (`suite: N passed, N failed, N skipped`), a line per failed or skipped case, and `total: …`.
// Reads and writes go through the EDN paths (qEdn, pullEdn, entityEdn, subscribeEdn) so nothing is
// lost to the JS value mapping; results are compared on readEdn's exact tagged form.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Comparer, clause, findShape, innerQuery, mapGet, rowsOf, show } from './compare.mjs';

/** What this target supports (persistence: file-backed `Database.open` on Node.js). */
export const FEATURES = [
  'tx', 'entity', 'history', 'as-of', 'collections', 'persistence', 'query', 'rules', 'aggregates', 'pull',
  'subscribe', 'time-dimensions',
];

/** The vector directories: tests/vectors, ../shared/vectors, and each of DFDB_VECTORS. */
export function defaultDirs(root) {
  const candidates = [join(root, 'tests', 'vectors'), join(root, '..', 'shared', 'vectors')];
  for (const d of (process.env.DFDB_VECTORS ?? '').split(':')) if (d) candidates.push(d);
  const dirs = [];
  const notes = [];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isDirectory()) dirs.push(realpathSync(c));
    else notes.push(`note: vector directory ${resolve(c)} does not exist; skipped`);
  }
  return { dirs, notes };
}

function collectJson(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collectJson(p, out);
    else if (name.endsWith('.json')) out.push(p);
  }
}

/** Every suite under `dirs`, in path order per directory. */
export function loadSuites(dirs) {
  const suites = [];
  for (const d of dirs) {
    const files = [];
    try {
      collectJson(d, files);
    } catch (e) {
      suites.push({ name: d, cases: [], loadError: `cannot list ${d}: ${e.message}` });
    }
    for (const f of files) {
      const fallback = basename(f, '.json');
      let json;
      try {
        json = JSON.parse(readFileSync(f, 'utf8'));
      } catch (e) {
        suites.push({ name: fallback, cases: [], loadError: `${f} is not valid JSON: ${e.message}` });
        continue;
      }
      const name = typeof json.suite === 'string' ? json.suite : fallback;
      if (!Array.isArray(json.cases)) {
        suites.push({ name, cases: [], loadError: `${f} has no "cases" array` });
        continue;
      }
      suites.push({
        name,
        cases: json.cases.map((c, i) => ({
          name: typeof c.name === 'string' ? c.name : `case #${i}`,
          schema: typeof c.schema === 'string' ? c.schema : undefined,
          features: Array.isArray(c.features) ? c.features.filter((x) => typeof x === 'string') : [],
          steps: Array.isArray(c.steps) ? c.steps : [],
        })),
      });
    }
  }
  return suites;
}

/** Replaces every `#ref "name"` by the id recorded under that name. */
export function substituteRefs(text, refs) {
  let out = '';
  let rest = text;
  for (;;) {
    const i = rest.indexOf('#ref');
    if (i < 0) break;
    out += rest.slice(0, i);
    const afterTag = rest.slice(i + 4);
    const trimmed = afterTag.trimStart();
    if (!trimmed.startsWith('"')) {
      out += '#ref';
      rest = afterTag;
      continue;
    }
    const body = trimmed.slice(1);
    let name = '';
    let end = -1;
    for (let j = 0; j < body.length; j++) {
      const c = body[j];
      if (c === '\\') {
        j++;
        if (j < body.length) name += body[j];
      } else if (c === '"') {
        end = j;
        break;
      } else name += c;
    }
    if (end < 0) throw new Error(`unterminated #ref string in ${JSON.stringify(text)}`);
    if (!refs.has(name)) throw new Error(`#ref ${JSON.stringify(name)} was never recorded`);
    out += String(refs.get(name));
    rest = body.slice(end + 1);
  }
  return out + rest;
}

const str = (step, key) => {
  const v = step[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`field ${JSON.stringify(key)} must be an EDN string, got ${JSON.stringify(v)}`);
  return v;
};
const required = (step, key) => {
  const v = str(step, key);
  if (v === undefined) throw new Error(`missing field ${JSON.stringify(key)}`);
  return v;
};
const strs = (step, key) => {
  const v = step[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`field ${JSON.stringify(key)} must be an array`);
  return v.map((x) => {
    if (typeof x !== 'string') throw new Error(`${JSON.stringify(key)} items must be EDN strings`);
    return x;
  });
};
function expectOf(step) {
  const v = str(step, 'expect');
  const e = str(step, 'expect_error');
  if (v !== undefined && e !== undefined) throw new Error('a step has both expect and expect_error');
  if (v !== undefined) return { value: v };
  if (e !== undefined) return { error: e };
  return {};
}

/** One step object, checked (as suite.rs's Step::from_json). */
export function parseStep(step) {
  if (step === null || typeof step !== 'object' || Array.isArray(step)) throw new Error(`a step must be an object`);
  if ('transact' in step) {
    const tempids = [];
    if (step.tempids !== undefined) {
      if (typeof step.tempids !== 'object' || step.tempids === null) throw new Error('tempids must be an object');
      for (const [k, v] of Object.entries(step.tempids)) {
        if (typeof v !== 'string') throw new Error(`tempids value for ${JSON.stringify(k)} must be a string`);
        tempids.push([k, v]);
      }
    }
    return { verb: 'transact', tx: required(step, 'transact'), tempids, txName: str(step, 'tx'), expect: expectOf(step) };
  }
  if ('subscribe' in step) {
    return {
      verb: 'subscribe', query: required(step, 'subscribe'), name: required(step, 'name'), args: strs(step, 'args'),
      options: str(step, 'options'), expect: str(step, 'expect'),
    };
  }
  if ('diffs' in step) {
    if (!Array.isArray(step.expect)) throw new Error('diffs needs an expect array');
    const expect = step.expect.map((d) => ({ additions: str(d, 'additions') ?? '#{}', retractions: str(d, 'retractions') ?? '#{}' }));
    return { verb: 'diffs', name: required(step, 'diffs'), expect };
  }
  if ('unsubscribe' in step) return { verb: 'unsubscribe', name: required(step, 'unsubscribe') };
  if ('reopen' in step) return { verb: 'reopen' };
  let read;
  if ('query' in step) read = { kind: 'query', query: required(step, 'query'), args: strs(step, 'args') };
  else if ('pull' in step) read = { kind: 'pull', pattern: required(step, 'pull'), eid: required(step, 'eid') };
  else if ('pull_many' in step) read = { kind: 'pull_many', pattern: required(step, 'pull_many'), eids: required(step, 'eids') };
  else if ('entity' in step) read = { kind: 'entity', eid: required(step, 'entity') };
  else throw new Error(`a step with no known verb: ${JSON.stringify(step)}`);
  const asOf = str(step, 'as_of');
  return { verb: asOf !== undefined ? 'as_of' : read.kind, read, asOf, expect: expectOf(step) };
}

const MAX_SHOWN = 1500;
const cut = (s) => (s.length <= MAX_SHOWN ? s : `${s.slice(0, MAX_SHOWN)}… (${s.length} chars)`);
const showErr = (e) => `${e && e.kind ? e.kind : 'non-dfdb'} error: ${e && e.message ? e.message : e}`;
/** A readable dump of a database, to check that a failed transaction changed nothing. */
function dump(db) {
  const replacer = (_, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Set) return { set: [...v] };
    if (v instanceof Map) return { map: [...v] };
    if (v instanceof Uint8Array) return { bytes: [...v] };
    return v;
  };
  const parts = {
    counters: db.counters(),
    schema: db.schemaEdn(),
    history: db.history(),
    indexes: ['eavt', 'aevt', 'avet', 'vaet'].map((i) => db.datoms(i)),
  };
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, JSON.stringify(v, replacer)]));
}

/** The running state of one case. */
class CaseState {
  constructor(api, db, path) {
    this.api = api;
    this.db = db;
    this.path = path;
    this.refs = new Map();
    this.subscriptions = new Map();
    this.unsubscribed = new Set();
  }

  tagged(text) {
    return this.api.readEdn(text, { tagged: true });
  }

  subst(text) {
    return substituteRefs(text, this.refs);
  }

  expected(text) {
    const s = this.subst(text);
    try {
      return this.tagged(s);
    } catch (e) {
      throw new Error(`cannot read expected value ${JSON.stringify(s)}: ${showErr(e)}`);
    }
  }

  comparer() {
    return Comparer.fromSchema(this.tagged(this.db.schemaEdn()));
  }

  async step(step) {
    switch (step.verb) {
      case 'transact':
        return this.transact(step);
      case 'subscribe':
        return this.subscribe(step);
      case 'diffs':
        return this.diffs(step);
      case 'unsubscribe': {
        const sub = this.subscriptions.get(step.name);
        if (!sub) throw new Error(`no live subscription named ${JSON.stringify(step.name)}`);
        sub.unsubscribe();
        this.subscriptions.delete(step.name);
        this.unsubscribed.add(step.name);
        return undefined;
      }
      case 'reopen':
        return this.reopen();
      default:
        return this.read(step);
    }
  }

  async transact({ tx, tempids, txName, expect }) {
    const text = this.subst(tx);
    const before = expect.error !== undefined ? dump(this.db) : null;
    let report;
    let error;
    try {
      report = await this.db.transact(text);
    } catch (e) {
      error = e;
    }
    if (expect.error !== undefined) {
      if (!error) throw new Error(`expected a ${expect.error} error, but the transaction committed as tx ${report.tx}`);
      if (error.kind !== expect.error) throw new Error(`expected a ${expect.error} error, got ${showErr(error)}`);
      const after = dump(this.db);
      for (const k of Object.keys(before)) {
        if (before[k] !== after[k]) throw new Error(`the failed transaction changed the database: ${k} changed`);
      }
      return;
    }
    if (error) throw new Error(`the transaction failed: ${showErr(error)}`);
    for (const [tempid, name] of tempids) {
      const id = report.tempids[tempid];
      if (id === undefined) {
        throw new Error(`tempid ${JSON.stringify(tempid)} is not in the report's tempids (${Object.keys(report.tempids).join(' ')})`);
      }
      this.refs.set(name, id);
    }
    if (txName !== undefined) this.refs.set(`tx:${txName}`, report.tx);
    this.checkSubscriptions();
  }

  /** Checks a read's outcome: `run` returns EDN text or throws. */
  outcome(run, expect, eq) {
    let actual;
    try {
      actual = this.tagged(run());
    } catch (e) {
      if (expect.error !== undefined) {
        if (e.kind === expect.error) return;
        throw new Error(`expected a ${expect.error} error, got ${showErr(e)}`);
      }
      throw new Error(`failed: ${showErr(e)}`);
    }
    if (expect.error !== undefined) throw new Error(`expected a ${expect.error} error, got ${cut(show(actual))}`);
    if (expect.value === undefined) return;
    const expected = this.expected(expect.value);
    if (!eq(expected, actual)) throw new Error(`expected ${cut(show(expected))}, got ${cut(show(actual))}`);
  }

  read({ read, asOf, expect }) {
    const cmp = this.comparer();
    let view = this.db;
    if (asOf !== undefined) {
      const t = this.expected(asOf);
      let point;
      if (t[0] === 'int' && t[1] >= 0n) point = t[1] <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t[1]) : t[1];
      else if (t[0] === 'inst') point = new Date(Number(t[1]));
      else throw new Error(`as_of must be a transaction (#ref "tx:…") or an instant, got ${show(t)}`);
      view = this.db.asOf(point);
    }
    switch (read.kind) {
      case 'query': {
        const text = this.subst(read.query);
        const args = read.args.map((a) => this.subst(a));
        let parsed;
        try {
          parsed = this.tagged(text);
        } catch (e) {
          return this.outcome(() => { throw e; }, expect, () => true);
        }
        // `{:query Q :as-of {…}}` goes to the engine whole: it reads time dimensions itself.
        const queryText = text;
        const shape = findShape(innerQuery(parsed));
        return this.outcome(() => view.qEdn(queryText, ...args), expect, (e, a) => cmp.query(shape, e, a));
      }
      case 'pull':
        return this.outcome(() => view.pullEdn(this.subst(read.pattern), this.subst(read.eid)), expect, (e, a) => cmp.pull(e, a));
      case 'pull_many':
        return this.outcome(() => view.pullManyEdn(this.subst(read.pattern), this.subst(read.eids)), expect, (e, a) => cmp.pull(e, a));
      default:
        return this.outcome(() => view.entityEdn(this.subst(read.eid)), expect, (e, a) => cmp.pull(e, a));
    }
  }

  subscribe({ query, name, args, expect }) {
    const text = this.subst(query);
    const argTexts = args.map((a) => this.subst(a));
    const pending = [];
    let unsubscribe;
    try {
      unsubscribe = this.db.subscribeEdn(
        text,
        (d) => {
          if (d.error) pending.push({ additions: [['str', `live query failed: ${d.error.message}`]], retractions: [] });
          else pending.push({ additions: rowsOf(this.tagged(d.additions)), retractions: rowsOf(this.tagged(d.retractions)) });
        },
        ...argTexts,
      );
    } catch (e) {
      throw new Error(`subscribing failed: ${showErr(e)}`);
    }
    let initial;
    try {
      initial = this.tagged(this.db.qEdn(text, ...argTexts));
    } catch (e) {
      throw new Error(`running the subscription's query: ${showErr(e)}`);
    }
    if (expect !== undefined) {
      const expected = this.expected(expect);
      const shape = findShape(this.tagged(text));
      if (!this.comparer().query(shape, expected, initial)) {
        throw new Error(`initial result: expected ${cut(show(expected))}, got ${cut(show(initial))}`);
      }
    }
    this.subscriptions.set(name, { text, args: argTexts, unsubscribe, pending, state: [...rowsOf(initial)], delivered: [] });
  }

  checkSubscriptions() {
    const cmp = this.comparer();
    for (const [name, sub] of this.subscriptions) {
      const diffs = sub.pending.splice(0);
      for (const d of diffs) {
        for (const r of d.retractions) {
          const at = sub.state.findIndex((s) => cmp.plain(r, s));
          if (at < 0) throw new Error(`subscription ${JSON.stringify(name)} retracted ${show(r)}, which its result did not hold`);
          sub.state.splice(at, 1);
        }
        sub.state.push(...d.additions);
      }
      sub.delivered.push(...diffs);
      let fresh;
      try {
        fresh = this.tagged(this.db.qEdn(sub.text, ...sub.args));
      } catch (e) {
        throw new Error(`re-running subscription ${JSON.stringify(name)}: ${showErr(e)}`);
      }
      const state = ['vec', sub.state];
      if (!cmp.rows(['vec', rowsOf(fresh)], state)) {
        throw new Error(`subscription ${JSON.stringify(name)}: its diffs add up to ${cut(show(state))}, but the query now gives ${cut(show(fresh))}`);
      }
    }
  }

  diffs({ name, expect }) {
    this.checkSubscriptions();
    if (!this.subscriptions.has(name) && this.unsubscribed.has(name)) {
      if (expect.length === 0) return;
      throw new Error(`expected ${expect.length} diff(s) from ${JSON.stringify(name)}, which was unsubscribed`);
    }
    const expected = expect.map((d) => [this.expected(d.additions), this.expected(d.retractions)]);
    const sub = this.subscriptions.get(name);
    if (!sub) throw new Error(`no live subscription named ${JSON.stringify(name)}`);
    const cmp = this.comparer();
    const got = sub.delivered.splice(0);
    const ok =
      got.length === expected.length &&
      got.every((g, i) => cmp.rows(expected[i][0], ['vec', g.additions]) && cmp.rows(expected[i][1], ['vec', g.retractions]));
    if (ok) return;
    const shown = got.map((d) => `{+ ${show(['vec', d.additions])} - ${show(['vec', d.retractions])}}`).join(' ');
    const wanted = expected.map(([a, r]) => `{+ ${show(a)} - ${show(r)}}`).join(' ');
    throw new Error(`expected diffs [${wanted}], got [${shown}]`);
  }

  async reopen() {
    this.subscriptions.clear();
    if (!this.path) throw new Error('reopen needs a persistent database');
    await this.db.close();
    this.db.free();
    try {
      this.db = await this.api.Database.open(this.path, { clock: null });
    } catch (e) {
      throw new Error(`opening again: ${showErr(e)}`);
    }
  }
}

/** Runs one case; returns {outcome: 'passed'|'failed'|'skipped', why}. */
export async function runCase(api, kase, target = 'wasm-node') {
  const missing = kase.features.filter((f) => !FEATURES.includes(f));
  if (missing.length) return { outcome: 'skipped', why: `needs ${missing.join(', ')}, not supported by target ${target}` };
  const steps = [];
  for (let i = 0; i < kase.steps.length; i++) {
    try {
      steps.push(parseStep(kase.steps[i]));
    } catch (e) {
      return { outcome: 'failed', why: `step ${i + 1}/${kase.steps.length}: malformed step: ${e.message}` };
    }
  }
  const persistent = kase.features.includes('persistence');
  let dir;
  let state;
  try {
    let db;
    let path;
    try {
      const options = { schema: kase.schema, clock: null };
      if (persistent) {
        dir = mkdtempSync(join(tmpdir(), 'dfdb-vectors-'));
        path = join(dir, 'db.log');
        db = await api.Database.open(path, options);
      } else {
        db = new api.Database(options);
      }
    } catch (e) {
      return { outcome: 'failed', why: `opening the database: ${showErr(e)}` };
    }
    state = new CaseState(api, db, path);
    for (let i = 0; i < steps.length; i++) {
      try {
        await state.step(steps[i]);
      } catch (e) {
        return { outcome: 'failed', why: `step ${i + 1}/${steps.length} (${steps[i].verb}): ${e.message}` };
      }
    }
    return { outcome: 'passed' };
  } finally {
    if (state) {
      try {
        await state.db.close();
      } catch {
        // closed already
      }
      try {
        state.db.free();
      } catch {
        // freed already
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every suite; prints the report lines through `print`; returns the totals. */
export async function runAll(api, suites, print = console.log, target = 'wasm-node') {
  const total = { passed: 0, failed: 0, skipped: 0 };
  print(`target: ${target}`);
  for (const suite of suites) {
    const t = { passed: 0, failed: 0, skipped: 0 };
    const lines = [];
    if (suite.loadError) {
      t.failed += 1;
      lines.push(`  FAILED  (suite file): ${suite.loadError}`);
    }
    for (const kase of suite.cases) {
      let r;
      try {
        r = await runCase(api, kase, target);
      } catch (e) {
        r = { outcome: 'failed', why: `threw: ${e && e.stack ? e.stack : e}` };
      }
      t[r.outcome] += 1;
      if (r.outcome === 'failed') lines.push(`  FAILED  ${kase.name}: ${r.why}`);
      if (r.outcome === 'skipped') lines.push(`  skipped ${kase.name}: ${r.why}`);
    }
    print(`${suite.name}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    lines.forEach((l) => print(l));
    for (const k of Object.keys(total)) total[k] += t[k];
  }
  print(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total;
}

export { clause };
