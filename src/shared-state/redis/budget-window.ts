/**
 * One account's sliding window in Redis, shared by every process on the
 * account: each operation is one atomic script on Redis' clock (see
 * redis-window-scripts.ts). Redis' failures reach the caller as they are;
 * SharedWindowStore decides what to do without Redis.
 */
import type { RedisClient } from './connection.js';
import { accountTag } from '../../account/account-tag.js';
import { runScript } from './script.js';
import type { CallPriority } from '../../budget/call-queue.js';
import type { OwnSlots } from '../../budget/memory-window-store.js';
import { SCRIPTS } from './budget-window-scripts.js';
import type { TakeRequest, TakeVerdict } from '../../budget/window-store.js';

export interface RedisWindowOptions {
  calls: number;
  windowMs: number;
  /** Slots background calls never take. */
  reserve: number;
  /** Longest a call in flight counts: its timeout plus a window (a process that dies mid-call never answers it). */
  holdMs: number;
  /** Longest wait before asking again while the window is full: other processes' calls in flight may be answered sooner than `holdMs` says. */
  pollMs: number;
}

/**
 * The keys of an account's window; one hash tag, so a script may use them
 * all. The account is named by its {@link accountTag}: no username (and
 * never a password) is in a key.
 */
export function windowKeys(account: string): { slots: string; block: string; waiting: string } {
  const base = `upsales-graphql:budget:{${accountTag(account).slice(0, 32)}}`;
  return { slots: `${base}:slots`, block: `${base}:block`, waiting: `${base}:waiting` };
}

export interface SharedReading {
  used: number;
  /** Epoch ms on this process's clock. */
  blockedUntil: number | null;
}

export class RedisWindow {
  private readonly keys: ReturnType<typeof windowKeys>;

  /** `waiter` names this process in the account's list of processes with interactive calls waiting. */
  constructor(private readonly redis: RedisClient, account: string, readonly options: RedisWindowOptions, private readonly waiter: string) {
    this.keys = windowKeys(account);
  }

  private get ttlMs(): number {
    return this.options.holdMs + this.options.windowMs;
  }

  async take({ slot, priority, interactiveWaiting }: TakeRequest): Promise<{ verdict: TakeVerdict; used: number }> {
    const { calls, reserve, holdMs, pollMs } = this.options;
    const [code, ms, used] = await runScript(this.redis, SCRIPTS.take, [this.keys.slots, this.keys.block, this.keys.waiting], [
      slot, priority satisfies CallPriority, calls, reserve, holdMs, pollMs, this.waiter, interactiveWaiting ? '1' : '0', this.ttlMs,
    ]) as [number, number, number];
    const at = Date.now() + ms;
    if (code === 2) return { verdict: { granted: true }, used };
    return { verdict: code === 0 ? { granted: false, blockedUntil: at } : { granted: false, retryAt: at }, used };
  }

  async release(slot: string, sent: boolean): Promise<number> {
    return await runScript(this.redis, SCRIPTS.release, [this.keys.slots], [slot, this.options.windowMs, this.ttlMs, sent ? '1' : '0']) as number;
  }

  /** Blocks the account for `ms` from now (Redis' now); resolves with the block's end on this process's clock. */
  async block(ms: number): Promise<number> {
    const left = await runScript(this.redis, SCRIPTS.block, [this.keys.slots, this.keys.block], [Math.ceil(ms)]) as number;
    return Date.now() + left;
  }

  async read(): Promise<SharedReading> {
    const [used, blockedFor] = await runScript(this.redis, SCRIPTS.state, [this.keys.slots, this.keys.block], []) as [number, number];
    return { used, blockedUntil: blockedFor > 0 ? Date.now() + blockedFor : null };
  }

  /** Puts back this process's own slots and the block it knows of (slots Redis still has stay as they are). */
  async seed(own: OwnSlots, blockedUntil: number | null): Promise<SharedReading> {
    const now = Date.now();
    const args: (string | number)[] = [this.ttlMs, blockedUntil && blockedUntil > now ? blockedUntil - now : 0];
    // A call in flight counts `holdMs` from now: later than from its send, never shorter.
    own.inFlight.forEach((slot) => args.push(slot, this.options.holdMs));
    for (const { slot, at } of own.releases) args.push(slot, Math.max(1, at - now));
    const [used, blockedFor] = await runScript(this.redis, SCRIPTS.seed, [this.keys.slots, this.keys.block], args) as [number, number];
    return { used, blockedUntil: blockedFor > 0 ? Date.now() + blockedFor : null };
  }
}
