/**
 * The children of one relation (one filter and order) per parent, for every
 * page asked: the aliases of a relation that differ only in `first` or
 * `after` share one fetch per wave. A parent's group is kept for the request;
 * a later load that needs more of a parent than was fetched for it (a page
 * of a group too large to fetch whole, or its total) fetches it again.
 */
import DataLoader from 'dataloader';
import type { Item } from '../src/contract/types.js';

/** The related items of one parent (at least its first ones a load wanted), and how many there are. */
export interface RelationGroup {
  items: Item[];
  /** How many there are; undefined when not counted (no load asked), `items` then holds at least what they wanted. */
  total: number | undefined;
}

/** What the loads of a parent want of its group. */
export interface GroupWant {
  /** At least its first `items` (offset + first), or all of them when it has fewer. */
  items: number;
  /** Its total. */
  total: boolean;
}

/** Fetches the groups of `parentIds`, in their order, each holding what `wants[i]` asks. */
export type FetchGroups = (parentIds: readonly number[], wants: readonly GroupWant[]) => Promise<RelationGroup[]>;

const covers = (group: RelationGroup, want: GroupWant) => (group.total === undefined
  ? !want.total && group.items.length >= want.items
  : group.items.length >= Math.min(group.total, want.items));

export class RelationLoader {
  /** Each parent's group, fetched or on its way. */
  private readonly groups = new Map<number, Promise<RelationGroup>>();
  /** Parents of the batch not sent yet, with all that their loads want. */
  private readonly wanted = new Map<number, GroupWant>();
  private readonly batches: DataLoader<number, RelationGroup>;

  /** `schedule`: when a batch is sent (DataLoader's `batchScheduleFn`). */
  constructor(fetch: FetchGroups, schedule?: DataLoader.Options<number, RelationGroup>['batchScheduleFn']) {
    this.batches = new DataLoader<number, RelationGroup>((parentIds) => {
      const wants = parentIds.map((id) => this.wanted.get(id)!);
      for (const id of parentIds) this.wanted.delete(id);
      return fetch(parentIds, wants);
    }, { cache: false, batchScheduleFn: schedule });
  }

  /** The group of `parentId`, holding what `want` asks. */
  load(parentId: number, want: GroupWant): Promise<RelationGroup> {
    const waiting = this.wanted.get(parentId);
    if (waiting !== undefined) {
      this.wanted.set(parentId, { items: Math.max(waiting.items, want.items), total: waiting.total || want.total });
      return this.groups.get(parentId)!;
    }
    const held = this.groups.get(parentId);
    if (!held) return this.send(parentId, want);
    return held.then((group) => {
      if (covers(group, want)) return group;
      return this.groups.get(parentId) === held ? this.send(parentId, want) : this.load(parentId, want);
    });
  }

  private send(parentId: number, want: GroupWant): Promise<RelationGroup> {
    this.wanted.set(parentId, want);
    const group = this.batches.load(parentId);
    this.groups.set(parentId, group);
    return group;
  }
}
