/**
 * What one run of an operation read of Upsales: the kinds whose lists it
 * read (a page, a relation's items, a count), and each item it was handed.
 * A live query (app/plugins/use-live-queries.ts) runs again only when a
 * change touches its last run's trail: a change to an item it never read,
 * of a kind it read no list of, costs it nothing.
 */
import type { ItemKind } from '../contract/kinds.js';
import type { Item } from '../contract/types.js';
import type { UpstreamClient } from '../upstream/types.js';

/** A change as the trail needs it: which item of which kind. */
export interface ItemChange {
  kind: ItemKind;
  upsalesId: number;
}

export class ReadTrail {
  /** Kinds of which a list (or a count) was read: any change of that kind may change what the run showed. */
  readonly lists = new Set<ItemKind>();
  /** Items the run was handed, as `<kind>:<id>`. */
  readonly items = new Set<string>();

  /** Whether `change` may change what the run read. */
  touches(change: ItemChange): boolean {
    return this.lists.has(change.kind) || this.items.has(`${change.kind}:${change.upsalesId}`);
  }

  /** Records what `client`'s reads return, as they return it. */
  recording(client: UpstreamClient): UpstreamClient {
    const handed = (kind: ItemKind, items: readonly Item[]) => {
      for (const item of items) if (typeof item.id === 'number') this.items.add(`${kind}:${item.id}`);
    };
    const listed = (kind: ItemKind) => this.lists.add(kind);
    return {
      ...client,
      getByCriteria: async (kind, query) => {
        listed(kind);
        const result = await client.getByCriteria(kind, query);
        handed(kind, result.items);
        return result;
      },
      get: async (kind, id) => {
        this.items.add(`${kind}:${id}`);
        return client.get(kind, id);
      },
      getAll: async (kind) => {
        listed(kind);
        const items = await client.getAll(kind);
        handed(kind, items);
        return items;
      },
      count: async (kind) => {
        listed(kind);
        return client.count(kind);
      },
    };
  }
}
