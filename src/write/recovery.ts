/**
 * After a write call that got no (readable) answer: the write may or may not
 * have happened upstream, so it is never sent again blindly.
 * - Creates are looked up by the kind's natural key (one `getByCriteria` per
 *   call that timed out), among items registered since the call started
 *   (less {@link CLOCK_SKEW_MS}). Found: it was written. Not found: it was not
 *   (as far as Upsales shows). Kinds without a natural key, inputs without
 *   one, or a lookup that fails too: uncertain.
 * - Updates and deletes are idempotent: the items are read again (one call)
 *   to confirm what is stored; unconfirmed ones are uncertain, and safe to
 *   send again.
 */
import { KINDS, type FieldSpec, type ItemKind } from '../contract/kinds.js';
import type { Criterion, Item, Ref } from '../contract/types.js';
import { MAX_LIMIT } from '../contract/wire.js';
import { ItemMissingError, loadByIds, type UpstreamClient } from '../upstream/index.js';
import type { WireItem } from './inputs.js';

/** Fields that identify a new item well enough to find it again. */
export const NATURAL_KEYS: Partial<Record<ItemKind, readonly string[]>> = {
  client: ['orgNo'],
  contact: ['email', 'client'],
  product: ['articleNo'],
  user: ['email'],
};

/** How far Upsales' clock may be behind the gateway's. */
export const CLOCK_SKEW_MS = 60_000;

const keyValue = (value: unknown): string | null => {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') return String((value as Ref).id);
  return String(value).toLowerCase();
};

const keyOf = (keys: readonly string[], item: Record<string, unknown>): string | null => {
  const parts = keys.map((key) => keyValue(item[key]));
  return parts.includes(null) ? null : JSON.stringify(parts);
};

/**
 * Per item of a create that timed out: the stored item when found, `null`
 * when looked up and not there, `undefined` when it cannot be told.
 */
export async function findCreated(upstream: UpstreamClient, kind: ItemKind, items: WireItem[], startedAt: number): Promise<(Item | null | undefined)[]> {
  const keys = NATURAL_KEYS[kind];
  if (!keys) return items.map(() => undefined);
  const itemKeys = items.map((item) => keyOf(keys, item));
  const counts = new Map<string, number>();
  for (const key of itemKeys) if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  // Two inputs with one key cannot be told apart.
  const lookable = itemKeys.map((key) => (key && counts.get(key) === 1 ? key : null));
  const wanted = items.filter((_, i) => lookable[i]);
  if (wanted.length === 0) return items.map(() => undefined);
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  const criteria: Criterion[] = keys.map((key) => ({
    field: fields[key].type === 'ref' ? `${key}.id` : key,
    operator: 'in',
    values: [...new Set(wanted.map((item) => String(item[key])))],
  }));
  criteria.push({ field: 'regDate', operator: 'gte', values: [new Date(startedAt - CLOCK_SKEW_MS).toISOString()] });
  let found: Item[];
  try {
    found = (await upstream.getByCriteria(kind, { criteria, sort: [{ field: 'id', descending: true }], limit: MAX_LIMIT })).items;
  } catch {
    return items.map(() => undefined);
  }
  return lookable.map((key) => (key ? found.find((item) => keyOf(keys, item) === key) ?? null : undefined));
}

const SCALARS = new Set(['string', 'text', 'int', 'float', 'boolean', 'date']);

/** Whether the stored item shows the update: changed since the call started, with the scalar values sent. */
function showsUpdate(kind: ItemKind, stored: Item, sent: WireItem, startedAt: number): boolean {
  const modDate = Date.parse(String(stored.modDate ?? ''));
  if (!(modDate >= startedAt - CLOCK_SKEW_MS)) return false;
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  return Object.entries(sent).every(([name, value]) => {
    const spec = fields[name];
    if (!spec || !SCALARS.has(spec.type)) return true;
    return (stored[name] ?? null) === value;
  });
}

/** Per item of an update that timed out: the stored item when it shows the update, else `undefined`. */
export async function confirmUpdates(upstream: UpstreamClient, kind: ItemKind, items: WireItem[], startedAt: number): Promise<(Item | undefined)[]> {
  const stored = await loadByIds(upstream, kind, items.map((item) => item.id as number));
  return stored.map((item, i) => (item instanceof Error || !showsUpdate(kind, item, items[i], startedAt) ? undefined : item));
}

/** Per id of a delete that timed out: whether it is confirmed gone (or inactive, for kinds deactivated). */
export async function confirmDeletes(upstream: UpstreamClient, kind: ItemKind, ids: number[]): Promise<boolean[]> {
  const stored = await loadByIds(upstream, kind, ids);
  const failed = stored.find((item) => item instanceof Error && !(item instanceof ItemMissingError));
  if (failed) return ids.map(() => false);
  return stored.map((item) => (item instanceof Error ? KINDS[kind].deleteMeans === 'delete' : KINDS[kind].deleteMeans === 'deactivate' && item.active === false));
}
