/**
 * Creates, updates and deletes of any kind, one item or many, the same way:
 * 1. every input is converted and checked (custom field definitions: one
 *    call, only when an input names a custom field); bad items get their
 *    errors and are not sent;
 * 2. the good ones go upstream in chunks of UPSALES_BATCH_SIZE, through the
 *    account's budget; Upsales answers per item, so one bad item never
 *    hides or undoes the others;
 * 3. a call without a (readable) answer is not repeated: see src/write/recovery.ts;
 * 4. what was written replaces what the request had cached.
 */
import { KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { DeleteResult, Item, ItemError, ItemResult } from '../src/contract/types.js';
import { ItemMissingError, loadByIds, type UpstreamClient } from '../src/upstream/index.js';
import { toGraphQLError } from '../src/request/errors.js';
import { upstreamId } from '../src/request/global-id.js';
import { fromCallError, fromItemError, InputProblem, mayHaveHappened, type UserError } from '../src/write/user-errors.js';
import { inputPath, kindFields } from '../src/write/fields.js';
import { confirmDeletes, confirmUpdates, findCreated } from '../src/write/recovery.js';
import { convertFields, needsDefinitions, type ConvertEnv, type Input, type RowsUpdateInput, type WireItem } from '../src/write/inputs.js';
import type { RequestLoaders } from './loaders.js';
import { mergeRows } from './write-rows.js';

/**
 * - WRITTEN: Upsales stored it
 * - CONFIRMED_AFTER_TIMEOUT: the call timed out, and a lookup showed it stored
 * - FAILED: not written (see the errors)
 * - UNCERTAIN: the call timed out and it could not be told whether it was written
 */
export type WriteStatus = 'WRITTEN' | 'CONFIRMED_AFTER_TIMEOUT' | 'FAILED' | 'UNCERTAIN';

/** The result of one input item, at its input position. */
export interface WriteOutcome {
  index: number;
  status: WriteStatus;
  /** The item as stored (creates and updates). */
  item?: Item;
  /** The Upsales id written (or that failed), when known. */
  upsalesId?: number;
  errors: UserError[];
}

/** The request's cache of items by id, kept in step with the writes. */
export interface NodeCache {
  prime(kind: ItemKind, item: Item): void;
  forget(kind: ItemKind, id: number): void;
  forgetAll(): void;
}

/** What a write needs of its request: the request's client and loaders, and UPSALES_BATCH_SIZE. */
export interface WriteContext {
  upstream: UpstreamClient;
  loaders: RequestLoaders;
  config: { batchSize: number };
}

export interface WriteTarget {
  ctx: WriteContext;
  kind: ItemKind;
  cache: NodeCache;
  /** Batch mutations number their errors and name paths from `inputs`/`ids`; single ones from `input`/`id`. */
  batch: boolean;
}

export interface UpdateEntry { id: unknown; input: Input }

const isWritten = (o: WriteOutcome) => o.status === 'WRITTEN' || o.status === 'CONFIRMED_AFTER_TIMEOUT';
const UNCERTAIN_CREATE = 'Upsales did not answer in time: this item may have been created. Look it up before creating it again.';
const WRITTEN_UNSEEN = 'Upsales reports this item written but sent nothing back: look it up before writing it again.';
const NOT_FOUND_YET = 'Upsales did not answer in time, and no such item was found right after: Upsales may still be writing it. Look it up again before creating it again.';
const UNCERTAIN_CHANGE = 'Upsales did not answer in time and the change could not be confirmed. It is safe to send again.';

class Outcomes {
  readonly list: WriteOutcome[];
  constructor(private readonly target: WriteTarget, count: number, private readonly deleting = false) {
    this.list = Array.from({ length: count }, (_, index) => ({ index, status: 'FAILED' as WriteStatus, errors: [] }));
  }

  /** Path of item `index`'s input (`['inputs', '3']` or `['input']`). */
  path(index: number, arg: 'input' | 'id'): string[] {
    const { batch } = this.target;
    if (arg === 'id') return batch ? (this.deleting ? ['ids', String(index)] : ['inputs', String(index), 'id']) : ['id'];
    return batch ? ['inputs', String(index)] : ['input'];
  }

  fail(index: number, errors: Omit<UserError, 'index'>[], status: WriteStatus = 'FAILED'): void {
    const outcome = this.list[index];
    outcome.status = status;
    outcome.errors = errors.map((error) => ({ index: this.target.batch ? index : null, ...error }));
  }

  problems(index: number, problems: InputProblem[]): void {
    this.fail(index, problems.map((p) => ({ field: p.field, message: p.message, code: p.code })));
  }

  written(index: number, item: Item | undefined, status: WriteStatus = 'WRITTEN', upsalesId = item?.id): void {
    Object.assign(this.list[index], { status, item, upsalesId, errors: [] });
  }

  /** Maps one upstream item error to the caller's input path. */
  /** Upsales' answer for one item: written, refused, or written with nothing to show (then uncertain, never "failed"). */
  answered(index: number, result: ItemResult, mergedRows = false): void {
    if (result.success && result.item) this.written(index, result.item);
    else if (result.success) this.fail(index, [{ code: 'UPSTREAM_UNCERTAIN', message: WRITTEN_UNSEEN, field: null }], 'UNCERTAIN');
    else this.itemError(index, result.error, mergedRows);
  }

  itemError(index: number, error: ItemError | undefined, mergedRows = false): void {
    const field = inputPath(kindFields(this.target.kind), error?.field, mergedRows);
    this.fail(index, [fromItemError(error, field ? [...this.path(index, 'input'), ...field] : null)]);
  }
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Sends the chunks (concurrently: the account budget paces them) and records each item's outcome. */
async function send<T extends { index: number }, R extends { index: number }>(
  target: WriteTarget, outcomes: Outcomes, ready: T[],
  call: (chunk: T[]) => Promise<R[]>,
  settle: (entry: T, result: R) => void,
  recover: (chunk: T[], startedAt: number) => Promise<void>,
): Promise<void> {
  await Promise.all(chunks(ready, target.ctx.config.batchSize).map(async (chunk) => {
    const startedAt = Date.now();
    let results: R[];
    try {
      results = await call(chunk);
    } catch (error) {
      if (mayHaveHappened(error)) return recover(chunk, startedAt);
      const failure = fromCallError(error);
      for (const entry of chunk) outcomes.fail(entry.index, [{ ...failure, field: null }]);
      return;
    }
    const answered = new Set<number>();
    for (const result of results) {
      const entry = chunk[result.index];
      if (!entry || answered.has(result.index)) continue;
      answered.add(result.index);
      settle(entry, result);
    }
    for (const [i, entry] of chunk.entries()) {
      if (!answered.has(i)) outcomes.fail(entry.index, [{ code: 'UPSTREAM_UNCERTAIN', message: 'Upsales sent no result for this item', field: null }], 'UNCERTAIN');
    }
  }));
}

/** Keeps the request's caches in step: written items replace cached ones; relation groups are fetched again. */
function refreshCaches(target: WriteTarget, outcomes: WriteOutcome[], deleted: boolean): void {
  if (!outcomes.some((o) => isWritten(o) || o.status === 'UNCERTAIN')) return;
  target.ctx.loaders.invalidate();
  // A delete may take other items with it (a client its contacts).
  if (deleted && KINDS[target.kind].deleteMeans === 'delete') return target.cache.forgetAll();
  const siblings = (Object.keys(KINDS) as ItemKind[]).filter((kind) => KINDS[kind].entity === KINDS[target.kind].entity);
  for (const outcome of outcomes) {
    if (outcome.upsalesId === undefined) continue;
    for (const kind of siblings) target.cache.forget(kind, outcome.upsalesId);
    if (outcome.item && isWritten(outcome)) target.cache.prime(target.kind, outcome.item);
  }
}

const envFor = (target: WriteTarget, definitions: ConvertEnv['definitions']): ConvertEnv =>
  ({ definitions, setName: KINDS[target.kind].customFieldKind, problems: [] });

async function definitionsFor(target: WriteTarget, inputs: Input[]) {
  return needsDefinitions(inputs) ? target.ctx.loaders.customFields() : [];
}

/** Creates items; one outcome per input, in input order. */
export async function createItems(target: WriteTarget, inputs: Input[]): Promise<WriteOutcome[]> {
  const { ctx, kind } = target;
  const outcomes = new Outcomes(target, inputs.length);
  const definitions = await definitionsFor(target, inputs);
  const ready: { index: number; item: WireItem }[] = [];
  for (const [index, input] of inputs.entries()) {
    const env = envFor(target, definitions);
    const item = convertFields(kindFields(kind), input, 'create', outcomes.path(index, 'input'), env);
    if (env.problems.length) outcomes.problems(index, env.problems);
    else ready.push({ index, item });
  }
  await send<(typeof ready)[number], ItemResult>(target, outcomes, ready,
    (chunk) => ctx.upstream.create(kind, chunk.map((entry) => entry.item)),
    (entry, result) => outcomes.answered(entry.index, result),
    async (chunk, startedAt) => {
      const found = await findCreated(ctx.upstream, kind, chunk.map((entry) => entry.item), startedAt);
      for (const [i, entry] of chunk.entries()) {
        const item = found[i];
        if (item) outcomes.written(entry.index, item, 'CONFIRMED_AFTER_TIMEOUT');
        // Not found is no proof: an aborted call may still land after the lookup.
        else outcomes.fail(entry.index, [{ code: 'UPSTREAM_UNCERTAIN', message: item === null ? NOT_FOUND_YET : UNCERTAIN_CREATE, field: null }], 'UNCERTAIN');
      }
    });
  refreshCaches(target, outcomes.list, false);
  return outcomes.list;
}

/** Parses the id of each entry; a bad or repeated id is a problem of that entry. */
function parseIds(target: WriteTarget, outcomes: Outcomes, ids: unknown[]): (number | null)[] {
  const { typeName } = KINDS[target.kind];
  const seen = new Set<number>();
  return ids.map((raw, index) => {
    const path = outcomes.path(index, 'id');
    try {
      const id = upstreamId(String(raw), typeName, path.join('.'));
      if (seen.has(id)) throw new InputProblem(path, `${typeName} ${id} is given more than once`);
      seen.add(id);
      return id;
    } catch (error) {
      outcomes.problems(index, [error instanceof InputProblem ? error : new InputProblem(path, (error as Error).message)]);
      return null;
    }
  });
}

/** Updates items (partially: only the given fields change); one outcome per entry, in input order. */
export async function updateItems(target: WriteTarget, entries: UpdateEntry[]): Promise<WriteOutcome[]> {
  const { ctx, kind } = target;
  const outcomes = new Outcomes(target, entries.length);
  const ids = parseIds(target, outcomes, entries.map((entry) => entry.id));
  const definitions = await definitionsFor(target, entries.map((entry) => entry.input));
  const withRows = entries.flatMap((entry, index) => (ids[index] !== null && entry.input.rows ? [index] : []));
  // Rows are sent whole: read the current ones (one call per page of ids).
  const current = new Map<number, Item | Error>();
  if (withRows.length) {
    const rowIds = withRows.map((index) => ids[index]!);
    const items = await loadByIds(ctx.upstream, kind, rowIds);
    rowIds.forEach((id, i) => current.set(id, items[i]));
  }
  const ready: { index: number; item: WireItem; mergedRows: boolean }[] = [];
  for (const [index, { input }] of entries.entries()) {
    const id = ids[index];
    if (id === null) continue;
    const path = outcomes.path(index, 'input');
    const env = envFor(target, definitions);
    const item: WireItem = { id, ...convertFields(kindFields(kind), input, 'update', path, env) };
    const stored = current.get(id);
    if (stored instanceof Error) {
      const code = stored instanceof ItemMissingError ? 'NOT_FOUND' : 'UPSTREAM_ERROR';
      outcomes.fail(index, [{ code, message: (toGraphQLError(stored) as Error).message, field: outcomes.path(index, 'id') }]);
      continue;
    }
    if (stored) item.orderRow = mergeRows((stored.orderRow ?? []) as WireItem[], input.rows as RowsUpdateInput, [...path, 'rows'], env);
    if (env.problems.length) outcomes.problems(index, env.problems);
    else ready.push({ index, item, mergedRows: Boolean(stored) });
  }
  await send<(typeof ready)[number], ItemResult>(target, outcomes, ready,
    (chunk) => ctx.upstream.update(kind, chunk.map((entry) => entry.item)),
    (entry, result) => outcomes.answered(entry.index, result, entry.mergedRows),
    async (chunk, startedAt) => {
      const confirmed = await confirmUpdates(ctx.upstream, kind, chunk.map((entry) => entry.item), startedAt).catch(() => []);
      for (const [i, entry] of chunk.entries()) {
        if (confirmed[i]) outcomes.written(entry.index, confirmed[i], 'CONFIRMED_AFTER_TIMEOUT');
        else outcomes.fail(entry.index, [{ code: 'UPSTREAM_UNCERTAIN', message: UNCERTAIN_CHANGE, field: null }], 'UNCERTAIN');
        outcomes.list[entry.index].upsalesId = entry.item.id as number;
      }
    });
  for (const [index, id] of ids.entries()) if (id !== null) outcomes.list[index].upsalesId = id;
  refreshCaches(target, outcomes.list, false);
  return outcomes.list;
}

/** Deletes items (deactivates, for kinds never deleted); one outcome per id, in input order. */
export async function deleteItems(target: WriteTarget, rawIds: unknown[]): Promise<WriteOutcome[]> {
  const { ctx, kind } = target;
  const outcomes = new Outcomes(target, rawIds.length, true);
  const ids = parseIds(target, outcomes, rawIds);
  const ready = ids.flatMap((id, index) => (id === null ? [] : [{ index, id }]));
  for (const { index, id } of ready) outcomes.list[index].upsalesId = id;
  await send<(typeof ready)[number], DeleteResult>(target, outcomes, ready,
    (chunk) => ctx.upstream.delete(kind, chunk.map((entry) => entry.id)),
    (entry, result) => {
      if (result.success) outcomes.written(entry.index, undefined, 'WRITTEN', entry.id);
      else outcomes.fail(entry.index, [fromItemError(result.error, outcomes.path(entry.index, 'id'))]);
    },
    async (chunk) => {
      const confirmed = await confirmDeletes(ctx.upstream, kind, chunk.map((entry) => entry.id)).catch(() => []);
      for (const [i, entry] of chunk.entries()) {
        if (confirmed[i]) outcomes.written(entry.index, undefined, 'CONFIRMED_AFTER_TIMEOUT', entry.id);
        else outcomes.fail(entry.index, [{ code: 'UPSTREAM_UNCERTAIN', message: UNCERTAIN_CHANGE, field: null }], 'UNCERTAIN');
      }
    });
  refreshCaches(target, outcomes.list, true);
  return outcomes.list;
}
