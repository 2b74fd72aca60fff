/**
 * A runner whose lease was taken by another process (it expired while this
 * one was stalled) stops before its next write call and leaves the job's
 * state to the new holder. Fencing: the lease was taken under a new
 * generation, so nothing this runner still had in flight is recorded by it;
 * those rows stay in flight for the new holder to look up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { startImportStack, type ImportStack } from './import-stack.js';

let stack: ImportStack;
beforeAll(async () => {
  stack = await startImportStack({ config: { batchSize: 10 } });
});
afterAll(async () => {
  await stack.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('stops sending at once when another process holds the lease, and records nothing more', async () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ name: `LEASE ${i + 1}` }));
  const started = await stack.query<{ startImport: { id: string } }>(
    `mutation($rows: [JSON!]) { startImport(kind: CLIENT, rows: $rows) { id } }`, { rows });
  expect(started.errors).toBeUndefined();
  const id = started.data!.startImport.id;
  const store = stack.imports.store as SqliteJobStore;
  while ((await store.job(id))!.created < 20) await sleep(10);
  store.db.prepare('UPDATE jobs SET lease = ?, lease_until = ?, lease_gen = lease_gen + 1 WHERE id = ?').run('elsewhere:1', Date.now() + 60_000, id);
  const takenAt = (await store.job(id))!.created;
  expect(await store.renewLease(id)).toBe(false);
  const end = await stack.imports.settled(id);
  expect(end.state).toBe('RUNNING');
  // Not one outcome recorded under the old lease since it was taken.
  expect(end.created).toBe(takenAt);
  const written = (await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['LEASE '] }])).length;
  const inflight = await store.countRows(id, 'inflight');
  // What was in flight when the lease went is written upstream but left in flight: the new holder looks it up, never sends it again.
  expect(written).toBe(end.created + inflight);
  expect(inflight).toBeLessThanOrEqual(stack.config.concurrency * 10);
  expect(written).toBeLessThan(300);
  await sleep(300);
  expect((await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['LEASE '] }])).length).toBe(written);
  expect((store.db.prepare('SELECT lease FROM jobs WHERE id = ?').get(id) as { lease: string }).lease).toBe('elsewhere:1');
});
