/**
 * The HTTP server's own bounds (node:http): connections open at once
 * (MAX_CONNECTIONS, WebSockets included; one more is dropped as it comes,
 * and the log says so at most every {@link DROP_LOG_MS}), the time to
 * receive a request's headers (HTTP_HEADERS_TIMEOUT_MS: a client that
 * trickles them gets 408 and is closed) and the whole request
 * (HTTP_REQUEST_TIMEOUT_MS), and how long an idle kept-alive connection
 * waits for its next request (HTTP_KEEP_ALIVE_TIMEOUT_MS). Answers that
 * stream (SSE, multipart, WebSockets) are bounded by the stream caps and
 * their idle timeout, not here.
 */
import type { Server } from 'node:http';
import type { HttpLimits } from '../src/config/config.js';
import type { Logger } from '../src/log/logger.js';

/** How often node checks the headers and request timeouts (a server option; its default is 30 s). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** Dropped connections are logged at most this often. */
const DROP_LOG_MS = 10_000;

export function limitServer(server: Server, limits: HttpLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
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
