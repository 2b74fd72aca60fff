/**
 * Reads shared across requests, per account. Identical reads of one username
 * and password in flight at once are sent once (a request reading fresh
 * shares only its own); answers are kept in the read
 * cache (src/cache) for its TTL, under the account, and served only when the
 * request's rules allow it (ReadReuse: a password Upsales accepted, no fresh
 * read asked for). A write of a kind, from any request or import job, drops
 * every account's kept answers that it may change.
 */
import { createHash } from 'node:crypto';
import { accountTag } from '../account/account-tag.js';
import { accountKey } from '../account/account-key.js';
import type { ReadCache } from '../cache/index.js';
import { ITEM_KINDS, KINDS, type ItemKind } from '../contract/kinds.js';
import type { CallStats, ClientOptions, Credentials } from './types.js';

/** How long a count (for the call estimate) is kept; a write of its kind through the gateway drops it sooner. @default 10 minutes */
export const COUNT_TTL_MS = 10 * 60_000;

/** The group of the metadata lists, which no gateway write changes. */
export const METADATA_GROUP = 'metadata';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/**
 * The groups a write of `kind` may change, from the kinds table: the kind's
 * entity (orders and opportunities share one) and the kinds owned through it
 * (a contact is its client's: deleting a client takes its contacts, and the
 * client's account managers decide who sees them). Owners decide who sees
 * what, so a write of users changes every kind.
 */
export function groupsChangedBy(kind: ItemKind): string[] {
  const entity = KINDS[kind].entity;
  const changed = ITEM_KINDS.filter((other) => {
    if (kind === 'user' || KINDS[other].entity === entity) return true;
    const ownership = KINDS[other].ownership as { via?: string } | null;
    const via = ownership?.via ? (KINDS[other].fields as Record<string, { target?: string }>)[ownership.via].target : undefined;
    return via !== undefined && KINDS[via as ItemKind].entity === entity;
  });
  return [...new Set(changed.map((other) => KINDS[other].entity))];
}

/** The group of a kind's reads. */
export const groupOf = (kind: ItemKind): string => KINDS[kind].entity;

/** One caller's reads and writes, through the shared reads. */
export interface CallerGate {
  /** A read identified by `request` (any JSON) in `group`: kept, shared or sent. */
  read<T>(group: string, request: unknown, send: () => Promise<T>, ttlMs?: number): Promise<T>;
  /** A write of `kind`: sent, then every account's kept reads it may change are dropped, whatever its outcome. */
  write<T>(kind: ItemKind, send: () => Promise<T>): Promise<T>;
}

export interface SharedReads {
  forCaller(credentials: Credentials, stats: CallStats, options: ClientOptions): CallerGate;
  /** Drops every account's kept reads of `groups`, and the reads in flight that may have read them before (a change heard). */
  drop(groups: string[]): Promise<void>;
}

/** The shared reads of one upstream (`baseUrl`); without `cache`, reads in flight are still shared, and nothing is kept. */
/** `onSaved`: told of each read answered without a call, by its group (metrics). */
export function createSharedReads(baseUrl: string, cache?: ReadCache, onSaved?: (group: string) => void): SharedReads {
  const upstreamTag = digest(baseUrl.replace(/\/+$/, '').toLowerCase()).slice(0, 12);
  const storeGroup = (group: string) => `${upstreamTag}:${group}`;
  const flights = new Map<string, Map<string, Promise<string>>>();
  const flightsOf = (group: string) => {
    let inGroup = flights.get(group);
    if (!inGroup) flights.set(group, inGroup = new Map());
    return inGroup;
  };

  async function drop(groups: string[]): Promise<void> {
    for (const group of groups) flights.delete(storeGroup(group));
    await cache?.store.drop(groups.map(storeGroup));
  }

  return {
    drop,
    forCaller(credentials, stats, { beforeSend, reuse }) {
      const account = accountTag(accountKey(baseUrl, credentials.username)).slice(0, 32);
      const password = digest(credentials.password);
      const saved = (group: string) => {
        stats.cached = (stats.cached ?? 0) + 1;
        onSaved?.(group);
      };
      const sent = <T>(send: () => Promise<T>): Promise<T> => {
        beforeSend?.();
        return send();
      };

      return {
        async read<T>(group: string, request: unknown, send: () => Promise<T>, ttlMs = cache?.ttlMs ?? 0): Promise<T> {
          if (!reuse) return sent(send);
          const inStore = storeGroup(group);
          const key = `${account}:${digest(JSON.stringify(request))}`;
          const found = cache && ttlMs > 0 ? await cache.store.lookup(inStore, key) : undefined;
          if (found?.value !== undefined && (reuse.kept() || await reuse.confirm?.())) {
            saved(group);
            return JSON.parse(found.value) as T;
          }
          const inFlight = flightsOf(inStore);
          const flightKey = `${key}:${password}:${reuse.flightScope()}`;
          const flight = inFlight.get(flightKey);
          if (flight) {
            saved(group);
            return JSON.parse(await flight) as T;
          }
          const answer = sent(send);
          const text = answer.then((result) => JSON.stringify(result));
          inFlight.set(flightKey, text);
          const leave = () => {
            if (inFlight.get(flightKey) === text) inFlight.delete(flightKey);
          };
          text.then(leave, leave);
          text.then((value) => found && cache!.store.keep(inStore, found.generation, key, value, ttlMs), () => undefined);
          return answer;
        },
        async write<T>(kind: ItemKind, send: () => Promise<T>): Promise<T> {
          const answer = sent(send);
          try {
            return await answer;
          } finally {
            await drop(groupsChangedBy(kind));
          }
        },
      };
    },
  };
}
