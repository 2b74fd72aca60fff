/**
 * The children of one relation (one filter and order) per parent, for every
 * page size asked: the aliases of a relation that differ only in `first` or
 * `after` share one fetch per wave. A parent's group is kept for the request;
 * a later load that needs more of a parent than a per-parent call fetched
 * for it (a page of a group too large to fetch whole) fetches it again.
 */
import DataLoader from 'dataloader';
import type { Item } from '../src/contract/types.js';

/** The related items of one parent (at least its first `perParent`), and how many there are. */
export interface RelationGroup {
  items: Item[];
  total: number;
}

/**
 * Fetches the groups of `parentIds`, in their order; `perParent[i]` is how
 * many items of parent `i` the loads want at least (offset + first).
 */
export type FetchGroups = (parentIds: readonly number[], perParent: readonly number[]) => Promise<RelationGroup[]>;

const covers = (group: RelationGroup, perParent: number) => group.items.length >= Math.min(group.total, perParent);

export class RelationLoader {
  /** Each parent's group, fetched or on its way. */
  private readonly groups = new Map<number, Promise<RelationGroup>>();
  /** Parents of the batch not sent yet, with the most items any of their loads wants. */
  private readonly wanted = new Map<number, number>();
  private readonly batches: DataLoader<number, RelationGroup>;

  /** `schedule`: when a batch is sent (DataLoader's `batchScheduleFn`). */
  constructor(fetch: FetchGroups, schedule?: DataLoader.Options<number, RelationGroup>['batchScheduleFn']) {
    this.batches = new DataLoader<number, RelationGroup>((parentIds) => {
      const perParent = parentIds.map((id) => this.wanted.get(id)!);
      for (const id of parentIds) this.wanted.delete(id);
      return fetch(parentIds, perParent);
    }, { cache: false, batchScheduleFn: schedule });
  }

  /** The group of `parentId`, holding at least its first `perParent` items (or all of them). */
  load(parentId: number, perParent: number): Promise<RelationGroup> {
    const waiting = this.wanted.get(parentId);
    if (waiting !== undefined) {
      this.wanted.set(parentId, Math.max(waiting, perParent));
      return this.groups.get(parentId)!;
    }
    const held = this.groups.get(parentId);
    if (!held) return this.send(parentId, perParent);
    return held.then((group) => {
      if (covers(group, perParent)) return group;
      return this.groups.get(parentId) === held ? this.send(parentId, perParent) : this.load(parentId, perParent);
    });
  }

  private send(parentId: number, perParent: number): Promise<RelationGroup> {
    this.wanted.set(parentId, perParent);
    const group = this.batches.load(parentId);
    this.groups.set(parentId, group);
    return group;
  }
}
