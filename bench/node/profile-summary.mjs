// Self and inclusive time by function of a .cpuprofile (from bench/node/profile.mjs or node --cpu-prof):
//   node bench/node/profile-summary.mjs FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
const [file, top = 20] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => {
  const cf = n.callFrame;
  const f = (cf.functionName || '(anon)').replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, '');
  return cf.url.endsWith('.js') ? `${f} (${cf.url.split('/').pop()}:${cf.lineNumber + 1})` : f;
};
const self = new Map();
const incl = new Map();
let total = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  total += dt;
  let n = byId.get(id);
  self.set(name(n), (self.get(name(n)) ?? 0) + dt);
  const seen = new Set();
  for (let k = id; k !== undefined; k = parent.get(k)) {
    const nm = name(byId.get(k));
    if (!seen.has(nm)) incl.set(nm, (incl.get(nm) ?? 0) + dt), seen.add(nm);
  }
});
const show = (title, m) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k.slice(0, 150)}`);
  }
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show('self', self);
show('inclusive', incl);
