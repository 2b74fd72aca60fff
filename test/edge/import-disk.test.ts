/**
 * Disk is bounded (issue 16, item 4), over HTTP on a served gateway:
 * staged rows per user (MAX_STAGED_ROWS_PER_USER) and in all
 * (MAX_STAGED_ROWS) refuse an upload past them, 429 STAGED_ROWS_LIMIT with
 * Retry-After, over POST /imports and a GraphQL upload alike, without a SOAP
 * write; finished jobs hold no staged rows, and go with their results after
 * JOB_RETENTION_MS; a full disk (SQLite answering SQLITE_FULL for real, by
 * `PRAGMA max_page_count`) fails the job that wrote, FAILED with a reason
 * naming it, answered 507 STORE_FULL, while the gateway goes on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv, type GatewayConfig } from '../../src/config/config.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { basic, DEMO_USERS, type DemoUser } from '../helpers/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const auth = (as: DemoUser = 'admin') => basic(DEMO_USERS[as].username, DEMO_USERS[as].password);
const csv = (prefix: string, rows: number) => `name\n${Array.from({ length: rows }, (_, i) => `${prefix} ${i + 1}`).join('\n')}\n`;
type Job = { id: string; state: string; reason: string | null; total: number; created: number };
const JOBS = `{ importJobs { id state reason total created } }`;

let served: ServedStack | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const jobs = (defaults: Partial<GatewayConfig['jobs']>): Partial<GatewayConfig> => ({ jobs: { ...configFromEnv({}).jobs, ...defaults } });

async function postImport(stack: ServedStack, text: string, as: DemoUser = 'admin'): Promise<Response> {
  return stack.fetch('/imports?kind=client&format=csv', { method: 'POST', headers: { 'content-type': 'text/csv', authorization: auth(as) }, body: text });
}

async function graphql<T>(stack: ServedStack, query: string, as: DemoUser = 'admin'): Promise<{ status: number; data?: T; errors?: { message: string; extensions: Record<string, unknown> }[] }> {
  const response = await stack.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth(as) }, body: JSON.stringify({ query }) });
  return { status: response.status, ...(await response.json()) };
}

async function uploadImport(stack: ServedStack, text: string, as: DemoUser = 'admin'): Promise<Response> {
  const body = new FormData();
  body.set('operations', JSON.stringify({ query: 'mutation($file: File!) { startImport(kind: CLIENT, file: $file) { id state } }', variables: { file: null } }));
  body.set('map', JSON.stringify({ 0: ['variables.file'] }));
  body.set('0', new File([text], 'clients.csv'));
  return stack.fetch('/graphql', { method: 'POST', headers: { authorization: auth(as), 'x-graphql-yoga-csrf': '1' }, body });
}

const creates = async (stack: ServedStack) => Object.entries((await stack.stats()).calls.byOperation).filter(([op]) => /create/i.test(op));

describe('staged rows', () => {
  it('past MAX_STAGED_ROWS_PER_USER: 429 STAGED_ROWS_LIMIT with Retry-After, over POST /imports and a GraphQL upload; nothing written', async () => {
    served = await startServedStack({ imports: true, config: jobs({ stagedRowsPerUser: 1500, stagedRows: 1_000_000 }) });
    const before = await creates(served);
    const posted = await postImport(served, csv('BOUNDP', 2500));
    expect(posted.status).toBe(429);
    expect(posted.headers.get('retry-after')).toBe('60');
    const body = await posted.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STAGED_ROWS_LIMIT');
    expect(body.error.message).toMatch(/MAX_STAGED_ROWS_PER_USER/);

    const uploaded = await uploadImport(served, csv('BOUNDG', 2500));
    expect(uploaded.status).toBe(429);
    const answer = await uploaded.json() as { errors: { message: string; extensions: { code: string; retryAfterMs: number } }[] };
    expect(answer.errors[0].extensions).toMatchObject({ code: 'STAGED_ROWS_LIMIT', retryAfterMs: 60_000 });
    expect(answer.errors[0].message).toMatch(/MAX_STAGED_ROWS_PER_USER/);

    // Both jobs failed with the reason, and hold no staged rows: an import within the bound runs.
    const listed = await graphql<{ importJobs: Job[] }>(served, JOBS);
    expect(listed.data!.importJobs.map((j) => j.state)).toEqual(['FAILED', 'FAILED']);
    expect(listed.data!.importJobs[0].reason).toMatch(/MAX_STAGED_ROWS_PER_USER/);
    expect(await creates(served)).toEqual(before);
    const within = await postImport(served, csv('BOUNDOK', 1400));
    expect(within.status).toBe(201);
    const { id } = await within.json() as { id: string };
    while ((await graphql<{ importJob: Job }>(served, `{ importJob(id: "${id}") { id state reason total created } }`)).data!.importJob.state !== 'COMPLETED') await sleep(50);
    // Finished, it holds none: the same again is within the bound.
    expect((await postImport(served, csv('BOUNDOK2', 1400))).status).toBe(201);
  });

  it('past MAX_STAGED_ROWS in all: another user\'s upload is refused while a job holds rows, and taken once it is cancelled', async () => {
    // A slow import (2 calls a second, 5 rows a call) holds its 100 rows while it runs.
    served = await startServedStack({
      imports: true,
      config: { ...jobs({ stagedRowsPerUser: 1000, stagedRows: 150 }), budgetCalls: 2, budgetWindowMs: 1000, batchSize: 5, interactiveReserve: 0 },
    });
    const held = await postImport(served, csv('HELD', 100));
    expect(held.status).toBe(201);
    const { id } = await held.json() as { id: string };
    const refused = await postImport(served, csv('OTHER', 60), 'sales');
    expect(refused.status).toBe(429);
    expect((await refused.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'STAGED_ROWS_LIMIT', message: expect.stringMatching(/MAX_STAGED_ROWS\)/) });
    const cancelled = await graphql<{ cancelImport: Job }>(served, `mutation { cancelImport(id: "${id}") { id state } }`);
    expect(cancelled.data!.cancelImport.state).toBe('CANCELLED');
    expect((await postImport(served, csv('OTHER', 60), 'sales')).status).toBe(201);
  });

  it('a finished job and its results go after JOB_RETENTION_MS', async () => {
    served = await startServedStack({ imports: true, config: jobs({ retentionMs: 1500 }) });
    const started = await postImport(served, csv('KEPT', 20));
    const { id } = await started.json() as { id: string };
    while ((await graphql<{ importJob: Job }>(served, `{ importJob(id: "${id}") { id state reason total created } }`)).data!.importJob.state !== 'COMPLETED') await sleep(50);
    const results = await served.fetch(`/imports/${id}/results.csv`, { headers: { authorization: auth() } });
    expect(results.status).toBe(200);
    expect((await results.text()).trim().split('\n')).toHaveLength(21);
    // Gone within the retention plus one sweep (the sweep runs every JOB_RETENTION_MS when that is under an hour).
    const deadline = Date.now() + 10_000;
    let gone;
    do {
      await sleep(200);
      gone = await graphql<{ importJob: Job | null }>(served, `{ importJob(id: "${id}") { id state } }`);
    } while (!gone.errors && Date.now() < deadline);
    expect(gone.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await served.fetch(`/imports/${id}/results.csv`, { headers: { authorization: auth() } })).status).toBe(404);
  });
});

describe('a full disk', () => {
  it('fails the job that wrote (FAILED, with a reason naming it), answered 507 STORE_FULL; the gateway goes on', async () => {
    // A few pages over the empty store's: SQLite answers SQLITE_FULL once the file would grow past them.
    served = await startServedStack({ imports: true, maxPageCount: 40 });
    const answer = await postImport(served, csv('FULL', 40_000));
    expect(answer.status).toBe(507);
    const body = await answer.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STORE_FULL');
    expect(body.error.message).toMatch(/full/);
    const listed = await graphql<{ importJobs: Job[] }>(served, JOBS);
    expect(listed.data!.importJobs).toHaveLength(1);
    expect(listed.data!.importJobs[0]).toMatchObject({ state: 'FAILED', reason: expect.stringMatching(/job store is full/) });
    expect((await creates(served))).toEqual([]);
    // The gateway goes on: health and a query.
    expect((await served.fetch('/healthz')).status).toBe(200);
    const query = await graphql<{ client: { upsalesId: number } }>(served, '{ client(upsalesId: 1) { upsalesId } }');
    expect(query.errors).toBeUndefined();
    expect(query.data!.client.upsalesId).toBe(1);
  });
});
