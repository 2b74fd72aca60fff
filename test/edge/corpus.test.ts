/**
 * The bad-input corpus (test/edge/corpus): hostile and malformed GraphQL
 * documents, HTTP bodies and headers, Basic credentials, argument values,
 * and CSV and JSONL rows, each sent over HTTP to a running gateway. Every
 * answer has the expected status and code, none is a 500, none leaks a
 * secret or echoes the input, SOAP calls are exactly what the case allows
 * (0 where the gateway can tell before Upsales), and the gateway is healthy
 * after each file.
 *
 * A case: `{ name, method?, path?, headers?, json? | body?, expect }`, where
 * strings may be built by `{ "$repeat": s, "times": n }`, `{ "$join": [...] }`,
 * `{ "$numbered": "f{i} ... {i-1}", "times": n, "from"?: 0 }`,
 * `{ "$nest": value, "depth": n }`, `{ "$array": value, "times": n }` and
 * `{ "$basic": "user:password" }`.
 * `expect`: `{ status, code?, message?, calls? (default 0), data?, userError?, mayQuote?, challenge? }`.
 * No answer carries a `Basic` challenge (a browser would ask for a password
 * and then send it by itself); `challenge` is the scheme a 401 must name.
 * Rows: `rows*.<format>` with `rows*.<format>.expected.json` (`row`, `outcome`,
 * `reason` part); `@@MORE_THAN_1_MIB@@` stands for a value over the record limit.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { MAX_RECORD_CHARS } from '../../src/import/readers/read-records.js';
import { DEMO_USERS } from '../helpers/stack.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';

interface Expectation {
  status: number;
  code?: string;
  message?: string;
  calls?: number;
  data?: unknown;
  userError?: string;
  /** The answer may quote a short piece of the input (a name it could not find), never more than a preview. */
  mayQuote?: boolean;
  /** The scheme of the answer's WWW-Authenticate challenge. */
  challenge?: string;
}
interface Case {
  name: string;
  method?: string;
  path?: unknown;
  headers?: Record<string, unknown>;
  json?: unknown;
  body?: unknown;
  expect: Expectation;
}

const CORPUS = new URL('./corpus/', import.meta.url);
const load = (file: string): Case[] => JSON.parse(readFileSync(new URL(file, CORPUS), 'utf8')) as Case[];

/** The corpus' little builders, expanded. */
function expand(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expand);
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if ('$repeat' in node) return String(expand(node.$repeat)).repeat(node.times as number);
  if ('$join' in node) return (node.$join as unknown[]).map(expand).join('');
  if ('$basic' in node) return `Basic ${Buffer.from(String(expand(node.$basic))).toString('base64')}`;
  if ('$numbered' in node) {
    const from = (node.from as number | undefined) ?? 0;
    return Array.from({ length: node.times as number }, (_, k) => String(node.$numbered)
      .replaceAll('{i-1}', String(from + k - 1)).replaceAll('{i}', String(from + k))).join('');
  }
  if ('$array' in node) return Array.from({ length: node.times as number }, () => expand(node.$array));
  if ('$nest' in node) {
    let nested = expand(node.$nest);
    for (let i = 0; i < (node.depth as number); i++) nested = { a: nested };
    return nested;
  }
  return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, expand(inner)]));
}

/** What no answer may contain. */
function forbidden(served: ServedStack): string[] {
  const { host } = new URL(served.sim.url);
  return [
    host, '/wsapi', 'Envelope', 'faultstring', 'UsernameToken', '.ts:', 'node_modules', '    at ',
    ...Object.values(DEMO_USERS).map((user) => user.password),
  ];
}

let served: ServedStack;
beforeAll(async () => {
  // Anonymous requests act as the demo admin, as under `npm start`; imports on, with a MAX_IMPORT_BYTES small enough to test.
  const limits = { ...configFromEnv({}).limits, importBytes: 3_000_000 };
  served = await startServedStack({ imports: true, config: { defaultCredentials: DEMO_USERS.admin, batchSize: 5, limits } });
  // The import routes check the password with one call, then remember it: check it now, so cases count only their own calls.
  expect((await served.fetch('/imports/00000000-0000-4000-8000-000000000000/results.csv')).status).toBe(404);
});
afterAll(() => served.close());

interface Answer { status: number; text: string; challenge: string | null }

async function send(testCase: Case): Promise<Answer> {
  const headers = expand(testCase.headers ?? {}) as Record<string, string>;
  const body = testCase.json !== undefined ? JSON.stringify(expand(testCase.json)) : testCase.body !== undefined ? String(expand(testCase.body)) : undefined;
  if (testCase.json !== undefined) headers['content-type'] ??= 'application/json';
  const response = await served.fetch(testCase.path === undefined ? '/graphql' : String(expand(testCase.path)), { method: testCase.method ?? 'POST', headers, body });
  return { status: response.status, text: await response.text(), challenge: response.headers.get('www-authenticate') };
}

function check(testCase: Case, answer: Answer) {
  const want = testCase.expect;
  expect(answer.status, answer.text.slice(0, 300)).toBe(want.status);
  expect(answer.challenge ?? '', 'a Basic challenge').not.toMatch(/(^|,)\s*basic\b/i);
  if (want.challenge) expect(answer.challenge?.split(/\s/)[0]).toBe(want.challenge);
  for (const secret of forbidden(served)) expect(answer.text, `leaks "${secret}"`).not.toContain(secret);
  expect(answer.text).not.toContain('CANARY'.repeat(7));
  if (!want.mayQuote) expect(answer.text).not.toContain('CANARY');
  expect(answer.text.length).toBeLessThan(4_000);
  const json = answer.text ? JSON.parse(answer.text) as Record<string, any> : {};
  const error = json.errors?.[0] ?? json.error;
  if (want.code) expect(error?.extensions?.code ?? error?.code, answer.text.slice(0, 300)).toBe(want.code);
  if (want.message) expect(error?.message).toContain(want.message);
  if (want.data) expect(json.data).toEqual(want.data);
  if (want.userError) expect(JSON.stringify(json.data)).toContain(`"code":"${want.userError}"`);
  if (!want.code && !want.message && want.status === 200) expect(json.errors).toBeUndefined();
}

async function expectHealthy() {
  expect(await (await served.fetch('/healthz')).json()).toEqual({ status: 'ok' });
  const response = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ clients(first: 1) { totalCount } }' }) });
  expect((await response.json()).data.clients.totalCount).toBeGreaterThan(0);
}

describe.each(['documents.json', 'bodies.json', 'headers.json', 'values.json'])('%s', (file) => {
  it.each(load(file).map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    await served.resetStats();
    const answer = await send(testCase);
    check(testCase, answer);
    expect((await served.stats()).calls.total).toBe(testCase.expect.calls ?? 0);
  });

  it('leaves the gateway healthy', expectHealthy);
});

// Each file's good rows carry orgNos of their own prefix. An unclosed quote must be a file's last record: it swallows the rest.
describe.each([
  ['rows.csv', 'csv', 'CORPCSV'], ['rows.jsonl', 'jsonl', 'CORPJ'], ['rows-unclosed.csv', 'csv', 'CORPUQ'], ['rows-proto.csv', 'csv', 'CORPPR'],
])('%s', (file, format, prefix) => {
  it('fails each bad row alone, with its reason, and writes each good row once', async () => {
    const big = 'x'.repeat(MAX_RECORD_CHARS + 100);
    const content = readFileSync(new URL(file, CORPUS)).toString('latin1').replace('@@MORE_THAN_1_MIB@@', big);
    const expected = JSON.parse(readFileSync(new URL(`${file}.expected.json`, CORPUS), 'utf8')) as { row: number; outcome: string; reason?: string }[];
    await served.resetStats();
    const started = await served.fetch(`/imports?kind=client&format=${format}`, {
      method: 'POST', headers: { 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' }, body: Buffer.from(content, 'latin1'),
    });
    const job = await started.json() as { id: string; total: number };
    expect(started.status).toBe(201);
    expect(job.total).toBe(expected.length);
    let state = '';
    for (let i = 0; i < 200 && state !== 'COMPLETED'; i++) {
      const view = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ importJob(id: "${job.id}") { state } }` }) });
      state = (await view.json()).data.importJob.state;
      if (state !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state).toBe('COMPLETED');
    const results = (await (await served.fetch(`/imports/${job.id}/results.jsonl`)).text()).trim().split('\n').map((line) => JSON.parse(line) as { row: number; outcome: string; upsalesId: number | null; reason: string | null });
    expect(results.map(({ row, outcome }) => ({ row, outcome }))).toEqual(expected.map(({ row, outcome }) => ({ row, outcome })));
    for (const want of expected) {
      const got = results.find((result) => result.row === want.row)!;
      if (want.reason) expect(got.reason, `row ${want.row}`).toContain(want.reason);
      if (want.outcome === 'failed') expect(got.reason, `row ${want.row}`).toBeTruthy();
      expect((got.reason ?? '').length).toBeLessThan(400);
    }
    // Only the good rows went upstream, each once, in batches of at most 5.
    const created = results.filter((result) => result.outcome === 'created');
    const creates = (await served.stats()).calls.byOperation['ClientService.create'] ?? 0;
    expect(creates).toBeGreaterThanOrEqual(Math.ceil(created.length / 5));
    expect(creates).toBeLessThanOrEqual(Math.ceil(expected.length / 5));
    const written = await served.items('client', [{ field: 'orgNo', operator: 'startsWith', values: [prefix] }]);
    expect(written.map((item) => item.id).sort()).toEqual(created.filter((r) => r.upsalesId !== null).map((r) => r.upsalesId).sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectHealthy();
  });
});
