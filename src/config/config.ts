/**
 * Gateway configuration from the environment. Every variable is documented
 * in the README's configuration table.
 */
import proxyAddr from 'proxy-addr';
import { checkAccountHashKey } from '../account/account-tag.js';
import { defaultInteractiveReserve } from '../budget/window-store.js';

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
  /**
   * `UPSALES_INTERACTIVE_RESERVE`: slots of the window that background (import)
   * calls never take, so a query arriving during an import goes at once.
   * @default a ninth of UPSALES_BUDGET_CALLS (5 of 45), at least 1
   */
  interactiveReserve: number;
  /**
   * `REDIS_URL` (`redis://[:password@]host:port/db`, or `rediss://`): every
   * process with the same one shares each account's call budget and the
   * import jobs. Unset: this process's memory only.
   */
  redisUrl?: string;
  /**
   * `REDIS_CLUSTER_NODES` (`host:port,host:port,...`), in place of REDIS_URL:
   * the same sharing through a Redis Cluster (ioredis' Cluster client finds
   * every node from these). Unset: no cluster.
   */
  redisClusterNodes?: RedisNode[];
  /**
   * `UPSALES_FALLBACK_CALLS`: calls per window this process spends alone while
   * Redis is unreachable. @default a quarter of UPSALES_BUDGET_CALLS (4
   * processes together stay within the budget)
   */
  fallbackCalls: number;
  /**
   * `CREDENTIALS_TTL_MS`: how long a password Upsales accepted serves kept
   * answers, `rateLimit`, import jobs and downloads before it is checked
   * again (one call): a user revoked in Upsales reads nothing kept after at
   * most this long, and at once after any refusal. @default 60000
   */
  credentialsTtlMs: number;
  /**
   * `UPSALES_MAX_WAIT_MS`: longest a query's call waits for its account's
   * budget; past it, and for a call that would queue behind more than the
   * budget sends in that long, THROTTLED with retryAfterMs at once.
   * Background work (imports) waits as long as it takes. @default 60000
   */
  maxWaitMs: number;
  /** `UPSALES_TIMEOUT_MS`: a SOAP call that takes longer fails with UPSTREAM_ERROR. @default 30000 */
  timeoutMs: number;
  /** `MAX_QUERY_CALLS`: queries estimated to need more SOAP calls are rejected. @default 45 */
  maxQueryCalls: number;
  /**
   * `MAX_CALLS_OVER_ESTIMATE`: what a request without credentials of its own
   * (acting as the configured account, shared by every such request) may
   * send beyond its estimate: the estimate is no worst case where dense
   * relations' totals are read. @default 10
   */
  maxCallsOverEstimate: number;
  /** `UPSALES_BATCH_SIZE`: items per create/update/delete call. @default 100 */
  batchSize: number;
  /**
   * `UPSALES_CACHE_TTL_MS`: how long a read's answer is kept for its account
   * (writes through the gateway drop it sooner, and so does the change feed,
   * which watches the kind of every answer kept); 0: not kept. @default
   * 600000 (10 minutes)
   */
  cacheTtlMs: number;
  /**
   * `HOST`: the interface the gateway listens on. Unset: 127.0.0.1 when requests
   * without credentials act as a default account (anyone who reaches the port
   * would act as it), else 0.0.0.0.
   */
  host?: string;
  /** `CORS_ORIGINS`: origins (scheme://host[:port]) whose pages may call the gateway; none by default. */
  corsOrigins: string[];
  /** Limits of what a request may send. */
  limits: RequestLimits;
  /** `METRICS_TOKEN`: when set, GET /metrics answers only `Authorization: Bearer <token>`. At least 16 characters. */
  metricsToken?: string;
  /**
   * `TRUSTED_PROXIES`: proxies in front of the gateway (addresses, CIDR
   * ranges, `loopback`, `linklocal`, `uniquelocal`), whose
   * `X-Forwarded-For` names the client a request is counted by; none by
   * default (src/request/client-address.ts).
   */
  trustedProxies: string[];
  /**
   * `PERSISTED_OPERATIONS`: trusted documents, which clients run by hash
   * alone: one file, or several separated by commas, each a JSON object from
   * SHA-256 hash to GraphQL document (`npm run persisted`, GraphQL Codegen's
   * `persisted-documents.json`) or Apollo's persisted query manifest.
   */
  persistedOperations?: string;
  /**
   * `ALLOW_ARBITRARY_OPERATIONS`: whether documents that are not in
   * PERSISTED_OPERATIONS run (GraphiQL needs them). @default true
   */
  allowArbitraryOperations: boolean;
  /**
   * Automatic persisted queries: while arbitrary documents run, a document
   * sent with its hash is kept for the caller's account, so the next request
   * sends the hash alone.
   */
  apq: ApqSettings;
  /** Open event streams and subscriptions, and WebSockets. */
  streams: StreamLimits;
  /** The HTTP server's connections and timeouts. */
  http: HttpLimits;
  /** Where import jobs live, and what they may hold. */
  jobs: JobStoreSettings;
  /** The change feed (src/changes, README "Live data"). */
  changes: ChangeSettings;
}

/** How the change feed of each account polls Upsales. */
export interface ChangeSettings {
  /**
   * `CHANGES_POLL_MS`: how often each watched kind of an account is asked
   * for changes; slower when the budget share does not allow it. @default 5000
   */
  pollMs: number;
  /**
   * `CHANGES_BUDGET_SHARE`: the most of an account's budget (a fraction of
   * UPSALES_BUDGET_CALLS per window) the feed spends; polls slow down rather
   * than exceed it. @default 0.2 (9 of 45 calls: three kinds every 5 s)
   */
  budgetShare: number;
  /**
   * `CHANGES_LEASE_MS`: with REDIS_URL, how long one replica's lease on
   * polling an account lasts unless renewed; another replica takes over
   * within this long when it dies. @default 15000
   */
  leaseMs: number;
  /**
   * `CHANGES_WATCH_KEPT_READS`: whether an answer kept in the read cache
   * keeps its kind watched on its account while it is kept, so kept
   * answers hear of changes made in Upsales (the feed drops them).
   * @default true
   */
  watchKeptReads: boolean;
}

/** The import job store: SQLite in DATA_DIR, or PostgreSQL shared by every replica. */
export interface JobStoreSettings {
  /** `DATABASE_URL` (`postgres://user:password@host:5432/db`): jobs, rows, results and leases in PostgreSQL. Unset: SQLite in DATA_DIR. */
  databaseUrl?: string;
  /** `IMPORT_LEASE_MS`: a job's runner renews its lease every third of this; a runner gone this long loses its jobs to another replica. @default 15000 */
  leaseMs: number;
  /** `MAX_STAGED_ROWS_PER_USER`: rows one user's unfinished import jobs may hold staged. @default 2000000 */
  stagedRowsPerUser: number;
  /** `MAX_STAGED_ROWS`: rows every unfinished import job together may hold staged. @default 10000000 */
  stagedRows: number;
  /** `JOB_RETENTION_MS`: how long a finished job's results are kept; then the job and its results are deleted. @default 604800000 (7 days) */
  retentionMs: number;
}

export interface ApqSettings {
  /** `APQ_TTL_MS`: how long a registered document is kept after its registration. @default 86400000 (a day) */
  ttlMs: number;
  /** `APQ_MAX_BYTES`: bytes of registered documents kept per account; the oldest go first. @default 1048576 */
  maxBytesPerAccount: number;
}

/**
 * Bounds of what stays open: every transport's streams (SSE, multipart,
 * WebSocket subscriptions, incremental @defer/@stream answers) count alike.
 */
export interface StreamLimits {
  /** `MAX_STREAMS_PER_USER`: streams one Upsales user may have open at once, on every transport together. @default 20 */
  perUser: number;
  /** `MAX_STREAMS`: streams open at once in all. @default 1000 */
  inAll: number;
  /** `MAX_SUBSCRIPTIONS_PER_CONNECTION`: operations in progress on one WebSocket (subscriptions, and queries while they run). @default 10 */
  perConnection: number;
  /** `MAX_WEBSOCKETS_PER_USER`: WebSocket connections one Upsales user may have open. @default 10 */
  websocketsPerUser: number;
  /** `STREAM_IDLE_TIMEOUT_MS`: a stream that sends nothing for this long is closed (a WebSocket with no operation too). @default 300000 */
  idleMs: number;
}

/** The HTTP server's own bounds (node:http). */
export interface HttpLimits {
  /** `MAX_CONNECTIONS`: TCP connections open at once, WebSockets included; more are dropped as they come. @default 4096 */
  maxConnections: number;
  /** `HTTP_HEADERS_TIMEOUT_MS`: time to receive a request's headers. @default 10000 */
  headersTimeoutMs: number;
  /** `HTTP_REQUEST_TIMEOUT_MS`: time to receive a whole request, body included (uploads). @default 300000 */
  requestTimeoutMs: number;
  /** `HTTP_KEEP_ALIVE_TIMEOUT_MS`: how long an idle kept-alive connection waits for its next request. @default 5000 */
  keepAliveTimeoutMs: number;
}

/** Limits of a request, each refused with a clear error before any work that grows faster than the input. */
export interface RequestLimits {
  /** `MAX_BODY_BYTES`: a GraphQL request body (JSON, form or GraphQL text). @default 1048576 */
  bodyBytes: number;
  /** `MAX_UPLOAD_BYTES`: a GraphQL multipart request (file uploads; buffered by the server). @default 67108864 */
  uploadBytes: number;
  /** `MAX_QUERY_BYTES`: the GraphQL document. @default 65536 */
  queryBytes: number;
  /** `MAX_QUERY_TOKENS`: lexical tokens of the document. @default 5000 */
  queryTokens: number;
  /** `MAX_QUERY_DEPTH`: nesting of fields, fragments flattened (a spread is no level of its own). @default 16 */
  queryDepth: number;
  /** `MAX_QUERY_ALIASES`: aliases in the operation, fragments included. @default 30 */
  queryAliases: number;
  /** `MAX_QUERY_DIRECTIVES`: directives in the operation, fragments included. @default 20 */
  queryDirectives: number;
  /** `MAX_QUERY_FIELDS`: fields of the document with every fragment spread in place. @default 5000 */
  queryFields: number;
  /** `MAX_IMPORT_BYTES`: an import file (POST /imports, an upload, the CLI's file). @default 1073741824 */
  importBytes: number;
  /** `MAX_IMPORT_ROWS`: rows of an import. @default 2000000 */
  importRows: number;
  /** `MAX_UPLOADS_PER_USER`: uploads (multipart requests, POST /imports) one user may have in flight. @default 2 */
  uploadsPerUser: number;
  /** `MAX_UPLOADS`: uploads in flight in all. @default 4 */
  uploads: number;
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

/** A `true`/`false` variable, failing loudly with the variable's name. */
function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** Reads a whole number of `unit` (0 allowed), failing loudly with the variable's name. */
function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, unit: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new Error(`${name} must be a whole number of ${unit} (0 or more), got "${raw}"`);
  }
  return value;
}

/** Reads a whole number of milliseconds (0 allowed), failing loudly with the variable's name. */
export const wholeMs = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => whole(env, name, fallback, 'milliseconds');

/** `CORS_ORIGINS` as exact origins; anything that is not an origin fails loudly. */
/** TRUSTED_PROXIES' entries, each checked: an address, a CIDR range, or loopback, linklocal, uniquelocal. */
function trustedProxiesOf(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    throw new Error(`TRUSTED_PROXIES: ${(error as Error).message} (give IP addresses, CIDR ranges, or loopback, linklocal, uniquelocal)`);
  }
  return entries;
}

function originsOf(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = 'null';
    }
    if (origin === 'null' || origin !== entry.replace(/\/+$/, '')) {
      throw new Error(`CORS_ORIGINS: "${entry}" is not an origin such as https://app.example.com`);
    }
    return origin;
  });
}

/** Reads a whole number from 0 (inclusive) below `below`. */
function wholeBelow(env: NodeJS.ProcessEnv, name: string, fallback: number, below: number, what: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0 || value >= below) {
    throw new Error(`${name} must be a whole number from 0 to ${below - 1} (${what}), got "${raw}"`);
  }
  return value;
}

/** A fraction above 0 and at most 1, failing loudly with the variable's name. */
function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^(0|1)?(\.\d+)?$/.test(raw.trim()) || !(value > 0 && value <= 1)) {
    throw new Error(`${name} must be a fraction above 0 and at most 1 (such as 0.2), got "${raw}"`);
  }
  return value;
}

/** A URL setting, checked: one of `protocols`, with a host; unset: undefined. The error names the setting, never the value (it may hold a password). */
function serverUrlOf(name: string, raw: string | undefined, protocols: readonly string[], example: string): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !protocols.includes(url.protocol) || !url.hostname) throw new Error(`${name} must be a ${example}`);
  return raw;
}

/** `REDIS_URL`, checked: a redis:// or rediss:// URL. */
const redisUrlOf = (raw: string | undefined) =>
  serverUrlOf('REDIS_URL', raw, ['redis:', 'rediss:'], 'redis:// or rediss:// URL such as redis://127.0.0.1:6379/0');

/** `DATABASE_URL`, checked: a postgres:// or postgresql:// URL. */
const databaseUrlOf = (raw: string | undefined) =>
  serverUrlOf('DATABASE_URL', raw, ['postgres:', 'postgresql:'], 'postgres:// URL such as postgres://user:password@127.0.0.1:5432/imports');

/** A node of a Redis Cluster, as REDIS_CLUSTER_NODES names it. */
export interface RedisNode {
  host: string;
  port: number;
}

/** `REDIS_CLUSTER_NODES`, checked: host:port entries separated by commas. */
function redisClusterNodesOf(raw: string | undefined): RedisNode[] | undefined {
  if (!raw) return undefined;
  const nodes = raw.split(',').map((entry) => entry.trim()).map((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : 0;
    return match && port >= 1 && port <= 65_535 ? { host: match[1].replace(/^\[(.*)\]$/, '$1'), port } : undefined;
  });
  const bad = nodes.findIndex((node) => node === undefined);
  if (bad >= 0) {
    // the entry itself is not echoed: a URL with a password may have been put there
    throw new Error(`REDIS_CLUSTER_NODES must be host:port entries separated by commas, such as 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379; entry ${bad + 1} of ${nodes.length} is not`);
  }
  return nodes as RedisNode[];
}

/** `METRICS_TOKEN`, when set: long enough not to be guessed. */
function tokenOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 16 || /[\s\u0000-\u001f]/.test(raw)) throw new Error('METRICS_TOKEN must be at least 16 characters, without spaces or control characters');
  return raw;
}

/** Most interactive calls of an account waiting in one process: what its budget sends in UPSALES_MAX_WAIT_MS (at least the calls in flight). */
export const maxQueuedCalls = (config: Pick<GatewayConfig, 'budgetCalls' | 'budgetWindowMs' | 'maxWaitMs' | 'concurrency'>): number =>
  Math.max(config.concurrency, Math.ceil((config.maxWaitMs / config.budgetWindowMs) * config.budgetCalls));

/** Where the gateway listens: `HOST`, else loopback when anonymous requests act as a default account. */
export const listenHost = (config: Pick<GatewayConfig, 'host' | 'defaultCredentials'>): string =>
  config.host ?? (config.defaultCredentials ? '127.0.0.1' : '0.0.0.0');

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
  checkAccountHashKey(env);
  const username = env.UPSALES_USERNAME;
  const password = env.UPSALES_PASSWORD;
  if (Boolean(username) !== Boolean(password)) {
    throw new Error('UPSALES_USERNAME and UPSALES_PASSWORD must be set together');
  }
  const allowArbitraryOperations = boolean(env, 'ALLOW_ARBITRARY_OPERATIONS', true);
  if (!allowArbitraryOperations && !env.PERSISTED_OPERATIONS) {
    throw new Error('ALLOW_ARBITRARY_OPERATIONS=false needs PERSISTED_OPERATIONS, the file of the documents that may run');
  }
  const budgetCalls = positiveInt(env, 'UPSALES_BUDGET_CALLS', 45);
  const headersTimeoutMs = positiveInt(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000);
  const requestTimeoutMs = positiveInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 300_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new Error(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) throw new Error('Set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  const fallbackCalls = positiveInt(env, 'UPSALES_FALLBACK_CALLS', Math.max(1, Math.floor(budgetCalls / 4)));
  if (fallbackCalls > budgetCalls) throw new Error(`UPSALES_FALLBACK_CALLS (${fallbackCalls}) must not exceed UPSALES_BUDGET_CALLS (${budgetCalls})`);
  return {
    port: port(env, 'PORT', 4000),
    upstreamUrl: env.UPSALES_URL || undefined,
    defaultCredentials: username && password ? { username, password } : undefined,
    budgetCalls,
    budgetWindowMs: positiveInt(env, 'UPSALES_BUDGET_WINDOW_MS', 15_000),
    concurrency: positiveInt(env, 'UPSALES_CONCURRENCY', 4),
    blockMs: positiveInt(env, 'UPSALES_BLOCK_MS', 120_000),
    interactiveReserve: wholeBelow(env, 'UPSALES_INTERACTIVE_RESERVE', defaultInteractiveReserve(budgetCalls), budgetCalls, 'below UPSALES_BUDGET_CALLS'),
    redisUrl: redisUrlOf(env.REDIS_URL),
    redisClusterNodes: redisClusterNodesOf(env.REDIS_CLUSTER_NODES),
    fallbackCalls,
    timeoutMs: positiveInt(env, 'UPSALES_TIMEOUT_MS', 30_000),
    credentialsTtlMs: positiveInt(env, 'CREDENTIALS_TTL_MS', 60_000),
    maxWaitMs: positiveInt(env, 'UPSALES_MAX_WAIT_MS', 60_000),
    maxQueryCalls: positiveInt(env, 'MAX_QUERY_CALLS', 45),
    maxCallsOverEstimate: whole(env, 'MAX_CALLS_OVER_ESTIMATE', 10, 'calls'),
    batchSize: positiveInt(env, 'UPSALES_BATCH_SIZE', 100),
    cacheTtlMs: wholeMs(env, 'UPSALES_CACHE_TTL_MS', 600_000),
    host: env.HOST || undefined,
    corsOrigins: originsOf(env.CORS_ORIGINS),
    metricsToken: tokenOf(env.METRICS_TOKEN),
    trustedProxies: trustedProxiesOf(env.TRUSTED_PROXIES),
    limits: {
      bodyBytes: positiveInt(env, 'MAX_BODY_BYTES', 1_048_576),
      uploadBytes: positiveInt(env, 'MAX_UPLOAD_BYTES', 67_108_864),
      queryBytes: positiveInt(env, 'MAX_QUERY_BYTES', 65_536),
      queryTokens: positiveInt(env, 'MAX_QUERY_TOKENS', 5_000),
      queryDepth: positiveInt(env, 'MAX_QUERY_DEPTH', 16),
      queryAliases: positiveInt(env, 'MAX_QUERY_ALIASES', 30),
      queryDirectives: positiveInt(env, 'MAX_QUERY_DIRECTIVES', 20),
      queryFields: positiveInt(env, 'MAX_QUERY_FIELDS', 5_000),
      importBytes: positiveInt(env, 'MAX_IMPORT_BYTES', 1_073_741_824),
      importRows: positiveInt(env, 'MAX_IMPORT_ROWS', 2_000_000),
      uploadsPerUser: positiveInt(env, 'MAX_UPLOADS_PER_USER', 2),
      uploads: positiveInt(env, 'MAX_UPLOADS', 4),
    },
    persistedOperations: env.PERSISTED_OPERATIONS || undefined,
    allowArbitraryOperations,
    apq: {
      ttlMs: positiveInt(env, 'APQ_TTL_MS', 86_400_000),
      maxBytesPerAccount: positiveInt(env, 'APQ_MAX_BYTES', 1_048_576),
    },
    streams: {
      perUser: positiveInt(env, 'MAX_STREAMS_PER_USER', 20),
      inAll: positiveInt(env, 'MAX_STREAMS', 1_000),
      perConnection: positiveInt(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 10),
      websocketsPerUser: positiveInt(env, 'MAX_WEBSOCKETS_PER_USER', 10),
      idleMs: positiveInt(env, 'STREAM_IDLE_TIMEOUT_MS', 300_000),
    },
    http: {
      maxConnections: positiveInt(env, 'MAX_CONNECTIONS', 4_096),
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: positiveInt(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000),
    },
    jobs: {
      databaseUrl: databaseUrlOf(env.DATABASE_URL),
      leaseMs: positiveInt(env, 'IMPORT_LEASE_MS', 15_000),
      stagedRowsPerUser: positiveInt(env, 'MAX_STAGED_ROWS_PER_USER', 2_000_000),
      stagedRows: positiveInt(env, 'MAX_STAGED_ROWS', 10_000_000),
      retentionMs: positiveInt(env, 'JOB_RETENTION_MS', 604_800_000),
    },
    changes: {
      pollMs: positiveInt(env, 'CHANGES_POLL_MS', 5_000),
      budgetShare: fraction(env, 'CHANGES_BUDGET_SHARE', 0.2),
      leaseMs: positiveInt(env, 'CHANGES_LEASE_MS', 15_000),
      watchKeptReads: boolean(env, 'CHANGES_WATCH_KEPT_READS', true),
    },
  };
}
