// node bench/node/harness.test.mjs — the harness refuses ratios that did not come from interleaved runs.
import assert from 'node:assert/strict';
import { compare, ratio, stats } from './harness.mjs';

let seq = [];
const c = compare('t', [
  { name: 'a', run: () => seq.push('a') },
  { name: 'b', run: () => seq.push('b') },
], { rounds: 4, warmup: 1, gc: false });
// A,B then B,A, … — never the same variant twice in a row across a round boundary's pair.
assert.deepEqual(seq, ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a', 'a', 'b']);
assert.equal(ratio(c, 'a', 'b').rounds, 4);
assert.equal(stats(c, 'a').n, 4);
// A look-alike object (e.g. two separately timed series) is refused.
const forged = { ...c };
assert.throws(() => ratio(forged, 'a', 'b'), /not produced by compare/);
// Frozen: samples cannot be swapped in after the fact.
assert.throws(() => { 'use strict'; c.samples = [[1], [2]]; });
assert.throws(() => c.log.push([0, 0]));
// A run performing its operation several times itself is divided by that count.
const spin = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
const per = compare('ops', [
  { name: 'one', run: () => spin(2) },
  { name: 'ten', run: () => spin(2), opsPerRun: 10 },
], { rounds: 3, warmup: 0, gc: false });
assert.ok(stats(per, 'ten').median < stats(per, 'one').median / 5);
console.log('harness ok');
