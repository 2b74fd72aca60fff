/**
 * GraphQL over WebSocket (graphql-ws, the graphql-transport-ws protocol)
 * on the gateway's own port and path, for clients that subscribe that way
 * (Apollo Client's GraphQLWsLink, urql's subscriptionExchange).
 *
 * - The upgrade: only at the GraphQL endpoint (404 elsewhere), and from no
 *   page but those of CORS_ORIGINS: a browser sends its page's `Origin` and
 *   applies no CORS to a WebSocket, so any other origin is refused (403,
 *   code CSRF) before the handshake; a client that is no browser sends no
 *   Origin. While the gateway stops, 503.
 * - The connection's caller: the one credentials step (src/request), with
 *   the credentials of `connectionParams.authorization`, else
 *   `connectionParams.headers.authorization`, else the upgrade's
 *   Authorization header, else the configured account; checked with
 *   Upsales (one lookup, or none when known lately) before the connection
 *   is acknowledged. Refused: closed with 4401 (credentials), 4403 (no API
 *   access), 4429 (failed logins, or MAX_WEBSOCKETS_PER_USER connections
 *   already open) or 1013 (Upsales could not tell); graphql-ws' client
 *   retries only 4403 and 1013.
 * - Each operation: at most MAX_SUBSCRIPTIONS_PER_CONNECTION in progress on
 *   one connection (TOO_MANY_SUBSCRIPTIONS); then the same path as an HTTP
 *   request: the rules the gateway applies to a request's parameters
 *   (trusted documents and APQ, extensions, the document's size and
 *   nesting: their `onParams` hooks, which yoga runs only for HTTP), then
 *   yoga's parse and validate (token, depth, alias, directive and field
 *   limits), the GraphQL context of the connection's caller, and yoga's
 *   execute and subscribe with every Envelop plugin (input guard, estimate,
 *   stream caps and idle timeout, error masking). Errors are cut short and
 *   lose the extensions meant for HTTP (plugins/public-result.ts).
 * - A connection with no operation in progress and no message for
 *   STREAM_IDLE_TIMEOUT_MS is closed (1000); pings every 12 s close dead
 *   ones; a message over MAX_BODY_BYTES closes it (1009).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { GraphQLParams, Plugin, YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayContext } from '../schema/context.js';
import type { GatewayConfig } from '../src/config/config.js';
import type { Logger } from '../src/log/logger.js';
import { acceptedCaller, holdCaller, isCallerRefusal, type Caller, type Callers } from '../src/request/credentials.js';
import { GatewayError } from '../src/request/errors.js';
import { HeldSlots, isSlotRefusal, type SlotRelease } from '../src/request/held-slots.js';
import { publicError, publicResult } from './plugins/public-result.js';

export interface WebSocketDeps {
  server: Server;
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>;
  endpoint: string;
  config: GatewayConfig;
  callers: Callers;
  /** The plugins whose `onParams` hooks every request's parameters go through (yoga runs them for HTTP only). */
  paramsRules: Plugin[];
  logger: Logger;
}

export interface WebSocketService {
  /** The connections open, per user and in all (MAX_WEBSOCKETS_PER_USER, MAX_CONNECTIONS). */
  readonly slots: HeldSlots;
  /** Refuses new connections and closes the open ones (1001, Going away: clients reconnect elsewhere). */
  close(): Promise<void>;
}

/** What graphql-ws keeps of a connection, and what the gateway adds to it. */
interface Connection {
  caller: Caller;
  release: SlotRelease;
  /** The upgrade request, as a fetch Request, for the parameter rules. */
  request: Request;
  opened: number;
  lastMessage: number;
  operations: number;
  /** Operations in progress now (graphql-ws' own count). */
  inProgress(): number;
}

type Enveloped = ReturnType<YogaServerInstance<Record<string, never>, GatewayContext>['getEnveloped']>;

/** Close codes of refused credentials; graphql-ws' client retries 4403 and 1013, never 4401 or 4429. */
const CLOSE_OF_STATUS: Record<number, number> = { 401: 4401, 403: 4403, 429: 4429, 502: 1013 };

/** A WebSocket close reason: at most 123 bytes. */
const reason = (text: string) => (Buffer.byteLength(text) <= 123 ? text : `${text.slice(0, 110)}…`);

/** Answers an upgrade with an HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, statusText: string, code: string, message: string, headers: Record<string, string> = {}) {
  const body = `${JSON.stringify({ errors: [{ message, extensions: { code } }] })}\n`;
  const head = Object.entries({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\n${head}\r\n${body}`);
}

/** The Authorization a connection's client gave: connectionParams first, then the upgrade's header; a non-string is refused. */
function authorizationOf(connectionParams: Readonly<Record<string, unknown>> | undefined, request: IncomingMessage): string | null {
  const headers = connectionParams?.headers as Record<string, unknown> | undefined;
  const given = connectionParams?.authorization ?? connectionParams?.Authorization ?? headers?.authorization ?? headers?.Authorization;
  if (given !== undefined && typeof given !== 'string') throw new Error('connectionParams.authorization must be a string such as "Basic ..."');
  return given ?? request.headers.authorization ?? null;
}

/** Runs the gateway's parameter rules (their `onParams` hooks, in order) on an operation's parameters; throws their refusal. */
async function applyParamsRules(rules: Plugin[], params: GraphQLParams, request: Request, context: object, fetchAPI: unknown): Promise<GraphQLParams> {
  let current = params;
  for (const rule of rules) {
    if (!rule.onParams) continue;
    let early: unknown;
    await rule.onParams({
      params: current, request, context, fetchAPI,
      setParams: (next: GraphQLParams) => {
        current = next;
      },
      setResult: (result: unknown) => {
        early = result;
      },
      paramsHandler: () => undefined,
      setParamsHandler: () => undefined,
    } as never);
    if (early !== undefined) throw new Error('A parameter rule answered a WebSocket operation itself');
  }
  return current;
}

/** Errors from graphql-js or the gateway as they are (a syntax error with the code yoga gives it over HTTP); anything else masked. */
function asGraphQLErrors(error: unknown): GraphQLError[] {
  if (!(error instanceof GraphQLError)) return [new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
  if (error.extensions?.code || !error.message.startsWith('Syntax Error')) return [error];
  return [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
}

export function serveWebSockets({ server, yoga, endpoint, config, callers, paramsRules, logger }: WebSocketDeps): WebSocketService {
  const log = logger.child({ component: 'websocket' });
  const origins = new Set(config.corsOrigins);
  const { perConnection, websocketsPerUser, idleMs } = config.streams;
  const websockets = new HeldSlots(websocketsPerUser, config.http.maxConnections, {
    what: 'websockets', perUserSetting: 'MAX_WEBSOCKETS_PER_USER', inAllSetting: 'MAX_CONNECTIONS', advice: 'close one first',
  });
  const connections = new Map<WebSocket, Connection>();
  const running = new WeakMap<object, Enveloped>();
  let closing = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.bodyBytes });
  // ws tells a client's protocol errors (a message over maxPayload, a bad frame) as 'error' once it has closed the
  // connection itself (1009, 1002); graphql-ws would print each with console.error. They are the client's: one info line.
  wss.on('connection', (socket: WebSocket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'error') return emit(event, ...args);
      log.info({ transport: 'websocket', error: (args[0] as Error)?.message?.slice(0, 100) }, 'websocket closed for a bad frame');
      return true;
    }) as typeof socket.emit;
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const refuse = (status: number, statusText: string, code: string, message: string, headers?: Record<string, string>) => {
      log.info({ method: 'GET', path: path.slice(0, 200), status, outcome: code }, 'websocket refused');
      refuseUpgrade(socket, status, statusText, code, message, headers);
    };
    if (path !== endpoint) return refuse(404, 'Not Found', 'NOT_FOUND', 'Not found');
    if (closing) return refuse(503, 'Service Unavailable', 'UNAVAILABLE', 'The gateway is stopping', { 'retry-after': '1' });
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      return refuse(403, 'Forbidden', 'CSRF', 'A WebSocket from a page of an origin not in CORS_ORIGINS is refused');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const disposable = useServer<Record<string, unknown>>({
    isProd: true,
    onConnect: async (ctx) => {
      const { socket, request } = ctx.extra;
      const holder = {};
      try {
        holdCaller(holder, callers.identify(authorizationOf(ctx.connectionParams, request), callers.addressOf(request)));
      } catch (error) {
        if (!(error instanceof GraphQLError)) {
          socket.close(4400, reason((error as Error).message));
          return false;
        }
        holdCaller(holder, error);
      }
      const caller = await acceptedCaller(holder);
      if (isCallerRefusal(caller)) {
        socket.close(CLOSE_OF_STATUS[caller.status], reason(caller.message));
        return false;
      }
      const slot = websockets.take(caller.username);
      if (isSlotRefusal(slot)) {
        socket.close(4429, reason(`${slot.code}: at most ${slot.status === 429 ? `MAX_WEBSOCKETS_PER_USER (${websocketsPerUser})` : 'MAX_CONNECTIONS'}`));
        return false;
      }
      const now = Date.now();
      const headers = new yoga.fetchAPI.Headers();
      for (let i = 0; i < request.rawHeaders.length; i += 2) headers.append(request.rawHeaders[i], request.rawHeaders[i + 1]);
      const url = new URL(request.url ?? endpoint, `http://${request.headers.host ?? 'gateway'}`);
      connections.set(socket, {
        caller, release: slot, request: new yoga.fetchAPI.Request(url, { headers }), opened: now, lastMessage: now, operations: 0,
        inProgress: () => Object.keys(ctx.subscriptions).length,
      });
      socket.on('message', () => {
        const connection = connections.get(socket);
        if (connection) connection.lastMessage = Date.now();
      });
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      const connection = connections.get(ctx.extra.socket);
      if (!connection) return [new GatewayError('UNAUTHENTICATED', 'The connection has no caller')];
      // graphql-ws has already counted this operation among the connection's.
      if (Object.keys(ctx.subscriptions).length > perConnection) {
        return [new GraphQLError(
          `This connection has ${perConnection} operations in progress, the most MAX_SUBSCRIPTIONS_PER_CONNECTION allows: complete one first, or open another connection`,
          { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
        )];
      }
      connection.operations += 1;
      // No `request`: yoga's plugins take a context without one for a WebSocket operation (a GET upgrade is not how it came).
      const initial = { req: ctx.extra.request, connectionParams: ctx.connectionParams, params: payload as GraphQLParams };
      holdCaller(initial, connection.caller);
      try {
        const params = await applyParamsRules(paramsRules, payload as GraphQLParams, connection.request, initial, yoga.fetchAPI);
        initial.params = params;
        const enveloped = yoga.getEnveloped(initial);
        const document = enveloped.parse(params.query ?? '');
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const contextValue = await enveloped.contextFactory();
        running.set(contextValue, enveloped);
        const args: ExecutionArgs = {
          schema: enveloped.schema, document, contextValue, operationName: params.operationName, variableValues: params.variables,
        };
        return args;
      } catch (error) {
        return asGraphQLErrors(error);
      }
    },
    execute: (args) => running.get(args.contextValue as object)!.execute(args),
    subscribe: (args) => running.get(args.contextValue as object)!.subscribe(args),
    onNext: (_ctx, _id, _payload, _args, result) => publicResult(result as Parameters<typeof publicResult>[0]),
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => publicError(error).toJSON()),
    onClose: (ctx, code) => {
      const connection = connections.get(ctx.extra.socket);
      if (!connection) return;
      connections.delete(ctx.extra.socket);
      connection.release();
      log.info({ transport: 'websocket', durationMs: Date.now() - connection.opened, operations: connection.operations, closeCode: code }, 'websocket');
    },
  }, wss);

  const idleCheck = setInterval(() => {
    const now = Date.now();
    for (const [socket, connection] of connections) {
      if (now - connection.lastMessage < idleMs || connection.inProgress() > 0) continue;
      socket.close(1000, 'Idle: no operation for STREAM_IDLE_TIMEOUT_MS');
    }
  }, Math.min(idleMs, 5_000));
  idleCheck.unref();

  return {
    slots: websockets,
    async close() {
      closing = true;
      clearInterval(idleCheck);
      await disposable.dispose();
    },
  };
}
