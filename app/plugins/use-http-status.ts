/**
 * The HTTP status of GraphQL answers, where yoga's choice misleads clients:
 *
 * - An answer that carries data is a success: status 200, whatever its
 *   errors ask (the GraphQL-over-HTTP spec wants a 2xx whenever `data` is
 *   present, and clients such as graphql-request throw on any other status,
 *   losing the data). The status and headers an error asks for
 *   (`extensions.http`: 401 with a challenge for wrong credentials met by
 *   one field) apply only to answers without data: credentials refused
 *   before anything ran stay 401.
 * - A request for a stream (an event stream, or multipart parts) refused
 *   before anything ran (a document that is not trusted, too many streams)
 *   is answered as JSON with the refusal's status, as the GraphQL over SSE
 *   protocol (graphql-sse) wants, not as a stream with an error status that
 *   stream readers do not read.
 */
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';
import { publicError } from './public-result.js';

const refusalStatus = (result: ExecutionResult): number =>
  Math.max(0, ...(result.errors ?? []).map((error) => (error.extensions?.http as { status?: number } | undefined)?.status ?? 0));

export function useHttpStatus(): Plugin {
  return {
    onResultProcess({ request, result, setResult, setResultProcessor }) {
      if (Array.isArray(result) || isAsyncIterable(result)) return;
      const single = result as ExecutionResult;
      if (single.data !== null && single.data !== undefined) {
        if (single.errors?.some((error) => error.extensions?.http)) setResult({ ...single, errors: single.errors.map(publicError) });
        return;
      }
      if (refusalStatus(single) >= 400 && /text\/event-stream|multipart\/mixed/i.test(request.headers.get('accept') ?? '')) {
        setResultProcessor(processRegularResult, 'application/json');
      }
    },
  };
}
