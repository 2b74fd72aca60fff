/**
 * Trusted documents through graphql-yoga's persisted operations plugin, in
 * the form Apollo Client and urql send: `extensions.persistedQuery`
 * `{ "version": 1, "sha256Hash": "<64 hex digits>" }` (`sha256:` before the
 * digits is accepted too) and no `query`. A hash that is not in
 * PERSISTED_OPERATIONS is PERSISTED_QUERY_NOT_FOUND (Apollo Client then
 * sends the document, which runs only while ALLOW_ARBITRARY_OPERATIONS is
 * true). With ALLOW_ARBITRARY_OPERATIONS=false every request that carries a
 * document is refused before it is parsed. `extensions` may hold at most
 * {@link MAX_EXTENSIONS_BYTES}; a malformed `persistedQuery` is a 400 that
 * does not echo it.
 */
import { usePersistedOperations as useYogaPersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { normaliseHash, type PersistedOperations } from './trusted-documents.js';

/** Most bytes of a request's `extensions`, as JSON. */
export const MAX_EXTENSIONS_BYTES = 4096;

const PERSISTED_QUERY_FORM = '{ "version": 1, "sha256Hash": "<64 hexadecimal digits>" }';

const badRequest = (message: string) => createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

/** The hash a request asks for, or null without `extensions.persistedQuery`; a malformed one is refused. */
function persistedHash(params: GraphQLParams): string | null {
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (persisted === undefined || persisted === null) return null;
  const hash = typeof persisted === 'object' && persisted.version === 1 && typeof persisted.sha256Hash === 'string'
    ? normaliseHash(persisted.sha256Hash) : null;
  if (!hash) throw badRequest(`extensions.persistedQuery must be ${PERSISTED_QUERY_FORM}`);
  return hash;
}

export interface PersistedOperationsOptions {
  operations: PersistedOperations;
  /** ALLOW_ARBITRARY_OPERATIONS */
  allowArbitraryOperations: boolean;
}

const ONLY_TRUSTED = {
  message: `This gateway runs only trusted documents (ALLOW_ARBITRARY_OPERATIONS=false): send no query, and the hash of a document in PERSISTED_OPERATIONS as extensions.persistedQuery ${PERSISTED_QUERY_FORM}`,
  extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
};

export function usePersistedOperations({ operations, allowArbitraryOperations }: PersistedOperationsOptions): Plugin[] {
  const persisted = useYogaPersistedOperations({
    allowArbitraryOperations,
    getPersistedOperation: (hash) => operations.get(hash) ?? null,
    extractPersistedOperationId: persistedHash,
    customErrors: {
      notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
      persistedQueryOnly: ONLY_TRUSTED,
      keyNotFound: {
        message: `Must provide query string, or a trusted document's hash as extensions.persistedQuery ${PERSISTED_QUERY_FORM}`,
        extensions: { code: 'BAD_REQUEST', http: { spec: true, status: 400, headers: { Allow: 'GET, POST' } } },
      },
    },
  });
  const onParams = persisted.onParams!;
  return [
    {
      onParams({ params }) {
        const bytes = params.extensions ? Buffer.byteLength(JSON.stringify(params.extensions)) : 0;
        if (bytes > MAX_EXTENSIONS_BYTES) throw badRequest(`extensions is ${bytes} bytes of JSON, more than ${MAX_EXTENSIONS_BYTES}`);
        // Malformed is refused with a query too (yoga's plugin reads the hash only without one).
        persistedHash(params);
      },
    },
    {
      ...persisted,
      // yoga's plugin takes an empty query for none; it is a document (that does not parse).
      onParams(payload) {
        if (payload.params.query !== '') return onParams(payload);
        if (!allowArbitraryOperations) throw createGraphQLError(ONLY_TRUSTED.message, { extensions: ONLY_TRUSTED.extensions });
      },
    },
  ];
}
