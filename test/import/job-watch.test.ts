/**
 * Following a job never tells progress going back: a published state that
 * reaches the follower after a newer one (after the first read, or after a
 * later publish through another Redis Cluster node) is dropped; a final
 * state always ends the watch.
 */
import { describe, expect, it } from 'vitest';
import { watchJob } from '../../src/import/bus/job-watch.js';
import type { JobState, JobView } from '../../src/import/store/types.js';

const view = (done: number, state: JobState = 'RUNNING'): JobView => ({
  id: 'job', kind: 'client', owner: 'demo', upstream: 'u', state, reason: null, format: 'CSV', options: {}, source: null,
  staged: true, total: 100, created: done, updated: 0, failed: 0, ownerUserId: null, createdAt: 0, startedAt: 0,
  finishedAt: null, done, rate: null, etaSeconds: null,
});

/** A job's published states, told by hand; the store's state is `now`. */
function source(now: JobView) {
  let tell: (view: JobView) => void = () => undefined;
  return {
    publish: (published: JobView) => tell(published),
    set: (next: JobView) => { now = next; },
    watch: () => watchJob({
      read: async () => now,
      follow: (listener) => { tell = listener; return () => { tell = () => undefined; }; },
      pollMs: () => Infinity,
    }),
  };
}

describe('watchJob', () => {
  it('drops a state older than the one told, and tells the newer ones in order', async () => {
    const job = source(view(60));
    const watch = job.watch();
    expect((await watch.next()).value).toMatchObject({ done: 60 });
    job.publish(view(50));
    job.publish(view(60));
    job.publish(view(70));
    job.publish(view(65));
    job.publish(view(70, 'PAUSED'));
    expect((await watch.next()).value).toMatchObject({ done: 70, state: 'RUNNING' });
    expect((await watch.next()).value).toMatchObject({ done: 70, state: 'PAUSED' });
    job.publish(view(40, 'CANCELLED'));
    expect((await watch.next()).value).toMatchObject({ done: 40, state: 'CANCELLED' });
    expect(await watch.next()).toEqual({ done: true, value: undefined });
  });

  it('a state published while the first read is in flight, older than what it read, is not told', async () => {
    const job = source(view(0));
    const watch = job.watch();
    job.set(view(30));
    job.publish(view(20));
    expect((await watch.next()).value).toMatchObject({ done: 30 });
    job.publish(view(40));
    expect((await watch.next()).value).toMatchObject({ done: 40 });
    await watch.return!();
  });
});
