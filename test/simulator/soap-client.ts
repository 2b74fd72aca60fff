/**
 * Raw SOAP over fetch for the simulator tests: hand-written envelopes, a
 * WS-Security header (PasswordText or PasswordDigest), and a small reader for
 * responses and faults.
 */
import { createHash, randomBytes } from 'node:crypto';
import { serviceNamespace } from '../../src/contract/wire.js';
import { parseXml, type XmlElement } from '../../src/simulator/xml/parse-xml.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

export const ADMIN = { username: 'admin@demo.test', password: 'demo-admin' };
export const SALES = { username: 'sales@demo.test', password: 'demo-sales' };
export const READER = { username: 'reader@demo.test', password: 'demo-reader' };
export const NOAPI = { username: 'noapi@demo.test', password: 'demo-noapi' };

export interface Auth {
  username: string;
  password: string;
  digest?: boolean;
  nonce?: string;
  created?: string;
  /** Digest computed with this password instead (to send a wrong digest). */
  digestPassword?: string;
}

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const TOKEN_PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function securityHeader(auth: Auth): string {
  if (!auth.digest) {
    return `<wsse:Security xmlns:wsse="${WSSE}"><wsse:UsernameToken><wsse:Username>${esc(auth.username)}</wsse:Username>`
      + `<wsse:Password Type="${TOKEN_PROFILE}#PasswordText">${esc(auth.password)}</wsse:Password></wsse:UsernameToken></wsse:Security>`;
  }
  const nonce = auth.nonce ?? randomBytes(16).toString('base64');
  const created = auth.created ?? new Date().toISOString();
  const digest = createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(auth.digestPassword ?? auth.password)]))
    .digest('base64');
  return `<wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}"><wsse:UsernameToken><wsse:Username>${esc(auth.username)}</wsse:Username>`
    + `<wsse:Password Type="${TOKEN_PROFILE}#PasswordDigest">${digest}</wsse:Password>`
    + `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce}</wsse:Nonce>`
    + `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`;
}

/** A full envelope calling `operation` of `service` with `inner` as the operation's content. */
export function envelope(service: string, operation: string, inner: string, auth: Auth | null): string {
  return '<?xml version="1.0" encoding="utf-8"?>'
    + `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="${serviceNamespace(service)}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`
    + (auth ? `<soap:Header>${securityHeader(auth)}</soap:Header>` : '')
    + `<soap:Body><tns:${operation}>${inner}</tns:${operation}></soap:Body></soap:Envelope>`;
}

export interface Fault {
  faultcode: string;
  faultstring: string;
  code: string;
  message: string;
  field?: string;
  itemIndex?: number;
  retryAfterMs?: number;
}

export interface SoapResponse {
  status: number;
  text: string;
  /** The operation's response element, when not a fault. */
  body?: XmlElement;
  fault?: Fault;
}

const child = (el: XmlElement | undefined, name: string): XmlElement | undefined => el?.children.find((c) => c.name === name);
export const text = (el: XmlElement | undefined, name: string): string | undefined => child(el, name)?.text;
export const all = (el: XmlElement | undefined, name: string): XmlElement[] => el?.children.filter((c) => c.name === name) ?? [];

export function readResponse(status: number, raw: string): SoapResponse {
  const root = parseXml(raw);
  const body = child(root, 'Body');
  const first = body?.children[0];
  if (first?.name !== 'Fault') return { status, text: raw, body: first };
  const detail = child(child(first, 'detail'), 'UpsalesFault');
  const num = (name: string): number | undefined => (text(detail, name) === undefined ? undefined : Number(text(detail, name)));
  return {
    status, text: raw,
    fault: {
      faultcode: text(first, 'faultcode')!, faultstring: text(first, 'faultstring')!, code: text(detail, 'code')!, message: text(detail, 'message')!,
      ...(text(detail, 'field') !== undefined && { field: text(detail, 'field') }),
      ...(num('itemIndex') !== undefined && { itemIndex: num('itemIndex') }),
      ...(num('retryAfterMs') !== undefined && { retryAfterMs: num('retryAfterMs') }),
    },
  };
}

/** POSTs raw text to a service endpoint. */
export async function postRaw(sim: RunningSimulator, service: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sim.url}/${service}`, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers }, body });
  return { status: res.status, text: await res.text() };
}

export async function call(sim: RunningSimulator, service: string, operation: string, inner = '', auth: Auth | null = ADMIN): Promise<SoapResponse> {
  const { status, text: raw } = await postRaw(sim, service, envelope(service, operation, inner, auth));
  return readResponse(status, raw);
}

/** Like `call`, but fails the test on a fault. */
export async function ok(sim: RunningSimulator, service: string, operation: string, inner = '', auth: Auth | null = ADMIN): Promise<XmlElement> {
  const res = await call(sim, service, operation, inner, auth);
  if (res.fault || res.status !== 200) throw new Error(`${service}.${operation} failed (${res.status}): ${res.fault?.code} ${res.fault?.message}`);
  return res.body!;
}

export interface Criterion { field: string; operator: string; values?: (string | number)[] }

export function criteriaXml(criteria: Criterion[] = [], opts: { sort?: { field: string; descending?: boolean }[]; limit?: number; offset?: number } = {}): string {
  return criteria.map((c) => `<criteria><field>${c.field}</field><operator>${c.operator}</operator>${(c.values ?? []).map((v) => `<values>${esc(String(v))}</values>`).join('')}</criteria>`).join('')
    + (opts.sort ?? []).map((s) => `<sort><field>${s.field}</field>${s.descending === undefined ? '' : `<descending>${s.descending}</descending>`}</sort>`).join('')
    + (opts.limit === undefined ? '' : `<limit>${opts.limit}</limit>`)
    + (opts.offset === undefined ? '' : `<offset>${opts.offset}</offset>`);
}

/** getByCriteria: total and item ids. */
export async function query(sim: RunningSimulator, service: string, criteria: Criterion[] = [], opts: Parameters<typeof criteriaXml>[1] = {}, auth: Auth = ADMIN): Promise<{ total: number; ids: number[]; items: XmlElement[] }> {
  const body = await ok(sim, service, 'getByCriteria', criteriaXml(criteria, opts), auth);
  const items = all(body, 'items');
  return { total: Number(text(body, 'total')), ids: items.map((i) => Number(text(i, 'id'))), items };
}

/** A small simulator for a test file; the throttle is out of the way unless asked for. */
export function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ port: 0, scale: 0.2, seed: 7, throttleCalls: 1_000_000, ...options });
}

export const origin = (sim: RunningSimulator): string => sim.url.replace(/\/wsapi$/, '');
