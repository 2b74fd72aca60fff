/**
 * What a request holds of its own: who it acts as, an upstream client bound
 * to the caller's credentials, its call stats, its ceiling (MAX_QUERY_CALLS)
 * and its rules for shared reads. Answers kept for the account are served
 * only to a password Upsales has accepted; nothing else is shared with
 * another request. The GraphQL context (schema/context.ts) is this state
 * plus what the floors above build per request.
 */
import { randomUUID } from 'node:crypto';
import type { BudgetReading } from '../budget/index.js';
import type { GatewayConfig } from '../config/config.js';
import type { ItemKind } from '../contract/kinds.js';
import type { CallStats, ClientOptions, Credentials, ReadReuse, UpstreamClient } from '../upstream/types.js';
import { callCeiling, type CallCeiling } from './call-ceiling.js';
import { importForbidden, type Caller } from './credentials.js';
import { ForbiddenError, toGraphQLError } from './errors.js';
import { mayWrite } from './write-rights.js';

/** The shared call budget of an account, as `rateLimit` shows it. */
export type RateLimitSnapshot = BudgetReading;

export interface RequestState {
  /** Who the request acts as. */
  caller: Caller;
  /** The request's upstream client: its calls count in `stats` and under the ceiling; failures are GraphQL errors with a code. */
  upstream: UpstreamClient;
  stats: CallStats;
  /** The Upsales username the request acts as. */
  username: string;
  /**
   * `fresh`: every read from now on goes upstream: neither kept answers nor
   * reads in flight started by others (or by this request before) serve it,
   * but its own identical reads in flight together are sent once
   * (`Cache-Control: no-cache`; mutations, which build on what Upsales holds now).
   */
  reads: { fresh: boolean };
  /**
   * How many items of `kind` the caller may see, for the call estimate:
   * kept per account, outside the request's call ceiling, in its soapCalls.
   */
  countItems(kind: ItemKind): Promise<number>;
  /** The shared call budget of the caller's account, now. */
  rateLimit(): Promise<RateLimitSnapshot>;
  /** The answer is out: every SOAP call of the request from now on is refused. */
  endCalls(): void;
  /** Lowers the calls the request may send to `limit` (below MAX_QUERY_CALLS; never raises it). */
  capCalls(limit: number): void;
  /**
   * Resolves once Upsales has accepted the caller's username and password
   * (one call, remembered for a while); throws UNAUTHENTICATED or FORBIDDEN.
   * For what makes no SOAP call of its own.
   */
  verifyCredentials(): Promise<void>;
  /**
   * Resolves when Upsales lets the caller (verified first) write `kind`, so
   * import it; FORBIDDEN when their role may not (asked once per
   * CREDENTIALS_TTL_MS, src/request/write-rights.ts).
   */
  mayImport(kind: ItemKind): Promise<void>;
  config: GatewayConfig;
}

/** Whether a request asks for fresh data (`Cache-Control: no-cache`). */
export const asksFresh = (cacheControl: string | null): boolean => /(^|[\s,])no-cache($|[\s,=])/i.test(cacheControl ?? '');

/** Methods of the upstream client that make no SOAP call. */
const LOCAL_METHODS = new Set<PropertyKey>(['rateLimit']);

/** The upstream client as resolvers see it: its failures are GraphQL errors with a code. */
function withGraphQLErrors(client: UpstreamClient): UpstreamClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || LOCAL_METHODS.has(property)) return value;
      return (...args: unknown[]) => (value.apply(target, args) as Promise<unknown>).catch((error: unknown) => {
        throw toGraphQLError(error);
      });
    },
  });
}

export interface RequestStateDeps {
  config: GatewayConfig;
  /** An upstream client bound to `credentials`, counting in `stats`, with these rules. */
  clientFor(credentials: Credentials, stats: CallStats, options: ClientOptions): UpstreamClient;
}

export interface RequestStateOptions {
  /** The request asked for fresh data (`Cache-Control: no-cache`). */
  fresh?: boolean;
  /**
   * Wraps the request's client, whose calls count against `ceiling` (the
   * loaders' level scheduler tracks them); the state reads through what it
   * returns.
   */
  scope?(upstream: UpstreamClient, ceiling: CallCeiling): UpstreamClient;
}

export function createRequestState(deps: RequestStateDeps, caller: Caller, options: RequestStateOptions = {}): RequestState {
  const { credentials } = caller;
  const stats: CallStats = { calls: 0, queuedMs: 0, log: [], cached: 0 };
  const reads = { fresh: options.fresh ?? false };
  const ownFlights = randomUUID();
  // A kept answer is served once the password's lapsed check is done again (one call, shared): a revoked user reads nothing kept.
  const confirm = async (): Promise<boolean> => {
    if (!caller.knownGood()) return false;
    await caller.verify(stats).catch(() => undefined);
    return caller.verified();
  };
  const reuse: ReadReuse = {
    kept: () => !reads.fresh && caller.verified(), flightScope: () => (reads.fresh ? ownFlights : ''), accepted: caller.accept,
    confirm: () => (reads.fresh ? Promise.resolve(false) : confirm()),
  };
  // Counts only bound the estimate: kept ones serve a fresh request too.
  const countReuse: ReadReuse = { kept: caller.verified, flightScope: () => '', accepted: caller.accept, confirm };
  const ceiling = callCeiling(deps.config.maxQueryCalls);
  const { admit } = caller;
  const counting = withGraphQLErrors(deps.clientFor(credentials, stats, { reuse: countReuse, admit }));
  const own = withGraphQLErrors(deps.clientFor(credentials, stats, { reuse, beforeSend: ceiling.beforeSend, admit }));
  const upstream = options.scope ? options.scope(own, ceiling) : own;
  return {
    caller,
    upstream,
    stats,
    username: credentials.username,
    reads,
    countItems: (kind) => counting.count(kind),
    rateLimit: () => upstream.rateLimit(),
    endCalls: () => ceiling.close(),
    capCalls: (limit) => ceiling.lower(limit),
    verifyCredentials: () => caller.verify(stats).catch((error: unknown) => {
      throw toGraphQLError(error);
    }),
    async mayImport(kind) {
      const writable = await caller.verify(stats).then(() => caller.writableKinds(stats)).catch((error: unknown) => {
        throw toGraphQLError(error);
      });
      if (!mayWrite(writable, kind)) throw new ForbiddenError(importForbidden(kind));
    },
    config: deps.config,
  };
}
