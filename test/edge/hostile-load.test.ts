/**
 * Issue 16 as an attacker would try it, over HTTP: what a request without
 * valid credentials can make the gateway spend (memory, an account's budget,
 * its queue, upload slots), what a revoked user can still read, and what a
 * client that leaves halfway leaves behind. Bounds are the figures.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetRegistry } from '../../src/budget/index.js';
import { createLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { REDIS_TOPOLOGIES, startTestRedisOf, type TestRedisTarget } from '../helpers/redis-server.js';
import { startReplica, startReplicaProcess, type Replica, type ReplicaProcess } from '../helpers/replicas.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { basic, deactivateUser, DEMO_USERS, startStack } from '../helpers/stack.js';

const ADMIN = basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password);
const SALES = basic(DEMO_USERS.sales.username, DEMO_USERS.sales.password);
const CSRF = { 'x-graphql-yoga-csrf': '1' };

/** The resident memory of a process, in MB. */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

interface Sent { status: number; headers: Record<string, string>; body: string; ms: number }

/**
 * A chunked POST over a raw socket, whose body is `size` bytes (after
 * `head`), written as fast as the server reads it; resolves with the answer
 * once the server has sent it (and closed, when it does). Writing stops when
 * the answer arrives or the server closes: a gateway that refuses before
 * reading closes the connection, and the answer is read all the same.
 * `hold`: the body is not ended until it resolves.
 */
function post(url: string, headers: Record<string, string>, head: string, size: number, hold?: Promise<void>): Promise<Sent> {
  const started = Date.now();
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let answered = false;
    const finish = () => {
      if (answered) return;
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`No answer: ${JSON.stringify(received.slice(0, 200))}`));
      answered = true;
      const [statusLine, ...lines] = received.slice(0, split).split('\r\n');
      const answerHeaders = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      let body = received.slice(split + 4);
      if (answerHeaders['transfer-encoding'] === 'chunked') body = body.replace(/(^|\r\n)[0-9a-f]+\r\n/g, '');
      resolve({ status: Number(statusLine.split(' ')[1]), headers: answerHeaders, body, ms: Date.now() - started });
      socket.destroy();
    };
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      received += data;
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(received.slice(0, split));
      if ((length && received.length >= split + 4 + Number(length[1])) || /\r\n0\r\n\r\n$/.test(received)) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => undefined);
    const lines = Object.entries({ host: `${hostname}:${port}`, ...headers, 'transfer-encoding': 'chunked' }).map(([name, value]) => `${name}: ${value}`);
    const frame = (data: Buffer | string) => `${Buffer.byteLength(data).toString(16)}\r\n`;
    socket.write(`POST ${pathname}${search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${frame(head)}${head}\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 97);
    let sent = 0;
    const pump = () => {
      while (!answered && !socket.destroyed && sent < size) {
        sent += chunk.length;
        socket.write(frame(chunk));
        socket.write(chunk);
        if (!socket.write('\r\n')) return void socket.once('drain', pump);
      }
      if (answered || socket.destroyed) return;
      const end = () => socket.destroyed || socket.write('1\r\n\n\r\n0\r\n\r\n');
      if (hold) void hold.then(end);
      else end();
    };
    pump();
  });
}

const MULTIPART = 'multipart/form-data; boundary=b';
const MULTIPART_HEAD = '--b\r\ncontent-disposition: form-data; name="operations"\r\n\r\n'
  + '{"query":"mutation($f: File!) { startImport(kind: CLIENT, file: $f) { id } }","variables":{"f":null}}\r\n'
  + '--b\r\ncontent-disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n'
  + '--b\r\ncontent-disposition: form-data; name="0"; filename="clients.csv"\r\ncontent-type: text/csv\r\n\r\nname\n';

describe('credentials before bytes: a gateway without a default account', () => {
  let sim: RunningSimulator;
  let gateway: ReplicaProcess;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
    gateway = await startReplicaProcess({ UPSALES_URL: sim.url, LOG_LEVEL: 'info' });
    gateway.child.once('exit', (code, signal) => { if (code !== 0) console.error('GATEWAY EXIT', code, signal, gateway.output().slice(-4000)); });
  });
  afterAll(async () => {
    await gateway?.stop();
    await sim?.close();
  });

  it('answers 16 concurrent 63 MB uploads without credentials at once, before their bodies, and its RSS rises by less than 50 MB', async () => {
    const pid = gateway.child.pid!;
    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, 20);
    const size = 63 * 1024 * 1024;
    let answers: Sent[];
    try {
      answers = await Promise.all([
        ...Array.from({ length: 8 }, () => post(`${gateway.base}/graphql`, { 'content-type': MULTIPART, ...CSRF }, MULTIPART_HEAD, size)),
        ...Array.from({ length: 8 }, () => post(`${gateway.base}/imports?kind=client&format=csv`, { 'content-type': 'text/csv' }, 'name\n', size)),
      ]);
      // Let any reading of the rest show in memory, if the gateway did any.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssMb(pid));
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.ms).toBeLessThan(2_000);
      expect(answer.headers.connection).toBe('close');
      expect(answer.body).toContain('UNAUTHENTICATED');
    }
    expect(peak - before).toBeLessThan(50);
  });

  it('checks a wrong password with one call before reading the upload, and stages nothing', async () => {
    await fetch(`${new URL(sim.url).origin}/__sim/reset-stats`, { method: 'POST' });
    const wrong = basic(DEMO_USERS.admin.username, 'a-wrong-password');
    const answer = await post(`${gateway.base}/imports?kind=client&format=csv`, { 'content-type': 'text/csv', authorization: wrong }, 'name\n', 8 * 1024 * 1024);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe('UNAUTHENTICATED');
    const stats = await (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json() as { calls: { total: number } };
    expect(stats.calls.total).toBe(1);
    const jobs = await gateway.query<{ importJobs: unknown[] }>('{ importJobs { id } }');
    expect(jobs.data?.importJobs).toEqual([]);
  });
});

describe('uploads in flight are bounded per user and in all', () => {
  let served: ServedStack;
  beforeAll(async () => {
    served = await startServedStack({ imports: true, config: { limits: { ...(await import('../../src/config/config.js')).configFromEnv({}).limits, uploadsPerUser: 1, uploads: 2 } } });
  });
  afterAll(async () => served?.close());

  it('a second upload of one user is 429, one past the gateway\'s bound 503, both with Retry-After and before their bodies; then they go again', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const route = `${served.base}/imports?kind=client&format=csv`;
    const csv = (authorization: string) => ({ 'content-type': 'text/csv', authorization });
    const first = post(route, csv(ADMIN), 'name\nHELD admin\n', 0, held);
    const jobs = async () => (await served.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: ADMIN }, body: JSON.stringify({ query: '{ importJobs { state } }' }),
    }).then((r) => r.json()) as { data: { importJobs: { state: string }[] } }).data.importJobs;
    // The first upload is being read (its job exists, waiting for the end of its file).
    for (let i = 0; (await jobs()).length === 0; i++) {
      expect(i).toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const again = await post(route, csv(ADMIN), 'name\nx\n', 1024 * 1024);
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toBe('5');
    expect(JSON.parse(again.body).error).toMatchObject({ code: 'TOO_MANY_UPLOADS', message: expect.stringContaining('MAX_UPLOADS_PER_USER') });
    const second = post(route, csv(SALES), 'name\nHELD sales\n', 0, held);
    for (let i = 0; (await served.stats()).calls.byUser[DEMO_USERS.sales.username] === undefined; i++) {
      expect(i).toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const multipart = await post(`${served.base}/graphql`, { 'content-type': MULTIPART, ...CSRF, authorization: basic(DEMO_USERS.reader.username, DEMO_USERS.reader.password) }, MULTIPART_HEAD, 1024 * 1024);
    expect(multipart.status).toBe(503);
    expect(multipart.headers['retry-after']).toBe('5');
    expect(JSON.parse(multipart.body).errors[0]).toMatchObject({ extensions: { code: 'UNAVAILABLE' }, message: expect.stringContaining('MAX_UPLOADS') });
    release();
    expect((await first).status).toBe(201);
    expect((await second).status).toBe(201);
    const later = await post(route, csv(ADMIN), 'name\nLATER admin\n', 0);
    expect(later.status).toBe(201);
  });
});

/** The real sales user's query, sent by curl (a process of its own), and the time it took. */
function realUser(base: string): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-w', '\\n%{http_code} %{time_total}', '-u', `${DEMO_USERS.sales.username}:${DEMO_USERS.sales.password}`,
      '-H', 'content-type: application/json', '-H', 'cache-control: no-cache',
      '--data', JSON.stringify({ query: '{ clients(first: 1) { totalCount } }' }), `${base}/graphql`], (error, stdout) => {
      if (error) return reject(error);
      const at = stdout.lastIndexOf('\n');
      const [status, seconds] = stdout.slice(at + 1).split(' ');
      resolve({ status: Number(status), body: stdout.slice(0, at), ms: Number(seconds) * 1000 });
    });
  });
}

describe('unverified credentials never spend a verified user\'s budget', () => {
  // The gateway in a process of its own: the test's 1,000 requests do not share its event loop.
  let sim: RunningSimulator;
  let gateway: ReplicaProcess;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
    gateway = await startReplicaProcess({ UPSALES_URL: sim.url, LOG_LEVEL: 'info', UPSALES_BUDGET_CALLS: '1000000' });
  });
  afterAll(async () => {
    await gateway?.stop();
    await sim?.close();
  });

  const graphql = (authorization: string, query: string, headers: Record<string, string> = {}) => fetch(`${gateway.base}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization, ...headers }, body: JSON.stringify({ query }),
  });
  const simStats = async () => (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json() as Promise<{ calls: { total: number; byUser: Record<string, number> } }>;
  const served = { resetStats: async () => void await fetch(`${new URL(sim.url).origin}/__sim/reset-stats`, { method: 'POST' }), stats: simStats };
  const callsOf = async (username: string) => (await simStats()).calls.byUser[username] ?? 0;

  it('while 1,000 wrong-password requests for sales@demo.test arrive, at most 7 wrong logins reach Upsales and the real user\'s query answers within 1 s', async () => {
    expect((await graphql(SALES, '{ me { name } }')).status).toBe(200);
    await served.resetStats();
    const flood = (round: number) => Promise.all(Array.from({ length: 1_000 }, (_, i) => graphql(basic(DEMO_USERS.sales.username, `guess-${round}-${i}`), '{ me { name } }')
      .then(async (response) => ({ status: response.status, text: await response.text() }))));
    const answers = await flood(1);
    // Refused: 401 before anything ran, 200 with `me: null` and UNAUTHENTICATED when it ran (an answer with data is 2xx), or 429.
    for (const answer of answers) {
      expect([200, 401, 429]).toContain(answer.status);
      expect(answer.text).toMatch(/"code":"(UNAUTHENTICATED|THROTTLED)"/);
      expect(answer.text).not.toContain('guess-');
    }
    expect(answers.filter((answer) => answer.status === 429).length).toBeGreaterThan(900);
    // The wrong logins: 3 free, then one each time the wait allows.
    expect(await callsOf(DEMO_USERS.sales.username)).toBeLessThanOrEqual(7);
    // Another flood, the gateway warm, and the real user meanwhile: another client, a process of its own (curl).
    const again = flood(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const real = await realUser(gateway.base);
    await again;
    expect(real.status).toBe(200);
    expect((JSON.parse(real.body) as { data: { clients: { totalCount: number } } }).data.clients.totalCount).toBeGreaterThan(0);
    expect(real.ms).toBeLessThan(1_000);
    // The username waits out its failures: the second flood sent nothing upstream but the real user's own call.
    expect(await callsOf(DEMO_USERS.sales.username)).toBeLessThanOrEqual(8);
  });

  it('300 made-up usernames from one address send at most 14 failed logins upstream', async () => {
    await served.resetStats();
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => graphql(basic(`made-up-${i}@nowhere.test`, 'x'), '{ me { name } }')
      .then(async (response) => ({ status: response.status, text: await response.text() }))));
    for (const answer of answers) {
      expect([200, 401, 429]).toContain(answer.status);
      expect(answer.text).toMatch(/"code":"(UNAUTHENTICATED|THROTTLED)"/);
    }
    expect((await served.stats()).calls.total).toBeLessThanOrEqual(14);
  });

  it('a known password whose check has lapsed gets in at once while its username is held back', async () => {
    const lapsing = await startServedStack({ config: { credentialsTtlMs: 200 } });
    try {
      const as = (authorization: string) => lapsing.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ me { name } }' }),
      });
      expect((await as(SALES)).status).toBe(200);
      for (let i = 0; i < 6; i++) await as(basic(DEMO_USERS.sales.username, `guess-${i}`));
      expect((await as(basic(DEMO_USERS.sales.username, 'guess-7'))).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const real = await as(SALES);
      expect(real.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await lapsing.close();
    }
  });
});

describe('an account\'s queue is bounded', () => {
  it('past what the budget sends in UPSALES_MAX_WAIT_MS, a query is THROTTLED with retryAfterMs at once instead of waiting', async () => {
    // 2 calls a second, waits of at most 1 s: at most 2 calls wait.
    const served = await startServedStack({ config: { budgetCalls: 2, budgetWindowMs: 1_000, maxWaitMs: 1_000, concurrency: 2, interactiveReserve: 0 } });
    try {
      const query = (id: number) => served.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: ADMIN },
        body: JSON.stringify({ query: `{ client(upsalesId: ${id}) { upsalesId } }` }),
      }).then(async (response) => ({ body: await response.json() as { data?: unknown; errors?: { extensions: { code: string; retryAfterMs?: number } }[] }, at: Date.now() }));
      await query(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => query(i + 2)));
      const throttled = answers.filter((answer) => answer.body.errors?.[0]?.extensions.code === 'THROTTLED');
      const answered = answers.filter((answer) => !answer.body.errors);
      expect(answered.length + throttled.length).toBe(10);
      // 2 sent at once, one being granted its place and 2 waiting their turn at most: 5 or more refused at once.
      const atOnce = throttled.filter((answer) => answer.at - started < 300);
      expect(atOnce.length).toBeGreaterThanOrEqual(5);
      expect(answered.length).toBeGreaterThanOrEqual(2);
      for (const refused of throttled) expect(refused.body.errors![0].extensions.retryAfterMs).toBeGreaterThan(0);
      // Nothing waits much past UPSALES_MAX_WAIT_MS.
      for (const answer of answers) expect(answer.at - started).toBeLessThan(2_500);
    } finally {
      await served.close();
    }
  });
});

describe('revocation', () => {
  const PAGE = '{ clients(first: 3, orderBy: [{ field: name }]) { nodes { name } } }';

  it('after Upsales refuses a user once, nothing kept, no rateLimit, no import job and no download is served to them', async () => {
    const served = await startServedStack({ imports: true, config: { cacheTtlMs: 60_000 } });
    try {
      const gql = async <T>(query: string, headers: Record<string, string> = {}) => (await served.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: SALES, ...headers }, body: JSON.stringify({ query }),
      })).json() as Promise<{ data?: T; errors?: { extensions: { code: string } }[]; extensions?: { upsales: { cachedCalls: number } } }>;
      expect((await gql(PAGE)).errors).toBeUndefined();
      expect((await gql(PAGE)).extensions?.upsales.cachedCalls).toBeGreaterThan(0);
      const started = await gql<{ startImport: { id: string } }>('mutation { startImport(kind: CLIENT, rows: [{ name: "REVOKED sales row" }]) { id } }');
      const id = started.data!.startImport.id;
      expect((await served.fetch(`/imports/${id}/results.csv`, { headers: { authorization: SALES } })).status).toBe(200);
      await deactivateUser(served.sim.url, DEMO_USERS.sales.username);
      // The first refusal: a read Upsales answers.
      expect((await gql('{ me { name } }', { 'cache-control': 'no-cache' })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      // Refused a moment ago: answered at once, before anything else (no kept answer, no call).
      const kept = await gql<{ clients: unknown }>(PAGE);
      expect(kept.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(kept.data?.clients ?? null).toBeNull();
      expect(kept.extensions?.upsales.cachedCalls ?? 0).toBe(0);
      expect((await gql('{ rateLimit { used } }')).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect((await gql('{ importJobs { id } }')).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect((await served.fetch(`/imports/${id}/results.csv`, { headers: { authorization: SALES } })).status).toBe(401);
    } finally {
      await served.close();
    }
  });

  it('without any refusal, a revoked user reads nothing kept once CREDENTIALS_TTL_MS has passed', async () => {
    const served = await startServedStack({ config: { cacheTtlMs: 60_000, credentialsTtlMs: 500 } });
    try {
      const page = async () => (await served.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: SALES }, body: JSON.stringify({ query: PAGE }),
      })).json() as unknown as { errors?: { extensions: { code: string } }[]; extensions: { upsales: { cachedCalls: number; soapCalls: number } } };
      expect((await page()).errors).toBeUndefined();
      expect((await page()).extensions.upsales).toMatchObject({ soapCalls: 0, cachedCalls: 1 });
      await new Promise((resolve) => setTimeout(resolve, 600));
      // Lapsed but still right: one check call, and the kept page again.
      expect((await page()).extensions.upsales).toMatchObject({ soapCalls: 1, cachedCalls: 1 });
      await deactivateUser(served.sim.url, DEMO_USERS.sales.username);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const refused = await page();
      expect(refused.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(refused.extensions.upsales.cachedCalls).toBe(0);
    } finally {
      await served.close();
    }
  });

  describe.each(REDIS_TOPOLOGIES)('across replicas sharing a Redis %s', (topology) => {
    let redis: TestRedisTarget;
    let sim: RunningSimulator;
    let a: Replica;
    let b: Replica;
    beforeAll(async () => {
      redis = await startTestRedisOf(topology);
      sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
      const config = { cacheTtlMs: 60_000, credentialsTtlMs: 600_000, budgetCalls: 1_000_000 };
      a = await startReplica({ upstreamUrl: sim.url, ...redis.config, config, cache: true });
      b = await startReplica({ upstreamUrl: sim.url, ...redis.config, config, cache: true });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await sim?.close();
      await redis?.close();
    });

    it('a refusal seen by one replica stops every other one serving the user anything kept, rateLimit or import jobs, at once', async () => {
      type Answer = { errors?: { extensions: { code: string } }[]; extensions?: { upsales: { cachedCalls: number } } };
      // Sales reads the page on both (each replica checks the password once), then B serves it kept.
      expect((await a.query(PAGE, undefined, 'sales')).errors).toBeUndefined();
      expect((await b.query(PAGE, undefined, 'sales')).errors).toBeUndefined();
      expect(((await b.query(PAGE, undefined, 'sales')) as Answer).extensions?.upsales.cachedCalls).toBe(1);
      await deactivateUser(sim.url, DEMO_USERS.sales.username);
      // B still holds the password as verified for ten minutes; A meets the refusal.
      const refusedOnA = await a.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: SALES, 'cache-control': 'no-cache' }, body: JSON.stringify({ query: '{ me { name } }' }),
      });
      expect(((await refusedOnA.json()) as Answer).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      let onB: Answer = {};
      for (let i = 0; i < 40; i++) {
        onB = await b.query(PAGE, undefined, 'sales') as Answer;
        if (onB.errors) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(onB.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(onB.extensions?.upsales.cachedCalls).toBe(0);
      // Nor B's answers that make no call of their own.
      for (const query of ['{ rateLimit { used } }', '{ importJobs { id } }']) {
        expect(((await b.query(query, undefined, 'sales')) as Answer).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      }
    });
  });
});

describe('/metrics', () => {
  const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

  it('without METRICS_TOKEN answers only on loopback', async () => {
    const metrics = createMetrics();
    const served = await startServedStack({ metrics, host: '0.0.0.0' });
    try {
      const port = new URL(served.base).port;
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
      if (external) {
        const remote = await fetch(`http://${external}:${port}/metrics`);
        expect(remote.status).toBe(403);
        expect(await remote.text()).toContain('METRICS_TOKEN');
      }
    } finally {
      await served.close();
    }
  });

  it('gives at most 20 accounts series of their own, keyed labels, the rest summed as "other"', async () => {
    const metrics = createMetrics();
    const budgets = createBudgetRegistry({ calls: 45, windowMs: 15_000 });
    metrics.watchBudgets(budgets);
    await Promise.all(Array.from({ length: 30 }, (_, i) => budgets.budgetForAccount('https://crm.example', `user-${i}@example.test`).run(async () => undefined)));
    const text = await metrics.registry.metrics();
    const accounts = new Set([...text.matchAll(/^upsales_budget_used_calls\{account="([^"]+)"\}/gm)].map((match) => match[1]));
    expect(accounts.size).toBe(21);
    expect(accounts.has('other')).toBe(true);
    expect(text).not.toContain('user-');
  });
});

describe('a client that leaves halfway', () => {
  it('is one info line (499), never a 500 nor an error line, and holds nothing', async () => {
    const lines: { level: number; status?: number; outcome?: string }[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, done) { lines.push(JSON.parse(String(chunk))); done(); } }) as never });
    const served = await startServedStack({ logger, imports: true });
    try {
      const leave = (path: string, type: string, head: string) => new Promise<void>((resolve) => {
        const req = request(`${served.base}${path}`, { method: 'POST', headers: { 'content-type': type, 'content-length': '100000', authorization: ADMIN, ...CSRF } });
        req.on('error', () => resolve());
        req.write(head);
        setTimeout(() => {
          req.destroy();
          setTimeout(resolve, 300);
        }, 200);
      });
      await leave('/graphql', 'application/json', '{"query":');
      await leave('/graphql', MULTIPART, MULTIPART_HEAD);
      await leave('/imports?kind=client&format=csv', 'text/csv', 'name\nLEFT halfway\n');
      const requests = lines.filter((line) => 'status' in line);
      expect(requests.map((line) => [line.level, line.status])).toEqual([[30, 499], [30, 499], [30, 499]]);
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      // The upload left fails its job, and gives back its upload slot: the same user uploads again.
      const again = await post(`${served.base}/imports?kind=client&format=csv`, { 'content-type': 'text/csv', authorization: ADMIN }, 'name\nAFTER leaving\n', 0);
      expect(again.status).toBe(201);
    } finally {
      await served.close();
    }
  });
});

describe('a request acting as the configured account', () => {
  it('sends at most its estimate and MAX_CALLS_OVER_ESTIMATE, while the same query with credentials of its own runs whole', async () => {
    const stack = await startStack({
      sim: { throttleCalls: 1_000_000, scale: 5 },
      config: { budgetCalls: 1_000_000, defaultCredentials: DEMO_USERS.admin, maxCallsOverEstimate: 1 },
    });
    try {
      const dense = '{ users(first: 15) { nodes { upsalesId activities(first: 1) { totalCount } } } }';
      const own = await stack.query<{ users: { nodes: unknown[] } }>(dense, { as: 'admin' });
      expect(own.errors).toBeUndefined();
      expect(own.extensions!.upsales!.soapCalls).toBeGreaterThan(own.extensions!.upsales!.estimatedCalls + 1);
      await stack.resetStats();
      const anonymous = await stack.query(dense, { as: null });
      expect(anonymous.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('MAX_CALLS_OVER_ESTIMATE') });
      expect(anonymous.extensions!.upsales!.soapCalls).toBeLessThanOrEqual(anonymous.extensions!.upsales!.estimatedCalls + 1);
      expect((await stack.stats()).calls.total).toBe(anonymous.extensions!.upsales!.soapCalls);
    } finally {
      await stack.close();
    }
  });
});
