/**
 * CORS through graphql-yoga's own support: off unless `CORS_ORIGINS` lists
 * origins; a listed origin is answered with itself (and credentials), any
 * other origin gets no CORS headers at all, so its pages cannot read answers
 * or send preflighted requests. A listed origin's pages may read the
 * response's x-request-id.
 */
import type { YogaServerOptions } from 'graphql-yoga';
import { REQUEST_ID_HEADER } from './plugins/use-request-log.js';

type CorsOption = NonNullable<YogaServerOptions<object, object>['cors']>;

export function corsFor(origins: readonly string[]): CorsOption {
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false;
    return { origin: [origin], credentials: true, maxAge: 600, exposedHeaders: [REQUEST_ID_HEADER] };
  };
}
