/** Checks the configured Upsales base URL: Upsales requires HTTPS; plain HTTP only on loopback. */

export class UpstreamConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamConfigError';
  }
}

/** Whether a URL hostname is this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host) ?? /^::ffff:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4 !== null && v4[1] === '127' && v4.slice(1).every((part) => Number(part) <= 255);
}

/** The base URL without trailing slash; throws {@link UpstreamConfigError} for a URL the adapter must not use. */
export function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UpstreamConfigError('The Upsales base URL is not a valid URL');
  }
  if (url.username || url.password) throw new UpstreamConfigError('The Upsales base URL must not carry credentials');
  if (url.protocol === 'https:') return url.href.replace(/\/+$/, '');
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url.href.replace(/\/+$/, '');
    throw new UpstreamConfigError('The Upsales base URL must use https:// (plain http:// is only allowed on loopback)');
  }
  throw new UpstreamConfigError('The Upsales base URL must use https://');
}
