/**
 * Trusted documents through graphql-yoga's persisted operations plugin, in
 * the form Apollo Client and urql send: `extensions.persistedQuery`
 * `{ "version": 1, "sha256Hash": "<64 hex digits>" }` (`sha256:` before the
 * digits is accepted too) and no `query` (or an empty one, as clients whose
 * types want a query send). A hash that is not in PERSISTED_OPERATIONS is
 * PERSISTED_QUERY_NOT_FOUND. With ALLOW_ARBITRARY_OPERATIONS=false every
 * request that carries a document is refused before it is parsed, unless it
 * sends the hash of a trusted document and the document is that one (its
 * SHA-256 is the hash): Apollo Client's WebSocket link sends both.
 * `extensions` may hold at most {@link MAX_EXTENSIONS_BYTES}; a malformed
 * `persistedQuery` is a 400 that does not echo it.
 *
 * Automatic persisted queries, in the same plugin (yoga's APQ plugin and
 * this one each rewrite the request for the other): while arbitrary
 * documents run, a document sent with its hash after a miss (what Apollo
 * Client and urql do) is registered for the caller's account
 * (src/shared-state: ApqStore), once Upsales has accepted the caller's
 * password, so the next request by that hash is one round trip. A hash that
 * is not the SHA-256 of the document sent with it is a 400. Only a caller
 * Upsales accepted registers (a stranger fills no account's share);
 * registered documents never run where only trusted documents do.
 */
import { usePersistedOperations as useYogaPersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { callerOf, type Caller } from '../../src/request/credentials.js';
import { usernameTag } from '../../src/request/verified-accounts.js';
import type { ApqStore } from '../../src/shared-state/index.js';
import { normaliseHash, sha256Hex, type PersistedOperations } from './trusted-documents.js';

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
  /** Where documents sent with their hash are registered (APQ) while arbitrary documents run; without it, nothing is. */
  apq?: ApqStore;
}

/** The caller of a request's context, or undefined (refused credentials: nothing is registered or found for them). */
function callerIn(context: object): Caller | undefined {
  try {
    return callerOf(context);
  } catch {
    return undefined;
  }
}

const PENDING = Symbol('APQ registration');
type Pending = { [PENDING]?: () => Promise<void> };

const ONLY_TRUSTED = {
  message: `This gateway runs only trusted documents (ALLOW_ARBITRARY_OPERATIONS=false): send no query, and the hash of a document in PERSISTED_OPERATIONS as extensions.persistedQuery ${PERSISTED_QUERY_FORM}`,
  extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
};

export function usePersistedOperations({ operations, allowArbitraryOperations, apq: given }: PersistedOperationsOptions): Plugin[] {
  const apq = allowArbitraryOperations ? given : undefined;
  /** A trusted document, else one the caller's account registered. */
  const find = async (hash: string, context: object): Promise<string | null> => {
    const trusted = operations.get(hash);
    if (trusted !== undefined || !apq) return trusted ?? null;
    const caller = callerIn(context);
    return (caller && await apq.get(usernameTag(caller), hash)) || null;
  };
  /** Registers the document for the caller's account once Upsales has accepted the caller: now, or when the answer is out. */
  const register = async (store: ApqStore, hash: string, query: string, context: object): Promise<void> => {
    if (sha256Hex(query) !== hash) throw badRequest('extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it');
    const caller = callerIn(context);
    if (!caller) return;
    const keep = async () => {
      if (caller.verified()) await store.set(usernameTag(caller), hash, query);
    };
    if (caller.verified()) await keep();
    else (context as Pending)[PENDING] = keep;
  };
  const persisted = useYogaPersistedOperations({
    allowArbitraryOperations,
    getPersistedOperation: (hash, _request, context) => find(hash, context),
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
      async onParams({ params, context, setParams }) {
        const bytes = params.extensions ? Buffer.byteLength(JSON.stringify(params.extensions)) : 0;
        if (bytes > MAX_EXTENSIONS_BYTES) throw badRequest(`extensions is ${bytes} bytes of JSON, more than ${MAX_EXTENSIONS_BYTES}`);
        // Malformed is refused with a query too (yoga's plugin reads the hash only without one).
        const hash = persistedHash(params);
        if (!hash || !params.query) return;
        if (!operations.has(hash)) {
          if (apq) await register(apq, hash, params.query, context);
        } else if (!allowArbitraryOperations && sha256Hex(params.query) === hash) {
          setParams({ ...params, query: undefined });
        }
      },
      async onResponse({ serverContext }) {
        await (serverContext as Pending)[PENDING]?.();
      },
    },
    {
      ...persisted,
      // An empty query with a hash is a hash alone (yoga's plugin reads it so); without one, it is a document (that does not parse).
      onParams(payload) {
        if (payload.params.query !== '' || persistedHash(payload.params) !== null) return onParams(payload);
        if (!allowArbitraryOperations) throw createGraphQLError(ONLY_TRUSTED.message, { extensions: ONLY_TRUSTED.extensions });
      },
    },
  ];
}
