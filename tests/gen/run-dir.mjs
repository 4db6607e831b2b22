// Runs only the vector suites under the given directories through the npm package's runner:
//   node tests/gen/run-dir.mjs DIR [DIR...] [--quiet]
// (same code path as `DFDB_VECTORS=DIR node --test npm/test/vectors.test.mjs`, minus the
// project's own and shared vectors). --quiet prints only suite and total lines plus failures.
import * as dfdb from 'dfdb';
import { loadSuites, runAll } from '../../npm/test/vectors/runner.mjs';

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const totals = await runAll(dfdb, loadSuites(dirs));
process.exit(totals.failed ? 1 : 0);
