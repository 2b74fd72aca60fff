/**
 * Import jobs under control: pause, resume and cancel (what is written stays
 * written, once); progress over SSE; interactive queries sent ahead of the
 * import's queued calls; after a restart, the configured account's jobs go
 * on and other users' wait for their owner. Never a THROTTLED fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallBudget } from '../../src/budget/index.js';
import { NEEDS_OWNER } from '../../src/import/jobs/import-service.js';
import { sseEvents } from '../helpers/sse.js';
import { ENGINES } from '../helpers/job-store-engines.js';
import { DEMO_USERS, JOB_FIELDS, startImportStack, type ImportStack } from './import-stack.js';

type Job = { id: string; state: string; reason: string | null; total: number; done: number; created: number; updated: number; failed: number; etaSeconds: number | null };
const START = `mutation($rows: [JSON!], $options: ImportOptions) { startImport(kind: CLIENT, rows: $rows, options: $options) { ${JOB_FIELDS} } }`;


let stack: ImportStack;

const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i + 1}`, orgNo: `${prefix}-${i + 1}` }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(prefix: string, n: number, as: 'admin' | 'sales' = 'admin', matchBy = true): Promise<Job> {
  const result = await stack.query<{ startImport: Job }>(START, { rows: rows(prefix, n), options: matchBy ? { matchBy: 'orgNo' } : {} }, as);
  expect(result.errors).toBeUndefined();
  return result.data!.startImport;
}
async function job(id: string, as: 'admin' | 'sales' = 'admin'): Promise<Job> {
  return (await stack.query<{ importJob: Job }>(`query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`, { id }, as)).data!.importJob;
}
async function until(id: string, test: (j: Job) => boolean, as: 'admin' | 'sales' = 'admin'): Promise<Job> {
  for (;;) {
    const j = await job(id, as);
    if (test(j)) return j;
    await sleep(20);
  }
}
const stored = async (prefix: string) => (await stack.items('client', [{ field: 'name', operator: 'startsWith', values: [`${prefix} `] }])).map((c) => c.name);
const unique = (names: unknown[]) => new Set(names).size;

// The same control on each engine of the job store.
describe.each(ENGINES)('%s job store', (engine) => {
  beforeAll(async () => {
    stack = await startImportStack({ config: { batchSize: 10 }, engine });
  });
  afterAll(async () => {
    const stats = await stack.stats();
    await stack.close();
    expect(stats.throttled).toEqual({ faults: 0, blocks: 0 });
  });

  describe('pause, resume, cancel', () => {
    it('pauses after the batches in flight, writes nothing while paused, resumes to the end', async () => {
      const started = await start('PAUSE', 200);
      expect(started.etaSeconds).toBeGreaterThan(0);
      await until(started.id, (j) => j.done >= 40);
      const paused = (await stack.query<{ pauseImport: Job }>(`mutation($id: ID!) { pauseImport(id: $id) { ${JOB_FIELDS} } }`, { id: started.id })).data!.pauseImport;
      expect(paused.state).toBe('PAUSED');
      expect(paused.done).toBeLessThan(200);
      await sleep(300);
      const names = await stored('PAUSE');
      expect(names).toHaveLength(paused.created);
      expect((await job(started.id)).done).toBe(paused.done);
      const resumed = await stack.query<{ resumeImport: Job }>(`mutation($id: ID!) { resumeImport(id: $id) { state } }`, { id: started.id });
      expect(resumed.data!.resumeImport.state).toBe('RUNNING');
      const done = await until(started.id, (j) => j.state === 'COMPLETED');
      expect(done).toMatchObject({ done: 200, created: 200, updated: 0, failed: 0 });
      const all = await stored('PAUSE');
      expect(all).toHaveLength(200);
      expect(unique(all)).toBe(200);
    });

    it('cancels: rows not sent are skipped, rows written stay written', async () => {
      const started = await start('CANCEL', 200);
      await until(started.id, (j) => j.done >= 30);
      const cancelled = (await stack.query<{ cancelImport: Job }>(`mutation($id: ID!) { cancelImport(id: $id) { ${JOB_FIELDS} } }`, { id: started.id })).data!.cancelImport;
      expect(cancelled.state).toBe('CANCELLED');
      expect(cancelled.done).toBe(cancelled.created);
      expect(cancelled.created).toBeLessThan(200);
      expect(await stored('CANCEL')).toHaveLength(cancelled.created);
      expect(await stack.imports.store.countRows(started.id, 'skipped')).toBe(200 - cancelled.created);
      const again = await stack.query(`mutation($id: ID!) { resumeImport(id: $id) { state } }`, { id: started.id });
      expect(again.errors?.[0]).toMatchObject({ message: `Import job ${started.id} is cancelled`, extensions: { code: 'BAD_USER_INPUT' } });
    });
  });

  describe('progress', () => {
    it('streams progress events over SSE until the job completes', async () => {
      const started = await start('SSE', 60);
      const response = await stack.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Basic ${Buffer.from('admin@demo.test:demo-admin').toString('base64')}` },
        body: JSON.stringify({ query: `subscription($id: ID!) { importProgress(id: $id) { state done total created } }`, variables: { id: started.id } }),
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = await sseEvents<{ state: string; done: number; total: number }>(response, 'importProgress');
      expect(events.length).toBeGreaterThanOrEqual(3);
      expect(events.at(-1)).toEqual({ state: 'COMPLETED', done: 60, total: 60, created: 60 });
      for (let i = 1; i < events.length; i++) expect(events[i].done).toBeGreaterThanOrEqual(events[i - 1].done);
    });
  });

  describe('priority', () => {
    it('sends interactive queries before the import\'s queued calls', async () => {
      const budget: CallBudget = stack.upstream.budgetForAccount(DEMO_USERS.admin.username);
      const log: { id: number; event: 'enqueue' | 'send'; priority: string; queuedMs?: number }[] = [];
      const run = budget.run.bind(budget);
      let next = 0;
      budget.run = (send, options = {}) => {
        const id = next++;
        const priority = options.priority ?? 'interactive';
        log.push({ id, event: 'enqueue', priority });
        return run(send, { ...options, onSend: (queuedMs) => { log.push({ id, event: 'send', priority, queuedMs }); options.onSend?.(queuedMs); } });
      };
      try {
        const started = await start('PRIO', 300);
        await until(started.id, (j) => j.done >= 40);
        for (let i = 0; i < 5; i++) {
          const result = await stack.query(`{ clients(first: 1) { nodes { name } } }`);
          expect(result.errors).toBeUndefined();
        }
        await until(started.id, (j) => j.state === 'COMPLETED');
      } finally {
        budget.run = run;
      }
      const interactive = log.filter((e) => e.event === 'enqueue' && e.priority === 'interactive');
      expect(interactive).toHaveLength(5);
      const background = log.filter((e) => e.event === 'send' && e.priority === 'background');
      for (const call of interactive) {
        const enqueued = log.indexOf(call);
        const sent = log.findIndex((e) => e.id === call.id && e.event === 'send');
        // No import call was sent while the interactive one waited.
        expect(log.slice(enqueued, sent).filter((e) => e.event === 'send' && e.priority === 'background')).toEqual([]);
      }
      const queued = (events: typeof log) => events.map((e) => e.queuedMs ?? 0).reduce((a, b) => a + b, 0) / events.length;
      const interactiveSends = log.filter((e) => e.event === 'send' && e.priority === 'interactive');
      expect(queued(interactiveSends)).toBeLessThan(queued(background));
    });
  });

  describe('restart', () => {
    it('goes on with the configured account\'s jobs; other users\' jobs wait, paused, for their owner', async () => {
      const admin = await start('RSTA', 150);
      const sales = await start('RSTS', 150, 'sales');
      await until(admin.id, (j) => j.done >= 10);
      await stack.restart(DEMO_USERS.admin);
      const waiting = await job(sales.id, 'sales');
      expect(waiting).toMatchObject({ state: 'PAUSED', reason: NEEDS_OWNER });
      expect((await job(admin.id)).state).toBe('RUNNING');
      const resumed = await stack.query<{ resumeImport: Job }>(`mutation($id: ID!) { resumeImport(id: $id) { state } }`, { id: sales.id }, 'sales');
      expect(resumed.data!.resumeImport.state).toBe('RUNNING');
      const [a, s] = await Promise.all([until(admin.id, (j) => j.state === 'COMPLETED'), until(sales.id, (j) => j.state === 'COMPLETED', 'sales')]);
      expect([a.created, s.created]).toEqual([150, 150]);
      for (const prefix of ['RSTA', 'RSTS']) {
        const names = await stored(prefix);
        expect(names).toHaveLength(150);
        expect(unique(names)).toBe(150);
      }
    });
  });
});
