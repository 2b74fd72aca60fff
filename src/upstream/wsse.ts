/**
 * The WS-Security UsernameToken header, built per call. It is spliced into
 * each request envelope (node-soap's per-call `postProcess`), so a SOAP
 * client shared between users never holds anyone's credentials.
 */
import { randomBytes } from 'node:crypto';
import { passwordDigest } from 'soap';
import { NONCE_BASE64, PASSWORD_DIGEST, PASSWORD_TEXT, WSSE_NS, WSU_NS } from '../contract/wire.js';
import type { Credentials } from './types.js';
import { escapeXmlText } from './xml-text.js';

export type PasswordType = 'PasswordDigest' | 'PasswordText';

/** `<wsse:Security>` with a fresh nonce and creation time. */
export function securityHeader(credentials: Credentials, passwordType: PasswordType, now = new Date()): string {
  const created = now.toISOString();
  const nonce = randomBytes(16).toString('base64');
  const password = passwordType === 'PasswordDigest'
    ? `<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, created, credentials.password)}</wsse:Password>`
    : `<wsse:Password Type="${PASSWORD_TEXT}">${escapeXmlText(credentials.password)}</wsse:Password>`;
  return `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">`
    + '<wsse:UsernameToken>'
    + `<wsse:Username>${escapeXmlText(credentials.username)}</wsse:Username>`
    + password
    + `<wsse:Nonce EncodingType="${NONCE_BASE64}">${nonce}</wsse:Nonce>`
    + `<wsu:Created>${created}</wsu:Created>`
    + '</wsse:UsernameToken></wsse:Security>';
}

/**
 * Puts `header` into an envelope node-soap built without a SOAP header. The
 * first `<soap:Body` is the real one: anything in the body is escaped.
 */
export function withSoapHeader(envelope: string, header: string, envelopeKey = 'soap'): string {
  const body = `<${envelopeKey}:Body`;
  const at = envelope.indexOf(body);
  if (at < 0 || envelope.lastIndexOf(`<${envelopeKey}:Header`, at) >= 0) {
    throw new Error('Unexpected SOAP envelope layout');
  }
  return `${envelope.slice(0, at)}<${envelopeKey}:Header>${header}</${envelopeKey}:Header>${envelope.slice(at)}`;
}
