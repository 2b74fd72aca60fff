/**
 * What a request holds while it lasts and the gateway can hold only so much
 * of (an upload being read, an open event stream or subscription): slots
 * bounded per user and in all. Past a bound, a claim is refused at once with
 * the status, code and setting to name: 429 for the user's bound, 503 for
 * the gateway's, each with Retry-After. A slot is given back once (more
 * calls are harmless). Users are counted by their lower-cased username, so
 * every request acting as a default account counts as one user.
 */
import { usernameOf } from './verified-accounts.js';

export interface SlotRefusal {
  status: 429 | 503;
  /** `TOO_MANY_<WHAT>` for the user's bound, `UNAVAILABLE` for the gateway's. */
  code: string;
  message: string;
  /** Seconds after which trying again is worth it. */
  retryAfterSeconds: number;
}

/** A slot held: give it back when done (more than once is harmless). */
export type SlotRelease = () => void;

/** What is held, as messages name it. */
export interface SlotNames {
  /** Plural noun: `uploads`, `streams`. */
  what: string;
  /** The settings of the bounds: `MAX_UPLOADS_PER_USER`, `MAX_UPLOADS`. */
  perUserSetting: string;
  inAllSetting: string;
  /** What the user can do: `wait for one to finish`. */
  advice: string;
}

const RETRY_AFTER_SECONDS = 5;

export class HeldSlots {
  private readonly byUser = new Map<string, number>();
  private total = 0;
  private readonly refusals = new Map<string, number>();

  constructor(readonly perUser: number, readonly inAll: number, private readonly names: SlotNames) {}

  /** What is held, as the messages (and the metrics) name it: `uploads`, `streams`, `websockets`. */
  get what(): string {
    return this.names.what;
  }

  /** Claims refused since the start, by code (`TOO_MANY_<WHAT>`, `UNAVAILABLE`). */
  refused(): ReadonlyMap<string, number> {
    return this.refusals;
  }

  /** Slots held now. */
  get inFlight(): number {
    return this.total;
  }

  /** Slots `username` holds now. */
  heldBy(username: string): number {
    return this.byUser.get(usernameOf({ username })) ?? 0;
  }

  /** A slot for `username`, or why there is none. */
  take(username: string): SlotRelease | SlotRefusal {
    const { what, perUserSetting, inAllSetting, advice } = this.names;
    const user = usernameOf({ username });
    const held = this.byUser.get(user) ?? 0;
    if (held >= this.perUser) {
      return this.refusal({
        status: 429, code: `TOO_MANY_${what.toUpperCase()}`, retryAfterSeconds: RETRY_AFTER_SECONDS,
        message: `You have ${held} ${what} open, the most ${perUserSetting} (${this.perUser}) allows: ${advice}`,
      });
    }
    if (this.total >= this.inAll) {
      return this.refusal({
        status: 503, code: 'UNAVAILABLE', retryAfterSeconds: RETRY_AFTER_SECONDS,
        message: `The gateway has ${this.total} ${what} open, the most ${inAllSetting} (${this.inAll}) allows: try again shortly`,
      });
    }
    this.byUser.set(user, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byUser.get(user) ?? 1) - 1;
      if (left > 0) this.byUser.set(user, left);
      else this.byUser.delete(user);
    };
  }

  private refusal(refusal: SlotRefusal): SlotRefusal {
    this.refusals.set(refusal.code, (this.refusals.get(refusal.code) ?? 0) + 1);
    return refusal;
  }
}

export const isSlotRefusal = (value: SlotRelease | SlotRefusal): value is SlotRefusal => typeof value !== 'function';
