/** Import files on disk: read as a stream, and known again (path, size, mtime) to re-read after a restart. */
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JobRecord, SourceInfo } from '../store/types.js';

export function fileInfo(path: string): SourceInfo {
  const absolute = resolve(path);
  const stat = statSync(absolute);
  return { path: absolute, size: stat.size, mtimeMs: stat.mtimeMs };
}

export const sameFile = (a: SourceInfo | null, b: SourceInfo): boolean =>
  Boolean(a && a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs);

export const readFile = (path: string): AsyncIterable<Uint8Array> => createReadStream(path, { highWaterMark: 64 * 1024 });

/** The job's file as a stream again, when it is still there unchanged; else undefined. */
export function restageFromFile(job: JobRecord): AsyncIterable<Uint8Array> | undefined {
  if (!job.source) return undefined;
  try {
    return sameFile(job.source, fileInfo(job.source.path)) ? readFile(job.source.path) : undefined;
  } catch {
    return undefined;
  }
}
