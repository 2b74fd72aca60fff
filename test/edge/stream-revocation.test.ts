/**
 * A revoked user's streams end at once: once Upsales refuses a user it had
 * accepted (here, deactivated in Upsales by another program), every stream
 * of that user, over SSE and over a WebSocket (graphql-ws, the client
 * library), gets one last payload UNAUTHENTICATED and ends, long before
 * the change feed's next poll would have found the refusal; another user's
 * stream goes on. API access taken away (API_ACCESS_DENIED) revokes alike. Across replicas sharing Redis, a refusal met by one ends
 * the user's streams on the other.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { openStream } from '../helpers/change-stream.js';
import { startTestRedisOf, type TestRedisTarget } from '../helpers/redis-server.js';
import { startReplica, type Replica } from '../helpers/replicas.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { basic, changeUser, deactivateUser, DEMO_USERS, TEST_ENV } from '../helpers/stack.js';

/** No poll of the feed comes within a test: only the revocation can end a stream. */
const CHANGES = configFromEnv({ ...TEST_ENV, CHANGES_POLL_MS: '600000' }).changes;
const SALES = basic(DEMO_USERS.sales.username, DEMO_USERS.sales.password);
const WATCH = 'subscription { changes(kinds: [CLIENT]) { kind type upsalesId } }';

type Payload = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };

/** Sales' `me`, read upstream: the refusal that revokes sales, met by the gateway at `base`. */
async function refusal(base: string): Promise<void> {
  const answer = await fetch(`${base}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: SALES, 'cache-control': 'no-cache' }, body: JSON.stringify({ query: '{ me { name } }' }),
  });
  expect(((await answer.json()) as Payload).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
}

/** A subscription over graphql-ws as sales: every payload it gets, and whether it has completed. */
function overWebSocket(base: string) {
  const client = createClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: SALES }, retryAttempts: 0 });
  const payloads: Payload[] = [];
  let completed = false;
  const subscribed = new Promise<void>((resolve) => {
    client.subscribe({ query: WATCH }, {
      next: (payload) => { payloads.push(payload as Payload); },
      error: () => { completed = true; },
      complete: () => { completed = true; },
    });
    client.on('connected', () => resolve());
  });
  return { payloads, completed: () => completed, subscribed, close: () => client.dispose() };
}

describe('one gateway', () => {
  let served: ServedStack;
  beforeAll(async () => {
    served = await startServedStack({ config: { changes: CHANGES, credentialsTtlMs: 600_000 } });
  });
  afterAll(() => served?.close());

  it('Upsales refuses sales: their SSE and WebSocket streams end with UNAUTHENTICATED at once; the administrator\'s goes on', async () => {
    const sse = await openStream<unknown>(served.base, WATCH, 'sales');
    expect(sse.status).toBe(200);
    const ws = overWebSocket(served.base);
    const admins = await openStream<{ upsalesId: number }>(served.base, WATCH, 'admin');
    try {
      await ws.subscribed;
      // Each feed's first poll (its baseline) is done: the streams wait for changes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sse.pending()).toBe(0);
      await deactivateUser(served.sim.url, DEMO_USERS.sales.username);
      await refusal(served.base);

      const [last] = await sse.take(1, 5_000);
      expect(last?.errors?.[0]).toMatchObject({
        message: 'Upsales refused the credentials of this stream\'s user since it opened: it is closed; send the user\'s current password to open it again',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(await sse.take(1, 1_000)).toEqual([]);
      await expect.poll(ws.completed, { timeout: 5_000 }).toBe(true);
      expect(ws.payloads.map((payload) => payload.errors?.[0]?.extensions?.code)).toEqual(['UNAUTHENTICATED']);

      // The administrator's stream is open still: a write through the gateway reaches it.
      const written = await served.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
        body: JSON.stringify({ query: 'mutation { createClient(input: { name: "Revocation bystander" }) { client { upsalesId } } }' }),
      });
      const made = ((await written.json()) as { data: { createClient: { client: { upsalesId: number } } } }).data.createClient.client.upsalesId;
      const [heard] = await admins.take(1, 5_000);
      expect(heard?.data?.changes).toMatchObject({ upsalesId: made });
    } finally {
      sse.close();
      admins.close();
      await ws.close();
    }
  });
});

describe('API access taken away (API_ACCESS_DENIED)', () => {
  let served: ServedStack;
  beforeAll(async () => {
    served = await startServedStack({ config: { changes: CHANGES, credentialsTtlMs: 600_000, cacheTtlMs: 600_000 } });
  });
  afterAll(() => served?.close());

  it('revokes the user as a refused password does: the stream ends, nothing kept, no rateLimit', async () => {
    const gql = async (query: string, headers: Record<string, string> = {}) => (await served.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: SALES, ...headers }, body: JSON.stringify({ query }),
    })).json() as Promise<Payload & { extensions?: { upsales?: { cachedCalls: number } } }>;
    const PAGE = '{ clients(first: 3) { nodes { name } } }';
    expect((await gql(PAGE)).errors).toBeUndefined();
    expect((await gql(PAGE)).extensions?.upsales?.cachedCalls).toBeGreaterThan(0);
    const stream = await openStream<unknown>(served.base, WATCH, 'sales');
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await changeUser(served.sim.url, DEMO_USERS.sales.username, { apiAccess: false });
      const refused = await gql('{ me { name } }', { 'cache-control': 'no-cache' });
      // Upsales' refusal says why: no API access (FORBIDDEN, as the gateway names API_ACCESS_DENIED).
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const [last] = await stream.take(1, 5_000);
      expect(last?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const kept = await gql(PAGE);
      expect(kept.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(kept.extensions?.upsales?.cachedCalls ?? 0).toBe(0);
      expect((await gql('{ rateLimit { used } }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      stream.close();
    }
  });
});

describe('replicas sharing a Redis node', () => {
  let redis: TestRedisTarget;
  let sim: RunningSimulator;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    redis = await startTestRedisOf('single node');
    sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
    const config = { changes: CHANGES, credentialsTtlMs: 600_000, budgetCalls: 1_000_000 };
    a = await startReplica({ upstreamUrl: sim.url, ...redis.config, config });
    b = await startReplica({ upstreamUrl: sim.url, ...redis.config, config });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sim?.close();
    await redis?.close();
  });

  it('a refusal met by A ends sales\' stream on B with UNAUTHENTICATED', async () => {
    const onB = await openStream<unknown>(b.base, WATCH, 'sales');
    try {
      expect(onB.status).toBe(200);
      // A checks sales' password once, as any replica a user reaches does.
      expect((await a.query('{ me { name } }', undefined, 'sales')).errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await deactivateUser(sim.url, DEMO_USERS.sales.username);
      await refusal(a.base);
      const [last] = await onB.take(1, 5_000);
      expect(last?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await onB.take(1, 1_000)).toEqual([]);
    } finally {
      onB.close();
    }
  });
});
