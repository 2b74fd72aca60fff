/**
 * Mass import: `startImport` (a file upload or rows), `importJob`,
 * `importJobs`, `pauseImport`, `resumeImport`, `cancelImport`, and the
 * `importProgress` subscription (served over SSE). A job and its results are
 * its owner's only; only a user Upsales lets write a kind may import it.
 */
import type { GatewayContext } from './context.js';
import { BadUserInputError, GatewayError, NotFoundError, type ErrorCode } from '../src/request/errors.js';
import { CHECKED_PER_ITEM } from '../src/request/input-text.js';
import { ImportInputError, ImportNotFoundError, storeRefusal } from '../src/import/jobs/import-service.js';
import { formatOf } from '../src/import/readers/read-records.js';
import type { CallerImports } from '../src/import/jobs/caller-imports.js';
import type { ImportFormat, ImportOptions } from '../src/import/store/types.js';
import { builder } from './builder.js';
import { ImportJob, ImportKind, ImportOptionsInput } from './import-types.js';

builder.subscriptionType({ description: 'Live updates, over Server-Sent Events (send `Accept: text/event-stream`).' });

/**
 * The request's import service, once Upsales has accepted the caller's
 * password (these operations make no SOAP call of their own, so the username
 * alone would otherwise be trusted); its failures as coded GraphQL errors.
 */
async function imports<T>(ctx: GatewayContext, use: (imports: CallerImports) => T | Promise<T>): Promise<T> {
  const bound = ctx.imports;
  if (!bound) throw new BadUserInputError('Imports are not enabled on this gateway');
  await ctx.verifyCredentials();
  try {
    return await use(bound);
  } catch (error) {
    const refused = storeRefusal(error);
    if (refused) {
      throw new GatewayError(refused.code as ErrorCode, refused.message, {
        retryAfterMs: refused.retryAfterSeconds * 1000, http: { status: refused.status, headers: { 'Retry-After': String(refused.retryAfterSeconds) } },
      });
    }
    if (error instanceof ImportInputError) throw new BadUserInputError(error.message);
    if (error instanceof ImportNotFoundError) throw new NotFoundError(error.message.replace(/ was not found$/, ''));
    throw error;
  }
}

interface OptionsArg { format?: ImportFormat | null; matchBy?: string | null; mapping?: { column: string; field: string }[] | null; batchSize?: number | null }

builder.queryFields((t) => ({
  importJob: t.field({
    type: ImportJob,
    description: 'One of your import jobs.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => imports(ctx, (i) => i.service.get(i.username, String(args.id))),
  }),
  importJobs: t.field({
    type: [ImportJob],
    nullable: false,
    description: 'Your import jobs, newest first.',
    resolve: (_r, _a, ctx) => imports(ctx, (i) => i.service.list(i.username)),
  }),
}));

builder.mutationFields((t) => ({
  startImport: t.field({
    type: ImportJob,
    nullable: false,
    description: 'Starts importing a file (CSV with a header row, or JSONL) or rows. The rows are stored first; the job then runs in the background at your account\'s call budget, behind interactive queries. Bad rows fail alone, with a reason.',
    args: {
      kind: t.arg({ type: ImportKind, required: true }),
      file: t.arg({ type: 'File' }),
      rows: t.arg({ type: ['JSON'], description: 'Rows as objects, instead of a file', extensions: CHECKED_PER_ITEM }),
      options: t.arg({ type: ImportOptionsInput }),
    },
    resolve: (_r, args, ctx) => imports(ctx, async (i) => {
      // Who may import: a user whose role may not write the kind is FORBIDDEN before anything is staged.
      await ctx.mayImport(args.kind);
      const o: OptionsArg = args.options ?? {};
      const format = o.format ?? (args.file ? formatOf(args.file.name) : 'JSONL');
      if (!format) throw new ImportInputError('options.format: say CSV or JSONL (the file name does not)');
      const options: ImportOptions = {
        ...(o.matchBy ? { matchBy: o.matchBy } : {}),
        ...(o.mapping?.length ? { mapping: Object.fromEntries(o.mapping.map((m) => [m.column, m.field])) } : {}),
        ...(o.batchSize ? { batchSize: o.batchSize } : {}),
      };
      const source = args.file?.stream();
      return i.withCredentials((credentials) => i.service.start(credentials, {
        kind: args.kind, format, options, source, rows: args.rows ?? undefined,
      }));
    }),
  }),
  pauseImport: t.field({
    type: ImportJob, nullable: false, description: 'Pauses after the batches in flight are answered.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => imports(ctx, (i) => i.service.pause(i.username, String(args.id))),
  }),
  resumeImport: t.field({
    type: ImportJob, nullable: false, description: 'Resumes a paused job with your credentials (also a job that waits for them after a restart).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => imports(ctx, (i) => i.withCredentials((credentials) => i.service.resume(credentials, String(args.id)))),
  }),
  cancelImport: t.field({
    type: ImportJob, nullable: false, description: 'Cancels: rows not yet sent are skipped; what was written stays.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => imports(ctx, (i) => i.service.cancel(i.username, String(args.id))),
  }),
}));

builder.subscriptionField('importProgress', (t) => t.field({
  type: ImportJob,
  nullable: false,
  description: 'The job now, then after each batch and state change, until it is completed, failed or cancelled.',
  args: { id: t.arg.id({ required: true }) },
  subscribe: async (_r, args, ctx) => {
    const bound = await imports(ctx, (i) => i);
    const id = String(args.id);
    await imports(ctx, (i) => i.service.get(i.username, id));
    return bound.service.watch(bound.username, id);
  },
  resolve: (job) => job,
}));
