/**
 * `GET /metrics` in Prometheus text: graphql-yoga's Prometheus plugin over the
 * gateway's own registry (src/metrics), which also holds the Upsales series.
 * Labels a caller could fill with anything (operation names, URLs, error
 * paths) are off, so no request can grow the series without bound. With
 * `METRICS_TOKEN`, only a scraper sending `Authorization: Bearer <token>`
 * reads it.
 */
import { timingSafeEqual } from 'node:crypto';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../../src/metrics/metrics.js';

export const METRICS_ENDPOINT = '/metrics';

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function useMetrics(metrics: GatewayMetrics, token?: string): Plugin[] {
  const guard: Plugin = {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (!token || url.pathname !== METRICS_ENDPOINT || same(request.headers.get('authorization') ?? '', `Bearer ${token}`)) return;
      endResponse(new fetchAPI.Response(`${JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'Send METRICS_TOKEN as a Bearer token' } })}\n`, {
        status: 401, headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' },
      }));
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
