/**
 * A batch whose answer was never recorded (the process was killed while it
 * was in flight, or the call got no readable answer) may or may not have
 * been written. It is never sent again blindly: its rows are looked up.
 * - Creates: items registered by the job's owner since the batch was sent
 *   (less the clock skew), narrowed by the match key's values or by the
 *   first text field sent, and matched to rows by every scalar and reference
 *   value sent. An item some other row of the job already holds is never
 *   matched twice. Found: created. Not found: not written, pending again.
 * - Updates: read again by id; an item changed since the batch was sent and
 *   showing the values sent is updated; otherwise the row is pending again
 *   (sending an update again writes the same values).
 */
import { KINDS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import type { Criterion, Item, Ref } from '../../contract/types.js';
import type { UpstreamClient } from '../../upstream/types.js';
import { fetchAll } from '../../upstream/paged-reads.js';
import { CLOCK_SKEW_MS, confirmUpdates } from '../../write/recovery.js';
import type { InflightBatch, JobStore, RowResult } from '../store/job-store.js';

export interface ReconcileContext {
  store: JobStore;
  client: UpstreamClient;
  jobId: string;
  kind: ItemKind;
  /** Wire name of the match key, for upserts. */
  matchWire?: string;
  /** Upsales id of the job's owner (regBy of what the job created). */
  ownerUserId(): Promise<number>;
}

const COMPARED = new Set(['string', 'text', 'int', 'float', 'boolean', 'date', 'datetime', 'ref']);

/** Whether `stored` carries every scalar and reference value of `sent`. */
export function carries(kind: ItemKind, sent: Record<string, unknown>, stored: Item): boolean {
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  return Object.entries(sent).every(([wire, value]) => {
    const spec = fields[wire];
    if (!spec || !COMPARED.has(spec.type) || value === null || value === undefined) return true;
    const have = stored[wire];
    if (spec.type === 'ref') return (have as Ref | null | undefined)?.id === Number(value);
    if (spec.type === 'datetime') return Date.parse(String(have)) === Date.parse(String(value));
    return have === value;
  });
}

/** The criterion that narrows the lookup: the match key, else the first text field every row sent. */
function narrowing(kind: ItemKind, rows: InflightBatch['rows'], matchWire?: string): Criterion | null {
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  const candidates = matchWire ? [matchWire] : Object.keys(fields).filter((wire) => fields[wire].type === 'string');
  for (const wire of candidates) {
    const values = rows.map((row) => row.sent[wire]);
    if (values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return { field: wire, operator: 'in', values: [...new Set(values.map(String))] };
    }
  }
  return null;
}

async function reconcileCreates(ctx: ReconcileContext, batch: InflightBatch): Promise<RowResult[]> {
  const criteria: Criterion[] = [
    { field: 'regDate', operator: 'gte', values: [new Date(batch.sentAt - CLOCK_SKEW_MS).toISOString()] },
    { field: 'regBy', operator: 'eq', values: [String(await ctx.ownerUserId())] },
  ];
  const narrow = narrowing(ctx.kind, batch.rows, ctx.matchWire);
  if (narrow) criteria.push(narrow);
  const found = await fetchAll(ctx.client, ctx.kind, criteria, [{ field: 'id' }]);
  const held = await ctx.store.knownIds(ctx.jobId, found.map((item) => item.id!));
  const free = found.filter((item) => !held.has(item.id!));
  return batch.rows.map((row): RowResult => {
    const at = free.findIndex((item) => carries(ctx.kind, row.sent, item));
    if (at < 0) return { rowNo: row.rowNo, status: 'pending' };
    const [item] = free.splice(at, 1);
    return { rowNo: row.rowNo, status: 'created', upstreamId: item.id! };
  });
}

async function reconcileUpdates(ctx: ReconcileContext, batch: InflightBatch): Promise<RowResult[]> {
  const confirmed = await confirmUpdates(ctx.client, ctx.kind, batch.rows.map((row) => row.sent), batch.sentAt);
  return batch.rows.map((row, i): RowResult => (confirmed[i]
    ? { rowNo: row.rowNo, status: 'updated', upstreamId: confirmed[i]!.id! }
    : { rowNo: row.rowNo, status: 'pending' }));
}

/** Settles one batch of unknown outcome by lookups; returns how many rows were found written. */
export async function reconcileBatch(ctx: ReconcileContext, batch: InflightBatch): Promise<number> {
  const results = batch.rows.length === 0 ? [] : batch.op === 'create' ? await reconcileCreates(ctx, batch) : await reconcileUpdates(ctx, batch);
  await ctx.store.record(ctx.jobId, results, batch.id);
  return results.filter((r) => r.status !== 'pending').length;
}
