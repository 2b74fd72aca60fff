/**
 * The context every resolver gets, built once per request by the gateway
 * (app/context.ts): the request's own state (src/request: who it acts as,
 * its upstream client, stats, ceiling and read rules), its loaders
 * (resolvers/), and the import jobs it may use. Nothing in it outlives the
 * request or is shared with another.
 */
import type { RequestLoaders } from '../resolvers/loaders.js';
import type { CallerChanges } from '../src/changes/index.js';
import type { CallerImports } from '../src/import/jobs/caller-imports.js';
import type { RequestState } from '../src/request/request-state.js';

export interface GatewayContext extends RequestState {
  /** This request's loaders and memos, sending each level's loads together. */
  loaders: RequestLoaders;
  /** The import service bound to the caller; absent when the gateway runs without imports. */
  imports?: CallerImports;
  /** The change feed as the caller sees it (src/changes): `watch(kinds, signal)`. Present whenever the gateway runs. */
  changes?: CallerChanges;
}
