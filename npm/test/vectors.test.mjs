// The shared test vectors through the npm package's JS API under Node.js (node --test).
// Prints the same per-suite and total lines as the native runner (cargo test -p dfdb-vectors);
// fails if any case failed. DFDB_VECTORS adds directories (`:`-separated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as dfdb from 'dfdb';
import { defaultDirs, loadSuites, runAll } from './vectors/runner.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('shared vectors through the JS API (wasm under Node.js)', async () => {
  const { dirs, notes } = defaultDirs(root);
  notes.forEach((n) => console.log(n));
  const suites = loadSuites(dirs);
  assert.ok(suites.length > 0, `no vector suites found in ${dirs.join(', ')}`);
  const totals = await runAll(dfdb, suites);
  assert.equal(totals.failed, 0, `${totals.failed} vector case(s) failed (listed above)`);
});
