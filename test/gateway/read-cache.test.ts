/**
 * Reads shared across requests (memory store): a page read twice within
 * UPSALES_CACHE_TTL_MS costs nothing the second time; identical reads in
 * flight are sent once; a write of a kind through the gateway (a mutation,
 * or an import's create through the same upstream client) drops every kept
 * read it may change; users never share answers; a wrong password is never
 * served one; `Cache-Control: no-cache` and mutations read upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, DEMO_USERS, startStack, straightClient, UNTHROTTLED, type GraphQLResponse, type Stack } from '../helpers/stack.js';

let stack: Stack;
let ids: { client: number; product: number; admin: number };
beforeAll(async () => {
  stack = await startStack({ sim: UNTHROTTLED.sim, config: { ...UNTHROTTLED.config, cacheTtlMs: 60_000 } });
  const found = await stack.query<{ clients: { nodes: { upsalesId: number }[] }; products: { nodes: { upsalesId: number }[] }; me: { upsalesId: number } }>(
    '{ clients(first: 1, orderBy: [{ field: id }]) { nodes { upsalesId } } products(first: 1) { nodes { upsalesId } } me { upsalesId } }',
  );
  ids = { client: found.data!.clients.nodes[0].upsalesId, product: found.data!.products.nodes[0].upsalesId, admin: found.data!.me.upsalesId };
});
afterAll(() => stack.close());

const PAGE = '{ clients(first: 10, orderBy: [{ field: name }]) { totalCount nodes { name contacts(first: 3) { nodes { name } } accountManagers { name } } } }';
const upsales = (response: GraphQLResponse) => response.extensions!.upsales!;

describe('a page read again within the TTL', () => {
  it('costs no call the second time, and says what it saved', async () => {
    await stack.query(PAGE, { headers: { 'cache-control': 'no-cache' } });
    await stack.resetStats();
    const first = await stack.query(PAGE, { as: 'reader' });
    const sent = (await stack.stats()).calls.total;
    expect(upsales(first)).toMatchObject({ soapCalls: 3, cachedCalls: 0 });
    await stack.resetStats();
    const second = await stack.query(PAGE, { as: 'reader' });
    expect(second.data).toEqual(first.data);
    expect(upsales(second)).toMatchObject({ soapCalls: 0, cachedCalls: sent });
    expect((await stack.stats()).calls.total).toBe(0);
  });

  it('with Cache-Control: no-cache, reads upstream again', async () => {
    await stack.query(PAGE, { as: 'reader' });
    await stack.resetStats();
    const fresh = await stack.query(PAGE, { as: 'reader', headers: { 'cache-control': 'no-cache' } });
    expect(upsales(fresh)).toMatchObject({ soapCalls: 3, cachedCalls: 0 });
    expect((await stack.stats()).calls.byUser).toEqual({ 'reader@demo.test': 3 });
  });
});

describe('identical reads at once', () => {
  it('20 concurrent identical queries of one user cost the calls of one', async () => {
    const query = '{ opportunities(first: 15, orderBy: [{ field: value, direction: DESC }]) { nodes { value client { name } user { name } } } }';
    const alone = await stack.query(query, { as: 'sales', headers: { 'cache-control': 'no-cache' } });
    const one = upsales(alone).soapCalls;
    expect(one).toBe(3);
    const cold = await startStack({ sim: UNTHROTTLED.sim, config: { ...UNTHROTTLED.config, cacheTtlMs: 60_000 } });
    try {
      const responses = await Promise.all(Array.from({ length: 20 }, () => cold.query(query, { as: 'sales' })));
      for (const response of responses) {
        expect(response.data).toEqual(alone.data);
        expect(upsales(response).soapCalls + upsales(response).cachedCalls).toBe(one);
      }
      expect(responses.reduce((sum, response) => sum + upsales(response).soapCalls, 0)).toBe(one);
      expect((await cold.stats()).calls.byUser).toEqual({ 'sales@demo.test': one });
    } finally {
      await cold.close();
    }
  });

  // A fresh read shared no flight at all, its own neither: the two aliases cost 2 ClientService calls.
  it('within one Cache-Control: no-cache request, identical reads are sent once, and nothing kept serves the next one', async () => {
    type Names = { nodes: { name: string }[] };
    const query = '{ a: clients(first: 5, orderBy: [{ field: name }]) { nodes { name } } b: clients(first: 5, orderBy: [{ field: name }]) { nodes { name } } }';
    await stack.query(query);
    for (let i = 0; i < 2; i += 1) {
      await stack.resetStats();
      const fresh = await stack.query<{ a: Names; b: Names }>(query, { headers: { 'cache-control': 'no-cache' } });
      expect(fresh.data!.a.nodes).toHaveLength(5);
      expect(fresh.data!.b).toEqual(fresh.data!.a);
      expect(upsales(fresh)).toMatchObject({ soapCalls: 1, cachedCalls: 1 });
      expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 1 });
    }
  });

  it('a Cache-Control: no-cache request does not share a read in flight that started before it', async () => {
    const slow = await startStack({ sim: { ...UNTHROTTLED.sim, latencyMs: 400 }, config: { ...UNTHROTTLED.config, cacheTtlMs: 60_000 } });
    try {
      const query = '{ clients(first: 5, orderBy: [{ field: name }]) { nodes { name } } }';
      await slow.query('{ clients(first: 1) { totalCount } }', { as: 'sales' });
      await slow.resetStats();
      const earlier = slow.query(query, { as: 'sales' });
      while (!(await slow.stats()).calls.total) await new Promise((resolve) => setTimeout(resolve, 20));
      const fresh = await slow.query(query, { as: 'sales', headers: { 'cache-control': 'no-cache' } });
      expect(upsales(await earlier)).toMatchObject({ soapCalls: 1, cachedCalls: 0 });
      expect(upsales(fresh)).toMatchObject({ soapCalls: 1, cachedCalls: 0 });
      expect((await slow.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 2 });
    } finally {
      await slow.close();
    }
  });
});

describe('writes through the gateway', () => {
  it('after updateClient, the next read shows the new value, to every user who sees it', async () => {
    const read = (as: 'admin' | 'reader') => stack.query<{ client: { phone: string | null } }>(`{ client(upsalesId: ${ids.client}) { phone } }`, { as });
    await read('admin');
    await read('reader');
    await stack.resetStats();
    expect(upsales(await read('reader'))).toMatchObject({ soapCalls: 0, cachedCalls: 1 });
    const phone = `08-${Date.now() % 1_000_000}`;
    const written = await stack.query<{ updateClient: { status: string } }>(
      `mutation { updateClient(id: "${ids.client}", input: { phone: "${phone}" }) { status } }`,
    );
    expect(written.data!.updateClient.status).toBe('WRITTEN');
    await stack.resetStats();
    for (const as of ['admin', 'reader'] as const) {
      const after = await read(as);
      expect(after.data!.client.phone).toBe(phone);
      expect(upsales(after)).toMatchObject({ soapCalls: 1, cachedCalls: 0 });
    }
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 2 });
  });

  it('an import\'s create (the same upstream client) drops kept lists of its kind; other kinds stay kept', async () => {
    const lists = '{ clients(first: 1) { totalCount } products(first: 1) { totalCount } }';
    const before = await stack.query<{ clients: { totalCount: number } }>(lists);
    const [result] = await stack.client('admin').create('client', [{ name: `Import ${Date.now()}` }]);
    expect(result.item?.id).toEqual(expect.any(Number));
    await stack.resetStats();
    const after = await stack.query<{ clients: { totalCount: number } }>(lists);
    expect(after.data!.clients.totalCount).toBe(before.data!.clients.totalCount + 1);
    expect(upsales(after)).toMatchObject({ soapCalls: 1, cachedCalls: 1 });
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 1 });
  });

  it('a mutation reads what Upsales holds now: rows changed by another program since survive an update of another row', async () => {
    const made = await stack.query<{ createOrder: { order: { upsalesId: number; rows: { id: number }[] } } }>(
      `mutation { createOrder(input: { description: "Kept rows", client: "${ids.client}", user: "${ids.admin}",
        rows: [{ product: "${ids.product}", quantity: 1, price: 10 }, { product: "${ids.product}", quantity: 2, price: 20 }] }) { order { upsalesId rows { id } } } }`,
    );
    const { upsalesId, rows: [r1, r2] } = made.data!.createOrder.order;
    const rowsQuery = `{ order(upsalesId: ${upsalesId}) { rows { id quantity } } }`;
    await stack.query(rowsQuery);
    expect(upsales(await stack.query(rowsQuery))).toMatchObject({ soapCalls: 0, cachedCalls: 1 });

    // Another program (its own adapter) changes the first row's quantity.
    const other = straightClient(stack.sim.url);
    const stored = await other.get('order', upsalesId);
    const rows = (stored.orderRow as Record<string, unknown>[]).map((row) => (row.id === r1.id ? { ...row, quantity: 9 } : row));
    await other.update('order', [{ id: upsalesId, orderRow: rows }]);

    await stack.resetStats();
    const changed = await stack.query<{ updateOrder: { order: { rows: { id: number; quantity: number }[] } } }>(
      `mutation { updateOrder(id: "${upsalesId}", input: { rows: { update: [{ id: ${r2.id}, quantity: 5 }] } }) { order { rows { id quantity } } } }`,
    );
    expect(changed.data!.updateOrder.order.rows).toEqual([{ id: r1.id, quantity: 9 }, { id: r2.id, quantity: 5 }]);
    expect(upsales(changed).cachedCalls).toBe(0);
    expect((await stack.stats()).calls.byOperation).toEqual({ 'OrderService.getByCriteria': 1, 'OrderService.update': 1 });
  });
});

describe('whose answers', () => {
  it('admin and sales with the same query each see their own totals, kept apart', async () => {
    const query = '{ clients(first: 1) { totalCount } activities(first: 1) { totalCount } }';
    type Totals = { clients: { totalCount: number }; activities: { totalCount: number } };
    const admin = await stack.query<Totals>(query, { as: 'admin' });
    const sales = await stack.query<Totals>(query, { as: 'sales' });
    expect(sales.data!.clients.totalCount).toBeLessThan(admin.data!.clients.totalCount);
    expect(sales.data!.activities.totalCount).toBeLessThan(admin.data!.activities.totalCount);
    await stack.resetStats();
    const [adminAgain, salesAgain] = await Promise.all([stack.query<Totals>(query, { as: 'admin' }), stack.query<Totals>(query, { as: 'sales' })]);
    expect(adminAgain.data).toEqual(admin.data);
    expect(salesAgain.data).toEqual(sales.data);
    expect(upsales(salesAgain)).toMatchObject({ soapCalls: 0, cachedCalls: 2 });
    expect((await stack.stats()).calls.total).toBe(0);
  });

  it('a wrong password gets UNAUTHENTICATED even while the right one\'s answer is kept or in flight', async () => {
    const query = `{ client(upsalesId: ${ids.client}) { name } }`;
    await stack.query(query, { as: 'admin' });
    const wrong = basic(DEMO_USERS.admin.username, 'not-the-password');
    const upper = basic(DEMO_USERS.admin.username.toUpperCase(), 'not-the-password');
    await stack.resetStats();
    for (const authorization of [wrong, upper]) {
      const refused = await stack.query(query, { authorization });
      expect(refused.data?.client ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(refused)).not.toContain('name"');
    }
    // The upper-case username is the same account with the same wrong password: refused again without a call.
    expect((await stack.stats()).calls.total).toBe(1);
    // At once with the right password's uncached read: the wrong one does not share its call.
    const fresh = `{ client(upsalesId: ${ids.client + 1}) { name } }`;
    const [right, refused] = await Promise.all([stack.query(fresh, { as: 'admin' }), stack.query(fresh, { authorization: wrong })]);
    expect(right.errors).toBeUndefined();
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(upsales(refused).cachedCalls).toBe(0);
  });
});

describe('UPSALES_CACHE_TTL_MS=0', () => {
  it('keeps nothing: the same page costs its calls again', async () => {
    const off = await startStack({ sim: UNTHROTTLED.sim, config: { ...UNTHROTTLED.config, cacheTtlMs: 0 } });
    try {
      expect(upsales(await off.query(PAGE))).toMatchObject({ soapCalls: 3, cachedCalls: 0 });
      expect(upsales(await off.query(PAGE))).toMatchObject({ soapCalls: 3, cachedCalls: 0 });
      expect((await off.stats()).calls.total).toBe(6);
    } finally {
      await off.close();
    }
  });
});
