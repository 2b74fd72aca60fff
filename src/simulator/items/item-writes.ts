/**
 * Building stored records from patches: defaults on create, partial merge on
 * update, derived fields, and the checks that need the whole record.
 */
import { KINDS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import type { Rec, Store } from '../store.js';
import type { Caller } from './rights.js';
import { FieldError } from './scalars.js';
import type { CustomPatch, Patch } from './decode-item.js';

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Recomputes read-only derived fields: contact name, order value and weighted value. */
export function derive(kind: ItemKind, rec: Rec): void {
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  if (kind === 'contact') rec.name = [rec.firstName, rec.lastName].filter((p) => p).join(' ');
  if ('weightedValue' in fields) {
    const rows = (rec.orderRow as { quantity: number; price: number }[] | undefined) ?? [];
    rec.value = round2(rows.reduce((sum, row) => sum + row.quantity * row.price, 0));
    rec.weightedValue = round2(((rec.value as number) * ((rec.probability as number | null) ?? 0)) / 100);
  }
}

function mergeCustom(current: Rec['customfield'], patch: CustomPatch[] | null): Rec['customfield'] {
  if (patch === null) return [];
  const byId = new Map((current ?? []).map((c) => [c.fieldId, c.value]));
  for (const { fieldId, value } of patch) {
    if (value === null) byId.delete(fieldId);
    else byId.set(fieldId, value);
  }
  return [...byId].sort((a, b) => a[0] - b[0]).map(([fieldId, value]) => ({ fieldId, value }));
}

/** Gives order rows ids: a row keeps its id if it was a row of this item, else gets a new one. */
function numberRows(store: Store, rows: Record<string, unknown>[] | null | undefined, previous: Record<string, unknown>[]): void {
  const known = new Set(previous.map((r) => r.id as number));
  for (const [i, row] of (rows ?? []).entries()) {
    if (typeof row.id !== 'number' || !known.has(row.id)) row.id = store.nextId('orderRow');
    known.delete(row.id as number);
    row.sortId ??= i + 1;
    if (row.customfield) row.customfield = mergeCustom([], row.customfield as CustomPatch[]);
  }
}

/** Applies a decoded patch to a record (a fresh one on create). */
export function applyPatch(store: Store, kind: ItemKind, rec: Rec, patch: Patch): void {
  const previousRows = (rec.orderRow as Record<string, unknown>[] | undefined) ?? [];
  for (const [name, value] of Object.entries(patch)) {
    if (name === 'id') continue;
    if (name === 'customfield') rec.customfield = mergeCustom(rec.customfield, value as CustomPatch[] | null);
    else rec[name] = value;
  }
  if ('orderRow' in patch) numberRows(store, patch.orderRow as Record<string, unknown>[] | null, previousRows);
  if ('stage' in patch && patch.stage && !('probability' in patch) && !isFixedProbability(kind)) {
    rec.probability = store.stage((patch.stage as { id: number }).id)?.probability ?? rec.probability;
  }
}

const isFixedProbability = (kind: ItemKind): boolean => {
  const range = (KINDS[kind] as { probability?: { min: number; max: number } }).probability;
  return !range || range.min === range.max;
};

/** A new record with the defaults of its kind, owned by the caller where nobody else is named. */
export function newRecord(store: Store, kind: ItemKind, caller: Caller, patch: Patch): Rec {
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  const now = store.stamp();
  const rec: Rec = { id: 0, regDate: now, modDate: now, regBy: caller.userId };
  if ('active' in fields) rec.active = true;
  if ('currency' in fields) rec.currency = store.meta.currencies.find((c) => c.masterCurrency)?.iso ?? 'SEK';
  if ('probability' in fields && isFixedProbability(kind)) rec.probability = 100;
  const ownership = KINDS[kind].ownership as { users?: string; user?: string } | null;
  const ownerField = ownership?.users ?? ownership?.user;
  if (ownerField && !fields[ownerField].required && !(ownerField in patch)) rec[ownerField] = ownership?.users ? [caller.userId] : caller.userId;
  applyPatch(store, kind, rec, patch);
  return rec;
}

/** Checks what needs the whole record: required fields, probability, currency, unique keys. */
export function checkRecord(store: Store, kind: ItemKind, rec: Rec, creating: boolean): void {
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  for (const [name, spec] of Object.entries(fields)) {
    const value = rec[name];
    if (spec.required && !spec.readOnly && (value == null || (Array.isArray(value) && value.length === 0) || value === '')) {
      throw new FieldError(name, `${name} is required`);
    }
  }
  if ('probability' in fields) {
    const range = (KINDS[kind] as { probability?: { min: number; max: number } }).probability;
    const p = rec.probability as number | null | undefined;
    if (p == null) throw new FieldError('probability', 'probability is required (or a stage to take it from)');
    if (!Number.isInteger(p) || p < 0 || p > 100) throw new FieldError('probability', 'probability must be between 0 and 100');
    if (creating && range && (p < range.min || p > range.max)) {
      throw new FieldError('probability', `${KINDS[kind].service} takes probability ${range.min === range.max ? range.min : `${range.min} to ${range.max}`}`);
    }
  }
  if ('currency' in fields && rec.currency != null && !store.meta.currencies.some((c) => c.iso === rec.currency && c.active)) {
    throw new FieldError('currency', `currency ${String(rec.currency)} is not an active currency`);
  }
  const unique = kind === 'product' ? 'articleNo' : kind === 'user' ? 'email' : null;
  if (unique && rec[unique] != null) {
    const key = String(rec[unique]).toLowerCase();
    for (const other of store.entity(kind).values()) {
      if (other.id !== rec.id && other[unique] != null && String(other[unique]).toLowerCase() === key) {
        throw new FieldError(unique, `${unique} ${String(rec[unique])} is already used by ${KINDS[kind].typeName.toLowerCase()} ${other.id}`);
      }
    }
  }
}
