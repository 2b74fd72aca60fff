/**
 * The gateway's expected failures: GraphQLErrors with an `extensions.code`.
 * Anything else is masked by Yoga. Messages never carry credentials, hosts or
 * raw SOAP fault text.
 */
import { GraphQLError } from 'graphql';
import { ItemMissingError, type UpstreamErrorKind } from '../upstream/index.js';

export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'THROTTLED' | 'BAD_USER_INPUT' | 'UPSTREAM_ERROR'
  | 'TOO_MANY_STREAMS' | 'UNAVAILABLE' | 'STREAM_IDLE' | 'STAGED_ROWS_LIMIT' | 'STORE_FULL' | 'NOT_ACCEPTABLE';

export class GatewayError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

/**
 * The challenge of every 401: send HTTP Basic credentials. Its scheme is not
 * `Basic` on purpose: a browser meets a `Basic` challenge by asking the
 * person for a password and then attaching it by itself to every request to
 * the gateway, cross-site ones included. It handles no other scheme, so it
 * never asks for nor keeps credentials of its own, and a request that
 * carries Authorization was given it by a script (which, cross-site, needs
 * a preflight that CORS refuses): app/plugins/use-csrf.ts relies on that.
 */
export const AUTHENTICATE_CHALLENGE = 'xBasic realm="Upsales", charset="UTF-8"';

export class UnauthenticatedError extends GatewayError {
  constructor(message = 'Send your Upsales username and password as HTTP Basic credentials') {
    super('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': AUTHENTICATE_CHALLENGE } } });
  }
}
export class ForbiddenError extends GatewayError {
  constructor(message: string) { super('FORBIDDEN', message); }
}
export class NotFoundError extends GatewayError {
  constructor(what: string) { super('NOT_FOUND', `${what} was not found`); }
}
export class ThrottledError extends GatewayError {
  constructor(message: string, retryAfterMs?: number) { super('THROTTLED', message, retryAfterMs ? { retryAfterMs } : {}); }
}
/** Too many failed logins lately for a username, or from an address: no call is sent for a new password before `retryAfterMs`. */
export class LoginsThrottledError extends GatewayError {
  constructor(readonly retryAfterMs: number) {
    const seconds = Math.ceil(retryAfterMs / 1000);
    super('THROTTLED', `Too many failed logins for this username or from this address: try again in ${seconds} s`, {
      retryAfterMs, http: { status: 429, headers: { 'Retry-After': String(seconds) } },
    });
  }
}
/** A stream refused at its start for the streams already open (src/request/stream-slots.ts): 429 or 503, with Retry-After. */
export class StreamRefusedError extends GatewayError {
  constructor(refusal: { status: number; code: string; message: string; retryAfterSeconds: number }) {
    super(refusal.code as ErrorCode, refusal.message, {
      retryAfterMs: refusal.retryAfterSeconds * 1000,
      http: { status: refusal.status, headers: { 'Retry-After': String(refusal.retryAfterSeconds) } },
    });
  }
}
/** The last payload of a stream that sent nothing for STREAM_IDLE_TIMEOUT_MS: the gateway closes it after this. */
export class StreamIdleError extends GatewayError {
  constructor(idleMs: number) {
    super('STREAM_IDLE', `Closed after ${Math.round(idleMs / 1000)} s without an event (STREAM_IDLE_TIMEOUT_MS): subscribe again to go on`);
  }
}
export class BadUserInputError extends GatewayError {
  constructor(message: string, extra: Record<string, unknown> = {}) { super('BAD_USER_INPUT', message, extra); }
}
export class UpstreamFailureError extends GatewayError {
  constructor(message: string) { super('UPSTREAM_ERROR', message); }
}

/** The upstream's error kinds as the gateway's error codes. */
const CODE_OF_KIND: Record<UpstreamErrorKind, ErrorCode> = {
  AUTHENTICATION_FAILED: 'UNAUTHENTICATED',
  API_ACCESS_DENIED: 'FORBIDDEN',
  ACCESS_DENIED: 'FORBIDDEN',
  THROTTLED: 'THROTTLED',
  NOT_FOUND: 'NOT_FOUND',
  VALIDATION_ERROR: 'BAD_USER_INPUT',
  INTERNAL: 'UPSTREAM_ERROR',
  TIMEOUT: 'UPSTREAM_ERROR',
  UNREACHABLE: 'UPSTREAM_ERROR',
  PROTOCOL: 'UPSTREAM_ERROR',
};

/** Safe texts for kinds whose upstream message is not shown. */
const SAFE_MESSAGE: Partial<Record<UpstreamErrorKind, string>> = {
  AUTHENTICATION_FAILED: 'Upsales rejected the username or password',
  API_ACCESS_DENIED: 'This Upsales user has no API access',
  INTERNAL: 'Upsales failed to answer the request',
  TIMEOUT: 'Upsales did not answer in time',
  UNREACHABLE: 'Upsales could not be reached',
  PROTOCOL: 'Upsales sent an answer the gateway could not read',
};

/** The upstream failure as a GraphQL error; `message` of the upstream error is known to be safe. */
export function fromUpstream(error: { kind: UpstreamErrorKind; message: string; field?: string; retryAfterMs?: number }): GatewayError {
  const code = CODE_OF_KIND[error.kind];
  const message = SAFE_MESSAGE[error.kind] ?? error.message;
  const extra: Record<string, unknown> = { upstreamCode: error.kind };
  if (error.field) extra.field = error.field;
  if (error.retryAfterMs) extra.retryAfterMs = error.retryAfterMs;
  if (code === 'UNAUTHENTICATED') return new UnauthenticatedError(message);
  return new GatewayError(code, message, extra);
}

/** Any failure of an upstream call as what the client may see; unknown errors stay as they are, for Yoga to mask. */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof GraphQLError) return error;
  if (error instanceof ItemMissingError) return new NotFoundError(error.what);
  if (error && typeof error === 'object' && 'kind' in error && (error as { kind: string }).kind in CODE_OF_KIND) {
    return fromUpstream(error as Parameters<typeof fromUpstream>[0]);
  }
  return error;
}
