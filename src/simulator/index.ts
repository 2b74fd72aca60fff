/**
 * The embedded Upsales SOAP service: every service of the contract over one
 * in-memory demo store, served by node-soap (`soap.listen`) on a Node HTTP
 * server, with WS-Security, roles, the throttle and call statistics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as soap from 'soap';
import { LISTING_PATH, METADATA_SERVICE, ITEM_SERVICES, ALL_SERVICES, WSAPI_PATH, servicePath } from '../contract/wire.js';
import { WsSecurity } from './auth/ws-security.js';
import { startBusyUsers } from './busy-users.js';
import { generateDemoData } from './data/generate-demo-data.js';
import { handleSoapPost, sendFault } from './soap/soap-endpoint.js';
import { buildServices } from './soap/services.js';
import { SimFault } from './soap/sim-fault.js';
import { StatsRecorder } from './stats.js';
import { Throttle } from './throttle.js';
import { buildWsdl } from './wsdl/build-wsdl.js';
import { listingPage } from './wsdl/listing-page.js';

export interface SimulatorOptions {
  /** TCP port; 0 picks a free one. @default 4010 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Seed of the demo data generator: same seed, same data. @default 1 */
  seed?: number;
  /** Multiplies the demo data size (fractions allowed; users and metadata do not scale). @default 1 */
  scale?: number;
  /** Delay added to every SOAP call. @default 0 */
  latencyMs?: number;
  /** Calls allowed per user in the throttle window. @default 50 */
  throttleCalls?: number;
  /** @default 15000 */
  throttleWindowMs?: number;
  /** How long a block lasts after the last call. @default 120000 */
  throttleBlockMs?: number;
  /** Most items per create/update/delete call. @default 100 */
  batchMax?: number;
  /** Other users' changes a minute, made in the service itself (busy-users.ts); 0: none. @default 0 */
  changesPerMin?: number;
}

export const DEFAULT_OPTIONS: Required<SimulatorOptions> = {
  port: 4010, host: '127.0.0.1', seed: 1, scale: 1, latencyMs: 0,
  throttleCalls: 50, throttleWindowMs: 15_000, throttleBlockMs: 120_000, batchMax: 100, changesPerMin: 0,
};

const ENV: Record<string, keyof SimulatorOptions> = {
  SIM_PORT: 'port', SIM_SEED: 'seed', SIM_SCALE: 'scale', SIM_LATENCY_MS: 'latencyMs',
  SIM_THROTTLE_CALLS: 'throttleCalls', SIM_THROTTLE_WINDOW_MS: 'throttleWindowMs', SIM_THROTTLE_BLOCK_MS: 'throttleBlockMs', SIM_BATCH_MAX: 'batchMax',
  SIM_CHANGES_PER_MIN: 'changesPerMin',
};

/** Reads `SIM_*` variables; unset ones are left to the defaults. Throws on a value that is not a number. */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatorOptions {
  const options: SimulatorOptions = {};
  for (const [name, key] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    (options as Record<string, number>)[key] = value;
  }
  if (env.SIM_HOST) options.host = env.SIM_HOST;
  return options;
}

export interface RunningSimulator {
  /** Base of the services, e.g. `http://127.0.0.1:4010/wsapi`; `<url>/<Service>?wsdl` are the WSDLs. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const o = { ...DEFAULT_OPTIONS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as Required<SimulatorOptions>;
  if (!(o.batchMax >= 1) || !(o.throttleCalls >= 1)) throw new Error('batchMax and throttleCalls must be at least 1');
  // The port first: a taken one is told before the demo data is built.
  const server = http.createServer();
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const store = generateDemoData({ seed: o.seed, scale: o.scale });
  const stats = new StatsRecorder();
  const throttle = new Throttle({ calls: o.throttleCalls, windowMs: o.throttleWindowMs, blockMs: o.throttleBlockMs });
  const security = new WsSecurity((username) => store.passwords.get(username));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;

  await Promise.all(ALL_SERVICES.map((service) => new Promise<void>((resolve, reject) => {
    const kind = service === METADATA_SERVICE ? null : ITEM_SERVICES[service];
    soap.listen(server, {
      path: servicePath(service),
      services: buildServices({ store, batchMax: o.batchMax }, service, kind),
      xml: buildWsdl(service, kind, origin),
      enableChunkedEncoding: false,
      suppressStack: true,
      callback: (err: unknown) => (err ? reject(err) : resolve()),
    });
  })));
  const soapListeners = server.listeners('request') as http.RequestListener[];
  server.removeAllListeners('request');
  const soapListener: http.RequestListener = (req, res) => soapListeners.forEach((l) => l(req, res));
  const deps = { store, security, throttle, stats, latencyMs: o.latencyMs, soapListener };

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on('error', () => res.destroy());
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/__sim/stats' && req.method === 'GET') return sendJson(res, 200, stats.stats);
    if (path === '/__sim/arrivals' && req.method === 'GET') return sendJson(res, 200, { arrivals: stats.arrivals });
    if (path === '/__sim/reset-stats' && req.method === 'POST') return (stats.reset(), sendJson(res, 200, stats.stats));
    if (path === '/__sim/reset-throttle' && req.method === 'POST') return (throttle.reset(), sendJson(res, 200, { ok: true }));
    if (path === LISTING_PATH && req.method === 'GET') {
      const html = listingPage();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
      return res.end(html);
    }
    const service = path.startsWith(`${WSAPI_PATH}/`) ? path.slice(WSAPI_PATH.length + 1) : '';
    if (ALL_SERVICES.includes(service)) {
      if (req.method === 'POST') return void handleSoapPost(deps, service, req, res);
      if (req.method === 'GET' && url.search.toLowerCase().startsWith('?wsdl')) return soapListener(req, res);
    }
    if (req.method === 'POST' && path.startsWith(WSAPI_PATH)) {
      return sendFault(res, new SimFault('VALIDATION_ERROR', `no such service: ${path}; see ${LISTING_PATH}`), undefined, 404);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`Not found. The services are listed at ${LISTING_PATH}\n`);
  });

  const stopBusyUsers = o.changesPerMin > 0 ? startBusyUsers(store, o.changesPerMin, o.seed) : () => undefined;
  return {
    url: `${origin}${WSAPI_PATH}`,
    port,
    close: () => new Promise<void>((resolve, reject) => {
      stopBusyUsers();
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }),
  };
}
