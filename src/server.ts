/**
 * The gateway's HTTP server: graphql-yoga at /graphql (with GraphiQL),
 * GET /healthz, per-request contexts, the call estimate that rejects queries
 * before they run, and each response's call accounting in `extensions`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema as defaultSchema } from '../schema/index.js';
import { requestScope } from '../planner/request-scope.js';
import { useUpstreamAccounting } from '../planner/use-upstream-accounting.js';
import { listenHost, type GatewayConfig } from './config.js';
import { asksFresh, basicCredentials, createContext, type GatewayContext } from './context.js';
import type { ImportService } from './import/import-service.js';
import { attachImports } from './import/request-imports.js';
import { useImportRoutes } from './import/import-routes.js';
import { UPLOAD_ROUTE } from './import/upload-route.js';
import { useRequestParser } from './plugins/use-request-parser.js';
import { corsFor } from './plugins/cors.js';
import { useCsrf } from './plugins/use-csrf.js';
import { useDocumentLimits } from './plugins/use-document-limits.js';
import { useInputGuard } from './plugins/use-input-guard.js';
import { useShortErrors } from './plugins/use-short-errors.js';
import type { CallStats, ClientOptions, Credentials, Upstream } from './upstream/index.js';
import { VerifiedAccounts } from './verified-accounts.js';

const GRAPHQL_ENDPOINT = '/graphql';

const FIRST_QUERY = `# Send your Upsales username and password as HTTP Basic credentials,
# or run the gateway with UPSALES_USERNAME / UPSALES_PASSWORD set.
query FirstQuery {
  me { name email role { name } }
  clients(first: 5, orderBy: [{ field: name }]) {
    totalCount
    nodes {
      name
      contacts(first: 3) { nodes { name email } }
      orders(first: 3) { nodes { description value rows { quantity product { name } } } }
    }
  }
  rateLimit { limit used remaining queued }
}
`;

export interface GatewayDeps {
  config: GatewayConfig;
  upstream: Upstream;
  schema?: GraphQLSchema;
  /** Mass import jobs (GraphQL API, POST /imports, GET /imports/<id>/results.csv|jsonl); without it, imports are off. */
  imports?: ImportService;
  /** Credentials Upsales accepted lately; one per gateway. */
  verifiedAccounts?: VerifiedAccounts;
}

export function createGateway({
  config, upstream, schema = defaultSchema, imports, verifiedAccounts = new VerifiedAccounts(),
}: GatewayDeps): YogaServerInstance<Record<string, never>, GatewayContext> {
  const contextDeps = {
    config,
    verifiedAccounts,
    clientFor: (credentials: Credentials, stats: CallStats, options: ClientOptions) => upstream.forCredentials(credentials, stats, 'interactive', options),
    requestScope,
  };
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    cors: corsFor(config.corsOrigins),
    graphiql: { title: 'upsales-graphql', defaultQuery: FIRST_QUERY },
    landingPage: false,
    context: ({ request }) => {
      const authorization = request.headers.get('authorization');
      const ctx = createContext(contextDeps, authorization, { fresh: asksFresh(request.headers.get('cache-control')) });
      if (imports) attachImports(ctx, imports, basicCredentials(authorization) ?? config.defaultCredentials!);
      return ctx;
    },
    plugins: [
      ...useCsrf([UPLOAD_ROUTE]),
      useShortErrors(),
      useRequestParser(GRAPHQL_ENDPOINT, config.limits),
      ...useDocumentLimits(config.limits),
      useUpstreamAccounting(schema, config.maxQueryCalls, config.batchSize),
      useInputGuard(),
      ...(imports ? [useImportRoutes({
        imports,
        defaultCredentials: config.defaultCredentials,
        verifiedAccounts,
        clientFor: (credentials) => upstream.forCredentials(credentials, { calls: 0, queuedMs: 0, log: [] }),
      })] : []),
    ],
  });
}

export interface RunningGateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the gateway (and GET /healthz) on `port` (0: any free port), on
 * `host` (by default `HOST`, else loopback when anonymous requests act as a
 * default account).
 */
export async function startGateway(deps: GatewayDeps, port = deps.config.port, host = listenHost(deps.config)): Promise<RunningGateway> {
  const yoga = createGateway(deps);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    void yoga(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${address.port}${GRAPHQL_ENDPOINT}`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
