/**
 * Finding items by the value of a field: for references given by a key
 * (`client.orgNo`), cached per job, and for the match key of an upsert.
 * One `getByCriteria` with `field in [...]` per batch of distinct values.
 */
import { KINDS, type ItemKind } from '../../contract/kinds.js';
import type { Criterion, Item } from '../../contract/types.js';
import { MAX_LIMIT } from '../../contract/wire.js';
import type { UpstreamClient } from '../../upstream/types.js';
import { fetchAll } from '../../upstream/paged-reads.js';
import { RefPlaceholder, type RefKey } from './row-draft.js';

/** Values per `in` criterion. */
const VALUES_PER_CALL = 500;

export const keyString = (value: unknown): string | null =>
  value === null || value === undefined || value === '' ? null : String(value);

/** Items of `kind` whose `field` is one of `values`, by value. Pages when more than one page matches. */
export async function findByValues(
  client: UpstreamClient, kind: ItemKind, field: string, values: string[], extra: Criterion[] = [],
): Promise<Map<string, Item[]>> {
  const byValue = new Map<string, Item[]>();
  const unique = [...new Set(values)];
  for (let i = 0; i < unique.length; i += VALUES_PER_CALL) {
    const criteria: Criterion[] = [{ field, operator: 'in', values: unique.slice(i, i + VALUES_PER_CALL) }, ...extra];
    const { items, total } = await client.getByCriteria(kind, { criteria, sort: [{ field: 'id' }], limit: MAX_LIMIT });
    const all = total > items.length ? await fetchAll(client, kind, criteria, [{ field: 'id' }]) : items;
    for (const item of all) {
      const key = keyString(item[field]);
      if (key === null) continue;
      const list = byValue.get(key) ?? [];
      list.push(item);
      byValue.set(key, list);
    }
  }
  return byValue;
}

const refId = (ref: RefKey) => `${ref.target}\u0000${ref.key}\u0000${ref.value}`;

/** References by key, looked up once per job and value. */
export class RefResolver {
  private readonly ids = new Map<string, number[]>();

  constructor(private readonly client: UpstreamClient) {}

  /** Looks up every value not yet known: one call per target and key field. */
  async resolve(refs: RefKey[]): Promise<void> {
    const groups = new Map<string, RefKey[]>();
    for (const ref of refs) {
      if (this.ids.has(refId(ref))) continue;
      const group = `${ref.target}\u0000${ref.key}`;
      groups.set(group, [...(groups.get(group) ?? []), ref]);
    }
    for (const group of groups.values()) {
      const { target, key } = group[0];
      const found = await findByValues(this.client, target, key, group.map((ref) => ref.value));
      for (const ref of group) this.ids.set(refId(ref), (found.get(ref.value) ?? []).map((item) => item.id!));
    }
  }

  /**
   * Replaces the placeholders in `input` (top level, lists, order rows) by
   * the ids found; returns a problem per reference not found or ambiguous.
   */
  fill(input: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const replace = (value: unknown): unknown => {
      if (value instanceof RefPlaceholder) {
        const { target, key, value: keyValue } = value.ref;
        const ids = this.ids.get(refId(value.ref)) ?? [];
        const what = `${KINDS[target].typeName} with ${key} "${keyValue}"`;
        if (ids.length === 1) return ids[0];
        problems.push(ids.length ? `${value.column}: ${ids.length} items are a ${what}; cannot tell which` : `${value.column}: there is no ${what}`);
        return undefined;
      }
      if (Array.isArray(value)) return value.map(replace);
      if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = replace(v);
      }
      return value;
    };
    replace(input);
    return problems;
  }
}
