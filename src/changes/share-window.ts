/**
 * The feed's own share of an account's call budget: at most `calls` of its
 * calls in any `windowMs`, counted as the budget counts them (a call holds
 * its place from the moment it is sent until `windowMs` after its answer).
 * The feed asks here before each call and waits when the share is spent:
 * polls slow down rather than exceed it. The budget itself still decides
 * when the call goes (background priority: never the interactive reserve).
 */
export class ShareWindow {
  /** When each place held comes free: Infinity while its call is in flight. */
  private readonly frees: number[] = [];

  constructor(readonly calls: number, readonly windowMs: number) {
    if (!(calls >= 1)) throw new RangeError('a budget share must allow at least one call per window');
  }

  /** The calls of a share of `budgetCalls` (at least one). */
  static of(share: number, budgetCalls: number, windowMs: number): ShareWindow {
    return new ShareWindow(Math.max(1, Math.floor(share * budgetCalls)), windowMs);
  }

  /** Places held now. */
  used(now = Date.now()): number {
    this.prune(now);
    return this.frees.length;
  }

  /** Waits for a place, holds it, and runs `call`; the place comes free `windowMs` after `call` settles. Rejects with `signal`'s reason when it aborts while waiting. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      this.prune(now);
      if (this.frees.length < this.calls) break;
      await sleep(Math.max(1, Math.min(...this.frees) - now), signal);
    }
    this.frees.push(Infinity);
    try {
      return await call();
    } finally {
      // places in flight are alike: the first one comes free a window from now
      this.frees[this.frees.indexOf(Infinity)] = Date.now() + this.windowMs;
    }
  }

  private prune(now: number): void {
    for (let i = this.frees.length - 1; i >= 0; i--) if (this.frees[i] <= now) this.frees.splice(i, 1);
  }
}

/** Resolves after `ms`, or rejects with `signal`'s reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
