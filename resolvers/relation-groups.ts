/**
 * How the children of a wave of parents are fetched, exactly and for the
 * fewest calls: one page by foreign key for all of them, grouped back. The
 * sort always ends with id, so the items a parent has in that page are its
 * first ones: when the children do not fit one page, a parent whose loads
 * want no total and whose first items the page holds is done, and the
 * others cost the fewer of the remaining pages and one call per parent (for
 * the items its loads want, and its total).
 */
import type { Criterion, Item, SortSpec } from '../src/contract/types.js';
import { MAX_LIMIT } from '../src/contract/wire.js';
import type { UpstreamClient } from '../src/upstream/types.js';
import type { GroupWant, RelationGroup } from './relation-loader.js';
import { idsAt, type Relation } from './relations.js';

/** What one relation loader fetches: the filter and order its loads share (their pages, first and after, may differ). */
export interface RelationQuery {
  criteria: Criterion[];
  sort: SortSpec[];
}

/** What fetching groups needs of the request. */
export interface GroupsDeps {
  upstream: UpstreamClient;
  /**
   * Runs `step`, which sends `calls` calls, once they are set aside under the
   * request's call ceiling; refuses it before any when the request has fewer
   * left (`total`: the related items that made them needed).
   */
  afford<T>(calls: number, total: number, step: () => Promise<T>): Promise<T>;
}

/** `items` per parent, in the order of `parentIds`. */
function groupBack(items: Item[], relation: Relation, parentIds: readonly number[]): Item[][] {
  const groups = new Map<number, Item[]>(parentIds.map((id) => [id, []]));
  for (const item of items) {
    for (const id of new Set(idsAt(item, relation.foreignKey))) groups.get(id)?.push(item);
  }
  return parentIds.map((id) => groups.get(id)!);
}

/** The groups of `parentIds`, each holding what `wants[i]` asks. */
export async function fetchGroups(
  deps: GroupsDeps, relation: Relation, query: RelationQuery, parentIds: readonly number[], wants: readonly GroupWant[],
): Promise<RelationGroup[]> {
  const { upstream } = deps;
  const byParent = (operator: 'in' | 'eq', ids: readonly number[]): Criterion[] =>
    [{ field: relation.foreignKey, operator, values: ids.map(String) }, ...query.criteria];
  const criteria = byParent('in', parentIds);
  const page = await upstream.getByCriteria(relation.kind, { criteria, sort: query.sort, limit: MAX_LIMIT });
  if (page.items.length >= page.total) return groupBack(page.items, relation, parentIds).map((items) => ({ items, total: items.length }));

  const inPage = groupBack(page.items, relation, parentIds);
  const holds = (index: number) => inPage[index].length >= wants[index].items;
  const open = parentIds.map((_, index) => index).filter((index) => wants[index].total || !holds(index));
  const pages = Math.ceil((page.total - page.items.length) / MAX_LIMIT);
  // With one parent per child, the page's total less the others' totals is the
  // total of a parent whose wanted items the page holds: it needs no call.
  const derived = relation.single && open.length === parentIds.length ? parentIds.findIndex((_, index) => holds(index)) : -1;
  const asked = open.filter((index) => index !== derived);
  if (asked.length <= pages) {
    const own = await deps.afford(asked.length, page.total, () => Promise.all(asked.map((index) => upstream.getByCriteria(relation.kind, {
      criteria: byParent('eq', [parentIds[index]]), sort: query.sort, limit: Math.max(1, wants[index].items),
    }))));
    const groups: RelationGroup[] = inPage.map((items) => ({ items, total: undefined }));
    asked.forEach((index, at) => {
      groups[index] = { items: own[at].items, total: own[at].total };
    });
    if (derived >= 0) {
      const others = own.reduce((sum, result) => sum + result.total, 0);
      groups[derived].total = Math.max(page.total - others, inPage[derived].length);
    }
    return groups;
  }
  await deps.afford(pages, page.total, async () => {
    for (let offset = page.items.length; offset < page.total; offset += MAX_LIMIT) {
      const next = await upstream.getByCriteria(relation.kind, { criteria, sort: query.sort, limit: MAX_LIMIT, offset });
      if (next.items.length === 0) break;
      page.items.push(...next.items);
    }
  });
  return groupBack(page.items, relation, parentIds).map((items) => ({ items, total: items.length }));
}
