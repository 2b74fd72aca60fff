/**
 * Following one import job: its state now, then each change, until it is
 * completed, failed or cancelled, or the follower stops. Changes come as
 * published states (this process's or, through Redis, another's), and one
 * older than the state last told is dropped; a job not run here is also read again every few seconds, since a change
 * Redis missed while it was away is stored again when it is back, but not
 * published again. Stopping (`return()`, or the signal) ends a pending wait
 * at once and unsubscribes.
 */
import { FINAL_STATES, type JobView } from '../store/types.js';

export interface WatchSource {
  /** The job now. */
  read(): Promise<JobView>;
  /** Subscribes to the job's published states; returns the unsubscribe. */
  follow(listener: (view: JobView) => void): () => void;
  /** How long to wait for a published state before reading the job again (Infinity: only wait). */
  pollMs(): number;
}

/** Whether `b` says something `a` did not: state, reason or counts. */
const changed = (a: JobView, b: JobView) =>
  a.state !== b.state || a.reason !== b.reason || a.done !== b.done || a.total !== b.total || a.staged !== b.staged;

/**
 * Whether `b` is older than `a`: a job's rows done never go down, but a
 * published state can reach a follower after a read that is newer (the
 * first read, a poll) or after a later publish (two Redis Cluster nodes).
 */
const behind = (a: JobView, b: JobView) => !FINAL_STATES.includes(b.state) && b.done < a.done;

export function watchJob(source: WatchSource, signal?: AbortSignal): AsyncIterableIterator<JobView> {
  const inbox: JobView[] = [];
  let wake: (() => void) | undefined;
  let last: JobView | undefined;
  let closed = false;
  const unsubscribe = source.follow((view) => {
    inbox.push(view);
    wake?.();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    wake?.();
    signal?.removeEventListener('abort', close);
  };
  signal?.addEventListener('abort', close);
  const done = (): IteratorResult<JobView> => ({ done: true, value: undefined });

  /** Waits for a published state, a stop, or `ms`; true when the wait ran out. */
  const waitFor = (ms: number) => new Promise<boolean>((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => resolve(true), ms) : undefined;
    wake = () => {
      clearTimeout(timer);
      resolve(false);
    };
  }).finally(() => {
    wake = undefined;
  });

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (closed || signal?.aborted) return (close(), done());
      if (!last) {
        try {
          last = await source.read();
        } catch (error) {
          close();
          throw error;
        }
        return { done: false, value: last };
      }
      while (!closed) {
        if (FINAL_STATES.includes(last.state)) break;
        let next = inbox.shift();
        if (!next && await waitFor(source.pollMs()) && !closed) next = await source.read().catch(() => undefined);
        next ??= inbox.shift();
        if (next && changed(last, next) && !behind(last, next)) {
          last = next;
          return { done: false, value: next };
        }
      }
      close();
      return done();
    },
    async return() {
      close();
      return done();
    },
  };
}
