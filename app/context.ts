/**
 * The GraphQL context of each request (schema/context.ts), built in one
 * place for every transport: the caller the credentials step kept on the
 * initial context (plugins/use-caller.ts for HTTP, websocket.ts for each
 * operation of a WebSocket, which has no `request` of its own), the
 * request's own state over an upstream client bound to the caller
 * (src/request), its loaders, whose level scheduler tracks that client's
 * calls (resolvers/), the trail of what it read (src/request/read-trail.ts),
 * and the import service and change feed bound to the caller. A live query
 * runs again with a fresh run of all but the caller, the import service
 * and the change feed (`GatewayContext.nextRun`): its own loaders, stats
 * and call ceiling.
 */
import { initContextCache } from '@pothos/core';
import type { YogaInitialContext } from 'graphql-yoga';
import { requestScope } from '../resolvers/request-scope.js';
import type { RequestLoaders } from '../resolvers/loaders.js';
import type { GatewayContext, RunState } from '../schema/context.js';
import type { ChangeFeeds } from '../src/changes/index.js';
import type { GatewayConfig } from '../src/config/config.js';
import { callerImports } from '../src/import/jobs/caller-imports.js';
import type { ImportService } from '../src/import/jobs/import-service.js';
import { callerOf } from '../src/request/credentials.js';
import { asksFresh, createRequestState } from '../src/request/request-state.js';
import { ReadTrail } from '../src/request/read-trail.js';
import type { Upstream } from '../src/upstream/index.js';

export interface ContextDeps {
  config: GatewayConfig;
  upstream: Upstream;
  imports?: ImportService;
  /** Every account's change feed: each request gets it bound to its caller (`ctx.changes`). */
  changes?: ChangeFeeds;
}

/** Yoga's `context` option: the context of one request. */
export function contextFactory({ config, upstream, imports, changes }: ContextDeps): (initial: YogaInitialContext) => GatewayContext {
  return (initial) => {
    const caller = callerOf(initial);
    const fresh = asksFresh((initial as Partial<YogaInitialContext>).request?.headers.get('cache-control') ?? null);
    const run = (): RunState => {
      let loaders!: RequestLoaders;
      const readTrail = new ReadTrail();
      const state = createRequestState({
        config,
        clientFor: (credentials, stats, options) => upstream.forCredentials(credentials, stats, 'interactive', options),
      }, caller, {
        fresh,
        scope: (client, ceiling) => {
          const scope = requestScope(readTrail.recording(client), ceiling);
          loaders = scope.loaders;
          return scope.upstream;
        },
      });
      return { ...initContextCache(), ...state, loaders, readTrail };
    };
    const first = run();
    return {
      ...first, nextRun: run,
      ...(imports ? { imports: callerImports(imports, caller.credentials) } : {}),
      ...(changes ? { changes: changes.forCaller(caller.credentials, () => first.verifyCredentials(), () => (initial as Partial<YogaInitialContext>).request?.signal) } : {}),
    };
  };
}
