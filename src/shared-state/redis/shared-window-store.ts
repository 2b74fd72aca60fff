/**
 * An account's window shared through Redis, with this process's own calls
 * kept alongside in memory: what it spends alone while Redis is unreachable
 * (UPSALES_FALLBACK_CALLS per window, after a window's wait), and what it
 * puts back into Redis when Redis is back (see redis-link.ts). Losing Redis
 * never fails a call: it only changes which window the call waits for.
 */
import type { RedisClient } from './connection.js';
import { MemoryWindowStore } from '../../budget/memory-window-store.js';
import { RedisLink, type RedisLinkOptions } from './redis-link.js';
import { RedisWindow, type RedisWindowOptions, type SharedReading } from './budget-window.js';
import { defaultInteractiveReserve, type TakeRequest, type TakeVerdict, type WindowState, type WindowStore } from '../../budget/window-store.js';

export class SharedWindowStore implements WindowStore {
  /** This process's own calls of the account: its journal, and its window while alone. */
  readonly own: MemoryWindowStore;
  private joinedEpoch: number;
  private joining?: { epoch: number; done: Promise<void> };
  /** The shared window's count at the latest answer, and when that was. */
  private lastUsed = 0;
  private lastAt = 0;

  /** `forgotten`: called by {@link dispose}, to let go of the store. */
  constructor(private readonly window: RedisWindow, private readonly link: RedisLink, fallbackCalls: number, private readonly forgotten = () => {}) {
    const { windowMs, reserve } = window.options;
    this.own = new MemoryWindowStore({ calls: fallbackCalls, windowMs, reserve: Math.min(reserve, defaultInteractiveReserve(fallbackCalls)) });
    // Nothing of its own to put back yet.
    this.joinedEpoch = link.up ? link.epoch : 0;
  }

  /** Puts this process's own slots of the account back into Redis, once per return of Redis. */
  join(): Promise<void> {
    const epoch = this.link.epoch;
    if (this.joinedEpoch === epoch) return Promise.resolve();
    if (this.joining?.epoch === epoch) return this.joining.done;
    const done = this.window.seed(this.own.own(), this.own.known().blockedUntil).then((reading) => {
      this.note(reading);
      this.joinedEpoch = epoch;
    }).finally(() => {
      if (this.joining?.epoch === epoch) this.joining = undefined;
    });
    this.joining = { epoch, done };
    return done;
  }

  private note({ used, blockedUntil }: SharedReading): void {
    this.lastUsed = used;
    this.lastAt = Date.now();
    if (blockedUntil) this.own.blockUntil(blockedUntil);
  }

  async take(request: TakeRequest): Promise<TakeVerdict> {
    if (this.link.up) {
      try {
        await this.join();
        // Just back: processes that have not put their slots back yet may hold the rest of the window.
        const capped = Date.now() < this.link.cappedUntil ? this.own.refusal(request.priority) : null;
        if (capped) return capped;
        const { verdict, used } = await this.window.take(request);
        this.lastUsed = used;
        this.lastAt = Date.now();
        if (verdict.granted) this.own.record(request.slot);
        else if (verdict.blockedUntil) this.own.blockUntil(verdict.blockedUntil);
        return verdict;
      } catch (error) {
        this.link.lost(error);
      }
    }
    if (Date.now() < this.link.aloneUntil) return { granted: false, retryAt: this.link.aloneUntil };
    return this.own.take(request);
  }

  async release(slot: string, sent = true): Promise<void> {
    await this.own.release(slot, sent);
    if (!this.link.up) return;
    try {
      await this.join();
      this.lastUsed = await this.window.release(slot, sent);
      this.lastAt = Date.now();
    } catch (error) {
      this.link.lost(error);
    }
  }

  async block(ms: number): Promise<number> {
    const until = await this.own.block(ms);
    if (!this.link.up) return until;
    try {
      const shared = await this.window.block(ms);
      this.own.blockUntil(shared);
      return Math.max(until, shared);
    } catch (error) {
      this.link.lost(error);
      return until;
    }
  }

  known(): WindowState {
    const own = this.own.known();
    if (!this.link.up) return own;
    const fresh = Date.now() - this.lastAt < this.window.options.windowMs;
    return { limit: this.window.options.calls, used: fresh ? this.lastUsed : own.used, blockedUntil: own.blockedUntil, shared: true };
  }

  async read(): Promise<WindowState> {
    if (this.link.up) {
      try {
        await this.join();
        this.note(await this.window.read());
      } catch (error) {
        this.link.lost(error);
      }
    }
    return this.known();
  }

  dispose(): void {
    this.forgotten();
  }
}

export interface SharedWindowsOptions extends Omit<RedisWindowOptions, 'pollMs'>, Omit<RedisLinkOptions, 'windowMs' | 'fallbackCalls'> {
  /** UPSALES_FALLBACK_CALLS: calls per window this process spends alone while Redis is unreachable. */
  fallbackCalls: number;
}

export interface SharedWindows {
  /**
   * The shared window of an account (by its accountKey): the same store for
   * the same account until the budget holding it disposes of it.
   */
  windowFor(account: string): WindowStore;
  /** Whether Redis answers now. */
  readonly link: RedisLink;
  close(): void;
}

/** Every account's shared window in this process, over one Redis connection (commands only, no subscriptions). */
export function createSharedWindows(redis: RedisClient, options: SharedWindowsOptions): SharedWindows {
  const link = new RedisLink(redis, { ...options, windowMs: options.windowMs });
  const windowOptions: RedisWindowOptions = {
    calls: options.calls, windowMs: options.windowMs, reserve: options.reserve, holdMs: options.holdMs,
    // a full window is asked again at least 20 times per window, at most every 250 ms
    pollMs: Math.max(10, Math.min(250, Math.round(options.windowMs / 20))),
  };
  const waiter = `${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const stores = new Map<string, SharedWindowStore>();
  return {
    link,
    windowFor(account) {
      let store = stores.get(account);
      if (!store) {
        const made: SharedWindowStore = new SharedWindowStore(new RedisWindow(redis, account, windowOptions, waiter), link, options.fallbackCalls, () => {
          if (stores.get(account) === made) stores.delete(account);
          link.forget(made);
        });
        stores.set(account, store = made);
        link.register(made);
      }
      return store;
    },
    close: () => link.close(),
  };
}
