/**
 * The gateway's HTTP server: graphql-yoga at /graphql (with GraphiQL, served
 * whole by the gateway), GraphQL over WebSocket on the same path
 * (websocket.ts), GET /healthz, per-request contexts, the call estimate
 * that rejects queries before they run, and each response's call
 * accounting in `extensions`; its connections and timeouts are bounded
 * (MAX_CONNECTIONS, HTTP_*_TIMEOUT_MS).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { schema as defaultSchema } from '../schema/index.js';
import { useUpstreamAccounting } from './plugins/use-upstream-accounting.js';
import { GRAPHIQL_OPTIONS, renderGraphiQL } from './graphiql.js';
import { listenHost, type GatewayConfig } from '../src/config/config.js';
import { bindGatewayPort } from './http-port.js';
import { limitServer } from './http-limits.js';
import type { GatewayContext } from '../schema/context.js';
import { Callers, type Caller } from '../src/request/credentials.js';
import { VerifiedAccounts } from '../src/request/verified-accounts.js';
import type { Revocations } from '../src/shared-state/index.js';
import { createLogger, type Logger } from '../src/log/logger.js';
import { loadTrustedDocuments, type PersistedOperations } from './plugins/trusted-documents.js';
import type { ImportService } from '../src/import/jobs/import-service.js';
import { useImportRoutes } from './routes/use-import-routes.js';
import { RESULTS_ROUTE } from './routes/results-route.js';
import { UPLOAD_ROUTE } from './routes/upload-route.js';
import { useRequestParser } from './plugins/use-request-parser.js';
import { useRoutes } from './plugins/use-routes.js';
import { corsFor } from './cors.js';
import { useCsrf } from './plugins/use-csrf.js';
import { useDocumentLimits } from './plugins/use-document-limits.js';
import { useInputGuard } from './plugins/use-input-guard.js';
import { METRICS_ENDPOINT, useMetrics } from './plugins/use-metrics.js';
import type { GatewayMetrics } from '../src/metrics/metrics.js';
import { usePersistedOperations } from './plugins/use-persisted-operations.js';
import { useRequestLog } from './plugins/use-request-log.js';
import { useShortErrors } from './plugins/use-short-errors.js';
import type { Upstream } from '../src/upstream/index.js';
import { contextFactory } from './context.js';
import { enterGraphQL, markEntered, useCaller } from './plugins/use-caller.js';
import { useUploadGate } from './plugins/use-upload-gate.js';
import { UploadSlots } from '../src/request/upload-slots.js';
import { StreamSlots } from '../src/request/stream-slots.js';
import { MemoryApqStore, type ApqStore } from '../src/shared-state/index.js';
import { useStreamCaps } from './plugins/use-stream-caps.js';
import { useLiveQueries } from './plugins/use-live-queries.js';
import { useMultipartSubscriptions } from './plugins/use-multipart-subscriptions.js';
import { useHttpStatus } from './plugins/use-http-status.js';
import { toolDocuments } from './plugins/tool-documents.js';
import { serveWebSockets } from './websocket.js';
import { ChangeFeeds, type ChangeLinks } from '../src/changes/index.js';

const GRAPHQL_ENDPOINT = '/graphql';


export interface GatewayDeps {
  config: GatewayConfig;
  upstream: Upstream;
  schema?: GraphQLSchema;
  /** Mass import jobs (GraphQL API, POST /imports, GET /imports/<id>/results.csv|jsonl); without it, imports are off. */
  imports?: ImportService;
  /** Who requests act as: their credentials, and those Upsales accepted lately; one per gateway. */
  callers?: Callers;
  /** Revoked usernames told between processes (shared state); without it, only this process forgets them. */
  revocations?: Revocations;
  /** Trusted documents; by default read from the files `config.persistedOperations` names, if any. The tools' own are always added. */
  persistedOperations?: PersistedOperations;
  /** Where documents sent with their hash are registered (APQ; shared state); by default this process's memory. */
  apq?: ApqStore;
  /** Where request lines and yoga's own messages go; nowhere by default (`npm start` passes the process's log). */
  logger?: Logger;
  /** The Prometheus series, served at GET /metrics; without them, no /metrics. */
  metrics?: GatewayMetrics;
  /** What the change feeds of every process share (shared state: a lease per account, batches to every replica); by default this process alone. */
  changeLinks?: ChangeLinks;
}

/** The callers of a gateway built from `deps` alone. */
const defaultCallers = ({ config, upstream }: Pick<GatewayDeps, 'config' | 'upstream'>) =>
  new Callers(upstream, {
    defaultCredentials: config.defaultCredentials, accounts: new VerifiedAccounts({ ttlMs: config.credentialsTtlMs }), trustedProxies: config.trustedProxies,
  });

/**
 * The credentials step's gate for a GraphQL request, here, before
 * graphql-yoga sees it (plugins/use-caller.ts: `enterGraphQL`): refused at
 * once (its line logged as the request log writes them), or let in, its
 * place held until its response closes. A flood of wrong passwords costs
 * next to nothing.
 */
function refusedAtOnce(req: IncomingMessage, res: ServerResponse, callers: Callers, log: RefusalLog): boolean {
  const authorization = req.headers.authorization;
  if (!authorization) return false;
  let caller: Caller;
  try {
    caller = callers.identify(authorization, callers.addressOf(req));
  } catch {
    return false;
  }
  const entered = enterGraphQL(caller, callers);
  if ('leave' in entered) {
    markEntered(req);
    res.once('close', entered.leave);
    return false;
  }
  const { refused } = entered;
  const requestId = randomUUID();
  res.writeHead(refused.status, { ...refused.headers, 'x-request-id': requestId }).end(refused.body);
  log.refused({ requestId, method: req.method, path: GRAPHQL_ENDPOINT, status: refused.status, durationMs: 0, outcome: refused.code, errors: 1 });
  return true;
}

/** Refusals at once are logged as debug lines, each; and as one warn line a minute saying how many there were: a flood of them never floods the log. */
interface RefusalLog { refused(line: Record<string, unknown>): void }

function refusalLog(log: Logger): RefusalLog & { stop(): void } {
  let counted = 0;
  const timer = setInterval(() => {
    if (counted === 0) return;
    log.warn({ refused: counted }, `${counted} GraphQL requests refused at once in the last minute for failed logins (THROTTLED) or a password Upsales refused a moment ago (UNAUTHENTICATED)`);
    counted = 0;
  }, 60_000);
  timer.unref();
  return {
    refused(line) {
      counted += 1;
      log.debug(line, 'request');
    },
    stop: () => clearInterval(timer),
  };
}

/** The gateway, and what its WebSocket transport shares with it. */
interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>;
  callers: Callers;
  /** The plugins whose `onParams` hooks apply to every operation's parameters, on every transport. */
  paramsRules: Plugin[];
  logger: Logger;
  /** Every account's change feed in this process. */
  changes: ChangeFeeds;
}

export function createGateway(deps: GatewayDeps): YogaServerInstance<Record<string, never>, GatewayContext> {
  return buildGateway(deps).yoga;
}

function buildGateway({
  config, upstream, schema = defaultSchema, imports, revocations,
  callers = defaultCallers({ config, upstream }),
  persistedOperations = loadTrustedDocuments(config.persistedOperations, config.limits.queryBytes),
  apq = new MemoryApqStore(config.apq),
  logger = createLogger({ level: 'silent' }), metrics, changeLinks,
}: GatewayDeps): Gateway {
  const changes = new ChangeFeeds({
    upstream, settings: config.changes, budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs }, links: changeLinks,
  });
  const uploads = new UploadSlots(config.limits.uploadsPerUser, config.limits.uploads);
  const streams = new StreamSlots(config.streams.perUser, config.streams.inAll);
  metrics?.watchSlots(uploads);
  metrics?.watchSlots(streams);
  if (revocations) {
    callers.accounts.onRevoked((tag) => revocations.publish(tag));
    revocations.subscribe((tag) => callers.accounts.forget(tag));
    callers.accounts.onKnownGood((mark) => revocations.publishKnownGood(mark));
    revocations.subscribeKnownGood((mark) => callers.accounts.markKnownGood(mark));
  }
  const paramsRules: Plugin[] = [
    ...usePersistedOperations({
      operations: new Map([...toolDocuments(), ...persistedOperations]), allowArbitraryOperations: config.allowArbitraryOperations, apq,
    }),
    ...useDocumentLimits(config.limits),
  ];
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    cors: corsFor(config.corsOrigins),
    // GraphiQL sends documents of its own (its schema introspection first): no use when only trusted documents run.
    graphiql: config.allowArbitraryOperations && GRAPHIQL_OPTIONS,
    renderGraphiQL,
    landingPage: false,
    // Bodies have limits of their own (plugins/use-request-parser.ts); this one is the largest, MAX_UPLOAD_BYTES.
    maxRequestBodySize: config.limits.uploadBytes,
    logging: logger.child({ component: 'yoga' }),
    context: contextFactory({ config, upstream, imports, changes }),
    plugins: [
      useRequestLog(logger),
      ...(metrics ? useMetrics(metrics, config.metricsToken, callers.addressOf) : []),
      useRoutes([GRAPHQL_ENDPOINT, ...(metrics ? [METRICS_ENDPOINT] : []), ...(imports ? [UPLOAD_ROUTE, RESULTS_ROUTE] : [])]),
      useCaller(callers, GRAPHQL_ENDPOINT),
      useDeferStream(),
      useMultipartSubscriptions(),
      useCsrf(GRAPHQL_ENDPOINT, [UPLOAD_ROUTE]),
      useUploadGate(GRAPHQL_ENDPOINT, uploads, config.limits.uploadBytes),
      useShortErrors(),
      useHttpStatus(),
      useRequestParser(GRAPHQL_ENDPOINT, config.limits),
      ...paramsRules,
      // The guard first, then the stream caps: what they refuse costs no call, the estimate's counts included.
      useInputGuard(),
      useStreamCaps(streams, config.streams.idleMs, callers.accounts),
      // Before the estimate: what it refuses (too many kinds watched) costs no count.
      useLiveQueries(schema, config, metrics?.operation),
      useUpstreamAccounting(schema, config, metrics?.operation),
      ...(imports ? [useImportRoutes({ imports, uploads })] : []),
    ],
  });
  return { yoga, callers, paramsRules, logger, changes };
}

export interface RunningGateway {
  url: string;
  server: Server;
  /**
   * Stops taking connections and lets the requests in progress finish, each
   * answered with `Connection: close`; idle keep-alive connections close at
   * once. After `graceMs`, the connections left (a stream, a stalled call)
   * are closed.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves the gateway (and GET /healthz) on `port` (0: any free port), on
 * `host` (by default `HOST`, else loopback when anonymous requests act as a
 * default account), or on a server already bound (app/http-port.ts).
 */
export async function startGateway(
  deps: GatewayDeps, port = deps.config.port, host = listenHost(deps.config), bound?: Server,
): Promise<RunningGateway> {
  const { yoga, callers, paramsRules, logger, changes } = buildGateway({ ...deps, callers: deps.callers ?? defaultCallers(deps) });
  const { config } = deps;
  const log = refusalLog(logger);
  let closing = false;
  const inProgress = new Set<ServerResponse>();
  const server = bound ?? await bindGatewayPort(port, host);
  limitServer(server, config.http, logger);
  server.removeAllListeners('request');
  const websockets = serveWebSockets({ server, yoga, endpoint: GRAPHQL_ENDPOINT, config, callers, paramsRules, logger });
  deps.metrics?.watchSlots(websockets.slots);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inProgress.add(res);
    res.once('close', () => {
      inProgress.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('connection', 'close');
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (path === GRAPHQL_ENDPOINT && refusedAtOnce(req, res, callers, log)) return;
    void yoga(req, res);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${address.port}${GRAPHQL_ENDPOINT}`,
    server,
    close: (graceMs = 0) => new Promise((resolve) => {
      closing = true;
      log.stop();
      changes.close();
      void websockets.close();
      for (const res of inProgress) if (!res.headersSent) res.setHeader('connection', 'close');
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    }),
  };
}
