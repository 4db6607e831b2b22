// The benchmark harness: interleaved runs, medians, spreads and the only way to get a ratio.
//
// `compare(title, variants, options)` runs every variant once per round, in one Node process,
// alternating them (round r runs A,B,… and the next B,A,… so neither always goes first), after
// warm-up rounds that are discarded. It returns a `Comparison`, and ratios exist only as
// `ratio(comparison, nameA, nameB)`, which recomputes them from each round's pair of samples after
// checking, from the recorded execution log, that the two variants really were interleaved (every
// round holds exactly one sample of each, rounds never overlap). A hand-made object is refused: the
// table writer only accepts comparisons this module produced.

const produced = new WeakSet();

const now = () => process.hrtime.bigint();

/**
 * A variant: `{ name, setup?(): state, run(state, i): any, teardown?(state), iters = 1, opsPerRun = 1 }`.
 * `setup` and `teardown` run outside the timed region (once per sample); `run` is called `iters`
 * times per sample (`i` = 0..iters-1) and the sample is the mean time per operation, in ms: the
 * sample's wall time over `iters × opsPerRun` (`opsPerRun` > 1 for a `run` that performs the
 * operation several times itself, e.g. one request to another process for K runs).
 */
export function compare(title, variants, { rounds, warmup = 1, gc = true } = {}) {
  if (!Number.isInteger(rounds) || rounds < 3) throw new Error(`${title}: at least 3 rounds`);
  if (variants.length < 2) throw new Error(`${title}: a comparison needs two variants or more`);
  const names = variants.map((v) => v.name);
  if (new Set(names).size !== names.length) throw new Error(`${title}: variant names must differ`);
  const samples = variants.map(() => []);
  const log = []; // [round, variant index] in execution order, warm-up rounds included (round < 0)
  const sink = [];
  for (let r = -warmup; r < rounds; r++) {
    const order = variants.map((_, k) => k);
    if ((r + warmup) % 2 === 1) order.reverse();
    for (const k of order) {
      const v = variants[k];
      const iters = v.iters ?? 1;
      const state = v.setup ? v.setup() : undefined;
      if (gc && globalThis.gc) globalThis.gc();
      const t0 = now();
      let out;
      for (let i = 0; i < iters; i++) out = v.run(state, i);
      const t1 = now();
      sink.push(out);
      if (sink.length > 8) sink.shift();
      if (v.teardown) v.teardown(state);
      log.push([r, k]);
      if (r >= 0) samples[k].push(Number(t1 - t0) / 1e6 / (iters * (v.opsPerRun ?? 1)));
    }
  }
  const c = Object.freeze({ title, names, rounds, warmup, samples, log: Object.freeze(log) });
  produced.add(c);
  return c;
}

/** Throws unless `c` came from `compare` and variants `a` and `b` ran interleaved in it. */
function checkInterleaved(c, a, b) {
  if (!produced.has(c)) throw new Error('refusing a ratio not produced by compare()');
  const ia = c.names.indexOf(a);
  const ib = c.names.indexOf(b);
  if (ia < 0 || ib < 0) throw new Error(`${c.title}: no variant ${ia < 0 ? a : b}`);
  const n = c.names.length;
  const rounds = c.rounds + c.warmup;
  if (c.log.length !== rounds * n) throw new Error(`${c.title}: runs missing, not interleaved`);
  for (let r = 0; r < rounds; r++) {
    const window = c.log.slice(r * n, (r + 1) * n);
    const round = window[0][0];
    if (window.some(([rr]) => rr !== round)) throw new Error(`${c.title}: rounds overlap`);
    const seen = window.map(([, k]) => k);
    if (!seen.includes(ia) || !seen.includes(ib) || new Set(seen).size !== n) {
      throw new Error(`${c.title}: round ${round} did not run each variant exactly once`);
    }
  }
  if (c.samples[ia].length !== c.rounds || c.samples[ib].length !== c.rounds) {
    throw new Error(`${c.title}: sample counts differ`);
  }
}

function sorted(xs) {
  return [...xs].sort((x, y) => x - y);
}

function median(xs) {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, min and max of a variant's per-call times (ms). */
export function stats(c, name) {
  if (!produced.has(c)) throw new Error('not a comparison');
  const k = c.names.indexOf(name);
  if (k < 0) throw new Error(`${c.title}: no variant ${name}`);
  const s = sorted(c.samples[k]);
  return { median: median(s), min: s[0], max: s[s.length - 1], n: s.length };
}

/**
 * The per-round ratios time(b) / time(a), from interleaved rounds only: median, min, max.
 * > 1 means `a` is faster.
 */
export function ratio(c, a, b) {
  checkInterleaved(c, a, b);
  const ia = c.names.indexOf(a);
  const ib = c.names.indexOf(b);
  const rs = sorted(c.samples[ia].map((ta, r) => c.samples[ib][r] / ta));
  return { median: median(rs), min: rs[0], max: rs[rs.length - 1], rounds: rs.length };
}

export function fmtMs(ms) {
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtStats(s) {
  return `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)})`;
}

export function fmtRatio(x) {
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;
}
