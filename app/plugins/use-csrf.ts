/**
 * Cross-site request forgery: graphql-yoga's CSRF prevention. A request a
 * browser sends cross-site without a preflight (a GET, or a POST of a form,
 * multipart or text/plain body, or of no content type) runs nothing unless it
 * carries one of {@link CSRF_HEADERS}, which a foreign page cannot set
 * without a preflight that CORS then refuses. GraphiQL, Apollo Client, urql
 * and the import CLI send JSON or a file type, which is preflighted anyway.
 * The same rule guards the import upload route, which yoga's parser never sees.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Headers that mark a request as sent by a client that is not a foreign page. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name', 'graphql-preflight'];

/** CSRF prevention for GraphQL requests and for POSTs to `routes`. */
export function useCsrf(routes: string[]): Plugin[] {
  const prevention = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  const check = prevention.onRequestParse as unknown as (payload: { request: Request }) => void;
  return [
    {
      onRequest({ request, url, fetchAPI, endResponse }) {
        if (request.method !== 'POST' || !routes.includes(url.pathname)) return;
        try {
          check({ request });
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          const body = {
            error: {
              code: 'CSRF',
              message: `Send the file with its content type (text/csv or application/x-ndjson), or the header ${CSRF_HEADERS[0]}`,
            },
          };
          endResponse(new fetchAPI.Response(`${JSON.stringify(body)}\n`, { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } }));
        }
      },
    },
    prevention,
  ];
}
