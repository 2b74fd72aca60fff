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
import type { ReadTrail } from '../src/request/read-trail.js';
import type { RequestState } from '../src/request/request-state.js';

/** What one run of the operation holds of its own: a live query's next run gets a fresh one (`nextRun`). */
export interface RunState extends RequestState {
  /** This run's loaders and memos, sending each level's loads together. */
  loaders: RequestLoaders;
  /** What this run read of Upsales. */
  readTrail: ReadTrail;
}

export interface GatewayContext extends RunState {
  /** A fresh run state for the same caller and request (a live query's next run): new loaders, stats, call ceiling and trail. */
  nextRun(): RunState;
  /** The import service bound to the caller; absent when the gateway runs without imports. */
  imports?: CallerImports;
  /** The change feed as the caller sees it (src/changes): `watch(kinds, signal)`. Present whenever the gateway runs. */
  changes?: CallerChanges;
}
