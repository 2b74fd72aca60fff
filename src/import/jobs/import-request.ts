/**
 * What a request to import must be, and what it may be refused with: the
 * errors callers see (bad input, no such job) and the reason a job waiting
 * for its owner shows.
 */
import { ITEM_KINDS, KINDS, type ItemKind } from '../../contract/kinds.js';
import { preview } from '../../request/input-text.js';
import { ColumnPlan, MappingError, keyField } from './columns.js';
import type { ImportFormat, ImportOptions, SourceInfo } from '../store/types.js';
import { StoreFullError, StoreUnavailableError } from '../store/job-store.js';

/** A request the caller got wrong: bad kind, options or file. Nothing was imported. */
export class ImportInputError extends Error {
  /** The option or input at fault, when one is (`kind`, `matchBy`, `mapping`, `batchSize`, `file`). */
  constructor(message: string, readonly parameter?: string, readonly tooLarge = false) {
    super(message);
  }
}
/** The job store would hold more staged rows than MAX_STAGED_ROWS_PER_USER or MAX_STAGED_ROWS allow: nothing is imported (429, STAGED_ROWS_LIMIT). */
export class ImportStorageLimitError extends ImportInputError {
  constructor(message: string) {
    super(message, 'file');
  }
}
/** How a refusal for the job store's sake is answered, on every transport. */
export interface StoreRefusal { status: number; code: 'STAGED_ROWS_LIMIT' | 'STORE_FULL' | 'UNAVAILABLE'; message: string; retryAfterSeconds: number }

/**
 * The answer to an import request the job store refused: staged rows past
 * their bounds (429), a full disk (507), a store that cannot be reached now
 * (503); undefined for any other error.
 */
export function storeRefusal(error: unknown): StoreRefusal | undefined {
  if (error instanceof ImportStorageLimitError) return { status: 429, code: 'STAGED_ROWS_LIMIT', message: error.message, retryAfterSeconds: 60 };
  if (error instanceof StoreFullError) return { status: 507, code: 'STORE_FULL', message: error.message, retryAfterSeconds: 60 };
  if (error instanceof StoreUnavailableError) return { status: 503, code: 'UNAVAILABLE', message: error.message, retryAfterSeconds: 5 };
  return undefined;
}

/** No job of that id belongs to the caller. */
export class ImportNotFoundError extends Error {}
/** The process is stopping: no import starts or resumes in it any more. */
export class ImportStoppingError extends ImportInputError {
  constructor() {
    super('The gateway is stopping: start or resume the import again once it runs');
  }
}

export const NEEDS_OWNER = "needs its owner's credentials: the owner resumes it with resumeImport";

export interface StartRequest {
  kind: ItemKind;
  format: ImportFormat;
  options?: ImportOptions;
  /** The file's bytes, read as a stream. */
  source?: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Rows given as values instead of a file. */
  rows?: unknown[];
  /** A file the job can read again if the process stops while staging. */
  sourceInfo?: SourceInfo;
}

/** Checks a request before anything is stored; throws {@link ImportInputError}. `maxBatchSize`: UPSALES_BATCH_SIZE. */
export function checkRequest(request: StartRequest, maxBatchSize: number): ImportOptions {
  if (!ITEM_KINDS.includes(request.kind)) throw new ImportInputError(`${preview(request.kind)} is not a kind: one of ${ITEM_KINDS.join(', ')}`, 'kind');
  const options: ImportOptions = { ...request.options };
  if (options.matchBy !== undefined && !keyField(request.kind, options.matchBy)) {
    throw new ImportInputError(`matchBy: ${KINDS[request.kind].typeName} has no field ${preview(options.matchBy)} to match by`, 'matchBy');
  }
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1 && options.batchSize <= maxBatchSize)) {
    throw new ImportInputError(`batchSize must be between 1 and ${maxBatchSize} (UPSALES_BATCH_SIZE)`, 'batchSize');
  }
  try {
    ColumnPlan.forKind(request.kind, options.mapping);
  } catch (error) {
    if (error instanceof MappingError) throw new ImportInputError(error.message, 'mapping');
    throw error;
  }
  if (Boolean(request.source) === Boolean(request.rows)) throw new ImportInputError('Give either a file or rows');
  return options;
}
