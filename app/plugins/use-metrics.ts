/**
 * `GET /metrics` in Prometheus text: graphql-yoga's Prometheus plugin over the
 * gateway's own registry (src/metrics), which also holds the Upsales series.
 * Labels a caller could fill with anything (operation names, URLs, error
 * paths) are off, so no request can grow the series without bound. With
 * `METRICS_TOKEN`, only a scraper sending `Authorization: Bearer <token>`
 * reads it; without, only a scraper on loopback.
 */
import { timingSafeEqual } from 'node:crypto';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../../src/metrics/metrics.js';
import { isLoopbackHost } from '../../src/upstream/index.js';
import type { ClientAddressOf } from '../../src/request/client-address.js';
import { nodeRequest } from './use-caller.js';

export const METRICS_ENDPOINT = '/metrics';

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function useMetrics(metrics: GatewayMetrics, token: string | undefined, addressOf: ClientAddressOf): Plugin[] {
  const guard: Plugin = {
    onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      if (url.pathname !== METRICS_ENDPOINT) return;
      const answer = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(`${JSON.stringify({ error: { code, message } })}\n`, {
          status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        }));
      if (!token) {
        // Without a token the budgets of every account are this host's business only.
        const address = addressOf(nodeRequest(serverContext));
        if (address !== 'unknown' && !isLoopbackHost(address)) answer(403, 'FORBIDDEN', 'GET /metrics answers only on loopback unless METRICS_TOKEN is set; send it as a Bearer token');
        return;
      }
      if (same(request.headers.get('authorization') ?? '', `Bearer ${token}`)) return;
      answer(401, 'UNAUTHENTICATED', 'Send METRICS_TOKEN as a Bearer token', { 'www-authenticate': 'Bearer realm="metrics"' });
    },
  };
  return [guard, usePrometheus({
    registry: metrics.registry,
    endpoint: METRICS_ENDPOINT,
    skipIntrospection: true,
    labels: { operationName: false, url: false, path: false, fieldName: false, typeName: false },
    metrics: { graphql_envelop_deprecated_field: false, graphql_envelop_schema_change: false },
  })];
}
