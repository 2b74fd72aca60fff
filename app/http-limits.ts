/**
 * The HTTP server's own bounds (node:http): connections open at once
 * (MAX_CONNECTIONS, WebSockets included; one more is dropped as it comes,
 * and the log says so at most every {@link DROP_LOG_MS}), the time to
 * receive a request's headers (HTTP_HEADERS_TIMEOUT_MS: a client that
 * trickles them gets 408 and is closed) and the whole request
 * (HTTP_REQUEST_TIMEOUT_MS), and how long an idle kept-alive connection
 * waits for its next request (HTTP_KEEP_ALIVE_TIMEOUT_MS). Answers that
 * stream (SSE, multipart, WebSockets) are bounded by the stream caps and
 * their idle timeout, not here. A connection closed while its client still
 * sends (an upload refused before its body is read) lingers: see
 * {@link LINGER_MS}.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpLimits } from '../src/config/config.js';
import type { Logger } from '../src/log/logger.js';

/** How often node checks the headers and request timeouts (a server option; its default is 30 s). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * A connection node closes after an answer (`Connection: close`) stops
 * writing at once but goes on reading, and dropping, what its client still
 * sends for this long before it is destroyed. Destroyed with bytes unread,
 * the kernel answers the client with a reset, and a client still sending
 * (an upload refused before its body) loses the answer with it.
 */
export const LINGER_MS = 2_000;

/** Dropped connections are logged at most this often. */
const DROP_LOG_MS = 10_000;

export function limitServer(server: Server, limits: HttpLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('connection', linger);
  let dropped = 0;
  let lastLogged = 0;
  server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now - lastLogged < DROP_LOG_MS) return;
    lastLogged = now;
    logger.warn({ dropped, maxConnections: limits.maxConnections }, 'connections dropped: MAX_CONNECTIONS are open');
    dropped = 0;
  });
}

/** Node's http server ends a connection it answered `Connection: close` with `destroySoon()`: end it, read on, destroy it later. */
function linger(socket: Socket): void {
  socket.destroySoon = function lingering(this: Socket) {
    if (this.writable) this.end();
    this.resume();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}
