/**
 * Apollo Client 4 set up for the gateway as the README's *Frontends* says:
 * one HttpLink for queries, mutations, @defer (the 2022-08-24 format the
 * gateway sends, `Defer20220824Handler`) and subscriptions (Apollo's
 * multipart protocol), or subscriptions and live queries (`@live`) over a
 * WebSocket (graphql-ws, `GraphQLWsLink`); without the WebSocket, a live
 * query asks for Apollo's multipart protocol in its context
 * ({@link LIVE_OVER_HTTP}); Basic credentials in the Authorization header (and in
 * `connectionParams` for the WebSocket); trusted documents sent by their
 * hash alone. The normalized cache (`InMemoryCache`) adds `__typename` to
 * what it sends; the trusted documents carry it too, so fragments match and
 * a mutation's answer updates every query that shows what it changed.
 * The tests run these clients against a gateway.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { generatePersistedQueryIdsFromManifest, type PersistedQueryManifestForVerification } from '@apollo/persisted-query-lists';
import { createClient } from 'graphql-ws';
import type { DocumentNode } from 'graphql';

/** SHA-256 in hexadecimal, as Apollo Client hashes a document by default (the browser's WebCrypto, or Node's). */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * How a document's trusted id is made:
 * - `codegen`: the `__meta__.hash` GraphQL Codegen's client preset put in each generated document;
 * - `{ manifest }`: Apollo's persisted query manifest (`generate-persisted-query-manifest`), by operation name;
 * - `sha256`: Apollo's own hashing of the document it sends (also automatic persisted queries, where arbitrary documents run).
 */
export type TrustedIds = 'codegen' | 'sha256' | { manifest: PersistedQueryManifestForVerification };

export interface ApolloSetup {
  /** The gateway's GraphQL URL, `https://gateway.example.com/graphql`. */
  url: string;
  /** `Basic <base64 of username:password>`. Without it the gateway acts as its configured account, if it has one. */
  authorization?: string;
  ids?: TrustedIds;
  /** Subscriptions over a WebSocket at the same URL (`ws(s)://`), with this WebSocket class (a browser's own by default). */
  webSocket?: { impl?: unknown };
}

/**
 * The context of a live query sent over HTTP: it asks for Apollo's multipart
 * subscription protocol, which HttpLink reads part by part (it asks so by
 * itself only for subscriptions).
 */
export const LIVE_OVER_HTTP = { http: { accept: ['multipart/mixed;boundary=graphql;subscriptionSpec=1.0'] } } as const;

function persistedLink(ids: TrustedIds): PersistedQueryLink {
  if (ids === 'codegen') {
    return new PersistedQueryLink({ generateHash: (document: DocumentNode) => (document as { __meta__?: { hash: string } }).__meta__!.hash });
  }
  if (ids === 'sha256') return new PersistedQueryLink({ sha256 });
  return new PersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: () => Promise.resolve(ids.manifest) }));
}

export function apolloClient({ url, authorization, ids = 'codegen', webSocket }: ApolloSetup): ApolloClient {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const http = new HttpLink({ uri: url, headers });
  let transport: ApolloLink = http;
  if (webSocket) {
    const ws = new GraphQLWsLink(createClient({
      url: url.replace(/^http/, 'ws'),
      connectionParams: authorization ? { authorization } : {},
      ...(webSocket.impl ? { webSocketImpl: webSocket.impl } : {}),
    }));
    // Subscriptions and live queries (`@live`: many results) go over the WebSocket.
    transport = ApolloLink.split(({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition'
        && (definition.operation === 'subscription' || !!definition.directives?.some((directive) => directive.name.value === 'live'));
    }, ws, http);
  }
  return new ApolloClient({
    link: ApolloLink.from([persistedLink(ids), transport]),
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
  });
}
