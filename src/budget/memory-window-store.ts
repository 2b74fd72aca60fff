/**
 * An account's sliding window in this process's memory: the budget of a
 * process that shares it with no other (no REDIS_URL). A Redis store also
 * keeps one of these per account as its journal of this process's own
 * calls: what it spends alone while Redis is unreachable, and what it puts
 * back into a Redis that has come back empty.
 */
import type { CallPriority } from './call-queue.js';
import type { TakeRequest, TakeVerdict, WindowState, WindowStore } from './window-store.js';

export interface MemoryWindowOptions {
  calls: number;
  windowMs: number;
  /** Slots background calls never take. */
  reserve: number;
}

/** An answered call's slot, and when it stops counting (epoch ms). */
export interface Release {
  slot: string;
  at: number;
}

/** This process's own slots, for a Redis that lost them: those in flight, and the answered ones (ascending). */
export interface OwnSlots {
  inFlight: string[];
  releases: Release[];
}

export class MemoryWindowStore implements WindowStore {
  private readonly inFlight = new Set<string>();
  /** Answered calls' slots, by when they stop counting. */
  private releases: Release[] = [];
  private blockedUntilMs = 0;

  constructor(readonly options: MemoryWindowOptions) {}

  take({ slot, priority }: TakeRequest): Promise<TakeVerdict> {
    const refused = this.refusal(priority);
    if (!refused) this.inFlight.add(slot);
    return Promise.resolve(refused ?? { granted: true });
  }

  /** Why a call of `priority` may not take a slot now; null when it may. */
  refusal(priority: CallPriority): TakeVerdict | null {
    const now = Date.now();
    if (this.blockedUntilMs > now) return { granted: false, blockedUntil: this.blockedUntilMs };
    const cap = priority === 'interactive' ? this.options.calls : this.options.calls - this.options.reserve;
    return this.used(now) >= cap ? { granted: false, retryAt: this.releases[0]?.at } : null;
  }

  /** Counts a slot another store granted (the journal of a Redis store). */
  record(slot: string): void {
    this.inFlight.add(slot);
  }

  release(slot: string, sent = true): Promise<void> {
    if (this.inFlight.delete(slot) && sent) {
      const release = { slot, at: Date.now() + this.options.windowMs };
      let at = this.releases.length;
      while (at > 0 && this.releases[at - 1].at > release.at) at--;
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
    while (expired < this.releases.length && this.releases[expired].at <= now) expired++;
    if (expired) this.releases = this.releases.slice(expired);
    return this.inFlight.size + this.releases.length;
  }

  /** The slots this window holds now. */
  own(): OwnSlots {
    this.used();
    return { inFlight: [...this.inFlight], releases: [...this.releases] };
  }
}
