/**
 * Nested queries cost a small, fixed number of SOAP calls whatever the
 * number of parents: one per level, batched by foreign key and by id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // The account's counts, which bound the estimates of the wide queries below, are kept for 10 minutes:
  // fetch them once here, so each test sees its own calls (the counts are measured in estimate.test.ts).
  await stack.query('query Counts { clients(first: 1) { nodes { contacts(first: 50) { nodes { orders(first: 50) { nodes { rows { product { name } } } } } } } } }');
});
afterAll(() => stack.close());

const NESTED = /* GraphQL */ `
  query Nested($n: Int!) {
    clients(first: $n, orderBy: [{ field: name }]) {
      nodes {
        name
        contacts(first: 4) {
          nodes {
            name
            orders(first: 10) {
              totalCount
              nodes { description value rows { quantity price product { name category { name } } } }
            }
          }
        }
      }
    }
  }
`;

interface NestedData {
  clients: { nodes: { name: string; contacts: { nodes: { orders: { nodes: { rows: { product: { name: string } | null }[] }[] } }[] } }[] };
}

describe('batching', () => {
  for (const n of [5, 50]) {
    it(`${n} clients with contacts, their orders, rows and products cost one call per level`, async () => {
      await stack.resetStats();
      const result = await stack.query<NestedData>(NESTED, { variables: { n } });
      expect(result.errors).toBeUndefined();
      const clients = result.data!.clients.nodes;
      expect(clients).toHaveLength(n);
      const contacts = clients.flatMap((client) => client.contacts.nodes);
      const rows = contacts.flatMap((contact) => contact.orders.nodes.flatMap((order) => order.rows));
      expect(contacts.length).toBeGreaterThan(n);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.product?.name)).toBe(true);

      const stats = await stack.stats();
      // At most 4 contacts per client, 10 orders per contact: up to 200 contacts share one orders call.
      expect(stats.calls.byOperation).toEqual({
        'ClientService.getByCriteria': 1,
        'ContactService.getByCriteria': 1,
        'OrderService.getByCriteria': Math.ceil(contacts.length / 200),
        'ProductService.getByCriteria': 1,
        'MetadataService.getProductCategories': 1,
      });
      expect(result.extensions?.upsales?.soapCalls).toBe(stats.calls.total);
    });
  }

  // Issue 10: the relation loader split parents into groups of 2000 / first, and each group's product lookups went
  // out alone (17 calls at 50); the estimate refused it at 5 (134 calls). Now 4 at any width, at MAX_QUERY_CALLS 45.
  for (const n of [5, 50]) {
    it(`${n} clients, 50 contacts each, 50 orders each, rows and products: one call per level, 4 in all`, async () => {
      await stack.resetStats();
      type Wide = { clients: { nodes: { contacts: { nodes: { orders: { nodes: { rows: { product: { name: string } | null }[] }[] } }[] } }[] } };
      const result = await stack.query<Wide>(
        'query Wide($n: Int!) { clients(first: $n) { nodes { contacts(first: 50) { nodes { orders(first: 50) { nodes { rows { product { name } } } } } } } } }',
        { variables: { n } },
      );
      expect(result.errors).toBeUndefined();
      const rows = result.data!.clients.nodes.flatMap((client) => client.contacts.nodes.flatMap((contact) => contact.orders.nodes.flatMap((order) => order.rows)));
      expect(rows.length).toBeGreaterThan(n);
      expect(rows.every((row) => row.product?.name)).toBe(true);
      expect((await stack.stats()).calls.byOperation).toEqual({
        'ClientService.getByCriteria': 1,
        'ContactService.getByCriteria': 1,
        'OrderService.getByCriteria': 1,
        'ProductService.getByCriteria': 1,
      });
      expect(result.extensions!.upsales).toMatchObject({ soapCalls: 4, estimatedCalls: 4 });
    });
  }

  // The relation loader was keyed by first/after as well: each alias below fetched the same rows again, 3 ContactService
  // calls with Cache-Control: no-cache (and in mutations); otherwise 1, with 2 shared from the flight of the first.
  for (const headers of [{}, { 'cache-control': 'no-cache' }] as Record<string, string>[]) {
    it(`aliases of one relation with different first/after share one fetch, each page exact (${JSON.stringify(headers)})`, async () => {
      type Page = { totalCount: number; nodes: { upsalesId: number }[] };
      type Aliased = { clients: { nodes: { a: Page; b: Page; c: Page }[] } };
      const page = 'totalCount nodes { upsalesId }';
      await stack.resetStats();
      const result = await stack.query<Aliased>(`{ clients(first: 50) { nodes {
        a: contacts(first: 5) { ${page} } b: contacts(first: 10) { ${page} } c: contacts(first: 5, after: "b2Zmc2V0OjA") { ${page} }
      } } }`, { headers });
      expect(result.errors).toBeUndefined();
      expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 1, 'ContactService.getByCriteria': 1 });
      expect(result.extensions!.upsales).toMatchObject({ soapCalls: 2, cachedCalls: 0 });

      const alone = await stack.query<{ clients: { nodes: { b: Page }[] } }>(`{ clients(first: 50) { nodes { b: contacts(first: 10) { ${page} } } } }`);
      const clients = result.data!.clients.nodes;
      expect(clients.map(({ b }) => b)).toEqual(alone.data!.clients.nodes.map(({ b }) => b));
      expect(clients.filter(({ b }) => b.nodes.length > 6).length).toBeGreaterThan(0);
      for (const { a, b, c } of clients) {
        expect(a).toEqual({ totalCount: b.totalCount, nodes: b.nodes.slice(0, 5) });
        expect(c).toEqual({ totalCount: b.totalCount, nodes: b.nodes.slice(1, 6) });
      }
    });
  }

  it('lookups of one kind from sibling branches of a level go out together, whichever branch answered first', async () => {
    await stack.resetStats();
    type Users = { nodes: { user: { name: string } | null }[] };
    const result = await stack.query<{ clients: { nodes: { orders: Users; opportunities: Users }[] } }>(
      '{ clients(first: 30) { nodes { orders(first: 5) { nodes { user { name } } } opportunities(first: 5) { nodes { user { name } } } } } }',
    );
    expect(result.errors).toBeUndefined();
    const users = result.data!.clients.nodes.flatMap((client) => [...client.orders.nodes, ...client.opportunities.nodes]);
    expect(users.length).toBeGreaterThan(30);
    expect(users.every((node) => node.user?.name)).toBe(true);
    expect((await stack.stats()).calls.byOperation).toEqual({
      'ClientService.getByCriteria': 1,
      'OrderService.getByCriteria': 1,
      'OpportunityService.getByCriteria': 1,
      'UserService.getByCriteria': 1,
    });
  });

  it('lookups by id of one kind in one tick become one call, in key order, with NOT_FOUND per missing id', async () => {
    await stack.resetStats();
    const result = await stack.query<Record<string, { upsalesId: number } | null>>(`{
      a: client(upsalesId: 3) { upsalesId }
      b: client(upsalesId: 1) { upsalesId }
      c: client(upsalesId: 999999) { upsalesId }
      d: client(upsalesId: 2) { upsalesId }
    }`);
    expect(result.data).toEqual({ a: { upsalesId: 3 }, b: { upsalesId: 1 }, c: null, d: { upsalesId: 2 } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['c'], extensions: { code: 'NOT_FOUND' } });
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': 1 });
  });
});
