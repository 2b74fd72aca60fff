/**
 * The import service as one GraphQL request may use it: bound to the
 * caller's credentials, which resolvers never see. Attached to the request's
 * context by the server; absent when the gateway runs without imports.
 */
import type { Credentials } from '../../upstream/types.js';
import type { ImportService } from './import-service.js';

export interface RequestImports {
  service: ImportService;
  /** The caller's Upsales username. */
  username: string;
  /** Runs `use` with the caller's credentials (to start or resume a job). */
  withCredentials<T>(use: (credentials: Credentials) => T): T;
}

/** A symbol key: Yoga copies the context factory's result into its own context object, and this goes with it. */
const IMPORTS = Symbol('imports');

export function attachImports(ctx: object, service: ImportService, credentials: Credentials): void {
  const imports: RequestImports = { service, username: credentials.username, withCredentials: (use) => use(credentials) };
  (ctx as { [IMPORTS]?: RequestImports })[IMPORTS] = imports;
}

export function importsOf(ctx: object): RequestImports | undefined {
  return (ctx as { [IMPORTS]?: RequestImports })[IMPORTS];
}
