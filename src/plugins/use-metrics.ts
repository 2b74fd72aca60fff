/**
 * `GET /metrics` in Prometheus text: graphql-yoga's Prometheus plugin over the
 * gateway's own registry (src/metrics), which also holds the Upsales series.
 * Labels a caller could fill with anything (operation names, URLs, error
 * paths) are off, so no request can grow the series without bound.
 */
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../metrics/metrics.js';

export const METRICS_ENDPOINT = '/metrics';

export function useMetrics(metrics: GatewayMetrics): Plugin {
  return usePrometheus({
    registry: metrics.registry,
    endpoint: METRICS_ENDPOINT,
    skipIntrospection: true,
    labels: { operationName: false, url: false, path: false, fieldName: false, typeName: false },
    metrics: { graphql_envelop_deprecated_field: false, graphql_envelop_schema_change: false },
  });
}
