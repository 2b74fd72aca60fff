/**
 * The level scheduler holds DataLoader batches while the request waits on an
 * upstream call, so that loads asked for by the answer's resolvers join them.
 */
import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import { LevelScheduler } from '../../planner/level-scheduler.js';

function recordingLoader(levels: LevelScheduler) {
  const batches: number[][] = [];
  const loader = new DataLoader<number, number>(async (keys) => {
    batches.push([...keys]);
    return keys;
  }, { batchScheduleFn: levels.schedule });
  return { loader, batches };
}

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('LevelScheduler', () => {
  it('sends loads asked for while calls are in flight together, once none is', async () => {
    const levels = new LevelScheduler();
    const { loader, batches } = recordingLoader(levels);
    const fast = levels.track(() => later([1, 2], 5)).then((ids) => Promise.all(ids.map((id) => loader.load(id))));
    const slow = levels.track(() => later([3], 30)).then((ids) => Promise.all(ids.map((id) => loader.load(id))));
    await expect(Promise.all([fast, slow])).resolves.toEqual([[1, 2], [3]]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends at once when nothing is in flight, and counts a call that throws as settled', async () => {
    const levels = new LevelScheduler();
    const { loader, batches } = recordingLoader(levels);
    expect(() => levels.track(() => {
      throw new Error('refused');
    })).toThrow('refused');
    await expect(loader.load(7)).resolves.toBe(7);
    await expect(levels.track(() => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    await expect(loader.loadMany([8, 9])).resolves.toEqual([8, 9]);
    expect(batches).toEqual([[7], [8, 9]]);
  });
});
