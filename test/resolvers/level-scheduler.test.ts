/**
 * The level scheduler holds DataLoader batches while the request waits on an
 * upstream call that could add to them, so that loads asked for by the
 * answer's resolvers join them; calls started beside a batch (in its turn)
 * do not hold it.
 */
import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import { LevelScheduler } from '../../resolvers/level-scheduler.js';

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

  it('does not hold a batch for a call started in its own turn (a sibling\'s metadata list)', async () => {
    const levels = new LevelScheduler();
    const { loader, batches } = recordingLoader(levels);
    let sent = -1;
    const answer = levels.track(() => later('rows', 5)).then(() => {
      const sibling = levels.track(() => later('list', 50));
      const load = loader.load(1).then((value) => {
        sent = Date.now();
        return value;
      });
      return Promise.all([sibling.then(() => Date.now()), load]);
    });
    const [siblingAnswered] = await answer;
    expect(batches).toEqual([[1]]);
    expect(sent).toBeLessThan(siblingAnswered);
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
