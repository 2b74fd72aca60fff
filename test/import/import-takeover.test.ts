/**
 * Jobs that outlive their machine: gateway replicas as their own processes
 * (`npm start` with UPSALES_URL), sharing PostgreSQL (DATABASE_URL, a server
 * of the test's own) and Redis (its own redis-server), over the embedded
 * Upsales service on a short throttle clock.
 *
 * - A is killed with SIGKILL mid-import and its DATA_DIR removed: B takes
 *   the job over, looks up the batch A had in flight (never sends it
 *   again), finishes it, and serves its results: every row written exactly
 *   once, counted upstream.
 * - A runner that was only paused (SIGSTOP) past its lease: B takes the job
 *   over and finishes it; the paused one, let go on (SIGCONT), writes
 *   nothing upstream and nothing to the job.
 * - PostgreSQL restarted mid-import: queries that do not touch jobs keep
 *   working, job queries say UNAVAILABLE, and the job goes on by itself
 *   once the database is back, every row once.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUpstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres-server.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startReplicaProcess, type ReplicaProcess } from '../helpers/replicas.js';
import { basic, DEMO_USERS, type SimStats } from '../helpers/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Job = { id: string; state: string; reason: string | null; total: number; created: number; failed: number };
const JOB = 'query($id: ID!) { importJob(id: $id) { id state reason total created failed } }';
const START = 'mutation($rows: [JSON!]) { startImport(kind: CLIENT, rows: $rows) { id state total } }';

let sim: RunningSimulator;
let redis: TestRedis;
let postgres: TestPostgres;
let env: NodeJS.ProcessEnv;
const replicas: ReplicaProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, throttleCalls: 20, throttleWindowMs: 1000, throttleBlockMs: 5000 });
  redis = await startTestRedis();
  postgres = await startTestPostgres();
  env = {
    UPSALES_URL: sim.url, UPSALES_USERNAME: DEMO_USERS.admin.username, UPSALES_PASSWORD: DEMO_USERS.admin.password,
    REDIS_URL: redis.url, DATABASE_URL: postgres.url, LOG_LEVEL: 'info',
    UPSALES_BUDGET_CALLS: '18', UPSALES_BUDGET_WINDOW_MS: '1000', UPSALES_BATCH_SIZE: '10', UPSALES_CACHE_TTL_MS: '0',
    // A runner gone 3 s loses its jobs; a batch of unknown outcome is looked up 3.5 s after it was sent.
    IMPORT_LEASE_MS: '3000', UPSALES_TIMEOUT_MS: '3000', IMPORT_RECONCILE_GRACE_MS: '500',
  };
  replicas.push(await startReplicaProcess(env), await startReplicaProcess(env));
}, 120_000);
afterAll(async () => {
  for (const replica of replicas) {
    replica.child.kill('SIGCONT');
    await replica.stop();
  }
  await sim.close();
  await redis.close();
  await postgres.close();
});

const upstream = () => createUpstream({ baseUrl: sim.url, timeoutMs: 10_000, budget: { calls: 1_000_000, windowMs: 1000 } });
/** Every client upstream whose name starts with `prefix`, as the demo admin reads them. */
async function stored(prefix: string): Promise<{ id: number; name: string }[]> {
  const items = await fetchAll(upstream().forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] }), 'client',
    [{ field: 'name', operator: 'startsWith', values: [`${prefix} `] }], [{ field: 'id' }, { field: 'name' }]);
  return items.map((item) => ({ id: item.id!, name: String(item.name) }));
}

async function start(on: ReplicaProcess, prefix: string, rows: number): Promise<string> {
  const result = await on.query<{ startImport: { id: string; total: number } }>(START, { rows: Array.from({ length: rows }, (_, i) => ({ name: `${prefix} ${i + 1}` })) });
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.data!.startImport.total).toBe(rows);
  return result.data!.startImport.id;
}

async function job(on: ReplicaProcess, id: string): Promise<Job> {
  const result = await on.query<{ importJob: Job }>(JOB, { id });
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!.importJob;
}

async function until(on: ReplicaProcess, id: string, test: (job: Job) => boolean, within = 40_000): Promise<Job> {
  const deadline = Date.now() + within;
  for (;;) {
    const found = await job(on, id);
    if (test(found)) return found;
    if (Date.now() > deadline) throw new Error(`Job ${id} did not get there: ${JSON.stringify(found)}`);
    await sleep(100);
  }
}

/** Create calls the embedded service has received, by operation. */
async function creates(): Promise<[string, number][]> {
  const stats = (await (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json()) as SimStats;
  return Object.entries(stats.calls.byOperation).filter(([name]) => /create/i.test(name));
}

/** Every name `prefix 1..rows` upstream exactly once, and nothing else. */
async function exactlyOnce(prefix: string, rows: number): Promise<{ id: number; name: string }[]> {
  const items = await stored(prefix);
  expect(items).toHaveLength(rows);
  expect(new Set(items.map((item) => item.name)).size).toBe(rows);
  return items;
}

it('A killed with SIGKILL mid-import, its DATA_DIR gone: B takes the job over, finishes it exactly once and serves its results', async () => {
  const [a, b] = replicas;
  const ROWS = 1500;
  const id = await start(a, 'TAKEN', ROWS);
  await until(b, id, (j) => j.created >= 300);
  a.child.kill('SIGKILL');
  rmSync(a.dataDir, { recursive: true, force: true });
  const done = await until(b, id, (j) => j.state === 'COMPLETED');
  expect(done).toMatchObject({ state: 'COMPLETED', total: ROWS, created: ROWS, failed: 0 });
  const items = await exactlyOnce('TAKEN', ROWS);

  const results = await fetch(`${b.base}/imports/${id}/results.csv`, { headers: { authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) } });
  expect(results.status).toBe(200);
  const lines = (await results.text()).trim().split('\n');
  expect(lines[0]).toBe('row,outcome,upsalesId,reason');
  expect(lines.slice(1).map((line) => line.split(',')[1])).toEqual(Array(ROWS).fill('created'));
  expect(lines.slice(1).map((line) => Number(line.split(',')[2])).sort((x, y) => x - y)).toEqual(items.map((item) => item.id).sort((x, y) => x - y));
}, 180_000);

it('a runner paused past its lease (SIGSTOP) comes back after the takeover and writes nothing', async () => {
  const b = replicas[1];
  const c = await startReplicaProcess(env);
  replicas.push(c);
  const ROWS = 800;
  const id = await start(c, 'FENCED', ROWS);
  await until(b, id, (j) => j.created >= 150);
  c.child.kill('SIGSTOP');
  const done = await until(b, id, (j) => j.state === 'COMPLETED');
  expect(done).toMatchObject({ created: ROWS, failed: 0 });
  await exactlyOnce('FENCED', ROWS);
  const callsBefore = await creates();

  c.child.kill('SIGCONT');
  // C's timers and the answers it was waiting for all arrive now: its lease renewal fails, its writes are fenced.
  await sleep(4000);
  expect(c.child.exitCode).toBeNull();
  expect(c.output()).toContain(`Import job ${id} was taken over by another process: this one stopped it without sending more`);
  expect(await job(b, id)).toMatchObject({ state: 'COMPLETED', created: ROWS, failed: 0 });
  expect(await job(c, id)).toMatchObject({ state: 'COMPLETED', created: ROWS });
  await exactlyOnce('FENCED', ROWS);
  // Not one create reached Upsales since C came back.
  expect(await creates()).toEqual(callsBefore);
}, 180_000);

it('PostgreSQL restarted mid-import: queries go on, job queries say UNAVAILABLE, the job resumes by itself, every row once', async () => {
  const b = replicas[1];
  const ROWS = 1000;
  const id = await start(b, 'RESTART', ROWS);
  await until(b, id, (j) => j.created >= 200);
  await postgres.stop();
  try {
    const query = await b.query<{ client: { upsalesId: number } }>('{ client(upsalesId: 1) { upsalesId } }');
    expect(query.errors).toBeUndefined();
    expect(query.data!.client.upsalesId).toBe(1);
    const jobs = await b.query(JOB, { id });
    expect(jobs.errors?.[0].extensions?.code).toBe('UNAVAILABLE');
    await sleep(1500);
  } finally {
    await postgres.start();
  }
  const done = await until(b, id, (j) => j.state === 'COMPLETED');
  expect(done).toMatchObject({ created: ROWS, failed: 0 });
  await exactlyOnce('RESTART', ROWS);
}, 180_000);
