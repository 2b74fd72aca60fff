/** Types of the mass import API: jobs, their states and options, the File and JSON scalars. */
import { GraphQLError, valueFromASTUntyped } from 'graphql';
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import { JOB_STATES, type JobView, type RowOutcome } from '../src/import/store/types.js';
import { builder } from './builder.js';

/** An upload as graphql-yoga hands it over (a WHATWG File): anything that streams. */
const isUpload = (value: unknown): value is File => typeof value === 'object' && value !== null && 'stream' in value && typeof value.stream === 'function';

builder.scalarType('File', {
  description: 'A file upload (GraphQL multipart request spec).',
  serialize: () => {
    throw new GraphQLError('A File is an input only');
  },
  parseValue: (value) => {
    if (!isUpload(value)) throw new GraphQLError('Expected a file upload');
    return value;
  },
});
builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});

const kindValue = (kind: ItemKind) => KINDS[kind].typeName.toUpperCase();
export const ImportKind = builder.enumType('ImportKind', {
  description: 'What an import writes: every writable Upsales kind.',
  values: Object.fromEntries(ITEM_KINDS.map((kind) => [kindValue(kind), { value: kind }])),
});
export const ImportFormat = builder.enumType('ImportFormat', {
  values: { CSV: { value: 'CSV', description: 'Comma-separated, with a header row' }, JSONL: { value: 'JSONL', description: 'One JSON object per line' } } as const,
});
const ImportState = builder.enumType('ImportState', { values: JOB_STATES });
export const ImportResultsFormat = builder.enumType('ImportResultsFormat', { values: { CSV: { value: 'csv' }, JSONL: { value: 'jsonl' } } as const });
const ImportRowOutcome = builder.enumType('ImportRowOutcome', {
  values: ['created', 'updated', 'failed', 'skipped', 'pending', 'inflight'] as const,
});

const ImportColumnMapping = builder.inputType('ImportColumnMapping', {
  fields: (t) => ({
    column: t.string({ required: true, description: 'Column of the CSV header, or key of the JSONL objects' }),
    field: t.string({ required: true, description: 'Field path: `email`, `client.orgNo` (a reference by a key of its item), `client.id`, `custom.<alias or id>`, or `-` to ignore the column' }),
  }),
});
export const ImportOptionsInput = builder.inputType('ImportOptions', {
  fields: (t) => ({
    format: t.field({ type: ImportFormat, description: 'Taken from the file name (.csv, .jsonl) when not given' }),
    matchBy: t.string({ description: 'Field that finds an existing item to update (upsert), e.g. `email`; rows without a match are created' }),
    mapping: t.field({ type: [ImportColumnMapping], description: 'Columns whose name is not the field they fill' }),
    batchSize: t.int({ description: 'Items per upstream call; at most UPSALES_BATCH_SIZE (the default)' }),
  }),
});

const ImportRowResult = builder.objectRef<RowOutcome>('ImportRowResult').implement({
  fields: (t) => ({
    row: t.exposeInt('row', { nullable: false, description: '1-based position in the file (the CSV header not counted)' }),
    outcome: t.field({ type: ImportRowOutcome, nullable: false, resolve: (r) => r.outcome }),
    upsalesId: t.exposeInt('upsalesId'),
    reason: t.exposeString('reason'),
  }),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const ImportJob = builder.objectRef<JobView>('ImportJob').implement({
  description: 'A mass import: its rows go upstream in batches through the account\'s call budget, behind interactive queries.',
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    kind: t.field({ type: ImportKind, nullable: false, resolve: (j) => j.kind }),
    state: t.field({ type: ImportState, nullable: false, resolve: (j) => j.state }),
    reason: t.exposeString('reason', { description: 'Why it is paused or failed' }),
    format: t.field({ type: ImportFormat, nullable: false, resolve: (j) => j.format }),
    matchBy: t.string({ resolve: (j) => j.options.matchBy ?? null }),
    total: t.exposeInt('total', { nullable: false, description: 'Rows in the file' }),
    done: t.exposeInt('done', { nullable: false, description: 'created + updated + failed' }),
    created: t.exposeInt('created', { nullable: false }),
    updated: t.exposeInt('updated', { nullable: false }),
    failed: t.exposeInt('failed', { nullable: false }),
    rate: t.exposeFloat('rate', { description: 'Rows per second, lately' }),
    etaSeconds: t.exposeFloat('etaSeconds', { description: 'Seconds to go, from the call budget (the slower measured rate when lower)' }),
    eta: t.field({ type: 'DateTime', resolve: (j) => (j.etaSeconds === null ? null : new Date(Date.now() + j.etaSeconds * 1000).toISOString()) }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (j) => iso(j.createdAt)! }),
    startedAt: t.field({ type: 'DateTime', resolve: (j) => iso(j.startedAt) }),
    finishedAt: t.field({ type: 'DateTime', resolve: (j) => iso(j.finishedAt) }),
    resultsUrl: t.string({
      nullable: false,
      description: 'Per-row results (row, outcome, upsalesId, reason), for the job\'s owner (HTTP Basic), on this gateway',
      args: { format: t.arg({ type: ImportResultsFormat, defaultValue: 'csv' }) },
      resolve: (j, args) => `/imports/${j.id}/results.${args.format ?? 'csv'}`,
    }),
    failures: t.field({
      type: [ImportRowResult],
      nullable: false,
      description: 'The first failed rows, with their reasons',
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: async (j, args, ctx) => (await ctx.imports?.service.store.failures(j.id, Math.min(Math.max(args.first ?? 20, 0), 1000))) ?? [],
    }),
  }),
});
