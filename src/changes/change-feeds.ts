/**
 * Every account's change feed in this process, and what feeds them besides
 * their polls: writes through the gateway (told at once to the writer's
 * account, and a nudge to every other account's feed of the kinds
 * changed), and kept reads (which keep their kind watched while kept).
 * `forCaller` is what the GraphQL context gives each request
 * (`ctx.changes`).
 */
import { Repeater } from 'graphql-yoga';
import { ITEM_KINDS, KINDS, type ItemKind } from '../contract/kinds.js';
import { BadUserInputError } from '../request/errors.js';
import { toGraphQLError } from '../request/errors.js';
import type { Credentials, Upstream, UpstreamWrite } from '../upstream/index.js';
import { AccountFeed, feedAccount, type Watcher } from './account-feed.js';
import { MAX_WATCHED_KINDS, type CallerChanges, type ChangeWithItem } from './change-event.js';
import { memoryChangeLinks, type ChangeLinks } from './change-links.js';
import { ShareWindow } from './share-window.js';

export interface ChangeFeedsOptions {
  upstream: Upstream;
  /** CHANGES_POLL_MS, CHANGES_BUDGET_SHARE, CHANGES_LEASE_MS. */
  settings: { pollMs: number; budgetShare: number; leaseMs: number; watchKeptReads?: boolean };
  /** The account budget's size (UPSALES_BUDGET_CALLS per UPSALES_BUDGET_WINDOW_MS): the share is of it. */
  budget: { calls: number; windowMs: number };
  /** What processes share (shared state); by default this process alone. */
  links?: ChangeLinks;
}

/** Checks a list of kinds to watch: BAD_USER_INPUT naming what is wrong, before any call. */
export function checkWatchedKinds(kinds: readonly string[]): ItemKind[] {
  if (kinds.length === 0) throw new BadUserInputError('kinds: name at least one kind to watch');
  if (kinds.length > MAX_WATCHED_KINDS) throw new BadUserInputError(`kinds: at most ${MAX_WATCHED_KINDS} kinds may be watched at once, got ${kinds.length}`);
  const unknown = kinds.find((kind) => !(ITEM_KINDS as readonly string[]).includes(kind));
  if (unknown !== undefined) throw new BadUserInputError(`kinds: ${JSON.stringify(unknown.slice(0, 40))} is not a kind`);
  if (new Set(kinds).size !== kinds.length) throw new BadUserInputError('kinds: each kind once');
  return [...kinds] as ItemKind[];
}

/** The kinds whose items a write of `kind` may change (their entity, or their owner's): what other accounts' feeds poll at once. */
const kindsChangedBy = (kind: ItemKind): ItemKind[] => {
  const entity = KINDS[kind].entity;
  return ITEM_KINDS.filter((other) => {
    if (KINDS[other].entity === entity) return true;
    const via = (KINDS[other].ownership as { via?: string } | null)?.via;
    const target = via ? (KINDS[other].fields as Record<string, { target?: string }>)[via].target : undefined;
    return target !== undefined && KINDS[target as ItemKind].entity === entity;
  });
};

export class ChangeFeeds {
  private readonly feeds = new Map<string, AccountFeed>();
  private readonly links: ChangeLinks;
  /** One share per account, kept while its feed lives here. */
  private readonly shares = new Map<string, ShareWindow>();
  private readonly upstreamTag: string;
  private readonly stopListening: (() => void)[];

  constructor(private readonly options: ChangeFeedsOptions) {
    this.links = options.links ?? memoryChangeLinks();
    const { upstream } = options;
    this.upstreamTag = feedAccount(upstream.baseUrl, '');
    this.stopListening = [
      upstream.onWrite((write) => this.wrote(write)),
      this.links.onNudge((where, kinds) => {
        if (where !== this.upstreamTag) return;
        for (const feed of this.feeds.values()) feed.nudge(kinds);
      }),
      ...(options.settings.watchKeptReads === false ? [] : [upstream.onKept((credentials, kind, ttlMs) => this.feedOf(credentials).keepReading(kind, ttlMs))]),
    ];
  }

  /** The feed of the account of `credentials` (Upsales accepted them), started when there is none. */
  private feedOf(credentials: Credentials): AccountFeed {
    const account = feedAccount(this.options.upstream.baseUrl, credentials.username);
    const found = this.feeds.get(account);
    if (found && !found.isStopped) {
      found.useCredentials(credentials);
      return found;
    }
    // shares of accounts nobody watches any more, all their calls out of the window, are new ones
    for (const [other, idle] of this.shares) if (!this.feeds.has(other) && idle.used() === 0) this.shares.delete(other);
    let share = this.shares.get(account);
    if (!share) this.shares.set(account, share = ShareWindow.of(this.options.settings.budgetShare, this.options.budget.calls, this.options.budget.windowMs));
    const feed = new AccountFeed(account, credentials, this.options.upstream, this.links, share, this.options.settings, (idle) => {
      if (this.feeds.get(account) === idle) this.feeds.delete(account);
    });
    this.feeds.set(account, feed);
    return feed;
  }

  /** A write through the gateway: the writer's account hears it at once; every other account's feed polls its kinds soon. */
  private wrote(write: UpstreamWrite): void {
    const at = new Date().toISOString();
    const batch: ChangeWithItem[] = write.operation === 'delete'
      ? write.results.filter((result) => result.success).map((result) => ({ kind: write.kind, type: 'DELETED', upsalesId: result.id, at }))
      : write.results.filter((result) => result.success && result.item?.id !== undefined).map((result) => ({
        kind: write.kind,
        type: write.operation === 'create' ? 'CREATED' : 'UPDATED',
        upsalesId: result.item!.id!,
        at: String(result.item!.modDate ?? at),
        item: result.item,
      }));
    if (batch.length === 0) return;
    this.links.publish(feedAccount(this.options.upstream.baseUrl, write.username), batch);
    this.links.nudge(this.upstreamTag, kindsChangedBy(write.kind));
  }

  /**
   * The feed as the caller of one request sees it; `verify` resolves once
   * Upsales accepted the caller's credentials (one call at most,
   * remembered). `requestSignal` (the request's, aborted when its client
   * leaves; asked for only when a watch starts) ends every watch of the
   * request as well as its own signal.
   */
  forCaller(credentials: Credentials, verify: () => Promise<void>, requestSignal?: () => AbortSignal | undefined): CallerChanges {
    return {
      watch: (kinds, own) => {
        const signals = [own, requestSignal?.()].filter((one): one is AbortSignal => one !== undefined);
        const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
        const wanted = new Set(checkWatchedKinds(kinds));
        return new Repeater<ChangeWithItem[]>(async (push, stop) => {
          await verify();
          const watcher: Watcher = {
            kinds: wanted,
            hear: (batch) => void push(batch).catch(() => undefined),
            fail: (error) => stop(toGraphQLError(error)),
          };
          const feed = this.feedOf(credentials);
          feed.add(watcher);
          const abort = () => stop();
          signal?.addEventListener('abort', abort, { once: true });
          if (signal?.aborted) stop();
          await stop;
          signal?.removeEventListener('abort', abort);
          feed.remove(watcher);
        });
      },
    };
  }

  /** The feeds polling now, by account tag (tests, metrics). */
  accounts(): string[] {
    return [...this.feeds.keys()];
  }

  close(): void {
    for (const stop of this.stopListening) stop();
    for (const feed of [...this.feeds.values()]) feed.stop();
    this.links.close?.();
  }
}
