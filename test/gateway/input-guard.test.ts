/**
 * Bad string input over a real HTTP port: characters Upsales cannot take
 * (controls, lone surrogates, noncharacters) and over-long values anywhere in
 * an operation's arguments (literals, variables, nested inputs, lists, ids,
 * fragments, subscriptions) refuse the whole operation with one
 * BAD_USER_INPUT naming the argument path, before any SOAP call and without
 * echoing the value; write items are checked per item (an empty required
 * name fails its item only); legitimate text of every script round-trips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../app/server.js';
import { basic, callsTo, DEMO_USERS, startStack, UNTHROTTLED, type Stack } from '../helpers/stack.js';

let stack: Stack;
let gateway: RunningGateway;
beforeAll(async () => {
  stack = await startStack(UNTHROTTLED);
  gateway = await startGateway({ config: stack.config, upstream: stack.upstream }, 0, '127.0.0.1');
});
afterAll(async () => {
  await gateway.close();
  await stack.close();
});

interface Answer {
  status: number;
  text: string;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions: Record<string, unknown> }[] };
}

/** POSTs to the gateway's real port as the demo admin. */
async function post(query: string, variables?: Record<string, unknown>, accept = 'application/json'): Promise<Answer> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: accept === 'application/json' ? JSON.parse(text) : {} };
}

/** Asserts one BAD_USER_INPUT error at `argument`, no data, and no SOAP call. */
async function expectRefused(answer: Answer, argument: string, problem: string) {
  expect(answer.status).toBe(200);
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors).toEqual([{ message: `${argument} ${problem}`, extensions: { code: 'BAD_USER_INPUT', argument } }]);
  expect((await stack.stats()).calls.total).toBe(0);
}

const CHARACTERS: Record<string, { value: string; literal: string; problem: string }> = {
  'NUL': { value: '\u0000', literal: '\\u0000', problem: 'U+0000 (a control character)' },
  'BEL': { value: 'a\u0007b', literal: 'a\\u0007b', problem: 'U+0007 (a control character)' },
  'DEL': { value: '\u007F', literal: '\\u007F', problem: 'U+007F (a control character)' },
  'C1 NEL': { value: 'x\u0085', literal: 'x\\u0085', problem: 'U+0085 (a control character)' },
  'U+FFFF': { value: '\uFFFF', literal: '\\uFFFF', problem: 'U+FFFF (a Unicode noncharacter)' },
  'U+FDD0': { value: 'ab\uFDD0', literal: 'ab\\uFDD0', problem: 'U+FDD0 (a Unicode noncharacter)' },
  'U+1FFFE': { value: '\u{1FFFE}', literal: '\\u{1FFFE}', problem: 'U+1FFFE (a Unicode noncharacter)' },
};
const cannotSend = (what: string) => `has ${what}, which cannot be sent to Upsales`;

describe('a refused character in a filter refuses the operation before any SOAP call', () => {
  for (const [name, { value, literal, problem }] of Object.entries(CHARACTERS)) {
    it(`${name}, as a literal and as a variable`, async () => {
      await stack.resetStats();
      await expectRefused(await post(`{ clients(filter: { name: { contains: "${literal}" } }) { totalCount } }`), 'clients.filter.name.contains', cannotSend(problem));
      await expectRefused(
        await post('query($v: String) { clients(filter: { name: { contains: $v } }) { totalCount } }', { v: value }),
        'clients.filter.name.contains', cannotSend(problem),
      );
    });
  }

  it('a lone surrogate: in a variable (JSON "\\ud800") refused by the guard; in a literal a GraphQL syntax error', async () => {
    await stack.resetStats();
    const variable = await post('query($v: String) { clients(filter: { name: { eq: $v } }) { totalCount } }', { v: 'x\ud800' });
    await expectRefused(variable, 'clients.filter.name.eq', cannotSend('U+D800 (a lone surrogate)'));
    await expectRefused(
      await post('query($v: String) { clients(filter: { name: { eq: $v } }) { totalCount } }', { v: '\udc00y' }),
      'clients.filter.name.eq', cannotSend('U+DC00 (a lone surrogate)'),
    );
    const literal = await post('{ clients(filter: { name: { eq: "\\ud800" } }) { totalCount } }');
    expect(literal.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } })]);
    expect((await stack.stats()).calls.total).toBe(0);
  });

  it('a noncharacter typed as is inside a literal (not escaped) is refused too', async () => {
    await stack.resetStats();
    await expectRefused(await post('{ clients(filter: { name: { contains: "a\uFFFFb" } }) { totalCount } }'), 'clients.filter.name.contains', cannotSend('U+FFFF (a Unicode noncharacter)'));
  });
});

describe('the argument path names where the value landed', () => {
  const bad = '\u0007';
  const cases: Record<string, { query: string; variables?: Record<string, unknown>; argument: string }> = {
    'a list element in a nested connection': {
      query: 'query($v: String!) { clients(first: 1) { nodes { contacts(filter: { name: { in: ["a", $v] } }) { totalCount } } } }',
      variables: { v: bad }, argument: 'clients.nodes.contacts.filter.name.in[1]',
    },
    'a custom field filter': {
      query: 'query($v: String) { clients(filter: { customFields: [{ field: "CLIENT_STRING", eq: $v }] }) { totalCount } }',
      variables: { v: bad }, argument: 'clients.filter.customFields[0].eq',
    },
    'a whole filter as one variable': {
      query: 'query($f: ClientFilter) { clients(filter: $f) { totalCount } }',
      variables: { f: { active: { eq: true }, name: { startsWith: bad } } }, argument: 'clients.filter.name.startsWith',
    },
    'an alias': { query: 'query($v: String) { a: clients(filter: { name: { eq: "ok" } }) { totalCount } b: clients(filter: { phone: { eq: $v } }) { totalCount } }', variables: { v: bad }, argument: 'b.filter.phone.eq' },
    'a fragment': {
      query: 'query($v: String) { ...Q } fragment Q on Query { orders(filter: { description: { contains: $v } }) { totalCount } }',
      variables: { v: bad }, argument: 'orders.filter.description.contains',
    },
    'an id': { query: 'query($v: ID!) { node(id: $v) { id } }', variables: { v: bad }, argument: 'node.id' },
    'an id in a list': { query: 'query($v: ID!) { nodes(ids: ["1", $v]) { id } }', variables: { v: bad }, argument: 'nodes.ids[1]' },
    'an id filter': { query: 'query($v: ID) { contacts(filter: { client: { eq: $v } }) { totalCount } }', variables: { v: bad }, argument: 'contacts.filter.client.eq' },
    'a cursor': { query: 'query($v: String) { clients(after: $v) { totalCount } }', variables: { v: bad }, argument: 'clients.after' },
    'a custom field alias': { query: 'query($v: String!) { client(upsalesId: 1) { customFields(fields: [$v]) { raw } } }', variables: { v: bad }, argument: 'client.customFields.fields[0]' },
  };
  for (const [what, { query, variables, argument }] of Object.entries(cases)) {
    it(what, async () => {
      await stack.resetStats();
      await expectRefused(await post(query, variables), argument, cannotSend('U+0007 (a control character)'));
    });
  }

  it('fields left out by @skip or @include are not checked', async () => {
    await stack.resetStats();
    const answer = await post('query($v: String, $no: Boolean!) { a: clients(first: 1, filter: { name: { eq: $v } }) @include(if: $no) { totalCount } me { name } }', { v: '\u0000', no: false });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ me: { name: expect.any(String) } });
  });

  it('a subscription argument, before the subscription starts', async () => {
    await stack.resetStats();
    const answer = await post('subscription { importProgress(id: "\\u0000") { id } }', undefined, 'text/event-stream');
    expect(answer.text).toContain('importProgress.id has U+0000 (a control character)');
    expect(answer.text).toContain('BAD_USER_INPUT');
    expect((await stack.stats()).calls.total).toBe(0);
  });
});

describe('over-long arguments', () => {
  // Under MAX_BODY_BYTES (1 MiB; a 2 MB body is a 413, tested in test/edge) and, in a literal, under MAX_QUERY_BYTES (64 KiB).
  const long = 'x'.repeat(900 * 1024);
  const longLiteral = 'x'.repeat(60_000);

  it('a long filter string (60 KB literal, 900 KB variable) is refused at the write cap (255) without being echoed', async () => {
    await stack.resetStats();
    const answers = [
      await post(`{ clients(filter: { name: { contains: "${longLiteral}" } }) { totalCount } }`),
      await post('query($v: String) { clients(filter: { name: { contains: $v } }) { totalCount } }', { v: long }),
    ];
    for (const answer of answers) {
      await expectRefused(answer, 'clients.filter.name.contains', 'is longer than 255 characters');
      expect(answer.text.length).toBeLessThan(1000);
    }
  });

  it('255 characters (code points: emoji count once) pass; 256 do not', async () => {
    await stack.resetStats();
    const at = await post('query($a: String, $b: String) { a: clients(filter: { name: { eq: $a } }) { totalCount } b: clients(filter: { name: { eq: $b } }) { totalCount } }', { a: 'x'.repeat(255), b: '🚀'.repeat(255) });
    expect(at.body).toMatchObject({ data: { a: { totalCount: 0 }, b: { totalCount: 0 } } });
    expect((await stack.stats()).calls.total).toBe(2);
    await stack.resetStats();
    await expectRefused(await post('query($v: String) { clients(filter: { name: { eq: $v } }) { totalCount } }', { v: '🚀'.repeat(256) }), 'clients.filter.name.eq', 'is longer than 255 characters');
  });

  it('a 400 KB value of the wrong type for its variable is refused (400) with the value cut short', async () => {
    await stack.resetStats();
    const half = long.slice(0, 400 * 1024);
    const answer = await post('query($n: Int, $d: Date) { clients(first: $n) { totalCount } orders(filter: { date: { eq: $d } }) { totalCount } }', { n: half, d: half });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(2);
    for (const error of answer.body.errors!) expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.body.errors![0].message).toMatch(/^Variable "\$n" got invalid value "x{40}…"; Int cannot represent non-integer value: "x{40}…"$/);
    expect(answer.text.length).toBeLessThan(1000);
    expect((await stack.stats()).calls.total).toBe(0);
  });
});

describe('writes: each item checked on its own, before any call', () => {
  const CREATE = 'mutation($input: ClientCreateInput!) { createClient(input: $input) { status client { name } userErrors { index field code message } } }';

  it('an empty or blank required name fails the create, with no call', async () => {
    for (const name of ['', '  \t ']) {
      await stack.resetStats();
      const answer = await post(CREATE, { input: { name } });
      expect(answer.body.data!.createClient).toEqual({
        status: 'FAILED', client: null,
        userErrors: [{ index: null, field: ['input', 'name'], code: 'BAD_USER_INPUT', message: 'name is required and cannot be empty' }],
      });
      expect((await stack.stats()).calls.total).toBe(0);
    }
  });

  it('an update cannot empty a required name either; an optional field may be empty', async () => {
    await stack.resetStats();
    const answer = await post('mutation { updateClient(id: "1", input: { name: "" }) { status userErrors { field message } } }');
    expect(answer.body.data!.updateClient).toEqual({ status: 'FAILED', userErrors: [{ field: ['input', 'name'], message: 'name is required and cannot be empty' }] });
    expect((await stack.stats()).calls.total).toBe(0);
    const optional = await post(CREATE, { input: { name: 'Guard tom telefon', phone: '' } });
    expect(optional.body.data!.createClient.status).toBe('WRITTEN');
  });

  it('in a batch, the item with an empty name and the item with a control character fail alone; the rest are written in one call', async () => {
    const names = ['Guard B0', 'Guard B1 \u0000', 'Guard B2', '', 'Guard B4'];
    await stack.resetStats();
    const answer = await post(
      'mutation($inputs: [ClientCreateInput!]!) { createClients(inputs: $inputs) { writtenCount results { index status userErrors { index field code message } } } }',
      { inputs: names.map((name) => ({ name })) },
    );
    const payload = answer.body.data!.createClients;
    expect(payload.writtenCount).toBe(3);
    expect(payload.results.map((r: { status: string }) => r.status)).toEqual(['WRITTEN', 'FAILED', 'WRITTEN', 'FAILED', 'WRITTEN']);
    expect(payload.results[1].userErrors).toEqual([{ index: 1, field: ['inputs', '1', 'name'], code: 'BAD_USER_INPUT', message: `name ${cannotSend('U+0000 (a control character)')}` }]);
    expect(payload.results[3].userErrors).toEqual([{ index: 3, field: ['inputs', '3', 'name'], code: 'BAD_USER_INPUT', message: 'name is required and cannot be empty' }]);
    expect((await stack.stats()).calls.byOperation).toEqual({ 'ClientService.create': 1 });
  });

  it('a 400 KB name or custom value fails its item without being echoed', async () => {
    const long = 'y'.repeat(400 * 1024);
    await stack.resetStats();
    const answer = await post(
      'mutation($inputs: [ClientCreateInput!]!) { createClients(inputs: $inputs) { results { status userErrors { field message } } } }',
      { inputs: [{ name: long }, { name: 'Guard custom', customFields: [{ field: 'CLIENT_INTEGER', value: long }] }] },
    );
    expect(answer.body.data!.createClients.results).toEqual([
      { status: 'FAILED', userErrors: [{ field: ['inputs', '0', 'name'], message: 'name is longer than 255 characters' }] },
      { status: 'FAILED', userErrors: [{ field: ['inputs', '1', 'customFields', '0', 'value'], message: `CLIENT_INTEGER (Integer): "${'y'.repeat(40)}…" is not an integer` }] },
    ]);
    expect(answer.text.length).toBeLessThan(2000);
    expect(callsTo(await stack.stats(), 'ClientService.')).toBe(0);
  });
});

describe('legitimate text goes through', () => {
  const TEXT = 'Guard\tflik\nrad 中文客户 🚀👩‍💻 عميل عربي <&]]> "citat"';
  const CREATE_ONE = 'mutation($input: ClientCreateInput!) { createClient(input: $input) { status client { name notes } } }';

  it('tab, newline, CJK, emoji, Arabic and XML specials round-trip through a create and a filter', async () => {
    const made = await post(CREATE_ONE, { input: { name: TEXT, notes: `${TEXT}\r\n${TEXT}` } });
    expect(made.body.data!.createClient).toEqual({ status: 'WRITTEN', client: { name: TEXT, notes: `${TEXT}\r\n${TEXT}` } });
    await stack.resetStats();
    const found = await post(`query($v: String) {
      eq: clients(filter: { name: { eq: $v } }) { nodes { name } }
      literal: clients(filter: { name: { contains: "中文客户 🚀👩‍💻 عميل" } }) { nodes { name } }
      escaped: clients(filter: { name: { contains: "\\tflik\\nrad" } }) { nodes { name } }
      specials: clients(filter: { name: { contains: "<&]]> \\"citat\\"" } }) { nodes { name } }
    }`, { v: TEXT });
    expect(found.body.errors).toBeUndefined();
    for (const alias of ['eq', 'literal', 'escaped', 'specials']) expect(found.body.data![alias], alias).toEqual({ nodes: [{ name: TEXT }] });
    expect((await stack.stats()).calls.total).toBe(4);
  });
});
