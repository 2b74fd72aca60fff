/**
 * Every mutation of every kind round-trips through the embedded Upsales
 * service: create, read back, update, read back, delete (or deactivate),
 * gone; order rows change inside an update; text survives the XML trip; a
 * read after a write in the same request sees the write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, ITEM_KINDS, type ItemKind } from '../../src/contract/kinds.js';
import { callsTo, type Stack } from '../helpers/stack.js';
import { demoIds, writeStack, type DemoIds } from './mutations-fixtures.js';

let stack: Stack;
let ids: DemoIds;
beforeAll(async () => {
  stack = await writeStack();
  ids = await demoIds(stack);
});
afterAll(() => stack.close());

interface Case {
  create: (ids: DemoIds) => Record<string, unknown>;
  /** A field to check, its value after create, the update input and its value after update. */
  field: string;
  created: unknown;
  update: Record<string, unknown>;
  updated: unknown;
}

const CASES: Record<ItemKind, Case> = {
  client: { create: () => ({ name: 'RT klient', orgNo: '556000-0001' }), field: 'phone', created: null, update: { phone: '08-123 45' }, updated: '08-123 45' },
  contact: { create: (d) => ({ client: d.client, firstName: 'Rut', lastName: 'Test' }), field: 'name', created: 'Rut Test', update: { lastName: 'Prov' }, updated: 'Rut Prov' },
  order: {
    create: (d) => ({ description: 'RT order', client: d.client, user: d.admin, rows: [{ product: d.product, quantity: 2, price: 100 }] }),
    field: 'value', created: 200, update: { description: 'RT order 2' }, updated: 200,
  },
  opportunity: {
    create: (d) => ({ description: 'RT affär', client: d.client, user: d.admin, stage: 3 }),
    field: 'probability', created: 50, update: { probability: 75 }, updated: 75,
  },
  agreement: {
    create: (d) => ({ description: 'RT avtal', client: d.client, user: d.admin, startDate: '2026-01-01', intervalPeriod: 12 }),
    field: 'intervalPeriod', created: 12, update: { intervalPeriod: 3 }, updated: 3,
  },
  product: { create: () => ({ name: 'RT produkt', listPrice: 100, articleNo: 'RT-1' }), field: 'listPrice', created: 100, update: { listPrice: 120.5 }, updated: 120.5 },
  project: { create: () => ({ name: 'RT kampanj', startDate: '2026-02-01' }), field: 'quota', created: null, update: { quota: 5000 }, updated: 5000 },
  activity: { create: (d) => ({ description: 'RT ring', users: [d.admin] }), field: 'priority', created: null, update: { priority: 2 }, updated: 2 },
  appointment: {
    create: (d) => ({ date: '2026-05-01T10:00:00Z', users: [d.admin], location: 'Kontoret' }),
    field: 'location', created: 'Kontoret', update: { location: null }, updated: null,
  },
  lead: { create: () => ({ name: 'RT lead', source: 'web' }), field: 'source', created: 'web', update: { source: 'mässa' }, updated: 'mässa' },
  user: { create: () => ({ name: 'RT user', email: 'rt-user@demo.test' }), field: 'name', created: 'RT user', update: { name: 'RT användare' }, updated: 'RT användare' },
};

const lower = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const upper = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

describe('round trip of every kind', () => {
  for (const kind of ITEM_KINDS) {
    const { typeName, plural, deleteMeans } = KINDS[kind];
    const node = lower(typeName);
    const { field, created, update, updated } = CASES[kind];
    const select = `id upsalesId ${field}${'active' in KINDS[kind].fields ? ' active' : ''}`;
    const read = (id: string) => stack.query<Record<string, Record<string, unknown> | null>>(`query($id: ID!) { ${node}(id: $id) { ${select} } }`, { variables: { id } });

    it(`${kind}: create${typeName}, update${typeName}, delete${typeName} and the batch forms`, async () => {
      const input = CASES[kind].create(ids);
      const made = await stack.query<Record<string, { status: string; userErrors: unknown[]; [k: string]: unknown }>>(
        `mutation($input: ${typeName}CreateInput!) { create${typeName}(input: $input) { status userErrors { field message code } ${node} { ${select} } } }`,
        { variables: { input } },
      );
      expect(made.errors).toBeUndefined();
      const payload = made.data![`create${typeName}`];
      expect(payload).toMatchObject({ status: 'WRITTEN', userErrors: [] });
      const stored = payload[node] as Record<string, unknown>;
      expect(stored[field]).toEqual(created);
      const id = stored.id as string;
      expect((await read(id)).data![node]).toEqual(stored);

      const changed = await stack.query<Record<string, { status: string; [k: string]: unknown }>>(
        `mutation($id: ID!, $input: ${typeName}UpdateInput!) { update${typeName}(id: $id, input: $input) { status ${node} { ${select} } } }`,
        { variables: { id, input: update } },
      );
      expect(changed.data![`update${typeName}`].status).toBe('WRITTEN');
      expect((changed.data![`update${typeName}`][node] as Record<string, unknown>)[field]).toEqual(updated);
      expect((await read(id)).data![node]![field]).toEqual(updated);

      const removed = await stack.query<Record<string, { status: string; deletedId: string }>>(
        `mutation($id: ID!) { delete${typeName}(id: $id) { status deletedId userErrors { message } } }`, { variables: { id } },
      );
      expect(removed.data![`delete${typeName}`]).toMatchObject({ status: 'WRITTEN', deletedId: id });
      const after = await read(id);
      if (deleteMeans === 'deactivate') {
        expect(after.data![node]!.active).toBe(false);
      } else {
        expect(after.data![node]).toBeNull();
        expect(after.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      }

      // The batch forms of the same kind: two items through each.
      const two = [CASES[kind].create(ids), CASES[kind].create(ids)];
      // Article numbers stay taken by deactivated products.
      if (kind === 'product') two.forEach((input, i) => Object.assign(input, { articleNo: `RT-${i + 2}` }));
      if (kind === 'user') (two[1] as { email: string }).email = 'rt-user2@demo.test';
      const batch = await stack.query<Record<string, { writtenCount: number; [k: string]: unknown }>>(
        `mutation($inputs: [${typeName}CreateInput!]!) { create${upper(plural)}(inputs: $inputs) { writtenCount ${plural} { id } } }`,
        { variables: { inputs: two } },
      );
      const batchIds = (batch.data![`create${upper(plural)}`][plural] as { id: string }[]).map((n) => n.id);
      expect(batchIds).toHaveLength(2);
      const batchUpdate = await stack.query<Record<string, { writtenCount: number; [k: string]: unknown }>>(
        `mutation($inputs: [${typeName}BatchUpdateInput!]!) { update${upper(plural)}(inputs: $inputs) { writtenCount ${plural} { ${field} } } }`,
        { variables: { inputs: batchIds.map((batchId) => ({ id: batchId, ...update })) } },
      );
      expect(batchUpdate.data![`update${upper(plural)}`]).toEqual({ writtenCount: 2, [plural]: [{ [field]: updated }, { [field]: updated }] });
      const batchDelete = await stack.query<Record<string, unknown>>(
        `mutation($ids: [ID!]!) { delete${upper(plural)}(ids: $ids) { writtenCount deletedIds results { index success } } }`,
        { variables: { ids: batchIds } },
      );
      expect(batchDelete.data![`delete${upper(plural)}`]).toEqual({
        writtenCount: 2, deletedIds: batchIds, results: [{ index: 0, success: true }, { index: 1, success: true }],
      });
    });
  }
});

const ROW = 'id quantity price product { upsalesId }';

describe('order rows', () => {
  it('an update adds, changes and removes rows; the others stay as they were', async () => {
    const made = await stack.query<{ createOrder: { order: { id: string; rows: { id: number }[] } } }>(
      `mutation($input: OrderCreateInput!) { createOrder(input: $input) { order { id rows { ${ROW} } } } }`,
      { variables: { input: { description: 'Rader', client: ids.client, user: ids.admin, rows: [
        { product: ids.product, quantity: 1, price: 10 }, { product: ids.product2, quantity: 2, price: 20 }, { product: ids.product, quantity: 3, price: 30 },
      ] } } },
    );
    const { id, rows: [r1, r2, r3] } = made.data!.createOrder.order;
    await stack.resetStats();
    const changed = await stack.query<{ updateOrder: { status: string; order: { value: number; rows: unknown[] } } }>(
      `mutation($id: ID!, $input: OrderUpdateInput!) { updateOrder(id: $id, input: $input) { status order { value rows { ${ROW} } } } }`,
      { variables: { id, input: { rows: { update: [{ id: r2.id, quantity: 5 }], delete: [r3.id], create: [{ product: ids.product2, quantity: 1, price: 7 }] } } } },
    );
    expect(changed.data!.updateOrder.status).toBe('WRITTEN');
    const rows = changed.data!.updateOrder.order.rows as { id: number; quantity: number; price: number; product: { upsalesId: number } }[];
    expect(rows.map(({ id: rowId, quantity, price, product }) => ({ rowId, quantity, price, product: product.upsalesId }))).toEqual([
      { rowId: r1.id, quantity: 1, price: 10, product: ids.product },
      { rowId: r2.id, quantity: 5, price: 20, product: ids.product2 },
      { rowId: rows[2].id, quantity: 1, price: 7, product: ids.product2 },
    ]);
    expect(rows[2].id).not.toBe(r3.id);
    expect(changed.data!.updateOrder.order.value).toBe(10 + 100 + 7);
    // One read of the current rows, one update, one read of the row products.
    expect((await stack.stats()).calls.byOperation).toEqual({
      'OrderService.getByCriteria': 1, 'OrderService.update': 1, 'ProductService.getByCriteria': 1,
    });

    await stack.resetStats();
    const bad = await stack.query<{ updateOrder: unknown }>(
      `mutation($id: ID!) { updateOrder(id: $id, input: { rows: { delete: [999999], update: [{ id: ${r1.id}, quantity: null }] } }) { status userErrors { field code } } }`,
      { variables: { id } },
    );
    expect(bad.data!.updateOrder).toEqual({ status: 'FAILED', userErrors: [
      { field: ['input', 'rows', 'delete', '0'], code: 'NOT_FOUND' },
      { field: ['input', 'rows', 'update', '0', 'quantity'], code: 'BAD_USER_INPUT' },
    ] });
    expect((await stack.stats()).calls.byOperation).toEqual({ 'OrderService.getByCriteria': 1 });
  });
});

describe('text', () => {
  const TEXT = 'Åsa & <Co> ]]> "citat" \'apostrof\' 中文客户 عميل عربي 🚀👩‍💻';
  it('XML special characters and non-Latin scripts survive create, update and read', async () => {
    const made = await stack.query<{ createClient: { client: { id: string; name: string; notes: string; customFields: { raw: string }[] } } }>(
      `mutation($input: ClientCreateInput!) { createClient(input: $input) { client { id name notes customFields { raw } } } }`,
      { variables: { input: { name: TEXT, notes: `${TEXT}\n${TEXT}`, customFields: [{ field: 'CLIENT_STRING', value: TEXT }] } } },
    );
    expect(made.data!.createClient.client).toMatchObject({ name: TEXT, notes: `${TEXT}\n${TEXT}`, customFields: [{ raw: TEXT }] });
    const { id } = made.data!.createClient.client;
    const changed = await stack.query<{ updateClient: { client: { name: string } } }>(
      `mutation($id: ID!, $name: String!) { updateClient(id: $id, input: { name: $name }) { client { name } } }`,
      { variables: { id, name: `${TEXT}!` } },
    );
    expect(changed.data!.updateClient.client.name).toBe(`${TEXT}!`);
    const read = await stack.query<{ client: { name: string; notes: string; customFields: { raw: string }[] } }>(
      `query($id: ID!) { client(id: $id) { name notes customFields { raw } } }`, { variables: { id } },
    );
    expect(read.data!.client).toEqual({ name: `${TEXT}!`, notes: `${TEXT}\n${TEXT}`, customFields: [{ raw: TEXT }] });
  });

  it('characters XML cannot carry are refused before any call', async () => {
    await stack.resetStats();
    const result = await stack.query<{ createClient: unknown }>(
      `mutation($name: String!) { createClient(input: { name: $name }) { status userErrors { field code } } }`,
      { variables: { name: 'bell\u0007' } },
    );
    expect(result.data!.createClient).toEqual({ status: 'FAILED', userErrors: [{ field: ['input', 'name'], code: 'BAD_USER_INPUT' }] });
    expect((await stack.stats()).calls.total).toBe(0);
  });
});

describe('reads after writes in one request', () => {
  it('see the written values, from the write itself, with no extra call', async () => {
    const made = await stack.query<{ createClient: { client: { id: string } }; }>(
      `mutation { createClient(input: { name: "Före" }) { client { id } } }`,
    );
    const clientId = made.data!.createClient.client.id;
    const contact = await stack.query<{ createContact: { contact: { id: string } } }>(
      `mutation($c: ID!) { createContact(input: { client: $c, firstName: "Kim", title: "gammal" }) { contact { id } } }`,
      { variables: { c: clientId } },
    );
    const contactId = contact.data!.createContact.contact.id;
    await stack.resetStats();
    const result = await stack.query<Record<string, { contact?: { client: { name: string; contacts?: { nodes: { title: string }[] } } }; client?: { name: string } }>>(
      `mutation($client: ID!, $contact: ID!) {
        a: updateContact(id: $contact, input: { title: "ny" }) { contact { client { name contacts(first: 5) { nodes { title } } } } }
        b: updateClient(id: $client, input: { name: "Efter" }) { client { name } }
        c: updateContact(id: $contact, input: { title: "nyast" }) { contact { client { name contacts(first: 5) { nodes { title } } } } }
      }`,
      { variables: { client: clientId, contact: contactId } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.a.contact!.client).toEqual({ name: 'Före', contacts: { nodes: [{ title: 'ny' }] } });
    expect(result.data!.b.client).toEqual({ name: 'Efter' });
    expect(result.data!.c.contact!.client).toEqual({ name: 'Efter', contacts: { nodes: [{ title: 'nyast' }] } });
    const stats = await stack.stats();
    // The client is read once (before it was written); its contacts are read again after each write.
    expect(stats.calls.byOperation).toEqual({
      'ContactService.update': 2, 'ClientService.update': 1, 'ClientService.getByCriteria': 1, 'ContactService.getByCriteria': 2,
    });
    expect(callsTo(stats)).toBe(result.extensions!.upsales!.soapCalls);
  });
});
