/**
 * Everything a SOAP POST goes through before node-soap dispatches it: the
 * envelope is parsed and checked (malformed XML and unknown operations become
 * proper faults), the call is counted, delayed, authenticated, checked for
 * API access and throttled. node-soap then gets a minimal envelope naming the
 * operation, dispatches it and writes the response or fault.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceNamespace } from '../../contract/wire.js';
import type { WsSecurity } from '../auth/ws-security.js';
import { makeCaller } from '../items/rights.js';
import type { StatsRecorder } from '../stats.js';
import type { Store } from '../store.js';
import type { Throttle } from '../throttle.js';
import { serviceOperations } from '../wsdl/build-wsdl.js';
import { escapeXml } from '../xml/escape-xml.js';
import { setCallContext } from './call-context.js';
import { readEnvelope, SOAP11_NS } from './read-envelope.js';
import { SimFault, faultEnvelope } from './sim-fault.js';

export interface EndpointDeps {
  store: Store;
  security: WsSecurity;
  throttle: Throttle;
  stats: StatsRecorder;
  latencyMs: number;
  /** node-soap's request listener for the service paths. */
  soapListener: RequestListener;
}

/** Largest request body accepted (bytes). */
const MAX_BODY = 20 * 1024 * 1024;

export function sendFault(res: ServerResponse, fault: SimFault, namespace?: string, status = 500): void {
  if (res.headersSent) return;
  const body = faultEnvelope(fault, namespace);
  res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new SimFault('VALIDATION_ERROR', `request body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Identifies the caller; throws AUTHENTICATION_FAILED, API_ACCESS_DENIED or THROTTLED. */
function admit(deps: EndpointDeps, header: Parameters<WsSecurity['authenticate']>[0]) {
  const username = deps.security.authenticate(header);
  const user = [...deps.store.entity('user').values()].find((u) => String(u.email).toLowerCase() === username);
  if (!user || user.active === false) throw new SimFault('AUTHENTICATION_FAILED', 'invalid username or password');
  deps.stats.user(username);
  if (user.apiAccess !== true) throw new SimFault('API_ACCESS_DENIED', 'this user has no API access');
  const verdict = deps.throttle.hit(username, Date.now());
  if (!verdict.ok) {
    deps.stats.throttled(verdict.newBlock);
    throw new SimFault('THROTTLED', `too many calls: more than ${deps.throttle.rules.calls} in ${deps.throttle.rules.windowMs} ms; blocked, retry after ${verdict.retryAfterMs} ms without calls`, { retryAfterMs: verdict.retryAfterMs });
  }
  return makeCaller(deps.store, user);
}

/** Handles a POST to `/wsapi/<service>`. */
export async function handleSoapPost(deps: EndpointDeps, service: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ns = serviceNamespace(service);
  try {
    const envelope = readEnvelope((await readBody(req)).toString('utf8'));
    const name = envelope.operation.name;
    if (!serviceOperations(service).includes(name)) {
      throw new SimFault('VALIDATION_ERROR', `unknown operation "${name}" of ${service}; operations: ${serviceOperations(service).join(', ')}`);
    }
    deps.stats.call(`${service}.${name}`);
    if (deps.latencyMs > 0) await sleep(deps.latencyMs);
    const caller = admit(deps, envelope.header);
    setCallContext(req, { caller, operation: envelope.operation });
    const minimal = `<soap:Envelope xmlns:soap="${SOAP11_NS}" xmlns:tns="${escapeXml(ns)}"><soap:Body><tns:${name}/></soap:Body></soap:Envelope>`;
    delete req.headers.soapaction;
    req.headers['content-type'] = 'text/xml; charset=utf-8';
    (req as IncomingMessage & { body?: Buffer }).body = Buffer.from(minimal);
    deps.soapListener(req, res);
  } catch (err) {
    if (err instanceof SimFault) return sendFault(res, err, ns);
    console.error(`[simulator] ${service} request failed:`, err);
    sendFault(res, new SimFault('INTERNAL', 'internal error in the embedded Upsales service'), ns);
  }
}
