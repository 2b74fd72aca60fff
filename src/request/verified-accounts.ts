/**
 * What the gateway knows of credentials from Upsales' own answers. What
 * makes no SOAP call of its own (`rateLimit`, import jobs, result
 * downloads, answers kept in the read cache) must still act only for a
 * caller whose password is right now: a password Upsales answered a call
 * of within the last {@link VerifiedAccountsOptions.ttlMs} is verified.
 * Upsales refusing a username (AUTHENTICATION_FAILED, API_ACCESS_DENIED)
 * forgets every password of it at once (revocation), here and, through
 * `onRevoked`, in every replica; a refused pair is remembered, so the same
 * wrong password is answered without a call. Keyed by the username and a
 * SHA-256 of the password; the password itself is never kept. Every map is
 * bounded: the oldest entries go first.
 */
import { createHash } from 'node:crypto';
import { accountTag, keyedProof } from '../account/account-tag.js';
import type { Credentials } from '../upstream/types.js';

/** How long a password Upsales accepted serves kept answers without a new check. @default 60 s (CREDENTIALS_TTL_MS) */
export const VERIFIED_TTL_MS = 60_000;

/** Why Upsales refuses credentials. */
export type Refusal = 'AUTHENTICATION_FAILED' | 'API_ACCESS_DENIED';

export interface VerifiedAccountsOptions {
  /** How long an accepted password stays verified. @default {@link VERIFIED_TTL_MS} */
  ttlMs?: number;
  /** How long an accepted password is known good: it may be checked again despite failed logins of others. @default 24 h */
  knownGoodMs?: number;
  /** How long a refused password is remembered as refused. @default 10 min */
  refusedMs?: number;
  /** Most credentials tracked in each map. @default 50000 */
  maxEntries?: number;
}

interface Entry { verifiedUntil: number; knownGoodUntil: number }

/**
 * A password Upsales accepted, as other replicas are told it: the
 * username's tag and an HMAC of username and password under
 * ACCOUNT_HASH_KEY (never the password, nor anything checkable without the
 * key), known good until `until` (epoch ms).
 */
export interface KnownGoodMark { tag: string; proof: string; until: number }

/** The mark's proof of these credentials, without ACCOUNT_HASH_KEY none (nothing is shared). */
const proofOf = (credentials: Credentials): string | undefined => keyedProof(`${usernameOf(credentials)}\u0000${credentials.password}`);

/** The lower-cased username of credentials: how Upsales, budgets and jobs name the account. */
export const usernameOf = ({ username }: Pick<Credentials, 'username'>): string => username.trim().toLowerCase();

/** How a username is named outside this process (a revocation told to other replicas): its account tag. */
export const usernameTag = (credentials: Pick<Credentials, 'username'>): string => accountTag(usernameOf(credentials)).slice(0, 32);

/** How one username and password pair is kept in memory: the username's tag and a SHA-256 of the password, never the password. */
export const credentialsKey = (credentials: Credentials): string =>
  `${usernameTag(credentials)}\u0000${createHash('sha256').update(credentials.password).digest('hex')}`;

export class VerifiedAccounts {
  private readonly accepted = new Map<string, Entry>();
  private readonly refused = new Map<string, { kind: Refusal; until: number }>();
  private readonly revokedListeners = new Set<(tag: string) => void>();
  private readonly forgottenListeners = new Set<(tag: string) => void>();
  private readonly knownGoodListeners = new Set<(mark: KnownGoodMark) => void>();
  /** Marks told by other replicas: `${tag}\0${proof}` -> until. */
  private readonly toldKnownGood = new Map<string, number>();
  /** How long an accepted password stays verified (CREDENTIALS_TTL_MS). */
  readonly ttlMs: number;
  private readonly knownGoodMs: number;
  private readonly refusedMs: number;
  private readonly maxEntries: number;

  constructor(options: VerifiedAccountsOptions | number = {}) {
    const o = typeof options === 'number' ? { ttlMs: options } : options;
    this.ttlMs = o.ttlMs ?? VERIFIED_TTL_MS;
    this.knownGoodMs = o.knownGoodMs ?? 24 * 3600_000;
    this.refusedMs = o.refusedMs ?? 10 * 60_000;
    this.maxEntries = o.maxEntries ?? 50_000;
  }

  /** Whether these credentials were accepted less than the TTL ago. */
  isVerified(credentials: Credentials, now = Date.now()): boolean {
    return (this.accepted.get(credentialsKey(credentials))?.verifiedUntil ?? 0) > now;
  }

  /**
   * Whether Upsales accepted these credentials within a day (here, or in a
   * replica that told it) and has refused none of the username's since.
   */
  isKnownGood(credentials: Credentials, now = Date.now()): boolean {
    if ((this.accepted.get(credentialsKey(credentials))?.knownGoodUntil ?? 0) > now) return true;
    if (!this.toldKnownGood.size) return false;
    const proof = proofOf(credentials);
    return proof !== undefined && (this.toldKnownGood.get(`${usernameTag(credentials)}\u0000${proof}`) ?? 0) > now;
  }

  /** Another replica's mark of a password Upsales accepted (see {@link onKnownGood}). */
  markKnownGood({ tag, proof, until }: KnownGoodMark): void {
    const key = `${tag}\u0000${proof}`;
    this.toldKnownGood.delete(key);
    this.toldKnownGood.set(key, until);
    this.bound(this.toldKnownGood);
  }

  /**
   * Tells `listener` each password that became known good here (once a
   * half-day at most per pair), for the other replicas: so that a replica
   * that has not seen the real user's password yet lets it past a flood of
   * wrong ones too. Nothing is told without ACCOUNT_HASH_KEY.
   */
  onKnownGood(listener: (mark: KnownGoodMark) => void): () => void {
    this.knownGoodListeners.add(listener);
    return () => this.knownGoodListeners.delete(listener);
  }

  /** How Upsales refused these very credentials lately, if it did. */
  refusal(credentials: Credentials, now = Date.now()): Refusal | undefined {
    const key = credentialsKey(credentials);
    const found = this.refused.get(key);
    if (found && found.until <= now) this.refused.delete(key);
    return found && found.until > now ? found.kind : undefined;
  }

  /**
   * Resolves when the credentials are accepted: at once when known, else
   * after `check` (one upstream call that throws when Upsales refuses them).
   */
  async verify(credentials: Credentials, check: () => Promise<unknown>): Promise<void> {
    if (this.isVerified(credentials)) return;
    await check();
    this.accept(credentials);
  }

  /** Upsales has just answered a call of these credentials: verified for another TTL, known good for a day. */
  accept(credentials: Credentials, now = Date.now()): void {
    const key = credentialsKey(credentials);
    const before = this.accepted.get(key)?.knownGoodUntil ?? 0;
    this.accepted.delete(key);
    this.accepted.set(key, { verifiedUntil: now + this.ttlMs, knownGoodUntil: now + this.knownGoodMs });
    this.refused.delete(key);
    this.bound(this.accepted);
    if (before > now + this.knownGoodMs / 2 || !this.knownGoodListeners.size) return;
    const proof = proofOf(credentials);
    if (proof === undefined) return;
    const mark = { tag: usernameTag(credentials), proof, until: now + this.knownGoodMs };
    for (const listener of this.knownGoodListeners) listener(mark);
  }

  /**
   * Upsales has just refused these credentials: this pair is remembered as
   * refused. When Upsales had accepted it before, the user was revoked (or
   * their password changed): every password of the username is forgotten,
   * and the username's tag told to `onRevoked` listeners. A wrong password
   * never accepted revokes nothing: it is only a wrong guess.
   */
  refuse(credentials: Credentials, kind: Refusal, now = Date.now()): void {
    const key = credentialsKey(credentials);
    const wasAccepted = this.accepted.has(key);
    this.refused.delete(key);
    this.refused.set(key, { kind, until: now + this.refusedMs });
    this.bound(this.refused);
    if (!wasAccepted) return;
    const tag = usernameTag(credentials);
    this.forget(tag);
    for (const listener of this.revokedListeners) listener(tag);
  }

  /**
   * Forgets every accepted password of the username whose {@link usernameTag}
   * this is (a refusal here, or told by another replica), and tells
   * `onForgotten` listeners; whether there was one.
   */
  forget(tag: string): boolean {
    const prefix = `${tag}\u0000`;
    let found = false;
    for (const key of this.accepted.keys()) {
      if (key.startsWith(prefix)) {
        this.accepted.delete(key);
        found = true;
      }
    }
    for (const key of this.toldKnownGood.keys()) if (key.startsWith(prefix)) this.toldKnownGood.delete(key);
    for (const listener of this.forgottenListeners) listener(tag);
    return found;
  }

  /** Tells `listener` the tag of each username revoked, here or elsewhere (what this process holds for it must end: its streams). */
  onForgotten(listener: (tag: string) => void): () => void {
    this.forgottenListeners.add(listener);
    return () => this.forgottenListeners.delete(listener);
  }

  /** Tells `listener` the tag of each username whose accepted passwords a refusal forgot here (to tell the other replicas). */
  onRevoked(listener: (tag: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private bound(map: Map<string, unknown>): void {
    while (map.size > this.maxEntries) map.delete(map.keys().next().value!);
  }
}
