/**
 * Live queries (`query @live`) over HTTP (SSE) against a gateway and the
 * embedded Upsales service, with changes written straight to the SOAP
 * service by another program (an adapter of its own, not the gateway's):
 * a create, an update and a delete each bring a new result, and a write
 * through the gateway does at once; a sales user's live query hears
 * nothing of the administrator's hidden items and shows none; a run again
 * costs exactly the calls of what the change dropped; the estimate,
 * MAX_QUERY_CALLS and the stream caps hold; `@live(throttle:)` spaces the
 * runs; what the gateway can refuse alone costs no call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIVE_THROTTLE_MS } from '../../app/plugins/use-live-queries.js';
import { configFromEnv } from '../../src/config/config.js';
import type { Item } from '../../src/contract/types.js';
import type { UpstreamClient } from '../../src/upstream/index.js';
import { sseResults, type StreamedResult } from '../helpers/sse.js';
import { basic, DEMO_USERS, startStack, straightClient, UNTHROTTLED, type DemoUser, type Stack } from '../helpers/stack.js';

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
  elsewhere = straightClient(stack.sim.url);
  salesUserId = (await stack.query<{ me: { upsalesId: number } }>('{ me { upsalesId } }', { as: 'sales' })).data!.me.upsalesId;
});
afterAll(() => stack?.close());

/** A live query over SSE, as `as`; its results one at a time. */
async function live<T>(query: string, as: DemoUser = 'admin', on: Stack = stack) {
  const response = await on.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS[as].username, DEMO_USERS[as].password) },
    body: JSON.stringify({ query }),
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

/**
 * The first result from now on that `shows`, and every result before it.
 * A run may come before the one a test waits for: a change made just
 * before the live query opened can be heard just after (a run that finds
 * nothing new); tests wait for what a change must show, never for a count.
 */
async function until<T>(results: { next(): Promise<StreamedResult<T> | null> }, shows: (result: StreamedResult<T>) => boolean) {
  const seen: StreamedResult<T>[] = [];
  for (let result = await results.next(); result; result = await results.next()) {
    seen.push(result);
    if (shows(result)) return { result, seen };
  }
  throw new Error(`The stream ended before it showed what was awaited: ${JSON.stringify(seen)}`);
}

describe('a live query hears changes made elsewhere', () => {
  it('a create, an update and a delete straight in Upsales each bring a new result', async () => {
    const id = await created({ name: 'Livecrud A', phone: '+46 1' });
    const results = await live<Board>(board('Livecrud'));
    try {
      expect(names(await results.next())).toEqual(['Livecrud A']);
      const second = await created({ name: 'Livecrud B' });
      await until(results, (result) => names(result)?.length === 2);
      await elsewhere.update('client', [{ id, phone: '+46 2' }]);
      const { result: updated } = await until(results, (result) => result.data?.clients.nodes.find((node) => node.upsalesId === id)?.phone === '+46 2');
      expect(names(updated)).toEqual(['Livecrud A', 'Livecrud B']);
      await elsewhere.delete('client', [second]);
      const { result: deleted } = await until(results, (result) => names(result)?.length === 1);
      expect(names(deleted)).toEqual(['Livecrud A']);
      expect(deleted.data?.clients.totalCount).toBe(1);
    } finally {
      await results.close();
    }
  });

  it('a write through the gateway brings a new result at once, before any poll could', async () => {
    // The feed polls once an hour here: only the write itself can bring the result.
    const hourly = await startStack({
      sim: UNTHROTTLED.sim,
      config: { ...configFromEnv({ CHANGES_POLL_MS: '3600000', CHANGES_BUDGET_SHARE: '1' }), ...UNTHROTTLED.config, cacheTtlMs: 600_000 },
    });
    try {
      const [made] = await straightClient(hourly.sim.url)
        .create('client', [{ name: 'Livegateway A' }]);
      const results = await live<Board>(board('Livegateway'), 'admin', hourly);
      try {
        expect(names(await results.next())).toEqual(['Livegateway A']);
        const written = await hourly.query(`mutation { updateClient(id: "${Buffer.from(`Client:${made.item!.id}`).toString('base64')}", input: { phone: "+46 9" }) { status } }`);
        expect(written.errors).toBeUndefined();
        const shown = until(results, (next) => next.data?.clients.nodes[0].phone === '+46 9');
        const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no new result within 5 s of the write')), 5_000));
        const { result } = await Promise.race([shown, late]);
        expect(result.errors).toBeUndefined();
      } finally {
        await results.close();
      }
    } finally {
      await hourly.close();
    }
  });
});

describe('roles', () => {
  it("a sales user's live query hears nothing of the administrator's hidden client, and shows none", async () => {
    const visible = await created({ name: 'Liveroles visible', users: [{ id: salesUserId }] });
    const results = await live<Board>(board('Liveroles'), 'sales');
    // The administrator watches the same board: the gateway hears the hidden changes, and must keep them from sales.
    const admins = await live<Board>(board('Liveroles'), 'admin');
    const salesCalls = async () => (await stack.stats()).calls.byUser[DEMO_USERS.sales.username] ?? 0;
    /** Three more polls of sales' feed (with sales' own credentials) from now. */
    const threePolls = async () => {
      const from = await salesCalls();
      await expect.poll(salesCalls, { timeout: 10_000 }).toBeGreaterThanOrEqual(from + 3);
    };
    const shown: StreamedResult<Board>[] = [];
    const reading = (async () => {
      for (let result = await results.next(); result; result = await results.next()) shown.push(result);
    })();
    try {
      await expect.poll(() => shown.length).toBeGreaterThan(0);
      expect(names(shown[0])).toEqual(['Liveroles visible']);
      await threePolls();
      const before = shown.length;
      // The administrator's own client, hidden from sales: created, then changed, while sales' feed polls.
      const hidden = await created({ name: 'Liveroles hidden' });
      await elsewhere.update('client', [{ id: hidden, phone: '+46 3' }]);
      await until(admins, (result) => result.data?.clients.nodes.some((node) => node.upsalesId === hidden && node.phone === '+46 3') ?? false);
      await threePolls();
      expect(shown.length).toBe(before);
      // Then a change sales may see: its result comes, and no result ever showed anything hidden.
      await elsewhere.update('client', [{ id: visible, phone: '+46 4' }]);
      await expect.poll(() => shown.at(-1)?.data?.clients.nodes, { timeout: 10_000 }).toEqual([{ upsalesId: visible, name: 'Liveroles visible', phone: '+46 4' }]);
      for (const result of shown) expect(JSON.stringify(result)).not.toMatch(new RegExp(`hidden|"upsalesId":${hidden}\\b`));
    } finally {
      await Promise.all([results.close(), admins.close()]);
      await reading;
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
      const { result: again } = await until(results, (result) => names(result)?.length === 2);
      expect(names(again)).toEqual(['Livecost A', 'Livecost B']);
      // The page of clients (dropped by the change) is read again; nothing else is.
      expect(again.extensions!.upsales).toMatchObject({ soapCalls: 1, estimatedCalls: firstCalls.estimatedCalls });
    } finally {
      await results.close();
    }
  });
});

describe('@live(throttle:)', () => {
  it('runs again at most once per throttle: three writes 100 ms apart make one run, a throttle after the first result', async () => {
    const id = await created({ name: 'Livethrottle A' });
    const THROTTLE = 1_500;
    const results = await live<Board>(board('Livethrottle').replace('@live', `@live(throttle: ${THROTTLE})`));
    const arrived: number[] = [];
    const next = async () => {
      const result = await results.next();
      arrived.push(Date.now());
      return result;
    };
    try {
      expect(names(await next())).toEqual(['Livethrottle A']);
      const global = Buffer.from(`Client:${id}`).toString('base64');
      for (const phone of ['+46 71', '+46 72', '+46 73']) {
        const written = await stack.query(`mutation { updateClient(id: "${global}", input: { phone: "${phone}" }) { status } }`);
        expect(written.errors).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { result, seen } = await until({ next }, (shown) => shown.data?.clients.nodes[0]?.phone === '+46 73');
      expect(result.errors).toBeUndefined();
      // Without the throttle each write brings a run at once (the test above); here the first, +46 71, is never shown.
      expect(seen.map((shown) => shown.data?.clients.nodes[0]?.phone)).not.toContain('+46 71');
      for (let i = 1; i < arrived.length; i++) expect(arrived[i] - arrived[i - 1]).toBeGreaterThanOrEqual(THROTTLE - 50);
    } finally {
      await results.close();
    }
  });
});

describe('each run is a request of its own', () => {
  it('each run has its own MAX_QUERY_CALLS: two runs of 2 calls under a ceiling of 3', async () => {
    // Nothing kept: each run reads everything again.
    const tight = await startStack({
      sim: UNTHROTTLED.sim, config: { ...configFromEnv({ CHANGES_POLL_MS: String(POLL_MS), CHANGES_BUDGET_SHARE: '1' }), ...UNTHROTTLED.config, maxQueryCalls: 3, cacheTtlMs: 0 },
    });
    const write = straightClient(tight.sim.url);
    try {
      const [made] = await write.create('client', [{ name: 'Liveceiling A' }]);
      // The password accepted already: the watch's check of it costs no call in the first run.
      expect((await tight.query('{ me { name } }')).errors).toBeUndefined();
      const results = await live<Board & { clients: { nodes: { accountManagers: { name: string }[] }[] } }>(
        'query @live { clients(first: 10, filter: { name: { startsWith: "Liveceiling" } }) { totalCount nodes { upsalesId name phone accountManagers { name } } } }', 'admin', tight,
      );
      try {
        const first = await results.next();
        expect(first?.errors).toBeUndefined();
        expect(first?.extensions?.upsales).toMatchObject({ soapCalls: 2, estimatedCalls: 2 });
        await write.update('client', [{ id: made.item!.id, phone: '+46 5' }]);
        const { result: again } = await until(results, (result) => result.data?.clients.nodes[0]?.phone === '+46 5');
        expect(again.errors).toBeUndefined();
        expect(again.extensions?.upsales).toMatchObject({ soapCalls: 2, cachedCalls: 0, estimatedCalls: 2 });
      } finally {
        await results.close();
      }
    } finally {
      await tight.close();
    }
  });
});

describe('refused before any call', () => {
  // A stack of its own: no feed of another test polls meanwhile.
  let quiet: Stack;
  beforeAll(async () => {
    quiet = await startStack({ sim: UNTHROTTLED.sim, config: UNTHROTTLED.config });
  });
  afterAll(() => quiet?.close());

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
    const tooMany = await live('query @live { clients(first: 1) { nodes { name } } contacts(first: 1) { nodes { name } } orders(first: 1) { nodes { value } } products(first: 1) { nodes { name } } projects(first: 1) { nodes { name } } leads(first: 1) { nodes { name } } }', 'admin', quiet);
    expect((await tooMany.next())?.errors?.[0]).toMatchObject({
      message: 'This live query reads 6 kinds of items (client, contact, order, product, project, lead); a live query may watch at most 5: split it',
      extensions: { code: 'BAD_USER_INPUT', kinds: 6, maxKinds: 5 },
    });
    const none = await live('query @live { orderStages { name } }', 'admin', quiet);
    expect((await none.next())?.errors?.[0]).toMatchObject({
      message: 'This live query reads no Upsales items (clients, contacts, orders, ...): nothing would make it change; drop @live',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await quiet.stats()).calls.total).toBe(0);
  });

  it('under trusted documents, a live query that is not trusted is refused like any document: PERSISTED_QUERY_ONLY, no call', async () => {
    const trusted = await startStack({ sim: UNTHROTTLED.sim, config: { ...UNTHROTTLED.config, allowArbitraryOperations: false } });
    try {
      const refused = await trusted.query(board('Livetrusted'));
      expect(refused.status).toBe(400);
      expect(refused.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
      expect((await trusted.stats()).calls.total).toBe(0);
    } finally {
      await trusted.close();
    }
  });

  it('a throttle below 0 or above MAX_LIVE_THROTTLE_MS: BAD_USER_INPUT naming the range, no call', async () => {
    for (const throttle of [-1, MAX_LIVE_THROTTLE_MS + 1]) {
      const refused = await live(`query @live(throttle: ${throttle}) { clients(first: 1) { nodes { name } } }`, 'admin', quiet);
      expect((await refused.next())?.errors?.[0]).toMatchObject({
        message: `@live(throttle: ${throttle}): the throttle is the least time between two results, 0 to ${MAX_LIVE_THROTTLE_MS} ms`,
        extensions: { code: 'BAD_USER_INPUT', throttle, maxThrottle: MAX_LIVE_THROTTLE_MS },
      });
    }
    expect((await quiet.stats()).calls.total).toBe(0);
  });

  it('asked for as JSON only (no stream to carry it): 406 NOT_ACCEPTABLE, no call', async () => {
    const refused = await quiet.query(board('Livejson'));
    expect(refused.status).toBe(406);
    expect(refused.errors?.[0]).toMatchObject({
      message: 'A live query answers as a stream: send Accept: text/event-stream (SSE) or multipart/mixed, or use a WebSocket',
      extensions: { code: 'NOT_ACCEPTABLE' },
    });
    expect((await quiet.stats()).calls.total).toBe(0);
  });

  it('@live with @defer is refused by validation', async () => {
    const refused = await quiet.query('query @live { clients(first: 1) { nodes { name ... @defer { phone } } } }');
    expect(refused.errors).toEqual([expect.objectContaining({ message: 'Cannot mix "@defer" with "@live".' })]);
    expect((await quiet.stats()).calls.total).toBe(0);
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
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toEqual(expect.any(String));
      expect((await second.json()).errors[0].extensions.code).toBe('TOO_MANY_STREAMS');
      await first.close();
      await expect.poll(async () => {
        const again = await open(capped);
        if (again.status !== 200) return again.status;
        const results = sseResults(again);
        const result = await results.next();
        await results.close();
        return result?.errors ? JSON.stringify(result.errors) : 200;
      }).toBe(200);
    } finally {
      await capped.close();
    }
  });
});
