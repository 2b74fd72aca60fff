/**
 * Trusted documents: the files PERSISTED_OPERATIONS names (separated by
 * commas), each in one of the forms frontend tools write, taken as they are:
 * a JSON object from a document's SHA-256 to the document, as GraphQL
 * Codegen's client preset writes `persisted-documents.json` and `npm run
 * persisted` writes it (a key is 64 hexadecimal digits, bare or after
 * `sha256:`), or Apollo's persisted query manifest
 * (`@apollo/generate-persisted-query-manifest`: `{ "format":
 * "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id",
 * "name", "type", "body" }] }`, each id the SHA-256 of its body). Clients
 * send the hash in `extensions.persistedQuery.sha256Hash`. A file is read
 * once, at start-up, and refused whole, naming itself and the entry, when
 * anything in it is wrong.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Kind, parse, type DocumentNode } from 'graphql';
import { preview } from '../../src/request/input-text.js';

/** Largest file read. */
export const MAX_PERSISTED_FILE_BYTES = 64 * 1024 * 1024;

/** Documents by the lower-case hexadecimal SHA-256 of their text. */
export type PersistedOperations = ReadonlyMap<string, string>;

const HASH = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/** The 64 lower-case hexadecimal digits of a hash as a client or the file gives it, or null when it is no SHA-256. */
export function normaliseHash(value: string): string | null {
  const match = HASH.exec(value);
  return match ? match[1].toLowerCase() : null;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const APOLLO_MANIFEST = 'apollo-persisted-query-manifest';

/** An Apollo persisted query manifest's operations as entries of hash to document; null when `file` is no manifest. */
function manifestEntries(file: object, fail: (why: string) => never): [string, unknown][] | null {
  const manifest = file as { format?: unknown; version?: unknown; operations?: unknown };
  if (manifest.format !== APOLLO_MANIFEST) return null;
  if (manifest.version !== 1 || !Array.isArray(manifest.operations)) fail(`an ${APOLLO_MANIFEST} must have "version": 1 and a list of "operations"`);
  return manifest.operations.map((operation: unknown, i) => {
    const { id, body } = (operation ?? {}) as { id?: unknown; body?: unknown };
    if (typeof id !== 'string') fail(`operation ${i}: the id is not a string`);
    return [id, body];
  });
}

/**
 * The documents of the files in `paths` (a comma-separated list), with
 * `builtIn` added. Throws, naming the file, when one cannot be read, is
 * larger than {@link MAX_PERSISTED_FILE_BYTES}, is neither a JSON object of
 * hash to document nor an Apollo manifest, or when an entry's key is no
 * SHA-256 or not that of its document, or its document is larger than
 * `maxDocumentBytes` (MAX_QUERY_BYTES), does not parse or holds no operation.
 */
export function loadTrustedDocuments(paths: string | undefined, maxDocumentBytes: number, builtIn: PersistedOperations = new Map()): PersistedOperations {
  const documents = new Map(builtIn);
  for (const path of (paths ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)) {
    for (const [hash, document] of loadPersistedOperations(path, maxDocumentBytes)) documents.set(hash, document);
  }
  return documents;
}

/** The documents of one file (see {@link loadTrustedDocuments}). */
export function loadPersistedOperations(path: string, maxDocumentBytes: number): PersistedOperations {
  function fail(why: string): never {
    throw new Error(`PERSISTED_OPERATIONS file ${path}: ${why}`);
  }
  let size: number;
  let text: string;
  let file: unknown;
  try {
    size = statSync(path).size;
  } catch (error) {
    fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (size > MAX_PERSISTED_FILE_BYTES) fail(`is ${size} bytes, more than ${MAX_PERSISTED_FILE_BYTES}`);
  try {
    text = readFileSync(path, 'utf8');
    file = JSON.parse(text);
  } catch (error) {
    fail(`is not valid JSON (${(error as Error).message.slice(0, 120)})`);
  }
  if (file === null || typeof file !== 'object' || Array.isArray(file)) fail(`must be a JSON object from SHA-256 hash to GraphQL document, or an ${APOLLO_MANIFEST}`);
  const documents = new Map<string, string>();
  for (const [key, document] of manifestEntries(file, fail) ?? Object.entries(file as Record<string, unknown>)) {
    const entry = `entry ${preview(key)}`;
    const hash = normaliseHash(key) ?? fail(`${entry}: the key is not a SHA-256 hash (64 hexadecimal digits, bare or after "sha256:")`);
    if (typeof document !== 'string') fail(`${entry}: the document is not a string`);
    if (documents.has(hash)) fail(`${entry}: the hash is listed twice`);
    if (sha256Hex(document) !== hash) fail(`${entry}: the key is not the SHA-256 of its document`);
    if (Buffer.byteLength(document) > maxDocumentBytes) fail(`${entry}: the document is larger than MAX_QUERY_BYTES (${maxDocumentBytes})`);
    let parsed: DocumentNode;
    try {
      parsed = parse(document);
    } catch (error) {
      fail(`${entry}: ${(error as Error).message.split('\n')[0]}`);
    }
    if (!parsed.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION)) fail(`${entry}: the document has no operation`);
    documents.set(hash, document);
  }
  if (documents.size === 0) fail('lists no document');
  return documents;
}
