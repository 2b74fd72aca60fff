/**
 * Breadth-first sending for one request. A batch of loads (a DataLoader
 * batch) is not sent at the end of its tick but once every upstream call
 * that could still add to it has answered: every parent of the level has then
 * arrived and asked for its children, so the loads of one level go out
 * together, one call per (level, kind) at any width, as grafast's planner
 * runs one step per layer for all parents.
 *
 * A call can add to a pending batch only if it started in an earlier turn
 * (a macrotask and its microtasks) than the batch's first load: calls the
 * batch's siblings started in the same turn (a metadata list, a lookup of
 * custom fields) answer a deeper level, so the batch does not wait for them.
 *
 * Waves are sent in the scheduler's own async context, not in that of the
 * call whose answer released them: a wave is no part of that call's step
 * (whose calls were set aside under the request's call ceiling).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { BatchSchedule } from './loaders.js';

export class LevelScheduler {
  /** Turns seen so far: everything that happens in one macrotask shares one. */
  private turn = 0;
  private turnEnding = false;
  /** The turn each call in flight started in. */
  private readonly inFlight = new Map<symbol, number>();
  private pending: { dispatch: () => void; turn: number }[] = [];
  private checkQueued = false;
  /** Runs a function in the async context the scheduler was made in. */
  private readonly inOwnContext = AsyncLocalStorage.snapshot();

  /** Holds a DataLoader batch until the calls that may add to it have answered. */
  readonly schedule: BatchSchedule = (dispatch) => {
    this.pending.push({ dispatch, turn: this.now() });
    this.queueCheck();
  };

  /** Runs `call`, counting it in flight until it settles. */
  track<T>(call: () => T): T {
    const id = Symbol('call');
    this.inFlight.set(id, this.now());
    let result: T;
    try {
      result = call();
    } catch (error) {
      this.settled(id);
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.settled(id);
      return result;
    }
    return result.finally(() => this.settled(id)) as T;
  }

  /** The current turn; it ends once the microtasks and ticks queued in it have run. */
  private now(): number {
    if (!this.turnEnding) {
      this.turnEnding = true;
      setImmediate(() => {
        this.turn += 1;
        this.turnEnding = false;
      });
    }
    return this.turn;
  }

  private settled(id: symbol): void {
    this.inFlight.delete(id);
    this.queueCheck();
  }

  /** Checks after the microtasks and ticks queued so far (the resolvers of an answer just arrived) have run. */
  private queueCheck(): void {
    if (this.checkQueued || this.pending.length === 0) return;
    this.checkQueued = true;
    setImmediate(() => this.inOwnContext(() => {
      this.checkQueued = false;
      const oldest = Math.min(...this.pending.map((batch) => batch.turn));
      for (const started of this.inFlight.values()) if (started < oldest) return;
      const wave = this.pending;
      this.pending = [];
      for (const { dispatch } of wave) dispatch();
    }));
  }
}
