/**
 * The per-request context: the caller's Upsales credentials (never logged),
 * an upstream client bound to them, this request's call stats and rules for
 * shared reads, and what the floors above add per request (the loaders),
 * given by injection. Answers kept for the account are served only to a
 * password Upsales has accepted; nothing else is shared with another request.
 */
import { randomUUID } from 'node:crypto';
import { initContextCache } from '@pothos/core';
import type { BudgetReading } from '../budget/index.js';
import { callCeiling, type CallCeiling } from './call-ceiling.js';
import type { GatewayConfig } from '../config/config.js';
import type { ItemKind } from '../contract/kinds.js';
import { toGraphQLError, UnauthenticatedError } from './errors.js';
import { isLongerThan, MAX_LENGTH, refusedCharacter } from './input-text.js';
import type { CallStats, ClientOptions, Credentials, ReadReuse, UpstreamClient } from '../upstream/types.js';
import type { VerifiedAccounts } from './verified-accounts.js';

/** The shared call budget of an account, as `rateLimit` shows it. */
export type RateLimitSnapshot = BudgetReading;

/**
 * What the floors above add to every request's context (resolvers/loaders.ts
 * adds `loaders`), declared by them through module augmentation, the way
 * Fastify's decorators are typed: this floor never imports them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RequestExtensions {}

export interface GatewayContext extends RequestExtensions {
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
  /**
   * Resolves once Upsales has accepted the caller's username and password
   * (one call, remembered for a while); throws UNAUTHENTICATED or FORBIDDEN.
   * For what makes no SOAP call of its own.
   */
  verifyCredentials(): Promise<void>;
  config: GatewayConfig;
}

/** Longest username and password accepted (Upsales' own fields hold 255 characters). */
export const MAX_CREDENTIAL_LENGTH = MAX_LENGTH.string;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `Authorization: Basic ...` as credentials; undefined when absent. Refused
 * (UNAUTHENTICATED, never naming the value) when it is not Basic, not
 * base64 of UTF-8 `username:password`, too long, or carries characters that
 * cannot travel in a WS-Security header.
 */
export function basicCredentials(header: string | null): Credentials | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  let decoded = '';
  try {
    if (match && match[1].length <= 4 * MAX_CREDENTIAL_LENGTH) decoded = utf8.decode(Buffer.from(match[1], 'base64'));
  } catch {
    throw new UnauthenticatedError('The Basic credentials are not UTF-8 text');
  }
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new UnauthenticatedError('The Authorization header must be HTTP Basic with username:password');
  const credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  for (const [name, value] of Object.entries(credentials)) {
    if (isLongerThan(value, MAX_CREDENTIAL_LENGTH)) throw new UnauthenticatedError(`The ${name} is longer than ${MAX_CREDENTIAL_LENGTH} characters`);
    const refused = refusedCharacter(value);
    if (refused) throw new UnauthenticatedError(`The ${name} has ${refused}, which cannot be sent to Upsales`);
  }
  return credentials;
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

export interface ContextDeps {
  config: GatewayConfig;
  clientFor(credentials: Credentials, stats: CallStats, options: ClientOptions): UpstreamClient;
  verifiedAccounts: VerifiedAccounts;
  /**
   * Builds the request's extensions over its upstream client, whose calls
   * count against `ceiling` (which tells how many are left, and sets a
   * step's calls aside). It may wrap the client: the returned one is the
   * request's.
   */
  requestScope(upstream: UpstreamClient, ceiling: CallCeiling): { upstream: UpstreamClient } & RequestExtensions;
}

export interface ContextOptions {
  /** The request asked for fresh data (`Cache-Control: no-cache`). */
  fresh?: boolean;
}

export function createContext(deps: ContextDeps, authorization: string | null, options: ContextOptions = {}): GatewayContext {
  const credentials = basicCredentials(authorization) ?? deps.config.defaultCredentials;
  if (!credentials) throw new UnauthenticatedError();
  const stats: CallStats = { calls: 0, queuedMs: 0, log: [], cached: 0 };
  const reads = { fresh: options.fresh ?? false };
  const verified = () => deps.verifiedAccounts.isVerified(credentials);
  const accepted = () => deps.verifiedAccounts.accept(credentials);
  const ownFlights = randomUUID();
  const reuse: ReadReuse = { kept: () => !reads.fresh && verified(), flightScope: () => (reads.fresh ? ownFlights : ''), accepted };
  // Counts only bound the estimate: kept ones serve a fresh request too.
  const countReuse: ReadReuse = { kept: verified, flightScope: () => '', accepted };
  const ceiling = callCeiling(deps.config.maxQueryCalls);
  const counting = withGraphQLErrors(deps.clientFor(credentials, stats, { reuse: countReuse }));
  const scope = deps.requestScope(withGraphQLErrors(deps.clientFor(credentials, stats, { reuse, beforeSend: ceiling.beforeSend })), ceiling);
  const { upstream } = scope;
  return {
    ...initContextCache(),
    ...scope,
    stats,
    username: credentials.username,
    reads,
    countItems: (kind) => counting.count(kind),
    rateLimit: () => upstream.rateLimit(),
    endCalls: () => ceiling.close(),
    verifyCredentials: () => deps.verifiedAccounts.verify(credentials, () => upstream.getByCriteria('user', {
      criteria: [{ field: 'email', operator: 'eq', values: [credentials.username] }], limit: 1,
    })),
    config: deps.config,
  };
}
