/**
 * urql (`@urql/core` 6) set up for the gateway as the README's *Frontends*
 * says: urql's defaults (queries as GET, which the gateway accepts without
 * a CSRF header because they carry Authorization; @defer read as it
 * arrives), a cache (urql's document cache, or graphcache, which normalizes
 * by `__typename` and `id`), trusted documents sent by their hash alone for
 * queries, mutations and subscriptions (`persistedExchange`), and
 * subscriptions and live queries (`@live`) over a WebSocket (graphql-ws),
 * over SSE (graphql-sse), or subscriptions over urql's own fetch (SSE or
 * multipart). The tests run these clients
 * against a gateway.
 */
import { Client, cacheExchange as documentCacheExchange, fetchExchange, subscriptionExchange, type Exchange } from '@urql/core';
import { cacheExchange as graphcacheExchange } from '@urql/exchange-graphcache';
import { persistedExchange } from '@urql/exchange-persisted';
import { createClient as createSSEClient } from 'graphql-sse';
import { createClient as createWSClient } from 'graphql-ws';

/**
 * How a document's trusted id is made: the `__meta__.hash` GraphQL
 * Codegen's client preset put in each generated document, or urql's own
 * SHA-256 of the document it sends (also automatic persisted queries, where
 * arbitrary documents run).
 */
export type UrqlIds = 'codegen' | 'sha256';

export interface UrqlSetup {
  /** The gateway's GraphQL URL, `https://gateway.example.com/graphql`. */
  url: string;
  /** `Basic <base64 of username:password>`. Without it the gateway acts as its configured account, if it has one (then send `x-graphql-yoga-csrf: 1` with GETs). */
  authorization?: string;
  ids?: UrqlIds | false;
  /** graphcache (normalized) instead of urql's document cache. */
  normalized?: boolean;
  /** How subscriptions travel: a WebSocket (graphql-ws), SSE (graphql-sse), or urql's own fetch (SSE or multipart). */
  subscriptions?: 'websocket' | 'sse' | 'fetch';
  /** The WebSocket class (a browser's own by default). */
  webSocketImpl?: unknown;
}

/** The transport that forwards subscriptions; none with urql's own fetch. */
function subscriptionTransport({ url, authorization, subscriptions, webSocketImpl }: UrqlSetup): Exchange[] {
  if (subscriptions === 'fetch') return [];
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const client = subscriptions === 'sse'
    ? createSSEClient({ url, headers: () => headers })
    : createWSClient({ url: url.replace(/^http/, 'ws'), connectionParams: headers, ...(webSocketImpl ? { webSocketImpl } : {}) });
  return [subscriptionExchange({
    // Subscriptions and live queries (`@live`: many results).
    isSubscriptionOperation: (operation) => operation.kind === 'subscription'
      || operation.query.definitions.some((definition) => definition.kind === 'OperationDefinition' && !!definition.directives?.some((directive) => directive.name.value === 'live')),
    forwardSubscription(request) {
      // A hash alone has no query: graphql-ws and graphql-sse want a string.
      const operation = { ...request, query: request.query ?? '' };
      return { subscribe: (sink) => ({ unsubscribe: client.subscribe(operation, sink) }) };
    },
  })];
}

export function urqlClient(setup: UrqlSetup): Client {
  const { url, authorization, ids = 'codegen', normalized = false, subscriptions = 'websocket' } = setup;
  const persisted = ids === false ? [] : [persistedExchange({
    enforcePersistedQueries: ids === 'codegen',
    enableForMutation: true,
    enableForSubscriptions: true,
    ...(ids === 'codegen' ? { generateHash: (_query: string, document: object) => Promise.resolve((document as { __meta__?: { hash: string } }).__meta__?.hash) } : {}),
  })];
  return new Client({
    url,
    fetchOptions: authorization ? { headers: { authorization } } : {},
    fetchSubscriptions: subscriptions === 'fetch',
    exchanges: [normalized ? graphcacheExchange({}) : documentCacheExchange, ...persisted, ...subscriptionTransport({ ...setup, subscriptions }), fetchExchange],
  });
}
