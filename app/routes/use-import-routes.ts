/**
 * The import service's HTTP routes, next to GraphQL: POST /imports (a file
 * streamed into a new job) and GET /imports/<id>/results.csv|jsonl.
 */
import type { Plugin } from 'graphql-yoga';
import type { ImportRouteDeps } from './route-auth.js';
import { RESULTS_ROUTE, resultsResponse } from './results-route.js';
import { UPLOAD_ROUTE, uploadResponse } from './upload-route.js';

export type { ImportRouteDeps };

export function useImportRoutes(deps: ImportRouteDeps): Plugin {
  return {
    async onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      const results = request.method === 'GET' ? RESULTS_ROUTE.exec(url.pathname) : null;
      if (results) return endResponse(await resultsResponse(deps, serverContext, fetchAPI.Response, results));
      if (request.method === 'POST' && url.pathname === UPLOAD_ROUTE) endResponse(await uploadResponse(deps, request, serverContext, url, fetchAPI.Response));
    },
  };
}
