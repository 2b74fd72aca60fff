/**
 * Runs one import job: batches of staged rows go upstream through the
 * owner's account budget at background priority, several at once (the
 * budget's concurrency), until every row has its outcome.
 *
 * Per batch: rows are turned into write inputs (a bad row fails alone), its
 * references by key are looked up (cached per job), existing items are found
 * by the match key (one call), the batch is recorded as in flight, sent, and
 * its per-row outcomes recorded in one transaction. Rows sharing a match key
 * never travel in batches at the same time: a later one waits for the first
 * to be written, then finds it and updates it.
 *
 * A batch of unknown outcome (no readable answer, or in flight when the
 * process stopped) may still be written by Upsales after the client gave up:
 * aborting the request does not stop it. It stays in flight, its match keys
 * held, until `settleMs` after it was sent, and only then is reconciled by
 * lookups; meanwhile the runner works on other batches, or waits.
 */
import { KINDS, STRUCTS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import type { CustomFieldDefinition, Item, ItemResult } from '../../contract/types.js';
import { UpstreamError } from '../../upstream/errors.js';
import type { UpstreamClient } from '../../upstream/types.js';
import { fromItemError, mayHaveHappened } from '../../write/user-errors.js';
import { kindFields, writableFields } from '../../write/fields.js';
import { convertFields, type ConvertEnv, type WireItem } from '../../write/inputs.js';
import { ColumnPlan, keyField } from './columns.js';
import { LeaseLostError, StoreUnavailableError, type InflightBatch, type JobStore, type RowResult } from '../store/job-store.js';
import { findByValues, keyString, RefResolver } from './lookups.js';
import { reconcileBatch, type ReconcileContext } from './reconcile.js';
import { RowDrafter, type RowDraft } from './row-draft.js';
import type { JobRecord } from '../store/types.js';

/** Why a runner stopped before every row was done. `lost`: another process took the job's lease. */
export type StopMode = 'pause' | 'cancel' | 'shutdown' | 'lost';
/** `UNREACHABLE`: the job store could not be reached (its state could not be written either): the job goes on once it answers. */
export type RunEnd =
  | { state: 'COMPLETED' }
  | { state: 'PAUSED' | 'CANCELLED' | 'SHUTDOWN' | 'LOST' | 'UNREACHABLE' }
  | { state: 'PAUSED' | 'FAILED'; reason: string };

/** The job cannot go on with these credentials or this upstream now; resuming may help. */
class JobStop extends Error {}

const CALLER_FAULTS = new Set(['AUTHENTICATION_FAILED', 'API_ACCESS_DENIED']);

export interface RunnerDeps {
  store: JobStore;
  /** Bound to the owner's credentials, at background priority. */
  client: UpstreamClient;
  batchSize: number;
  concurrency: number;
  onProgress(): void;
  /** Renews the job's lease; false when this process no longer holds it. Checked before every write call. */
  holdsLease(): Promise<boolean>;
  /**
   * How long after a batch was sent its outcome may still change: the
   * upstream timeout plus a grace. A batch of unknown outcome is looked up
   * no sooner.
   */
  settleMs: number;
  /** Sends nothing before this time (epoch ms): a job taken over from a process that died waits out its calls' window. */
  notBefore?: number;
  /** Tells what reconciliation found (CLI output). */
  log?(message: string): void;
}

interface Ready { draft: RowDraft; item: WireItem }

export class JobRunner {
  private stopping: StopMode | null = null;
  private readonly kind: ItemKind;
  private readonly drafter: RowDrafter;
  private readonly matchWire?: string;
  private readonly matchName?: string;
  private readonly refs: RefResolver;
  private definitions?: Promise<CustomFieldDefinition[]>;
  private ownerUserId?: Promise<number>;
  /** Match keys of rows being processed now. */
  private readonly activeKeys = new Set<string>();
  /** Match keys of rows in batches of unknown outcome, not reconciled yet. */
  private unsettledKeys = new Set<string>();
  /** Batches found in flight when the runner started (the process stopped while they were sent). */
  private readonly interrupted = new Set<number>();
  private progressed = 0;
  /** Batches left of unknown outcome in the current pass. */
  private unknown = 0;
  private wake?: () => void;

  constructor(readonly job: JobRecord, private readonly deps: RunnerDeps) {
    this.kind = job.kind;
    this.drafter = new RowDrafter(ColumnPlan.forKind(job.kind, job.options.mapping));
    if (job.options.matchBy) {
      const key = keyField(job.kind, job.options.matchBy)!;
      this.matchWire = key.wire;
      this.matchName = key.name;
    }
    this.refs = new RefResolver(deps.client);
  }

  get batchSize(): number {
    return Math.min(this.job.options.batchSize ?? this.deps.batchSize, this.deps.batchSize);
  }

  /** Stops after the batches in flight are answered and recorded. */
  stop(mode: StopMode): void {
    this.stopping ??= mode;
    this.wake?.();
  }

  async run(): Promise<RunEnd> {
    const { store } = this.deps;
    try {
      for (const batch of await store.inflightBatches(this.job.id)) this.interrupted.add(batch.id);
      if ((this.deps.notBefore ?? 0) > Date.now()) await this.sleepUntil(this.deps.notBefore!);
      /** `progressed` when a pass got no answer at all; the job pauses if its batches then turn out unwritten. */
      let stalledAt: number | null = null;
      for (;;) {
        await this.reconcileDue();
        if (this.stopping === 'lost') break;
        const waiting = await store.inflightBatches(this.job.id);
        // A cancel waits to settle what is in flight, so that every row of the job ends with an outcome.
        if (this.stopping && (this.stopping !== 'cancel' || waiting.length === 0)) break;
        if (stalledAt !== null && waiting.length === 0) {
          if (this.progressed === stalledAt) throw new JobStop('Upsales did not answer the last batches; resume the import to try again');
          stalledAt = null;
        }
        const pending = this.stopping ? 0 : await store.countRows(this.job.id, 'pending');
        if (pending === 0 && waiting.length === 0) break;
        if (pending > 0 && stalledAt === null) {
          this.holdKeys(waiting);
          const before: number = this.progressed;
          this.unknown = 0;
          await this.pass();
          if (this.progressed === before && !this.stopping) {
            if (this.unknown === 0 && (await store.inflightBatches(this.job.id)).length === 0) throw new JobStop('The import made no progress; resume it to try again');
            if (this.unknown > 0) stalledAt = before;
          }
          continue;
        }
        await this.sleepUntil(Math.min(...waiting.map((b) => b.sentAt)) + this.deps.settleMs);
      }
    } catch (error) {
      if (error instanceof LeaseLostError) return { state: 'LOST' };
      if (error instanceof StoreUnavailableError) return { state: 'UNREACHABLE' };
      if (error instanceof JobStop || error instanceof UpstreamError) return { state: 'PAUSED', reason: error.message };
      return { state: 'FAILED', reason: error instanceof Error ? error.message : String(error) };
    }
    if (this.stopping === 'cancel') return { state: 'CANCELLED' };
    if (this.stopping === 'pause') return { state: 'PAUSED' };
    if (this.stopping === 'shutdown') return { state: 'SHUTDOWN' };
    if (this.stopping === 'lost') return { state: 'LOST' };
    return { state: 'COMPLETED' };
  }

  /** Reconciles the batches of unknown outcome sent at least `settleMs` ago. */
  private async reconcileDue(): Promise<void> {
    const now = Date.now();
    const due = (await this.deps.store.inflightBatches(this.job.id)).filter((b) => b.sentAt + this.deps.settleMs <= now);
    let batches = 0;
    let found = 0;
    let rows = 0;
    for (const batch of due) {
      const written = await reconcileBatch(this.reconcileContext(), batch);
      this.progressed += written;
      this.deps.onProgress();
      if (!this.interrupted.delete(batch.id)) continue;
      batches += 1;
      found += written;
      rows += batch.rows.length;
    }
    if (batches) this.deps.log?.(`Reconciled ${batches} batch(es) in flight when the job stopped: ${found} of ${rows} rows were written; the others go again`);
  }

  /** Holds the match keys of rows in batches of unknown outcome: rows with those keys wait for the reconciliation. */
  private holdKeys(waiting: InflightBatch[]): void {
    this.unsettledKeys = new Set();
    if (!this.matchName) return;
    for (const row of waiting.flatMap((b) => b.rows)) {
      const key = this.matchKey(this.drafter.draft(row.rowNo, row.data));
      if (key !== null) this.unsettledKeys.add(key);
    }
  }

  private async sleepUntil(time: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, time - Date.now()));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private reconcileContext(): ReconcileContext {
    return {
      store: this.deps.store, client: this.deps.client, jobId: this.job.id, kind: this.kind, matchWire: this.matchWire,
      ownerUserId: () => (this.ownerUserId ??= this.findOwner()),
    };
  }

  private async findOwner(): Promise<number> {
    if (this.job.ownerUserId) return this.job.ownerUserId;
    const { items } = await this.deps.client.getByCriteria('user', { criteria: [{ field: 'email', operator: 'eq', values: [this.job.owner] }], limit: 1 });
    if (!items[0]?.id) throw new JobStop('The importing user was not found in Upsales');
    await this.deps.store.setOwnerUserId(this.job.id, items[0].id);
    return items[0].id;
  }

  /** One pass over the pending rows, several batches in flight. */
  private async pass(): Promise<void> {
    const cursor = { after: 0, end: false };
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (;;) {
      while (!this.stopping && failure === undefined && !cursor.end && inFlight.size < this.deps.concurrency) {
        const drafts = await this.take(cursor);
        if (drafts.length === 0) continue;
        const keys = drafts.map((d) => this.matchKey(d)).filter((k): k is string => k !== null);
        const done: Promise<void> = this.process(drafts)
          .catch((error: unknown) => { failure ??= error; })
          .finally(() => {
            for (const key of keys) this.activeKeys.delete(key);
            inFlight.delete(done);
          });
        inFlight.add(done);
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    if (failure !== undefined) throw failure;
  }

  private matchKey(draft: RowDraft): string | null {
    return this.matchName ? keyString(draft.input[this.matchName]) : null;
  }

  /** The next batch of sendable rows; rows that cannot be written fail at once (recorded). */
  private async take(cursor: { after: number; end: boolean }): Promise<RowDraft[]> {
    const batch: RowDraft[] = [];
    const failed: RowResult[] = [];
    while (batch.length < this.batchSize) {
      const rows = await this.deps.store.pendingRows(this.job.id, cursor.after, this.batchSize);
      if (rows.length === 0) {
        cursor.end = true;
        break;
      }
      for (const row of rows) {
        if (batch.length >= this.batchSize) break;
        cursor.after = row.rowNo;
        const draft = this.drafter.draft(row.rowNo, row.data);
        if (draft.problems.length) {
          failed.push({ rowNo: row.rowNo, status: 'failed', reason: draft.problems.join('; ') });
          continue;
        }
        if (this.matchName) {
          const key = this.matchKey(draft);
          if (key === null) {
            failed.push({ rowNo: row.rowNo, status: 'failed', reason: `${this.matchName} (the match key) is empty` });
            continue;
          }
          // Another batch carries this key now: this row waits for the next pass.
          if (this.activeKeys.has(key) || this.unsettledKeys.has(key)) continue;
          this.activeKeys.add(key);
        }
        batch.push(draft);
      }
    }
    if (failed.length) await this.recorded(failed);
    return batch;
  }

  private async recorded(results: RowResult[], batchId?: number): Promise<void> {
    await this.deps.store.record(this.job.id, results, batchId);
    this.progressed += results.filter((r) => r.status !== 'pending').length;
    this.deps.onProgress();
  }

  private async process(drafts: RowDraft[]): Promise<void> {
    const { client } = this.deps;
    await this.refs.resolve(drafts.flatMap((d) => d.refs));
    const definitions = drafts.some((d) => d.hasCustom) ? await (this.definitions ??= client.getCustomFields()) : [];
    const existing = this.matchWire
      ? await findByValues(client, this.kind, this.matchWire, drafts.map((d) => this.matchKey(d)!))
      : new Map<string, Item[]>();
    const creates: Ready[] = [];
    const updates: Ready[] = [];
    const failed: RowResult[] = [];
    for (const draft of drafts) {
      const found = this.matchWire ? existing.get(this.matchKey(draft)!) ?? [] : [];
      const problems = this.refs.fill(draft.input);
      if (found.length > 1) problems.push(`${found.length} ${KINDS[this.kind].plural} have ${this.matchName} "${this.matchKey(draft)}"; cannot tell which to update`);
      const mode = found.length === 1 ? 'update' : 'create';
      const item = problems.length ? {} : this.convert(draft, mode, definitions, problems);
      if (problems.length) failed.push({ rowNo: draft.rowNo, status: 'failed', reason: problems.join('; ') });
      else if (mode === 'update') updates.push({ draft, item: { ...item, id: found[0].id } });
      else creates.push({ draft, item });
    }
    if (failed.length) await this.recorded(failed);
    await Promise.all([this.send('create', creates), this.send('update', updates)]);
  }

  /** The wire item of a draft, checked by the GraphQL write path's conversion; problems are added. */
  private convert(draft: RowDraft, mode: 'create' | 'update', definitions: CustomFieldDefinition[], problems: string[]): WireItem {
    const fields = kindFields(this.kind);
    const env: ConvertEnv = { definitions, setName: KINDS[this.kind].customFieldKind, problems: [] };
    const item = convertFields(fields, draft.input, mode, [], env);
    const rows = draft.input.rows;
    if (mode === 'update' && Array.isArray(rows)) {
      // The file's rows replace the item's rows.
      item.orderRow = rows.map((row, i) => convertFields(STRUCTS.OrderRow as Record<string, FieldSpec>, row as Record<string, unknown>, 'create', ['rows', String(i)], { ...env, setName: 'orderRow' }));
    }
    if (mode === 'create') {
      for (const field of writableFields(fields)) {
        if (field.spec.required && draft.input[field.name] === undefined) problems.push(`${field.name} is required`);
      }
    }
    problems.push(...env.problems.map((p) => `${p.field.join('.')}: ${p.message}`));
    return item;
  }

  private async send(op: 'create' | 'update', ready: Ready[]): Promise<void> {
    if (ready.length === 0) return;
    const { store, client } = this.deps;
    if (!await this.deps.holdsLease()) {
      this.stop('lost');
      throw new LeaseLostError(`Another process took import job ${this.job.id}`);
    }
    const sentAt = Date.now();
    // Fenced: written only while this process holds the lease it took (LeaseLostError otherwise), so a stale runner sends nothing.
    const batchId = await store.markInflight(this.job.id, op, ready.map((r) => ({ rowNo: r.draft.rowNo, sent: r.item })), sentAt);
    let results: ItemResult[];
    try {
      results = await client[op](this.kind, ready.map((r) => r.item));
    } catch (error) {
      // Refused before it went on the wire: another process holds the job now; the batch stays in flight for it to look up.
      if (error instanceof LeaseLostError || error instanceof StoreUnavailableError) {
        if (error instanceof LeaseLostError) this.stop('lost');
        throw error;
      }
      if (mayHaveHappened(error)) {
        // Unknown outcome: Upsales may still write it.
        this.leaveUnknown(ready);
        return;
      }
      const kind = (error as { kind?: string }).kind ?? '';
      if (CALLER_FAULTS.has(kind)) {
        await this.recorded(ready.map((r) => ({ rowNo: r.draft.rowNo, status: 'pending' })), batchId);
        throw new JobStop((error as Error).message);
      }
      const reason = error instanceof UpstreamError ? `${error.code}: ${error.message}` : 'The call failed';
      await this.recorded(ready.map((r) => ({ rowNo: r.draft.rowNo, status: 'failed', reason })), batchId);
      return;
    }
    const byIndex = new Map(results.map((r) => [r.index, r]));
    const outcomes: RowResult[] = [];
    const unknown: Ready[] = [];
    ready.forEach((r, i) => {
      const result = byIndex.get(i);
      const id = result?.item?.id ?? (op === 'update' ? (r.item.id as number) : undefined);
      if (result?.success && id) outcomes.push({ rowNo: r.draft.rowNo, status: op === 'create' ? 'created' : 'updated', upstreamId: id });
      // Written without a readable id, or no word on the row: it may be written, so it is looked up, never failed (a failed row invites a resend).
      else if (!result || result.success) unknown.push(r);
      else outcomes.push({ rowNo: r.draft.rowNo, status: 'failed', reason: fromItemError(result.error, null).message, upstreamId: op === 'update' ? (r.item.id as number) : null });
    });
    // The batch stays open (its unknown rows in flight) until it is reconciled.
    await this.recorded(outcomes, unknown.length ? undefined : batchId);
    if (unknown.length) this.leaveUnknown(unknown);
  }

  /** Rows of unknown outcome stay in flight, their match keys held, until their batch can be reconciled (run). */
  private leaveUnknown(rows: Ready[]): void {
    this.unknown += 1;
    for (const r of rows) {
      const key = this.matchKey(r.draft);
      if (key !== null) this.unsettledKeys.add(key);
    }
    this.deps.onProgress();
  }
}
