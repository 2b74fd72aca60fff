/**
 * Nested queries cost a small, fixed number of SOAP calls whatever the
 * number of parents: one per level, batched by foreign key and by id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
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
