/**
 * Batches: exact per-item results and exact upstream calls, with items bad
 * before upstream (never sent) and items Upsales rejects; rights per demo
 * role; custom field values of every datatype.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_FIELD_DATATYPES, type CustomFieldDatatype } from '../../src/contract/kinds.js';
import type { Stack } from '../helpers/stack.js';
import { demoIds, writeStack, type DemoIds } from './mutations-fixtures.js';

interface ResultRow { index: number; status: string; success: boolean; client: { name: string } | null; userErrors: { index: number; field: string[] | null; code: string; message: string }[] }
interface BatchData { createClients: { results: ResultRow[]; clients: { name: string }[]; userErrors: ResultRow['userErrors']; writtenCount: number } }

const CREATE_CLIENTS = `mutation($inputs: [ClientCreateInput!]!) {
  createClients(inputs: $inputs) {
    results { index status success client { name } userErrors { index field code message } }
    clients { name }
    userErrors { index field code message }
    writtenCount
  }
}`;

/** What each bad kind of item is, and the error it must get. */
type Bad = 'badCustom' | 'badId' | 'unknownRef' | 'forbidden' | null;
const badAt = (i: number): Bad => ({ 3: 'badCustom', 7: 'badId', 11: 'unknownRef', 19: 'forbidden' } as Record<number, Bad>)[i % 25] ?? null;

function batchInput(prefix: string, i: number, ids: DemoIds): Record<string, unknown> {
  const input: Record<string, unknown> = { name: `${prefix}-${String(i).padStart(3, '0')}` };
  switch (badAt(i)) {
    case 'badCustom': input.customFields = [{ field: 'CLIENT_INTEGER', value: 'tolv' }]; break;
    case 'badId': input.parent = 'inte-ett-id'; break;
    case 'unknownRef': input.parent = '99999999'; break;
    case 'forbidden': input.accountManagers = [ids.admin]; break;
    default: if (i % 25 === 0) input.customFields = [{ field: 'CLIENT_SELECT', value: 'SMB' }];
  }
  return input;
}

function expectedResult(i: number, name: string): Omit<ResultRow, 'userErrors'> & { userErrors: unknown[] } {
  const bad = badAt(i);
  const error = (field: string[] | null, code: string) => ({ index: i, field, code, message: expect.any(String) });
  if (!bad) return { index: i, status: 'WRITTEN', success: true, client: { name }, userErrors: [] };
  const at = ['inputs', String(i)];
  const errors = {
    badCustom: error([...at, 'customFields', '0', 'value'], 'BAD_USER_INPUT'),
    badId: error([...at, 'parent'], 'BAD_USER_INPUT'),
    unknownRef: error([...at, 'parent'], 'BAD_USER_INPUT'),
    forbidden: error(null, 'FORBIDDEN'),
  };
  return { index: i, status: 'FAILED', success: false, client: null, userErrors: [errors[bad]] };
}

async function countClients(stack: Stack, prefix: string): Promise<number> {
  const result = await stack.query<{ clients: { totalCount: number } }>(
    `query($p: String!) { clients(first: 1, filter: { name: { startsWith: $p } }) { totalCount } }`, { variables: { p: `${prefix}-` } },
  );
  return result.data!.clients.totalCount;
}

describe('a batch of 250 clients with bad items (batch size 100)', () => {
  let stack: Stack;
  let ids: DemoIds;
  beforeAll(async () => {
    stack = await writeStack();
    ids = await demoIds(stack);
  });
  afterAll(() => stack.close());

  it('gives one exact result per item and makes ceil(sent / 100) create calls plus one for custom field definitions', async () => {
    const inputs = Array.from({ length: 250 }, (_, i) => batchInput('B250', i, ids));
    await stack.resetStats();
    const result = await stack.query<BatchData>(CREATE_CLIENTS, { variables: { inputs }, as: 'sales' });
    expect(result.errors).toBeUndefined();
    const payload = result.data!.createClients;
    expect(payload.results).toEqual(inputs.map((input, i) => expectedResult(i, input.name as string)));
    const good = inputs.filter((_, i) => !badAt(i));
    expect(good).toHaveLength(210);
    expect(payload.writtenCount).toBe(210);
    expect(payload.clients.map((c) => c.name)).toEqual(good.map((input) => input.name));
    expect(payload.userErrors).toEqual(payload.results.flatMap((r) => r.userErrors));
    expect(payload.userErrors).toHaveLength(40);

    const sent = 250 - 20; // the bad custom values and bad ids never leave the gateway
    expect((await stack.stats()).calls.byOperation).toEqual({
      'ClientService.create': Math.ceil(sent / 100),
      'MetadataService.getCustomFields': 1,
    });
    expect(result.extensions!.upsales).toMatchObject({ soapCalls: 4, estimatedCalls: Math.ceil(250 / 100) + 1 });
    expect(await countClients(stack, 'B250')).toBe(210);
  });
});

describe('batch size 1', () => {
  let stack: Stack;
  let ids: DemoIds;
  beforeAll(async () => {
    stack = await writeStack({ batchSize: 1 });
    ids = await demoIds(stack);
  });
  afterAll(() => stack.close());

  it('sends each valid item in its own call and still answers per item', async () => {
    const inputs = [0, 1, 7, 11, 19, 26].map((i) => batchInput('B1', i, ids));
    await stack.resetStats();
    const result = await stack.query<BatchData>(CREATE_CLIENTS, { variables: { inputs }, as: 'sales' });
    expect(result.data!.createClients.results.map((r) => [r.status, r.userErrors.map((e) => e.code)])).toEqual([
      ['WRITTEN', []], ['WRITTEN', []], ['FAILED', ['BAD_USER_INPUT']], ['FAILED', ['BAD_USER_INPUT']], ['FAILED', ['FORBIDDEN']], ['WRITTEN', []],
    ]);
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.create': 5, 'MetadataService.getCustomFields': 1 });
    expect(result.extensions!.upsales!.estimatedCalls).toBe(6 + 1);
    expect(await countClients(stack, 'B1')).toBe(3);
  });
});

describe('rights of each demo user', () => {
  let stack: Stack;
  let ids: DemoIds;
  let adminsClient: string;
  beforeAll(async () => {
    stack = await writeStack();
    ids = await demoIds(stack);
    const made = await stack.query<{ createClient: { client: { id: string } } }>(
      `mutation($u: [ID!]) { createClient(input: { name: "Adminkund", accountManagers: $u }) { client { id } } }`, { variables: { u: [ids.admin] } },
    );
    adminsClient = made.data!.createClient.client.id;
  });
  afterAll(() => stack.close());

  const status = (payload: { status: string; userErrors: { code: string }[] }) => [payload.status, ...payload.userErrors.map((e) => e.code)];

  it('sales creates and changes its own clients, nobody else\'s, and deletes nothing', async () => {
    const made = await stack.query<{ createClient: { status: string; client: { id: string; accountManagers: { upsalesId: number }[] } } }>(
      `mutation { createClient(input: { name: "Säljarens kund" }) { status client { id accountManagers { upsalesId } } } }`, { as: 'sales' },
    );
    expect(made.data!.createClient).toMatchObject({ status: 'WRITTEN', client: { accountManagers: [{ upsalesId: ids.sales }] } });
    const own = made.data!.createClient.client.id;
    const changed = await stack.query<{ updateClients: { results: { status: string; userErrors: { code: string }[] }[] } }>(
      `mutation($own: ID!, $other: ID!) { updateClients(inputs: [{ id: $own, phone: "1" }, { id: $other, phone: "2" }]) { results { status userErrors { code } } } }`,
      { variables: { own, other: adminsClient }, as: 'sales' },
    );
    expect(changed.data!.updateClients.results.map(status)).toEqual([['WRITTEN'], ['FAILED', 'FORBIDDEN']]);
    const others = await stack.query<Record<string, { status: string; userErrors: { code: string }[] }>>(
      `mutation($own: ID!, $admin: ID!) {
        deleteClient(id: $own) { status userErrors { code } }
        createUser(input: { name: "Ny", email: "ny@demo.test" }) { status userErrors { code } }
        createProduct(input: { name: "Ny", listPrice: 1 }) { status userErrors { code } }
        createOrder(input: { description: "Åt admin", client: $own, user: $admin }) { status userErrors { code } }
        createOpportunity(input: { description: "Egen", client: $own, user: ${ids.sales}, probability: 20 }) { status userErrors { code } }
      }`,
      { variables: { own, admin: ids.admin }, as: 'sales' },
    );
    expect(Object.fromEntries(Object.entries(others.data!).map(([k, v]) => [k, status(v)]))).toEqual({
      deleteClient: ['FAILED', 'FORBIDDEN'],
      createUser: ['FAILED', 'FORBIDDEN'],
      createProduct: ['FAILED', 'FORBIDDEN'],
      createOrder: ['FAILED', 'FORBIDDEN'],
      createOpportunity: ['WRITTEN'],
    });
    const deleted = await stack.query<{ deleteClient: { status: string } }>(`mutation($id: ID!) { deleteClient(id: $id) { status } }`, { variables: { id: own } });
    expect(deleted.data!.deleteClient.status).toBe('WRITTEN');
  });

  it('reader writes nothing', async () => {
    const result = await stack.query<Record<string, { status: string; userErrors: { code: string }[] }>>(
      `mutation($c: ID!) {
        createClient(input: { name: "Läsarens" }) { status userErrors { code } }
        updateClient(id: $c, input: { phone: "3" }) { status userErrors { code } }
        deleteClient(id: $c) { status userErrors { code } }
        createLead(input: { name: "Lead" }) { status userErrors { code } }
      }`,
      { variables: { c: adminsClient }, as: 'reader' },
    );
    expect(Object.values(result.data!).map(status)).toEqual([
      ['FAILED', 'FORBIDDEN'], ['FAILED', 'FORBIDDEN'], ['FAILED', 'FORBIDDEN'], ['FAILED', 'FORBIDDEN'],
    ]);
  });

  it('a user without API access gets a FORBIDDEN error for the field, not item results', async () => {
    const result = await stack.query(`mutation { createClient(input: { name: "X" }) { status } }`, { as: 'noapi' });
    expect(result.data).toEqual({ createClient: null });
    expect(result.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

const VALID: Record<CustomFieldDatatype, [input: string, stored: string]> = {
  String: ['Ref <1> & "2"', 'Ref <1> & "2"'],
  Text: ['Rad ett\nRad två 中文', 'Rad ett\nRad två 中文'],
  Integer: ['42', '42'],
  Currency: ['1234.5', '1234.5'],
  Percent: ['12.5', '12.5'],
  Discount: ['3', '3'],
  Boolean: ['true', 'true'],
  Date: ['2026-03-01', '2026-03-01'],
  Time: ['09:30', '09:30'],
  Select: ['Enterprise', 'Enterprise'],
  MultiSelect: ['Mjukvara;Support', 'Mjukvara;Support'],
  Email: ['faktura@kund.se', 'faktura@kund.se'],
  Link: ['https://kund.se/x?a=1&b=2', 'https://kund.se/x?a=1&b=2'],
  Phone: ['+46 8 123 45', '+46 8 123 45'],
  User: ['USER', 'USER'],
};
const INVALID: Record<CustomFieldDatatype, string> = {
  String: 'x'.repeat(256), Text: 'x'.repeat(100_001), Integer: '4.5', Currency: 'tusen', Percent: '150', Discount: '1,5',
  Boolean: 'ja', Date: '2026-02-30', Time: '25:00', Select: 'Stor', MultiSelect: 'Mjukvara;Nej', Email: 'ingen-snabel-a',
  Link: 'ftp://kund.se', Phone: 'ring mig', User: 'admin',
};

describe('custom fields of every datatype', () => {
  let stack: Stack;
  let ids: DemoIds;
  beforeAll(async () => {
    stack = await writeStack();
    ids = await demoIds(stack);
  });
  afterAll(() => stack.close());

  const alias = (datatype: string) => `CLIENT_${datatype.toUpperCase()}`;
  const value = (datatype: CustomFieldDatatype, which: 0 | 1) => VALID[datatype][which].replace('USER', String(ids.admin));

  it('valid values round-trip, by alias and by id; null clears', async () => {
    const customFields = CUSTOM_FIELD_DATATYPES.map((datatype) => ({ field: alias(datatype), value: value(datatype, 0) }));
    const made = await stack.query<{ createClient: { status: string; client: { id: string; customFields: { alias: string; raw: string; fieldId: number }[] } } }>(
      `mutation($cf: [CustomFieldValueInput!]) { createClient(input: { name: "Alla fält", customFields: $cf }) { status client { id customFields { fieldId alias raw } } } }`,
      { variables: { cf: customFields } },
    );
    expect(made.data!.createClient.status).toBe('WRITTEN');
    const stored = made.data!.createClient.client.customFields;
    expect(Object.fromEntries(stored.map((c) => [c.alias, c.raw]))).toEqual(
      Object.fromEntries(CUSTOM_FIELD_DATATYPES.map((datatype) => [alias(datatype), value(datatype, 1)])),
    );
    const integerId = stored.find((c) => c.alias === 'CLIENT_INTEGER')!.fieldId;
    const changed = await stack.query<{ updateClient: { client: { customFields: { alias: string; raw: string }[] } } }>(
      `mutation($id: ID!, $cf: [CustomFieldValueInput!]) { updateClient(id: $id, input: { customFields: $cf }) { client { customFields { alias raw } } } }`,
      { variables: { id: made.data!.createClient.client.id, cf: [{ field: String(integerId), value: '7' }, { field: 'CLIENT_SELECT', value: null }] } },
    );
    const after = Object.fromEntries(changed.data!.updateClient.client.customFields.map((c) => [c.alias, c.raw]));
    expect(after.CLIENT_INTEGER).toBe('7');
    expect(after.CLIENT_SELECT).toBeUndefined();
    expect(Object.keys(after)).toHaveLength(CUSTOM_FIELD_DATATYPES.length - 1);
  });

  it('invalid values of every datatype, and unknown fields, are refused before any create call', async () => {
    const inputs = [
      ...CUSTOM_FIELD_DATATYPES.map((datatype) => ({ name: `Fel ${datatype}`, customFields: [{ field: alias(datatype), value: INVALID[datatype] }] })),
      { name: 'Okänt fält', customFields: [{ field: 'CLIENT_NOPE', value: '1' }] },
      { name: 'Fel sorts fält', customFields: [{ field: 'CONTACT_STRING', value: 'x' }] },
    ];
    await stack.resetStats();
    const result = await stack.query<BatchData>(CREATE_CLIENTS, { variables: { inputs } });
    const n = CUSTOM_FIELD_DATATYPES.length;
    expect(result.data!.createClients.results.map((r) => ({ status: r.status, errors: r.userErrors.map((e) => [e.code, e.field!.join('.')]) }))).toEqual(
      inputs.map((_, i) => ({
        status: 'FAILED',
        errors: [['BAD_USER_INPUT', `inputs.${i}.customFields.0.${i < n ? 'value' : 'field'}`]],
      })),
    );
    expect(result.data!.createClients.results[CUSTOM_FIELD_DATATYPES.indexOf('Select')].userErrors[0].message)
      .toBe('CLIENT_SELECT (Select): "Stor" is not one of the options: SMB, Mid-market, Enterprise, Offentlig sektor');
    expect((await stack.stats()).calls.byOperation).toEqual({ 'MetadataService.getCustomFields': 1 });
  });
});
