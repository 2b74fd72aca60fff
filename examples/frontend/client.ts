/**
 * The example pages' GraphQL client: it sends a generated document's
 * persisted hash alone, never its text (what Apollo Client's and urql's
 * persisted-query links send when their `generateHash` returns the
 * document's `__meta__.hash`), and reads an answer with @defer parts as it
 * arrives, handing the page each stage of the data.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { applyPayload, multipartPayloads, payloadErrors, type IncrementalPayload, type PayloadError } from './incremental.js';

export interface Result<T> {
  data: T | null;
  errors: PayloadError[];
  extensions?: IncrementalPayload['extensions'];
}

/** Runs a generated document by its hash; `onData` sees the data after each part of a deferred answer. */
export type Run = <TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>, variables: TVariables, onData?: (data: TResult) => void,
) => Promise<Result<TResult>>;

/** The hash the client preset put in a document (`presetConfig.persistedDocuments`). */
export function persistedHash(document: TypedDocumentNode<unknown, never>): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('The document has no persisted hash: generate it with presetConfig.persistedDocuments');
  return hash;
}

export function persistedClient(endpoint: string, headers: Record<string, string> = {}): Run {
  return async (document, variables, onData) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed, application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(document as TypedDocumentNode<unknown, never>) } } }),
    });
    if (!response.headers.get('content-type')?.startsWith('multipart/mixed')) {
      const body = await response.json() as IncrementalPayload;
      return { data: (body.data ?? null) as never, errors: body.errors ?? [], extensions: body.extensions };
    }
    let data: Record<string, unknown> | null = null;
    const result: Result<never> = { data: null, errors: [] };
    for await (const payload of multipartPayloads(response)) {
      data = data ? applyPayload(data, payload) : payload.data ?? null;
      result.errors.push(...payloadErrors(payload));
      result.extensions = payload.extensions ?? result.extensions;
      if (data) onData?.(data as never);
    }
    return { ...result, data: data as never };
  };
}
