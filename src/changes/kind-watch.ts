/**
 * What the feed remembers of one watched kind of one account, and its one
 * poll. The baseline is small: the ids the account saw (sorted numbers,
 * for counting deletions), the latest `modDate` seen (the watermark) and
 * which ids were told at it (the overlap: items changed within the same
 * timestamp are told once each, by id and `modDate`).
 *
 * A poll asks for the account's items newest `modDate` first
 * (`getByCriteria`, sorted by `modDate` then id, descending, paged) down to
 * the watermark: one call when nothing changed, and the same call's
 * `total` says whether anything is gone, which only then costs the counts
 * of find-deleted.ts.
 */
import { KINDS, type ItemKind } from '../contract/kinds.js';
import type { CriteriaQuery, CriteriaResult, Item } from '../contract/types.js';
import { MAX_LIMIT } from '../contract/wire.js';
import type { ChangeWithItem } from './change-event.js';
import { findDeleted } from './find-deleted.js';

/** Items per page of a poll: a page holds every change of a poll interval but a burst. */
export const POLL_PAGE = 100;

/** One `getByCriteria` of the account, through the feed's share and the budget at background priority. */
export type FeedRead = (kind: ItemKind, query: CriteriaQuery) => Promise<CriteriaResult>;

const NEWEST_FIRST = [{ field: 'modDate', descending: true }, { field: 'id', descending: true }];

const modDateOf = (item: Item): string => String(item.modDate ?? '');

/** Where a poller got to on a kind: the watermark and the ids told at it; another process that takes over goes on from it. */
export interface KindMark {
  at: string;
  told: number[];
}

/** Most ids at the watermark a mark carries (more: the rest are told again). */
const MARK_IDS = 200;

export class KindWatch {
  /** Ids the account sees, ascending; null until the baseline is read. */
  private known: number[] | null = null;
  private readonly knownSet = new Set<number>();
  /** The latest `modDate` seen. */
  private watermark = '';
  /** `modDate` of each id told at or after the watermark (the overlap). */
  private readonly told = new Map<number, string>();

  constructor(readonly kind: ItemKind, private readonly read: FeedRead) {}

  /** Whether the baseline is read (the first poll reads it and tells nothing). */
  get ready(): boolean {
    return this.known !== null;
  }

  /**
   * The baseline: every id the account sees now, by pages of the upstream's
   * largest limit (once per watch of the kind, at background priority),
   * and the latest `modDate`.
   */
  private async readBaseline(since?: KindMark): Promise<void> {
    const ids: number[] = [];
    let newest = '';
    this.told.clear();
    for (let offset = 0; ; offset += MAX_LIMIT) {
      const page = await this.read(this.kind, { sort: [{ field: 'id' }], limit: MAX_LIMIT, offset });
      for (const item of page.items) {
        const at = modDateOf(item);
        // going on from another poller's mark: what was made after it is told as made, by the next poll
        if (since && String(item.regDate ?? '') > since.at) continue;
        ids.push(item.id!);
        if (at > newest) {
          newest = at;
          this.told.clear();
        }
        // the overlap: what is at the watermark now is not a change
        if (at === newest) this.told.set(item.id!, at);
      }
      if (page.items.length < MAX_LIMIT || offset + MAX_LIMIT >= page.total) break;
    }
    this.known = [...new Set(ids)].sort((a, b) => a - b);
    this.knownSet.clear();
    for (const id of this.known) this.knownSet.add(id);
    this.watermark = newest;
    if (since && since.at < newest) {
      this.watermark = since.at;
      this.told.clear();
      for (const id of since.told) this.told.set(id, since.at);
    }
  }

  /** Where this watch got to, for another process to go on from. */
  mark(): KindMark {
    return { at: this.watermark, told: [...this.told].filter(([, at]) => at === this.watermark).slice(0, MARK_IDS).map(([id]) => id) };
  }

  /**
   * One poll: the changes since the last one, oldest first. The first poll
   * reads the baseline and tells nothing; given `since` (another poller's
   * mark), the next poll tells what changed after it.
   */
  async poll(since?: KindMark): Promise<ChangeWithItem[]> {
    if (!this.known) {
      await this.readBaseline(since);
      return [];
    }
    const fresh: Item[] = [];
    let total = 0;
    for (let offset = 0; ; offset += POLL_PAGE) {
      const page = await this.read(this.kind, { sort: NEWEST_FIRST, limit: POLL_PAGE, offset });
      if (offset === 0) total = page.total;
      let older = false;
      for (const item of page.items) {
        const at = modDateOf(item);
        if (at < this.watermark) {
          older = true;
          break;
        }
        // at the watermark: the overlap, told once by id and modDate (saw() skips what was told)
        fresh.push(item);
      }
      if (older || page.items.length < POLL_PAGE) break;
    }
    const changes: ChangeWithItem[] = [];
    for (const item of fresh.reverse()) {
      const change = this.saw(item);
      if (change) changes.push(change);
    }
    const deleted = this.known.length - total;
    if (deleted > 0 && KINDS[this.kind].deleteMeans === 'delete') {
      const at = new Date().toISOString();
      const gone = await findDeleted(this.known, total, (after, upTo) => this.countIds(after, upTo));
      for (const id of gone) {
        this.forgetId(id);
        changes.push({ kind: this.kind, type: 'DELETED', upsalesId: id, at });
      }
    }
    return changes;
  }

  /** Takes a change heard from elsewhere (a write through the gateway): not told again by a poll. */
  heard(change: ChangeWithItem): void {
    if (!this.known) return;
    if (change.type === 'DELETED') this.forgetId(change.upsalesId);
    else if (change.item) this.saw(change.item);
    else this.addId(change.upsalesId);
  }

  /** An item read now: its change, unless it was told already at this `modDate`. */
  private saw(item: Item): ChangeWithItem | null {
    const id = item.id!;
    const at = modDateOf(item);
    if (this.told.get(id) === at) return null;
    const type = this.knownSet.has(id) ? 'UPDATED' : 'CREATED';
    this.addId(id);
    this.told.set(id, at);
    if (at > this.watermark) {
      this.watermark = at;
      for (const [other, when] of this.told) if (when < at) this.told.delete(other);
    }
    return { kind: this.kind, type, upsalesId: id, at, item };
  }

  private addId(id: number): void {
    if (this.knownSet.has(id)) return;
    this.knownSet.add(id);
    const known = this.known!;
    let lo = 0;
    let hi = known.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (known[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    known.splice(lo, 0, id);
  }

  private forgetId(id: number): void {
    if (!this.knownSet.delete(id)) return;
    const known = this.known!;
    const at = known.indexOf(id);
    if (at >= 0) known.splice(at, 1);
    this.told.delete(id);
  }

  private async countIds(after: number | undefined, upTo: number | undefined): Promise<number> {
    const criteria = [
      ...(after === undefined ? [] : [{ field: 'id', operator: 'gt' as const, values: [String(after)] }]),
      ...(upTo === undefined ? [] : [{ field: 'id', operator: 'lte' as const, values: [String(upTo)] }]),
    ];
    return (await this.read(this.kind, { criteria, limit: 0 })).total;
  }
}
