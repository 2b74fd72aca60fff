/**
 * How the gateway's heap grows, set before anything is loaded (main.ts
 * imports this first). The gateway keeps little alive (about 50 MB under
 * load: the schema, code, caches) but makes a lot of short-lived garbage
 * (SOAP envelopes, parsed answers, GraphQL results); V8 would let its heap
 * grow to several times the live data before collecting it, and the
 * process's RSS went from 160 MB to over 300 MB within a minute of
 * ordinary load. Growing the heap by a quarter over what is alive keeps it
 * near 200 MB at the same throughput (`npm run bench`, the soak table),
 * without a hard cap that a large legitimate query could hit.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--heap-growing-percent=25');
