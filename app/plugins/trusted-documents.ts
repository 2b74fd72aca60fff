/**
 * Trusted documents: the file PERSISTED_OPERATIONS names, a JSON object
 * from a document's SHA-256 to the document, as GraphQL Codegen's client
 * preset writes `persisted-documents.json` and `npm run persisted` writes
 * it. A key is 64 hexadecimal digits, bare or after `sha256:`; clients send
 * either form in `extensions.persistedQuery.sha256Hash`. The file is read
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

/**
 * The documents of the file at `path`. Throws, naming the file, when it
 * cannot be read, is larger than {@link MAX_PERSISTED_FILE_BYTES}, is not a
 * JSON object of hash to document, or when an entry's key is no SHA-256 or
 * not that of its document, or its document is larger than
 * `maxDocumentBytes` (MAX_QUERY_BYTES), does not parse or holds no operation.
 */
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
  if (file === null || typeof file !== 'object' || Array.isArray(file)) fail('must be a JSON object from SHA-256 hash to GraphQL document');
  const documents = new Map<string, string>();
  for (const [key, document] of Object.entries(file as Record<string, unknown>)) {
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
