/**
 * Incremental (@defer/@stream) responses in tests: each payload of a
 * multipart/mixed body with the time it was read, and the data they add up
 * to (read and merged by the example frontend's own code).
 */
import { applyPayload, multipartPayloads, type IncrementalPayload } from '../../examples/frontend/incremental.js';

export interface Part {
  /** Milliseconds from the request to the part being read. */
  at: number;
  payload: IncrementalPayload;
}

export async function readParts(response: Response, startedAt: number): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const payload of multipartPayloads(response)) parts.push({ at: Date.now() - startedAt, payload });
  return parts;
}

export function mergeParts(parts: Part[]): Record<string, unknown> {
  const data = structuredClone(parts[0]?.payload.data ?? {}) as Record<string, unknown>;
  for (const { payload } of parts.slice(1)) applyPayload(data, payload);
  return data;
}
