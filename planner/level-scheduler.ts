/**
 * Breadth-first sending for one request. A batch of loads (a DataLoader
 * batch) is not sent at the end of its tick but when the request waits on no
 * upstream call: by then every parent of the level has arrived and asked for
 * its children, so the loads of one level go out together, one call per
 * (level, kind) at any width, as grafast's planner runs one step per layer
 * for all parents. Pending batches of other levels that are ready go in the
 * same wave.
 */
import type { BatchSchedule } from '../resolvers/loaders.js';

export class LevelScheduler {
  private inFlight = 0;
  private pending: (() => void)[] = [];
  private checkQueued = false;

  /** Holds a DataLoader batch until the request's next wave. */
  readonly schedule: BatchSchedule = (dispatch) => {
    this.pending.push(dispatch);
    this.queueCheck();
  };

  /** Runs `call`, counting it in flight until it settles. */
  track<T>(call: () => T): T {
    this.inFlight += 1;
    let result: T;
    try {
      result = call();
    } catch (error) {
      this.settled();
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.settled();
      return result;
    }
    return result.finally(() => this.settled()) as T;
  }

  private settled(): void {
    this.inFlight -= 1;
    this.queueCheck();
  }

  /**
   * Checks after the microtasks and ticks queued so far have run (the
   * resolvers of an answer that just arrived ask for their children in them).
   */
  private queueCheck(): void {
    if (this.checkQueued || this.pending.length === 0) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      if (this.inFlight > 0) return;
      const wave = this.pending;
      this.pending = [];
      for (const dispatch of wave) dispatch();
    });
  }
}
