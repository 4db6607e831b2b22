// The Node.js entry of the npm package `dfdb`: loads the WebAssembly module from disk,
// synchronously, and offers file-backed persistent databases (`Database.open(path)`).
import { readFileSync } from 'node:fs';
import { initSync } from '../pkg/web/dfdb_web.js';
import { setDefaultBackend } from './database.js';
import { fileBackend } from './persist-file.js';

initSync({ module: readFileSync(new URL('../pkg/web/dfdb_web_bg.wasm', import.meta.url)) });
setDefaultBackend(fileBackend);

export { Database, DatabaseView } from './database.js';
export { readEdn, toEdn, canonicalEdn } from '../pkg/web/dfdb_web.js';
