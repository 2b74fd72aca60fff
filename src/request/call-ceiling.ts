/**
 * The request's call ceiling: a query may never send more SOAP calls than
 * MAX_QUERY_CALLS, whatever the data turns out to be. A step of several calls
 * (the rest of a relation's pages) sets its calls aside before sending any, so
 * it gets all of them or is refused whole: the throttle's budget is never
 * spent on a step that would be stopped midway.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BadUserInputError } from './errors.js';

/** The request's call ceiling, as the floors above see it. */
export interface CallCeiling {
  /** Calls this request may still send: the limit less those sent and those set aside. */
  left(): number;
  /** What sets the limit, for messages: `MAX_QUERY_CALLS`, or the estimate and MAX_CALLS_OVER_ESTIMATE. */
  readonly bound: string;
  /**
   * Sets `calls` aside, counted as sent from now on, and runs `step`, whose
   * calls draw on them (calls sent meanwhile outside `step` do not). Refused
   * before `step` runs when fewer are left. What `step` leaves unused (reads
   * answered without a call) is given back once it settles.
   */
  reserve<T>(calls: number, step: () => Promise<T>): Promise<T>;
}

/**
 * The ceiling of one request; `beforeSend` goes to the upstream client
 * (ClientOptions.beforeSend). After `close()` every call is refused: the
 * query's answer is out, and a field still resolving would spend calls for
 * nothing (graphql-js answers once a failed non-null field nulls its parent,
 * while the parent's other fields may still be loading).
 */
export function callCeiling(limit: number): CallCeiling & { beforeSend(): void; close(): void; lower(to: number): void } {
  /** The calls the step running in this async context still has set aside. */
  const steps = new AsyncLocalStorage<{ unused: number }>();
  /** Sent, plus set aside and not sent yet. */
  let spent = 0;
  let closed = false;
  let lowered = false;
  const refusal = () => (closed
    ? new Error('The query has been answered: no more SOAP calls for it')
    : new BadUserInputError(lowered
      ? `This query needs more than the ${limit} SOAP calls it may send (its estimate and MAX_CALLS_OVER_ESTIMATE: it acts as the configured account) for the data it reached; narrow it with filter or first`
      : `This query needs more than MAX_QUERY_CALLS (${limit}) SOAP calls for the data it reached; narrow it with filter or first`,
    { limit }));
  return {
    left: () => (closed ? 0 : Math.max(0, limit - spent)),
    get bound() {
      return lowered ? 'its estimate and MAX_CALLS_OVER_ESTIMATE (it acts as the configured account)' : 'MAX_QUERY_CALLS';
    },
    close() {
      closed = true;
    },
    /** Lowers the ceiling to `to` calls (never raises it). */
    lower(to) {
      if (to < limit) [limit, lowered] = [to, true];
    },
    async reserve(calls, step) {
      if (closed || spent + calls > limit) throw refusal();
      spent += calls;
      const reservation = { unused: calls };
      try {
        return await steps.run(reservation, step);
      } finally {
        spent -= reservation.unused;
        reservation.unused = 0;
      }
    },
    beforeSend() {
      if (closed) throw refusal();
      const reservation = steps.getStore();
      if (reservation && reservation.unused > 0) {
        reservation.unused -= 1;
        return;
      }
      if (spent + 1 > limit) throw refusal();
      spent += 1;
    },
  };
}
