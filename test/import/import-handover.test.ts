/**
 * One call budget per account, with the CLI and a gateway at the same time:
 * the CLI (a real child process) hands its file to the gateway's streaming
 * route POST /imports and only follows the job, which the gateway runs; the
 * route names the parameter a request got wrong. Never a THROTTLED fault.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, type GatewayConfig } from '../../src/config/config.js';
import { ImportService } from '../../src/import/jobs/import-service.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { startGateway, type RunningGateway } from '../../app/server.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createUpstream, type Upstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import type { SimStats } from '../helpers/stack.js';
import { createLogger } from '../../src/log/logger.js';
import { toolOperation } from '../../app/plugins/tool-documents.js';
import { basic, DEMO_USERS, SHORT_CLOCK } from './import-stack.js';

const ADMIN = basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password);
let sim: RunningSimulator;
let upstream: Upstream;
let store: SqliteJobStore;
let imports: ImportService;
let gateway: RunningGateway;
let base: string;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, ...SHORT_CLOCK.sim });
  const config: GatewayConfig = { ...configFromEnv({}), upstreamUrl: sim.url, ...SHORT_CLOCK.budget, batchSize: 10 };
  upstream = createUpstream({ baseUrl: sim.url, timeoutMs: config.timeoutMs, budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs } });
  dir = mkdtempSync(join(tmpdir(), 'import-handover-'));
  store = new SqliteJobStore(join(dir, 'gateway'));
  imports = new ImportService({ store, upstream, batchSize: config.batchSize });
  gateway = await startGateway({ config, upstream, imports }, 0, '127.0.0.1');
  base = gateway.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  const stats = await simStats();
  await imports.close();
  await store.close();
  await gateway.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  expect(stats.throttled).toEqual({ faults: 0, blocks: 0 });
});

const simStats = async () => (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json() as Promise<SimStats>;
const stored = async (prefix: string) => (await fetchAll(upstream.forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] }), 'client',
  [{ field: 'name', operator: 'startsWith', values: [`${prefix} `] }], [{ field: 'id' }])).map((c) => c.name);

function csv(prefix: string, n: number): string {
  const file = join(dir, `${prefix}.csv`);
  const lines = ['name,orgNo'];
  for (let i = 1; i <= n; i++) lines.push(`${prefix} ${i},${prefix}-${i}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/import.ts', ...args], {
    env: {
      ...process.env, UPSALES_USERNAME: DEMO_USERS.admin.username, UPSALES_PASSWORD: DEMO_USERS.admin.password,
      UPSALES_BUDGET_CALLS: '18', UPSALES_BUDGET_WINDOW_MS: '1000', UPSALES_BATCH_SIZE: '10', IMPORT_PROGRESS_MS: '200', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk) => { stdout += chunk; });
  child.stderr!.on('data', (chunk) => { stdout += chunk; });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout })));
}

async function post(query: string, body: BodyInit, authorization = ADMIN): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${base}/imports?${query}`, { method: 'POST', headers: { authorization, 'content-type': 'text/csv' }, body, duplex: 'half' } as RequestInit);
  return { status: response.status, json: await response.json(), headers: response.headers };
}

describe('CLI hand-over to a running gateway', () => {
  it('streams the file to the gateway, which makes every call; each row lands once upstream', async () => {
    const cliData = join(dir, 'cli');
    // The CLI's own upstream is dead: a SOAP call of its own would fail the import.
    const { code, stdout } = await cli(['--kind', 'client', '--file', csv('HAND', 120), '--match-by', 'orgNo'],
      { GATEWAY_URL: `${base}/graphql`, UPSALES_URL: 'http://127.0.0.1:9/wsapi', DATA_DIR: cliData });
    expect(stdout).toContain(`Handing the import to the gateway at ${base}`);
    expect(stdout).toMatch(/COMPLETED: 120 created, 0 updated, 0 failed of 120 rows/);
    expect(code).toBe(0);
    const id = /Import job ([0-9a-f-]{36}): 120 client rows read/.exec(stdout)![1];

    const listed = await fetch(`${base}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: ADMIN },
      body: JSON.stringify({ query: '{ importJobs { id state created matchBy } }' }),
    });
    expect((await listed.json()).data.importJobs).toContainEqual({ id, state: 'COMPLETED', created: 120, matchBy: 'orgNo' });
    expect(await store.job(id)).toMatchObject({ owner: 'admin@demo.test', total: 120, created: 120 });
    expect(existsSync(join(cliData, 'imports.sqlite'))).toBe(false);

    const names = await stored('HAND');
    expect(names).toHaveLength(120);
    expect(new Set(names).size).toBe(120);
    const results = readFileSync(join(cliData, 'results', `${id}.csv`), 'utf8').trim().split('\n');
    expect(results[0]).toBe('row,outcome,upsalesId,reason');
    expect(results.slice(1).filter((line) => /^\d+,created,\d+,$/.test(line))).toHaveLength(120);
    expect((await simStats()).throttled).toEqual({ faults: 0, blocks: 0 });
  });

  it('works where only trusted documents run (ALLOW_ARBITRARY_OPERATIONS=false), and follows by polling when its event stream is refused', async () => {
    const lines: string[] = [];
    const strict = await startGateway({
      config: {
        ...configFromEnv({}), upstreamUrl: sim.url, ...SHORT_CLOCK.budget, batchSize: 10,
        persistedOperations: 'examples/frontend/generated/persisted-documents.json', allowArbitraryOperations: false,
        streams: { ...configFromEnv({}).streams, perUser: 1 },
      },
      upstream, imports, logger: createLogger({ destination: { write: (line: string) => void lines.push(line) } }),
    }, 0, '127.0.0.1');
    try {
      // The admin's one stream is taken (following a paused job): the CLI's subscription is refused, and it polls.
      const paused = await imports.start(DEMO_USERS.admin, { kind: 'client', format: 'JSONL', options: {}, rows: Array.from({ length: 500 }, (_, i) => ({ name: `HELD ${i}` })) });
      await imports.pause(DEMO_USERS.admin.username, paused.id);
      const held = new AbortController();
      const holding = await fetch(strict.url, {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: ADMIN },
        body: JSON.stringify({ ...toolOperation('importProgress'), variables: { id: paused.id } }), signal: held.signal,
      });
      expect(holding.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const { code, stdout } = await cli(['--kind', 'client', '--file', csv('STRICT', 30)],
        { GATEWAY_URL: strict.url, UPSALES_URL: 'http://127.0.0.1:9/wsapi', DATA_DIR: join(dir, 'strict') });
      held.abort();
      await imports.cancel(DEMO_USERS.admin.username, paused.id);
      expect(stdout).toMatch(/COMPLETED: 30 created, 0 updated, 0 failed of 30 rows/);
      expect(code).toBe(0);
      const requests = lines.map((line) => JSON.parse(line) as { msg: string; outcome?: string }).filter((line) => line.msg === 'request');
      expect(requests.some((line) => line.outcome === 'TOO_MANY_STREAMS')).toBe(true);
      expect(requests.filter((line) => line.outcome === 'PERSISTED_QUERY_ONLY')).toEqual([]);
      expect(await stored('STRICT')).toHaveLength(30);
    } finally {
      await strict.close();
    }
  });

  it('runs in process, saying so, when no gateway answers', async () => {
    const { code, stdout } = await cli(['--kind', 'client', '--file', csv('ALONE', 5)],
      { GATEWAY_URL: 'http://127.0.0.1:9', UPSALES_URL: sim.url, DATA_DIR: join(dir, 'alone') });
    expect(stdout).toContain('No gateway answers at http://127.0.0.1:9: the import runs in this process, on its own call budget; do not run it alongside a gateway on the same Upsales account.');
    expect(stdout).toMatch(/COMPLETED: 5 created, 0 updated, 0 failed of 5 rows/);
    expect(code).toBe(0);
  });
});

describe('POST /imports', () => {
  it('stages a streamed body and answers 201 with the job', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${JSON.stringify({ name: `STREAM ${i + 1}`, orgNo: `STREAM-${i + 1}` })}\n`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const line = lines.shift();
        if (line) controller.enqueue(new TextEncoder().encode(line));
        else controller.close();
      },
    });
    const { status, json, headers } = await post('kind=client&format=jsonl&matchBy=orgNo&batchSize=5', body);
    expect(status).toBe(201);
    expect(json).toMatchObject({ kind: 'client', format: 'JSONL', matchBy: 'orgNo', total: 30, resultsUrl: `/imports/${json.id}/results.csv` });
    expect(headers.get('location')).toBe(`/imports/${json.id}`);
    expect(await imports.settled(json.id)).toMatchObject({ state: 'COMPLETED', created: 30, failed: 0 });
    expect(await stored('STREAM')).toHaveLength(30);
  });

  it.each([
    ['kind=widget&format=csv', 'kind', 'kind: "widget" is not a kind'],
    ['format=csv', 'kind', 'kind: say what to import'],
    ['kind=client&format=xml', 'format', 'format: "xml" is not csv or jsonl'],
    ['kind=client&format=csv&mapping=Company', 'mapping', 'mapping: "Company" is not column=field'],
    ['kind=client&format=csv&mapping=Company=nope', 'mapping', 'mapping: The mapping "Company=nope" names no writable field'],
    ['kind=client&format=csv&matchBy=shoeSize', 'matchBy', 'matchBy: Client has no field "shoeSize" to match by'],
    ['kind=client&format=csv&batchSize=50', 'batchSize', 'batchSize must be between 1 and 10 (UPSALES_BATCH_SIZE)'],
    ['kind=client&format=csv&batchSize=two', 'batchSize', 'batchSize: "two" is not a whole number'],
    ['kind=client&format=csv&match=orgNo', 'match', 'match: unknown parameter'],
  ])('%s: 400 naming %s', async (query, parameter, message) => {
    const before = (await store.jobs('admin@demo.test')).length;
    const { status, json } = await post(query, 'name,orgNo\nBAD 1,BAD-1\n');
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: 'BAD_PARAMETER', parameter });
    expect(json.error.message).toContain(message);
    expect(await store.jobs('admin@demo.test')).toHaveLength(before);
  });

  it('401 for a wrong password, without echoing it', async () => {
    const { status, json, headers } = await post('kind=client&format=csv', 'name\nX\n', basic(DEMO_USERS.admin.username, 'not-the-password'));
    expect(status).toBe(401);
    expect(json.error).toEqual({ code: 'UNAUTHENTICATED', message: 'Upsales rejected the username or password' });
    // Not `Basic` (issue 17): a browser would ask for a password and then attach it by itself, cross-site too.
    expect(headers.get('www-authenticate')).toMatch(/^xBasic /);
  });
});
