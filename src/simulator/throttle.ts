/**
 * The per-user throttle of the contract: a sliding window of `windowMs`; the
 * call that takes a user over `calls` in the window blocks the user. While
 * blocked, every call fails and restarts the block timer; the block lifts
 * after `blockMs` with no calls.
 */
export interface ThrottleRules {
  calls: number;
  windowMs: number;
  blockMs: number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterMs: number; newBlock: boolean };

interface UserState {
  /** Times of the calls inside the window, oldest first. */
  times: number[];
  blockedUntil: number;
}

export class Throttle {
  private readonly users = new Map<string, UserState>();

  constructor(readonly rules: ThrottleRules) {}

  /** Counts a call of `user` at `now` and says whether it may proceed. */
  hit(user: string, now: number): ThrottleVerdict {
    const { calls, windowMs, blockMs } = this.rules;
    let state = this.users.get(user);
    if (!state) this.users.set(user, (state = { times: [], blockedUntil: 0 }));
    if (now < state.blockedUntil) {
      state.blockedUntil = now + blockMs;
      return { ok: false, retryAfterMs: blockMs, newBlock: false };
    }
    const from = now - windowMs;
    let drop = 0;
    while (drop < state.times.length && state.times[drop] <= from) drop++;
    if (drop) state.times.splice(0, drop);
    state.times.push(now);
    if (state.times.length <= calls) return { ok: true };
    state.times = [];
    state.blockedUntil = now + blockMs;
    return { ok: false, retryAfterMs: blockMs, newBlock: true };
  }

  reset(): void {
    this.users.clear();
  }
}
