/**
 * An owner is one Upsales username however it is spaced or cased, as an
 * account is for the call budget: "  Admin@Demo.test " owns the jobs of
 * admin@demo.test and the other way round, in the job store and through the
 * import service.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_USERS, startImportStack, type ImportStack } from './import-stack.js';

const SPACED = '  Admin@Demo.test ';
let stack: ImportStack;

beforeAll(async () => {
  stack = await startImportStack();
});
afterAll(async () => {
  await stack.close();
});

it('"  Admin@Demo.test " owns the jobs of admin@demo.test', async () => {
  const started = await stack.imports.start(DEMO_USERS.admin, { kind: 'client', format: 'JSONL', rows: [{ name: 'OWNER 1' }] });
  expect((await stack.imports.settled(started.id)).state).toBe('COMPLETED');
  expect((await stack.imports.list(SPACED)).map((job) => job.id)).toContain(started.id);
  expect((await stack.imports.get(SPACED, started.id)).id).toBe(started.id);
});

it('a job whose owner was given as "  Admin@Demo.test " is kept as admin@demo.test\'s', async () => {
  const { store } = stack.imports;
  const id = randomUUID();
  await store.createJob({ id, kind: 'client', owner: SPACED, upstream: stack.sim.url, format: 'CSV', options: {} });
  expect((await store.job(id))!.owner).toBe('admin@demo.test');
  expect((await store.jobs(DEMO_USERS.admin.username)).map((job) => job.id)).toContain(id);
  expect((await stack.imports.list(DEMO_USERS.admin.username)).map((job) => job.id)).toContain(id);
  expect((await stack.imports.get(SPACED, id)).id).toBe(id);
});
