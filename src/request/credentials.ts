/**
 * The one credentials step: who a request acts as. Its HTTP Basic
 * credentials, or the configured account's when it sends none, read once
 * per request (app/plugins/use-caller.ts) and used by GraphQL, the import
 * routes and result downloads alike. Whether Upsales accepts them is told by
 * one lookup of the user (the same read as `me`), remembered for a while in
 * {@link VerifiedAccounts}. Credentials are never logged nor put in an error.
 */
import type { CriteriaResult } from '../contract/types.js';
import type { Credentials, UpstreamClient } from '../upstream/types.js';
import { UnauthenticatedError } from './errors.js';
import { isLongerThan, MAX_LENGTH, refusedCharacter } from './input-text.js';
import { VerifiedAccounts } from './verified-accounts.js';

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

/** The Upsales user `username` as Upsales shows it to that user: one read, the same for `me` and for checking a password. */
export const lookupUser = (client: UpstreamClient, username: string): Promise<CriteriaResult> =>
  client.getByCriteria('user', { criteria: [{ field: 'email', operator: 'eq', values: [username] }], limit: 1 });

/** Who a request acts as. */
export interface Caller {
  readonly credentials: Credentials;
  readonly username: string;
  /** Whether Upsales has accepted these credentials lately (no call). */
  verified(): boolean;
  /**
   * Resolves once Upsales has accepted these credentials: at once when it
   * has lately, else after one {@link lookupUser} through `client`, whose
   * failure (a refused password: AUTHENTICATION_FAILED) it throws as the
   * client throws it.
   */
  verify(client: UpstreamClient): Promise<void>;
  /** Upsales has just answered a call of these credentials: the password is right. */
  accept(): void;
}

export interface CallersOptions {
  /** UPSALES_USERNAME / UPSALES_PASSWORD: who a request without credentials acts as; without it, such a request is refused. */
  defaultCredentials?: Credentials;
  /** Credentials Upsales accepted lately; one per gateway. */
  verified?: VerifiedAccounts;
}

/** The callers of one gateway. */
export class Callers {
  readonly verifiedAccounts: VerifiedAccounts;

  constructor(private readonly options: CallersOptions = {}) {
    this.verifiedAccounts = options.verified ?? new VerifiedAccounts();
  }

  /** The caller of a request with this Authorization header; throws {@link UnauthenticatedError}. */
  identify(authorization: string | null): Caller {
    const credentials = basicCredentials(authorization) ?? this.options.defaultCredentials;
    if (!credentials) throw new UnauthenticatedError();
    return this.caller(credentials);
  }

  /** The caller with these credentials. */
  caller(credentials: Credentials): Caller {
    const accounts = this.verifiedAccounts;
    return {
      credentials,
      username: credentials.username,
      verified: () => accounts.isVerified(credentials),
      verify: (client) => accounts.verify(credentials, () => lookupUser(client, credentials.username)),
      accept: () => accounts.accept(credentials),
    };
  }
}

const CALLER = Symbol('caller');
type Holder = { [CALLER]?: Caller | Error };

/** Keeps a request's caller (or why it has none) on its server context, for {@link callerOf}. */
export function holdCaller(serverContext: object, caller: Caller | Error): void {
  (serverContext as Holder)[CALLER] = caller;
}

/**
 * The caller of the request whose server context (or a context made from
 * it) this is; throws why it has none (UNAUTHENTICATED).
 */
export function callerOf(context: object): Caller {
  const caller = (context as Holder)[CALLER];
  if (!caller) throw new Error('The credentials step did not run for this request');
  if (caller instanceof Error) throw caller;
  return caller;
}
