/**
 * The import service as one caller may use it: bound to the caller's
 * credentials, which resolvers never see. The GraphQL context carries it
 * (schema/context.ts); absent when the gateway runs without imports.
 */
import type { Credentials } from '../../upstream/types.js';
import type { ImportService } from './import-service.js';

export interface CallerImports {
  service: ImportService;
  /** The caller's Upsales username. */
  username: string;
  /** Runs `use` with the caller's credentials (to start or resume a job). */
  withCredentials<T>(use: (credentials: Credentials) => T): T;
}

export const callerImports = (service: ImportService, credentials: Credentials): CallerImports =>
  ({ service, username: credentials.username, withCredentials: (use) => use(credentials) });
