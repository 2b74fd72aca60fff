/**
 * Where an account's sliding window of calls lives: this process's memory,
 * or Redis, shared by every process on the account. A call takes a slot
 * before it is sent and gives it back as answered; its slot then counts
 * for one more window. The CallBudget keeps its queue, priorities and
 * in-flight cap in-process on top of a store and never knows which one it has.
 */
import type { CallPriority } from './call-queue.js';

export interface TakeRequest {
  /** Names the slot for `release`; unique per send. */
  slot: string;
  priority: CallPriority;
  /** Whether interactive calls of this process wait behind this one (background work elsewhere holds back meanwhile). */
  interactiveWaiting: boolean;
}

export type TakeVerdict =
  | { granted: true }
  | {
    granted: false;
    /** Epoch ms (this process's clock) worth asking again; none: when a call of this process is answered. */
    retryAt?: number;
    /** Set when the account is blocked: no slot for anyone before then (epoch ms, this process's clock). */
    blockedUntil?: number;
  };

export interface WindowState {
  /** Calls allowed in the window now (a Redis store cut off from Redis allows fewer). */
  limit: number;
  /** Calls counted in the window: in flight, or answered less than a window ago. */
  used: number;
  /** Epoch ms (this process's clock) until which the account is blocked, or null. */
  blockedUntil: number | null;
  /** Whether other processes share this window now. */
  shared: boolean;
}

export interface WindowStore {
  /** Takes a slot for a call about to be sent, or says when to ask again. */
  take(request: TakeRequest): Promise<TakeVerdict>;
  /**
   * The call of `slot` was answered (or failed) now: its slot counts until a
   * window from now. `sent: false`: it never left, and its slot is free again.
   */
  release(slot: string, sent?: boolean): Promise<void>;
  /** Upsales blocked the account: no slot for anyone for `ms` from now. Resolves with the block's end (epoch ms). */
  block(ms: number): Promise<number>;
  /** The window as this process knows it now, without I/O: exact in memory; in Redis, as of the latest answer. */
  known(): WindowState;
  /** The window now (one round trip with Redis). */
  read(): Promise<WindowState>;
  /** The budget that owned this store is forgotten (idle): let go of what keeps the store. The budget registry alone decides when. */
  dispose?(): void;
}

/**
 * Slots that background (import) calls never take, so an interactive query
 * arriving during an import starts at once: a ninth of the window (5 of 45,
 * one typical page's calls), at least 1 and always fewer than `calls`.
 */
export const defaultInteractiveReserve = (calls: number): number => Math.min(calls - 1, Math.max(1, Math.ceil(calls / 9)));
