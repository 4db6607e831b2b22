// The README's JavaScript examples run: every ```js block of the "JavaScript / npm" section is
// written next to this file (so `import 'dfdb'` resolves to this package) and imported.
import { test } from 'node:test';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', '..', 'README.md'), 'utf8');
const start = readme.indexOf('## JavaScript / npm');
const end = readme.indexOf('\n## ', start + 1);
const section = readme.slice(start, end < 0 ? undefined : end);
const blocks = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has JavaScript examples', () => {
  if (start < 0 || blocks.length === 0) throw new Error('no ```js blocks in the "JavaScript / npm" section');
});

blocks.forEach((code, i) => {
  test(`README example ${i + 1}`, async () => {
    const file = join(here, `.readme-example-${i + 1}-${process.pid}.mjs`);
    writeFileSync(file, code);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
