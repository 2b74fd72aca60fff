/**
 * The change feed of one Upsales account in this process: who watches which
 * kinds here (subscriptions, live queries, kept reads), and, while this
 * process holds the account's lease, the polls of every kind watched on the
 * account anywhere. It polls with the account's own credentials, so what it
 * finds is exactly what that account may see; at background priority (never
 * the interactive reserve, never THROTTLED: background calls wait) and
 * within its share of the budget (share-window.ts), so polls slow down
 * rather than spend more. A batch found is published to every process
 * (change-links.ts); watchers here hear it from there, like everyone else.
 */
import { accountKey } from '../account/account-key.js';
import { accountTag } from '../account/account-tag.js';
import type { ItemKind } from '../contract/kinds.js';
import type { CallStats, Credentials, Upstream, UpstreamClient } from '../upstream/index.js';
import type { ChangeWithItem } from './change-event.js';
import type { ChangeLinks } from './change-links.js';
import { KindWatch } from './kind-watch.js';
import { ShareWindow } from './share-window.js';

/** One watcher here: a subscription's or a live query's `watch`. */
export interface Watcher {
  kinds: ReadonlySet<ItemKind>;
  /** A batch of the watcher's kinds. */
  hear(batch: ChangeWithItem[]): void;
  /** The feed cannot go on for this account (Upsales refused its credentials). */
  fail(error: unknown): void;
}

export interface FeedSettings {
  pollMs: number;
  leaseMs: number;
}

/** The tag naming an account outside this process (Redis keys, channels). */
export const feedAccount = (baseUrl: string, username: string): string => accountTag(accountKey(baseUrl, username)).slice(0, 32);

const REFUSALS = new Set(['AUTHENTICATION_FAILED', 'API_ACCESS_DENIED']);

export class AccountFeed {
  private readonly watchers = new Set<Watcher>();
  /** Kinds kept reads keep watched, until when. */
  private readonly readers = new Map<ItemKind, number>();
  private readonly polls = new Map<ItemKind, KindWatch>();
  private client: UpstreamClient;
  private readonly stopHearing: () => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private leaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** The batches heard, told one after the other. */
  private hearing: Promise<void> = Promise.resolve();
  /** Whether this process holds the account's lease (it polls). */
  private held = false;
  /** The kinds watched on the account by any process, as last announced. */
  private kinds: ItemKind[] = [];
  private running = false;
  private again = false;
  private stopped = false;
  /** Calls this feed sent (background; in no request's accounting). */
  readonly stats: CallStats = { calls: 0, queuedMs: 0, log: [] };

  constructor(
    readonly account: string,
    private credentials: Credentials,
    private readonly upstream: Upstream,
    private readonly links: ChangeLinks,
    private readonly share: ShareWindow,
    private readonly settings: FeedSettings,
    /** Told when nothing here watches the account any more. */
    private readonly onIdle: (feed: AccountFeed) => void,
  ) {
    this.client = this.clientFor(credentials);
    // the first watcher's add() (or kept read) starts it
    this.stopHearing = links.subscribe(account, (batch) => {
      // one batch after the other, in the order heard: a later one never overtakes an earlier one's drop
      this.hearing = this.hearing.then(() => this.heard(batch)).catch(() => undefined);
    });
  }

  private clientFor(credentials: Credentials): UpstreamClient {
    return this.upstream.forCredentials(credentials, this.stats, 'background');
  }

  /** Credentials Upsales accepted lately for the account: the feed polls with the newest. */
  useCredentials(credentials: Credentials): void {
    if (credentials.password === this.credentials.password) return;
    this.credentials = credentials;
    this.client = this.clientFor(credentials);
  }

  add(watcher: Watcher): void {
    this.watchers.add(watcher);
    if ([...watcher.kinds].some((kind) => !this.polls.has(kind))) void this.tick();
  }

  remove(watcher: Watcher): void {
    this.watchers.delete(watcher);
    if (this.localKinds().length === 0) this.stop();
  }

  /** A kept read keeps `kind` watched for `ms` more. */
  keepReading(kind: ItemKind, ms: number): void {
    const until = Date.now() + ms;
    const had = this.readers.has(kind);
    if ((this.readers.get(kind) ?? 0) < until) this.readers.set(kind, until);
    if (!had && !this.polls.has(kind)) void this.tick();
  }

  /** Kinds watched here now. */
  localKinds(now = Date.now()): ItemKind[] {
    const kinds = new Set<ItemKind>();
    for (const watcher of this.watchers) for (const kind of watcher.kinds) kinds.add(kind);
    for (const [kind, until] of this.readers) {
      if (until > now) kinds.add(kind);
      else this.readers.delete(kind);
    }
    return [...kinds];
  }

  /** Polls `kinds` soon, if this feed polls any of them (a write through the gateway changed them). */
  nudge(kinds: readonly ItemKind[]): void {
    if (kinds.some((kind) => this.polls.has(kind))) this.wake();
  }

  private wake(): void {
    if (!this.held) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), ms);
    this.timer.unref?.();
  }

  /** How long a lease lasts unless renewed: renewed five times within CHANGES_LEASE_MS, so another replica takes over within it. */
  private get leaseTtlMs(): number {
    return Math.max(1, Math.round(0.8 * this.settings.leaseMs));
  }

  /**
   * Says what this process watches and asks for the lease, every fifth of
   * CHANGES_LEASE_MS whether it polls or not: the holder keeps it, and
   * another process takes it over once its holder stopped renewing.
   */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    const local = this.localKinds();
    if (local.length === 0) return this.stop();
    this.kinds = await this.links.announce(this.account, local, 2 * this.settings.leaseMs);
    const held = !this.stopped && await this.links.lease(this.account, this.leaseTtlMs);
    const taken = held && !this.held;
    this.held = held;
    if (!held) this.polls.clear();
    // just taken over, or a kind new to the polls: poll now
    if (taken || (held && this.kinds.some((kind) => !this.polls.has(kind)))) this.wake();
    if (!this.stopped) {
      clearTimeout(this.leaseTimer);
      this.leaseTimer = setTimeout(() => void this.tick(), this.settings.leaseMs / 5);
      this.leaseTimer.unref?.();
    }
  }

  /** One round: every kind watched on the account, while this process holds its lease. */
  private async round(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    this.again = false;
    const started = Date.now();
    try {
      const local = this.localKinds();
      if (local.length === 0) return this.stop();
      const kinds = [...new Set([...this.kinds, ...local])];
      for (const kind of this.polls.keys()) if (!kinds.includes(kind)) this.polls.delete(kind);
      for (const kind of kinds) {
        // Renewed before each kind: a round slowed by the share never outlives the lease.
        if (this.stopped || !this.held || !(await this.links.lease(this.account, this.leaseTtlMs))) {
          // another process polls: what this one knew goes stale meanwhile
          this.held = false;
          this.polls.clear();
          break;
        }
        let watch = this.polls.get(kind);
        if (!watch) this.polls.set(kind, watch = new KindWatch(kind, (k, query) => this.share.run(() => this.client.getByCriteria(k, query))));
        const baseline = !watch.ready;
        const changes = await watch.poll(baseline ? await this.links.loadMark(this.account, kind) : undefined);
        void this.links.saveMark(this.account, kind, watch.mark(), this.settings.pollMs + 2 * this.settings.leaseMs).catch(() => undefined);
        // what was kept before the baseline may have changed unseen: kept reads start again from it
        if (baseline) await this.upstream.forget([kind]);
        if (changes.length > 0 && !this.stopped) this.links.publish(this.account, changes);
      }
    } catch (error) {
      if (REFUSALS.has((error as { kind?: string }).kind ?? '')) return this.fail(error);
      // Upsales unreachable, a timeout: the next round tries again, with what the feed knew
    } finally {
      this.running = false;
    }
    this.schedule(this.again ? 0 : Math.max(0, started + this.settings.pollMs - Date.now()));
  }

  /** A batch of the account, from any process: its kept reads dropped, the polls told, then the watchers. */
  private async heard(batch: ChangeWithItem[]): Promise<void> {
    await this.upstream.forget([...new Set(batch.map((change) => change.kind))]);
    for (const change of batch) this.polls.get(change.kind)?.heard(change);
    for (const watcher of [...this.watchers]) {
      const theirs = batch.filter((change) => watcher.kinds.has(change.kind));
      if (theirs.length > 0) watcher.hear(theirs);
    }
  }

  private fail(error: unknown): void {
    for (const watcher of [...this.watchers]) watcher.fail(error);
    this.watchers.clear();
    this.readers.clear();
    this.stop();
  }

  /** Nobody here watches: no more polls, the lease given back, the baseline forgotten. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.leaseTimer);
    this.polls.clear();
    this.stopHearing();
    void this.links.announce(this.account, [], 1).catch(() => undefined);
    void this.links.release(this.account).catch(() => undefined);
    this.onIdle(this);
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
