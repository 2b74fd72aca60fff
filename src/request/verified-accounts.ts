/**
 * Credentials Upsales has accepted lately. What makes no SOAP call of its own
 * (`rateLimit`, import jobs, result downloads, answers kept in the read
 * cache) must still act only for a caller whose password is right: a check
 * call per account and password, or any call of theirs Upsales answered,
 * then remembered for a while. Keyed by the username and a SHA-256 of the
 * password; the password itself is never kept.
 */
import { createHash } from 'node:crypto';
import type { Credentials } from '../upstream/types.js';

/** How long an accepted username and password stay accepted. @default 10 minutes */
export const VERIFIED_TTL_MS = 10 * 60_000;

export class VerifiedAccounts {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs = VERIFIED_TTL_MS) {}

  private static key({ username, password }: Credentials): string {
    return `${username.trim().toLowerCase()}\u0000${createHash('sha256').update(password).digest('hex')}`;
  }

  /** Whether these credentials were accepted less than the TTL ago. */
  isVerified(credentials: Credentials, now = Date.now()): boolean {
    return (this.until.get(VerifiedAccounts.key(credentials)) ?? 0) > now;
  }

  /**
   * Resolves when the credentials are accepted: at once when known, else
   * after `check` (one upstream call that throws when Upsales refuses them).
   */
  async verify(credentials: Credentials, check: () => Promise<unknown>): Promise<void> {
    const now = Date.now();
    if (this.isVerified(credentials, now)) return;
    await check();
    this.accept(credentials);
  }

  /** Remembers credentials Upsales has just accepted (it answered a call of theirs) for another TTL. */
  accept(credentials: Credentials, now = Date.now()): void {
    const key = VerifiedAccounts.key(credentials);
    if (!this.until.has(key)) for (const [other, until] of this.until) if (until <= now) this.until.delete(other);
    this.until.set(key, now + this.ttlMs);
  }
}
