/**
 * What the change feeds of the processes on one set of Upsales accounts
 * share: who polls an account (a lease), which kinds are watched on it
 * anywhere, and the batches of changes every watcher hears. One interface,
 * two implementations: this process's memory (one process, the lease always
 * its own), and Redis (src/shared-state/redis/change-links.ts), chosen at
 * start-up with the rest of the shared state. Accounts are named by their
 * tag (src/account), never by a username.
 */
import type { ItemKind } from '../contract/kinds.js';
import type { ChangeWithItem } from './change-event.js';
import type { KindMark } from './kind-watch.js';

export interface ChangeLinks {
  /**
   * Takes the lease on polling `account` for `ms`, or renews it when this
   * process holds it; true while it does. Another process takes it over
   * once it lapses (its holder died or stopped watching).
   */
  lease(account: string, ms: number): Promise<boolean>;
  /** Gives the lease back, if this process holds it. */
  release(account: string): Promise<void>;
  /**
   * Says which kinds this process watches on `account` (for `ms`, unless
   * said again) and answers which kinds any process watches on it: what the
   * lease holder polls.
   */
  announce(account: string, kinds: readonly ItemKind[], ms: number): Promise<ItemKind[]>;
  /** Tells every process (this one too) a batch of changes of `account`. */
  publish(account: string, batch: ChangeWithItem[]): void;
  /** Hears every batch of `account`, from any process; returns how to stop. */
  subscribe(account: string, listener: (batch: ChangeWithItem[]) => void): () => void;
  /** Tells every process that `kinds` changed through the gateway on the upstream `upstream` (its tag): their feeds poll them soon. */
  nudge(upstream: string, kinds: readonly ItemKind[]): void;
  /** Keeps where the poller of `account` got to on `kind`, for `ms`: another process taking over goes on from there. */
  saveMark(account: string, kind: ItemKind, mark: KindMark, ms: number): Promise<void>;
  /** The last poller's mark on `kind` of `account`, if one is kept. */
  loadMark(account: string, kind: ItemKind): Promise<KindMark | undefined>;
  /** Hears every nudge; returns how to stop. */
  onNudge(listener: (upstream: string, kinds: ItemKind[]) => void): () => void;
  close?(): void;
}

/** One process's links: the lease is always its own, and every message stays in it. */
export function memoryChangeLinks(): ChangeLinks {
  const listeners = new Map<string, Set<(batch: ChangeWithItem[]) => void>>();
  const nudged = new Set<(upstream: string, kinds: ItemKind[]) => void>();
  return {
    lease: async () => true,
    release: async () => undefined,
    // one process: a poller that stops has no one to hand over to
    saveMark: async () => undefined,
    loadMark: async () => undefined,
    announce: async (_account, kinds) => [...kinds],
    publish(account, batch) {
      for (const listener of [...(listeners.get(account) ?? [])]) listener(batch);
    },
    subscribe(account, listener) {
      let set = listeners.get(account);
      if (!set) listeners.set(account, set = new Set());
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(account) === set) listeners.delete(account);
      };
    },
    nudge(upstream, kinds) {
      for (const listener of [...nudged]) listener(upstream, [...kinds]);
    },
    onNudge(listener) {
      nudged.add(listener);
      return () => nudged.delete(listener);
    },
  };
}
