/**
 * Nonces seen inside the freshness window, so a replayed PasswordDigest token
 * is refused. Bounded: entries expire with the window, and the oldest are
 * dropped beyond `maxEntries` (a token that old is refused as stale anyway).
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number, private readonly maxEntries = 100_000) {}

  /** Records a nonce; false if it was already seen within the window. */
  remember(nonce: string, now: number): boolean {
    this.prune(now);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now + this.windowMs);
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  private prune(now: number): void {
    for (const [nonce, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(nonce);
    }
  }
}
