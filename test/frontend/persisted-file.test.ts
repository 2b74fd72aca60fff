/**
 * The trusted documents file: what the gateway accepts at start-up and how
 * it refuses a bad one (naming the file and the entry), Apollo's manifest
 * and several files together, and that the example frontend's generated
 * code and persisted file are what codegen and `npm run persisted` make of
 * its operations today.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, describe, expect, it } from 'vitest';
import codegenConfig from '../../examples/frontend/codegen.js';
import { persistedDocuments } from '../../app/cli/persisted.js';
import { configFromEnv } from '../../src/config/config.js';
import { loadPersistedOperations, loadTrustedDocuments, sha256Hex } from '../../app/plugins/trusted-documents.js';
import { createGateway } from '../../app/server.js';
import { createUpstream } from '../../src/upstream/index.js';

const GENERATED = 'examples/frontend/generated/persisted-documents.json';
const dir = mkdtempSync(join(tmpdir(), 'persisted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QUERY = '{ me { name } }';
const HASH = sha256Hex(QUERY);

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('the file', () => {
  it('keys may be bare or sha256:, in either case; documents are found by the lower-case hex', () => {
    const path = file('good.json', JSON.stringify({ [HASH.toUpperCase()]: QUERY, [`sha256:${sha256Hex('{ __typename }')}`]: '{ __typename }' }));
    const documents = loadPersistedOperations(path, 65_536);
    expect([...documents.keys()]).toEqual([HASH, sha256Hex('{ __typename }')]);
    expect(documents.get(HASH)).toBe(QUERY);
  });

  it('the example frontend\'s generated file loads', () => {
    // One per file of examples/frontend/operations.
    expect(loadPersistedOperations(GENERATED, 65_536).size).toBe(9);
  });

  it('Apollo\'s persisted query manifest loads as it is; several files load together', () => {
    const body = 'query Me {\n  me {\n    name\n    __typename\n  }\n}';
    const manifest = file('manifest.json', JSON.stringify({
      format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(body), name: 'Me', type: 'query', body }],
    }));
    expect([...loadPersistedOperations(manifest, 65_536)]).toEqual([[sha256Hex(body), body]]);
    const both = loadTrustedDocuments(`${manifest}, ${GENERATED}`, 65_536);
    expect(both.size).toBe(10);
    expect(both.get(sha256Hex(body))).toBe(body);
  });

  it.each([
    ['missing', null, 'cannot be read (ENOENT)'],
    ['not JSON', '{"a": ', 'is not valid JSON'],
    ['an array', '[]', 'must be a JSON object from SHA-256 hash to GraphQL document'],
    ['empty', '{}', 'lists no document'],
    ['a manifest of another version', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 2, operations: [] }), 'must have "version": 1'],
    ['a manifest id that is not the hash of its body', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex('{ x }'), body: QUERY }] }), 'the key is not the SHA-256 of its document'],
    ['a key that is no hash', JSON.stringify({ FirstQuery: QUERY }), 'entry "FirstQuery": the key is not a SHA-256 hash'],
    ['a key of another document', JSON.stringify({ [sha256Hex('{ x }')]: QUERY }), 'the key is not the SHA-256 of its document'],
    ['a document that is not text', JSON.stringify({ [HASH]: { query: QUERY } }), 'the document is not a string'],
    ['a hash listed twice', `{"${HASH}": ${JSON.stringify(QUERY)}, "sha256:${HASH}": ${JSON.stringify(QUERY)}}`, 'the hash is listed twice'],
    ['a document that does not parse', JSON.stringify({ [sha256Hex('{ me {')]: '{ me {' }), 'Syntax Error: Expected Name, found <EOF>.'],
    ['a document without operation', JSON.stringify({ [sha256Hex('fragment F on User { name }')]: 'fragment F on User { name }' }), 'the document has no operation'],
    ['a document over MAX_QUERY_BYTES', JSON.stringify({ [sha256Hex(`{ me { name ${' '.repeat(100)}} }`)]: `{ me { name ${' '.repeat(100)}} }` }), 'larger than MAX_QUERY_BYTES (100)'],
  ])('%s: the gateway does not start, and says which file and why', (name, content, why) => {
    const path = content === null ? join(dir, 'nowhere.json') : file(`${name}.json`, content);
    const config = { ...configFromEnv({}), persistedOperations: path, limits: { ...configFromEnv({}).limits, queryBytes: 100 } };
    const upstream = createUpstream({ baseUrl: 'http://127.0.0.1:9/wsapi', timeoutMs: 1000 });
    expect(() => createGateway({ config, upstream })).toThrow(`PERSISTED_OPERATIONS file ${path}: `);
    expect(() => createGateway({ config, upstream })).toThrow(why);
  });

  it('ALLOW_ARBITRARY_OPERATIONS is true or false, and false needs PERSISTED_OPERATIONS', () => {
    expect(configFromEnv({}).allowArbitraryOperations).toBe(true);
    expect(configFromEnv({ ALLOW_ARBITRARY_OPERATIONS: 'false', PERSISTED_OPERATIONS: GENERATED }).allowArbitraryOperations).toBe(false);
    expect(() => configFromEnv({ ALLOW_ARBITRARY_OPERATIONS: 'false' })).toThrow('ALLOW_ARBITRARY_OPERATIONS=false needs PERSISTED_OPERATIONS');
    expect(() => configFromEnv({ ALLOW_ARBITRARY_OPERATIONS: 'no', PERSISTED_OPERATIONS: GENERATED })).toThrow('ALLOW_ARBITRARY_OPERATIONS must be true or false, got "no"');
  });
});

describe('the example frontend is up to date', () => {
  it('examples/frontend/generated is what codegen makes of operations/ (npm run codegen:examples)', async () => {
    const outputs = await generate({ ...codegenConfig, silent: true }, false) as { filename: string; content: string }[];
    expect(outputs.map((output) => output.filename.replace(/^.*examples\//, 'examples/')).sort()).toEqual([
      'examples/frontend/generated/gql.ts', 'examples/frontend/generated/graphql.ts', 'examples/frontend/generated/index.ts',
      'examples/frontend/generated/persisted-documents.json',
    ]);
    for (const output of outputs) expect(readFileSync(output.filename, 'utf8'), `${output.filename} is stale: npm run codegen:examples`).toBe(output.content);
  });

  it('npm run persisted lists what codegen makes of the same folder, and the hashes Apollo Client and urql send for each operation', async () => {
    const listed = await persistedDocuments('examples/frontend/operations');
    expect(listed).toMatchObject(JSON.parse(readFileSync(GENERATED, 'utf8')));
    for (const [key, document] of Object.entries(listed)) expect(key.replace('sha256:', '')).toBe(sha256Hex(document));
    // ClientCard: codegen's, Apollo's (a blank line between definitions) and urql's (one newline).
    const card = Object.values(listed).filter((document) => document.includes('query ClientCard('));
    expect(card).toHaveLength(3);
    expect(card.filter((document) => document.includes('__typename'))).toHaveLength(3);
    expect(card.some((document) => document.includes('}\n\nfragment ClientCardFields'))).toBe(true);
    expect(card.some((document) => document.includes('}\nfragment ClientCardFields'))).toBe(true);
  });
});
