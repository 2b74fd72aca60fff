/**
 * GET /imports/<id>/results.csv and .jsonl: a job's per-row results, for its
 * owner only. The caller proves to be the owner with HTTP Basic credentials
 * (or the configured account, as for GraphQL): credentials a running job of
 * theirs holds are accepted as they are, others are checked with one
 * upstream call. A job of someone else is 404, as if it did not exist.
 */
import type { Plugin } from 'graphql-yoga';
import { basicCredentials } from '../context.js';
import type { Credentials, UpstreamClient } from '../upstream/types.js';
import { ImportNotFoundError, type ImportService } from './import-service.js';
import { resultsStream, type ResultsFormat } from './results.js';

const ROUTE = /^\/imports\/([^/]+)\/results\.(csv|jsonl)$/;

export interface ResultsRouteDeps {
  imports: ImportService;
  defaultCredentials?: Credentials;
  clientFor(credentials: Credentials): UpstreamClient;
}

const text = (R: typeof Response, status: number, body: string, headers: Record<string, string> = {}) =>
  new R(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });

async function verified(deps: ResultsRouteDeps, credentials: Credentials): Promise<number | null> {
  const def = deps.defaultCredentials;
  if (deps.imports.holds(credentials) || (def && def.username === credentials.username && def.password === credentials.password)) return null;
  try {
    await deps.clientFor(credentials).getByCriteria('user', { criteria: [{ field: 'email', operator: 'eq', values: [credentials.username] }], limit: 1 });
    return null;
  } catch (error) {
    const kind = (error as { kind?: string }).kind;
    return kind === 'AUTHENTICATION_FAILED' ? 401 : kind === 'API_ACCESS_DENIED' ? 403 : 502;
  }
}

export function useImportResults(deps: ResultsRouteDeps): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      const match = ROUTE.exec(url.pathname);
      if (!match || request.method !== 'GET') return;
      const R = fetchAPI.Response;
      const challenge = { 'www-authenticate': 'Basic realm="Upsales", charset="UTF-8"' };
      let credentials: Credentials | undefined;
      try {
        credentials = basicCredentials(request.headers.get('authorization')) ?? deps.defaultCredentials;
      } catch {
        credentials = undefined;
      }
      if (!credentials) return endResponse(text(R, 401, 'Send your Upsales username and password as HTTP Basic credentials', challenge));
      const refused = await verified(deps, credentials);
      if (refused === 401) return endResponse(text(R, 401, 'Upsales rejected the username or password', challenge));
      if (refused) return endResponse(text(R, refused, refused === 403 ? 'This Upsales user has no API access' : 'Upsales could not check the credentials'));
      const [, id, format] = match;
      try {
        deps.imports.job(credentials.username, decodeURIComponent(id));
      } catch (error) {
        if (error instanceof ImportNotFoundError) return endResponse(text(R, 404, error.message));
        throw error;
      }
      const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
      endResponse(new R(resultsStream(deps.imports.store.outcomes(id), format as ResultsFormat), {
        status: 200,
        headers: { 'content-type': type, 'content-disposition': `attachment; filename="import-${id}-results.${format}"` },
      }));
    },
  };
}
