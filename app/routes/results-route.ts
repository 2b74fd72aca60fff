/**
 * GET /imports/<id>/results.csv and .jsonl: a job's per-row results, for its
 * owner only. A job of someone else is 404, as if it did not exist.
 */
import { ImportNotFoundError } from '../../src/import/jobs/import-service.js';
import { errorAnswer, refusalAnswer } from './route-answers.js';
import { acceptedCaller, isCallerRefusal } from '../../src/request/credentials.js';
import type { ImportRouteDeps } from './route-auth.js';
import { resultsStream, type ResultsFormat } from '../../src/import/store/results.js';

/** Job ids are UUIDs: anything else is no job. */
export const RESULTS_ROUTE = /^\/imports\/([0-9a-f-]{36})\/results\.(csv|jsonl)$/;

export async function resultsResponse(deps: ImportRouteDeps, serverContext: object, R: typeof Response, match: RegExpExecArray): Promise<Response> {
  const caller = await acceptedCaller(serverContext);
  if (isCallerRefusal(caller)) return refusalAnswer(R, caller);
  const [, id, format] = match;
  try {
    await deps.imports.job(caller.username, id);
  } catch (error) {
    if (error instanceof ImportNotFoundError) return errorAnswer(R, 404, 'NOT_FOUND', 'No such import job of yours');
    throw error;
  }
  const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
  return new R(resultsStream(deps.imports.store.outcomes(id), format as ResultsFormat), {
    status: 200,
    headers: { 'content-type': type, 'content-disposition': `attachment; filename="import-${id}-results.${format}"` },
  });
}
