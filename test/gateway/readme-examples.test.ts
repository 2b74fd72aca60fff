/**
 * The README tells the truth: every GraphQL example in it runs against the
 * embedded service without errors (the @defer one read as it streams); the
 * figures it gives for the first query are what that query, sent as the
 * curl example's user, costs on a fresh gateway, the first time and again;
 * its log line has the fields of a real one; every page size and every
 * variable the gateway reads is written in it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NESTED_PAGE, ROOT_PAGE } from '../../resolvers/paging.js';
import { configFromEnv } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { MAX_EXTENSIONS_BYTES } from '../../app/plugins/use-persisted-operations.js';
import { MAX_PERSISTED_FILE_BYTES } from '../../app/plugins/trusted-documents.js';
import { payloadErrors } from '../../examples/frontend/incremental.js';
import { mergeParts, readParts } from '../helpers/incremental.js';
import { fencedBlocks, README, section } from '../helpers/readme.js';
import { startServedStack } from '../helpers/served.js';
import { basic, DEMO_USERS, startStack, type Stack } from '../helpers/stack.js';
import { sseResults } from '../helpers/sse.js';

const GRAPHQL_BLOCKS = fencedBlocks('graphql');
const CURL_QUERIES = [...README.matchAll(/-d '(\{"query".*?\})'/g)].map((match) => (JSON.parse(match[1]) as { query: string }).query);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

it('has examples to check', () => {
  expect(GRAPHQL_BLOCKS.length).toBeGreaterThan(0);
  expect(CURL_QUERIES.length).toBeGreaterThan(0);
});

/** An example with @defer or @stream, read as multipart/mixed: its payloads' errors and the data they add up to. */
async function runIncremental(query: string): Promise<{ errors?: unknown[]; data: unknown }> {
  const response = await stack.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
    body: JSON.stringify({ query }),
  });
  const parts = await readParts(response, Date.now());
  expect(parts.length).toBeGreaterThan(1);
  const errors = parts.flatMap(({ payload }) => payloadErrors(payload));
  return { errors: errors.length ? errors : undefined, data: mergeParts(parts) };
}

/** A live query (@live), read over SSE: its first result; then it is left. */
async function runLive(query: string): Promise<{ errors?: unknown[]; data: unknown }> {
  const results = sseResults(await stack.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password) },
    body: JSON.stringify({ query }),
  }));
  const first = await results.next();
  await results.close();
  return { errors: first?.errors, data: first?.data };
}

it.each([...GRAPHQL_BLOCKS, ...CURL_QUERIES].map((query, i) => [i, query]))('example %i runs without errors', async (_i, query) => {
  const run = /@(defer|stream)\b/.test(query as string) ? runIncremental : /@live\b/.test(query as string) ? runLive : (text: string) => stack.query(text, { as: 'admin' });
  const result = await run(query as string);
  expect(result.errors).toBeUndefined();
  const userErrors = JSON.stringify(result.data).match(/"userErrors":\[[^\]]+\]/g);
  expect(userErrors).toBeNull();
});

describe('the first query\'s figures', () => {
  const curl = /curl -s http:\/\/localhost:4000\/graphql -u ([^:\s]+):(\S+)[\s\S]*?-d '(\{"query".*?\})'/.exec(section('A first query'));
  const figures = [...section('A first query').matchAll(/`(\{"soapCalls": \d+, "cachedCalls": \d+, "queuedMs": \d+, "estimatedCalls": \d+\})`/g)]
    .map((match) => JSON.parse(match[1]) as { soapCalls: number; cachedCalls: number; queuedMs: number; estimatedCalls: number });

  it('are what the curl example costs as its user on a fresh gateway, the first time and each time after', async () => {
    expect(curl, 'a curl example with -u user:password and -d \'{"query": ...}\'').not.toBeNull();
    expect(figures.length).toBeGreaterThan(0);
    const [, username, password, body] = curl!;
    // As `npm start` runs: answers kept for the default UPSALES_CACHE_TTL_MS.
    const fresh = await startStack({ config: { cacheTtlMs: configFromEnv({}).cacheTtlMs } });
    try {
      for (const [i, figure] of figures.entries()) {
        await fresh.resetStats();
        const result = await fresh.query((JSON.parse(body) as { query: string }).query, { authorization: basic(username, password) });
        expect(result.errors, `run ${i + 1}`).toBeUndefined();
        const { soapCalls, cachedCalls, queuedMs, estimatedCalls } = result.extensions!.upsales! as typeof figure;
        expect({ soapCalls, cachedCalls, estimatedCalls }, `run ${i + 1}`).toEqual({ soapCalls: figure.soapCalls, cachedCalls: figure.cachedCalls, estimatedCalls: figure.estimatedCalls });
        expect(soapCalls).toBe((await fresh.stats()).calls.total);
        // Time waited for the budget (and the in-flight cap), in whole milliseconds: wall-clock, so its shape is checked, not its value.
        expect(Number.isInteger(queuedMs) && queuedMs >= 0, `run ${i + 1}`).toBe(true);
        expect(Number.isInteger(figure.queuedMs) && figure.queuedMs >= 0).toBe(true);
      }
    } finally {
      await fresh.close();
    }
  });
});

it('the log line shown has the fields, and the values that do not vary, of a real one', async () => {
  const shown = JSON.parse(fencedBlocks('json').find((block) => block.includes('"msg":"request"'))!) as Record<string, unknown>;
  const lines: string[] = [];
  const served = await startServedStack({ config: { defaultCredentials: DEMO_USERS.admin }, logger: createLogger({ destination: { write: (line: string) => void lines.push(line) } }) });
  try {
    await served.fetch('/graphql', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': String(shown.requestId) }, body: JSON.stringify({ query: `query ${shown.operation} { me { name } }` }),
    });
  } finally {
    await served.close();
  }
  const real = JSON.parse(lines.find((line) => line.includes('"msg":"request"'))!) as Record<string, unknown>;
  expect(Object.keys(shown)).toEqual(Object.keys(real));
  for (const key of ['level', 'requestId', 'method', 'path', 'status', 'operation', 'operationType', 'soapCalls', 'estimatedCalls', 'outcome', 'msg']) {
    expect(shown[key], key).toEqual(real[key]);
  }
});

it('the client setups of the Frontends section are the example files\' own code (which the client suite runs)', () => {
  const blocks = fencedBlocks('ts').filter((block) => block.startsWith('// examples/frontend/'));
  expect(blocks.map((block) => block.split('\n')[0])).toEqual(['// examples/frontend/apollo.ts', '// examples/frontend/urql.ts']);
  for (const block of blocks) {
    const [file, ...code] = block.split('\n');
    expect(readFileSync(file.replace('// ', ''), 'utf8'), file).toContain(code.join('\n'));
  }
});

it('every page size a user can hit is written', () => {
  const schema = section('The schema');
  const root = /Root connections[^]*?take `first` up to (\d+)\s+\(default (\d+)\)/.exec(schema);
  const nested = /nested connections[^]*?up to (\d+) \(default (\d+)\)/.exec(schema);
  expect(root?.slice(1).map(Number)).toEqual([ROOT_PAGE.maxSize, ROOT_PAGE.defaultSize]);
  expect(nested?.slice(1).map(Number)).toEqual([NESTED_PAGE.maxSize, NESTED_PAGE.defaultSize]);
});

it('every variable the gateway reads is in the configuration table, and the trusted documents limits are written', () => {
  const sources = ['../../src/config/config.ts', '../../src/log/logger.ts'].map((file) => readFileSync(new URL(file, import.meta.url), 'utf8')).join('\n');
  const variables = new Set([...sources.matchAll(/env(?:\.|, ')([A-Z][A-Z_]+)/g)].map((match) => match[1]));
  expect(variables.size).toBeGreaterThan(20);
  const table = section('Configuration').split('\n').filter((line) => line.startsWith('| `'));
  for (const variable of variables) expect(table.some((row) => row.split('|')[1].includes(`\`${variable}\``)), variable).toBe(true);
  const frontends = section('Frontends');
  expect(frontends).toContain(`over ${MAX_PERSISTED_FILE_BYTES / 1024 / 1024} MiB`);
  expect(frontends).toContain(`\`extensions\` over ${MAX_EXTENSIONS_BYTES} bytes of JSON`);
});
