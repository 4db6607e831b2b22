#!/usr/bin/env node
// `npm run build`: the WebAssembly build of the npm package.
//
//   1. cargo build -p dfdb-web --target wasm32-unknown-unknown --profile release-wasm
//      (with scripts/env.sh's shared target dir and compiler cache)
//   2. wasm-bindgen --target web into pkg/web/ (one glue module for browsers and Node.js: the browser
//      entry fetches the .wasm, the Node entry reads it from disk)
//   3. wasm-opt -Oz from the npm package `binaryen`, when installed
//   4. prints raw and gzip sizes of the .wasm and the JS glue
//
// Options: --profile NAME (default release-wasm; `dev` for a quick debug build), --no-opt,
// --out DIR (default pkg/web; another directory keeps a second build beside the package's, for A/B
// timing).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const profile = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : 'release-wasm';
const optimise = !args.includes('--no-opt');
const outArg = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;

const sh = (script) =>
  execFileSync('bash', ['-c', `set -euo pipefail; cd "${root}"; source scripts/env.sh; ${script}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });

function lockVersion(name) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(new RegExp(`\\[\\[package\\]\\]\\nname = "${name}"\\nversion = "([^"]+)"`));
  return m && m[1];
}

const t0 = Date.now();
console.log(`[build] cargo build -p dfdb-web --target wasm32-unknown-unknown --profile ${profile}`);
const targetDir = sh(
  `cargo build -p dfdb-web --target wasm32-unknown-unknown --profile ${profile} --locked 1>&2; ` +
    'echo "$CARGO_TARGET_DIR"',
).trim();
const dirName = profile === 'dev' ? 'debug' : profile;
const wasm = join(targetDir, 'wasm32-unknown-unknown', dirName, 'dfdb_web.wasm');

const want = lockVersion('wasm-bindgen');
const have = sh('wasm-bindgen --version').trim().split(' ')[1];
if (want && have !== want) {
  throw new Error(`wasm-bindgen CLI ${have} does not match Cargo.lock's ${want}: run scripts/setup.sh`);
}
const out = outArg ? resolve(outArg) : join(root, 'pkg', 'web');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
console.log(`[build] wasm-bindgen ${have} --target web --out-dir ${out}`);
sh(`wasm-bindgen --target web --out-dir "${out}" "${wasm}"`);
writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
for (const f of ['.gitignore']) rmSync(join(out, f), { force: true });

const bgWasm = join(out, 'dfdb_web_bg.wasm');
const before = statSync(bgWasm).size;
const wasmOpt = join(root, 'node_modules', '.bin', 'wasm-opt');
if (optimise && existsSync(wasmOpt)) {
  console.log('[build] wasm-opt -Oz (npm binaryen)');
  execFileSync(wasmOpt, ['-Oz', '--enable-bulk-memory', '--enable-reference-types', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-multivalue', '--enable-mutable-globals', '--strip-debug', '--strip-producers', bgWasm, '-o', bgWasm], {
    stdio: 'inherit',
  });
} else if (optimise) {
  console.log('[build] wasm-opt not installed (npm i binaryen): skipping size optimisation');
}

const size = (file) => {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const w = size(bgWasm);
const glue = size(join(out, 'dfdb_web.js'));
console.log(`[build] wasm-bindgen output: ${kb(before)}`);
console.log(`[build] dfdb_web_bg.wasm: ${kb(w.raw)} raw, ${kb(w.gzip)} gzip`);
console.log(`[build] dfdb_web.js (glue): ${kb(glue.raw)} raw, ${kb(glue.gzip)} gzip`);
console.log(`[build] total: ${kb(w.raw + glue.raw)} raw, ${kb(w.gzip + glue.gzip)} gzip`);
console.log(`[build] done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
