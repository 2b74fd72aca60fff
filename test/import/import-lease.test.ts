/**
 * A runner whose lease was taken by another process (it expired while this
 * one was stalled) stops before its next write call and leaves the job's
 * state to the new holder.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startImportStack, type ImportStack } from './import-stack.js';

let stack: ImportStack;
beforeAll(async () => {
  stack = await startImportStack({ config: { batchSize: 10 } });
});
afterAll(async () => {
  await stack.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('stops sending at once when another process holds the lease', async () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ name: `LEASE ${i + 1}` }));
  const started = await stack.query<{ startImport: { id: string } }>(
    `mutation($rows: [JSON!]) { startImport(kind: CLIENT, rows: $rows) { id } }`, { rows });
  expect(started.errors).toBeUndefined();
  const id = started.data!.startImport.id;
  const { store } = stack.imports;
  while (store.job(id)!.created < 20) await sleep(10);
  store.db.prepare('UPDATE jobs SET lease = ?, lease_until = ? WHERE id = ?').run('elsewhere:1', Date.now() + 60_000, id);
  expect(store.renewLease(id)).toBe(false);
  const end = await stack.imports.settled(id);
  expect(end.state).toBe('RUNNING');
  const written = (await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['LEASE '] }])).length;
  expect(written).toBe(end.created);
  expect(written).toBeLessThan(300);
  expect(store.countRows(id, 'inflight')).toBe(0);
  await sleep(300);
  expect((await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['LEASE '] }])).length).toBe(written);
  expect((store.db.prepare('SELECT lease FROM jobs WHERE id = ?').get(id) as { lease: string }).lease).toBe('elsewhere:1');
});
