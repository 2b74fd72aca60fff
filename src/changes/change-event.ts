/**
 * What the change feed tells: one change of one item, as one Upsales
 * account sees it. Shared by the feed (src/changes), the schema's
 * `changes` subscription and `@live` queries.
 */
import type { ItemKind } from '../contract/kinds.js';
import type { Item } from '../contract/types.js';

/** How an item changed, as the watching account sees it: a `DELETED` item may also have left the account's sight (its rights). */
export type ChangeType = 'CREATED' | 'UPDATED' | 'DELETED';

/** One change of one item. Carries no credentials and nothing the watching account may not see. */
export interface ChangeEvent {
  kind: ItemKind;
  type: ChangeType;
  /** The item's Upsales id. */
  upsalesId: number;
  /** When it changed: the item's `modDate` (ISO 8601), or, for `DELETED`, when the gateway found it gone or deleted it. */
  at: string;
}

/** A change with the item as the watching account read it then (absent for `DELETED`, and for changes heard from another replica). */
export interface ChangeWithItem extends ChangeEvent {
  item?: Item;
}

/**
 * The change feed as one caller (one request's credentials) uses it;
 * `ctx.changes` in the GraphQL context.
 */
export interface CallerChanges {
  /**
   * Changes of `kinds` as the caller sees them, in batches (one batch per
   * poll or per write through the gateway), from now until `signal` aborts
   * or the consumer stops iterating (`return()`). Nothing before the call
   * is replayed, except, with REDIS_URL, when the account's feed starts
   * again within CHANGES_POLL_MS plus two CHANGES_LEASE_MS of the last
   * poller: it goes on from that poller's mark. Only items the caller may see, as Upsales decides for
   * the caller's own account (the feed polls with that account's own
   * credentials): never an id of an item hidden from it.
   *
   * Fed by the account's one feed (polls of every watched kind, shared by
   * every watcher of the account, on whichever replica holds its lease) and
   * by writes through the gateway (create/update/delete, told at once, from
   * any replica). Costs nothing per watcher: 100 watchers of an account
   * cost what 1 costs. Verifies the caller's credentials first (one call at
   * most, remembered); a refusal is the iterator's first error
   * (UNAUTHENTICATED or FORBIDDEN). The caller checks `kinds` (not empty,
   * at most {@link MAX_WATCHED_KINDS}, no duplicates) before calling; a
   * bad list throws BAD_USER_INPUT here too, before any call.
   *
   * The feed stops polling a kind when its last watcher stops.
   */
  watch(kinds: readonly ItemKind[], signal?: AbortSignal): AsyncIterable<ChangeWithItem[]>;
}

/** Most kinds one `watch` (one subscription) may ask for. */
export const MAX_WATCHED_KINDS = 5;
