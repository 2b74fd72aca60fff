/**
 * The request's call ceiling: calls set aside for a step are counted as sent
 * up front and drawn on by that step's calls only, so a step gets all of its
 * calls or is refused before sending any.
 */
import { describe, expect, it } from 'vitest';
import { callCeiling } from '../../src/request/call-ceiling.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('callCeiling', () => {
  it('a step gets every call it set aside, whatever else the request sends meanwhile', async () => {
    const ceiling = callCeiling(3);
    const step = ceiling.reserve(2, async () => {
      await turn();
      ceiling.beforeSend();
      await turn();
      ceiling.beforeSend();
      return 'sent';
    });
    expect(ceiling.left()).toBe(1);
    // Sent beside the step: the last call left, not one of the step's.
    ceiling.beforeSend();
    expect(() => ceiling.beforeSend()).toThrow(/more than MAX_QUERY_CALLS \(3\)/);
    await expect(step).resolves.toBe('sent');
    expect(ceiling.left()).toBe(0);
  });

  it('refuses a step before any of its calls when fewer are left', async () => {
    const ceiling = callCeiling(3);
    ceiling.beforeSend();
    let ran = false;
    await expect(ceiling.reserve(3, async () => {
      ran = true;
    })).rejects.toThrow(/more than MAX_QUERY_CALLS \(3\)/);
    expect(ran).toBe(false);
    expect(ceiling.left()).toBe(2);
  });

  it('gives back what a step did not send (reads answered without a call), and counts its calls past what it set aside', async () => {
    const ceiling = callCeiling(5);
    await ceiling.reserve(3, async () => ceiling.beforeSend());
    expect(ceiling.left()).toBe(4);
    await ceiling.reserve(1, async () => {
      ceiling.beforeSend();
      ceiling.beforeSend();
    });
    expect(ceiling.left()).toBe(2);
    // A call made in the step's context once it has settled draws on nothing.
    let late: Promise<void> | undefined;
    await ceiling.reserve(1, async () => {
      late = turn().then(() => ceiling.beforeSend());
    });
    await late;
    expect(ceiling.left()).toBe(1);
  });

  it('gives back what a step set aside when it fails', async () => {
    const ceiling = callCeiling(5);
    await expect(ceiling.reserve(4, async () => {
      ceiling.beforeSend();
      throw new Error('upstream down');
    })).rejects.toThrow('upstream down');
    expect(ceiling.left()).toBe(4);
  });

  it('refuses every call once closed (the query is answered), set aside or not', async () => {
    const ceiling = callCeiling(5);
    let draw: () => void = () => undefined;
    const step = ceiling.reserve(2, async () => {
      ceiling.beforeSend();
      await new Promise<void>((resolve) => {
        draw = resolve;
      });
      ceiling.beforeSend();
    });
    await turn();
    ceiling.close();
    expect(ceiling.left()).toBe(0);
    expect(() => ceiling.beforeSend()).toThrow(/has been answered/);
    await expect(ceiling.reserve(1, async () => undefined)).rejects.toThrow(/has been answered/);
    draw();
    await expect(step).rejects.toThrow(/has been answered/);
  });
});
