/**
 * Import operations make no SOAP call of their own, yet act only for a
 * password Upsales accepted: a right username with a wrong password, or a
 * made-up username, can neither list, read, start, pause, resume nor cancel
 * jobs, nor download results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, DEMO_USERS, startImportStack, type ImportStack } from './import-stack.js';

let stack: ImportStack;
let jobId: string;
const RIGHT = basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password);
const WRONG = basic(DEMO_USERS.admin.username, 'WRONG');
const NOBODY = basic('nobody@demo.test', 'whatever');

type Answer = { data?: Record<string, { id: string; state: string } | { id: string }[] | null> | null; errors?: { message: string; extensions?: { code?: string } }[] };
async function gql(authorization: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await stack.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  return response.json() as Promise<Answer>;
}
const codes = (answer: Answer) => answer.errors?.map((e) => e.extensions?.code);
const state = async () => (await stack.imports.store.job(jobId))!.state;

beforeAll(async () => {
  stack = await startImportStack({ config: { batchSize: 10 } });
  const rows = Array.from({ length: 200 }, (_, i) => ({ name: `AUTH ${i + 1}` }));
  const started = await gql(RIGHT, `mutation($rows: [JSON!]) { startImport(kind: CLIENT, rows: $rows) { id } }`, { rows });
  expect(started.errors).toBeUndefined();
  jobId = (started.data!.startImport as { id: string }).id;
  const paused = await gql(RIGHT, `mutation($id: ID!) { pauseImport(id: $id) { state } }`, { id: jobId });
  expect(paused.data!.pauseImport).toEqual({ state: 'PAUSED' });
});
afterAll(async () => {
  await stack.close();
});

const OPERATIONS: [string, string][] = [
  ['importJobs', `{ importJobs { id } }`],
  ['importJob', `query($id: ID!) { importJob(id: $id) { id failures { row } } }`],
  ['pauseImport', `mutation($id: ID!) { pauseImport(id: $id) { state } }`],
  ['resumeImport', `mutation($id: ID!) { resumeImport(id: $id) { state } }`],
  ['cancelImport', `mutation($id: ID!) { cancelImport(id: $id) { state } }`],
  ['startImport', `mutation { startImport(kind: CLIENT, rows: [{ name: "AUTH stranger" }]) { id } }`],
];

describe.each([['a wrong password', WRONG], ['a made-up username', NOBODY]])('with %s', (_what, authorization) => {
  it.each(OPERATIONS)('%s is UNAUTHENTICATED and changes nothing', async (field, query) => {
    const answer = await gql(authorization, query, query.includes('$id') ? { id: jobId } : {});
    expect(codes(answer)).toEqual(['UNAUTHENTICATED']);
    expect(answer.data?.[field] ?? null).toBeNull();
    expect(await state()).toBe('PAUSED');
    expect((await stack.imports.store.jobs(DEMO_USERS.admin.username)).map((j) => j.id)).toEqual([jobId]);
  });

  it('cannot download results (401)', async () => {
    for (const format of ['csv', 'jsonl']) {
      const response = await stack.fetch(`/imports/${jobId}/results.${format}`, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Upsales rejected the username or password' } });
    }
  });

  it('cannot start an import over HTTP (401)', async () => {
    const response = await stack.fetch('/imports?kind=client&format=csv', { method: 'POST', headers: { authorization, 'content-type': 'text/csv' }, body: 'name\nAUTH http\n' });
    expect(response.status).toBe(401);
    expect((await stack.imports.store.jobs()).map((j) => j.id)).toEqual([jobId]);
  });
});

describe('with the right password', () => {
  it('lists, reads and downloads the job, then resumes and cancels it', async () => {
    expect((await gql(RIGHT, `{ importJobs { id } }`)).data!.importJobs).toEqual([{ id: jobId }]);
    const results = await stack.fetch(`/imports/${jobId}/results.csv`, { headers: { authorization: RIGHT } });
    expect(results.status).toBe(200);
    expect((await results.text()).split('\n')[0]).toBe('row,outcome,upsalesId,reason');
    expect((await gql(RIGHT, `mutation($id: ID!) { resumeImport(id: $id) { state } }`, { id: jobId })).data!.resumeImport).toEqual({ state: 'RUNNING' });
    expect((await gql(RIGHT, `mutation($id: ID!) { cancelImport(id: $id) { state } }`, { id: jobId })).data!.cancelImport).toEqual({ state: 'CANCELLED' });
  });
});
