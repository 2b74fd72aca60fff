/**
 * A process for lease tests: takes the lease of job `<id>` in `<dataDir>`,
 * prints `leased <pid>`, and waits to be killed.
 */
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';

const [dataDir, id] = process.argv.slice(2);
const store = new SqliteJobStore(dataDir);
if (!await store.acquireLease(id)) throw new Error(`job ${id} is leased by a live process`);
console.log(`leased ${process.pid}`);
setInterval(() => undefined, 60_000);
