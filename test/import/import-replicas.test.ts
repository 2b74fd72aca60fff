/**
 * Import jobs on any replica: two gateway replicas (own DATA_DIR, own Redis
 * connections) share one Redis. A job started on A is listed, followed over
 * SSE, paused, resumed and cancelled through B; another user sees nothing
 * of it; no username is in Redis, nor in any command Redis is sent (the
 * messages between replicas included). When A stops, B says the job waits for
 * it; when A comes back, the job goes on there, once. When Redis restarts
 * empty, A puts its jobs back (paused and finished ones too), and B reads,
 * lists, follows, resumes and cancels them again; a paused job whose keys
 * are gone comes back at A's next heartbeat, and a state Redis missed
 * reaches it when A's connection is back. And a query on B during an
 * import on A waits for the budget no longer than a query in the import's
 * own process: never for a window (the interactive reserve). All of it
 * over one Redis node and over a 3-node Redis Cluster (REDIS_CLUSTER_NODES).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME_STOPPED } from '../../src/import/jobs/import-service.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { connectRedis, whenReady } from '../../src/shared-state/redis/connection.js';
import { jobKey as jobKeyOf, ownerKey as ownerKeyOf } from '../../src/shared-state/redis/job-bus.js';
import { createUpstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, type TestRedisTarget } from '../helpers/redis-server.js';
import { startReplica, type Replica } from '../helpers/replicas.js';
import { sseEvents } from '../helpers/sse.js';
import { basic, DEMO_USERS } from '../helpers/stack.js';
import { JOB_FIELDS } from './import-stack.js';

/** Upsales allows 20 calls per 2 s, the budget 18. Two seconds: a query that waited for a slot to expire would wait up to that, far beyond a loaded machine's delays. */
const CLOCK = { sim: { throttleCalls: 20, throttleWindowMs: 2000, throttleBlockMs: 5000 }, budget: { budgetCalls: 18, budgetWindowMs: 2000 } };

type Job = { id: string; state: string; reason: string | null; total: number; done: number; created: number };
const START = `mutation($rows: [JSON!], $options: ImportOptions) { startImport(kind: CLIENT, rows: $rows, options: $options) { ${JOB_FIELDS} } }`;
const JOB = `query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`;
const CONTROL = (name: string) => `mutation($id: ID!) { ${name}(id: $id) { ${JOB_FIELDS} } }`;

let sim: RunningSimulator;
let redis: TestRedisTarget;
let a: Replica;
let b: Replica;
/** Redis' MONITOR (on every node): every command any process sent it, PUBLISHed messages included; stops it. */
let stopMonitor: () => void;
const heard: string[] = [];
let homeDir: string;
const config = {
  ...CLOCK.budget, interactiveReserve: 4, fallbackCalls: 4, batchSize: 10,
  // A comes back with the account its jobs belong to, as `npm start` with UPSALES_USERNAME would
  defaultCredentials: DEMO_USERS.admin,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i + 1}`, orgNo: `${prefix}-${i + 1}` }));
async function startOn(replica: Replica, prefix: string, n: number): Promise<Job> {
  const result = await replica.query<{ startImport: Job }>(START, { rows: rows(prefix, n), options: { matchBy: 'orgNo' } });
  expect(result.errors).toBeUndefined();
  return result.data!.startImport;
}
const jobVia = async (replica: Replica, id: string, as: 'admin' | 'sales' = 'admin') => replica.query<{ importJob: Job }>(JOB, { id }, as);
async function until(replica: Replica, id: string, test: (job: Job) => boolean): Promise<Job> {
  for (;;) {
    const job = (await jobVia(replica, id)).data?.importJob;
    if (job && test(job)) return job;
    await sleep(25);
  }
}
/** What `read` gives once it is not undefined; fails after `ms`. */
async function within<T>(ms: number, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Nothing within ${ms} ms`);
    await sleep(50);
  }
}
async function stored(prefix: string): Promise<string[]> {
  const client = createUpstream({ baseUrl: sim.url, timeoutMs: 10_000, budget: { calls: 2, windowMs: 2000 } }).forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] });
  return (await fetchAll(client, 'client', [{ field: 'name', operator: 'startsWith', values: [`${prefix} `] }], [{ field: 'id' }])).map((c) => String(c.name));
}

/** The `importProgress` events of a job, over SSE through `replica`, until the stream ends. */
async function follow(replica: Replica, id: string): Promise<Job[]> {
  const response = await replica.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
    body: JSON.stringify({ query: `subscription($id: ID!) { importProgress(id: $id) { ${JOB_FIELDS} } }`, variables: { id } }),
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return sseEvents<Job>(response, 'importProgress');
}

describe.each(REDIS_TOPOLOGIES)('over a Redis %s', (topology) => {
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, ...CLOCK.sim });
    redis = await startTestRedisOf(topology);
    heard.length = 0;
    homeDir = mkdtempSync(join(tmpdir(), 'replica-home-'));
    stopMonitor = await redis.monitor((command) => heard.push(command));
    a = await startReplica({ upstreamUrl: sim.url, ...redis.config, config, dataDir: homeDir });
    b = await startReplica({ upstreamUrl: sim.url, ...redis.config, config });
  });
  afterAll(async () => {
    stopMonitor();
    await b.close();
    await a.close();
    const throttled = ((await (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json()) as { throttled: unknown }).throttled;
    await sim.close();
    await redis.close();
    rmSync(homeDir, { recursive: true, force: true });
    expect(throttled).toEqual({ faults: 0, blocks: 0 });
  });

  describe('a job started on replica A, through replica B', () => {
    it('is listed, followed over SSE and cancelled; what was written stays, once', async () => {
      const started = await startOn(a, 'VIA-B', 200);
      const listed = await b.query<{ importJobs: Job[] }>(`{ importJobs { ${JOB_FIELDS} } }`);
      expect(listed.data!.importJobs.map((job) => job.id)).toContain(started.id);
      expect(listed.data!.importJobs.find((job) => job.id === started.id)).toMatchObject({ state: 'RUNNING', total: 200 });
      const following = follow(b, started.id);
      await until(b, started.id, (job) => job.done >= 40);
      const cancelled = await b.query<{ cancelImport: Job }>(CONTROL('cancelImport'), { id: started.id });
      expect(cancelled.errors).toBeUndefined();
      expect(cancelled.data!.cancelImport.state).toBe('CANCELLED');
      const events = await following;
      expect(events.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < events.length; i++) expect(events[i].done).toBeGreaterThanOrEqual(events[i - 1].done);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ state: 'CANCELLED', done: cancelled.data!.cancelImport.done });
      expect(last.created).toBeGreaterThanOrEqual(40);
      expect(last.created).toBeLessThan(200);
      // A, the job's home, carried it out
      expect(await a.imports.store.job(started.id)).toMatchObject({ state: 'CANCELLED', created: last.created });
      expect(await a.imports.store.countRows(started.id, 'skipped')).toBe(200 - last.created);
      expect(await b.imports.store.job(started.id)).toBeUndefined();
      const names = await stored('VIA-B');
      expect(names).toHaveLength(last.created);
      expect(new Set(names).size).toBe(last.created);
    });

    it('is paused and resumed (with the credentials A holds) and completes, each row written once', async () => {
      const started = await startOn(a, 'PAUSE-B', 150);
      await until(b, started.id, (job) => job.done >= 20);
      const paused = (await b.query<{ pauseImport: Job }>(CONTROL('pauseImport'), { id: started.id })).data!.pauseImport;
      expect(paused.state).toBe('PAUSED');
      await sleep(300);
      expect((await jobVia(b, started.id)).data!.importJob).toMatchObject({ state: 'PAUSED', done: paused.done });
      const resumed = await b.query<{ resumeImport: Job }>(CONTROL('resumeImport'), { id: started.id });
      expect(resumed.errors).toBeUndefined();
      expect(resumed.data!.resumeImport.state).toBe('RUNNING');
      expect(await until(b, started.id, (job) => job.state === 'COMPLETED')).toMatchObject({ done: 150, created: 150 });
      const names = await stored('PAUSE-B');
      expect(names).toHaveLength(150);
      expect(new Set(names).size).toBe(150);
    });

    it('is nobody else\'s: another user gets NOT_FOUND; no username is in Redis, nor in the commands between replicas', async () => {
      const started = await startOn(a, 'OWN-B', 150);
      const peek = await jobVia(b, started.id, 'sales');
      expect(peek.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const cancel = await b.query(CONTROL('cancelImport'), { id: started.id }, 'sales');
      expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await b.query<{ importJobs: Job[] }>('{ importJobs { id } }', undefined, 'sales')).data!.importJobs.map((job) => job.id)).not.toContain(started.id);
      // The owner's commands through B travel to A as messages (published again until A has heard them).
      await until(b, started.id, (job) => job.done >= 10);
      const sent = heard.length;
      expect((await b.query<{ pauseImport: Job }>(CONTROL('pauseImport'), { id: started.id })).data!.pauseImport.state).toBe('PAUSED');
      expect((await b.query<{ resumeImport: Job }>(CONTROL('resumeImport'), { id: started.id })).data!.resumeImport.state).toBe('RUNNING');
      await until(b, started.id, (job) => job.state === 'COMPLETED');
      const other = await startOn(a, 'OWN-C', 200);
      await until(b, other.id, (job) => job.state === 'RUNNING');
      expect((await b.query<{ cancelImport: Job }>(CONTROL('cancelImport'), { id: other.id })).data!.cancelImport.state).toBe('CANCELLED');
      const commands = heard.slice(sent).filter((line) => /^publish \S+:job-command:/i.test(line));
      expect(commands.length).toBeGreaterThanOrEqual(3);
      const raw = connectRedis(redis.target, 'commands');
      await whenReady(raw, 5000);
      const keys = await redis.keys('*');
      const values = await Promise.all(keys.map(async (key) => ((await raw.type(key)) === 'string' ? await raw.get(key) : (await raw.zrange(key, 0, -1)).join(' '))));
      raw.disconnect();
      expect(keys.length).toBeGreaterThan(0);
      expect(heard.length).toBeGreaterThan(sent);
      for (const text of [...keys, ...values, ...heard]) expect(text).not.toMatch(/demo\.test|demo-admin|demo-sales/);
    });
  });

  describe('when A stops', () => {
    it('B says the job waits for it and cannot reach it; when A comes back the job goes on there, once', async () => {
      const started = await startOn(a, 'HOME', 120);
      await until(b, started.id, (job) => job.done >= 20);
      await a.close();
      const waiting = (await jobVia(b, started.id)).data!.importJob;
      expect(waiting).toMatchObject({ state: 'RUNNING', reason: HOME_STOPPED });
      expect(waiting.done).toBeLessThan(120);
      const cancel = await b.query(CONTROL('cancelImport'), { id: started.id });
      expect(cancel.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(cancel.errors![0].message).toMatch(/not running now/);

      a = await startReplica({ upstreamUrl: sim.url, ...redis.config, config, dataDir: homeDir });
      const done = await until(b, started.id, (job) => job.state === 'COMPLETED');
      expect(done).toMatchObject({ done: 120, created: 120, reason: null });
      const names = await stored('HOME');
      expect(names).toHaveLength(120);
      expect(new Set(names).size).toBe(120);
    });
  });

  describe('an interactive query during an import', () => {
    /**
     * Six queries, 600 ms apart (at most 4 in a window: the reserve here),
     * through `replica` while a 500-row import started on A runs (then
     * cancelled); the ms each waited for the budget, of those answered while
     * the import ran (at least four).
     */
    async function waitsDuring(replica: Replica, prefix: string): Promise<number[]> {
      const started = await startOn(a, prefix, 500);
      await until(a, started.id, (job) => job.done >= 20);
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        const result = await replica.query('{ clients(first: 1) { nodes { name } } }');
        expect(result.errors).toBeUndefined();
        if ((await jobVia(a, started.id)).data!.importJob.state === 'RUNNING') waits.push((result.extensions as { upsales: { queuedMs: number } }).upsales.queuedMs);
        await sleep(600);
      }
      expect(waits.length).toBeGreaterThanOrEqual(4);
      await replica.query(CONTROL('cancelImport'), { id: started.id });
      return waits;
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

    it('on replica B waits for the budget no longer than in the import\'s own process: never for a window', async () => {
      const sameProcess = await waitsDuring(a, 'WAIT-A');
      const otherReplica = await waitsDuring(b, 'WAIT-B');
      console.log(`queued ms of a query during an import: in its process median ${median(sameProcess)} max ${Math.max(...sameProcess)}; `
        + `on another replica median ${median(otherReplica)} max ${Math.max(...otherReplica)} (window ${CLOCK.budget.budgetWindowMs} ms)`);
      // Without the reserve a query finds the window the import filled and waits for a slot to expire: up to a window.
      for (const waits of [sameProcess, otherReplica]) expect(Math.max(...waits)).toBeLessThan(CLOCK.budget.budgetWindowMs / 4);
    });
  });

  describe('when Redis restarts empty', () => {
    it('A puts its jobs back: B reads and lists them, follows, resumes and cancels; a paused job does not expire while A lives; a state Redis missed reaches it', async () => {
      const finished = await startOn(a, 'BACK-DONE', 20);
      await until(b, finished.id, (job) => job.state === 'COMPLETED');
      const started = await startOn(a, 'BACK-PAUSED', 200);
      await until(b, started.id, (job) => job.done >= 20);
      const paused = (await b.query<{ pauseImport: Job }>(CONTROL('pauseImport'), { id: started.id })).data!.pauseImport;
      expect(paused.state).toBe('PAUSED');

      await redis.kill();
      await redis.restart();
      // No state of these jobs changes: nothing would publish them again but A's putting them back.
      const readable = async () => (await jobVia(b, started.id)).data?.importJob ?? undefined;
      expect(await within(8_000, readable)).toMatchObject({ state: 'PAUSED', done: paused.done });
      const listed = (await b.query<{ importJobs: Job[] }>(`{ importJobs { ${JOB_FIELDS} } }`)).data!.importJobs;
      expect(listed.find((job) => job.id === started.id)).toMatchObject({ state: 'PAUSED', done: paused.done });
      expect(listed.find((job) => job.id === finished.id)).toMatchObject({ state: 'COMPLETED', created: 20 });
      expect((await jobVia(b, finished.id)).data!.importJob).toMatchObject({ state: 'COMPLETED', created: 20 });

      // Its keys gone, as after JOB_TTL_S (7 days) without a change: back at A's next heartbeat, for 7 days again.
      const raw = connectRedis(redis.target, 'commands');
      await whenReady(raw, 5000);
      const jobKey = jobKeyOf(DEMO_USERS.admin.username, started.id);
      const ownerKey = ownerKeyOf(DEMO_USERS.admin.username);
      await raw.del(jobKey, ownerKey);
      expect((await jobVia(b, started.id)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await within(8_000, readable)).toMatchObject({ state: 'PAUSED', done: paused.done });
      for (const key of [jobKey, ownerKey]) expect(await raw.ttl(key)).toBeGreaterThan(6 * 24 * 3600);

      const following = follow(b, started.id);
      const resumed = await b.query<{ resumeImport: Job }>(CONTROL('resumeImport'), { id: started.id });
      expect(resumed.errors).toBeUndefined();
      expect(resumed.data!.resumeImport.state).toBe('RUNNING');
      await until(b, started.id, (job) => job.done >= paused.done + 20);
      const cancelled = await b.query<{ cancelImport: Job }>(CONTROL('cancelImport'), { id: started.id });
      expect(cancelled.errors).toBeUndefined();
      expect(cancelled.data!.cancelImport.state).toBe('CANCELLED');
      expect((await following).at(-1)).toMatchObject({ state: 'CANCELLED', done: cancelled.data!.cancelImport.done });
      expect(await a.imports.store.job(started.id)).toMatchObject({ state: 'CANCELLED', created: cancelled.data!.cancelImport.created });
      const names = await stored('BACK-PAUSED');
      expect(names).toHaveLength(cancelled.data!.cancelImport.created);
      expect(new Set(names).size).toBe(names.length);

      // A state published while Redis was unreachable (here: Redis still shows the job paused) is put back when A's connection is back.
      const record = JSON.parse((await raw.get(jobKey))!) as { view: Job };
      await raw.set(jobKey, JSON.stringify({ ...record, view: { ...record.view, state: 'PAUSED' } }), 'KEEPTTL');
      expect((await jobVia(b, started.id)).data!.importJob.state).toBe('PAUSED');
      await redis.killClients();
      expect(await within(8_000, async () => {
        const job = (await jobVia(b, started.id)).data?.importJob;
        return job?.state === 'CANCELLED' ? job : undefined;
      })).toMatchObject({ done: cancelled.data!.cancelImport.done });
      raw.disconnect();
    });
  });
});
