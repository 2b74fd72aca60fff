/** A plain HTTP relay in front of the simulator that keeps every SOAP exchange, to assert on the real wire. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  path: string;
  request: string;
  status: number;
  response: string;
}

export async function startRecordingProxy(targetBaseUrl: string) {
  const target = new URL(targetBaseUrl);
  const exchanges: Exchange[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
    const upstream = await fetch(new URL(req.url ?? '/', target.origin), { method: req.method, headers, body: req.method === 'POST' ? request : undefined });
    const response = await upstream.text();
    if (req.method === 'POST') exchanges.push({ path: req.url ?? '', request, status: upstream.status, response });
    res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/xml' });
    res.end(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** The simulator's base URL, through the relay. */
    url: `http://127.0.0.1:${port}${target.pathname}`,
    exchanges,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
