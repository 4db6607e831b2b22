#!/usr/bin/env node
// `npm test` (after `pretest` = `npm run build`): every test of the npm package, in order, stopping
// at the first failure.
//   1 node     node --test: the shared vectors through the JS API, and the API tests (Node.js)
//   2 types    tsc --noEmit: a usage example against js/index.d.ts
//   3 wasm     wasm-bindgen-test of web/ under Node.js, then in headless Chromium
//   4 e2e      Playwright (playwright-core + /usr/bin/chromium): the demo page, reload persistence
// Select steps with arguments (`npm run test:only -- node types`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chosen = process.argv.slice(2);
const wanted = (name) => chosen.length === 0 || chosen.includes(name);

function run(name, cmd, args, env = {}) {
  if (!wanted(name)) return;
  console.log(`\n[npm test] ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`[npm test] ${name} FAILED (exit ${r.status ?? r.signal}) after ${secs}s`);
    process.exit(r.status || 1);
  }
  console.log(`[npm test] ${name} ok (${secs}s)`);
}

const cargo = (args) => `source scripts/env.sh && cargo ${args}`;
const wasmEnv = { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner' };

run('node', process.execPath, ['--test', 'npm/test/vectors.test.mjs', 'npm/test/api.test.mjs', 'npm/test/readme.test.mjs', 'bench/node/harness.test.mjs']);
run('types', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
run('wasm', 'bash', ['-c', cargo('test -p dfdb-web --target wasm32-unknown-unknown --locked')], wasmEnv);
if (wanted('wasm') && !existsSync('/usr/bin/chromedriver')) {
  console.error('[npm test] wasm (Chromium) needs chromium-driver: run scripts/setup.sh');
  process.exit(1);
}
run('wasm', 'bash', ['-c', cargo('test -p dfdb-web --target wasm32-unknown-unknown --locked')], {
  ...wasmEnv,
  CHROMEDRIVER: '/usr/bin/chromedriver',
  WASM_BINDGEN_USE_BROWSER: '1',
});
run('e2e', process.execPath, ['--test', 'npm/test/e2e/browser.e2e.mjs']);
console.log('\n[npm test] all steps passed');
