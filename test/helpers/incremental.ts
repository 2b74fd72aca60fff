/**
 * Reads an incremental (@defer/@stream) response as it arrives: the parts
 * of a `multipart/mixed` body, each with the time it was read, and the
 * final data they add up to.
 */

export interface Part {
  /** Milliseconds from the request to the part being read. */
  at: number;
  payload: IncrementalPayload;
}

export interface IncrementalPayload {
  data?: Record<string, unknown> | null;
  incremental?: { data?: Record<string, unknown>; items?: unknown[]; path: (string | number)[]; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  hasNext: boolean;
  extensions?: { upsales?: { soapCalls: number; queuedMs: number; estimatedCalls: number } } & Record<string, unknown>;
}

/** The parts of a multipart/mixed response, read as they come. */
export async function readParts(response: Response, startedAt: number): Promise<Part[]> {
  const boundary = /boundary="?([^";]+)"?/.exec(response.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error(`Not a multipart response: ${response.headers.get('content-type')}`);
  const delimiter = `\r\n--${boundary}`;
  const decoder = new TextDecoder();
  const parts: Part[] = [];
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf(delimiter); end >= 0; end = buffer.indexOf(delimiter)) {
      const segment = buffer.slice(0, end);
      buffer = buffer.slice(end + delimiter.length);
      const body = segment.indexOf('\r\n\r\n');
      if (body >= 0) parts.push({ at: Date.now() - startedAt, payload: JSON.parse(segment.slice(body + 4)) as IncrementalPayload });
    }
  }
  return parts;
}

/** Merges deferred `data` into the object at `path`, or puts streamed `items` into the list at `path` from its last index on. */
function place(target: Record<string, unknown>, path: (string | number)[], patch: { data?: Record<string, unknown>; items?: unknown[] }): void {
  let at: any = target;
  for (const key of path.slice(0, patch.items ? -1 : undefined)) at = at[key];
  if (patch.items) (at as unknown[]).splice(Number(path.at(-1)), patch.items.length, ...patch.items);
  else Object.assign(at, patch.data);
}

/** The data all the parts add up to. */
export function mergeParts(parts: Part[]): Record<string, unknown> {
  const data = structuredClone(parts[0]?.payload.data ?? {}) as Record<string, unknown>;
  for (const { payload } of parts.slice(1)) for (const patch of payload.incremental ?? []) place(data, patch.path, patch);
  return data;
}
