import { describe, expect, it } from 'vitest';
import { UpstreamConfigError, checkBaseUrl, createUpstream, isLoopbackHost } from '../../src/upstream/index.js';

describe('checkBaseUrl', () => {
  it('accepts https anywhere and http on loopback, without trailing slash', () => {
    expect(checkBaseUrl('https://crm.upsales.com/wsapi/')).toBe('https://crm.upsales.com/wsapi');
    expect(checkBaseUrl('http://127.0.0.1:8080/wsapi')).toBe('http://127.0.0.1:8080/wsapi');
    expect(checkBaseUrl('http://127.8.9.10/wsapi')).toBe('http://127.8.9.10/wsapi');
    expect(checkBaseUrl('http://localhost:9/wsapi')).toBe('http://localhost:9/wsapi');
    expect(checkBaseUrl('http://[::1]:9/wsapi')).toBe('http://[::1]:9/wsapi');
  });

  it.each([
    'http://crm.upsales.com/wsapi', 'http://10.0.0.1/wsapi', 'http://128.0.0.1/wsapi', 'http://127.0.0.1.evil.test/wsapi',
    'http://localhost.evil.test/wsapi', 'ftp://127.0.0.1/wsapi', 'not a url', 'https://user:secret@crm.upsales.com/wsapi',
  ])('refuses %s with a config error that does not echo it', (url) => {
    expect(() => checkBaseUrl(url)).toThrow(UpstreamConfigError);
    try {
      checkBaseUrl(url);
    } catch (error) {
      expect((error as Error).message).not.toContain('upsales.com');
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('makes createUpstream refuse plain http off loopback', () => {
    expect(() => createUpstream({ baseUrl: 'http://crm.upsales.com/wsapi', timeoutMs: 1000 }))
      .toThrow('The Upsales base URL must use https:// (plain http:// is only allowed on loopback)');
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.255.255.254', '[::1]', '::1'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.1', '::', 'example.com', '127.0.0.256'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });
});
