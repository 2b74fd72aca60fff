/**
 * GraphQL over WebSocket at the hostile edge, on a gateway served on a real
 * port: the upgrade (only /graphql, no foreign Origin), the connection's
 * credentials (none, wrong, malformed: closed with a code graphql-ws does
 * not retry; the upgrade's header and connectionParams both work), too many
 * WebSockets of one user, too many operations on one connection, the
 * stream caps shared with SSE, multipart and @defer, bad messages, and
 * every rule an HTTP request meets (document limits, input guard,
 * estimate) applied to each operation, none costing a SOAP call.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, type GatewayConfig } from '../../src/config/config.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { basic, DEMO_USERS, type DemoUser } from '../helpers/stack.js';

const ORIGIN = 'https://app.example.com';
const defaults = configFromEnv({});
const config: Partial<GatewayConfig> = {
  corsOrigins: [ORIGIN],
  streams: { ...defaults.streams, perUser: 5, perConnection: 3, websocketsPerUser: 2 },
};

let served: ServedStack;
beforeAll(async () => {
  served = await startServedStack({ imports: true, config });
});
afterAll(() => served?.close());

const auth = (user: DemoUser = 'admin') => basic(DEMO_USERS[user].username, DEMO_USERS[user].password);
const wsUrl = () => `${served.base.replace('http', 'ws')}/graphql`;
const PROGRESS = 'subscription ($id: ID!) { importProgress(id: $id) { state done } }';

/** A graphql-ws client as a frontend makes one, counting its connection attempts. */
function wsClient(connectionParams: Record<string, unknown> = { authorization: auth() }, extra: Partial<Parameters<typeof createClient>[0]> = {}) {
  let attempts = 0;
  const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams, lazy: true, on: { connecting: () => void attempts++ }, ...extra });
  return { client, attempts: () => attempts };
}

/** The first thing a subscription or query gets: a value, its errors, or the close that ended it. */
const first = (client: Client, query: string, variables: Record<string, unknown> = {}, extensions?: Record<string, unknown>) =>
  new Promise<unknown>((resolve) => client.subscribe({ query, variables, ...(extensions ? { extensions } : {}) }, { next: resolve, error: resolve, complete: () => resolve('complete') }));

/** A raw WebSocket: what it received, and how it closed (or the HTTP answer that refused it). */
function raw(path = '/graphql', options: WebSocket.ClientOptions = {}, protocol: string | undefined = 'graphql-transport-ws') {
  const socket = new WebSocket(`${served.base.replace('http', 'ws')}${path}`, protocol, options);
  socket.on('error', () => undefined);
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const ended = new Promise<{ code?: number; reason?: string; status?: number; body?: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
  });
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  return { socket, messages, ended, opened };
}

async function pausedJob(user: DemoUser = 'admin', on: ServedStack = served): Promise<string> {
  const csv = `name\n${Array.from({ length: 200 }, (_, i) => `WS ${user} ${i}`).join('\n')}\n`;
  const started = await on.fetch('/imports?kind=client&format=csv&batchSize=10', { method: 'POST', headers: { 'content-type': 'text/csv', authorization: auth(user) }, body: csv });
  const { id } = await started.json() as { id: string };
  const paused = await on.fetch('/graphql', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: auth(user) },
    body: JSON.stringify({ query: 'mutation ($id: ID!) { pauseImport(id: $id) { state } }', variables: { id } }),
  });
  expect((await paused.json()).data.pauseImport.state).toBe('PAUSED');
  return id;
}

describe('the upgrade', () => {
  it('a page of a foreign origin is refused before the handshake (403, CSRF); CORS_ORIGINS\'s pages and clients without Origin are not', async () => {
    const foreign = raw('/graphql', { origin: 'https://evil.example.net' });
    expect(await foreign.ended).toMatchObject({ status: 403, body: expect.stringContaining('"code":"CSRF"') });
    const allowed = raw('/graphql', { origin: ORIGIN });
    await allowed.opened;
    allowed.socket.close();
    const none = raw('/graphql');
    await none.opened;
    none.socket.close();
  });

  it('only /graphql upgrades', async () => {
    for (const path of ['/graphql/', '/healthz', '/x']) expect((await raw(path).ended).status).toBe(404);
  });

  it('a WebSocket of another protocol (subscriptions-transport-ws) never opens: the handshake names none', async () => {
    const old = raw('/graphql', {}, 'graphql-ws');
    expect(await old.ended).toMatchObject({ code: 1006 });
    expect(old.messages).toEqual([]);
  });
});

describe('credentials', () => {
  it.each([
    ['none, and no default account', {}, 4401],
    ['a wrong password', { authorization: basic('admin@demo.test', 'wrong') }, 4401],
    ['Basic that is not base64', { authorization: 'Basic ***' }, 4401],
    ['an authorization that is not a string', { authorization: { user: 'admin' } }, 4400],
  ])('%s: closed at once with a code graphql-ws does not retry, no secret in the reason', async (_name, params, code) => {
    const { client, attempts } = wsClient(params);
    const ended = await first(client, '{ me { name } }') as { code: number; reason: string };
    expect(ended.code).toBe(code);
    expect(ended.reason).not.toMatch(/wrong|demo-/);
    expect(attempts()).toBe(1);
    await client.dispose();
  });

  it('a user without API access: closed 4403 (graphql-ws\' Forbidden, which its client would retry: a client gives up at once when told)', async () => {
    const { client } = wsClient({ authorization: auth('noapi') }, { retryAttempts: 0 });
    expect(await first(client, '{ me { name } }')).toMatchObject({ code: 4403, reason: 'This Upsales user has no API access' });
    await client.dispose();
  });

  it('the upgrade\'s Authorization header, connectionParams.authorization and connectionParams.headers.authorization all act as the user', async () => {
    class WithHeader extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { authorization: auth('sales') } });
      }
    }
    const byHeader = createClient({ url: wsUrl(), webSocketImpl: WithHeader });
    const byParams = wsClient({ authorization: auth('sales') }).client;
    const byHeaders = wsClient({ headers: { authorization: auth('sales') } }).client;
    for (const client of [byHeader, byParams, byHeaders]) {
      expect(await first(client, '{ me { email } }')).toMatchObject({ data: { me: { email: DEMO_USERS.sales.username } } });
      await client.dispose();
    }
  });
});

describe('bounds', () => {
  it(`at most MAX_WEBSOCKETS_PER_USER connections per user: one more is closed 4429, another user's is not`, async () => {
    // Not lazy: each holds its connection open.
    const open = [wsClient(undefined, { lazy: false }).client, wsClient(undefined, { lazy: false }).client];
    for (const client of open) expect(await first(client, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    const { client: third, attempts } = wsClient();
    expect(await first(third, '{ __typename }')).toMatchObject({ code: 4429, reason: expect.stringContaining('MAX_WEBSOCKETS_PER_USER (2)') });
    expect(attempts()).toBe(1);
    const sales = wsClient({ authorization: auth('sales') }).client;
    expect(await first(sales, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    for (const client of [...open, third, sales]) await client.dispose();
    // Closed connections free their places.
    const again = wsClient().client;
    await expect.poll(() => first(again, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    await again.dispose();
  });

  it('at most MAX_SUBSCRIPTIONS_PER_CONNECTION operations in progress on one connection; the others go on', async () => {
    const id = await pausedJob();
    const { client } = wsClient();
    const values: unknown[][] = [[], [], []];
    const stops = values.map((seen) => client.subscribe({ query: PROGRESS, variables: { id } }, { next: (value) => seen.push(value), error: () => undefined, complete: () => undefined }));
    await expect.poll(() => values.every((seen) => seen.length === 1)).toBe(true);
    expect(await first(client, PROGRESS, { id })).toEqual([expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })]);
    stops[0]();
    await expect.poll(() => first(client, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    stops.slice(1).forEach((stop) => stop());
    await client.dispose();
  });

  it('MAX_STREAMS_PER_USER counts every transport: WebSocket subscriptions, SSE, multipart and @defer alike; another user is not counted', async () => {
    const id = await pausedJob();
    const { client } = wsClient();
    const stops = [0, 1, 2].map(() => client.subscribe({ query: PROGRESS, variables: { id } }, { next: () => undefined, error: () => undefined, complete: () => undefined }));
    const streams = new AbortController();
    const open = (accept: string, query = PROGRESS) => served.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', accept, authorization: auth() }, body: JSON.stringify({ query, variables: { id } }), signal: streams.signal,
    });
    await expect.poll(async () => (await open('text/event-stream')).status).toBe(200);
    const multipart = await open('multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json');
    expect(multipart.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    // Five open: a sixth stream on any transport is refused.
    const deferred = await open('multipart/mixed', 'query { me { name } ... @defer { clients(first: 1) { totalCount } } }');
    expect(deferred.status).toBe(429);
    expect((await deferred.json()).errors[0].extensions.code).toBe('TOO_MANY_STREAMS');
    const sse = await open('text/event-stream');
    expect(sse.status).toBe(429);
    expect(sse.headers.get('retry-after')).toBe('5');
    const second = wsClient().client;
    expect(await first(second, PROGRESS, { id })).toMatchObject({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'TOO_MANY_STREAMS' }) })] });
    const theirs = await served.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: auth('sales') },
      body: JSON.stringify({ query: 'query { me { name } ... @defer { clients(first: 1) { totalCount } } }' }),
    });
    expect(theirs.status).toBe(200);
    await theirs.text();
    stops.forEach((stop) => stop());
    streams.abort();
    await Promise.all([client.dispose(), second.dispose()]);
  });
});

describe('MAX_STREAMS in all', () => {
  let small: ServedStack;
  beforeAll(async () => {
    small = await startServedStack({ imports: true, config: { streams: { ...defaults.streams, inAll: 2 } } });
  });
  afterAll(() => small?.close());

  it('past it, any user\'s next stream is 503 UNAVAILABLE with Retry-After, on every transport; a query is not a stream', async () => {
    const anotherStream = (user: DemoUser) => small.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: auth(user) },
      body: JSON.stringify({ query: 'subscription { importProgress(id: "00000000-0000-4000-8000-000000000000") { state } }' }),
    });
    const ids = [await pausedJob('admin', small), await pausedJob('sales', small)];
    const held = new AbortController();
    for (const [i, user] of (['admin', 'sales'] as const).entries()) {
      const stream = await small.fetch('/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: auth(user) },
        body: JSON.stringify({ query: PROGRESS, variables: { id: ids[i] } }), signal: held.signal,
      });
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    }
    const refused = await anotherStream('reader');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await refused.json()).errors[0]).toMatchObject({ extensions: { code: 'UNAVAILABLE' }, message: expect.stringContaining('MAX_STREAMS (2)') });
    const ws = createClient({ url: `${small.base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: auth('reader') } });
    expect(await first(ws, PROGRESS, { id: ids[0] })).toMatchObject({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAVAILABLE' }) })] });
    expect(await first(ws, '{ me { email } }')).toMatchObject({ data: { me: { email: DEMO_USERS.reader.username } } });
    await ws.dispose();
    held.abort();
  });
});

describe('each operation meets the rules an HTTP request meets, at no SOAP call', () => {
  let client: Client;
  beforeAll(() => {
    client = wsClient().client;
  });
  afterAll(() => client.dispose());

  it.each([
    ['a document over MAX_QUERY_DEPTH', `{ ${'clients { nodes { contacts { nodes { client { '.repeat(4)}name${' } } } } }'.repeat(4)} }`, {}, undefined, 'BAD_USER_INPUT', 'MAX_QUERY_DEPTH'],
    ['a document over MAX_QUERY_BYTES', `{ me { name } } # ${'x'.repeat(defaults.limits.queryBytes)}`, {}, undefined, 'BAD_USER_INPUT', 'MAX_QUERY_BYTES'],
    ['brackets nested too deep', `{ me ${'('.repeat(100)} }`, {}, undefined, 'BAD_USER_INPUT', 'deeper than'],
    ['a control character in a variable', 'query ($n: String) { clients(filter: { name: { contains: $n } }) { totalCount } }', { n: 'a\u0001b' }, undefined, 'BAD_USER_INPUT', 'clients.filter.name.contains'],
    ['an operation estimated over MAX_QUERY_CALLS', 'mutation ($inputs: [ClientCreateInput!]!) { createClients(inputs: $inputs) { writtenCount } }',
      { inputs: Array.from({ length: 4_600 }, () => ({ name: 'Too many' })) }, undefined, 'BAD_USER_INPUT', 'more than MAX_QUERY_CALLS'],
    ['extensions over 4096 bytes', '{ me { name } }', {}, { pad: 'x'.repeat(5000) }, 'BAD_REQUEST', 'extensions is'],
    ['an unknown persisted hash', '', {}, { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } }, 'PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound'],
    ['a syntax error', '{ me { name ', {}, undefined, 'GRAPHQL_PARSE_FAILED', 'Syntax Error'],
  ])('%s', async (_name, query, variables, extensions, code, message) => {
    await served.resetStats();
    const answer = await first(client, query, variables, extensions);
    const errors = (Array.isArray(answer) ? answer : (answer as { errors: unknown[] }).errors) as { message: string; extensions: Record<string, unknown> }[];
    expect(errors[0].extensions.code).toBe(code);
    expect(errors[0].message).toContain(message);
    expect(errors[0].message.length).toBeLessThan(400);
    expect(errors[0].extensions).not.toHaveProperty('http');
    expect((await served.stats()).calls.total).toBe(0);
  });

  it('a query and a mutation run as the connection\'s user, with the calls they cost', async () => {
    const me = await first(client, '{ me { email } clients(first: 1) { totalCount } }') as { data: { me: { email: string } }; extensions: { upsales: { soapCalls: number } } };
    expect(me.data.me.email).toBe(DEMO_USERS.admin.username);
    expect(me.extensions.upsales.soapCalls).toBeGreaterThan(0);
    const written = await first(client, 'mutation { updateClient(id: "Q2xpZW50OjMw", input: { phone: "+46 8 30" }) { status } }');
    expect(written).toMatchObject({ data: { updateClient: { status: 'WRITTEN' } } });
  });
});

describe('bad messages', () => {
  it.each([
    ['a message over MAX_BODY_BYTES', (socket: WebSocket) => socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(defaults.limits.bodyBytes) } })), 1009],
    ['a message that is not JSON', (socket: WebSocket) => socket.send('{"type": '), 4400],
    ['a subscribe before connection_init', (socket: WebSocket) => socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { name } }' } })), 4401],
    ['two connection_init', (socket: WebSocket) => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: auth() } }));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: auth() } }));
    }, 4429],
    ['no connection_init at all', () => undefined, 4408],
  ])('%s: closed (%i)', async (_name, send, code) => {
    const connection = raw();
    await connection.opened;
    send(connection.socket);
    expect((await connection.ended).code).toBe(code);
  });
});

describe('idle and stopping', () => {
  let idle: ServedStack;
  beforeAll(async () => {
    idle = await startServedStack({ imports: true, config: { streams: { ...defaults.streams, idleMs: 1_000 } } });
  });
  afterAll(() => idle?.close());

  it('a subscription with no event for STREAM_IDLE_TIMEOUT_MS gets STREAM_IDLE and ends, over a WebSocket and over SSE', async () => {
    const id = await pausedJob('admin', idle);
    const client = createClient({ url: `${idle.base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: auth() } });
    const values: unknown[] = [];
    const started = performance.now();
    await new Promise<void>((resolve) => client.subscribe({ query: PROGRESS, variables: { id } }, { next: (value) => values.push(value), error: () => resolve(), complete: resolve }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(values).toEqual([{ data: { importProgress: { state: 'PAUSED', done: expect.any(Number) } } }, { errors: [expect.objectContaining({ extensions: { code: 'STREAM_IDLE' } })] }]);
    await client.dispose();
    const sse = await idle.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: auth() }, body: JSON.stringify({ query: PROGRESS, variables: { id } }) });
    const text = await sse.text();
    expect(text).toContain('"code":"STREAM_IDLE"');
    expect(text).toContain('event: complete');
  });

  it('a WebSocket with no operation and no message for STREAM_IDLE_TIMEOUT_MS is closed (1000)', async () => {
    const connection = new WebSocket(`${idle.base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => connection.on('close', (code) => resolve(code)));
    await new Promise((resolve) => connection.once('open', resolve));
    connection.send(JSON.stringify({ type: 'connection_init', payload: { authorization: auth() } }));
    const started = performance.now();
    expect(await closed).toBe(1000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('stopping the gateway closes its WebSockets with 1001 (going away: clients reconnect elsewhere)', async () => {
    const stopping = await startServedStack({ imports: true });
    const connection = new WebSocket(`${stopping.base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => connection.on('close', (code) => resolve(code)));
    await new Promise((resolve) => connection.once('open', resolve));
    connection.send(JSON.stringify({ type: 'connection_init', payload: { authorization: auth() } }));
    await new Promise((resolve) => connection.once('message', resolve));
    await stopping.close();
    expect(await closed).toBe(1001);
  });
});
