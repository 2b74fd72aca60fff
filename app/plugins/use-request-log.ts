/**
 * One log line per request, when its answer is complete (a streamed answer
 * when its last part is sent or the client goes): request id, method,
 * path (never the query string), status, duration, and for GraphQL the
 * operation, its SOAP calls, queue time and estimate (as
 * `extensions.upsales` told the client) and the outcome: OK, or the first
 * error's code, else HTTP_<status> (and `complete: false` when the client
 * left before the last part of an incremental answer). The request id is the
 * caller's `x-request-id` when that is a short safe token, else a new UUID,
 * and is sent back in `x-request-id`. Nothing of a request's body, headers
 * or variables is logged.
 */
import { randomUUID } from 'node:crypto';
import { getOperationAST, type DocumentNode } from 'graphql';
import { finalAsyncIterator, isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Logger } from '../../src/log/logger.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming request id may be. */
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Longest operation name logged. */
const MAX_NAME = 100;

type Result = { hasNext?: boolean; errors?: readonly { extensions?: Record<string, unknown> }[]; incremental?: readonly { errors?: readonly { extensions?: Record<string, unknown> }[] }[]; extensions?: Record<string, unknown> };

/** What is known of a request, until its line is written. */
interface Entry {
  requestId: string;
  started: number;
  method: string;
  path: string;
  status?: number;
  operation?: string;
  operationType?: string;
  upsales?: Record<string, unknown>;
  /** The errors' codes, in order; null for an error without one. */
  codes: (string | null)[];
  streaming: boolean;
  streamDone: boolean;
  /** The last incremental payload's `hasNext`: still true when the stream ended, the client left before the end. */
  hasNext?: boolean;
  logged: boolean;
}

const ENTRY = Symbol('request log entry');
const entryOf = (context: unknown): Entry | undefined => (context as { [ENTRY]?: Entry } | undefined)?.[ENTRY];

/** A plugin answered the request itself with an error of this code (a refusal before any GraphQL ran): its line says so. */
export function noteRefusal(serverContext: unknown, code: string): void {
  entryOf(serverContext)?.codes.push(code);
}

function record(entry: Entry, result: Result): void {
  if (typeof result.hasNext === 'boolean') entry.hasNext = result.hasNext;
  for (const error of [...(result.errors ?? []), ...(result.incremental ?? []).flatMap((patch) => patch.errors ?? [])]) {
    const code = error.extensions?.code;
    entry.codes.push(typeof code === 'string' ? code : null);
  }
  const upsales = result.extensions?.upsales;
  if (upsales && typeof upsales === 'object') entry.upsales = upsales as Record<string, unknown>;
}

function noteOperation(entry: Entry | undefined, document: DocumentNode, operationName?: string | null): void {
  if (!entry) return;
  const operation = getOperationAST(document, operationName);
  entry.operation = operation?.name?.value.slice(0, MAX_NAME);
  entry.operationType = operation?.operation;
}

function write(logger: Logger, entry: Entry): void {
  if (entry.logged || entry.status === undefined || (entry.streaming && !entry.streamDone)) return;
  entry.logged = true;
  const byStatus = entry.status < 400 ? (entry.codes.length ? 'ERROR' : 'OK') : `HTTP_${entry.status}`;
  const outcome = entry.codes.find((code) => code !== null) ?? byStatus;
  const line = {
    requestId: entry.requestId,
    method: entry.method,
    path: entry.path,
    status: entry.status,
    durationMs: Math.round(performance.now() - entry.started),
    ...(entry.operationType ? { operation: entry.operation ?? null, operationType: entry.operationType } : {}),
    ...(entry.upsales ?? {}),
    outcome,
    ...(entry.codes.length ? { errors: entry.codes.length } : {}),
    ...(entry.hasNext ? { complete: false } : {}),
  };
  if (entry.status >= 500) logger.error(line, 'request');
  else logger.info(line, 'request');
}

export function useRequestLog(logger: Logger): Plugin {
  return {
    onRequest({ request, url, serverContext }) {
      const incoming = request.headers.get(REQUEST_ID_HEADER);
      const entry: Entry = {
        requestId: incoming && SAFE_ID.test(incoming) ? incoming : randomUUID(),
        started: performance.now(),
        method: request.method,
        path: url.pathname.slice(0, 200),
        codes: [],
        streaming: false,
        streamDone: false,
        logged: false,
      };
      (serverContext as { [ENTRY]?: Entry })[ENTRY] = entry;
    },
    onExecute({ args }) {
      noteOperation(entryOf(args.contextValue), args.document, args.operationName);
    },
    onSubscribe({ args }) {
      noteOperation(entryOf(args.contextValue), args.document, args.operationName);
    },
    onResultProcess({ result, setResult, serverContext }) {
      const entry = entryOf(serverContext);
      if (!entry) return;
      if (Array.isArray(result)) result.forEach((one) => record(entry, one));
      else if (!isAsyncIterable(result)) record(entry, result);
      else {
        entry.streaming = true;
        const done = () => {
          entry.streamDone = true;
          write(logger, entry);
        };
        const recorded = mapAsyncIterator(result, (part) => {
          record(entry, part);
          return part;
        }, (error: unknown) => {
          entry.codes.push('STREAM_FAILED');
          done();
          throw error;
        });
        setResult(finalAsyncIterator(recorded, done));
      }
    },
    onResponse({ response, serverContext }) {
      const entry = entryOf(serverContext);
      if (!entry) return;
      response.headers.set(REQUEST_ID_HEADER, entry.requestId);
      entry.status = response.status;
      write(logger, entry);
    },
  };
}
