// DataScript's people20k data set, generated exactly as core/benches/common/mod.rs does natively
// (same seeded xorshift64, same draw order), so the native, dfdb-in-Node and DataScript figures all
// run on the same 20,000 people.

export const PEOPLE = 20_000;
export const FIRST = ['Ivan', 'Petr', 'Sergei', 'Oleg', 'Yuri', 'Dmitry', 'Fedor', 'Denis'];
export const LAST = ['Ivanov', 'Petrov', 'Sidorov', 'Kovalev', 'Kuznetsov', 'Voronoi'];
export const SEED = 0x9e3779b97f4a7c15n;

const MASK = (1n << 64n) - 1n;

/** A seeded xorshift64 generator (u64 arithmetic through BigInt), as `XorShift` in mod.rs. */
export class XorShift {
  constructor(seed = SEED) {
    this.x = seed & MASK;
  }
  next() {
    let x = this.x;
    x ^= (x << 13n) & MASK;
    x ^= x >> 7n;
    x ^= (x << 17n) & MASK;
    this.x = x;
    return x;
  }
  /** A number in `0..n`. */
  below(n) {
    return Number(this.next() % BigInt(n));
  }
}

/**
 * `n` people: `{name, lastName, sex: 'male'|'female', age, salary}` (the first 20,000 are
 * people20k's). Entity ids are assigned 1..n in this order by both systems.
 */
export function people(n = PEOPLE) {
  const rng = new XorShift();
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = FIRST[rng.below(FIRST.length)];
    const lastName = LAST[rng.below(LAST.length)];
    const sex = rng.below(2) === 0 ? 'male' : 'female';
    const age = rng.below(100);
    const salary = rng.below(100_000);
    out[i] = { name, lastName, sex, age, salary };
  }
  return out;
}
