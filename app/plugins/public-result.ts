/**
 * What a client may see of a result on a transport that is not yoga's own
 * HTTP answer (a WebSocket message, a multipart subscription part): every
 * error message cut short as use-short-errors.ts cuts them, and no
 * extension meant for the gateway itself (`http`: the status and headers
 * yoga turns into the HTTP answer; `unexpected`: yoga's mark of a masked
 * error), which yoga strips only from its own answers.
 */
import { GraphQLError } from 'graphql';
import { MAX_ERROR_MESSAGE, shortMessage } from '../../src/request/input-text.js';

/** An error as a client may see it. */
export function publicError(error: GraphQLError): GraphQLError {
  const { http, unexpected, ...extensions } = error.extensions ?? {};
  if (http === undefined && unexpected === undefined && error.message.length <= MAX_ERROR_MESSAGE) return error;
  return new GraphQLError(shortMessage(error.message), {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions,
  });
}

type Result = { errors?: readonly GraphQLError[]; incremental?: readonly Result[]; extensions?: Record<string, unknown> } & object;

/** A result (or incremental payload) as a client may see it. */
export function publicResult<T extends Result>(result: T): T {
  const { http, ...extensions } = result.extensions ?? {};
  return {
    ...result,
    ...(result.errors ? { errors: result.errors.map(publicError) } : {}),
    ...(result.incremental ? { incremental: result.incremental.map(publicResult) } : {}),
    ...(http !== undefined ? { extensions } : {}),
  };
}
