/**
 * Closing the import service (the gateway stops): from then on nothing
 * starts or resumes, and close() resolves only once nothing writes to the
 * job store any more. A file still being read when it is called is read to
 * the end and its job waits, QUEUED, for the next start, which runs it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_USERS, slowCsv, startImportStack, type ImportStack } from './import-stack.js';

let stack: ImportStack;
beforeAll(async () => {
  stack = await startImportStack({ config: { batchSize: 50 } });
});
afterAll(async () => {
  await stack.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = Array.from({ length: 1500 }, (_, i) => `CLOSE ${i + 1}`);

it('a start still reading its file when close() is called runs nothing; close() waits for it; the next start runs the job once', async () => {
  const file = slowCsv(lines, 1200);
  const { imports } = stack;
  const order: string[] = [];
  const starting = imports.start(DEMO_USERS.admin, { kind: 'client', format: 'CSV', source: file.source }).finally(() => order.push('start'));
  while (!(await imports.store.openJobs())[0] || await imports.store.countRows((await imports.store.openJobs())[0].id, 'pending') === 0) await sleep(10);
  const closed = imports.close().then(() => order.push('close'));
  await sleep(100);
  file.more();
  const [job] = await Promise.all([starting, closed]);
  expect(order).toEqual(['start', 'close']);
  expect(job).toMatchObject({ state: 'QUEUED', total: 1500 });
  await sleep(300);
  expect(await imports.store.job(job.id)).toMatchObject({ state: 'QUEUED', staged: true, created: 0 });
  expect(await imports.store.countRows(job.id, 'pending')).toBe(1500);
  expect(await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['CLOSE '] }])).toEqual([]);

  const next = await stack.restart(DEMO_USERS.admin);
  expect(await next.settled(job.id)).toMatchObject({ state: 'COMPLETED', created: 1500 });
  const names = (await stack.items('client', [{ field: 'name', operator: 'startsWith', values: ['CLOSE '] }])).map((c) => c.name);
  expect(new Set(names).size).toBe(1500);
  expect(names).toHaveLength(1500);
});

it('once closing, start and resume are refused, saying the gateway is stopping', async () => {
  const { imports } = stack;
  const rows = Array.from({ length: 500 }, (_, i) => ({ name: `CLOSED ${i + 1}` }));
  const paused = await imports.start(DEMO_USERS.admin, { kind: 'client', format: 'JSONL', rows });
  await imports.pause(DEMO_USERS.admin.username, paused.id);
  await imports.close();
  await expect(imports.start(DEMO_USERS.admin, { kind: 'client', format: 'JSONL', rows: [{ name: 'CLOSED 0' }] })).rejects.toThrow(/gateway is stopping/);
  await expect(imports.resume(DEMO_USERS.admin, paused.id)).rejects.toThrow(/gateway is stopping/);
  expect((await imports.store.jobs()).filter((job) => job.state === 'RUNNING')).toEqual([]);
});
