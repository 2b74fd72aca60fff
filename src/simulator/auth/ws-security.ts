/**
 * WS-Security UsernameToken checking: PasswordText, and PasswordDigest
 * (Base64(SHA1(nonce bytes + Created + password))) with a fresh Created and
 * an unseen Nonce.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PASSWORD_DIGEST, PASSWORD_TEXT, WSSE_NS } from '../../contract/wire.js';
import { SimFault } from '../soap/sim-fault.js';
import { childNamed, type XmlElement } from '../xml/parse-xml.js';
import { NonceCache } from './nonce-cache.js';

/** How old a digest token's Created may be. */
export const MAX_TOKEN_AGE_MS = 5 * 60_000;
/** How far in the future a Created may be (clock skew). */
export const MAX_CLOCK_SKEW_MS = 30_000;

const fail = (message: string): SimFault => new SimFault('AUTHENTICATION_FAILED', message);

export const passwordDigest = (nonceBase64: string, created: string, password: string): string =>
  createHash('sha1').update(Buffer.concat([Buffer.from(nonceBase64, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class WsSecurity {
  private readonly nonces = new NonceCache(MAX_TOKEN_AGE_MS + MAX_CLOCK_SKEW_MS);

  /** `passwordOf` returns the password of a login name, or undefined. */
  constructor(private readonly passwordOf: (username: string) => string | undefined) {}

  /**
   * Checks the Security header and returns the username (lower-cased).
   * Throws AUTHENTICATION_FAILED; messages never echo credentials.
   */
  authenticate(header: XmlElement | undefined, now = Date.now()): string {
    const security = header?.children.find((c) => c.name === 'Security' && c.ns === WSSE_NS);
    if (!security) throw fail('WS-Security header with a UsernameToken is required');
    const token = security.children.find((c) => c.name === 'UsernameToken');
    const usernameEl = token && childNamed(token, 'Username');
    const passwordEl = token && childNamed(token, 'Password');
    if (!token || !usernameEl || !passwordEl) throw fail('UsernameToken with Username and Password is required');
    const username = usernameEl.text.trim().toLowerCase();
    const type = passwordEl.attrs.Type ?? PASSWORD_TEXT;
    const expected = this.passwordOf(username);
    if (type === PASSWORD_TEXT) {
      if (expected === undefined || !sameText(passwordEl.text, expected)) throw fail('invalid username or password');
      return username;
    }
    if (type !== PASSWORD_DIGEST) throw fail('unsupported password type');
    const nonce = childNamed(token, 'Nonce')?.text.trim();
    const created = childNamed(token, 'Created')?.text.trim();
    if (!nonce || !created) throw fail('PasswordDigest needs Nonce and Created');
    const createdMs = Date.parse(created);
    if (Number.isNaN(createdMs)) throw fail('Created is not a date-time');
    if (createdMs < now - MAX_TOKEN_AGE_MS) throw fail('the token is stale: Created is older than 5 minutes');
    if (createdMs > now + MAX_CLOCK_SKEW_MS) throw fail('the token is from the future: Created is ahead of the server clock');
    if (expected === undefined || !sameText(passwordEl.text.trim(), passwordDigest(nonce, created, expected))) throw fail('invalid username or password');
    if (!this.nonces.remember(nonce, now)) throw fail('the nonce was already used (replay)');
    return username;
  }
}
