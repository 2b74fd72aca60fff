/**
 * A process for shared-DATA_DIR tests: a second gateway starting on the
 * DATA_DIR of a running one. It loads, prints `ready`, waits for a line on
 * stdin, then resumes the open jobs with `<username>`'s account and their
 * files, as run-gateway.ts does; prints `resumed` and stops.
 */
import { once } from 'node:events';
import { restageFromFile } from '../../src/import/readers/file-source.js';
import { ImportService } from '../../src/import/jobs/import-service.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { createUpstream } from '../../src/upstream/index.js';

const [dataDir, upstreamUrl, username, password] = process.argv.slice(2);
const store = new SqliteJobStore(dataDir);
const upstream = createUpstream({ baseUrl: upstreamUrl, timeoutMs: 10_000, budget: { calls: 18, windowMs: 1000 } });
const imports = new ImportService({ store, upstream, batchSize: 50, account: { username, password }, settleMs: 10_000 });
console.log('ready');
await once(process.stdin, 'data');
await imports.resumeOpenJobs(restageFromFile);
console.log('resumed');
await imports.close();
await store.close();
process.exit(0);
