/**
 * Where read answers of Upsales are kept across requests: one small
 * interface, two implementations (memory-store.ts, redis-store.ts), chosen
 * once at start-up (index.ts). The store knows keys and strings only; what a
 * key holds, whose it is and who may be served it is the upstream adapter's
 * business (src/upstream/shared-reads.ts).
 *
 * Answers live in groups (one per Upsales entity), and each group has a
 * generation: an answer is kept under the generation current when its read
 * was sent, and dropping a group starts a new generation, so everything kept
 * in it, for every account, is unreachable at once, including answers of
 * reads that were in flight while a write happened.
 */

/**
 * Most characters of answers one process keeps at once: in its memory, or
 * kept by it in Redis and not yet expired. @default 32 Mi characters
 */
export const READ_STORE_CHARS = 32 * 1024 * 1024;

/** The longest answer a store of `maxChars` keeps: an eighth of it; a longer one is not kept at all. */
export const largestAnswer = (maxChars: number): number => maxChars / 8;

/** A kept answer and the generation of its group when it was looked up. */
export interface Lookup {
  /** Keep the read's answer under this generation. */
  generation: string;
  /** The kept answer, if any. */
  value?: string;
}

export interface ReadStore {
  /** The answer kept under `key` in `group`'s current generation. Never throws: a store it cannot reach is a miss. */
  lookup(group: string, key: string): Promise<Lookup>;
  /** Keeps `value` for `ttlMs` under `key` in `group`'s generation `generation`. Never throws. */
  keep(group: string, generation: string, key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Drops every answer kept in `groups`, for every account (a new
   * generation each). Never throws; a drop the store could not take is
   * retried, and nothing is served from the store until it has been.
   */
  drop(groups: string[]): Promise<void>;
}

/** The shared read cache: where answers are kept, and for how long. */
export interface ReadCache {
  store: ReadStore;
  /** How long a read's answer is kept (`UPSALES_CACHE_TTL_MS`); 0: not at all. */
  ttlMs: number;
}
