/**
 * GET /imports/<id>/results.csv and .jsonl: a job's per-row results, for its
 * owner only. A job of someone else is 404, as if it did not exist.
 */
import { ImportNotFoundError } from './import-service.js';
import { authenticate, CHALLENGE, isRefusal, type ImportRouteDeps } from './route-auth.js';
import { resultsStream, type ResultsFormat } from './results.js';

export const RESULTS_ROUTE = /^\/imports\/([^/]+)\/results\.(csv|jsonl)$/;

const text = (R: typeof Response, status: number, body: string, headers: Record<string, string> = {}) =>
  new R(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });

export async function resultsResponse(deps: ImportRouteDeps, request: Request, R: typeof Response, match: RegExpExecArray): Promise<Response> {
  const caller = await authenticate(deps, request);
  if (isRefusal(caller)) return text(R, caller.status, caller.message, caller.status === 401 ? CHALLENGE : {});
  const [, id, format] = match;
  try {
    deps.imports.job(caller.username, decodeURIComponent(id));
  } catch (error) {
    if (error instanceof ImportNotFoundError) return text(R, 404, error.message);
    throw error;
  }
  const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
  return new R(resultsStream(deps.imports.store.outcomes(id), format as ResultsFormat), {
    status: 200,
    headers: { 'content-type': type, 'content-disposition': `attachment; filename="import-${id}-results.${format}"` },
  });
}
