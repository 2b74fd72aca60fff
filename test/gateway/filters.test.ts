/**
 * Filters, ordering and paging against the data: each operator on each kind
 * of field gives exactly the items the whole data set (fetched once) holds
 * when filtered in JS the way Upsales does; orderings and pages are exact;
 * bad input is BAD_USER_INPUT before any SOAP call.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, UNTHROTTLED, type Stack } from '../helpers/stack.js';

let stack: Stack;

interface Client {
  upsalesId: number; name: string; fax: string | null; turnover: number; noEmployees: number; active: boolean | null;
  regDate: string; parent: { upsalesId: number } | null; customFields: { fieldId: number; raw: string }[];
}
interface Order { upsalesId: number; date: string; value: number; probability: number; currency: string; client: { upsalesId: number } }
let clients: Client[];
let orders: Order[];

beforeAll(async () => {
  stack = await startStack(UNTHROTTLED);
  const result = await stack.query<{ clients: { totalCount: number; nodes: Client[] }; orders: { nodes: Order[] } }>(`{
    clients(first: 1000) { totalCount nodes { upsalesId name fax turnover noEmployees active regDate parent { upsalesId } customFields { fieldId raw } } }
    orders(first: 1000) { nodes { upsalesId date value probability currency client { upsalesId } } }
  }`);
  expect(result.errors).toBeUndefined();
  clients = result.data!.clients.nodes;
  orders = result.data!.orders.nodes;
  expect(clients).toHaveLength(result.data!.clients.totalCount);
});
afterAll(() => stack.close());

/** A custom value of a client, as Upsales compares it (numbers for Integer fields). */
const custom = (client: Client, fieldId: number) => client.customFields.find((v) => v.fieldId === fieldId)?.raw;
const CLIENT_STRING = 1;
const CLIENT_INTEGER = 3;
const CLIENT_BOOLEAN = 7;
const CLIENT_SELECT = 10;

interface Case<T> { filter: string; expect: (item: T) => boolean }

/**
 * Runs every case as one aliased root connection in one query, and checks
 * each alias holds exactly the ids the JS predicate keeps, at one SOAP call
 * per alias (plus the custom field definitions when an alias is used); an
 * alias whose criteria equal another's shares its call (a cached call).
 */
async function checkCases<T extends { upsalesId: number }>(plural: string, data: T[], cases: Record<string, Case<T>>, extraCalls = 0, sharedCalls = 0) {
  const names = Object.keys(cases);
  await stack.resetStats();
  const result = await stack.query<Record<string, { totalCount: number; nodes: { upsalesId: number }[] }>>(`{
    ${names.map((name) => `${name}: ${plural}(first: 1000, filter: ${cases[name].filter}) { totalCount nodes { upsalesId } }`).join('\n')}
  }`);
  expect(result.errors).toBeUndefined();
  for (const name of names) {
    const expected = data.filter(cases[name].expect).map((item) => item.upsalesId).sort((a, b) => a - b);
    expect(expected.length, `${name}: the case must keep some items`).toBeGreaterThan(0);
    expect(expected.length, `${name}: the case must drop some items`).toBeLessThan(data.length);
    expect(result.data![name].nodes.map((node) => node.upsalesId), name).toEqual(expected);
    expect(result.data![name].totalCount, name).toBe(expected.length);
  }
  const stats = await stack.stats();
  expect(stats.calls.total).toBe(names.length + extraCalls - sharedCalls);
  expect(result.extensions!.upsales!.cachedCalls).toBe(sharedCalls);
  expect(result.extensions?.upsales?.soapCalls).toBe(stats.calls.total);
}

describe('filter operators', () => {
  it('String: eq ne in lt lte gt gte contains startsWith isNull', async () => {
    const sorted = clients.map((c) => c.name).sort();
    const mid = sorted[Math.floor(sorted.length / 2)];
    const [a, b] = [clients[3].name, clients[7].name];
    await checkCases('clients', clients, {
      eq: { filter: `{ name: { eq: ${JSON.stringify(a)} } }`, expect: (c) => c.name === a },
      ne: { filter: `{ name: { ne: ${JSON.stringify(a)} } }`, expect: (c) => c.name !== a },
      in: { filter: `{ name: { in: ${JSON.stringify([a, b])} } }`, expect: (c) => c.name === a || c.name === b },
      lt: { filter: `{ name: { lt: ${JSON.stringify(mid)} } }`, expect: (c) => c.name < mid },
      lte: { filter: `{ name: { lte: ${JSON.stringify(mid)} } }`, expect: (c) => c.name <= mid },
      gt: { filter: `{ name: { gt: ${JSON.stringify(mid)} } }`, expect: (c) => c.name > mid },
      gte: { filter: `{ name: { gte: ${JSON.stringify(mid)} } }`, expect: (c) => c.name >= mid },
      // contains and startsWith ignore case.
      contains: { filter: '{ name: { contains: "INVEST" } }', expect: (c) => c.name.toLowerCase().includes('invest') },
      startsWith: { filter: '{ name: { startsWith: "g" } }', expect: (c) => c.name.toLowerCase().startsWith('g') },
      isNull: { filter: '{ fax: { isNull: true } }', expect: (c) => c.fax === null },
      notNull: { filter: '{ fax: { isNull: false } }', expect: (c) => c.fax !== null },
      both: { filter: '{ name: { startsWith: "g" }, fax: { isNull: false } }', expect: (c) => c.name.toLowerCase().startsWith('g') && c.fax !== null },
    });
  });

  it('Int and Float: eq ne in lt lte gt gte', async () => {
    const n = clients[10].noEmployees;
    const t = clients[20].turnover;
    await checkCases('clients', clients, {
      intEq: { filter: `{ noEmployees: { eq: ${n} } }`, expect: (c) => c.noEmployees === n },
      intNe: { filter: `{ noEmployees: { ne: ${n} } }`, expect: (c) => c.noEmployees !== n },
      intIn: { filter: `{ noEmployees: { in: [${n}, ${clients[11].noEmployees}] } }`, expect: (c) => [n, clients[11].noEmployees].includes(c.noEmployees) },
      intLt: { filter: '{ noEmployees: { lt: 1000 } }', expect: (c) => c.noEmployees < 1000 },
      intLte: { filter: `{ noEmployees: { lte: ${n} } }`, expect: (c) => c.noEmployees <= n },
      intGt: { filter: `{ noEmployees: { gt: ${n} } }`, expect: (c) => c.noEmployees > n },
      intGte: { filter: `{ noEmployees: { gte: ${n} } }`, expect: (c) => c.noEmployees >= n },
      range: { filter: '{ noEmployees: { gte: 100, lt: 500 } }', expect: (c) => c.noEmployees >= 100 && c.noEmployees < 500 },
      floatEq: { filter: `{ turnover: { eq: ${t} } }`, expect: (c) => c.turnover === t },
      floatLt: { filter: `{ turnover: { lt: ${t} } }`, expect: (c) => c.turnover < t },
      floatGte: { filter: `{ turnover: { gte: ${t} } }`, expect: (c) => c.turnover >= t },
    });
    const v = orders[5].value;
    await checkCases('orders', orders, {
      valueGt: { filter: `{ value: { gt: ${v} } }`, expect: (o) => o.value > v },
      valueLte: { filter: `{ value: { lte: ${v} } }`, expect: (o) => o.value <= v },
    });
  });

  it('Date and DateTime: eq in lt gte', async () => {
    const day = orders[0].date;
    const other = orders[1].date;
    await checkCases('orders', orders, {
      eq: { filter: `{ date: { eq: "${day}" } }`, expect: (o) => o.date === day },
      in: { filter: `{ date: { in: ["${day}", "${other}"] } }`, expect: (o) => o.date === day || o.date === other },
      lt: { filter: '{ date: { lt: "2025-01-01" } }', expect: (o) => o.date < '2025-01-01' },
      gte: { filter: '{ date: { gte: "2025-01-01" } }', expect: (o) => o.date >= '2025-01-01' },
      currency: { filter: '{ currency: { ne: "SEK" }, date: { gte: "2024-06-01" } }', expect: (o) => o.currency !== 'SEK' && o.date >= '2024-06-01' },
    });
    await checkCases('clients', clients, {
      before: { filter: '{ regDate: { lt: "2024-01-01T00:00:00Z" } }', expect: (c) => c.regDate < '2024-01-01T00:00:00.000Z' },
      after: { filter: '{ regDate: { gte: "2024-01-01T00:00:00.000Z" } }', expect: (c) => c.regDate >= '2024-01-01T00:00:00.000Z' },
    });
  });

  it('Boolean: eq ne isNull', async () => {
    await checkCases('clients', clients, {
      eq: { filter: '{ active: { eq: true } }', expect: (c) => c.active === true },
      ne: { filter: '{ active: { ne: true } }', expect: (c) => c.active !== true },
      eqFalse: { filter: '{ active: { eq: false } }', expect: (c) => c.active === false },
    });
  });

  it('ID and related ids: global ids or Upsales ids, eq ne in isNull', async () => {
    const parentId = clients.find((c) => c.parent)!.parent!.upsalesId;
    const ids = [clients[0].upsalesId, clients[5].upsalesId, clients[9].upsalesId];
    const clientId = orders[0].client.upsalesId;
    await checkCases('clients', clients, {
      idIn: { filter: `{ id: { in: ${JSON.stringify([encodeGlobalID('Client', ids[0]), String(ids[1]), encodeGlobalID('Client', ids[2])])} } }`, expect: (c) => ids.includes(c.upsalesId) },
      idNe: { filter: `{ id: { ne: "${encodeGlobalID('Client', ids[0])}" } }`, expect: (c) => c.upsalesId !== ids[0] },
      parentEq: { filter: `{ parent: { eq: "${encodeGlobalID('Client', parentId)}" } }`, expect: (c) => c.parent?.upsalesId === parentId },
      parentPlain: { filter: `{ parent: { eq: "${parentId}" } }`, expect: (c) => c.parent?.upsalesId === parentId },
      parentNe: { filter: `{ parent: { ne: "${parentId}" } }`, expect: (c) => c.parent?.upsalesId !== parentId },
      hasParent: { filter: '{ parent: { isNull: false } }', expect: (c) => c.parent !== null },
      noParent: { filter: '{ parent: { isNull: true } }', expect: (c) => c.parent === null },
    }, 0, 1); // parentEq and parentPlain are one read: the second shares the first's call
    await checkCases('orders', orders, {
      client: { filter: `{ client: { eq: "${encodeGlobalID('Client', clientId)}" } }`, expect: (o) => o.client.upsalesId === clientId },
    });
  });

  it('custom fields by alias and by id', async () => {
    const code = custom(clients.find((c) => custom(c, CLIENT_STRING))!, CLIENT_STRING)!;
    await checkCases('clients', clients, {
      aliasGt: { filter: '{ customFields: [{ field: "CLIENT_INTEGER", gt: "2500" }] }', expect: (c) => custom(c, CLIENT_INTEGER) !== undefined && Number(custom(c, CLIENT_INTEGER)) > 2500 },
      idGt: { filter: `{ customFields: [{ field: "${CLIENT_INTEGER}", gt: "2500" }] }`, expect: (c) => custom(c, CLIENT_INTEGER) !== undefined && Number(custom(c, CLIENT_INTEGER)) > 2500 },
      selectEq: { filter: '{ customFields: [{ field: "CLIENT_SELECT", eq: "Enterprise" }] }', expect: (c) => custom(c, CLIENT_SELECT) === 'Enterprise' },
      selectIn: { filter: '{ customFields: [{ field: "CLIENT_SELECT", in: ["SMB", "Mid-market"] }] }', expect: (c) => ['SMB', 'Mid-market'].includes(custom(c, CLIENT_SELECT) ?? '') },
      stringEq: { filter: `{ customFields: [{ field: "${CLIENT_STRING}", eq: "${code}" }] }`, expect: (c) => custom(c, CLIENT_STRING) === code },
      startsWith: { filter: '{ customFields: [{ field: "CLIENT_STRING", startsWith: "ref-1" }] }', expect: (c) => (custom(c, CLIENT_STRING) ?? '').toLowerCase().startsWith('ref-1') },
      boolean: { filter: '{ customFields: [{ field: "CLIENT_BOOLEAN", eq: "true" }] }', expect: (c) => custom(c, CLIENT_BOOLEAN) === 'true' },
      isNull: { filter: `{ customFields: [{ field: "${CLIENT_BOOLEAN}", isNull: true }] }`, expect: (c) => custom(c, CLIENT_BOOLEAN) === undefined },
      both: {
        filter: '{ active: { eq: true }, customFields: [{ field: "CLIENT_INTEGER", lte: "1000" }, { field: "CLIENT_SELECT", isNull: false }] }',
        expect: (c) => c.active === true && custom(c, CLIENT_INTEGER) !== undefined && Number(custom(c, CLIENT_INTEGER)) <= 1000 && custom(c, CLIENT_SELECT) !== undefined,
      },
    }, 1);
  });
});

/** Upsales' order: unset values first, then by value; ties by id. */
function byKeys(keys: { get: (c: Client) => number | boolean | null; desc?: boolean }[]) {
  return (a: Client, b: Client): number => {
    for (const { get, desc } of keys) {
      const x = get(a);
      const y = get(b);
      const c = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      if (c !== 0) return desc ? -c : c;
    }
    return a.upsalesId - b.upsalesId;
  };
}

describe('orderBy', () => {
  const order = async (orderBy: string) => {
    const result = await stack.query<{ clients: { nodes: { upsalesId: number }[] } }>(`{ clients(first: 1000, orderBy: ${orderBy}) { nodes { upsalesId } } }`);
    expect(result.errors).toBeUndefined();
    return result.data!.clients.nodes.map((node) => node.upsalesId);
  };

  it('ascending, descending and by several keys, ties by id', async () => {
    expect(await order('[{ field: noEmployees }]')).toEqual([...clients].sort(byKeys([{ get: (c) => c.noEmployees }])).map((c) => c.upsalesId));
    expect(await order('[{ field: turnover, direction: DESC }]')).toEqual([...clients].sort(byKeys([{ get: (c) => c.turnover, desc: true }])).map((c) => c.upsalesId));
    expect(await order('[{ field: active, direction: DESC }, { field: noEmployees }]'))
      .toEqual([...clients].sort(byKeys([{ get: (c) => c.active, desc: true }, { get: (c) => c.noEmployees }])).map((c) => c.upsalesId));
    expect(await order('[{ field: id, direction: DESC }]')).toEqual(clients.map((c) => c.upsalesId).sort((a, b) => b - a));
    const collator = new Intl.Collator('sv');
    const byName = await order('[{ field: name }]');
    expect(byName).toEqual([...clients].sort((a, b) => collator.compare(a.name, b.name)).map((c) => c.upsalesId));
    expect(await order('[{ field: name, direction: DESC }]')).toEqual([...byName].reverse());
  });

  it('a field that cannot be sorted on is a GraphQL validation error', async () => {
    await stack.resetStats();
    const result = await stack.query('{ clients(orderBy: [{ field: notes }]) { totalCount } }');
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].message).toContain('Value "notes" does not exist in "ClientOrderField" enum.');
    expect((await stack.stats()).calls.total).toBe(0);
  });
});

describe('paging', () => {
  interface PageResult { totalCount: number; nodes: { upsalesId: number }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } }
  const PAGE = 'totalCount nodes { upsalesId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

  it('root pages concatenate to one big page, with totalCount and page info', async () => {
    const args = 'filter: { noEmployees: { lt: 1200 } }, orderBy: [{ field: noEmployees, direction: DESC }]';
    const whole = (await stack.query<{ clients: PageResult }>(`{ clients(first: 1000, ${args}) { ${PAGE} } }`)).data!.clients;
    expect(whole.totalCount).toBe(clients.filter((c) => c.noEmployees < 1200).length);
    expect(whole.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const pages: PageResult[] = [];
    let after: string | null = null;
    await stack.resetStats();
    do {
      const result: { data?: { clients: PageResult } | null } = await stack.query<{ clients: PageResult }>(
        `query($after: String) { clients(first: 37, after: $after, ${args}) { ${PAGE} } }`, { variables: { after } },
      );
      pages.push(result.data!.clients);
      after = result.data!.clients.pageInfo.endCursor;
    } while (pages.at(-1)!.pageInfo.hasNextPage);
    expect(pages).toHaveLength(Math.ceil(whole.totalCount / 37));
    expect(pages.flatMap((page) => page.nodes.map((n) => n.upsalesId))).toEqual(whole.nodes.map((n) => n.upsalesId));
    pages.forEach((page, i) => {
      expect(page.totalCount).toBe(whole.totalCount);
      expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
      expect(page.pageInfo.hasNextPage).toBe(i < pages.length - 1);
      expect(page.nodes.length).toBe(i < pages.length - 1 ? 37 : whole.totalCount - 37 * (pages.length - 1));
    });
    // One call per page.
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.getByCriteria': pages.length });
  });

  it('first: 0 and a page past the end are empty but count', async () => {
    const result = await stack.query<{ none: PageResult; past: PageResult }>(`{
      none: clients(first: 0) { ${PAGE} }
      past: clients(first: 5, after: "${Buffer.from(`offset:${clients.length + 10}`).toString('base64url')}") { ${PAGE} }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.none).toEqual({ totalCount: clients.length, nodes: [], pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null } });
    expect(result.data!.past).toMatchObject({ totalCount: clients.length, nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });

  it('nested pages concatenate to one big page', async () => {
    // The client with most contacts among the first 100.
    const counts = (await stack.query<{ clients: { nodes: { upsalesId: number; contacts: { totalCount: number } }[] } }>(
      '{ clients(first: 100) { nodes { upsalesId contacts { totalCount } } } }',
    )).data!.clients.nodes.sort((a, b) => b.contacts.totalCount - a.contacts.totalCount);
    const clientId = counts[0].upsalesId;
    const contactCount = (await stack.items('contact', [{ field: 'client.id', operator: 'eq', values: [String(clientId)] }])).length;
    expect(contactCount).toBe(counts[0].contacts.totalCount);
    expect(contactCount).toBeGreaterThan(4);
    const whole = (await stack.query<{ client: { contacts: PageResult } }>(`{ client(upsalesId: ${clientId}) { contacts(first: 100) { ${PAGE} } } }`)).data!.client.contacts;
    expect(whole.totalCount).toBe(contactCount);
    const ids: number[] = [];
    let after: string | null = null;
    for (let i = 0; ; i++) {
      const result: { data?: { client: { contacts: PageResult } } | null } = await stack.query<{ client: { contacts: PageResult } }>(
        `query($after: String) { client(upsalesId: ${clientId}) { contacts(first: 2, after: $after) { ${PAGE} } } }`, { variables: { after } },
      );
      const page = result.data!.client.contacts;
      expect(page.totalCount).toBe(contactCount);
      expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
      ids.push(...page.nodes.map((n) => n.upsalesId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids).toEqual(whole.nodes.map((n) => n.upsalesId));
  });
});

describe('bad input is BAD_USER_INPUT, before any SOAP call', () => {
  const cases: Record<string, { query: string; message: string; calls?: number }> = {
    'a bad cursor': { query: '{ clients(first: 1, after: "not-a-cursor") { totalCount } }', message: 'after: "not-a-cursor" is not a cursor of this connection' },
    'an unknown custom field alias': {
      query: '{ clients(filter: { customFields: [{ field: "NO_SUCH", eq: "x" }] }) { totalCount } }',
      message: 'filter.customFields: Client has no custom field "NO_SUCH"', calls: 1,
    },
    'a global id of another type': { query: `{ clients(filter: { id: { eq: "${encodeGlobalID('Contact', 1)}" } }) { totalCount } }`, message: `filter.id: "${encodeGlobalID('Contact', 1)}" is not the id of a Client` },
    'a malformed global id': { query: '{ orders(filter: { client: { in: ["%%%"] } }) { totalCount } }', message: 'filter.client: "%%%" is not a valid id' },
    'a malformed node id': { query: '{ node(id: "%%%") { id } }', message: '"%%%" is not a valid id' },
    'first over the root maximum': { query: '{ clients(first: 1001) { totalCount } }', message: 'first must be between 0 and 1000, got 1001' },
    'a negative first': { query: '{ clients(first: -1) { totalCount } }', message: 'first must be between 0 and 1000, got -1' },
    'first over the nested maximum': { query: '{ client(upsalesId: 1) { contacts(first: 101) { totalCount } } }', message: 'first must be between 0 and 100, got 101', calls: 1 },
    'both id and upsalesId': { query: `{ client(id: "${encodeGlobalID('Client', 1)}", upsalesId: 1) { name } }`, message: 'client: give exactly one of id and upsalesId' },
  };
  for (const [what, { query, message, calls = 0 }] of Object.entries(cases)) {
    it(what, async () => {
      await stack.resetStats();
      const result = await stack.query(query);
      expect(result.status).toBe(200);
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
      expect(result.errors![0].path).toBeDefined();
      expect((await stack.stats()).calls.total).toBe(calls);
    });
  }

  it('a value Upsales refuses (text for a number) is BAD_USER_INPUT too', async () => {
    const result = await stack.query('{ clients(filter: { customFields: [{ field: "CLIENT_INTEGER", gt: "many" }] }) { totalCount } }');
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ path: ['clients'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(result.errors![0].message).toContain('"many" is not a number');
  });
});
