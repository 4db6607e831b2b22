// dfdb natively (Rust, memory storage, no wasm) as a variant of this bench: builds and starts
// `core/examples/people20k_server.rs`, which loads the same people20k, and talks to it over two
// named pipes with blocking reads and writes, so a native sample is taken inside a harness round
// like any other (interleaved with DataScript's), timed by the harness's own clock.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds (cargo `bench` profile, scripts/env.sh's target directory) and starts the server
 * `example` (`people20k_server`, or `people20k_server_mimalloc`: the same with mimalloc).
 * Returns `{ query(q, inputsEdn, k) → size, close() }`, or `null` with the reason printed when
 * cargo or the build is not available.
 */
export function startNative(root, example = 'people20k_server') {
  let exe;
  try {
    exe = execFileSync('bash', ['-c',
      'set -euo pipefail; source scripts/env.sh; ' +
      `cargo build -q --profile bench -p dfdb-core --example ${example} --locked 1>&2; ` +
      `echo "$CARGO_TARGET_DIR/release/examples/${example}"`],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (e) {
    console.error(`note: no native rows (building core/examples/${example} failed: ${e.message})`);
    return null;
  }
  // Opening a pipe blocks until the server opens its end: make sure it can start at all first
  // (without arguments it prints its usage and exits with 2).
  const probe = spawnSync(exe, [], { encoding: 'utf8' });
  if (probe.status !== 2) {
    console.error(`note: no native rows (${exe} did not start: ${probe.error?.message ?? probe.stderr})`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dfdb-native-'));
  const reqPath = join(dir, 'req');
  const repPath = join(dir, 'rep');
  execFileSync('mkfifo', [reqPath, repPath]);
  const child = spawn(exe, [reqPath, repPath], { stdio: ['ignore', 'inherit', 'inherit'] });
  // Opening a pipe blocks until the other end opens it: the server opens `req` then `rep`.
  const req = openSync(reqPath, 'w');
  const rep = openSync(repPath, 'r');
  const buf = Buffer.alloc(4096);
  const line = () => {
    let text = '';
    while (!text.endsWith('\n')) {
      const n = readSync(rep, buf, 0, buf.length, null);
      if (n === 0) throw new Error('the native server closed its pipe');
      text += buf.toString('utf8', 0, n);
    }
    return text.slice(0, -1);
  };
  return {
    /** Runs `q` (EDN) with `inputs` (an EDN vector) `k` times natively; returns the result's size. */
    query(q, inputs, k) {
      writeSync(req, `${k}\t${q.replace(/\s+/g, ' ')}\t${inputs}\n`);
      const [size, rest] = line().split('\t');
      if (size === 'error') throw new Error(`native server: ${rest}`);
      return Number(size);
    },
    close() {
      closeSync(req);
      closeSync(rep);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
