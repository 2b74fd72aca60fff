import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BudgetWaitError, CallBudget, createBudgetRegistry, type CallPriority } from '../../src/budget/index.js';

const T0 = Date.UTC(2024, 0, 1);

/** A fake upstream on the fake clock: records when each call was sent and answered. */
function fakeUpstream() {
  const sent: { name: string; at: number }[] = [];
  const answered: { name: string; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const call = (name: string, durationMs: number, outcome: () => unknown = () => name) => () => {
    sent.push({ name, at: Date.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<unknown>((resolve, reject) => {
      setTimeout(() => {
        inFlight--;
        answered.push({ name, at: Date.now() });
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      }, durationMs);
    });
  };
  return { sent, answered, call, maxInFlight: () => maxInFlight };
}

const throttled = (retryAfterMs?: number) => Object.assign(new Error('throttled'), { kind: 'THROTTLED', retryAfterMs });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CallBudget', () => {
  it('sends calls in FIFO order', async () => {
    const budget = new CallBudget({ calls: 100, windowMs: 1000, concurrency: 1 });
    const up = fakeUpstream();
    const results = Promise.all([0, 1, 2, 3, 4].map((i) => budget.run(up.call(`c${i}`, 10))));
    await vi.runAllTimersAsync();
    expect(await results).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(up.sent.map((s) => s.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(up.sent.map((s) => s.at - T0)).toEqual([0, 10, 20, 30, 40]);
  });

  it('sends interactive calls before background ones, FIFO within each', async () => {
    const budget = new CallBudget({ calls: 100, windowMs: 1000, concurrency: 1 });
    const up = fakeUpstream();
    const order: [string, CallPriority][] = [
      ['first', 'background'], ['b1', 'background'], ['i1', 'interactive'], ['b2', 'background'], ['i2', 'interactive'], ['i3', 'interactive'],
    ];
    const all = Promise.all(order.map(([name, priority]) => budget.run(up.call(name, 5), { priority })));
    await vi.runAllTimersAsync();
    await all;
    expect(up.sent.map((s) => s.name)).toEqual(['first', 'i1', 'i2', 'i3', 'b1', 'b2']);
  });

  it('never has more than `calls` calls in any window, counting each from its send until windowMs after its answer', async () => {
    const calls = 5;
    const windowMs = 1000;
    const budget = new CallBudget({ calls, windowMs, concurrency: 3 });
    const up = fakeUpstream();
    const n = 23;
    const all = Promise.all(Array.from({ length: n }, (_, i) => budget.run(up.call(`c${i}`, (i * 37) % 200))));
    await vi.runAllTimersAsync();
    await all;
    expect(up.sent).toHaveLength(n);
    const spans = up.sent.map((s) => ({ from: s.at, to: up.answered.find((a) => a.name === s.name)!.at + windowMs }));
    for (const { from } of spans) {
      const counted = spans.filter((span) => span.from <= from && from < span.to).length;
      expect(counted).toBeLessThanOrEqual(calls);
    }
    // what the upstream sees: arrivals (here: sends) in any window (t - windowMs, t]
    for (const { at } of up.sent) expect(up.sent.filter((s) => s.at > at - windowMs && s.at <= at).length).toBeLessThanOrEqual(calls);
    expect(up.maxInFlight()).toBe(3);
    // the budget is used fully: 5 sent at once, then one more as each slot frees
    expect(up.sent.slice(0, 3).map((s) => s.at - T0)).toEqual([0, 0, 0]);
    expect(up.sent[5].at - T0).toBe(windowMs);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const budget = new CallBudget({ calls: 1000, windowMs: 100, concurrency: 4 });
    const up = fakeUpstream();
    const all = Promise.all(Array.from({ length: 30 }, (_, i) => budget.run(up.call(`c${i}`, 10 + (i % 3)))));
    await vi.advanceTimersByTimeAsync(1);
    expect(budget.snapshot()).toMatchObject({ inFlight: 4, queued: 26, used: 4, remaining: 996 });
    await vi.runAllTimersAsync();
    await all;
    expect(up.maxInFlight()).toBe(4);
    expect(up.sent).toHaveLength(30);
  });

  it('reports its state in snapshot()', async () => {
    const budget = new CallBudget({ calls: 3, windowMs: 1000, concurrency: 2 });
    const up = fakeUpstream();
    expect(budget.snapshot()).toEqual({ limit: 3, windowMs: 1000, used: 0, remaining: 3, queued: 0, inFlight: 0, blockedUntil: null });
    const all = Promise.all([0, 1, 2, 3].map((i) => budget.run(up.call(`c${i}`, 100))));
    await vi.advanceTimersByTimeAsync(50);
    expect(budget.snapshot()).toMatchObject({ used: 2, remaining: 1, queued: 2, inFlight: 2 });
    await vi.advanceTimersByTimeAsync(100);
    expect(budget.snapshot()).toMatchObject({ used: 3, remaining: 0, queued: 1, inFlight: 1 });
    await vi.runAllTimersAsync();
    await all;
    expect(up.sent.map((s) => s.at - T0)).toEqual([0, 0, 100, 1100]);
    expect(Date.now() - T0).toBe(1200);
    expect(budget.snapshot()).toMatchObject({ used: 1, remaining: 2, queued: 0, inFlight: 0 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(budget.snapshot()).toMatchObject({ used: 0, remaining: 3, queued: 0, inFlight: 0 });
  });

  it('reports the time each send waited in the queue', async () => {
    const budget = new CallBudget({ calls: 100, windowMs: 1000, concurrency: 1 });
    const up = fakeUpstream();
    const waits: number[] = [];
    const all = Promise.all([0, 1, 2].map((i) => budget.run(up.call(`c${i}`, 40), { onSend: (ms) => waits.push(ms) })));
    await vi.runAllTimersAsync();
    await all;
    expect(waits).toEqual([0, 40, 80]);
  });

  it('passes other failures through and frees the slot', async () => {
    const budget = new CallBudget({ calls: 10, windowMs: 1000, concurrency: 1 });
    const up = fakeUpstream();
    const failing = budget.run(up.call('bad', 10, () => { throw new Error('nope'); }));
    const next = budget.run(up.call('good', 10));
    const failed = expect(failing).rejects.toThrow('nope');
    await vi.runAllTimersAsync();
    await failed;
    expect(await next).toBe('good');
    expect(up.sent.map((s) => s.at - T0)).toEqual([0, 10]);
  });

  it('on THROTTLED stops every call until the block has lifted, then re-sends the throttled call first', async () => {
    const budget = new CallBudget({ calls: 100, windowMs: 1000, concurrency: 2, blockMarginMs: 100 });
    const up = fakeUpstream();
    let attempts = 0;
    const victim = budget.run(up.call('victim', 20, () => (++attempts === 1 ? Promise.reject(throttled(500)) : 'victim ok')));
    const other = budget.run(up.call('other', 50));
    const later = [1, 2, 3].map((i) => budget.run(up.call(`later${i}`, 10)));
    await vi.advanceTimersByTimeAsync(30);
    // victim answered THROTTLED at 20: blocked until 20 + 500 + 100
    expect(budget.snapshot().blockedUntil).toEqual(new Date(T0 + 620));
    expect(budget.snapshot().queued).toBe(4);
    await vi.advanceTimersByTimeAsync(580);
    expect(up.sent.map((s) => s.name)).toEqual(['victim', 'other']);
    await vi.runAllTimersAsync();
    expect(await victim).toBe('victim ok');
    expect(await other).toBe('other');
    expect(await Promise.all(later)).toEqual(['later1', 'later2', 'later3']);
    const sends = up.sent.map((s) => [s.name, s.at - T0]);
    expect(sends).toEqual([
      ['victim', 0], ['other', 0], ['victim', 620], ['later1', 620], ['later2', 630], ['later3', 640],
    ]);
    expect(budget.snapshot().blockedUntil).toBeNull();
  });

  it('uses the configured block time when the fault has no retryAfterMs', async () => {
    const budget = new CallBudget({ calls: 100, windowMs: 1000, concurrency: 1, blockMs: 2000, blockMarginMs: 0 });
    const up = fakeUpstream();
    let attempts = 0;
    const victim = budget.run(up.call('victim', 10, () => (++attempts === 1 ? Promise.reject(throttled()) : 'ok')));
    await vi.runAllTimersAsync();
    expect(await victim).toBe('ok');
    expect(up.sent.map((s) => s.at - T0)).toEqual([0, 2010]);
  });

  it('gives up with BudgetWaitError (cause: the THROTTLED fault) when the block outlasts maxWaitMs', async () => {
    const budget = new CallBudget({ calls: 100, windowMs: 1000, concurrency: 1, blockMarginMs: 0 });
    const up = fakeUpstream();
    const fault = throttled(5000);
    const victim = budget.run(up.call('victim', 10, () => Promise.reject(fault)), { maxWaitMs: 1000 });
    const queued = budget.run(up.call('queued', 10), { maxWaitMs: 1000 });
    const patient = budget.run(up.call('patient', 10));
    const victimFailed = expect(victim).rejects.toMatchObject({ name: 'BudgetWaitError', cause: fault });
    const queuedFailed = expect(queued).rejects.toBeInstanceOf(BudgetWaitError);
    await vi.advanceTimersByTimeAsync(1000);
    await victimFailed;
    await queuedFailed;
    expect(up.sent.map((s) => s.name)).toEqual(['victim']);
    await vi.runAllTimersAsync();
    expect(await patient).toBe('patient');
    expect(up.sent.map((s) => [s.name, s.at - T0])).toEqual([['victim', 0], ['patient', 5010]]);
  });
});

describe('budgetForAccount', () => {
  it('shares one budget per upstream and username, and no more', () => {
    const registry = createBudgetRegistry({ calls: 7 });
    const a = registry.budgetForAccount('https://crm.example/wsapi', 'Admin@demo.test');
    expect(registry.budgetForAccount('https://crm.example/wsapi/', 'admin@demo.test')).toBe(a);
    expect(registry.budgetForAccount('https://crm.example/wsapi', 'sales@demo.test')).not.toBe(a);
    expect(registry.budgetForAccount('https://other.example/wsapi', 'admin@demo.test')).not.toBe(a);
    expect(a.snapshot().limit).toBe(7);
  });

  it('forgets idle budgets when another account appears, and keeps a budget with calls in its window', async () => {
    const registry = createBudgetRegistry({ calls: 7, windowMs: 1000 });
    const up = fakeUpstream();
    const busy = registry.budgetForAccount('https://crm.example/wsapi', 'busy@demo.test');
    const done = busy.run(up.call('one', 10));
    await vi.advanceTimersByTimeAsync(10);
    expect(await done).toBe('one');
    const idle = registry.budgetForAccount('https://crm.example/wsapi', 'idle@demo.test');
    expect(registry.budgetForAccount('https://crm.example/wsapi', 'busy@demo.test')).toBe(busy);
    registry.budgetForAccount('https://crm.example/wsapi', 'new@demo.test');
    expect(registry.budgetForAccount('https://crm.example/wsapi', 'busy@demo.test')).toBe(busy);
    expect(registry.budgetForAccount('https://crm.example/wsapi', 'idle@demo.test')).not.toBe(idle);
    // Once its window has passed, the busy one is idle too and may go.
    await vi.advanceTimersByTimeAsync(1000);
    expect(busy.isIdle()).toBe(true);
  });
});

describe('CallBudget wait limits', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
  });

  it('sends a call with maxWaitMs 0 when the budget allows it now, and refuses it otherwise', async () => {
    const budget = new CallBudget({ calls: 1, windowMs: 1000, concurrency: 1 });
    const up = fakeUpstream();
    const first = budget.run(up.call('first', 10), { maxWaitMs: 0 });
    const second = budget.run(up.call('second', 10), { maxWaitMs: 0 });
    const refused = expect(second).rejects.toMatchObject({ name: 'BudgetWaitError', blockedUntil: null });
    await vi.runAllTimersAsync();
    expect(await first).toBe('first');
    await refused;
    expect(up.sent.map((s) => s.name)).toEqual(['first']);
  });
});
