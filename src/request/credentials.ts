/**
 * The one credentials step: who a request acts as. Its HTTP Basic
 * credentials, or the configured account's when it sends none, read once
 * per request (app/plugins/use-caller.ts) and used by GraphQL, the import
 * routes and result downloads alike. Whether Upsales accepts them is told by
 * its answers, or by one lookup of the user (the same read as `me`),
 * remembered for a while in {@link VerifiedAccounts}; what credentials it
 * has not accepted may spend is the {@link CredentialGate}'s to say.
 * Credentials are never logged nor put in an error.
 */
import { clientAddresses, type ClientAddressOf } from './client-address.js';
import { KINDS, type ItemKind } from '../contract/kinds.js';
import type { CriteriaResult } from '../contract/types.js';
import type { CallStats, Credentials, ReadReuse, Upstream, UpstreamClient } from '../upstream/index.js';
import { CredentialGate, type CredentialGateOptions } from './credential-gate.js';
import { LoginsThrottledError, UnauthenticatedError } from './errors.js';
import { isLongerThan, MAX_LENGTH, refusedCharacter } from './input-text.js';
import { VerifiedAccounts } from './verified-accounts.js';
import { mayWrite, WriteRights, type WritableKinds } from './write-rights.js';

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
  /** The client's address (the socket's peer), for slowing down failed logins; `unknown` when there is none. */
  readonly address: string;
  /** The request sent no credentials and acts as the configured account, which every such request shares. */
  readonly anonymous: boolean;
  /** Whether Upsales has accepted these credentials lately (no call). */
  verified(): boolean;
  /** Whether Upsales accepted these credentials within a day (their check may have lapsed since). */
  knownGood(): boolean;
  /** Runs one upstream call of these credentials as the credential gate allows (give it to the caller's clients). */
  admit<T>(call: () => Promise<T>): Promise<T>;
  /**
   * Resolves once Upsales has accepted these credentials: at once when it
   * has lately, else after one {@link lookupUser} (never answered from kept
   * reads; shared with the same read in flight), counted in `stats`. Throws
   * the adapter's error when Upsales refuses them (AUTHENTICATION_FAILED,
   * API_ACCESS_DENIED), or the gate's (THROTTLED).
   */
  verify(stats?: CallStats): Promise<void>;
  /** Upsales has just answered a call of these credentials: the password is right. */
  accept(): void;
  /**
   * The kinds these credentials may write (their role's change rights; all
   * for an administrator), known for CREDENTIALS_TTL_MS: at most one call
   * (`getRoles`) beyond the password check, counted in `stats`. Call only
   * once {@link verify} has resolved.
   */
  writableKinds(stats?: CallStats): Promise<WritableKinds>;
}

export interface CallersOptions {
  /** UPSALES_USERNAME / UPSALES_PASSWORD: who a request without credentials acts as; without it, such a request is refused. */
  defaultCredentials?: Credentials;
  /** What Upsales said of credentials lately; one per gateway. */
  accounts?: VerifiedAccounts;
  /** How failed logins are slowed down. */
  gate?: CredentialGateOptions;
  /** TRUSTED_PROXIES: whose X-Forwarded-For names the client a request is counted by (none: the connection's address). */
  trustedProxies?: readonly string[];
}

/**
 * The callers of one gateway on one upstream: their credentials, what
 * Upsales said of them (every refusal the adapter sees, background work's
 * too, revokes), and what unverified ones may spend (credential-gate.ts).
 */
export class Callers {
  readonly accounts: VerifiedAccounts;
  readonly gate: CredentialGate;
  /** The kinds each verified caller may write (who may import what). */
  readonly rights: WriteRights;
  /** The address a request is counted by (failed logins per address; /metrics on loopback). */
  readonly addressOf: ClientAddressOf;

  constructor(private readonly upstream: Upstream, private readonly options: CallersOptions = {}) {
    this.accounts = options.accounts ?? new VerifiedAccounts();
    this.gate = new CredentialGate(this.accounts, options.gate);
    this.rights = new WriteRights(this.accounts.ttlMs);
    this.addressOf = clientAddresses(options.trustedProxies ?? []);
    upstream.onRefused((credentials, kind) => this.accounts.refuse(credentials, kind));
  }

  /** The caller of a request with this Authorization header, from `address`; throws {@link UnauthenticatedError}. */
  identify(authorization: string | null, address = 'unknown'): Caller {
    const given = basicCredentials(authorization);
    const credentials = given ?? this.options.defaultCredentials;
    if (!credentials) throw new UnauthenticatedError();
    return this.caller(credentials, address, !given);
  }

  /** The caller with these credentials (`anonymous`: the configured account's, for a request that sent none). */
  caller(credentials: Credentials, address = 'unknown', anonymous = false): Caller {
    const { accounts, gate, upstream, rights } = this;
    const admit = <T>(call: () => Promise<T>) => gate.admit(credentials, address, call);
    const accept = () => accounts.accept(credentials);
    // The check never reads kept answers (they are what it guards), but shares a lookup in flight.
    const checkReuse: ReadReuse = { kept: () => false, flightScope: () => '', accepted: accept };
    // The user's own record, as the password check reads it: it says their role too, kept for the write rights.
    const lookUp = async (stats: CallStats) => {
      const found = await lookupUser(upstream.forCredentials(credentials, stats, 'interactive', { reuse: checkReuse, admit }), credentials.username);
      rights.noteUser(credentials, found.items[0]);
      return found.items[0];
    };
    return {
      credentials,
      username: credentials.username,
      address,
      anonymous,
      verified: () => accounts.isVerified(credentials),
      knownGood: () => accounts.isKnownGood(credentials),
      admit,
      verify: (stats = { calls: 0, queuedMs: 0, log: [] }) => accounts.verify(credentials, () => lookUp(stats)),
      accept,
      writableKinds: (stats = { calls: 0, queuedMs: 0, log: [] }) =>
        rights.writable(credentials, upstream.forCredentials(credentials, stats, 'interactive', { admit }), () => lookUp(stats)),
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

/** Why a caller is refused, for answers outside GraphQL (import routes, uploads). */
export interface CallerRefusal {
  status: 401 | 403 | 429 | 502;
  code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'THROTTLED' | 'UPSTREAM_ERROR';
  message: string;
  /** For 429: when a new password may be tried. */
  retryAfterMs?: number;
}

export const isCallerRefusal = (value: Caller | CallerRefusal): value is CallerRefusal => 'status' in value;

/**
 * The caller of the request whose context this is, once Upsales has
 * accepted their credentials (one check when not known lately), or why
 * they are refused.
 */
export async function acceptedCaller(context: object): Promise<Caller | CallerRefusal> {
  let caller: Caller;
  try {
    caller = callerOf(context);
  } catch {
    return { status: 401, code: 'UNAUTHENTICATED', message: 'Send your Upsales username and password as HTTP Basic credentials' };
  }
  try {
    await caller.verify();
    return caller;
  } catch (error) {
    return refusalOf(error, 'Upsales could not check the credentials');
  }
}

/** A failed call of the caller's as a refusal: 429 (failed logins), 401 or 403 (Upsales refused the credentials), else 502 with `otherwise`. */
function refusalOf(error: unknown, otherwise: string): CallerRefusal {
  if (error instanceof LoginsThrottledError) return { status: 429, code: 'THROTTLED', message: error.message, retryAfterMs: error.retryAfterMs };
  const kind = (error as { kind?: string }).kind;
  if (kind === 'AUTHENTICATION_FAILED') return { status: 401, code: 'UNAUTHENTICATED', message: 'Upsales rejected the username or password' };
  if (kind === 'API_ACCESS_DENIED') return { status: 403, code: 'FORBIDDEN', message: 'This Upsales user has no API access' };
  return { status: 502, code: 'UPSTREAM_ERROR', message: otherwise };
}

/** Why a user may not import `kind` (or, with none, anything): the message of a FORBIDDEN refusal. */
export const importForbidden = (kind?: ItemKind): string => (kind === undefined
  ? 'This Upsales user may write no kind of item (their role\'s change rights are none), so may not import'
  : `This Upsales user may not write ${KINDS[kind].typeName} items (their role's change right for them is none), so may not import them`);

/**
 * Why an accepted `caller` may not import `kind` (403 FORBIDDEN: their
 * role may not write it), or with no kind, may not import at all (they may
 * write no kind); undefined when they may. Asked of Upsales once per TTL
 * ({@link Caller.writableKinds}); 502 when it could not be asked.
 */
export async function importRefusal(caller: Caller, kind?: ItemKind, stats?: CallStats): Promise<CallerRefusal | undefined> {
  let writable: WritableKinds;
  try {
    writable = await caller.writableKinds(stats);
  } catch (error) {
    return refusalOf(error, 'Upsales could not say what this user may write');
  }
  if (kind === undefined ? writable === 'all' || writable.size > 0 : mayWrite(writable, kind)) return undefined;
  return { status: 403, code: 'FORBIDDEN', message: importForbidden(kind) };
}
