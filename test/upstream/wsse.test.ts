import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PASSWORD_DIGEST, PASSWORD_TEXT } from '../../src/contract/wire.js';
import { securityHeader, withSoapHeader } from '../../src/upstream/wsse.js';

const field = (xml: string, name: string) => new RegExp(`<${name}[^>]*>([^<]*)</${name}>`).exec(xml)?.[1];

describe('securityHeader', () => {
  it('sends a PasswordDigest of nonce + created + password, never the password', () => {
    const now = new Date('2024-05-01T10:00:00.000Z');
    const xml = securityHeader({ username: 'a&b@demo.test', password: 's3cret<>' }, 'PasswordDigest', now);
    expect(xml).not.toContain('s3cret');
    expect(xml).toContain(`Type="${PASSWORD_DIGEST}"`);
    expect(field(xml, 'wsse:Username')).toBe('a&amp;b@demo.test');
    expect(field(xml, 'wsu:Created')).toBe('2024-05-01T10:00:00.000Z');
    const nonce = field(xml, 'wsse:Nonce')!;
    expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from('2024-05-01T10:00:00.000Z'), Buffer.from('s3cret<>')]))
      .digest('base64');
    expect(field(xml, 'wsse:Password')).toBe(expected);
  });

  it('uses a fresh nonce each time', () => {
    const creds = { username: 'u', password: 'p' };
    expect(field(securityHeader(creds, 'PasswordDigest'), 'wsse:Nonce')).not.toBe(field(securityHeader(creds, 'PasswordDigest'), 'wsse:Nonce'));
  });

  it('can send PasswordText, escaped', () => {
    const xml = securityHeader({ username: 'u', password: 'p<&>' }, 'PasswordText');
    expect(xml).toContain(`<wsse:Password Type="${PASSWORD_TEXT}">p&lt;&amp;&gt;</wsse:Password>`);
  });
});

describe('withSoapHeader', () => {
  it('puts the header right before the body', () => {
    const envelope = '<?xml version="1.0"?><soap:Envelope xmlns:soap="x"><soap:Body><a>&lt;soap:Body</a></soap:Body></soap:Envelope>';
    expect(withSoapHeader(envelope, '<h/>')).toBe('<?xml version="1.0"?><soap:Envelope xmlns:soap="x"><soap:Header><h/></soap:Header><soap:Body><a>&lt;soap:Body</a></soap:Body></soap:Envelope>');
  });

  it('refuses an envelope that already has a header', () => {
    expect(() => withSoapHeader('<soap:Envelope><soap:Header/><soap:Body/></soap:Envelope>', '<h/>')).toThrow('Unexpected SOAP envelope layout');
  });
});
