/**
 * The per-request context: the caller's Upsales credentials (never logged),
 * an upstream client bound to them, this request's loaders and call stats.
 * Nothing in it is shared with another request or user.
 */
import { initContextCache } from '@pothos/core';
import type { BudgetReading } from './budget/index.js';
import type { GatewayConfig } from './config.js';
import { BadUserInputError, toGraphQLError, UnauthenticatedError } from './errors.js';
import { isLongerThan, MAX_LENGTH, refusedCharacter } from './input-text.js';
import type { CallStats, Credentials, UpstreamClient } from './upstream/types.js';
import { RequestLoaders } from '../resolvers/loaders.js';
import type { VerifiedAccounts } from './verified-accounts.js';

/** The shared call budget of an account, as `rateLimit` shows it. */
export type RateLimitSnapshot = BudgetReading;

export interface GatewayContext {
  upstream: UpstreamClient;
  loaders: RequestLoaders;
  stats: CallStats;
  /** The Upsales username the request acts as. */
  username: string;
  /** The shared call budget of the caller's account, now. */
  rateLimit(): Promise<RateLimitSnapshot>;
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
  if (colon < 1) throw new UnauthenticatedError('The Authorization header must be HTTP Basic with username:password (at most 255 characters each)');
  const credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  for (const [name, value] of Object.entries(credentials)) {
    if (isLongerThan(value, MAX_CREDENTIAL_LENGTH)) throw new UnauthenticatedError(`The ${name} is longer than ${MAX_CREDENTIAL_LENGTH} characters`);
    const refused = refusedCharacter(value);
    if (refused) throw new UnauthenticatedError(`The ${name} has ${refused}, which cannot be sent to Upsales`);
  }
  return credentials;
}

/** Methods of the upstream client that make no SOAP call. */
const LOCAL_METHODS = new Set<PropertyKey>(['rateLimit']);

/**
 * The upstream client as resolvers see it: its failures are GraphQL errors
 * with a code, and it has this request's call ceiling: a query may never make
 * more SOAP calls than MAX_QUERY_CALLS, whatever the data turns out to be.
 */
function withCallCeiling(client: UpstreamClient, limit: number): { client: UpstreamClient; callsLeft: () => number } {
  let started = 0;
  const callsLeft = () => Math.max(0, limit - started);
  return { callsLeft, client: new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || LOCAL_METHODS.has(property)) return value;
      return (...args: unknown[]) => {
        started += 1;
        if (started > limit) {
          return Promise.reject(new BadUserInputError(
            `This query needs more than MAX_QUERY_CALLS (${limit}) SOAP calls for the data it reached; narrow it with filter or first`,
            { limit },
          ));
        }
        return (value.apply(target, args) as Promise<unknown>).catch((error: unknown) => {
          throw toGraphQLError(error);
        });
      };
    },
  }) };
}

export interface ContextDeps {
  config: GatewayConfig;
  clientFor(credentials: Credentials, stats: CallStats): UpstreamClient;
  verifiedAccounts: VerifiedAccounts;
}

export function createContext(deps: ContextDeps, authorization: string | null): GatewayContext {
  const credentials = basicCredentials(authorization) ?? deps.config.defaultCredentials;
  if (!credentials) throw new UnauthenticatedError();
  const stats: CallStats = { calls: 0, queuedMs: 0, log: [] };
  const { client: upstream, callsLeft } = withCallCeiling(deps.clientFor(credentials, stats), deps.config.maxQueryCalls);
  return {
    ...initContextCache(),
    upstream,
    loaders: new RequestLoaders(upstream, callsLeft),
    stats,
    username: credentials.username,
    rateLimit: () => upstream.rateLimit(),
    verifyCredentials: () => deps.verifiedAccounts.verify(credentials, () => upstream.getByCriteria('user', {
      criteria: [{ field: 'email', operator: 'eq', values: [credentials.username] }], limit: 1,
    })),
    config: deps.config,
  };
}
