/**
 * Streams open at once: SSE event streams, multipart subscriptions,
 * subscriptions on WebSockets and incremental (@defer/@stream) answers, all
 * counted alike, per user (MAX_STREAMS_PER_USER) and in all (MAX_STREAMS).
 * Each holds a connection or a share of one, timers and a subscription
 * until it ends. Past a bound a stream is refused before it starts: 429
 * `TOO_MANY_STREAMS` for the user's bound, 503 `UNAVAILABLE` for the
 * gateway's, each with Retry-After.
 */
import { HeldSlots } from './held-slots.js';

export class StreamSlots extends HeldSlots {
  constructor(perUser: number, inAll: number) {
    super(perUser, inAll, {
      what: 'streams', perUserSetting: 'MAX_STREAMS_PER_USER', inAllSetting: 'MAX_STREAMS',
      advice: 'close one (a subscription, an event stream, an answer with @defer or @stream still arriving) first',
    });
  }
}
