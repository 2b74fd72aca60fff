/**
 * Live queries (`query @live`) over HTTP (SSE) against a gateway and the
 * embedded Upsales service, with changes written straight to the SOAP
 * service by another program (an adapter of its own, not the gateway's):
 * a create, an update and a delete each bring a new result, and a write
 * through the gateway does at once; a sales user's live query hears
 * nothing of the administrator's hidden items and shows none; a run again
 * costs exactly the calls of what the change dropped; the estimate,
 * MAX_QUERY_CALLS and the stream caps hold; what the gateway can refuse
 * alone costs no call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import type { Item } from '../../src/contract/types.js';
import { createUpstream, type UpstreamClient } from '../../src/upstream/index.js';
import { sseResults, type StreamedResult } from '../helpers/sse.js';
import { basic, DEMO_USERS, startStack, UNTHROTTLED, type DemoUser, type Stack } from '../helpers/stack.js';

/** The feed polls often here, so that tests wait little; the budget is no concern in this file. */
const POLL_MS = 150;

let stack: Stack;
/** Another program, writing straight to the SOAP service as the administrator. */
let elsewhere: UpstreamClient;
let salesUserId: number;
beforeAll(async () => {
  stack = await startStack({
    sim: UNTHROTTLED.sim,
    config: { ...configFromEnv({ CHANGES_POLL_MS: String(POLL_MS), CHANGES_BUDGET_SHARE: '1' }), ...UNTHROTTLED.config, cacheTtlMs: 600_000 },
  });
  elsewhere = createUpstream({ baseUrl: stack.sim.url, timeoutMs: 10_000 }).forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] });
  salesUserId = (await stack.query<{ me: { upsalesId: number } }>('{ me { upsalesId } }', { as: 'sales' })).data!.me.upsalesId;
});
afterAll(() => stack?.close());

/** A live query over SSE, as `as`; its results one at a time. */
async function live<T>(query: string, as: DemoUser = 'admin', variables?: Record<string, unknown>) {
  const response = await stack.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS[as].username, DEMO_USERS[as].password) },
    body: JSON.stringify({ query, variables }),
  });
  return sseResults<T>(response);
}

const created = async (item: Item): Promise<number> => {
  const [result] = await elsewhere.create('client', [item]);
  expect(result.success).toBe(true);
  return result.item!.id!;
};

type Board = { clients: { totalCount: number; nodes: { upsalesId: number; name: string; phone: string | null }[] } };
const board = (prefix: string) => `query Board @live { clients(first: 10, filter: { name: { startsWith: "${prefix}" } }, orderBy: [{ field: name }]) {
  totalCount nodes { upsalesId name phone } } }`;
const names = (result: StreamedResult<Board> | null) => result?.data?.clients.nodes.map((node) => node.name);

describe('a live query hears changes made elsewhere', () => {
  it('a create, an update and a delete straight in Upsales each bring a new result', async () => {
    const id = await created({ name: 'Livecrud A', phone: '+46 1' });
    const results = await live<Board>(board('Livecrud'));
    try {
      expect(names(await results.next())).toEqual(['Livecrud A']);
      const second = await created({ name: 'Livecrud B' });
      expect(names(await results.next())).toEqual(['Livecrud A', 'Livecrud B']);
      await elsewhere.update('client', [{ id, phone: '+46 2' }]);
      const updated = await results.next();
      expect(updated?.data?.clients.nodes.find((node) => node.upsalesId === id)?.phone).toBe('+46 2');
      await elsewhere.delete('client', [second]);
      const deleted = await results.next();
      expect(names(deleted)).toEqual(['Livecrud A']);
      expect(deleted?.data?.clients.totalCount).toBe(1);
    } finally {
      await results.close();
    }
  });

  it('a write through the gateway brings a new result at once, before any poll could', async () => {
    const id = await created({ name: 'Livegateway A' });
    const results = await live<Board>(board('Livegateway'));
    try {
      expect(names(await results.next())).toEqual(['Livegateway A']);
      const written = await stack.query(`mutation { updateClient(id: "${Buffer.from(`Client:${id}`).toString('base64')}", input: { phone: "+46 9" }) { status } }`);
      expect(written.errors).toBeUndefined();
      const next = await results.next();
      expect(next?.data?.clients.nodes[0].phone).toBe('+46 9');
    } finally {
      await results.close();
    }
  });
});

describe('roles', () => {
  it("a sales user's live query hears nothing of the administrator's hidden client, and shows none", async () => {
    const visible = await created({ name: 'Liveroles visible', accountManagers: [{ id: salesUserId }] });
    const results = await live<Board>(board('Liveroles'), 'sales');
    try {
      expect(names(await results.next())).toEqual(['Liveroles visible']);
      // The administrator's own client: hidden from sales. Polls go by; no result comes of it.
      const hidden = await created({ name: 'Liveroles hidden' });
      await elsewhere.update('client', [{ id: hidden, phone: '+46 3' }]);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 6));
      // Then a change sales may see: the next result is that one, and shows nothing hidden.
      await elsewhere.update('client', [{ id: visible, phone: '+46 4' }]);
      const next = await results.next();
      expect(next?.data?.clients.nodes).toEqual([{ upsalesId: visible, name: 'Liveroles visible', phone: '+46 4' }]);
      expect(JSON.stringify(next)).not.toContain(String(hidden));
    } finally {
      await results.close();
    }
  });
});

describe('what a run costs', () => {
  it('the first run as any query; a run after a change, only the reads the change dropped', async () => {
    await created({ name: 'Livecost A' });
    const results = await live<Board>(board('Livecost'));
    try {
      const first = await results.next();
      expect(first?.errors).toBeUndefined();
      const firstCalls = first!.extensions!.upsales!;
      await created({ name: 'Livecost B' });
      const again = await results.next();
      expect(names(again)).toEqual(['Livecost A', 'Livecost B']);
      // The page of clients (dropped by the change) is read again; nothing else is.
      expect(again!.extensions!.upsales).toMatchObject({ soapCalls: 1, estimatedCalls: firstCalls.estimatedCalls });
    } finally {
      await results.close();
    }
  });
});

describe('refused before any call', () => {
  it('a live query over MAX_QUERY_CALLS even if every kind were empty: refused, no call', async () => {
    const tight = await startStack({ sim: UNTHROTTLED.sim, config: { ...UNTHROTTLED.config, maxQueryCalls: 3 } });
    try {
      const response = await tight.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
        body: JSON.stringify({ query: 'query @live { clients(first: 1) { nodes { name } } contacts(first: 1) { nodes { name } } orders(first: 1) { nodes { value } } products(first: 1) { nodes { name } } }' }),
      });
      const results = sseResults(response);
      const refused = await results.next();
      expect(refused?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxQueryCalls: 3 });
      expect(await results.next()).toBeNull();
      expect((await tight.stats()).calls.total).toBe(0);
    } finally {
      await tight.close();
    }
  });

  it('more kinds than a live query may watch, or none: BAD_USER_INPUT, no call', async () => {
    await stack.resetStats();
    const tooMany = await live('query @live { clients(first: 1) { nodes { name } } contacts(first: 1) { nodes { name } } orders(first: 1) { nodes { value } } products(first: 1) { nodes { name } } projects(first: 1) { nodes { name } } leads(first: 1) { nodes { name } } }');
    expect((await tooMany.next())?.errors?.[0]).toMatchObject({
      message: 'This live query reads 6 kinds of items (client, contact, order, product, project, lead); a live query may watch at most 5: split it',
      extensions: { code: 'BAD_USER_INPUT', kinds: 6, maxKinds: 5 },
    });
    const none = await live('query @live { orderStages { name } }');
    expect((await none.next())?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await stack.stats()).calls.total).toBe(0);
  });

  it('@live with @defer is refused by validation', async () => {
    await stack.resetStats();
    const refused = await stack.query('query @live { clients(first: 1) { nodes { name ... @defer { phone } } } }');
    expect(refused.errors).toEqual([expect.objectContaining({ message: 'Cannot mix "@defer" with "@live".' })]);
    expect((await stack.stats()).calls.total).toBe(0);
  });
});

describe('a live query is a stream', () => {
  it('past MAX_STREAMS_PER_USER the next live query is refused TOO_MANY_STREAMS; leaving gives the slot back', async () => {
    const capped = await startStack({ sim: UNTHROTTLED.sim, config: { ...configFromEnv({ MAX_STREAMS_PER_USER: '1' }), ...UNTHROTTLED.config } });
    const open = (stackOf: Stack) => stackOf.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
      body: JSON.stringify({ query: board('Livecap') }),
    });
    try {
      const first = sseResults(await open(capped));
      expect((await first.next())?.errors).toBeUndefined();
      const second = await open(capped);
      const refused = await sseResults(second).next().catch(() => null);
      expect(second.status === 429 || refused?.errors?.[0]?.extensions?.code === 'TOO_MANY_STREAMS').toBe(true);
      await first.close();
      await expect.poll(async () => {
        const again = sseResults(await open(capped));
        const result = await again.next();
        await again.close();
        return result?.errors?.[0]?.extensions?.code ?? 'ok';
      }).toBe('ok');
    } finally {
      await capped.close();
    }
  });
});
