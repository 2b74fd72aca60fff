/**
 * The one credentials step of every request (src/request/credentials.ts):
 * its caller is read from the Authorization header, or is the configured
 * account, once, before anything else reads the request. GraphQL's context,
 * the import routes and result downloads all take it from there
 * (`callerOf`).
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { holdCaller, type Caller, type Callers } from '../../src/request/credentials.js';
import { toGraphQLError } from '../../src/request/errors.js';
import { noteRefusal } from './use-request-log.js';

/** Node's request under a yoga server context (none for a request made in-process). */
export const nodeRequest = (serverContext: object): IncomingMessage | undefined => (serverContext as { req?: IncomingMessage }).req;

/** An answer given before anything reads the request: its status, headers and JSON body, and its code for the log. */
export interface EarlyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  code: string;
}

/**
 * A GraphQL request of `caller` enters (src/request/credential-gate.ts):
 * refused with an answer at once when its credentials would be refused
 * without a call, or when too many requests of credentials Upsales has not
 * accepted are in progress; else it holds its place until `leave`. Asked
 * before the body is read or parsed, by the HTTP server itself
 * (app/server.ts) and, for requests it did not see, by {@link useCaller}.
 */
export function enterGraphQL(caller: Caller, callers: Callers): { refused: EarlyAnswer } | { leave: () => void } {
  const entered = callers.gate.enter(caller.credentials, caller.address);
  if (!('refused' in entered)) return entered;
  const error = toGraphQLError(entered.refused) as GraphQLError;
  const { code, http, ...extensions } = error.extensions as { code: string; http?: { status?: number; headers?: Record<string, string> } };
  return {
    refused: {
      status: http?.status ?? 403,
      headers: { 'content-type': 'application/json; charset=utf-8', ...http?.headers },
      // What it cost, as every answer says: nothing.
      body: `${JSON.stringify({
        errors: [{ message: error.message, extensions: { code, ...extensions } }],
        extensions: { upsales: { soapCalls: 0, cachedCalls: 0, queuedMs: 0 } },
      })}\n`,
      code,
    },
  };
}

const ENTERED = Symbol('entered by the HTTP server');

/** The HTTP server let this request in already (its place is held until the response closes). */
export const markEntered = (req: object): void => void ((req as { [ENTERED]?: true })[ENTERED] = true);

/**
 * `graphqlEndpoint`: a GraphQL request {@link enterGraphQL} refuses is
 * answered at once; one it lets in leaves when its response is out.
 */
export function useCaller(callers: Callers, graphqlEndpoint: string): Plugin {
  const LEAVE = Symbol('leave');
  type Holder = { [LEAVE]?: () => void; req?: { [ENTERED]?: true } };
  return {
    onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      let caller: Caller;
      try {
        caller = callers.identify(request.headers.get('authorization'), callers.addressOf(nodeRequest(serverContext)));
      } catch (error) {
        holdCaller(serverContext, error as Error);
        return;
      }
      holdCaller(serverContext, caller);
      const holder = serverContext as Holder;
      if (url.pathname !== graphqlEndpoint || holder.req?.[ENTERED]) return;
      const entered = enterGraphQL(caller, callers);
      if ('leave' in entered) {
        holder[LEAVE] = entered.leave;
        return;
      }
      noteRefusal(serverContext, entered.refused.code);
      endResponse(new fetchAPI.Response(entered.refused.body, { status: entered.refused.status, headers: entered.refused.headers }));
    },
    onResponse({ serverContext }) {
      (serverContext as Holder)[LEAVE]?.();
    },
  };
}
