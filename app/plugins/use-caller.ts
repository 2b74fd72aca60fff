/**
 * The one credentials step of every request (src/request/credentials.ts):
 * its caller is read from the Authorization header, or is the configured
 * account, once, before anything else reads the request. GraphQL's context,
 * the import routes and result downloads all take it from there
 * (`callerOf`).
 */
import type { Plugin } from 'graphql-yoga';
import { holdCaller, type Callers } from '../../src/request/credentials.js';

/** The peer address of the request's connection (node's server context), or `unknown` (a request made in-process). */
export const clientAddress = (serverContext: object): string =>
  (serverContext as { req?: { socket?: { remoteAddress?: string } } }).req?.socket?.remoteAddress ?? 'unknown';

export function useCaller(callers: Callers): Plugin {
  return {
    onRequest({ request, serverContext }) {
      try {
        holdCaller(serverContext, callers.identify(request.headers.get('authorization'), clientAddress(serverContext)));
      } catch (error) {
        holdCaller(serverContext, error as Error);
      }
    },
  };
}
