/**
 * Cross-site request forgery: graphql-yoga's CSRF prevention. A request a
 * browser sends cross-site without a preflight (a GET, or a POST of a form,
 * multipart or text/plain body, or of no content type) runs nothing unless it
 * carries one of {@link CSRF_HEADERS}, which a foreign page cannot set
 * without a preflight that CORS then refuses. GraphiQL, Apollo Client, urql
 * and the import CLI send JSON or a file type, which is preflighted anyway.
 * The rule is applied as soon as the request arrives, before its body is
 * read (a refused upload costs nothing), to GraphQL and to the import upload
 * route alike; every refusal is 403 with the code `CSRF`.
 *
 * A GraphQL GET that carries `Authorization` passes without such a header
 * (urql sends queries as GETs with no header of its own): a foreign page
 * cannot set Authorization without a preflight either, and a browser never
 * attaches it by itself, because the gateway's 401 challenge is not one a
 * browser handles (src/request/errors.ts: AUTHENTICATE_CHALLENGE). A GET
 * without Authorization (one acting as the default account) keeps the rule.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { noteRefusal } from './use-request-log.js';

/** Headers that mark a request as sent by a client that is not a foreign page. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name', 'graphql-preflight'];

const json = (body: unknown) => `${JSON.stringify(body)}\n`;

/** CSRF prevention for GraphQL requests at `graphqlEndpoint` and for POSTs to `routes`. */
export function useCsrf(graphqlEndpoint: string, routes: string[]): Plugin {
  const check = useCSRFPrevention({ requestHeaders: CSRF_HEADERS }).onRequestParse as unknown as (payload: { request: Request }) => void;
  const refused = (request: Request): string | null => {
    try {
      check({ request });
      return null;
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return error.message;
    }
  };
  return {
    onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      const headers = { 'content-type': 'application/json; charset=utf-8' };
      if (url.pathname === graphqlEndpoint) {
        if (request.method === 'GET' && request.headers.get('authorization')) return;
        const message = refused(request);
        if (message === null) return;
        noteRefusal(serverContext, 'CSRF');
        const body = { errors: [{ message: `${message}: a request a browser may send cross-site needs one of the headers ${CSRF_HEADERS.join(', ')}`, extensions: { code: 'CSRF' } }] };
        endResponse(new fetchAPI.Response(json(body), { status: 403, headers }));
        return;
      }
      if (request.method !== 'POST' || !routes.includes(url.pathname) || refused(request) === null) return;
      noteRefusal(serverContext, 'CSRF');
      const body = {
        error: {
          code: 'CSRF',
          message: `Send the file with its content type (text/csv or application/x-ndjson), or the header ${CSRF_HEADERS[0]}`,
        },
      };
      endResponse(new fetchAPI.Response(json(body), { status: 403, headers }));
    },
  };
}
