/**
 * The interactive reserve of the in-memory window: background calls never
 * take its last slots, so an interactive call arriving after an import has
 * filled what it may goes at once instead of a window later.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallBudget, defaultInteractiveReserve, MemoryWindowStore } from '../../src/budget/index.js';

const T0 = Date.UTC(2024, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Calls that answer after `ms`, recording when each was sent. */
function recorder() {
  const sent: { name: string; at: number }[] = [];
  const call = (name: string, ms = 10) => () => {
    sent.push({ name, at: Date.now() - T0 });
    return new Promise<string>((resolve) => setTimeout(() => resolve(name), ms));
  };
  return { sent, call };
}

describe('the interactive reserve', () => {
  it('is a ninth of the window by default (5 of 45), at least one, always below the window', () => {
    expect([1, 2, 9, 18, 20, 45, 100].map(defaultInteractiveReserve)).toEqual([0, 1, 1, 2, 3, 5, 12]);
  });

  it('keeps the last slots from background calls: an interactive call arriving later goes at once', async () => {
    const budget = new CallBudget({ calls: 5, windowMs: 1000, concurrency: 10, interactiveReserve: 2 });
    const up = recorder();
    const imports = Array.from({ length: 6 }, (_, i) => budget.run(up.call(`b${i}`), { priority: 'background' }));
    await vi.advanceTimersByTimeAsync(100);
    expect(up.sent.map((s) => s.name)).toEqual(['b0', 'b1', 'b2']);
    expect(budget.snapshot()).toMatchObject({ used: 3, remaining: 2, queued: 3 });
    const query = budget.run(up.call('i0'));
    const second = budget.run(up.call('i1'));
    await vi.advanceTimersByTimeAsync(20);
    expect(await query).toBe('i0');
    expect(await second).toBe('i1');
    expect(up.sent.slice(3)).toEqual([{ name: 'i0', at: 100 }, { name: 'i1', at: 100 }]);
    await vi.runAllTimersAsync();
    await Promise.all(imports);
    // the rest of the import never goes into the reserve: one when b0-b2's slots expire (i0 and i1 still count), two when theirs do
    expect(up.sent.slice(5).map((s) => [s.name, s.at])).toEqual([['b3', 1010], ['b4', 1110], ['b5', 1110]]);
  });

  it('refuses a reserve as large as the window', () => {
    expect(() => new CallBudget({ calls: 3, interactiveReserve: 3 })).toThrow(/interactiveReserve/);
  });

  it('is kept by the store itself: a background take stops at calls - reserve', async () => {
    const store = new MemoryWindowStore({ calls: 4, windowMs: 1000, reserve: 1 });
    const take = (slot: string, priority: 'interactive' | 'background') => store.take({ slot, priority, interactiveWaiting: false });
    expect(await take('a', 'background')).toEqual({ granted: true });
    expect(await take('b', 'background')).toEqual({ granted: true });
    expect(await take('c', 'background')).toEqual({ granted: true });
    expect(await take('d', 'background')).toEqual({ granted: false, retryAt: undefined });
    expect(await take('d', 'interactive')).toEqual({ granted: true });
    await store.release('a');
    expect(await take('e', 'interactive')).toEqual({ granted: false, retryAt: T0 + 1000 });
    await store.release('b', false);
    expect(store.known()).toEqual({ limit: 4, used: 3, blockedUntil: null, shared: false });
  });
});

describe('calls in flight', () => {
  it('never has more than `concurrency` sends running, whatever answers first', async () => {
    const budget = new CallBudget({ calls: 1000, windowMs: 100, concurrency: 3 });
    let running = 0;
    let most = 0;
    const call = (ms: number) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
    };
    const all = Promise.all(Array.from({ length: 40 }, (_, i) => budget.run(call(1 + ((i * 7) % 5)))));
    await vi.runAllTimersAsync();
    await all;
    expect(most).toBe(3);
    expect(budget.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});
