/**
 * An answer that carries data is a success at the HTTP level: status 200,
 * whatever its errors say (the GraphQL-over-HTTP spec wants a 2xx whenever
 * `data` is present, and clients such as graphql-request throw on any other
 * status, losing the data). So the status and headers an error asks for
 * (`extensions.http`: 401 with a challenge for wrong credentials met by one
 * field, 429 for a throttled one) apply only to answers without data:
 * credentials refused before anything ran stay 401.
 */
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { publicError } from './public-result.js';

export function useDataStatus(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || isAsyncIterable(result)) return;
      const single = result as ExecutionResult;
      if (single.data === null || single.data === undefined || !single.errors?.some((error) => error.extensions?.http)) return;
      setResult({ ...single, errors: single.errors.map(publicError) });
    },
  };
}
