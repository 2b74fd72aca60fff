/**
 * Whether this process shares its call budgets through Redis now, as the
 * budget sees its one Redis connection:
 *
 * - up: every account's window is the shared one in Redis;
 * - down (Redis unreachable, a command failed or timed out): each process
 *   goes on alone, but only after one window (plus a margin) from the loss,
 *   because the shared window it can no longer see may have been full; then
 *   within UPSALES_FALLBACK_CALLS per window;
 * - back (ioredis reconnected): each store puts its own slots of the last
 *   window (and a block it knows of) back into Redis before it takes
 *   another, since a Redis that restarted empty must not reset the window;
 *   for one more window a process also keeps to its fallback share, as other
 *   processes may not have put theirs back yet.
 *
 * Each change is logged once per process, without credentials.
 */
import type { RedisClient } from './connection.js';

/** A store the link tells when Redis is back, so its slots go back into Redis. */
export interface Rejoining {
  join(): Promise<void>;
}

export interface RedisLinkOptions {
  windowMs: number;
  /** Added to the wait after a loss and to the capped window after a return. */
  marginMs: number;
  /** Calls per window a process spends alone, for the log line. */
  fallbackCalls: number;
  /** Where Redis is, without credentials (`host:port/db`), for the log line. */
  label: string;
  log(message: string): void;
}

export class RedisLink {
  /** Redis answers, and windows are shared. */
  up: boolean;
  /** Bumped each time Redis is back: a store whose slots went back at an older epoch puts them back again. */
  epoch = 1;
  /** No call alone before this (epoch ms): one window from the loss. */
  aloneUntil = 0;
  /** Until then (epoch ms), a process also keeps to its fallback share while shared. */
  cappedUntil = 0;
  private readonly stores = new Set<Rejoining>();
  private retry: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(private readonly redis: RedisClient, private readonly options: RedisLinkOptions) {
    this.up = redis.status === 'ready';
    if (!this.up) this.lost(new Error('not connected at start'));
    redis.on('ready', () => this.back());
    redis.on('close', () => this.lost(new Error('connection closed')));
    redis.on('error', (error: Error) => this.lost(error));
  }

  register(store: Rejoining): void {
    this.stores.add(store);
  }

  forget(store: Rejoining): void {
    this.stores.delete(store);
  }

  /** Redis failed us: each process goes on alone, after one window. */
  lost(error: unknown): void {
    if (this.closed) return;
    if (this.up || this.aloneUntil === 0) {
      const { windowMs, marginMs, fallbackCalls, label } = this.options;
      this.up = false;
      this.aloneUntil = Date.now() + windowMs + marginMs;
      const why = (error as NodeJS.ErrnoException | undefined)?.code ?? (error as Error | undefined)?.message ?? 'unknown';
      this.options.log(`Redis at ${label} is unreachable (${why}): the call budget is no longer shared; this process waits one window, `
        + `then spends at most ${fallbackCalls} calls per window alone until Redis is back`);
    }
    // A command that failed on a connection still open (a timeout): no 'ready' will come, so try again later.
    if (this.redis.status === 'ready' && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = null;
        if (this.redis.status === 'ready' && !this.up) this.back();
      }, this.options.windowMs);
      this.retry.unref();
    }
  }

  private back(): void {
    if (this.closed || this.up) return;
    const { windowMs, marginMs, label } = this.options;
    this.epoch++;
    this.up = true;
    this.cappedUntil = Date.now() + windowMs + marginMs;
    this.options.log(`Redis at ${label} is back: the call budget is shared again (each process puts back its calls of the last window)`);
    for (const store of this.stores) store.join().catch((error: unknown) => this.lost(error));
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
  }
}
