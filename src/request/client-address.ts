/**
 * Who sent a request, as the per-address limits (failed logins, the
 * loopback-only /metrics) count it: the connection's own address, or behind
 * proxies named in TRUSTED_PROXIES (addresses, CIDR ranges, or `loopback`,
 * `linklocal`, `uniquelocal`) the address those proxies say they received
 * it from in `X-Forwarded-For`, read from the right past each trusted hop
 * (proxy-addr, as Express's `trust proxy`). A client can add what it likes
 * to that header: only hops the gateway trusts are taken off, so an
 * untrusted client is always counted by its own address.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** The address to count a request by; `unknown` when the connection has none. */
export type ClientAddressOf = (req: IncomingMessage | undefined) => string;

export function clientAddresses(trusted: readonly string[]): ClientAddressOf {
  const trust = proxyAddr.compile([...trusted]);
  return (req) => {
    if (!req?.socket?.remoteAddress) return 'unknown';
    return trusted.length ? proxyAddr(req, trust) : req.socket.remoteAddress;
  };
}
