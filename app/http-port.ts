/**
 * The gateway's listening socket, taken first thing at start-up (before the
 * schema and the embedded service load, which take seconds), so that a taken
 * PORT is told at once. Until the gateway is ready, it answers 503.
 */
import { createServer, type Server } from 'node:http';
import { CONNECTIONS_CHECKING_INTERVAL_MS } from './http-limits.js';

/** Binds `port` on `host`; rejects with one line naming PORT when it cannot. */
export async function bindGatewayPort(port: number, host: string): Promise<Server> {
  const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }, (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ status: 'starting' }));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE') throw new Error(`PORT ${port} is in use: set PORT to a free port`);
    if (code === 'EACCES') throw new Error(`PORT ${port} may not be used here: set PORT to a port above 1023`);
    throw error;
  }
  return server;
}
