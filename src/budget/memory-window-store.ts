/**
 * An account's sliding window in this process's memory: the budget of a
 * process that shares it with no other (no REDIS_URL). A Redis store also
 * keeps one of these per account as its journal of this process's own
 * calls: what it spends alone while Redis is unreachable, and what it puts
 * back into a Redis that has come back empty.
 */
import type { TakeRequest, TakeVerdict, WindowState, WindowStore } from './window-store.js';

export interface MemoryWindowOptions {
  calls: number;
  windowMs: number;
  /** Slots background calls never take. */
  reserve: number;
}

/** This process's own slots, for a Redis that lost them: ids in flight, and when each answered one stops counting. */
export interface OwnSlots {
  inFlight: string[];
  /** Epoch ms, ascending. */
  releases: number[];
}

export class MemoryWindowStore implements WindowStore {
  private readonly inFlight = new Set<string>();
  /** When each answered call stops counting, ascending. */
  private releases: number[] = [];
  private blockedUntilMs = 0;

  constructor(readonly options: MemoryWindowOptions) {}

  take({ slot, priority }: TakeRequest): Promise<TakeVerdict> {
    return Promise.resolve(this.takeNow(slot, priority === 'interactive' ? this.options.calls : this.options.calls - this.options.reserve));
  }

  /** Takes a slot if fewer than `cap` are used. */
  takeNow(slot: string, cap: number): TakeVerdict {
    const now = Date.now();
    if (this.blockedUntilMs > now) return { granted: false, blockedUntil: this.blockedUntilMs };
    if (this.used(now) >= cap) return { granted: false, retryAt: this.releases[0] };
    this.inFlight.add(slot);
    return { granted: true };
  }

  /** Counts a slot another store granted (the journal of a Redis store). */
  record(slot: string): void {
    this.inFlight.add(slot);
  }

  release(slot: string, sent = true): Promise<void> {
    if (this.inFlight.delete(slot) && sent) {
      const release = Date.now() + this.options.windowMs;
      let at = this.releases.length;
      while (at > 0 && this.releases[at - 1] > release) at--;
      this.releases.splice(at, 0, release);
    }
    return Promise.resolve();
  }

  block(ms: number): Promise<number> {
    this.blockUntil(Date.now() + ms);
    return Promise.resolve(this.blockedUntilMs);
  }

  blockUntil(until: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, until);
  }

  known(): WindowState {
    const now = Date.now();
    return {
      limit: this.options.calls,
      used: this.used(now),
      blockedUntil: this.blockedUntilMs > now ? this.blockedUntilMs : null,
      shared: false,
    };
  }

  read(): Promise<WindowState> {
    return Promise.resolve(this.known());
  }

  /** Calls in flight or answered less than a window ago. */
  used(now = Date.now()): number {
    let expired = 0;
    while (expired < this.releases.length && this.releases[expired] <= now) expired++;
    if (expired) this.releases = this.releases.slice(expired);
    return this.inFlight.size + this.releases.length;
  }

  /** The slots this window holds now. */
  own(): OwnSlots {
    this.used();
    return { inFlight: [...this.inFlight], releases: [...this.releases] };
  }
}
