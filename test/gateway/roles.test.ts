/**
 * Each demo user sees what its role allows, through its own credentials:
 * admin and reader everything, sales the items owned within its role tree;
 * no API access is FORBIDDEN; missing or wrong credentials UNAUTHENTICATED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_SIZES } from '../../src/simulator/data/generate-demo-data.js';
import { ROLE } from '../../src/simulator/data/demo-metadata.js';
import { basic, DEMO_USERS, startStack, UNTHROTTLED, type DemoUser, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(UNTHROTTLED);
});
afterAll(() => stack.close());

interface Ids { totalCount: number; nodes: { upsalesId: number }[] }
const ids = (conn: Ids) => conn.nodes.map((node) => node.upsalesId);

describe('what each role sees', () => {
  it('admin and reader see every client; sales only the clients of its role tree, and what hangs off them', async () => {
    const everything = await stack.query<{
      users: { nodes: { upsalesId: number; role: { id: number } | null }[] };
      clients: { totalCount: number; nodes: { upsalesId: number; accountManagers: { upsalesId: number }[] }[] };
      orders: { totalCount: number; nodes: { upsalesId: number; user: { upsalesId: number } }[] };
    }>(`{
      users(first: 100) { nodes { upsalesId role { id } } }
      clients(first: 1000) { totalCount nodes { upsalesId accountManagers { upsalesId } } }
      orders(first: 1000) { totalCount nodes { upsalesId user { upsalesId } } }
    }`);
    expect(everything.errors).toBeUndefined();
    const all = everything.data!;
    expect(all.clients.totalCount).toBe(BASE_SIZES.client);
    expect(ids(all.clients)).toHaveLength(BASE_SIZES.client);

    const query = `{
      clients(first: 1000) { totalCount nodes { upsalesId } }
      contacts(first: 100) { totalCount nodes { upsalesId } }
      orders(first: 1000) { totalCount nodes { upsalesId } }
      products(first: 0) { totalCount }
    }`;
    const reader = await stack.query<Record<string, Ids>>(query, { as: 'reader' });
    expect(reader.errors).toBeUndefined();
    expect(reader.data!.clients.totalCount).toBe(BASE_SIZES.client);
    expect(ids(reader.data!.clients)).toEqual(ids(all.clients));
    const allContacts = await stack.items('contact');
    expect(reader.data!.contacts.totalCount).toBe(allContacts.length);
    expect(reader.data!.orders.totalCount).toBe(all.orders.totalCount);

    // Sales has "role" access: items owned by a user of Sales or a role below it (Sales Juniors).
    const tree = new Set<number>([ROLE.sales, ROLE.salesJuniors]);
    const inTree = new Set(all.users.nodes.filter((user) => user.role && tree.has(user.role.id)).map((user) => user.upsalesId));
    const salesClients = all.clients.nodes.filter((client) => client.accountManagers.some((user) => inTree.has(user.upsalesId))).map((c) => c.upsalesId);
    const visible = new Set(salesClients);
    const salesOrders = all.orders.nodes.filter((order) => inTree.has(order.user.upsalesId)).map((o) => o.upsalesId);

    const sales = await stack.query<Record<string, Ids>>(query, { as: 'sales' });
    expect(sales.errors).toBeUndefined();
    expect(salesClients.length).toBeGreaterThan(0);
    expect(salesClients.length).toBeLessThan(BASE_SIZES.client);
    expect(sales.data!.clients.totalCount).toBe(salesClients.length);
    expect(ids(sales.data!.clients)).toEqual(salesClients);
    // Contacts belong to their client's owners; orders to their user.
    const salesContacts = allContacts.filter((contact) => visible.has((contact.client as { id: number }).id)).map((c) => c.id);
    expect(sales.data!.contacts.totalCount).toBe(salesContacts.length);
    expect(ids(sales.data!.contacts)).toEqual(salesContacts.slice(0, 100));
    expect(sales.data!.orders.totalCount).toBe(salesOrders.length);
    expect(ids(sales.data!.orders)).toEqual(salesOrders);
    // Products are readable by every role.
    expect(sales.data!.products.totalCount).toBe(BASE_SIZES.product);
  });

  it('sales cannot reach a client outside its rights, by lookup or through a relation', async () => {
    const [salesView, all] = await Promise.all([
      stack.query<{ clients: Ids }>('{ clients(first: 1000) { totalCount nodes { upsalesId } } }', { as: 'sales' }),
      stack.query<{ clients: Ids }>('{ clients(first: 1000) { totalCount nodes { upsalesId } } }'),
    ]);
    const visible = new Set(ids(salesView.data!.clients));
    const hidden = ids(all.data!.clients).find((id) => !visible.has(id))!;
    const shown = ids(salesView.data!.clients)[0];
    const result = await stack.query(`{ hidden: client(upsalesId: ${hidden}) { name } shown: client(upsalesId: ${shown}) { upsalesId } }`, { as: 'sales' });
    expect(result.data).toEqual({ hidden: null, shown: { upsalesId: shown } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['hidden'], extensions: { code: 'NOT_FOUND' } });
  });

  it('a user without API access is FORBIDDEN', async () => {
    const result = await stack.query('{ me { name } clients { totalCount } }', { as: 'noapi' });
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(2);
    for (const error of result.errors!) {
      expect(error).toMatchObject({ message: 'This Upsales user has no API access', extensions: { code: 'FORBIDDEN' } });
    }
    expect(result.errors!.map((error) => error.path)).toEqual([['me'], ['clients']]);
  });
});

describe('me', () => {
  const EXPECTED: Record<Exclude<DemoUser, 'noapi'>, { name: string; role: string; administrator: boolean }> = {
    admin: { name: 'Agnes Admin', role: 'Ledning', administrator: true },
    sales: { name: 'Sven Säljare', role: 'Sales', administrator: false },
    reader: { name: 'Rut Läsare', role: 'Readers', administrator: false },
  };
  for (const [user, expected] of Object.entries(EXPECTED) as [Exclude<DemoUser, 'noapi'>, (typeof EXPECTED)['admin']][]) {
    it(`is the calling user: ${user}`, async () => {
      await stack.resetStats();
      const result = await stack.query('{ me { name email administrator apiAccess role { name } } }', { as: user });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({
        me: { name: expected.name, email: DEMO_USERS[user].username, administrator: expected.administrator, apiAccess: true, role: { name: expected.role } },
      });
      const stats = await stack.stats();
      expect(stats.calls.byUser).toEqual({ [DEMO_USERS[user].username]: 2 });
      expect(stats.calls.byOperation).toEqual({ 'UserService.getByCriteria': 1, 'MetadataService.getRoles': 1 });
    });
  }
});

describe('credentials', () => {
  it('a wrong password is UNAUTHENTICATED (status 200: the answer has data, issue 17)', async () => {
    const result = await stack.query('{ me { name } }', { authorization: basic('admin@demo.test', 'wrong') });
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ me: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ message: 'Upsales rejected the username or password', path: ['me'], extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('no credentials and no default account: 401 with WWW-Authenticate, before any call', async () => {
    await stack.resetStats();
    const response = await stack.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(response.status).toBe(401);
    // Not `Basic` (issue 17): a browser would ask for a password and then attach it by itself, cross-site too.
    expect(response.headers.get('www-authenticate')).toBe('xBasic realm="Upsales", charset="UTF-8"');
    const body = await response.json() as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: 'Send your Upsales username and password as HTTP Basic credentials', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect((await stack.stats()).calls.total).toBe(0);
  });

  for (const [what, header] of [
    ['a Bearer token', 'Bearer abc.def'],
    ['Basic with no colon', `Basic ${Buffer.from('admin@demo.test').toString('base64')}`],
    ['Basic with an empty username', `Basic ${Buffer.from(':demo-admin').toString('base64')}`],
    ['Basic with garbage', 'Basic %%%'],
  ] as const) {
    it(`a malformed Authorization header (${what}) is UNAUTHENTICATED`, async () => {
      await stack.resetStats();
      const result = await stack.query('{ me { name } }', { authorization: header });
      expect(result.status).toBe(401);
      expect(result.errors).toEqual([{ message: 'The Authorization header must be HTTP Basic with username:password', extensions: { code: 'UNAUTHENTICATED' } }]);
      expect((await stack.stats()).calls.total).toBe(0);
    });
  }
});

describe('the default account', () => {
  let withDefault: Stack;
  beforeAll(async () => {
    withDefault = await startStack({ ...UNTHROTTLED, config: { ...UNTHROTTLED.config, defaultCredentials: DEMO_USERS.sales } });
  });
  afterAll(() => withDefault.close());

  it('a request without credentials acts as the configured account; one with credentials as its own user', async () => {
    const anonymous = await withDefault.query<{ me: { email: string } }>('{ me { email } }', { as: null });
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data!.me.email).toBe('sales@demo.test');
    const own = await withDefault.query<{ me: { email: string } }>('{ me { email } }', { as: 'reader' });
    expect(own.data!.me.email).toBe('reader@demo.test');
    const stats = await withDefault.stats();
    expect(stats.calls.byUser).toEqual({ 'sales@demo.test': 1, 'reader@demo.test': 1 });
  });

  it('a malformed header is not replaced by the default account', async () => {
    const result = await withDefault.query('{ me { email } }', { authorization: 'Bearer token' });
    expect(result.status).toBe(401);
    expect(result.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
