/**
 * Gateway configuration from the environment. Every variable is documented
 * in the README's configuration table.
 */

export interface GatewayConfig {
  /** `PORT`: the gateway's HTTP port; 0 picks a free one. @default 4000 */
  port: number;
  /** `UPSALES_URL`: base URL whose `/<Kind>Service?wsdl` are the WSDLs. Unset: the embedded service. */
  upstreamUrl?: string;
  /** `UPSALES_USERNAME` / `UPSALES_PASSWORD`: the account used when a request has no Basic credentials. */
  defaultCredentials?: { username: string; password: string };
  /** `UPSALES_BUDGET_CALLS`: calls allowed in any sliding window, per account. @default 45 */
  budgetCalls: number;
  /** `UPSALES_BUDGET_WINDOW_MS`: the sliding window. @default 15000 */
  budgetWindowMs: number;
  /** `UPSALES_CONCURRENCY`: calls in flight per account. @default 4 */
  concurrency: number;
  /** `UPSALES_BLOCK_MS`: how long Upsales blocks after a THROTTLED fault without retryAfterMs. @default 120000 */
  blockMs: number;
  /** `UPSALES_TIMEOUT_MS`: a SOAP call that takes longer fails with UPSTREAM_ERROR. @default 30000 */
  timeoutMs: number;
  /** `MAX_QUERY_CALLS`: queries estimated to need more SOAP calls are rejected. @default 45 */
  maxQueryCalls: number;
  /** `UPSALES_BATCH_SIZE`: items per create/update/delete call. @default 100 */
  batchSize: number;
}

/** Reads a positive integer variable, failing loudly with the variable's name. */
function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

/** Reads a TCP port (0: any free port). */
function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a port number from 0 (any free port) to 65535, got "${raw}"`);
  }
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const username = env.UPSALES_USERNAME;
  const password = env.UPSALES_PASSWORD;
  if (Boolean(username) !== Boolean(password)) {
    throw new Error('UPSALES_USERNAME and UPSALES_PASSWORD must be set together');
  }
  return {
    port: port(env, 'PORT', 4000),
    upstreamUrl: env.UPSALES_URL || undefined,
    defaultCredentials: username && password ? { username, password } : undefined,
    budgetCalls: positiveInt(env, 'UPSALES_BUDGET_CALLS', 45),
    budgetWindowMs: positiveInt(env, 'UPSALES_BUDGET_WINDOW_MS', 15_000),
    concurrency: positiveInt(env, 'UPSALES_CONCURRENCY', 4),
    blockMs: positiveInt(env, 'UPSALES_BLOCK_MS', 120_000),
    timeoutMs: positiveInt(env, 'UPSALES_TIMEOUT_MS', 30_000),
    maxQueryCalls: positiveInt(env, 'MAX_QUERY_CALLS', 45),
    batchSize: positiveInt(env, 'UPSALES_BATCH_SIZE', 100),
  };
}
