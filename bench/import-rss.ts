/**
 * Child of bench/import.ts: peak RSS while a 1,000,000-row CSV is streamed
 * into the job store (SQLite, or PostgreSQL with DATABASE_URL) and the first
 * batches are sent, then paused (the full upstream import need not finish).
 * Prints one JSON line.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportService } from '../src/import/jobs/import-service.js';
import { configFromEnv } from '../src/config/config.js';
import { openJobStore } from '../src/import/store/engine/open-job-store.js';
import { readFile } from '../src/import/readers/file-source.js';
import { startSimulator } from '../src/simulator/index.js';
import { createUpstream } from '../src/upstream/index.js';

const ROWS = Number(process.env.BENCH_RSS_ROWS ?? 1_000_000);
const BATCHES = 20;
const dir = mkdtempSync(join(tmpdir(), 'import-rss-'));
const file = join(dir, 'big.csv');
const out = createWriteStream(file);
out.write('name,orgNo,phone,notes\n');
for (let i = 1; i <= ROWS; i++) {
  if (!out.write(`RSS client ${i},RSS-${i},+46 8 ${i},"a note, with a comma"\n`)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');

const sim = await startSimulator({ port: 0, scale: 0.1, throttleCalls: 50, throttleWindowMs: 1000 });
const upstream = createUpstream({ baseUrl: sim.url, timeoutMs: 30_000, budget: { calls: 45, windowMs: 1000 } });
const store = await openJobStore(configFromEnv().jobs, join(dir, 'data'));
const service = new ImportService({ store, upstream, batchSize: 100 });
global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
const started = performance.now();
const job = await service.start({ username: 'admin@demo.test', password: 'demo-admin' }, { kind: 'client', format: 'CSV', source: readFile(file) });
const staged = performance.now() - started;
for (;;) {
  const view = await service.get('admin@demo.test', job.id);
  if (view.done >= BATCHES * 100) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await service.pause('admin@demo.test', job.id);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const result = {
  rows: job.total, fileMB: statSync(file).size / 2 ** 20, stagedSeconds: staged / 1000, written: (await service.get('admin@demo.test', job.id)).done,
  baselineMB: baseline / 2 ** 20, peakMB: peak / 2 ** 20,
};
await store.close();
await sim.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
process.exit(0);
