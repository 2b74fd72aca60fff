/**
 * GET /metrics: Prometheus text from graphql-yoga's plugin and the gateway's
 * own series. After a mixed workload (queries of two users, kept answers, a
 * mutation, an import, a refused query), the SOAP call counter equals what
 * the embedded service counted, THROTTLED faults equal its faults, import
 * rows and kept reads are counted, budgets are shown per account, and no
 * username or caller-chosen name appears in any label. What requests hold
 * open (streams, WebSockets) and the claims refused are counted by what.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { sseResults } from '../helpers/sse.js';
import { basic, DEMO_USERS, straightClient } from '../helpers/stack.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';

/** Samples of one series as [labels, value], from Prometheus text. */
function samples(text: string, name: string): [Record<string, string>, number][] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `)).map((line) => {
    const match = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    return [labels, Number(match[2])];
  });
}
const total = (text: string, name: string, where: Record<string, string> = {}) => samples(text, name)
  .filter(([labels]) => Object.entries(where).every(([key, value]) => labels[key] === value))
  .reduce((sum, [, value]) => sum + value, 0);

async function post(served: ServedStack, query: string, as: keyof typeof DEMO_USERS = 'admin', headers: Record<string, string> = {}) {
  const response = await served.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(DEMO_USERS[as].username, DEMO_USERS[as].password), ...headers },
    body: JSON.stringify({ query }),
  });
  return response.json() as Promise<{ data?: Record<string, any>; errors?: unknown[] }>;
}

describe('after a mixed workload', () => {
  let served: ServedStack;
  let text: string;
  let queries = 4;
  beforeAll(async () => {
    served = await startServedStack({ imports: true, metrics: createMetrics(), config: { cacheTtlMs: 30_000, batchSize: 5 } });
    const page = '{ clients(first: 5) { nodes { name contacts(first: 3) { nodes { email } } orders(first: 2) { nodes { value rows { product { name } } } } } } }';
    expect((await post(served, page)).errors).toBeUndefined();
    expect((await post(served, page)).errors).toBeUndefined(); // kept answers
    expect((await post(served, page, 'sales')).errors).toBeUndefined();
    expect((await post(served, '{ orderStages { name } me { name } rateLimit { used } }', 'reader')).errors).toBeUndefined();
    const written = await post(served, 'mutation { createClient(input: { name: "Metrics AB" }) { status } }');
    expect(written.data!.createClient.status).toBe('WRITTEN');
    // Refused before any call (4600 items: 46 create calls); its operation name must not become a label.
    const refused = await served.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
      body: JSON.stringify({
        query: 'mutation SecretOperationName($inputs: [ClientCreateInput!]!) { createClients(inputs: $inputs) { writtenCount } }',
        variables: { inputs: Array.from({ length: 4600 }, () => ({ name: 'Too many' })) },
      }),
    });
    expect((await refused.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const csv = ['name', ...Array.from({ length: 12 }, (_, i) => `Metrics import ${i}`), ''].join('\n');
    const upload = await served.fetch('/imports?kind=client&format=csv', {
      method: 'POST', headers: { 'content-type': 'text/csv', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) }, body: csv,
    });
    const job = await upload.json() as { id: string };
    for (let state = ''; state !== 'COMPLETED';) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await post(served, `{ importJob(id: "${job.id}") { state } }`)).data!.importJob.state;
      queries++;
    }
    const response = await served.fetch('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    text = await response.text();
  });
  afterAll(() => served.close());

  it('counts every SOAP call the embedded service saw, by service, operation and outcome', async () => {
    const seen = await served.stats();
    expect(total(text, 'upsales_soap_calls_total')).toBe(seen.calls.total);
    for (const [key, calls] of Object.entries(seen.calls.byOperation)) {
      const [service, operation] = key.split('.');
      expect(total(text, 'upsales_soap_calls_total', { service, operation, outcome: 'ok' }), key).toBe(calls);
    }
    expect(total(text, 'upsales_soap_call_duration_seconds_count')).toBe(seen.calls.total);
    expect(total(text, 'upsales_budget_queue_seconds_count')).toBe(seen.calls.total);
  });

  it('counts kept reads, import rows, operations and their estimates', () => {
    expect(total(text, 'upsales_cached_reads_total')).toBeGreaterThan(0);
    expect(total(text, 'upsales_import_rows_total', { kind: 'client', outcome: 'created' })).toBe(12);
    expect(total(text, 'upsales_operation_soap_calls_count', { type: 'query' })).toBe(queries);
    expect(total(text, 'upsales_operation_estimated_calls_count', { type: 'mutation' })).toBe(1);
    expect(total(text, 'upsales_operation_estimate_overruns_total')).toBe(0);
    expect(total(text, 'graphql_envelop_request')).toBeGreaterThan(0);
  });

  it('shows each account\'s budget under a hash, never a username or a caller-chosen name', () => {
    const accounts = samples(text, 'upsales_budget_used_calls').map(([labels]) => labels.account);
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    for (const account of accounts) expect(account).toMatch(/^[0-9a-f]{12}$/);
    expect(samples(text, 'upsales_budget_shared').every(([, value]) => value === 0)).toBe(true);
    const values = text.split('\n').flatMap((line) => [...line.matchAll(/="([^"]*)"/g)].map((match) => match[1]));
    for (const value of values) expect(value).not.toMatch(/@|demo\.test|admin|sales|reader|Secret|127\.0\.0\.1/);
    expect(text).not.toMatch(/@|demo\.test|SecretOperationName/);
  });
});

it('counts THROTTLED faults as the embedded service does', async () => {
  // Upsales allows 3 calls a second here, the gateway's budget 10: some calls are refused.
  const served = await startServedStack({
    metrics: createMetrics(),
    sim: { throttleCalls: 3, throttleWindowMs: 1_000, throttleBlockMs: 300 },
    config: { budgetCalls: 10, budgetWindowMs: 1_000, blockMs: 300 },
  });
  try {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(served, `{ client(upsalesId: ${i + 1}) { name } }`)));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const seen = await served.stats();
    expect(seen.throttled.faults).toBeGreaterThan(0);
    const text = await (await served.fetch('/metrics')).text();
    expect(total(text, 'upsales_soap_calls_total', { outcome: 'THROTTLED' })).toBe(seen.throttled.faults);
    expect(total(text, 'upsales_throttled_total')).toBe(seen.throttled.faults);
    expect(total(text, 'upsales_soap_calls_total')).toBe(seen.calls.total);
  } finally {
    await served.close();
  }
});

it('with METRICS_TOKEN, answers only a scraper that sends it', async () => {
  const token = 'scrape-me-0123456789';
  const served = await startServedStack({ metrics: createMetrics(), config: { metricsToken: token } });
  try {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password)]) {
      const refused = await served.fetch('/metrics', { headers: authorization ? { authorization } : {} });
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('upsales_');
    }
    const allowed = await served.fetch('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('upsales_soap_calls_total');
  } finally {
    await served.close();
  }
});

it('METRICS_TOKEN must be long enough', () => {
  expect(() => configFromEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  expect(configFromEnv({ METRICS_TOKEN: 'a-long-enough-token' }).metricsToken).toBe('a-long-enough-token');
});

it('what requests hold open (streams, WebSockets) and the claims refused past their bounds, by what and code', async () => {
  const served = await startServedStack({ metrics: createMetrics(), config: configFromEnv({ MAX_STREAMS_PER_USER: '2', MAX_WEBSOCKETS_PER_USER: '1' }) });
  const scrape = async () => (await served.fetch('/metrics')).text();
  const opened: AbortController[] = [];
  const sockets: WebSocket[] = [];
  try {
    let text = await scrape();
    expect(total(text, 'upsales_gateway_open', { what: 'streams' })).toBe(0);
    expect(total(text, 'upsales_gateway_refused_total')).toBe(0);
    const stream = async () => {
      const controller = new AbortController();
      opened.push(controller);
      return served.fetch('/graphql', {
        method: 'POST', signal: controller.signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
        body: JSON.stringify({ query: 'subscription { changes(kinds: [CLIENT]) { upsalesId } }' }),
      });
    };
    expect((await stream()).status).toBe(200);
    expect((await stream()).status).toBe(200);
    expect((await stream()).status).toBe(429);
    const socket = () => new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${served.base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
        headers: { authorization: basic(DEMO_USERS.sales.username, DEMO_USERS.sales.password) },
      });
      sockets.push(ws);
      // A connection holds its slot once graphql-ws has accepted it (connection_init, then connection_ack), or is closed.
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => { if (JSON.parse(String(data)).type === 'connection_ack') resolve(ws); });
      ws.on('close', () => resolve(ws));
      ws.on('error', () => resolve(ws));
    });
    await socket();
    await socket();
    text = await scrape();
    expect(total(text, 'upsales_gateway_open', { what: 'streams' })).toBe(2);
    expect(total(text, 'upsales_gateway_open', { what: 'websockets' })).toBe(1);
    expect(total(text, 'upsales_gateway_refused_total', { what: 'streams', code: 'TOO_MANY_STREAMS' })).toBe(1);
    expect(total(text, 'upsales_gateway_refused_total', { what: 'websockets', code: 'TOO_MANY_WEBSOCKETS' })).toBe(1);
    expect(text).not.toMatch(/demo\.test/);
    for (const controller of opened) controller.abort();
    for (const ws of sockets) ws.close();
    await expect.poll(async () => total(await scrape(), 'upsales_gateway_open'), { timeout: 5_000 }).toBe(0);
  } finally {
    for (const controller of opened) controller.abort();
    for (const ws of sockets) ws.terminate();
    await served.close();
  }
});

it('counts each run of a live query as it finishes, with its own calls', async () => {
  const served = await startServedStack({ metrics: createMetrics(), config: { changes: configFromEnv({ CHANGES_POLL_MS: '200', CHANGES_BUDGET_SHARE: '1' }).changes } });
  const scrape = async () => (await served.fetch('/metrics')).text();
  const admin = straightClient(served.sim.url);
  const response = await served.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
    body: JSON.stringify({ query: 'query @live { clients(first: 5, filter: { name: { startsWith: "Metricslive" } }) { nodes { name } } }' }),
  });
  const results = sseResults<{ clients: { nodes: { name: string }[] } }>(response);
  try {
    const first = (await results.next())!;
    expect(first.errors).toBeUndefined();
    let text = await scrape();
    expect(total(text, 'upsales_operation_soap_calls_count', { type: 'query' })).toBe(1);
    expect(total(text, 'upsales_operation_soap_calls_sum', { type: 'query' })).toBe(first.extensions!.upsales!.soapCalls);
    expect(total(text, 'upsales_operation_estimated_calls_sum', { type: 'query' })).toBe(first.extensions!.upsales!.estimatedCalls);
    const [made] = await admin.create('client', [{ name: 'Metricslive A' }]);
    expect(made.success).toBe(true);
    let again = (await results.next())!;
    while (!again.data?.clients.nodes.length) again = (await results.next())!;
    text = await scrape();
    const runs = total(text, 'upsales_operation_soap_calls_count', { type: 'query' });
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(total(text, 'upsales_operation_soap_calls_sum', { type: 'query' })).toBeGreaterThanOrEqual(first.extensions!.upsales!.soapCalls + again.extensions!.upsales!.soapCalls);
  } finally {
    await results.close();
    await served.close();
  }
});
